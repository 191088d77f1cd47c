"""A scope's totals are kept a minute, and when they run out one request counts them
again while the others are given the last figures (reports.selectors.cached_totals, the
data cache "reports.totals" of kernel.caching)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from kernel.caching import data
from reports import selectors
from reports.models import Scope


@pytest.fixture
def counted(monkeypatch):
    calls = []

    def stored_totals(*, scope, scope_id=0):
        calls.append((scope, scope_id))
        return {"pledges_made": len(calls)}

    monkeypatch.setattr(selectors, "stored_totals", stored_totals)
    return calls


def test_totals_are_kept_per_scope(counted):
    assert selectors.cached_totals(scope=Scope.COMMUNITY, scope_id=1) == {"pledges_made": 1}
    assert selectors.cached_totals(scope=Scope.COMMUNITY, scope_id=1) == {"pledges_made": 1}
    assert selectors.cached_totals(scope=Scope.COMMUNITY, scope_id=2) == {"pledges_made": 2}
    assert len(counted) == 2


def test_run_out_they_are_counted_again_by_one_request(counted, monkeypatch):
    selectors.cached_totals(scope=Scope.PLATFORM)
    later = time.time() + data.DATA["reports.totals"].seconds + 1
    monkeypatch.setattr(data.time, "time", lambda: later)

    assert selectors.platform_totals() == {"pledges_made": 2}


def test_while_one_request_counts_the_others_get_the_last_figures(counted, monkeypatch):
    selectors.cached_totals(scope=Scope.PLATFORM)
    later = time.time() + data.DATA["reports.totals"].seconds + 1
    monkeypatch.setattr(data.time, "time", lambda: later)
    cache.add(data.data_key("reports.totals", (Scope.PLATFORM, 0)) + ":renewing", 1, 60)

    assert selectors.platform_totals() == {"pledges_made": 1}
    assert len(counted) == 1
