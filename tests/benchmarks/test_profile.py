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


def test_each_figure_pairs_its_requests_with_its_floor():
    import random

    from benchmarks.fixtures import Fixtures

    fixtures = Fixtures()
    fixtures.sessions, fixtures.pledge_ids = ["a", "b"], [7, 8]
    fixtures.community_slugs = ["ward-9"]
    fixtures.co_sign_pairs, fixtures.floor_sign_pairs = [(0, 7), (1, 8)], [(1, 7), (0, 8)]

    own, floor = profile._requests(fixtures, "co-sign", 4, random.Random(1))
    assert own == [("POST", "/pledges/7/sign/", 0), ("POST", "/pledges/8/sign/", 1)]
    assert floor == [
        ("POST", "/bench/sql/pledges/7/sign/", 1),
        ("POST", "/bench/sql/pledges/8/sign/", 0),
    ]

    own, floor = profile._requests(fixtures, "community", 3, random.Random(1))
    assert {path for _, path, _ in own} == {"/communities/ward-9/"}
    assert [i for *_, i in own] == [i for *_, i in floor]
