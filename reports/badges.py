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
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from reports import rollups
from reports.models import Badge, Mobiliser, Scope

TEN = 10
THANKED_FOR_APPRECIATED = 5


@dataclass
class Earned:
    """Where a badge's qualifying events are: `member` earns it at the earliest `at`."""

    from_sql: str
    member: str
    at: str
    where: str = "TRUE"
    # Whether the rows already are only those of the days recounted (ten co-signers).
    narrowed: bool = False


def _award_sql(kind: str, earned: Earned, *, days: int | None) -> str:
    """The earliest qualifying event per member is the award; with only_days, only
    members with such an event on %(days)s are looked at, found through the index on
    the event's timestamp."""
    badge = connection.ops.quote_name(Badge._meta.db_table)
    restrict = ""
    if days is not None and not earned.narrowed:
        restrict = (
            f" AND {earned.member} IN (SELECT {earned.member} FROM {earned.from_sql}"  # noqa: S608  # nosec B608
            f" WHERE {earned.where} AND {rollups.in_days(earned.at, days)})"
        )
    return (
        f"INSERT INTO {badge} (member_id, kind, awarded_at) "  # noqa: S608  # nosec B608
        f"SELECT {earned.member}, '{kind}', MIN({earned.at}) FROM {earned.from_sql}"
        f" WHERE {earned.where}{restrict} GROUP BY {earned.member}"
        " ON CONFLICT (member_id, kind) DO NOTHING"
    )


def _earned(*, days: int | None) -> dict[str, Earned]:
    pledge = rollups.table_of("pledges", "Pledge")
    signature = rollups.table_of("pledges", "Signature")
    story = rollups.table_of("stories", "Story")
    enrolment = rollups.table_of("learning", "Enrolment")
    thanks = rollups.table_of("pledges", "Thanks")
    counted = rollups.COUNTED_PLEDGE
    # Only pledges co-signed on the days recounted can have gained a tenth co-signer.
    signed_then = (
        f" AND s.pledge_id IN (SELECT s2.pledge_id FROM {signature} s2"  # noqa: S608  # nosec B608
        f" WHERE {rollups.in_days('s2.signed_at', days)})"
        if days is not None
        else ""
    )
    tenth = (
        "(SELECT p.author_id, s.signed_at, row_number() OVER ("  # noqa: S608  # nosec B608
        "PARTITION BY s.pledge_id ORDER BY s.signed_at, s.id) AS position"
        f" FROM {signature} s JOIN {pledge} p ON p.id = s.pledge_id"
        f" WHERE NOT s.is_author AND {counted}{signed_then}) ranked"
    )
    # A member's fifth thank-you earns them the badge, however the notes were moderated.
    thanked = (
        "(SELECT t.recipient_id, t.created_at, row_number() OVER ("  # noqa: S608  # nosec B608
        f"PARTITION BY t.recipient_id ORDER BY t.created_at, t.id) AS position FROM {thanks} t)"
        " thanked"
    )
    return {
        Badge.Kind.FIRST_PLEDGE: Earned(f"{pledge} p", "p.author_id", "p.created_at", counted),
        Badge.Kind.PLEDGE_DONE: Earned(
            f"{signature} s JOIN {pledge} p ON p.id = s.pledge_id",
            "s.member_id",
            "s.done_at",
            f"s.done_at IS NOT NULL AND {counted}",
        ),
        # The tenth co-signer of one pledge earns its author the badge.
        Badge.Kind.TEN_CO_SIGNERS: Earned(
            tenth, "ranked.author_id", "ranked.signed_at", f"ranked.position = {TEN}", True
        ),
        Badge.Kind.STORY_PUBLISHED: Earned(
            f"{story} st",
            "st.author_id",
            "st.published_at",
            "st.status = 'published' AND st.moderation_status = 'published'",
        ),
        Badge.Kind.STORY_FEATURED: Earned(
            f"{story} st",
            "st.author_id",
            "st.featured_at",
            "st.is_featured AND st.featured_at IS NOT NULL AND st.moderation_status = 'published'",
        ),
        Badge.Kind.MODULE_COMPLETED: Earned(
            f"{enrolment} e", "e.member_id", "e.completed_at", "e.completed_at IS NOT NULL"
        ),
        Badge.Kind.APPRECIATED: Earned(
            thanked,
            "thanked.recipient_id",
            "thanked.created_at",
            f"thanked.position = {THANKED_FOR_APPRECIATED}",
        ),
    }


def award(*, days: list[datetime.date] | None) -> None:
    """Award the event badges to members who acted on `days` (None: everyone), and the
    mobiliser badge to the top 3% of each community."""
    if days is None:
        chunks: list[list[datetime.date] | None] = [None]
    else:
        days = sorted(set(days))
        step = rollups.DAYS_PER_STATEMENT
        chunks = [days[n : n + step] for n in range(0, len(days), step)]
    with connection.cursor() as cursor:
        for chunk in chunks:
            count = None if chunk is None else len(chunk)
            params = {"tz": settings.TIME_ZONE, **rollups.day_params(chunk or [])}
            for kind, earned in _earned(days=count).items():
                cursor.execute(_award_sql(kind, earned, days=count), params)
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
