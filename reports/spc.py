"""Statistical process control (XmR charts) the way NHS England's "Making Data Count"
reads them, so a board tells a signal from noise.

* Limits: the mean of the points, and process limits at mean ± 2.66 × the mean
  moving range (the average absolute difference between neighbouring points).
* Special cause, by the Making Data Count rules:
  - a point beyond a process limit (ASTRONOMICAL);
  - a run of 7 or more points on one side of the mean (SHIFT; a point on the mean
    ends a run);
  - 6 or more consecutive points each rising or each falling (TREND; an equal
    neighbour ends a trend);
  - 2 of 3 consecutive points beyond two sigma, mean ± 2/3 × (UPL − mean), on the
    same side (TWO_OF_THREE).
* A chart can be re-based at one or more points (a campaign's launch): each segment
  has its own limits, computed from its own points only.
* A segment of fewer than MIN_POINTS points gets no limits: the guidance asks for 15
  or more, and fewer would make every wobble look like a signal (or hide one).

Pure Python and pure data: no database, no Django apart from the translations of the
sentence that describes the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LIMIT_FACTOR = 2.66  # 3 / d2 for moving ranges of two points (d2 = 1.128)
MIN_POINTS = 15
SHIFT_POINTS = 7
TREND_POINTS = 6


class Better(StrEnum):
    """Which direction of a measure is an improvement."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"


class Rule(StrEnum):
    ASTRONOMICAL = "astronomical"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


class Variation(StrEnum):
    """The Making Data Count variation icons."""

    NO_LIMITS = "no_limits"
    COMMON = "common_cause"
    IMPROVING = "improving"
    CONCERNING = "concerning"
    NEITHER = "neither"


VARIATION_LABELS = {
    Variation.NO_LIMITS: gettext_lazy("Too few points for process limits"),
    Variation.COMMON: gettext_lazy("Common cause variation"),
    Variation.IMPROVING: gettext_lazy("Special cause variation: improving"),
    Variation.CONCERNING: gettext_lazy("Special cause variation: concerning"),
    Variation.NEITHER: gettext_lazy("Special cause variation: neither better nor worse"),
}


@dataclass(frozen=True)
class Limits:
    mean: float
    mean_moving_range: float
    upper: float
    lower: float

    @property
    def upper_two_sigma(self) -> float:
        return self.mean + 2 / 3 * (self.upper - self.mean)

    @property
    def lower_two_sigma(self) -> float:
        return self.mean - 2 / 3 * (self.upper - self.mean)


@dataclass
class Point:
    label: str
    value: float
    segment: int
    limits: Limits | None
    rules: set[Rule] = field(default_factory=set)
    side: str = ""  # "high" or "low" when a rule fired

    @property
    def special(self) -> bool:
        return bool(self.rules)


@dataclass
class Chart:
    points: list[Point]
    better: Better
    variation: Variation
    segments: list[tuple[int, int, Limits | None]]  # (first index, last index, limits)

    @property
    def has_limits(self) -> bool:
        return any(limits is not None for _, _, limits in self.segments)


def limits_of(values: Sequence[float]) -> Limits:
    """Mean and process limits of one segment (at least two points)."""
    if len(values) < 2:
        raise ValueError("Process limits need at least two points.")
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mean_range = sum(ranges) / len(ranges)
    return Limits(
        mean=mean,
        mean_moving_range=mean_range,
        upper=mean + LIMIT_FACTOR * mean_range,
        lower=mean - LIMIT_FACTOR * mean_range,
    )


def _side(value: float, mean: float) -> int:
    return (value > mean) - (value < mean)


def _flag(points: list[Point], indices: Sequence[int], rule: Rule, side: int) -> None:
    for i in indices:
        points[i].rules.add(rule)
        points[i].side = "high" if side > 0 else "low"


def _apply_rules(points: list[Point], first: int, last: int, limits: Limits) -> None:
    values = [points[i].value for i in range(first, last + 1)]
    n = len(values)
    for offset, value in enumerate(values):
        if value > limits.upper:
            _flag(points, [first + offset], Rule.ASTRONOMICAL, 1)
        elif value < limits.lower:
            _flag(points, [first + offset], Rule.ASTRONOMICAL, -1)
    # Shifts: runs of points strictly on one side of the mean.
    start = 0
    while start < n:
        side = _side(values[start], limits.mean)
        end = start
        while end + 1 < n and side and _side(values[end + 1], limits.mean) == side:
            end += 1
        if side and end - start + 1 >= SHIFT_POINTS:
            _flag(points, range(first + start, first + end + 1), Rule.SHIFT, side)
        start = end + 1
    # Trends: points each strictly above (or below) the one before.
    start = 0
    while start < n - 1:
        step = _side(values[start + 1], values[start])
        end = start + 1
        while end + 1 < n and step and _side(values[end + 1], values[end]) == step:
            end += 1
        if step and end - start + 1 >= TREND_POINTS:
            _flag(points, range(first + start, first + end + 1), Rule.TREND, step)
        start = end if step else start + 1
    # Two of three beyond two sigma, on the same side.
    for start in range(n - 2):
        window = range(start, start + 3)
        for side, beyond in (
            (1, [i for i in window if values[i] > limits.upper_two_sigma]),
            (-1, [i for i in window if values[i] < limits.lower_two_sigma]),
        ):
            if len(beyond) >= 2:
                _flag(points, [first + i for i in beyond], Rule.TWO_OF_THREE, side)


def variation_of(point: Point | None, better: Better) -> Variation:
    """The icon of a chart: what its latest point says."""
    if point is None or point.limits is None:
        return Variation.NO_LIMITS
    if not point.special:
        return Variation.COMMON
    if better == Better.NEITHER:
        return Variation.NEITHER
    good_side = "high" if better == Better.HIGHER else "low"
    return Variation.IMPROVING if point.side == good_side else Variation.CONCERNING


def chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    better: Better,
    rebase_at: Sequence[int] = (),
    min_points: int = MIN_POINTS,
) -> Chart:
    """An XmR chart of `values`, with new limits from each index in `rebase_at`."""
    if len(labels) != len(values):
        raise ValueError("Every value needs a label.")
    cuts = sorted({i for i in rebase_at if 0 < i < len(values)})
    bounds = list(zip([0, *cuts], [*(c - 1 for c in cuts), len(values) - 1], strict=True))
    points: list[Point] = []
    segments: list[tuple[int, int, Limits | None]] = []
    for number, (first, last) in enumerate(bounds):
        part = [float(v) for v in values[first : last + 1]]
        limits = limits_of(part) if len(part) >= max(min_points, 2) else None
        segments.append((first, last, limits))
        for offset, value in enumerate(part):
            points.append(Point(label=labels[first + offset], value=value, segment=number,
                                limits=limits))  # fmt: skip
        if limits is not None:
            _apply_rules(points, first, last, limits)
    return Chart(
        points=points,
        better=better,
        variation=variation_of(points[-1] if points else None, better),
        segments=segments,
    )


# The sentence of the latest signal: one whole sentence for each rule, side and period,
# so every language can order it as it needs (measure and period named inside it).
SIGNAL_SENTENCES = {
    (Rule.ASTRONOMICAL, "high", "week"): gettext_lazy(
        "%(measure)s rose above their usual range in the week of %(label)s."
    ),
    (Rule.ASTRONOMICAL, "low", "week"): gettext_lazy(
        "%(measure)s fell below their usual range in the week of %(label)s."
    ),
    (Rule.SHIFT, "high", "week"): gettext_lazy(
        "%(measure)s stayed above their average in the week of %(label)s."
    ),
    (Rule.SHIFT, "low", "week"): gettext_lazy(
        "%(measure)s stayed below their average in the week of %(label)s."
    ),
    (Rule.TREND, "high", "week"): gettext_lazy("%(measure)s kept rising in the week of %(label)s."),
    (Rule.TREND, "low", "week"): gettext_lazy("%(measure)s kept falling in the week of %(label)s."),
    (Rule.TWO_OF_THREE, "high", "week"): gettext_lazy(
        "%(measure)s came close to the top of their range in the week of %(label)s."
    ),
    (Rule.TWO_OF_THREE, "low", "week"): gettext_lazy(
        "%(measure)s came close to the bottom of their range in the week of %(label)s."
    ),
    (Rule.ASTRONOMICAL, "high", "month"): gettext_lazy(
        "%(measure)s rose above their usual range in %(label)s."
    ),
    (Rule.ASTRONOMICAL, "low", "month"): gettext_lazy(
        "%(measure)s fell below their usual range in %(label)s."
    ),
    (Rule.SHIFT, "high", "month"): gettext_lazy(
        "%(measure)s stayed above their average in %(label)s."
    ),
    (Rule.SHIFT, "low", "month"): gettext_lazy(
        "%(measure)s stayed below their average in %(label)s."
    ),
    (Rule.TREND, "high", "month"): gettext_lazy("%(measure)s kept rising in %(label)s."),
    (Rule.TREND, "low", "month"): gettext_lazy("%(measure)s kept falling in %(label)s."),
    (Rule.TWO_OF_THREE, "high", "month"): gettext_lazy(
        "%(measure)s came close to the top of their range in %(label)s."
    ),
    (Rule.TWO_OF_THREE, "low", "month"): gettext_lazy(
        "%(measure)s came close to the bottom of their range in %(label)s."
    ),
}


def sentence(chart: Chart, *, measure: str, period: str) -> str:
    """One plain sentence about the latest signal, or that there is none. `period` is
    "week" or "month": what each point of the chart counts."""
    if not chart.points:
        return _("There is nothing to show yet.")
    if not chart.has_limits:
        return _(
            "%(measure)s: too few points for process limits yet; at least %(n)s are needed."
        ) % {"measure": measure, "n": MIN_POINTS}
    for point in reversed(chart.points):
        if point.special:
            rule = next(r for r in Rule if r in point.rules)
            side = "high" if point.side == "high" else "low"
            return str(SIGNAL_SENTENCES[(rule, side, period)]) % {
                "measure": measure,
                "label": point.label,
            }
    return _("%(measure)s varied only within their usual range.") % {"measure": measure}
