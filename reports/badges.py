"""Badges, awarded by the rollup jobs with set-based SQL.

Each badge is awarded at the moment the member first earned it (the earliest qualifying
event), so the incremental tick, looking only at members who acted on the days it
recounts, and the full recount award the same badges with the same dates. Awards are
INSERT … ON CONFLICT DO NOTHING: running a job twice awards nothing twice. A badge,
once earned, stays.

Raw SQL (`# nosec B608` below): the text is assembled only from fixed fragments and
table names read from the models' metadata; every value travels as a query parameter.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection

from reports import rollups
from reports.models import Badge, Mobiliser, Scope

TEN = 10


def _award_sql(kind: str, candidates_sql: str, *, only_days: bool) -> str:
    """`candidates_sql` selects (member_id, earned_at, ts), ts being the event's time:
    the earliest earned_at per member is the award; with only_days, members are those
    with an event on %(days)s."""
    badge = connection.ops.quote_name(Badge._meta.db_table)
    restrict = ""
    if only_days:
        restrict = (
            " WHERE member_id IN (SELECT member_id FROM candidates WHERE ts >= %(start)s"
            " AND ts < %(end)s AND (ts AT TIME ZONE %(tz)s)::date = ANY(%(days)s))"
        )
    return (
        f"WITH candidates AS ({candidates_sql}) "  # noqa: S608  # nosec B608
        f"INSERT INTO {badge} (member_id, kind, awarded_at) "
        f"SELECT member_id, '{kind}', MIN(earned_at) FROM candidates{restrict} "
        "GROUP BY member_id ON CONFLICT (member_id, kind) DO NOTHING"
    )


def _candidates(*, only_days: bool) -> dict[str, str]:
    pledge = rollups._table("pledges", "Pledge")
    signature = rollups._table("pledges", "Signature")
    story = rollups._table("stories", "Story")
    enrolment = rollups._table("learning", "Enrolment")
    counted = rollups.COUNTED_PLEDGE
    # Only pledges co-signed on the days recounted can have gained a tenth co-signer.
    signed_then = (
        f" AND s.pledge_id IN (SELECT pledge_id FROM {signature} WHERE signed_at >= %(start)s"  # noqa: S608  # nosec B608
        " AND signed_at < %(end)s)"
        if only_days
        else ""
    )
    return {
        Badge.Kind.FIRST_PLEDGE: (
            f"SELECT p.author_id AS member_id, p.created_at AS earned_at, p.created_at AS ts"  # noqa: S608  # nosec B608
            f" FROM {pledge} p WHERE {counted}"
        ),
        Badge.Kind.PLEDGE_DONE: (
            f"SELECT s.member_id, s.done_at AS earned_at, s.done_at AS ts FROM {signature} s"  # noqa: S608  # nosec B608
            f" JOIN {pledge} p ON p.id = s.pledge_id WHERE s.done_at IS NOT NULL AND {counted}"
        ),
        # The tenth co-signer of one pledge earns its author the badge.
        Badge.Kind.TEN_CO_SIGNERS: (
            "SELECT author_id AS member_id, signed_at AS earned_at, signed_at AS ts FROM ("  # noqa: S608  # nosec B608
            "SELECT p.author_id, s.signed_at, row_number() OVER ("
            "PARTITION BY s.pledge_id ORDER BY s.signed_at, s.id) AS position"
            f" FROM {signature} s JOIN {pledge} p ON p.id = s.pledge_id"
            f" WHERE NOT s.is_author AND {counted}{signed_then}) ranked WHERE position = {TEN}"
        ),
        Badge.Kind.STORY_PUBLISHED: (
            f"SELECT author_id AS member_id, published_at AS earned_at, published_at AS ts"  # noqa: S608  # nosec B608
            f" FROM {story} WHERE status = 'published' AND moderation_status = 'published'"
        ),
        Badge.Kind.STORY_FEATURED: (
            f"SELECT author_id AS member_id, featured_at AS earned_at, featured_at AS ts"  # noqa: S608  # nosec B608
            f" FROM {story} WHERE is_featured AND featured_at IS NOT NULL"
            " AND moderation_status = 'published'"
        ),
        Badge.Kind.MODULE_COMPLETED: (
            f"SELECT member_id, completed_at AS earned_at, completed_at AS ts FROM {enrolment}"  # noqa: S608  # nosec B608
            " WHERE completed_at IS NOT NULL"
        ),
    }


def award(*, days: list[datetime.date] | None) -> None:
    """Award the event badges to members who acted on `days` (None: everyone), and the
    mobiliser badge to the top 3% of each community."""
    params: dict = {"tz": settings.TIME_ZONE}
    if days:
        params["days"] = list(days)
        params["start"], params["end"] = rollups.day_range(days)
    elif days is not None:
        return
    with connection.cursor() as cursor:
        for kind, candidates in _candidates(only_days=days is not None).items():
            cursor.execute(_award_sql(kind, candidates, only_days=days is not None), params)
    award_mobilisers()


def award_mobilisers() -> None:
    badge = connection.ops.quote_name(Badge._meta.db_table)
    mobiliser = connection.ops.quote_name(Mobiliser._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {badge} (member_id, kind, awarded_at) "  # noqa: S608  # nosec B608
            f"SELECT DISTINCT member_id, %s, now() FROM {mobiliser} "
            "WHERE is_top AND scope = %s ON CONFLICT (member_id, kind) DO NOTHING",
            [Badge.Kind.MOBILISER.value, Scope.COMMUNITY.value],
        )
