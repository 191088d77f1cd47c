"""The other layers of kernel.caching: named data caches, the benchmark switch, and the
hit-and-miss statistics every layer keeps when CACHE_STATS is on."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from kernel.caching import cached_value, data, stats, switch


@pytest.fixture
def counting(settings):
    settings.CACHE_STATS = True
    stats.reset()
    return settings


def _keys(pattern: str) -> list:
    return cache._cache.get_client().keys(pattern)


# --- data -------------------------------------------------------------------------------


def test_a_data_cache_keeps_its_value_per_vary_and_language():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached_value("pledges.filter-choices", compute) == 1
    assert cached_value("pledges.filter-choices", compute) == 1
    assert cached_value("reports.modules-available", compute, vary=("community", 1)) == 2
    assert cached_value("reports.modules-available", compute, vary=("community", 2)) == 3
    with translation.override("cy"):
        assert cached_value("pledges.filter-choices", compute) == 4


def test_a_data_cache_the_contract_does_not_name_is_refused():
    with pytest.raises(KeyError, match="not a data cache"):
        cached_value("pledges:my-own-key", lambda: 1)


def test_a_forgotten_value_is_worked_out_again():
    cached_value("reports.modules-available", lambda: 1)
    data.forget_value("reports.modules-available")

    assert cached_value("reports.modules-available", lambda: 2) == 2


# --- junk query strings -----------------------------------------------------------------


@pytest.mark.django_db
def test_made_up_filter_values_on_the_wall_add_nothing_to_the_cache(client):
    wall = reverse("pledges:wall")
    client.get(wall)
    before = set(_keys("*"))
    for n in range(50):
        client.get(f"{wall}?theme=made-up-{n}&region=nowhere-{n}&q=words-{n}&junk{n}=1")

    added = set(_keys("*")) - before
    assert [key for key in added if "cache-stats" not in key and "ratelimit" not in key] == []


# --- the benchmark switch ---------------------------------------------------------------


def test_the_benchmark_switch_marks_the_request_for_its_whole_duration(settings):
    settings.BENCHMARK_VIEWS = True
    request = RequestFactory().get("/", HTTP_X_RADICALS_PAGE_CACHE="off")
    token = switch.begin(request)
    try:
        assert switch.bypassed()
    finally:
        switch.end(token)

    assert not switch.bypassed()


def test_the_benchmark_switch_is_ignored_outside_the_benchmark(settings):
    settings.BENCHMARK_VIEWS = False
    token = switch.begin(RequestFactory().get("/", HTTP_X_RADICALS_PAGE_CACHE="off"))
    try:
        assert not switch.bypassed()
    finally:
        switch.end(token)


def test_no_template_memo_is_left():
    from django.template import engines
    from jinja2 import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="unknown tag 'memo'"):
        engines["jinja2"].from_string('{% memo ("header",) %}x{% endmemo %}')


# --- statistics -------------------------------------------------------------------------


def test_every_layer_counts_hits_and_misses(counting):
    cached_value("pledges.filter-choices", lambda: 1)
    cached_value("pledges.filter-choices", lambda: 1)
    cached_value("pledges.filter-choices", lambda: 1)

    found = stats.snapshot()

    assert found["data"] == {"hit": 2, "miss": 1}
    assert set(found) == {"anonymous-page", "data"}


def test_counts_go_to_redis_at_most_about_once_a_second_in_one_pipeline(counting, monkeypatch):
    executed = []
    real_pipeline = cache._cache.get_client(write=True).pipeline

    def pipeline(*args, **kwargs):
        made = real_pipeline(*args, **kwargs)
        real_execute = made.execute
        made.execute = lambda *a, **k: executed.append(len(made.command_stack)) or real_execute()
        return made

    monkeypatch.setattr(cache._cache.get_client(write=True), "pipeline", pipeline)
    stats.flush()
    executed.clear()
    for _ in range(500):
        stats.count("data", hit=True)
        stats.count("data", hit=False)

    assert len(executed) <= 1  # within the same second: at most one write
    stats.flush()
    assert executed[-1] == 2  # one HINCRBY per field, pipelined
    assert stats.snapshot()["data"] == {"hit": 500, "miss": 500}


def test_the_hash_is_kept_under_the_caches_key_prefix(counting):
    stats.count("data", hit=True)
    stats.flush()

    assert _keys(cache.make_key("cache-stats")) != []


def test_reset_starts_the_counts_again(counting):
    stats.count("anonymous-page", hit=False)
    stats.reset()

    assert stats.snapshot()["anonymous-page"] == {"hit": 0, "miss": 0}


def test_nothing_is_counted_when_statistics_are_off(settings):
    settings.CACHE_STATS = False
    stats.reset()
    cached_value("pledges.filter-choices", lambda: 1)

    assert stats.snapshot()["data"] == {"hit": 0, "miss": 0}


@pytest.mark.django_db
def test_an_anonymous_page_copy_counts_as_a_hit(counting, community):
    counting.ANONYMOUS_PAGE_CACHE_SECONDS = 5
    path = reverse("communities:detail", args=[community.slug])
    Client().get(path)
    Client().get(path)

    assert stats.snapshot()["anonymous-page"] == {"hit": 1, "miss": 1}
