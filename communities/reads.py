"""Reads of a community's page with hand-written SQL: the community by its address,
and its organisers with the viewer's own membership.

Every visit to a community's page reads these first. Through the ORM, building and
compiling each (three outer joins for the community; a condition, a join and an order
for the memberships) cost several times its SQL (docs/benchmarks.md), so they are
hand-written here, turned back into the instances the ORM gives (`kernel.rows`). The
community's page reads the community with its organisers and the viewer's membership
in one statement (`community_page`, one round trip, not two); every other community
view reads the community alone (`community_by_slug`).
`tests/communities/test_reads.py` holds them to the ORM's answers.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from communities.models import Community, Membership
from kernel import prepared, rows
from members.models import NAME_FIELDS, Organisation, Region, User

# What the page shows of an organiser: their name as they allow it, and their profile's
# address (`members.models.NAME_FIELDS`); the rest is deferred.
_MEMBER = {User: NAME_FIELDS}


@cache
def _statements() -> dict[str, str]:
    user = User._meta.db_table
    organiser = prepared.constant(Membership.Role.ORGANISER)
    active = prepared.constant(Membership.Status.ACTIVE)
    membership = Membership._meta.db_table
    # Table and column names from the models; every other value is a parameter.
    columns = (
        f"{rows.columns(Community, 'c')}, {rows.columns(Organisation, 'o')}, "
        f"{rows.columns(Region, 'r')}, {rows.columns(User, 'u')}"
    )
    tables = (
        f"{Community._meta.db_table} c "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = c.organisation_id "
        f"LEFT JOIN {Region._meta.db_table} r ON r.id = c.region_id "
        f"LEFT JOIN {user} u ON u.id = c.requested_by_id"
    )
    return {
        "community": f"SELECT {columns} FROM {tables} WHERE c.slug = %(slug)s",  # noqa: S608  # nosec B608
        # The community, then one row for each organiser and the viewer's own
        # membership (or one row without any): the organisers from their partial
        # index, the viewer's row from the (community, member) one.
        "page": (
            f"SELECT {columns}, {rows.columns(Membership, 'm')}, "  # noqa: S608  # nosec B608
            f"{rows.columns(User, 'mu', NAME_FIELDS)} FROM {tables} "
            f"LEFT JOIN LATERAL (SELECT * FROM {membership} o_m WHERE o_m.community_id = c.id "
            f"AND o_m.role = {organiser} AND o_m.status = {active} "
            f"UNION ALL SELECT * FROM {membership} v_m WHERE v_m.community_id = c.id "
            "AND v_m.member_id = %(member)s "
            f"AND NOT (v_m.role = {organiser} AND v_m.status = {active})) m ON true "
            f"LEFT JOIN {user} mu ON mu.id = m.member_id "
            "WHERE c.slug = %(slug)s ORDER BY mu.display_name, m.member_id"
        ),
    }


# The models of a community's columns, in their order (`_statements`' `columns`).
_COMMUNITY = (Community, Organisation, Region, User)


def _community(row) -> Community:
    """The community at the start of `row`, with its organisation, region and
    requester on it, as `select_related` puts them."""
    community, organisation, region, requested_by = rows.build_each(row, *_COMMUNITY)
    rows.put(community, "organisation", organisation)
    rows.put(community, "region", region)
    rows.put(community, "requested_by", requested_by)
    return community


def community_by_slug(slug: str) -> Community | None:
    """The community at `slug` (any status) with its organisation, region and
    requester, as `select_related("organisation", "region", "requested_by")` gives
    it; None when there is none."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, "community_by_slug", _statements()["community"], {"slug": slug})
        found = cursor.fetchone()
    if found is None:
        return None
    return _community(found)


def community_page(slug: str, *, member_id: int | None) -> tuple[Community | None, list]:
    """The community at `slug` as `community_by_slug` gives it (None when there is
    none), with its active organisers' memberships and `member_id`'s own (in any
    status), by the members' names, each with its member (their name's fields, the
    rest deferred): one statement."""
    with connection.cursor() as cursor:
        prepared.execute(
            cursor, "community_page", _statements()["page"], {"slug": slug, "member": member_id}
        )
        found = cursor.fetchall()
    if not found:
        return None, []
    community = _community(found[0])
    start = rows.width(*_COMMUNITY)
    memberships = []
    for row in found:
        membership, member = rows.build_each(row[start:], Membership, User, only=_MEMBER)
        if membership is None:
            continue
        rows.put(membership, "member", member)
        rows.put(membership, "community", community)
        memberships.append(membership)
    return community, memberships
