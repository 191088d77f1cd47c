"""A community's newest pledges for its page, read with hand-written SQL.

Through the ORM, building the query of a community's ten newest pledges (the
visibility rule's conditions, four joins) cost more than the query (docs/benchmarks.md).
For one community the rule reduces to a few conditions whose answers for this member
are known before the query (are they a member of it, do they organise it), so it is one
statement here, turned back into the instances the ORM gives (`kernel.rows`), with
their themes and campaigns put on them as `with_theme_and_campaign()` does.
`tests/pledges/test_reads.py` holds it to `selectors.pledges_visible_to(…)` for
visitors, members, authors, organisers and admins.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from communities.moderation import ModerationStatus
from communities.selectors import member_community_ids, organised_community_ids
from kernel import rows
from members.models import Organisation, User
from pledges import lookups
from pledges.models import Pledge


@cache
def _statement() -> str:
    pledge, user = Pledge._meta.db_table, User._meta.db_table
    # Table and column names from the models; every value is a parameter.
    return (
        f"SELECT {rows.columns(Pledge, 'p')}, {rows.columns(User, 'u')}, "  # noqa: S608 # nosec B608
        f"{rows.columns(Organisation, 'o')} "
        f"FROM {pledge} p JOIN {user} u ON u.id = p.author_id "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = u.organisation_id "
        "WHERE p.community_id = %(community)s AND p.status <> %(withdrawn)s "
        # `pledges_visible_to` for this community: its audience…
        "AND (%(everything)s OR p.visibility = %(public)s OR p.author_id = %(member)s "
        "OR (%(belongs)s AND p.visibility = %(community_only)s)) "
        # …and what moderation lets them see.
        "AND (%(everything)s OR p.moderation_status = %(published)s "
        "OR p.author_id = %(member)s OR %(organises)s) "
        "ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s"
    )


def community_pledges(*, community, viewer, limit: int) -> list[Pledge]:
    """The community's newest pledges `viewer` may see, withdrawn ones left out, each
    with its author, organisation, theme and campaign, and the community in hand."""
    signed_in = viewer is not None and viewer.is_authenticated
    parameters = {
        "community": community.pk,
        "withdrawn": Pledge.Status.WITHDRAWN,
        "everything": signed_in and viewer.is_staff,
        "public": Pledge.Visibility.PUBLIC,
        "community_only": Pledge.Visibility.COMMUNITY,
        "member": viewer.pk if signed_in else None,
        "belongs": signed_in and community.pk in member_community_ids(viewer),
        "organises": signed_in and community.pk in organised_community_ids(viewer),
        "published": ModerationStatus.PUBLISHED,
        "limit": limit,
    }
    user_at = rows.width(Pledge)
    organisation_at = user_at + rows.width(User)
    with connection.cursor() as cursor:
        cursor.execute(_statement(), parameters)
        found = cursor.fetchall()
    pledges = []
    for row in found:
        pledge = rows.build(Pledge, row)
        author = rows.build(User, row, user_at)
        author.organisation = rows.build(Organisation, row, organisation_at)
        pledge.author = author
        pledge.community = community
        pledges.append(pledge)
    lookups.attach(pledges)
    return pledges
