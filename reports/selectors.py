"""Reads of the rollups, the network tables, badges, invitations, exports and
subscriptions, with who-may-see-what built in.

Raw SQL (`# nosec B608` below): the text is assembled only from fixed fragments and
table names read from the models' metadata; every value travels as a query parameter."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Count, F, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kernel import prepared
from kernel.replica import reads_from_replica
from pledges.models import format_quantity
from reports.models import (
    METRIC_LABELS,
    METRIC_NAMES,
    Attribution,
    Badge,
    BadgeSetting,
    DailyRollup,
    Export,
    Invite,
    LoneWolf,
    Mobiliser,
    NetworkMonth,
    NetworkStat,
    ReportSubscription,
    RollupDirtyDay,
    Scope,
    ScopeTotal,
)


def _zero() -> dict:
    return {m: (Decimal("0") if m == "outcome_total" else 0) for m in METRIC_NAMES}


def _clean(row: dict) -> dict:
    totals = _zero()
    for name in METRIC_NAMES:
        value = row.get(name)
        if value is not None:
            totals[name] = Decimal(value) if name == "outcome_total" else int(value)
    return totals


# --- Totals: the rollups -----------------------------------------------------------------


@cache
def _scope_totals_statement() -> str:
    # Table and column names from the models; the scope is a parameter.
    return (
        f"SELECT {', '.join(METRIC_NAMES)} FROM {ScopeTotal._meta.db_table} "  # noqa: S608  # nosec B608
        "WHERE scope = %(scope)s AND scope_id = %(scope_id)s"
    )


def scope_totals(*, scope: str, scope_id: int = 0) -> dict:
    """A scope's all-time totals (the home page's, a community's and a campaign's
    figures): its ScopeTotal row, one read by its key, which the recount keeps equal to
    the sum of the scope's rollup rows (`stored_totals`). Zero for a scope with none.

    What the tick has not counted yet shows once it has (every two minutes). Adding
    the events of the days still waiting, per scope, cost 18–36 ms for one community at
    a million pledges (the day's signatures and check-ins, through the community's
    pledges), and a working day always has one waiting: the pages read the rollups
    alone, as the dashboard does. Summing a community's 700 days of rows on each page
    cost 2 ms, and kept in the data cache a Redis read and a recount each minute."""
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            "scope_totals",
            _scope_totals_statement(),
            {"scope": str(scope), "scope_id": scope_id},
        )
        row = cursor.fetchone()
    if row is None:
        return _zero()
    return _clean(dict(zip(METRIC_NAMES, row, strict=True)))


def platform_totals() -> dict:
    """The platform's all-time totals (the home page)."""
    return scope_totals(scope=Scope.PLATFORM, scope_id=0)


@dataclass
class CampaignProgress:
    pledges: int
    signers: int
    done: int
    total_quantity: Decimal
    target: int | None

    @property
    def total_quantity_text(self) -> str:
        return format_quantity(self.total_quantity)

    @property
    def percent(self) -> int:
        if not self.target:
            return 0
        return min(100, round(100 * self.pledges / self.target))


def campaign_progress(*, campaign) -> CampaignProgress:
    """A campaign's pledges toward its target, its signers (authors and co-signers),
    commitments done and the total measured in its unit, from the rollups."""
    totals = scope_totals(scope=Scope.CAMPAIGN, scope_id=campaign.pk)
    return CampaignProgress(
        pledges=totals["pledges_made"],
        signers=totals["pledges_made"] + totals["co_signs"],
        done=totals["people_done"],
        total_quantity=Decimal(totals["outcome_total"] or 0),
        target=campaign.target,
    )


def stored_totals(
    *,
    scope: str,
    scope_id: int = 0,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict:
    """Totals of one scope from the rollup rows alone (what the dashboard reads)."""
    rows = DailyRollup.objects.filter(scope=scope, scope_id=scope_id)
    if date_from:
        rows = rows.filter(day__gte=date_from)
    if date_to:
        rows = rows.filter(day__lte=date_to)
    return _clean(rows.aggregate(**{m: Sum(m) for m in METRIC_NAMES}))


def counting_since() -> datetime.datetime | None:
    """When the oldest change still waiting for the tick was made (None: all counted)."""
    return RollupDirtyDay.objects.aggregate(oldest=Min("created_at"))["oldest"]


# --- The dashboard ----------------------------------------------------------------------------


@dataclass
class Period:
    start: datetime.date
    label: str
    values: dict


@dataclass
class Dashboard:
    scope: str
    scope_id: int
    date_from: datetime.date
    date_to: datetime.date
    bucket: str
    totals: dict
    periods: list[Period]
    funnel: list[dict]
    breakdowns: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def labels(self) -> dict:
        return METRIC_LABELS


BREAKDOWN_METRICS = ("pledges_made", "co_signs", "people_done", "stories_published")
BREAKDOWN_ROWS = 15
DAILY_UP_TO_DAYS = 92


def bucket_for(date_from: datetime.date, date_to: datetime.date) -> str:
    return "day" if (date_to - date_from).days < DAILY_UP_TO_DAYS else "month"


def _periods(date_from, date_to, bucket: str) -> list[datetime.date]:
    if bucket == "day":
        return [
            date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)
        ]
    starts, current = [], date_from.replace(day=1)
    while current <= date_to:
        starts.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return starts


def series(
    *, scope: str, scope_id: int, date_from: datetime.date, date_to: datetime.date, bucket: str
) -> list[Period]:
    rows = DailyRollup.objects.filter(
        scope=scope, scope_id=scope_id, day__gte=date_from, day__lte=date_to
    )
    rows = rows.order_by().annotate(period=TruncMonth("day") if bucket == "month" else F("day"))
    found = {
        row["period"]: _clean(row)
        for row in rows.values("period").annotate(**{m: Sum(m) for m in METRIC_NAMES})
    }
    fmt = "j M" if bucket == "day" else "M Y"  # month names in the reader's language
    return [
        Period(start=start, label=date_format(start, fmt), values=found.get(start, _zero()))
        for start in _periods(date_from, date_to, bucket)
    ]


def funnel(totals: dict) -> list[dict]:
    """Pledged → signed (every commitment: authors and co-signers) → checked in → done."""
    signed = totals["pledges_made"] + totals["co_signs"]
    steps = [
        (_("Pledged"), _("pledges made"), totals["pledges_made"]),
        (_("Signed"), _("commitments made (authors and co-signers)"), signed),
        (
            _("Checked in"),
            _("commitments with at least one check-in"),
            totals["commitments_checked_in"],
        ),
        (_("Done"), _("commitments marked done"), totals["people_done"]),
    ]
    return [
        {
            "step": step,
            "meaning": meaning,
            "value": value,
            "percent_of_signed": round(100 * value / signed) if signed else 0,
        }
        for step, meaning, value in steps
    ]


def _names(scope: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(name, link) of each scope object."""
    from communities.models import Community
    from members.models import Organisation, Region
    from pledges.models import Campaign, Theme

    model = {
        Scope.ORGANISATION: Organisation,
        Scope.REGION: Region,
        Scope.COMMUNITY: Community,
        Scope.CAMPAIGN: Campaign,
        Scope.THEME: Theme,
    }[scope]
    found = {}
    for obj in model.objects.filter(pk__in=ids):
        link = ""
        if scope == Scope.CAMPAIGN:
            link = obj.get_absolute_url()
        elif scope == Scope.COMMUNITY:
            from django.urls import reverse

            link = reverse("communities:detail", args=[obj.slug])
        found[obj.pk] = (getattr(obj, "local_name", obj.name), link)
    return found


def breakdown(
    *, by: str, date_from: datetime.date, date_to: datetime.date, limit: int = BREAKDOWN_ROWS
) -> list[dict]:
    """The busiest organisations (regions, communities…) in the period, by pledges made."""
    rows = list(
        DailyRollup.objects.filter(scope=by, day__gte=date_from, day__lte=date_to)
        .order_by()
        .values("scope_id")
        .annotate(**{m: Sum(m) for m in BREAKDOWN_METRICS})
        .order_by("-pledges_made", "-co_signs", "scope_id")[:limit]
    )
    names = _names(by, [row["scope_id"] for row in rows])
    result = []
    for row in rows:
        name, link = names.get(row["scope_id"], ("(no longer exists)", ""))
        result.append({"id": row["scope_id"], "name": name, "url": link, **_clean(row)})
    return result


@reads_from_replica()
def dashboard(
    *,
    scope: str,
    scope_id: int,
    date_from: datetime.date,
    date_to: datetime.date,
    with_breakdowns: bool,
) -> Dashboard:
    bucket = bucket_for(date_from, date_to)
    totals = stored_totals(scope=scope, scope_id=scope_id, date_from=date_from, date_to=date_to)
    result = Dashboard(
        scope=scope,
        scope_id=scope_id,
        date_from=date_from,
        date_to=date_to,
        bucket=bucket,
        totals=totals,
        periods=series(
            scope=scope, scope_id=scope_id, date_from=date_from, date_to=date_to, bucket=bucket
        ),
        funnel=funnel(totals),
    )
    if with_breakdowns:
        for by in (Scope.ORGANISATION, Scope.REGION, Scope.COMMUNITY, Scope.CAMPAIGN, Scope.THEME):
            result.breakdowns[by.value] = breakdown(by=by, date_from=date_from, date_to=date_to)
    return result


@reads_from_replica()
def earliest_day() -> datetime.date | None:
    return DailyRollup.objects.aggregate(first=Min("day"))["first"]


# --- Open data ---------------------------------------------------------------------------------

SUPPRESS_BELOW = 5
OPEN_DATA_METRICS = (
    "pledges_made",
    "co_signs",
    "pledges_completed",
    "people_done",
    "check_ins",
    "stories_published",
)
OPEN_DATA_DIMENSIONS = (Scope.CAMPAIGN, Scope.REGION, Scope.THEME)


def suppress(value: int) -> int | str:
    """Counts under five could point at a person, so they are published as "<5"."""
    return f"<{SUPPRESS_BELOW}" if value < SUPPRESS_BELOW else value


@reads_from_replica()
def open_data_rows(
    *,
    dimension: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[dict]:
    """Monthly counts per campaign, region and theme (and for the whole platform), small
    counts suppressed. No row names a person. With a date range, only the days in it
    are counted (a month cut by the range holds the days inside it)."""
    dimensions = [d for d in OPEN_DATA_DIMENSIONS if dimension in (None, d.value)]
    scopes = [d.value for d in dimensions]
    if dimension in (None, Scope.PLATFORM.value):
        scopes.append(Scope.PLATFORM.value)
    days = DailyRollup.objects.filter(scope__in=scopes)
    if date_from is not None:
        days = days.filter(day__gte=date_from)
    if date_to is not None:
        days = days.filter(day__lte=date_to)
    raw = list(
        days.annotate(month=TruncMonth("day"))
        .order_by()
        .values("scope", "scope_id", "month")
        .annotate(**{m: Sum(m) for m in OPEN_DATA_METRICS})
        .order_by("scope", "month", "scope_id")
    )
    names: dict[str, dict] = {}
    for scope in {row["scope"] for row in raw} - {Scope.PLATFORM.value}:
        names[scope] = _names(scope, list({r["scope_id"] for r in raw if r["scope"] == scope}))
    result = []
    for row in raw:
        if row["scope"] == Scope.PLATFORM.value:
            name = _("All of Radicals")
        else:
            found = names[row["scope"]].get(row["scope_id"])
            if found is None:
                continue
            name = found[0]
        result.append(
            {
                "dimension": row["scope"],
                "name": name,
                "month": row["month"].strftime("%Y-%m"),
                **{m: suppress(int(row[m] or 0)) for m in OPEN_DATA_METRICS},
            }
        )
    return result


# --- The movement network ----------------------------------------------------------------------


@reads_from_replica()
def network_stat(*, scope: str, scope_id: int = 0) -> NetworkStat | None:
    return NetworkStat.objects.filter(scope=scope, scope_id=scope_id).first()


@reads_from_replica()
def network_months(*, scope: str, scope_id: int = 0) -> list[NetworkMonth]:
    return list(NetworkMonth.objects.filter(scope=scope, scope_id=scope_id).order_by("month"))


@reads_from_replica()
def mobilisers(*, scope: str, scope_id: int = 0, limit: int = 50) -> list[Mobiliser]:
    return list(
        Mobiliser.objects.filter(scope=scope, scope_id=scope_id)
        .select_related("member", "member__organisation")
        .order_by("rank")[:limit]
    )


@reads_from_replica()
def recruiters_of_mobilisers(*, scope: str, scope_id: int = 0, limit: int = 20):
    return list(
        Mobiliser.objects.filter(scope=scope, scope_id=scope_id, recruits_mobilising__gt=0)
        .select_related("member")
        .order_by("-recruits_mobilising", "rank")[:limit]
    )


@reads_from_replica()
def lone_wolves(*, scope: str, scope_id: int = 0, limit: int = 50) -> list[LoneWolf]:
    return list(
        LoneWolf.objects.filter(scope=scope, scope_id=scope_id)
        .select_related("member", "member__organisation")
        .order_by("first_pledged_at")[:limit]
    )


NETWORK_PICTURE_PEOPLE = 12
NETWORK_PICTURE_EDGES = 60


@reads_from_replica()
def network_edges(*, community) -> list[tuple[int, int, int]]:
    """(inviter, invitee, how many) for the community's busiest mobilisers."""
    top = [
        m.member_id
        for m in Mobiliser.objects.filter(scope=Scope.COMMUNITY, scope_id=community.pk).order_by(
            "rank"
        )[:NETWORK_PICTURE_PEOPLE]
    ]
    if not top:
        return []
    edges: Counter = Counter()
    for row in (
        Attribution.objects.filter(community=community, inviter_id__in=top)
        .values("inviter_id", "invitee_id")
        .annotate(n=Count("id"))
    ):
        edges[row["inviter_id"], row["invitee_id"]] += row["n"]
    # Co-signers of a pledge are credited to its author (read from the signatures).
    from pledges.models import Signature

    for row in (
        Signature.objects.filter(
            pledge__community=community, pledge__author_id__in=top, is_author=False
        )
        .values("pledge__author_id", "member_id")
        .annotate(n=Count("id"))
    ):
        edges[row["pledge__author_id"], row["member_id"]] += row["n"]
    ranked = sorted(edges.items(), key=lambda edge: (-edge[1], edge[0]))
    return [(inviter, invitee, n) for (inviter, invitee), n in ranked[:NETWORK_PICTURE_EDGES]]


# --- Badges, invitations, exports, subscriptions -----------------------------------------------


def badges_hidden(member) -> bool:
    return BadgeSetting.objects.filter(member=member, hide_badges=True).exists()


def badges_of(*, member, viewer) -> list[Badge]:
    """A member's badges, unless they hide them from others."""
    is_self = viewer is not None and viewer.is_authenticated and viewer.pk == member.pk
    if not is_self and badges_hidden(member):
        return []
    return list(Badge.objects.filter(member=member).order_by("awarded_at", "id"))


def invite_of(member) -> Invite | None:
    return Invite.objects.filter(member=member).first()


@dataclass
class InviteSummary:
    signups: int
    joins: int
    co_signs: int

    @property
    def total(self) -> int:
        return self.signups + self.joins + self.co_signs


def invite_summary(member) -> InviteSummary:
    counts = dict(
        Attribution.objects.filter(inviter=member)
        .exclude(via=Attribution.Via.PLEDGE)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return InviteSummary(
        signups=counts.get(Attribution.Kind.SIGNUP, 0),
        joins=counts.get(Attribution.Kind.JOIN, 0),
        co_signs=counts.get(Attribution.Kind.CO_SIGN, 0),
    )


def recent_invited(member, limit: int = 20) -> list[Attribution]:
    return list(
        Attribution.objects.filter(inviter=member)
        .exclude(via=Attribution.Via.PLEDGE)
        .select_related("invitee", "community", "signature__pledge")
        .order_by("-created_at", "-id")[:limit]
    )


def exports_never_started(*, older_than_minutes: int = 5) -> list[int]:
    """Background exports still waiting to start well after they were asked for (the
    queue was down when the request committed): start_queued_exports runs them."""
    before = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return list(
        Export.objects.filter(status=Export.Status.QUEUED, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )


def exports_of(user) -> QuerySet[Export]:
    return Export.objects.filter(requested_by=user).select_related("community", "campaign")


def export_for(*, user, pk: int) -> Export | None:
    return exports_of(user).filter(pk=pk).first()


def subscriptions_of(user) -> QuerySet[ReportSubscription]:
    return ReportSubscription.objects.filter(member=user).select_related("community")


def last_counted() -> datetime.datetime | None:
    return DailyRollup.objects.aggregate(last=Max("day"))["last"]


def today() -> datetime.date:
    return timezone.localdate()
