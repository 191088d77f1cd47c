"""The movement network: who brings people in, and how concentrated that is.

Events are community joins (active memberships) and co-signs (of counted pledges). An
event is *credited* to every member an `Attribution` names for it: whoever's share
link or invitation the person came through, and for a co-sign the pledge's author.
For each scope (the platform, a community, a campaign):

* mobilisers are members ranked by the events credited to them (ties by member id);
* the *top 3%* are the first ceil(3% of the scope's members) mobilisers, and the share
  they drive is the events credited to any of them over all events in the scope;
* a mobiliser's recruits are the people attributed to them; those recruits who went
  on to be credited with events of their own are "recruits who mobilise";
* lone pledgers made a pledge over LONE_WOLF_DAYS ago and no pledge of theirs in the
  scope has a co-signer.

The results are tables (`NetworkStat`, `NetworkMonth`, `Mobiliser`, `LoneWolf`)
refreshed by the rollup tick for the scopes active on the days it recounts (each at
most every REPORTS_NETWORK_REFRESH_MINUTES), and for every scope by the nightly full
recount.

Raw SQL (`# nosec B608` below): the text is assembled only from fixed fragments and
table names read from the models' metadata; every value travels as a query parameter.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports import rollups
from reports.models import Attribution, LoneWolf, Mobiliser, NetworkMonth, NetworkStat, Scope

TOP_SHARE = 0.03
MOBILISERS_KEPT = 100
LONE_WOLF_DAYS = 30
LONE_WOLVES_KEPT = 200
NETWORK_SCOPES = (Scope.PLATFORM, Scope.COMMUNITY, Scope.CAMPAIGN)


def top_size(members: int) -> int:
    """How many members make up the top 3% of a scope of `members` people."""
    return math.ceil(TOP_SHARE * members) if members > 0 else 0


def _filters(scope: str) -> dict[str, str]:
    if scope == Scope.COMMUNITY:
        return {
            "join": "AND ms.community_id = %(id)s",
            "pledge": "AND p.community_id = %(id)s",
            "attribution": "AND a.community_id = %(id)s",
        }
    if scope == Scope.CAMPAIGN:
        return {
            "join": "AND FALSE",
            "pledge": "AND p.campaign_id = %(id)s",
            "attribution": "AND a.campaign_id = %(id)s",
        }
    return {"join": "", "pledge": "", "attribution": ""}


def _events_and_credits(scope: str) -> str:
    t = rollups.table_of
    f = _filters(scope)
    attribution = t("reports", "Attribution")
    user = t("members", "User")
    membership = t("communities", "Membership")
    return (
        "WITH events AS ("  # noqa: S608  # nosec B608
        "SELECT 'join' AS kind, ms.id AS obj, ms.joined_at AS ts, NULL::bigint AS author,"
        " ms.member_id AS who"
        f" FROM {membership} ms"
        f" WHERE ms.status = 'active' AND ms.joined_at IS NOT NULL {f['join']}"
        " UNION ALL "
        "SELECT 'co_sign', s.id, s.signed_at, p.author_id, s.member_id"
        f" FROM {t('pledges', 'Signature')} s"
        f" JOIN {t('pledges', 'Pledge')} p ON p.id = s.pledge_id"
        f" WHERE NOT s.is_author AND {rollups.COUNTED_PLEDGE} {f['pledge']}"
        "), credits AS ("
        f"SELECT a.inviter_id, e.kind, e.obj FROM events e JOIN {attribution} a"
        f" ON a.membership_id = e.obj JOIN {user} u ON u.id = a.inviter_id"
        " WHERE e.kind = 'join' AND u.is_active"
        " UNION "
        f"SELECT a.inviter_id, e.kind, e.obj FROM events e JOIN {attribution} a"
        f" ON a.signature_id = e.obj JOIN {user} u ON u.id = a.inviter_id"
        " WHERE e.kind = 'co_sign' AND u.is_active"
        " UNION "
        # Every co-sign is credited to the pledge's author (read here, never stored).
        f"SELECT e.author, e.kind, e.obj FROM events e JOIN {user} u ON u.id = e.author"
        " WHERE e.kind = 'co_sign' AND u.is_active"
        ")"
    )


def _members(cursor, scope: str, scope_id: int) -> int:
    t = rollups.table_of
    if scope == Scope.PLATFORM:
        cursor.execute(f"SELECT COUNT(*) FROM {t('members', 'User')} WHERE is_active")  # noqa: S608  # nosec B608
    elif scope == Scope.COMMUNITY:
        cursor.execute(
            f"SELECT COUNT(*) FROM {t('communities', 'Membership')}"  # noqa: S608  # nosec B608
            " WHERE community_id = %s AND status = 'active'",
            [scope_id],
        )
    else:
        cursor.execute(
            f"SELECT COUNT(DISTINCT s.member_id) FROM {t('pledges', 'Signature')} s"  # noqa: S608  # nosec B608
            f" JOIN {t('pledges', 'Pledge')} p ON p.id = s.pledge_id"
            f" WHERE p.campaign_id = %s AND {rollups.COUNTED_PLEDGE}",
            [scope_id],
        )
    return cursor.fetchone()[0]


@dataclass
class Ranked:
    member_id: int
    events: int
    rank: int


def _ranking(cursor, scope: str, scope_id: int) -> list[Ranked]:
    cursor.execute(
        f"{_events_and_credits(scope)} SELECT inviter_id, COUNT(*) AS n FROM credits"  # noqa: S608  # nosec B608
        " GROUP BY inviter_id ORDER BY n DESC, inviter_id",
        {"id": scope_id},
    )
    return [
        Ranked(member_id=member_id, events=n, rank=position)
        for position, (member_id, n) in enumerate(cursor.fetchall(), start=1)
    ]


def _months(cursor, scope: str, scope_id: int, top: list[int]) -> list[tuple]:
    """Per month: events, attributed events, events driven by the top, members credited
    (mobilisers) and, of those, people someone had brought in. One pass over the events
    and their credits, which every figure reads."""
    cursor.execute(
        f"{_events_and_credits(scope)}, joined AS MATERIALIZED ("  # noqa: S608  # nosec B608
        "SELECT e.kind, e.obj, e.ts, e.who, c.inviter_id,"
        " date_trunc('month', e.ts AT TIME ZONE %(tz)s)::date AS month"
        " FROM events e LEFT JOIN credits c ON c.kind = e.kind AND c.obj = e.obj),"
        " per_event AS (SELECT month, bool_or(inviter_id IS NOT NULL) AS attributed,"
        " COALESCE(bool_or(inviter_id = ANY(%(top)s)), FALSE) AS top"
        " FROM joined GROUP BY kind, obj, month),"
        " per_month AS (SELECT month, COUNT(*) AS n, COUNT(*) FILTER (WHERE attributed) AS a,"
        " COUNT(*) FILTER (WHERE top) AS t FROM per_event GROUP BY month),"
        " recruited AS (SELECT DISTINCT who FROM joined WHERE inviter_id IS NOT NULL),"
        " credited AS (SELECT DISTINCT month, inviter_id FROM joined"
        " WHERE inviter_id IS NOT NULL),"
        " mobilising AS (SELECT month, COUNT(*) AS m,"
        " COUNT(*) FILTER (WHERE inviter_id IN (SELECT who FROM recruited)) AS r"
        " FROM credited GROUP BY month) "
        "SELECT p.month, p.n, p.a, p.t, COALESCE(m.m, 0), COALESCE(m.r, 0)"
        " FROM per_month p LEFT JOIN mobilising m ON m.month = p.month ORDER BY p.month",
        {"id": scope_id, "top": top, "tz": settings.TIME_ZONE},
    )
    return cursor.fetchall()


def _recruits(cursor, scope: str, scope_id: int, ranked: list[int], mobilising: list[int]):
    if not ranked:
        return {}
    attribution = rollups.table_of("reports", "Attribution")
    signature, pledge = (
        rollups.table_of("pledges", "Signature"),
        rollups.table_of("pledges", "Pledge"),
    )
    filters = _filters(scope)
    cursor.execute(
        "SELECT r.inviter_id, COUNT(DISTINCT r.invitee_id),"  # noqa: S608  # nosec B608
        " COUNT(DISTINCT r.invitee_id) FILTER (WHERE r.invitee_id = ANY(%(mobilising)s))"
        f" FROM (SELECT a.inviter_id, a.invitee_id FROM {attribution} a"
        f" WHERE a.inviter_id = ANY(%(ranked)s) {filters['attribution']}"
        # A pledge's co-signers are its author's recruits (the credit read, not stored).
        f" UNION ALL SELECT p.author_id, s.member_id FROM {signature} s"
        f" JOIN {pledge} p ON p.id = s.pledge_id"
        f" WHERE NOT s.is_author AND p.author_id = ANY(%(ranked)s) {filters['pledge']}) r"
        " GROUP BY r.inviter_id",
        {"id": scope_id, "ranked": ranked, "mobilising": mobilising},
    )
    return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _lone_wolves(cursor, scope: str, scope_id: int, now: datetime.datetime) -> list[tuple]:
    t = rollups.table_of
    pledge, signature = t("pledges", "Pledge"), t("pledges", "Signature")
    f = _filters(scope)["pledge"]
    cursor.execute(
        f"SELECT p.author_id, COUNT(*), MIN(p.created_at) FROM {pledge} p"  # noqa: S608  # nosec B608
        f" JOIN {t('members', 'User')} u ON u.id = p.author_id"
        f" WHERE u.is_active AND {rollups.COUNTED_PLEDGE} {f}"
        f" AND NOT EXISTS (SELECT 1 FROM {pledge} p2 JOIN {signature} s ON s.pledge_id = p2.id"
        f" WHERE p2.author_id = p.author_id AND NOT s.is_author"
        f" {f.replace('p.', 'p2.')})"
        " GROUP BY p.author_id HAVING MIN(p.created_at) < %(cutoff)s"
        " ORDER BY MIN(p.created_at), p.author_id LIMIT %(limit)s",
        {
            "id": scope_id,
            "cutoff": now - datetime.timedelta(days=LONE_WOLF_DAYS),
            "limit": LONE_WOLVES_KEPT,
        },
    )
    return cursor.fetchall()


@transaction.atomic
def refresh_scope(scope: str, scope_id: int, *, now: datetime.datetime | None = None) -> None:
    """Recompute one scope's network tables from the attributions and events."""
    now = now or timezone.now()
    scope = Scope(scope)
    with connection.cursor() as cursor:
        members = _members(cursor, scope, scope_id)
        ranking = _ranking(cursor, scope, scope_id)
        size = top_size(members)
        top = [r.member_id for r in ranking[:size]]
        months = _months(cursor, scope, scope_id, top)
        kept = ranking[: max(size, MOBILISERS_KEPT)]
        recruits = _recruits(
            cursor,
            scope,
            scope_id,
            [r.member_id for r in kept],
            [r.member_id for r in ranking],
        )
        lone = _lone_wolves(cursor, scope, scope_id, now)
    events = sum(row[1] for row in months)
    in_scope = {"scope": scope, "scope_id": scope_id}
    Mobiliser.objects.filter(**in_scope).delete()
    NetworkMonth.objects.filter(**in_scope).delete()
    LoneWolf.objects.filter(**in_scope).delete()
    if not members and not events and not lone:
        NetworkStat.objects.filter(**in_scope).delete()
        return
    NetworkStat.objects.update_or_create(
        **in_scope,
        defaults={
            "members": members,
            "events": events,
            "attributed_events": sum(row[2] for row in months),
            "mobilisers": len(ranking),
            "top_size": size,
            "top_events": sum(row[3] for row in months),
            "computed_at": now,
        },
    )
    NetworkMonth.objects.bulk_create(
        NetworkMonth(
            **in_scope,
            month=month,
            events=n,
            attributed_events=a,
            top_events=tops,
            mobilisers=mobilising,
            recruits_mobilising=recruits,
        )
        for month, n, a, tops, mobilising, recruits in months
    )
    top_ids = set(top)
    Mobiliser.objects.bulk_create(
        Mobiliser(
            **in_scope,
            member_id=r.member_id,
            rank=r.rank,
            events=r.events,
            recruits=recruits.get(r.member_id, (0, 0))[0],
            recruits_mobilising=recruits.get(r.member_id, (0, 0))[1],
            is_top=r.member_id in top_ids,
        )
        for r in kept
    )
    LoneWolf.objects.bulk_create(
        LoneWolf(**in_scope, member_id=member_id, pledges=n, first_pledged_at=first)
        for member_id, n, first in lone
    )


def refresh_scopes(
    scopes: Iterable[tuple[str, int]], *, unless_newer_than: datetime.timedelta | None = None
) -> None:
    """Recompute these scopes. With `unless_newer_than`, a scope computed more recently
    than that is left as it is: the tick refreshes each scope at most that often (the
    platform's network reads every join and co-sign), the nightly recount always."""
    wanted = {(scope, scope_id) for scope, scope_id in scopes if scope in NETWORK_SCOPES}
    if unless_newer_than:
        since = timezone.now() - unless_newer_than
        fresh = set(
            NetworkStat.objects.filter(computed_at__gt=since).values_list("scope", "scope_id")
        )
        wanted -= fresh
    for scope, scope_id in sorted(wanted):
        refresh_scope(scope, scope_id)


def tick_refresh_age() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "REPORTS_NETWORK_REFRESH_MINUTES", 10))


def refresh_all() -> None:
    """Every scope there is, and the removal of scopes that are gone."""
    from communities.models import Community
    from pledges.models import Campaign

    scopes = {(Scope.PLATFORM.value, 0)}
    scopes |= {(Scope.COMMUNITY.value, pk) for pk in Community.objects.values_list("pk", flat=True)}
    scopes |= {(Scope.CAMPAIGN.value, pk) for pk in Campaign.objects.values_list("pk", flat=True)}
    stale = set(NetworkStat.objects.values_list("scope", "scope_id")) - scopes
    refresh_scopes(scopes | stale)


def attributed_scopes(attribution: Attribution) -> set[tuple[str, int]]:
    scopes = {(Scope.PLATFORM.value, 0)}
    if attribution.community_id:
        scopes.add((Scope.COMMUNITY.value, attribution.community_id))
    if attribution.campaign_id:
        scopes.add((Scope.CAMPAIGN.value, attribution.campaign_id))
    return scopes
