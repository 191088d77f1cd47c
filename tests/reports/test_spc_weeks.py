"""Which weeks a weekly SPC chart holds: complete weeks only, a week being complete once
its Sunday is over, so a chart never ends on a week short of a day."""

import datetime

import pytest
from django.utils import timezone

from reports import spc_selectors

SATURDAY = datetime.date(2026, 12, 5)
SUNDAY = datetime.date(2026, 12, 6)
MONDAY_AFTER = datetime.date(2026, 12, 7)
LONG_AGO = datetime.date(2026, 1, 1)


@pytest.fixture
def today(monkeypatch):
    def set_today(day: datetime.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def _last_week(*, date_to: datetime.date) -> datetime.date:
    return spc_selectors.weeks_window(LONG_AGO, date_to, LONG_AGO)[-1]


def test_on_a_sunday_this_week_is_not_yet_charted(today):
    today(SUNDAY)

    assert _last_week(date_to=SUNDAY) == datetime.date(2026, 11, 23)


def test_on_a_saturday_the_last_week_is_the_one_before(today):
    today(SATURDAY)

    assert _last_week(date_to=SATURDAY) == datetime.date(2026, 11, 23)


def test_on_the_monday_after_the_week_just_ended_is_charted(today):
    today(MONDAY_AFTER)

    assert _last_week(date_to=MONDAY_AFTER) == datetime.date(2026, 11, 30)


def test_a_period_ending_on_a_past_sunday_charts_that_week(today):
    today(datetime.date(2026, 12, 10))

    assert _last_week(date_to=SUNDAY) == datetime.date(2026, 11, 30)


def test_a_period_ending_in_the_future_stops_at_the_last_complete_week(today):
    today(SUNDAY)

    assert _last_week(date_to=datetime.date(2027, 1, 31)) == datetime.date(2026, 11, 23)
