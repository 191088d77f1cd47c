"""What `make bench` reports of a page: each way's figures, the two ratios and their
goals, and the hit rate of every cache layer (or that the app cannot count them)."""

from __future__ import annotations

from benchmarks import pages, run


def _way(rps: float) -> dict:
    return {"rps": rps, "p50_ms": 10.0, "p99_ms": 30.0, "errors": 0, "requests": 100, "runs": []}


def _figure(hit_rates) -> dict:
    return {
        "name": "pledge detail, signed in",
        "ways": {"configured": _way(900), "cache-off": _way(400), "floor": _way(1000)},
        "cache_off_vs_floor": 0.4,
        "cache_off_vs_floor_met": False,
        "cache_gain": 2.25,
        "cache_gain_met": True,
        "hit_rates": hit_rates,
        "errors": 0,
    }


def test_hit_rates_are_hits_over_lookups_for_every_layer():
    counts = {}
    pages.add_counts(counts, {"anonymous-page": {"hit": 3, "miss": 1}, "data": {"hit": 5}})
    pages.add_counts(counts, {"anonymous-page": {"hit": 1, "miss": 3}})

    assert pages.hit_rates(counts) == {
        "anonymous-page": 0.5,
        "data": 1.0,
    }


def test_the_table_shows_each_way_the_ratios_and_the_hit_rates():
    rates = {"anonymous-page": None, "data": 0.75}
    table = run.markdown({"figures": [_figure(rates)]})

    row = next(line for line in table.splitlines() if line.startswith("| pledge detail"))
    assert "| 900 req/s | 400 req/s | 1,000 req/s |" in row
    assert "| 40% no | 2.25× **yes** |" in row
    assert "| data 75% |" in row


def test_the_table_says_when_the_app_cannot_count_its_cache_hits():
    table = run.markdown({"figures": [_figure("not available")]})

    assert table.splitlines()[2].endswith("| not available |")
