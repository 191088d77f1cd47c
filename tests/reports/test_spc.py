"""XmR limits and the Making Data Count special-cause rules (reports.spc)."""

import pytest

from reports import spc
from reports.spc import Better, Rule, Variation


def _labels(values):
    return [f"w{n}" for n in range(len(values))]


def _chart(values, *, better=Better.HIGHER, rebase_at=(), min_points=spc.MIN_POINTS):
    return spc.chart(
        _labels(values), values, better=better, rebase_at=rebase_at, min_points=min_points
    )


def _flagged(chart, rule):
    return [n for n, point in enumerate(chart.points) if rule in point.rules]


def test_limits_match_the_nist_individuals_chart_worked_example():
    """NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.2 "Individuals
    Control Charts": the flow rate of the first 10 batches of a new process,
    49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1. The handbook gives a mean
    of 50.81, a mean moving range of 1.8778 and limits of 55.80 and 45.82 (it uses
    3 / 1.128 = 2.6596; Making Data Count rounds the factor to 2.66, which moves the
    limits by less than 0.01)."""
    values = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    limits = spc.limits_of(values)
    assert limits.mean == pytest.approx(50.81)
    assert limits.mean_moving_range == pytest.approx(1.8778, abs=1e-4)
    assert limits.upper == pytest.approx(55.80, abs=0.01)
    assert limits.lower == pytest.approx(45.82, abs=0.01)
    # No point of the example is a signal.
    chart = _chart(values, min_points=10)
    assert not any(point.special for point in chart.points)
    assert chart.variation == Variation.COMMON


STEADY = [10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11]


def test_a_point_beyond_the_upper_limit_is_special_cause():
    chart = _chart([*STEADY, 40])
    assert _flagged(chart, Rule.ASTRONOMICAL) == [16]
    assert chart.points[-1].side == "high"


def test_a_run_of_seven_on_one_side_of_the_mean_is_a_shift():
    values = [10, 12, 9, 11, 10, 12, 9, 11, 10, 13, 13, 12, 13, 12, 13, 12]
    chart = _chart(values)
    assert _flagged(chart, Rule.SHIFT) == list(range(9, 16))


def test_a_run_of_six_is_not_a_shift():
    values = [10, 12, 9, 11, 10, 12, 9, 11, 10, 9, 13, 13, 12, 13, 12, 13]
    assert _flagged(_chart(values), Rule.SHIFT) == []


def test_six_points_rising_are_a_trend_and_five_are_not():
    rising_six = [10, 12, 9, 11, 10, 12, 9, 11, 10, 8, 9, 10, 11, 12, 13, 11]
    assert _flagged(_chart(rising_six), Rule.TREND) == list(range(9, 15))
    rising_five = [10, 12, 9, 11, 10, 12, 9, 11, 10, 8, 9, 10, 11, 12, 11, 11]
    assert _flagged(_chart(rising_five), Rule.TREND) == []


def test_six_points_falling_are_a_trend_on_the_low_side():
    values = [10, 12, 9, 11, 10, 12, 9, 11, 10, 14, 13, 12, 11, 10, 9, 11]
    chart = _chart(values)
    assert _flagged(chart, Rule.TREND) == list(range(9, 15))
    assert chart.points[14].side == "low"


def test_two_of_three_beyond_two_sigma_on_one_side_are_special_cause():
    chart = _chart([*STEADY, 16, 10, 16])
    limits = chart.points[0].limits
    assert limits.upper_two_sigma < 16 < limits.upper
    assert _flagged(chart, Rule.TWO_OF_THREE) == [16, 18]


def test_two_points_beyond_two_sigma_on_opposite_sides_are_not():
    chart = _chart([*STEADY, 15.5, 5])
    limits = chart.points[0].limits
    assert limits.upper_two_sigma < 15.5 < limits.upper
    assert limits.lower < 5 < limits.lower_two_sigma
    assert _flagged(chart, Rule.TWO_OF_THREE) == []


@pytest.mark.parametrize(
    ("last", "better", "variation"),
    [
        (40, Better.HIGHER, Variation.IMPROVING),
        (40, Better.LOWER, Variation.CONCERNING),
        (40, Better.NEITHER, Variation.NEITHER),
        (-20, Better.HIGHER, Variation.CONCERNING),
        (-20, Better.LOWER, Variation.IMPROVING),
        (11, Better.HIGHER, Variation.COMMON),
    ],
)
def test_the_icon_follows_the_latest_point_and_the_better_direction(last, better, variation):
    assert _chart([*STEADY, last], better=better).variation == variation


def test_a_series_shorter_than_fifteen_points_has_no_limits():
    chart = _chart(STEADY[:13] + [40])
    assert not chart.has_limits
    assert chart.variation == Variation.NO_LIMITS
    assert not any(point.special for point in chart.points)
    assert "too few points" in spc.sentence(chart, measure="Co-signs", period="week")


def test_a_rebase_computes_limits_before_and_after_separately():
    before = STEADY[:15]
    after = [v + 30 for v in STEADY]
    chart = _chart(before + after, rebase_at=[15])
    first, second = chart.segments[0][2], chart.segments[1][2]
    assert first.mean == pytest.approx(sum(before) / 15)
    assert second.mean == pytest.approx(sum(after) / 16)
    # Without the re-base the jump is a signal; with it, both halves are steady.
    assert not any(point.special for point in chart.points)
    assert any(point.special for point in _chart(before + after).points)


def test_the_sentence_names_the_measure_the_direction_and_the_week():
    chart = spc.chart([*_labels(STEADY), "3 Mar 2025"], [*STEADY, 40], better=Better.HIGHER)
    assert spc.sentence(chart, measure="Co-signs", period="week") == (
        "Co-signs rose above their usual range in the week of 3 Mar 2025."
    )
    calm = _chart([*STEADY, 11])
    assert "within their usual range" in spc.sentence(calm, measure="Co-signs", period="week")
