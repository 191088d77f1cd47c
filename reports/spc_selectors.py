"""The SPC charts of a scope: weekly rollup measures and the movement network by month,
read with their re-base dates and turned into XmR charts (reports.spc)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.replica import reads_from_replica
from reports import spc
from reports.models import DailyRollup, NetworkMonth, SpcBaseline

# (measure, label, which direction is better) of the weekly charts, in page order.
WEEKLY_MEASURES: list[tuple[str, str, spc.Better]] = [
    ("pledges_made", gettext_lazy("Pledges made"), spc.Better.HIGHER),
    ("co_signs", gettext_lazy("Co-signs"), spc.Better.HIGHER),
    ("check_ins", gettext_lazy("Check-ins"), spc.Better.HIGHER),
    ("people_done", gettext_lazy("Commitments done"), spc.Better.HIGHER),
    ("new_members", gettext_lazy("New members"), spc.Better.HIGHER),
]
# The network by month. A smaller share driven by the top 3% means the movement has
# spread beyond its first few people, so lower is better there.
MONTHLY_MEASURES: list[tuple[str, str, spc.Better]] = [
    ("top_share", gettext_lazy("Share driven by the top 3% (%)"), spc.Better.LOWER),
    ("mobilisers", gettext_lazy("Mobilisers"), spc.Better.HIGHER),
    ("recruits_mobilising", gettext_lazy("Recruits who mobilise"), spc.Better.HIGHER),
]
MEASURE_CHOICES = [(m, label) for m, label, _better in WEEKLY_MEASURES + MONTHLY_MEASURES]
SPC_WEEKS = 52  # at least this many complete weeks are charted


@dataclass
class SpcChart:
    measure: str
    label: str
    better: spc.Better
    chart: spc.Chart
    sentence: str
    period: str  # "week" or "month": what each point counts
    rebased_on: list[datetime.date]

    @property
    def variation_label(self) -> str:
        return str(spc.VARIATION_LABELS[self.chart.variation])

    @property
    def better_words(self) -> str:
        return {
            spc.Better.HIGHER: _("Higher is better."),
            spc.Better.LOWER: _("Lower is better."),
            spc.Better.NEITHER: _("Neither direction is better."),
        }[self.better]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weeks_window(
    date_from: datetime.date, date_to: datetime.date, first_data: datetime.date | None
) -> list[datetime.date]:
    """Mondays of the complete weeks charted: up to the last full week by `date_to`,
    back to `date_from` or SPC_WEEKS weeks, whichever is longer, but not before the
    scope's first day of data (weeks of nothing before it would look like a signal).
    A week is complete once its Sunday is over: on a Sunday, this week's is not yet
    (a chart would end on a week short of a day, looking like a fall)."""
    last_day = min(date_to, timezone.localdate() - datetime.timedelta(days=1))
    last_sunday = (
        last_day if last_day.weekday() == 6 else monday_of(last_day) - datetime.timedelta(1)
    )
    last_monday = last_sunday - datetime.timedelta(days=6)
    first_monday = min(monday_of(date_from), last_monday - datetime.timedelta(weeks=SPC_WEEKS - 1))
    if first_data is not None:
        first_monday = max(first_monday, monday_of(first_data))
    if first_data is None or first_monday > last_monday:
        return []
    return [
        first_monday + datetime.timedelta(weeks=n)
        for n in range((last_monday - first_monday).days // 7 + 1)
    ]


def baselines(*, scope: str, scope_id: int) -> list[SpcBaseline]:
    return list(
        SpcBaseline.objects.filter(scope=scope, scope_id=scope_id)
        .select_related("created_by")
        .order_by("starts_on", "measure")
    )


def _rebase_indices(starts: list[datetime.date], period_starts: list[datetime.date]) -> list[int]:
    """Index of the first period read with each re-base's new limits: the period the
    re-base day falls in."""
    found = []
    for day in starts:
        inside = [i for i, start in enumerate(period_starts) if start <= day]
        if inside:
            found.append(inside[-1])
    return found


def _build(measure, label, better, labels, values, starts, all_baselines, period):
    rebased = sorted(
        {b.starts_on for b in all_baselines if b.measure in (measure, SpcBaseline.ALL_MEASURES)}
    )
    chart = spc.chart(labels, values, better=better, rebase_at=_rebase_indices(rebased, starts))
    return SpcChart(
        measure=measure,
        label=str(label),
        better=better,
        chart=chart,
        sentence=spc.sentence(chart, measure=str(label), period=period),
        period=period,
        rebased_on=rebased,
    )


@reads_from_replica()
def first_data_day(*, scope: str, scope_id: int) -> datetime.date | None:
    return DailyRollup.objects.filter(scope=scope, scope_id=scope_id).aggregate(first=Min("day"))[
        "first"
    ]


@reads_from_replica()
def weekly_charts(
    *, scope: str, scope_id: int, date_from: datetime.date, date_to: datetime.date
) -> list[SpcChart]:
    """An XmR chart per weekly measure of the scope (three queries in all)."""
    weeks = weeks_window(date_from, date_to, first_data_day(scope=scope, scope_id=scope_id))
    # Asked even when no week is complete yet, so the page's query count is the same
    # however much data there is.
    start = weeks[0] if weeks else date_to
    end = weeks[-1] + datetime.timedelta(weeks=1) if weeks else date_to
    rows = (
        DailyRollup.objects.filter(scope=scope, scope_id=scope_id, day__gte=start, day__lt=end)
        .order_by()
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(**{m: Sum(m) for m, _label, _b in WEEKLY_MEASURES})
    )
    found = {row["week"]: row for row in rows}
    labels = [date_format(week, "j M Y") for week in weeks]
    all_baselines = baselines(scope=scope, scope_id=scope_id)
    return [
        _build(
            measure,
            label,
            better,
            labels,
            [int(found.get(week, {}).get(measure) or 0) for week in weeks],
            weeks,
            all_baselines,
            "week",
        )
        for measure, label, better in WEEKLY_MEASURES
    ]


@reads_from_replica()
def monthly_network_charts(*, scope: str, scope_id: int) -> list[SpcChart]:
    """The movement over time: the top-3% share, mobilisers and recruits who mobilise,
    month by month."""
    months = list(NetworkMonth.objects.filter(scope=scope, scope_id=scope_id).order_by("month"))
    starts = [m.month for m in months]
    labels = [date_format(m.month, "F Y") for m in months]
    values = {
        "top_share": [round(100 * m.top_events / m.events, 1) if m.events else 0.0 for m in months],
        "mobilisers": [m.mobilisers for m in months],
        "recruits_mobilising": [m.recruits_mobilising for m in months],
    }
    all_baselines = baselines(scope=scope, scope_id=scope_id)
    return [
        _build(measure, label, better, labels, values[measure], starts, all_baselines, "month")
        for measure, label, better in MONTHLY_MEASURES
    ]


def spc_rows(item: SpcChart) -> list[dict]:
    """The table (and CSV) beside a chart: one row per point."""
    rows = []
    for point in item.chart.points:
        limits = point.limits
        rows.append(
            {
                "period": point.label,
                "value": point.value,
                "mean": round(limits.mean, 2) if limits else None,
                "lower_limit": round(limits.lower, 2) if limits else None,
                "upper_limit": round(limits.upper, 2) if limits else None,
                "signal": ", ".join(str(RULE_LABELS[r]) for r in spc.Rule if r in point.rules),
            }
        )
    return rows


RULE_LABELS = {
    spc.Rule.ASTRONOMICAL: gettext_lazy("beyond a limit"),
    spc.Rule.SHIFT: gettext_lazy("run of 7 on one side"),
    spc.Rule.TREND: gettext_lazy("trend of 6"),
    spc.Rule.TWO_OF_THREE: gettext_lazy("2 of 3 near a limit"),
}
