"""Every service that changes what a cached page shows drops that page's anonymous copy
itself, once its transaction commits (kernel.caching.changed): raw SQL and `update()`
paths included, with no model signal to rely on."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kernel.caching import stats, subjects
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kept(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 5
    settings.ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = 300
    settings.CACHE_STATS = True
    stats.reset()
    return settings


def _served_from_copy(path: str) -> bool:
    before = stats.snapshot()["anonymous-page"]["hit"]
    assert Client().get(path).status_code == 200
    return stats.snapshot()["anonymous-page"]["hit"] > before


def _dropped_by(path: str, change) -> bool:
    """Whether `change()` drops the anonymous copy of `path` kept just before."""
    Client().get(path)
    assert _served_from_copy(path), "the copy was not kept in the first place"
    change()
    return not _served_from_copy(path)


def _community_path(community) -> str:
    return reverse("communities:detail", args=[community.slug])


def _card_signers(count: int) -> str:
    """How a pledge's card on a community's page counts its signers."""
    signed = "person has signed" if count == 1 else "people have signed"
    return f'<span class="radicals-count">{count}</span> {signed}'


@pytest.fixture
def community_pledge(community, olivia, alice, bob, charlie, theme):
    """Alice's pledge in `community`, where Bob and Charlie are members too: its card
    is on the community's page, with its signers."""
    from pledges.services import pledge_create
    from tests.factories import MembershipFactory

    for member in (alice, bob, charlie):
        MembershipFactory(community=community, member=member)
    return pledge_create(
        author=alice,
        title="walk to work once a week",
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )


# --- pledges ----------------------------------------------------------------------------


def test_signing_through_the_raw_sql_path_drops_the_community_page(
    community, community_pledge, bob, charlie
):
    from pledges.services import pledge_sign

    path = _community_path(community)

    assert _dropped_by(path, lambda: pledge_sign(pledge=community_pledge, member=bob))
    assert _dropped_by(path, lambda: pledge_sign(pledge=community_pledge, member=charlie))
    assert _card_signers(3) in Client().get(path).content.decode()
    pledge_page = Client().get(community_pledge.get_absolute_url()).content.decode()
    assert "3 people have signed" in pledge_page


def test_unsigning_and_marking_done_drop_the_community_page(
    community, community_pledge, bob, charlie
):
    from pledges.services import pledge_sign, pledge_unsign, signature_mark_done

    pledge_sign(pledge=community_pledge, member=bob)
    pledge_sign(pledge=community_pledge, member=charlie)
    path = _community_path(community)

    assert _dropped_by(
        path,
        lambda: signature_mark_done(pledge=community_pledge, member=bob, outcome="Walked it"),
    )
    assert "1 done" in Client().get(path).content.decode()
    assert _dropped_by(path, lambda: pledge_unsign(pledge=community_pledge, member=charlie))
    assert _card_signers(2) in Client().get(path).content.decode()


def test_a_visitor_sees_a_check_in_on_the_pledge_page_at_once(pledge_met, bob):
    from pledges.services import check_in_create

    path = pledge_met.get_absolute_url()
    assert "Day 1 on the ward" not in Client().get(path).content.decode()

    check_in_create(pledge=pledge_met, author=bob, note="Day 1 on the ward")

    assert "Day 1 on the ward" in Client().get(path).content.decode()


def test_a_check_in_and_a_thanks_leave_the_community_pages_copy_in_place(
    community, community_pledge, alice, bob
):
    from pledges.services import check_in_create, thanks_give

    path = _community_path(community)
    check_in = None

    def check_in_made():
        nonlocal check_in
        check_in = check_in_create(pledge=community_pledge, author=alice, note="Day 2")

    # Neither shows on a pledge's card, so neither drops the page its card is on.
    assert not _dropped_by(path, check_in_made)
    assert not _dropped_by(path, lambda: thanks_give(giver=bob, check_in=check_in))


def test_editing_withdrawing_and_recounting_drop_the_community_page(
    community, community_pledge, alice
):
    from pledges.models import Pledge
    from pledges.services import pledge_recount, pledge_update, pledge_withdraw

    path = _community_path(community)

    assert _dropped_by(
        path,
        lambda: pledge_update(pledge=community_pledge, actor=alice, title="cycle to work weekly"),
    )
    assert "cycle to work weekly" in Client().get(path).content.decode()

    def counters_repaired():
        Pledge.objects.filter(pk=community_pledge.pk).update(signer_count=9)  # a bad counter
        pledge_recount(pledge=community_pledge.pk)

    assert _dropped_by(path, counters_repaired)
    assert _card_signers(1) in Client().get(path).content.decode()
    assert _dropped_by(path, lambda: pledge_withdraw(pledge=community_pledge, actor=alice))
    assert "cycle to work weekly" not in Client().get(path).content.decode()


def test_a_visitors_pledge_page_is_never_served_from_a_copy(pledge):
    """No service drops a pledge's page, and none needs to: it is rendered every time."""
    from pledges.models import Pledge

    path = pledge.get_absolute_url()
    first = Client().get(path)
    assert "ask every patient what matters" in first.content.decode()

    # Behind every service's back: nothing is told of this change.
    Pledge.objects.filter(pk=pledge.pk).update(title="ask every visitor what matters")
    again = Client().get(path)

    assert "ask every visitor what matters" in again.content.decode()
    for response in (first, again):
        assert "public" not in response.get("Cache-Control", "")
    assert stats.snapshot()["anonymous-page"] == {"hit": 0, "miss": 0}


def test_making_a_pledge_in_a_community_drops_its_page(community, olivia, theme):
    from pledges.services import pledge_create

    def made():
        pledge_create(
            author=olivia,
            title="try a brand new thing on the ward",
            theme=theme,
            community=community,
            due_date=timezone.localdate() + datetime.timedelta(days=20),
        )

    assert _dropped_by(_community_path(community), made)
    assert "try a brand new thing" in Client().get(_community_path(community)).content.decode()


# --- communities and moderation ---------------------------------------------------------


def test_joining_and_changing_a_community_drop_its_page(community, olivia):
    from communities.services import community_update, membership_join

    path = _community_path(community)

    assert _dropped_by(path, lambda: membership_join(community=community, member=UserFactory()))
    assert _dropped_by(
        path,
        lambda: community_update(community=community, actor=olivia, description="We walk."),
    )


def test_a_moderators_decision_drops_the_page_showing_the_item(community, community_pledge, olivia):
    from communities.services import content_hide

    path = _community_path(community)
    assert "walk to work once a week" in Client().get(path).content.decode()

    assert _dropped_by(
        path,
        lambda: content_hide(item=community_pledge, actor=olivia, reason="Off topic for the ward"),
    )
    assert "walk to work once a week" not in Client().get(path).content.decode()


def test_a_check_in_a_moderator_hides_leaves_the_pledge_page_at_once(
    community_pledge, olivia, alice
):
    from communities.services import content_hide
    from pledges.services import check_in_create

    check_in = check_in_create(pledge=community_pledge, author=alice, note="Seven floors today")
    path = community_pledge.get_absolute_url()
    assert "Seven floors today" in Client().get(path).content.decode()

    content_hide(item=check_in, actor=olivia, reason="Off topic for the ward")

    assert "Seven floors today" not in Client().get(path).content.decode()


# --- stories ----------------------------------------------------------------------------


def test_publishing_editing_and_withdrawing_a_story_drop_the_community_page(
    community, alice_in_community, alice
):
    from stories.services import story_create, story_publish, story_update, story_withdraw

    draft = story_create(
        author=alice,
        title="How asking changed our ward",
        summary="We asked every patient what matters to them.",
        body="It started with one question.",
        community=community,
    )
    path = _community_path(community)

    assert _dropped_by(path, lambda: story_publish(story=draft, actor=alice))
    assert "How asking changed our ward" in Client().get(path).content.decode()
    assert _dropped_by(
        path, lambda: story_update(story=draft, actor=alice, title="What one question did")
    )
    assert "What one question did" in Client().get(path).content.decode()
    assert _dropped_by(path, lambda: story_withdraw(story=draft, actor=alice))
    assert "What one question did" not in Client().get(path).content.decode()


def test_a_visitor_sees_a_storys_links_on_the_pledge_page_at_once(alice, pledge):
    from stories.services import story_create, story_publish, story_update

    draft = story_create(
        author=alice,
        title="How asking changed our ward",
        summary="We asked every patient what matters to them.",
        body="It started with one question.",
        pledges=[pledge],
    )
    path = pledge.get_absolute_url()
    assert "How asking changed our ward" not in Client().get(path).content.decode()

    story_publish(story=draft, actor=alice)
    assert "How asking changed our ward" in Client().get(path).content.decode()

    story_update(story=draft, actor=alice, pledges=[])
    assert "How asking changed our ward" not in Client().get(path).content.decode()


# --- members ----------------------------------------------------------------------------


def test_a_member_hiding_their_name_drops_every_page_showing_it(community, community_pledge, alice):
    from members.services import profile_update

    path = _community_path(community)
    assert "Alice Ahmed" in Client().get(path).content.decode()

    assert _dropped_by(
        path, lambda: profile_update(member=alice, actor=alice, name_visibility="hidden")
    )
    assert "Alice Ahmed" not in Client().get(path).content.decode()


# --- generations ------------------------------------------------------------------------


def test_a_change_during_the_render_leaves_the_copy_stale(community, monkeypatch):
    """The subjects' generations are read before the page is built, so a change that
    commits while it renders (after the page read the community) leaves the copy stale."""
    from communities.models import Community
    from kernel import caching

    path = _community_path(community)
    real = caching.page_shows

    def changed_while_rendering(request, *named):
        real(request, *named)  # the community's row is read already
        Community.objects.filter(pk=community.pk).update(description="We cycle now.")
        caching.changed(caching.community(community.pk))

    monkeypatch.setattr(caching, "page_shows", changed_while_rendering)
    assert "We cycle now." not in Client().get(path).content.decode()
    monkeypatch.setattr(caching, "page_shows", real)

    assert "We cycle now." in Client().get(path).content.decode()


def test_generations_are_written_even_with_the_page_cache_off(kept):
    kept.ANONYMOUS_PAGE_CACHE_SECONDS = 0

    subjects.changed("community:5")

    assert subjects.generations(["community:5"])["community:5"] is not None


def test_the_changes_of_one_transaction_are_written_together(monkeypatch):
    writes = []
    real_set_many = cache.set_many
    monkeypatch.setattr(
        cache,
        "set_many",
        lambda items, *a, **k: writes.append(set(items)) or real_set_many(items, *a, **k),
    )
    before = subjects.generations(["community:1", "community:2", "people"])

    with transaction.atomic():
        subjects.changed("community:1")
        subjects.changed("community:2", "people", "")
        assert writes == []  # nothing before the commit

    assert writes == [
        {subjects.generation_key(s) for s in ("community:1", "community:2", "people")}
    ]
    after = subjects.generations(["community:1", "community:2", "people"])
    assert all(after[s] and after[s] != before[s] for s in after)


def test_a_change_whose_transaction_rolled_back_is_never_lost_nor_blocks_the_next():
    with pytest.raises(RuntimeError), transaction.atomic():
        subjects.changed("community:7")
        raise RuntimeError("rolled back")
    assert subjects.generations(["community:7"])["community:7"] is None  # not yet: no commit

    with transaction.atomic():
        subjects.changed("community:8")

    found = subjects.generations(["community:7", "community:8"])
    assert found["community:8"] is not None
    assert found["community:7"] is not None  # retired with the next commit: one render more
