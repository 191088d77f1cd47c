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
