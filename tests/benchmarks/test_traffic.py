"""The benchmark's traffic looks like a real day: thousands of members who do not come
back at once, a few pledges read far more than the rest, and the wall's query strings
in the day's mix."""

from __future__ import annotations

import random
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks import traffic

IDS = list(range(1, 100_001))
WORDS = ["ward", "patient", "lights", "handover", "night", "kindness"]
MISSING = traffic.nonsense_words(30)


def _requests(page: str, count: int, *, members: int = 2_400, signed_in: bool = True):
    return traffic.page_requests(
        page,
        count,
        signed_in=signed_in,
        members=members,
        pledges=traffic.Zipf(IDS, seed=5),
        communities=["ward-9", "theatres", "maternity"],
        words=WORDS,
        missing=MISSING,
        seed=3,
    )


def _min_gap(members: list[int]) -> int:
    """The fewest requests between two visits of the same member."""
    last: dict[int, int] = {}
    gap = len(members)
    for position, member in enumerate(members):
        if member in last:
            gap = min(gap, position - last[member])
        last[member] = position
    return gap


@pytest.mark.parametrize("page", ["wall", "api", "pledge", "community", "home"])
def test_signed_in_traffic_has_2000_members_none_back_within_2000_requests(page):
    members = [request.member for request in _requests(page, 2_400 * 3)]

    assert len(set(members)) >= 2_000
    assert _min_gap(members) >= 2_000


def test_wrk_threads_walking_the_file_in_turn_keep_members_apart():
    """wrk.lua: thread n of T sends lines n, n+T, …, so the threads together send the
    file in order; a run that starts at an offset and wraps around the file (a whole
    number of member cycles) still keeps every member 2,000 requests apart."""
    members = [request.member for request in _requests("pledge", 2_400 * 2)]
    threads, offset, sent = 2, 3_000, []
    positions = [offset + n for n in range(threads)]
    for _ in range(3_000):
        for thread in range(threads):
            sent.append(members[positions[thread] % len(members)])
            positions[thread] += threads

    assert _min_gap(sent) >= 2_000


def test_a_cycle_shorter_than_2000_members_would_repeat_them_sooner():
    members = [request.member for request in _requests("home", 3_000, members=1_500)]

    assert _min_gap(members) < 2_000


def test_anonymous_traffic_carries_no_member():
    assert {request.member for request in _requests("wall", 100, signed_in=False)} == {None}


def test_pledge_popularity_is_skewed_yet_spread_over_every_pledge():
    zipf = traffic.Zipf(IDS, seed=5)
    rng = random.Random(8)
    draws = [zipf.draw(rng) for _ in range(50_000)]
    counts = Counter(draws)

    top_one_percent = set(zipf.ranked[: len(IDS) // 100])
    share_of_top = sum(n for pk, n in counts.items() if pk in top_one_percent) / len(draws)
    assert share_of_top > 0.5
    # Yet thousands of pledges are read, from every part of the id range.
    assert len(counts) > 5_000
    deciles = Counter((pk - 1) * 10 // len(IDS) for pk in counts)
    assert min(deciles[d] for d in range(10)) > len(counts) / 20
    # And the most read are not the newest (or oldest): their ids sit all over.
    top_ids = sorted(zipf.ranked[:100])
    assert top_ids[10] < len(IDS) * 0.3 and top_ids[-10] > len(IDS) * 0.7


def test_a_zipf_draw_follows_its_exponent():
    """P(rank r) ∝ r**-1.1: the first rank is drawn about 2**1.1 times the second."""
    zipf = traffic.Zipf(IDS, seed=5)
    rng = random.Random(9)
    counts = Counter(zipf.draw(rng) for _ in range(200_000))
    first, second = counts[zipf.ranked[0]], counts[zipf.ranked[1]]

    assert first / second == pytest.approx(2**1.1, rel=0.1)


def test_the_ranks_do_not_follow_the_ids():
    assert traffic.Zipf(IDS, seed=5).ranked[:50] != IDS[:50]
    assert traffic.Zipf(IDS, seed=5).ranked == traffic.Zipf(IDS, seed=5).ranked


def test_the_wall_queries_search_filter_and_page_in_the_days_mix():
    requests = _requests("wall", 30_000)
    queries = [parse_qs(urlsplit(request.path).query) for request in requests]
    searches = [query["q"][0] for query in queries if "q" in query]
    pages = [int(query["page"][0]) for query in queries if "page" in query]
    statuses = [query["status"][0] for query in queries if "status" in query]

    assert len(searches) / len(queries) == pytest.approx(0.30, abs=0.02)
    no_match = [word for word in searches if word in MISSING]
    assert len(no_match) / len(searches) == pytest.approx(1 / 3, abs=0.03)
    assert set(searches) - set(MISSING) <= set(WORDS)
    assert len(statuses) / len(queries) == pytest.approx(0.5, abs=0.02)
    assert set(statuses) <= set(traffic.STATUSES)
    assert len(pages) / len(queries) == pytest.approx(0.5, abs=0.02)
    assert min(pages) == 2 and max(pages) == 50
    search_pages = [int(query["page"][0]) for query in queries if "page" in query and "q" in query]
    assert min(search_pages) == 2 and max(search_pages) == traffic.SEARCH_DEEP_PAGES[1]


def test_searches_page_within_the_pages_a_search_shows():
    from pledges.selectors import SEARCH_MAX_PAGE

    assert traffic.SEARCH_DEEP_PAGES == (2, SEARCH_MAX_PAGE)


def test_the_floor_is_asked_the_same_query_and_subject_as_the_page():
    for page, floor in [("wall", "/bench/sql/wall/"), ("api", "/bench/sql/api/pledges/")]:
        for request in _requests(page, 200):
            assert urlsplit(request.floor_path).path == floor
            assert urlsplit(request.floor_path).query == urlsplit(request.path).query
    for request in _requests("pledge", 200):
        assert request.floor_path == request.path.replace("/pledges/", "/bench/sql/pledges/")


def test_title_words_leave_out_short_and_stop_words():
    words = traffic.title_words(["Switch off the lights at night", "What we do about handover"])

    assert words == ["switch", "lights", "night", "handover"]


def test_no_nonsense_word_is_a_title_word():
    assert not set(traffic.nonsense_words(200)) & set(traffic.title_words(["ward lights"] * 3))


def test_each_co_sign_is_a_new_pair_with_members_in_the_same_cycle():
    already = {(0, 11), (1, 12)}
    pairs = traffic.co_sign_pairs(
        4_000, members=2_000, pledges=list(range(10, 3_010)), already=already
    )

    assert len(set(pairs)) == 4_000
    assert not set(pairs) & already
    assert _min_gap([member for member, _pledge in pairs]) == 2_000


def test_co_signs_refuse_to_repeat_a_pair_when_pledges_run_out():
    with pytest.raises(ValueError, match="Not enough open pledges"):
        traffic.co_sign_pairs(30, members=10, pledges=[1, 2], already=set())
