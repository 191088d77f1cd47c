"""The wall's and the API list's SQL floors answer the query string the app is asked
(q, status, page), with the rows the app itself would show, so a floor measured
beside a page does the same work the page must do."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from pledges import selectors
from pledges.filters import PledgeFilter
from tests.factories import MembershipFactory, PledgeFactory, StoryFactory

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


def _floor_json(client, path: str):
    """A floor's answer: its rows, never kept by a page cache."""
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    return response.json()


def _floor_ids(client, path: str) -> list[int]:
    return [row[0] for row in _floor_json(client, path)]


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


# --- A community's page ------------------------------------------------------------------


@pytest.fixture
def community_page(alice, community, olivia):
    """A community with twelve public pledges, one for its members only, one waiting
    for moderation, one withdrawn, six published stories (one featured) and a draft;
    Alice belongs to it, Olivia organises it."""
    MembershipFactory(community=community, member=alice)
    made = {"public": [PledgeFactory(community=community) for _ in range(12)]}
    made["members"] = PledgeFactory(community=community, visibility="community")
    made["pending"] = PledgeFactory(community=community, moderation_status="pending")
    made["withdrawn"] = PledgeFactory(community=community, status="withdrawn")
    made["stories"] = [StoryFactory(community=community) for _ in range(6)]
    made["featured"] = StoryFactory(community=community, is_featured=True)
    made["draft"] = StoryFactory(community=community, status="draft")
    return made


def _app_community(user, community) -> dict:
    """What the community's page shows `user` (its sections' own selectors)."""
    from communities.selectors import community_page_for
    from pledges.selectors import community_pledges
    from stories.selectors import community_stories

    _community, _membership, organisers = community_page_for(slug=community.slug, user=user)
    return {
        "people": sorted(member.pk for member in organisers),
        "pledges": [p.pk for p in community_pledges(community=community, viewer=user, limit=10)],
        "stories": [s.pk for s in community_stories(user=user, community=community, limit=5)],
    }


def _floor_community(client, community) -> dict:
    found = _floor_json(client, f"/bench/sql/communities/{community.slug}/")
    assert found["community"][1] == community.name
    return {
        # The organisers (the viewer's own membership is read with them).
        "people": sorted(row[0] for row in found["people"] if row[1] == "organiser"),
        "pledges": [row[0] for row in found["pledges"]],
        "stories": [row[0] for row in found["stories"]],
    }


def test_the_community_floor_reads_what_the_page_shows_a_visitor(client, community, community_page):
    from django.contrib.auth.models import AnonymousUser

    floor = _floor_community(client, community)
    assert floor == _app_community(AnonymousUser(), community)
    assert len(floor["pledges"]) == 10 and len(floor["stories"]) == 5
    assert floor["stories"][0] == community_page["featured"].pk
    assert community_page["members"].pk not in floor["pledges"]


@pytest.mark.parametrize("who", ["alice", "olivia", "bob"])
def test_the_community_floor_reads_what_the_page_shows_a_member(
    request, client, community, community_page, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    floor = _floor_community(client, community)
    assert floor == _app_community(user, community)
    # Members see the pledge for members only; its organiser also the one waiting.
    assert (community_page["members"].pk in floor["pledges"]) is (who != "bob")
    assert (community_page["pending"].pk in floor["pledges"]) is (who == "olivia")


SHOWN_TOTALS = (
    "pledges_made", "co_signs", "people_done", "check_ins", "stories_published", "new_members",
    "module_completions",
)  # fmt: skip


def test_the_community_and_home_floors_read_the_totals_the_pages_show(
    client, community, community_page
):
    from reports import rollups, selectors
    from reports.models import Scope

    rollups.rollups_tick()
    found = _floor_json(client, f"/bench/sql/communities/{community.slug}/")
    shown = selectors.scope_totals(scope=Scope.COMMUNITY, scope_id=community.pk)
    assert found["totals"] == [[shown[name] for name in SHOWN_TOTALS]]
    assert shown["pledges_made"] > 0

    home = _floor_json(client, "/bench/sql/home/")
    platform = selectors.platform_totals()
    assert home["totals"] == [[platform[name] for name in SHOWN_TOTALS]]


def test_the_community_floor_of_an_unknown_community_is_a_404(client, db):
    assert client.get("/bench/sql/communities/no-such-place/").status_code == 404


# --- A pledge's page -----------------------------------------------------------------------


@pytest.fixture
def pledge_page(alice, bob, charlie):
    """A public pledge by Alice that Bob and Charlie signed (Bob's commitment done and
    thanked), with a published check-in of Alice's thanked twice, Bob's check-in waiting
    for moderation, a hidden one, thank-you notes (one hidden), two published stories
    about it (one featured), a draft one and a story about another pledge."""
    from django.utils import timezone

    from pledges.models import CheckIn, Signature, Thanks

    pledge = PledgeFactory(author=alice, title="walk a mile a day")
    now = timezone.now()
    Signature.objects.create(pledge=pledge, member=bob, done_at=now, outcome="Kept it up")
    commitment = Signature.objects.get(pledge=pledge, member=bob)
    Signature.objects.create(pledge=pledge, member=charlie)
    shown = CheckIn.objects.create(pledge=pledge, author=alice, note="First mile done")
    CheckIn.objects.create(pledge=pledge, author=bob, note="Rain", moderation_status="pending")
    CheckIn.objects.create(pledge=pledge, author=charlie, note="Spam", moderation_status="hidden")
    kinds = {"pledge": pledge, "created_at": now}
    Thanks.objects.create(giver=bob, recipient=alice, check_in=shown, note="Well done", **kinds)
    Thanks.objects.create(giver=charlie, recipient=alice, check_in=shown, **kinds)
    Thanks.objects.create(giver=alice, recipient=bob, commitment=commitment, **kinds)
    hidden = {"note": "Rude", "moderation_status": "hidden", **kinds}
    Thanks.objects.create(giver=charlie, recipient=bob, commitment=commitment, **hidden)
    stories = [StoryFactory(), StoryFactory(is_featured=True), StoryFactory(status="draft")]
    for story in stories:
        story.pledges.add(pledge)
    StoryFactory().pledges.add(PledgeFactory())
    return {"pledge": pledge, "stories": stories}


def _app_pledge(user, pledge) -> dict:
    """What the pledge's page lists for `user` (its view's own selectors)."""
    from types import SimpleNamespace

    from stories.pledge_links import pledge_section

    _pledge, signature = selectors.pledge_and_signature_for(user=user, pk=pledge.pk)
    lists = selectors.pledge_page_lists(pledge=pledge, user=user)
    section = pledge_section(request=SimpleNamespace(user=user), pledge=pledge)
    thanks = lists.thanks
    return {
        "signature": signature.pk if signature else None,
        "signers": [s.member.display_name for s in lists.signatures],
        "check_ins": [c.pk for c in lists.check_ins],
        "notes": [t.pk for t in lists.thanks_notes],
        "thanked": {
            **{("check_in", k): v for k, v in thanks.check_in_counts.items()},
            **{("commitment", k): v for k, v in thanks.commitment_counts.items()},
        },
        "stories": [s.pk for s in section.context["stories"]] if section else [],
    }


def _floor_pledge(client, pledge) -> dict:
    found = _floor_json(client, f"/bench/sql/pledges/{pledge.pk}/")
    assert found["pledge"][1] == pledge.title
    thanked = {}
    for check_in, commitment, count, _given in found["thanked"]:
        thanked["check_in" if check_in else "commitment", check_in or commitment] = count
    return {
        "signature": found["pledge"][-3],
        "signers": [row[0] for row in found["signers"]],
        "check_ins": [row[0] for row in found["check_ins"]],
        "notes": [row[0] for row in found["notes"]],
        "thanked": thanked,
        "stories": [row[0] for row in found["stories"]],
    }


def test_the_pledge_floor_reads_what_the_page_shows_a_visitor(client, pledge_page):
    from django.contrib.auth.models import AnonymousUser

    pledge = pledge_page["pledge"]
    floor = _floor_pledge(client, pledge)

    assert floor == _app_pledge(AnonymousUser(), pledge)
    assert floor["signers"] == ["Alice Ahmed", "Bob Brown", "Charlie Clarke"]
    assert len(floor["check_ins"]) == 1 and len(floor["notes"]) == 1
    first, featured, _draft = pledge_page["stories"]
    assert floor["stories"] == [featured.pk, first.pk]


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_the_pledge_floor_reads_what_the_page_shows_a_member(request, client, pledge_page, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    pledge = pledge_page["pledge"]

    floor = _floor_pledge(client, pledge)

    assert floor == _app_pledge(user, pledge)
    assert floor["signature"] is not None
    # Bob and Charlie see their own check-in, waiting or hidden, and no one else's.
    assert len(floor["check_ins"]) == (1 if who == "alice" else 2)
    assert len(floor["notes"]) == (2 if who == "charlie" else 1)


def test_the_pledge_floor_of_an_unknown_or_pending_pledge_is_a_404(client, db):
    pending = PledgeFactory(moderation_status="pending")

    assert client.get(f"/bench/sql/pledges/{pending.pk}/").status_code == 404
    assert client.get(f"/bench/sql/pledges/{pending.pk + 1000}/").status_code == 404
