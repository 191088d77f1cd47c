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


# --- pledges ----------------------------------------------------------------------------


def test_signing_through_the_raw_sql_path_drops_the_pledge_and_community_pages(
    community, olivia, bob, charlie, theme
):
    from pledges.services import pledge_create, pledge_sign
    from tests.factories import MembershipFactory

    pledge = pledge_create(
        author=olivia,
        title="walk to work once a week",
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    MembershipFactory(community=community, member=bob)
    MembershipFactory(community=community, member=charlie)

    assert _dropped_by(pledge.get_absolute_url(), lambda: pledge_sign(pledge=pledge, member=bob))
    assert _dropped_by(
        _community_path(community), lambda: pledge_sign(pledge=pledge, member=charlie)
    )
    assert "3 people have signed" in Client().get(pledge.get_absolute_url()).content.decode()


def test_unsigning_checking_in_and_marking_done_drop_the_pledge_page(pledge_met, bob, charlie):
    from pledges.services import check_in_create, pledge_unsign, signature_mark_done

    path = pledge_met.get_absolute_url()

    assert _dropped_by(path, lambda: check_in_create(pledge=pledge_met, author=bob, note="Day 1"))
    assert _dropped_by(
        path, lambda: signature_mark_done(pledge=pledge_met, member=bob, outcome="Asked them all")
    )
    assert _dropped_by(path, lambda: pledge_unsign(pledge=pledge_met, member=charlie))


def test_editing_withdrawing_and_recounting_drop_the_pledge_page(pledge_with_signers, alice):
    from pledges.models import Pledge
    from pledges.services import pledge_recount, pledge_update, pledge_withdraw

    path = pledge_with_signers.get_absolute_url()

    assert _dropped_by(
        path,
        lambda: pledge_update(pledge=pledge_with_signers, actor=alice, title="ask every patient"),
    )

    def counters_repaired():
        Pledge.objects.filter(pk=pledge_with_signers.pk).update(signer_count=9)  # a bad counter
        pledge_recount(pledge=pledge_with_signers.pk)

    assert _dropped_by(path, counters_repaired)
    assert _dropped_by(path, lambda: pledge_withdraw(pledge=pledge_with_signers, actor=alice))


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


def test_a_moderators_decision_drops_the_page_showing_the_item(community, olivia, alice, theme):
    from communities.services import content_hide
    from pledges.services import check_in_create, pledge_create
    from tests.factories import MembershipFactory

    MembershipFactory(community=community, member=alice)
    pledge = pledge_create(
        author=alice,
        title="take the stairs every day",
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    check_in = check_in_create(pledge=pledge, author=alice, note="Seven floors today")
    path = pledge.get_absolute_url()
    assert "Seven floors today" in Client().get(path).content.decode()

    assert _dropped_by(
        path, lambda: content_hide(item=check_in, actor=olivia, reason="Off topic for the ward")
    )
    assert "Seven floors today" not in Client().get(path).content.decode()


# --- stories ----------------------------------------------------------------------------


def test_publishing_and_unlinking_a_story_drop_the_pledge_pages(alice, pledge):
    from stories.services import story_create, story_publish, story_update

    draft = story_create(
        author=alice,
        title="How asking changed our ward",
        summary="We asked every patient what matters to them.",
        body="It started with one question.",
        pledges=[pledge],
    )
    path = pledge.get_absolute_url()

    assert _dropped_by(path, lambda: story_publish(story=draft, actor=alice))
    assert _dropped_by(path, lambda: story_update(story=draft, actor=alice, pledges=[]))


# --- members ----------------------------------------------------------------------------


def test_a_member_hiding_their_name_drops_every_page_showing_it(pledge, alice):
    from members.services import profile_update

    assert _dropped_by(
        pledge.get_absolute_url(),
        lambda: profile_update(member=alice, actor=alice, name_visibility="hidden"),
    )
    assert "Alice Ahmed" not in Client().get(pledge.get_absolute_url()).content.decode()


# --- generations ------------------------------------------------------------------------


def test_a_change_during_the_render_leaves_the_copy_stale(pledge, monkeypatch):
    """The subjects' generations are read before the page is built, so a change that
    commits while it renders (after the page read the pledge) leaves the copy stale."""
    from kernel import caching
    from pledges import views
    from pledges.models import Pledge

    path = pledge.get_absolute_url()
    real = views._detail_page

    def changed_while_rendering(request, pk, signature):
        response = real(request, pk, signature)
        Pledge.objects.filter(pk=pledge.pk).update(title="try a new title")
        caching.changed(caching.pledge(pledge.pk))
        return response

    monkeypatch.setattr(views, "_detail_page", changed_while_rendering)
    assert "try a new title" not in Client().get(path).content.decode()
    monkeypatch.setattr(views, "_detail_page", real)

    assert "try a new title" in Client().get(path).content.decode()


def test_generations_are_written_even_with_the_page_cache_off(kept):
    kept.ANONYMOUS_PAGE_CACHE_SECONDS = 0

    subjects.changed("pledge:5")

    assert subjects.generations(["pledge:5"])["pledge:5"] is not None


def test_the_changes_of_one_transaction_are_written_together(monkeypatch):
    writes = []
    real_set_many = cache.set_many
    monkeypatch.setattr(
        cache,
        "set_many",
        lambda items, *a, **k: writes.append(set(items)) or real_set_many(items, *a, **k),
    )
    before = subjects.generations(["pledge:1", "pledge:2", "community:3"])

    with transaction.atomic():
        subjects.changed("pledge:1")
        subjects.changed("pledge:2", "community:3", "")
        assert writes == []  # nothing before the commit

    assert writes == [{subjects.generation_key(s) for s in ("pledge:1", "pledge:2", "community:3")}]
    after = subjects.generations(["pledge:1", "pledge:2", "community:3"])
    assert all(after[s] and after[s] != before[s] for s in after)


def test_a_change_whose_transaction_rolled_back_is_never_lost_nor_blocks_the_next():
    with pytest.raises(RuntimeError), transaction.atomic():
        subjects.changed("pledge:7")
        raise RuntimeError("rolled back")
    assert subjects.generations(["pledge:7"])["pledge:7"] is None  # not yet: no commit

    with transaction.atomic():
        subjects.changed("pledge:8")

    found = subjects.generations(["pledge:7", "pledge:8"])
    assert found["pledge:8"] is not None
    assert found["pledge:7"] is not None  # retired with the next commit: one render more
