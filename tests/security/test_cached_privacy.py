"""With every cache layer on, nobody is ever served another person's unpublished content
or the real name they chose to hide.

The case that was found: a member made a check-in that waited for a moderator (or was
hidden by one), with their real name hidden from others, then took their signature
back. Their own page shows the note with their name; an organiser's and an admin's show
the note; a copy of either reached other members once. A pledge's page is no longer
copied, but the same holds of a community's page, which is: a pledge waiting for a
moderator, or hidden by one, shows there to its author, the organisers and admins only.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Worried the rota leaves nights short again"
REAL_NAME = "Dana Quietly-Hidden"
TITLE = "cover the night shifts nobody else will"


@pytest.fixture
def every_cache_on(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    settings.ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = 300
    return settings


def _page_for(person, path: str) -> str:
    client = Client()
    if person is not None:
        client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _hidden_member_in(community, bob, kept_from_others: str):
    """Dana, who hides her name, and Bob, members of `community`, where a first post
    waits for a moderator when `kept_from_others` is "pending"."""
    community.premoderate_first_posts = 3 if kept_from_others == "pending" else 0
    community.save(update_fields=["premoderate_first_posts"])
    dana = UserFactory(display_name=REAL_NAME, name_visibility="hidden")
    MembershipFactory(community=community, member=dana)
    MembershipFactory(community=community, member=bob)
    return dana


def _seen_only_by_those_who_may(path: str, text: str, *, may_see, others) -> None:
    """Those who may see `text` ask first, so a copy of their page would be the one
    kept; then the others, twice (the second time from whatever copy the first left),
    never see it or Dana's real name."""
    for person in may_see:
        assert text in _page_for(person, path)
    for _ in range(2):
        for other in others:
            page = _page_for(other, path)
            assert text not in page
            assert REAL_NAME not in page


@pytest.mark.parametrize("kept_from_others", ["pending", "hidden"])
def test_a_check_in_others_may_not_see_never_reaches_them_through_a_cached_page(
    every_cache_on, kept_from_others, community, olivia, admin_user, bob, theme
):
    from communities.services import content_hide
    from pledges.services import check_in_create, pledge_create, pledge_sign, pledge_unsign

    dana = _hidden_member_in(community, bob, kept_from_others)
    pledge = pledge_create(
        author=olivia,
        title="cover every night shift on the ward",
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    pledge_sign(pledge=pledge, member=dana)
    check_in = check_in_create(pledge=pledge, author=dana, note=NOTE)
    if kept_from_others == "hidden":
        content_hide(item=check_in, actor=olivia, reason="Names a colleague")
    pledge_unsign(pledge=pledge, member=dana)
    path = pledge.get_absolute_url()

    assert REAL_NAME in _page_for(dana, path)
    _seen_only_by_those_who_may(
        path, NOTE, may_see=(dana, olivia, admin_user), others=(None, bob, UserFactory())
    )
    assert "Anonymous supporter" not in _page_for(None, path)  # nothing of hers at all


@pytest.mark.parametrize("kept_from_others", ["pending", "hidden"])
def test_a_pledge_others_may_not_see_never_reaches_them_through_a_cached_community_page(
    every_cache_on, kept_from_others, community, olivia, admin_user, bob, theme
):
    from communities.services import content_hide
    from pledges.services import pledge_create

    dana = _hidden_member_in(community, bob, kept_from_others)
    pledge = pledge_create(
        author=dana,
        title=TITLE,
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    if kept_from_others == "hidden":
        content_hide(item=pledge, actor=olivia, reason="Names a colleague")
    path = reverse("communities:detail", args=[community.slug])

    assert REAL_NAME in _page_for(dana, path)
    _seen_only_by_those_who_may(
        path, TITLE, may_see=(dana, olivia, admin_user), others=(None, bob, UserFactory())
    )


def test_a_hidden_name_never_reaches_others_from_a_page_cached_before_it_was_hidden(
    every_cache_on, community, alice, bob, theme
):
    from members.services import profile_update
    from pledges.services import pledge_create

    MembershipFactory(community=community, member=alice)
    pledge = pledge_create(
        author=alice,
        title="walk to work once a week",
        theme=theme,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    path = reverse("communities:detail", args=[community.slug])
    assert "Alice Ahmed" in _page_for(None, path)  # kept for visitors

    profile_update(member=alice, actor=alice, name_visibility="hidden")

    for page in (path, pledge.get_absolute_url()):
        assert "Alice Ahmed" not in _page_for(None, page)
        assert "Alice Ahmed" not in _page_for(bob, page)
        assert "Alice Ahmed" in _page_for(alice, page)
