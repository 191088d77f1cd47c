"""The wall's and the API list's SQL floors answer the query string the app is asked
(q, status, page), with the rows the app itself would show, so a floor measured
beside a page does the same work the page must do."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from pledges import selectors
from pledges.filters import PledgeFilter
from tests.factories import MembershipFactory, PledgeFactory

pytestmark = pytest.mark.urls("tests.benchmarks.bench_urls")

QUERIES = [
    "",
    "?page=2",
    "?page=3",
    "?q=lights",
    "?q=lights&status=withdrawn",
    "?status=completed",
    "?status=active&page=2",
    "?q=ward&page=2",
    "?q=qxkxwgpzt",
    '?q="switch off" -night',
]


@pytest.fixture
def wall(alice, bob, community):
    """41 plain pledges and a few that searches, statuses and audiences tell apart:
    Alice belongs to the community; Bob does not."""
    MembershipFactory(community=community, member=alice)
    pledges = {"plain": [PledgeFactory() for _ in range(41)]}
    pledges["lights"] = PledgeFactory(title="switch off the lights at night")
    pledges["day"] = PledgeFactory(title="switch off the lights by day")
    pledges["handover"] = PledgeFactory(title="handover with kindness", status="completed")
    pledges["withdrawn"] = PledgeFactory(title="lights we let go", status="withdrawn")
    pledges["pending"] = PledgeFactory(title="lights to be checked", moderation_status="pending")
    pledges["members"] = PledgeFactory(
        title="lights for the community", community=community, visibility="community"
    )
    return pledges


def _floor_ids(client, path: str) -> list[int]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    return [row[0] for row in response.json()]


def _app_page(user, query: str) -> tuple[list[int], bool]:
    """The ids the wall and the API list show for `query`, and whether a next page
    exists (pledges.selectors.wall_page)."""
    data = QueryDict(query.lstrip("?"))
    page = PledgeFilter(data, queryset=selectors.pledge_wall(user=user)).page(
        page=data.get("page"), size=20
    )
    return [pledge.pk for pledge in page.items], page.has_next


def _floor_page(client, path: str) -> tuple[list[int], bool]:
    """The floor's page: its 20 rows, and whether it read one more."""
    ids = _floor_ids(client, path)
    return ids[:20], len(ids) > 20


@pytest.mark.parametrize("floor", ["/bench/sql/wall/", "/bench/sql/api/pledges/"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_floor_reads_the_rows_the_app_shows_a_visitor(client, wall, floor, query):
    assert _floor_page(client, floor + query) == _app_page(None, query)


@pytest.mark.parametrize("query", QUERIES)
def test_the_floor_reads_the_rows_the_app_shows_a_member(client, wall, alice, query):
    client.force_login(alice)

    assert _floor_page(client, "/bench/sql/wall/" + query) == _app_page(alice, query)


def test_a_search_finds_only_what_the_viewer_may_see(client, wall, alice, bob):
    visible_to_all = [wall["day"].pk, wall["lights"].pk]  # newest first
    assert _floor_ids(client, "/bench/sql/wall/?q=lights") == visible_to_all
    client.force_login(bob)
    assert _floor_ids(client, "/bench/sql/wall/?q=lights") == visible_to_all
    client.force_login(alice)
    assert _floor_ids(client, "/bench/sql/wall/?q=lights") == [wall["members"].pk, *visible_to_all]


def test_status_and_page_narrow_the_floor(client, wall):
    assert _floor_ids(client, "/bench/sql/wall/?status=completed") == [wall["handover"].pk]
    assert _floor_ids(client, "/bench/sql/wall/?q=lights&status=withdrawn") == [
        wall["withdrawn"].pk
    ]
    first = _floor_ids(client, "/bench/sql/wall/")
    second = _floor_ids(client, "/bench/sql/wall/?page=2")
    third = _floor_ids(client, "/bench/sql/wall/?page=3")
    # 44 pledges for everyone: 20 a page, and the next page's first row read ahead.
    assert len(first) == len(second) == 21 and len(third) == 4
    assert first[20] == second[0] and second[20] == third[0]
    assert len(set(first[:20] + second[:20] + third)) == 44


def test_a_search_for_a_word_no_pledge_holds_finds_nothing(client, wall):
    assert _floor_ids(client, "/bench/sql/wall/?q=qxkxwgpzt") == []


@pytest.mark.parametrize("page", ["0", "-3", "many", "50", "51", "9999"])
def test_a_page_out_of_range_is_read_as_the_app_reads_it(client, wall, page):
    assert _floor_page(client, f"/bench/sql/wall/?page={page}") == _app_page(None, f"?page={page}")


@pytest.mark.parametrize("query", ["?q=lights&page=2", "?q=lights&page=11", "?q=%21%21"])
def test_a_search_pages_and_stops_as_the_app_does(client, wall, query):
    assert _floor_page(client, "/bench/sql/wall/" + query) == _app_page(None, query)


def test_an_unknown_status_is_a_400_with_a_message(client, wall):
    response = client.get("/bench/sql/wall/?status=asleep")

    assert response.status_code == 400
    assert b"Unknown status" in response.content
