"""Reads of a community's page with hand-written SQL: the community by its address,
and its organisers with the viewer's own membership.

Every visit to a community's page reads these two first. Through the ORM, building
and compiling each (three outer joins for the community; a condition, a join and an
order for the memberships) cost several times its SQL (docs/benchmarks.md), so each is
one statement here, turned back into the instances the ORM gives (`kernel.rows`).
`tests/communities/test_reads.py` holds both to the ORM's answers.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from communities.models import Community, Membership
from kernel import prepared, rows
from members.models import Organisation, Region, User


@cache
def _statements() -> dict[str, str]:
    user = User._meta.db_table
    organiser = prepared.constant(Membership.Role.ORGANISER)
    active = prepared.constant(Membership.Status.ACTIVE)
    # Table and column names from the models; every other value is a parameter.
    return {
        "community": (
            f"SELECT {rows.columns(Community, 'c')}, {rows.columns(Organisation, 'o')}, "  # noqa: S608  # nosec B608
            f"{rows.columns(Region, 'r')}, {rows.columns(User, 'u')} "
            f"FROM {Community._meta.db_table} c "
            f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = c.organisation_id "
            f"LEFT JOIN {Region._meta.db_table} r ON r.id = c.region_id "
            f"LEFT JOIN {user} u ON u.id = c.requested_by_id "
            "WHERE c.slug = %(slug)s"
        ),
        "memberships": (
            f"SELECT {rows.columns(Membership, 'm')}, {rows.columns(User, 'u')} "  # noqa: S608  # nosec B608
            f"FROM {Membership._meta.db_table} m JOIN {user} u ON u.id = m.member_id "
            # The role and status written in: the organisers' partial index serves
            # the prepared statement's plan only for values it knows (kernel.prepared).
            f"WHERE m.community_id = %(community)s AND ((m.role = {organiser} "
            f"AND m.status = {active}) OR m.member_id = %(member)s) "
            "ORDER BY u.display_name, m.member_id"
        ),
    }


def community_by_slug(slug: str) -> Community | None:
    """The community at `slug` (any status) with its organisation, region and
    requester, as `select_related("organisation", "region", "requested_by")` gives
    it; None when there is none."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, "community_by_slug", _statements()["community"], {"slug": slug})
        found = cursor.fetchone()
    if found is None:
        return None
    community, organisation, region, requested_by = rows.build_each(
        found, Community, Organisation, Region, User
    )
    rows.put(community, "organisation", organisation)
    rows.put(community, "region", region)
    rows.put(community, "requested_by", requested_by)
    return community


def community_memberships(community: Community, *, member_id: int | None) -> list[Membership]:
    """The community's active organisers' memberships and `member_id`'s own (in any
    status), each with its member, by the members' names."""
    parameters = {"community": community.pk, "member": member_id}
    with connection.cursor() as cursor:
        prepared.execute(cursor, "community_memberships", _statements()["memberships"], parameters)
        found = cursor.fetchall()
    memberships = []
    for row in found:
        membership, member = rows.build_each(row, Membership, User)
        rows.put(membership, "member", member)
        rows.put(membership, "community", community)
        memberships.append(membership)
    return memberships
