"""`make profile` refuses what it cannot profile, with a message, before touching any
database."""

from __future__ import annotations

import pytest

from benchmarks import profile


@pytest.mark.parametrize("figure", ["", "co-signs", "everything"])
def test_it_refuses_a_figure_it_does_not_know(monkeypatch, capsys, figure):
    monkeypatch.setenv("FIGURE", figure)

    assert profile.main() == 2
    assert "is not one of co-sign, pledge, community, wall, home" in capsys.readouterr().err


@pytest.mark.parametrize("count", ["0", "-5", "many", "1.5"])
def test_it_refuses_a_count_that_is_not_a_positive_whole_number(monkeypatch, capsys, count):
    monkeypatch.setenv("FIGURE", "home")
    monkeypatch.setenv("N", count)

    assert profile.main() == 2
    assert "N must be a positive whole number" in capsys.readouterr().err


def _fixtures():
    from benchmarks.fixtures import Fixtures

    return Fixtures(
        sessions=[f"session-{n}" for n in range(2_000)],
        csrf=[f"csrf-{n}" for n in range(2_000)],
        public_pledge_ids=list(range(1, 5_001)),
        community_slugs=["ward-9"],
        words=["lights", "handover"],
        missing_words=["qxkxwgpzt"],
        app_sign_pledges=list(range(100, 200)),
        floor_sign_pledges=list(range(200, 300)),
    )


def test_each_figure_pairs_its_requests_with_its_floor():
    fixtures = _fixtures()

    own, floor = profile._requests(fixtures, "co-sign", 4)
    assert [method for method, *_ in own + floor] == ["POST"] * 8
    assert all(path.startswith("/pledges/") and path.endswith("/sign/") for _, path, _ in own)
    assert all(path.startswith("/bench/sql/pledges/") for _, path, _ in floor)
    assert not {path.split("/")[-3] for _, path, _ in own} & {
        path.split("/")[-3] for _, path, _ in floor
    }

    own, floor = profile._requests(fixtures, "community", 3)
    assert {path for _, path, _ in own} == {"/communities/ward-9/"}
    assert [i for *_, i in own] == [i for *_, i in floor] == [0, 1, 2]


def test_profiling_the_wall_sends_the_days_query_strings_to_app_and_floor():
    own, floor = profile._requests(_fixtures(), "wall", 2_000)

    queries = [path.partition("?")[2] for _, path, _ in own]
    assert [path.partition("?")[2] for _, path, _ in floor] == queries
    assert sum("q=" in query for query in queries) > 400
    assert sum("page=" in query for query in queries) > 800
    # The members come from the day's cycle: all 2,000 of them, none twice.
    assert sorted(member for *_, member in own) == list(range(2_000))
