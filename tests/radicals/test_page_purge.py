"""A pledge's and a community's page are kept longer for visitors who are not signed
in, and dropped the moment what they show changes (radicals.page_purge)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pledges.services import pledge_sign
from tests.factories import MembershipFactory, PledgeFactory, UserFactory


@pytest.fixture
def kept(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 5
    settings.ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = 300
    return settings


def _visit(path: str) -> str:
    return Client().get(path).content.decode()


def _without_purges(monkeypatch):
    """Changes made with the purges switched off, to show the copy really is kept."""
    from radicals import page_purge

    monkeypatch.setattr(page_purge, "purge", lambda subjects: None)


@pytest.mark.django_db(transaction=True)
def test_a_pledge_page_is_kept_and_dropped_when_someone_signs(kept, monkeypatch, bob):
    pledge = PledgeFactory(title="try a quiet hour on the ward")
    path = pledge.get_absolute_url()
    assert "1 person has signed" in _visit(path)

    with monkeypatch.context() as patch:
        _without_purges(patch)
        pledge_sign(pledge=pledge, member=UserFactory())
        kept.ANONYMOUS_PAGE_CACHE_SECONDS = 5
        assert "1 person has signed" in _visit(path)  # kept, nothing purged it

    pledge_sign(pledge=pledge, member=bob)

    assert "3 people have signed" in _visit(path)


@pytest.mark.django_db(transaction=True)
def test_a_community_page_is_dropped_when_a_pledge_is_made_in_it(kept, community):
    path = reverse("communities:detail", args=[community.slug])
    assert "try a brand new thing" not in _visit(path)

    PledgeFactory(title="try a brand new thing on the ward", community=community)

    assert "try a brand new thing" in _visit(path)


@pytest.mark.django_db(transaction=True)
def test_a_community_page_is_dropped_when_someone_joins(kept, community):
    path = reverse("communities:detail", args=[community.slug])
    before = _visit(path)

    MembershipFactory(community=community)

    assert _visit(path) != before


@pytest.mark.django_db(transaction=True)
def test_other_pages_keep_the_short_time(kept, monkeypatch):
    """The wall names no subjects, so it is kept for ANONYMOUS_PAGE_CACHE_SECONDS only;
    a pledge's page for ANONYMOUS_PURGED_PAGE_CACHE_SECONDS."""
    import time

    from radicals import middleware

    pledge = PledgeFactory(title="try a quiet hour on the ward")
    wall, page = reverse("pledges:wall"), pledge.get_absolute_url()
    _visit(wall)
    _visit(page)
    _without_purges(monkeypatch)
    type(pledge).objects.filter(pk=pledge.pk).update(title="try two quiet hours")
    now = time.time()

    monkeypatch.setattr(middleware.time, "time", lambda: now + 60)
    assert "try two quiet hours" in _visit(wall)
    assert "try a quiet hour" in _visit(page)

    monkeypatch.setattr(middleware.time, "time", lambda: now + 301)
    assert "try two quiet hours" in _visit(page)


@pytest.mark.django_db(transaction=True)
def test_a_change_during_the_render_leaves_the_copy_stale(kept, monkeypatch):
    """The subjects' generations are read before the page is built."""
    from radicals import page_purge

    pledge = PledgeFactory()
    path = pledge.get_absolute_url()
    real = page_purge.keep_until_changed

    def change_while_rendering(request, *subjects):
        real(request, *subjects)
        PledgeFactory._meta.model.objects.filter(pk=pledge.pk).update(title="try a new title")
        page_purge.purge([f"pledge:{pledge.pk}"])

    monkeypatch.setattr(page_purge, "keep_until_changed", change_while_rendering)
    _visit(path)
    monkeypatch.setattr(page_purge, "keep_until_changed", real)

    assert "try a new title" in _visit(path)


@pytest.mark.django_db(transaction=True)
def test_the_purges_of_one_transaction_are_written_together(kept, monkeypatch):
    from django.core.cache import cache
    from django.db import transaction

    from radicals import page_purge

    writes = []
    real_set_many = cache.set_many
    monkeypatch.setattr(
        cache,
        "set_many",
        lambda items, *a, **k: writes.append(set(items)) or real_set_many(items, *a, **k),
    )
    before = page_purge.generations(["pledge:1", "pledge:2", "community:3"])

    with transaction.atomic():
        page_purge.purge(["pledge:1"])
        page_purge.purge(["pledge:2", "community:3", ""])
        assert writes == []  # nothing before the commit

    assert writes == [
        {page_purge.generation_key(s) for s in ("pledge:1", "pledge:2", "community:3")}
    ]
    after = page_purge.generations(["pledge:1", "pledge:2", "community:3"])
    assert all(after[s] and after[s] != before[s] for s in after)


@pytest.mark.django_db(transaction=True)
def test_a_purge_whose_transaction_rolled_back_is_never_lost_nor_blocks_the_next(kept):
    from django.db import transaction

    from radicals import page_purge

    with pytest.raises(RuntimeError), transaction.atomic():
        page_purge.purge(["pledge:7"])
        raise RuntimeError("rolled back")
    assert page_purge.generations(["pledge:7"])["pledge:7"] is None  # not yet: no commit

    with transaction.atomic():
        page_purge.purge(["pledge:8"])

    found = page_purge.generations(["pledge:7", "pledge:8"])
    assert found["pledge:8"] is not None
    assert found["pledge:7"] is not None  # retired with the next commit: one render more
