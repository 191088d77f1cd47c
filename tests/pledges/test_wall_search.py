"""The wall and the API list at scale: searches read the full-text index rather than
walking the whole wall, pages stop at a named last page, nothing is counted, and odd
search text or unknown filter values answer quickly with a clear page or 4xx."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel import prepared
from pledges import selectors
from pledges.models import Pledge
from tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db

WALL = reverse("pledges:wall")
PLEDGES = reverse("api:pledges")
PAST_THE_LAST = [str(selectors.MAX_PAGE + 1), str(10**9), str(10**30)]


def titles(response) -> list[str]:
    return [p.title for p in response.context["page"].items]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def pledge_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"pledges_pledge"' in q["sql"]]


def aged(days_old: int, **fields) -> Pledge:
    pledge = PledgeFactory(**fields)
    created = timezone.now() - datetime.timedelta(days=days_old)
    Pledge.objects.filter(pk=pledge.pk).update(created_at=created)
    return pledge


@pytest.fixture
def walk_first(monkeypatch):
    """Every word walks first, as a word the statistics rate common does (a test's few
    pledges are rare enough for the index whatever they hold)."""
    monkeypatch.setattr(selectors, "SEARCH_INDEX_FIRST_BELOW", 0)


@pytest.fixture
def short_walk(monkeypatch, walk_first):
    """A walk of three pledges, so a dozen pledges show both ways a search is read."""
    monkeypatch.setattr(selectors, "SEARCH_WALK_ROWS", 3)
    monkeypatch.setattr(selectors, "SEARCH_WALK_ROWS_PER_RESULT", 0)


# --- Searches read the full-text index ----------------------------------------------------


def test_a_rare_word_past_the_walk_is_found_through_the_index_newest_first(client, short_walk):
    older = aged(30, title="I will learn sign language for the clinic")
    newer = aged(20, title="I will practise sign language at handover")
    for n in range(10):
        aged(n, title=f"I will walk at lunch {n}")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "language"})

    assert titles(response) == [newer.title, older.title]
    assert any("OFFSET 0) m ORDER BY" in sql for sql in pledge_queries(captured))


def test_a_word_in_no_pledge_walks_a_bounded_window_then_asks_the_index(client, short_walk):
    PledgeFactory.create_batch(6, title="I will walk at lunch")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "zebra"})

    searched = [sql for sql in pledge_queries(captured) if "websearch_to_tsquery" in sql]
    assert response.status_code == 200
    assert "No pledges match" in response.content.decode()
    assert len(searched) == 2
    assert "LIMIT 3" in searched[0]  # the walk reads three pledges at most
    assert "OFFSET 0) m ORDER BY" in searched[1]  # then the index gives every match


def test_a_word_the_statistics_rate_rare_skips_the_walk(client):
    PledgeFactory.create_batch(6, title="I will walk at lunch")
    signing = aged(3, title="I will learn sign language")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "zebra"})
        found = client.get(WALL, {"q": "language"})

    searched = [sql for sql in pledge_queries(captured) if "websearch_to_tsquery" in sql]
    asked = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert "No pledges match" in response.content.decode()
    assert titles(found) == [signing.title]
    assert len(asked) == 2  # the statistics' estimate, planned and not run
    assert len(searched) == 2  # one index query a search, no walk
    assert all("OFFSET 0) m ORDER BY" in sql for sql in searched)


def test_the_estimate_is_the_statistics_of_the_stored_documents():
    PledgeFactory.create_batch(30, title="I will walk at lunch")
    PledgeFactory(title="I will learn sign language")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pledges_pledge")

    common = selectors.search_match_estimate("lunch")
    rare = selectors.search_match_estimate("language")
    assert common > rare
    assert selectors.search_match_estimate("qxzebraqx") <= rare


def test_a_common_word_is_answered_by_the_walk_alone(client, walk_first):
    PledgeFactory.create_batch(25, title="I will walk at lunch")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "lunch"})

    searched = [sql for sql in pledge_queries(captured) if "websearch_to_tsquery" in sql]
    assert len(titles(response)) == 20
    assert response.context["next_url"]
    assert len(searched) == 1  # the walk filled the page: no index query
    assert "OFFSET 0) m" not in searched[0]


def _sparse_word(count: int) -> list[Pledge]:
    """`count` pledges, every other one (newest first) holding "kindness"."""
    made = [
        aged(n, title=f"I will {'show kindness' if n % 2 == 0 else 'walk at lunch'} {n}")
        for n in range(count)
    ]
    return [pledge for pledge in made if "kindness" in pledge.title]


def test_a_word_too_sparse_for_the_first_walk_is_found_by_a_longer_one(client, short_walk):
    kind = _sparse_word(50)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "kindness"})

    searched = [sql for sql in pledge_queries(captured) if "websearch_to_tsquery" in sql]
    assert titles(response) == [p.title for p in kind[:20]]
    assert len(searched) == 2  # two walks, no index query
    assert "LIMIT 3" in searched[0]
    assert "LIMIT 3" not in searched[1] and "OFFSET 0) m" not in searched[1]
    # Three pledges held two matches: the second walk goes 3 x 21 / 2 x 1.5 = 48 deep.
    assert "LIMIT 48" in searched[1]


def test_a_word_whose_walk_would_be_too_long_is_read_from_the_index(
    client, short_walk, monkeypatch
):
    monkeypatch.setattr(selectors, "SEARCH_WALK_MAX_ROWS", 20)
    kind = _sparse_word(50)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "kindness"})

    searched = [sql for sql in pledge_queries(captured) if "websearch_to_tsquery" in sql]
    assert titles(response) == [p.title for p in kind[:20]]
    assert len(searched) == 2
    assert "OFFSET 0) m ORDER BY" in searched[1]


@pytest.mark.parametrize(
    ("needed", "window", "found", "further"),
    [
        (21, 2000, 0, None),
        (21, 2000, 10, 6300),
        (201, 2000, 1, None),
        (201, 2000, 21, 28_715),
        (201, 2000, 20, None),
    ],
)
def test_how_far_a_second_walk_goes(needed, window, found, further):
    assert selectors.further_walk(needed, window=window, found=found) == further


def test_search_pages_never_overlap_across_the_walk_and_the_index(client, short_walk):
    matching = [aged(n, title=f"I will share handover notes {n}") for n in range(25)]

    first = client.get(WALL, {"q": "handover"})
    second = client.get(WALL, {"q": "handover", "page": 2})

    assert titles(first) + titles(second) == [p.title for p in matching]
    assert second.context["next_url"] is None


@pytest.mark.parametrize(("viewer", "sees"), [("bob", True), ("charlie", False)])
def test_a_search_keeps_community_only_pledges_to_their_members(
    request, client_for, community_pledge, short_walk, viewer, sees
):
    PledgeFactory.create_batch(4, title="I will walk at lunch")

    found = titles(client_for(request.getfixturevalue(viewer)).get(WALL, {"q": "staff"}))

    assert (community_pledge.title in found) is sees


def test_a_search_with_a_status_filter_reads_the_index_for_that_status(client, short_walk):
    aged(5, title="I will bring fruit", status="completed")
    wanted = aged(9, title="I will bring fruit for nights", status="active")
    PledgeFactory.create_batch(5, title="I will walk at lunch", status="active")

    response = client.get(WALL, {"q": "fruit", "status": "active"})

    assert titles(response) == [wanted.title]


def test_the_api_list_searches_the_same_way(api_client, short_walk):
    rare = aged(40, title="I will learn Makaton")
    PledgeFactory.create_batch(6, title="I will walk at lunch")

    assert ids(api_client.get(PLEDGES, {"q": "makaton"})) == [rare.pk]
    assert ids(api_client.get(PLEDGES, {"q": "zebra"})) == []


def test_a_search_costs_two_queries_more_than_the_wall_at_most_however_many_match(
    client_for, alice
):
    client = client_for(alice)

    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(WALL, params).status_code == 200
        return len(captured.captured_queries)

    PledgeFactory.create_batch(2, title="I will walk at lunch")
    queries({})  # the filter choices are cached from here on
    plain, few_rare, few_common = queries({}), queries({"q": "zebra"}), queries({"q": "lunch"})
    PledgeFactory.create_batch(30, title="I will walk at lunch")
    queries({"q": "lunch"})
    many_rare, many_common = queries({"q": "zebra"}), queries({"q": "lunch"})

    # The wall reads its page's ids, then their rows; a search reads the walk, the index
    # when the walk does not fill the page, and the page's rows when there are any.
    assert few_rare == many_rare == plain
    assert many_common <= few_common <= plain + 1


def test_no_list_counts_its_pledges(client, api_client, short_walk):
    PledgeFactory.create_batch(5, title="I will walk at lunch")

    with CaptureQueriesContext(connection) as captured:
        for params in ({}, {"q": "lunch"}, {"q": "zebra"}, {"status": "active", "page": 2}):
            client.get(WALL, params)
            api_client.get(PLEDGES, params)

    assert not [sql for sql in pledge_queries(captured) if "COUNT(" in sql.upper()]


# --- Pages stop at MAX_PAGE --------------------------------------------------------------


@pytest.mark.parametrize("number", PAST_THE_LAST)
def test_a_page_past_the_last_says_where_pages_stop_without_reading_pledges(client, pledge, number):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"page": number})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"Pages stop at page {selectors.MAX_PAGE}" in body
    assert f"page={selectors.MAX_PAGE}" in body  # a way back to the last page
    assert titles(response) == []
    assert not pledge_queries(captured)


def test_the_last_page_offers_no_next_page(client, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_PAGE", 2)
    PledgeFactory.create_batch(50)

    response = client.get(WALL, {"page": 2})

    assert len(titles(response)) == 20
    assert response.context["next_url"] is None


def test_a_search_shows_its_first_pages_and_says_how_to_narrow_it(client_for, alice, pledge):
    client = client_for(alice)
    number = selectors.SEARCH_MAX_PAGE + 1

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "patient", "page": number})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"A search shows its first {selectors.SEARCH_MAX_PAGE} pages." in body
    assert f"page={selectors.SEARCH_MAX_PAGE}" in body
    assert not pledge_queries(captured)


def test_a_searchs_last_page_offers_no_next_page(client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_MAX_PAGE", 1)
    PledgeFactory.create_batch(25, title="I will walk at lunch")

    response = client.get(WALL, {"q": "lunch"})

    assert len(titles(response)) == 20
    assert response.context["next_url"] is None


def test_the_api_answers_a_search_page_past_its_last_with_a_404(api_client, pledge):
    response = api_client.get(PLEDGES, {"q": "patient", "page": selectors.SEARCH_MAX_PAGE + 1})

    assert response.status_code == 404
    assert response.json() == {
        "detail": (
            f"Invalid page. A search shows pages 1 to {selectors.SEARCH_MAX_PAGE}: "
            "narrow it to see more."
        )
    }


@pytest.mark.parametrize("number", ["-1", "0", "abc", "1.5", ""])
def test_a_page_that_is_not_a_page_number_shows_the_first_page(client, pledge, number):
    response = client.get(WALL, {"page": number})

    assert response.status_code == 200
    assert titles(response) == [pledge.title]


@pytest.mark.parametrize("number", [*PAST_THE_LAST, "-1", "0", "abc", "1.5", ""])
def test_the_api_answers_a_page_outside_the_pages_with_a_404_that_names_them(
    api_client, pledge, number
):
    response = api_client.get(PLEDGES, {"page": number})

    assert response.status_code == 404
    assert response.json() == {"detail": f"Invalid page. Pages run from 1 to {selectors.MAX_PAGE}."}


def test_the_api_serves_the_last_page(api_client, pledge):
    response = api_client.get(PLEDGES, {"page": selectors.MAX_PAGE})

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- Odd search text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("I will greet patients in Welsh: bore da, ŵyr ac ŷd", "ŵyr"),
        ("I will learn to say مرحبا to families", "مرحبا"),
        ("I will learn to say 你好 to families", "你好"),
    ],
)
def test_a_search_in_any_script_finds_its_pledge(client, api_client, title, text):
    PledgeFactory(title=title)
    PledgeFactory(title="I will walk at lunch")

    assert titles(client.get(WALL, {"q": text})) == [title]
    assert [row["title"] for row in api_client.get(PLEDGES, {"q": text}).json()["results"]] == [
        title
    ]


@pytest.mark.parametrize("text", ["!!!", "&|!<->():*", "🙂🙂", "the and of", "' OR 1=1 --"])
def test_a_search_with_no_words_to_match_is_an_empty_page(client, api_client, pledge, text):
    web = client.get(WALL, {"q": text})
    api = api_client.get(PLEDGES, {"q": text})

    assert web.status_code == 200
    assert "No pledges match" in web.content.decode()
    assert api.status_code == 200
    assert api.json()["results"] == []


def test_punctuation_alone_is_answered_without_reading_pledges(client_for, alice, pledge):
    client = client_for(alice)  # signed in: no shared copy of the page stands in for it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"q": "?!…🙂"})

    assert response.status_code == 200
    assert not pledge_queries(captured)


def test_a_search_too_long_is_refused_with_a_message_on_the_web(client, pledge):
    response = client.get(WALL, {"q": "patient " * 63})  # 504 characters

    body = response.content.decode()
    assert response.status_code == 200
    assert f"search with up to {selectors.SEARCH_MAX_LENGTH} characters." in body
    assert titles(response) == []


def test_a_search_too_long_is_a_400_in_the_api(api_client, pledge):
    response = api_client.get(PLEDGES, {"q": "x" * 500})

    assert response.status_code == 400
    assert "q" in response.json()


def test_the_longest_search_allowed_is_answered(client, pledge):
    response = client.get(WALL, {"q": "patient " * 24 + "x" * 8})  # 200 characters

    assert response.status_code == 200
    assert "search is too long" not in response.content.decode()


# --- Unknown filter values ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "999999999"},
        {"campaign": "no-such-campaign"},
        {"community": "<script>"},
        {"organisation": "nobody"},
        {"region": "atlantis"},
    ],
)
def test_an_unknown_filter_value_is_an_empty_list_without_walking_the_wall(
    client_for, alice, api_client, pledge, params
):
    client = client_for(alice)  # signed in: no shared copy of the page stands in for it
    with CaptureQueriesContext(connection) as captured:
        web = client.get(WALL, params)
    api = api_client.get(PLEDGES, params)

    assert web.status_code == 200
    assert "No pledges match" in web.content.decode()
    assert not pledge_queries(captured)
    assert api.status_code == 200
    assert api.json()["results"] == []


def test_a_known_filter_value_still_narrows_the_wall(client, pledge, theme):
    other = PledgeFactory()

    shown = titles(client.get(WALL, {"theme": theme.slug}))

    assert pledge.title in shown
    assert (other.title in shown) is (other.theme_id == theme.pk)


# --- A page's rows -----------------------------------------------------------------------


def test_a_deep_page_joins_authors_and_themes_for_its_own_rows_only(client_for, alice):
    PledgeFactory.create_batch(45)
    client = client_for(alice)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(WALL, {"page": 3})

    (ids_sql,) = [sql for sql in pledge_queries(captured) if "LIMIT 21 OFFSET 40" in sql]
    assert len(titles(response)) == 5
    assert "JOIN" not in ids_sql  # the skipped rows are read from the pledge index alone
    (rows_sql,) = [
        prepared.source(q["sql"])
        for q in captured.captured_queries
        if "radicals_read_wall_rows_" in q["sql"]
    ]
    assert "p.id = ANY(%s)" in rows_sql  # the page's own rows, by the ids found
    assert "JOIN members_user u" in rows_sql
    assert "JOIN pledges_theme th" in rows_sql


def test_the_search_index_keeps_no_pending_list():
    """A co-sign rewrites its pledge's row and so adds its words to the search index
    again: with a pending list, the co-sign that found it full would merge it first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'pledges_search_document'")
        (options,) = cursor.fetchone()
    assert "fastupdate=off" in (options or [])
