"""Fixtures for the reports tests: a clock to move, and a way to count rollups."""

import contextlib
import datetime
from unittest import mock

import pytest
from django.utils import timezone


@contextlib.contextmanager
def at(moment: datetime.datetime):
    """Run services as if it were `moment` (timezone.now and everything built on it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def rollup_rows() -> list[dict]:
    """Every DailyRollup row, without ids, in a fixed order: what two counts compare."""
    from reports.models import DailyRollup

    return list(
        DailyRollup.objects.order_by("day", "scope", "scope_id").values(
            *[f.name for f in DailyRollup._meta.fields if f.name != "id"]
        )
    )


def scope_totals_and_sums() -> tuple[dict, dict]:
    """(each ScopeTotal row, each scope's sum of its DailyRollup rows), by (scope, id):
    what the recount keeps equal."""
    from django.db.models import Sum

    from reports.models import METRIC_NAMES, DailyRollup, ScopeTotal

    kept = {
        (row["scope"], row["scope_id"]): {m: row[m] for m in METRIC_NAMES}
        for row in ScopeTotal.objects.values("scope", "scope_id", *METRIC_NAMES)
    }
    kept = {scope: totals for scope, totals in kept.items() if any(totals.values())}
    summed = {
        (row["scope"], row["scope_id"]): {m: row[f"sum_{m}"] for m in METRIC_NAMES}
        for row in DailyRollup.objects.order_by()
        .values("scope", "scope_id")
        .annotate(**{f"sum_{m}": Sum(m) for m in METRIC_NAMES})
    }
    return kept, {scope: sums for scope, sums in summed.items() if any(sums.values())}


def tick() -> None:
    """The rollup tick, then the badge and network jobs that follow it under beat."""
    from reports import follow_ups, rollups

    rollups.rollups_tick()
    follow_ups.badges_follow_up()
    follow_ups.network_follow_up()


@pytest.fixture(autouse=True)
def _network_refreshed_by_every_tick(settings):
    """In production the tick refreshes a scope's network at most every few minutes;
    here every tick does, so a test sees the network of what it just did."""
    settings.REPORTS_NETWORK_REFRESH_MINUTES = 0


@pytest.fixture
def clock():
    """Noon ten days ago, to move forward from: days apart from today, when the test's
    members joined."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return noon - datetime.timedelta(days=10)
