"""A member's own copy of the busiest pages (radicals.member_cache), the remembered
header and cards (radicals.memo) and the header counts kept for a few seconds."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User
from notifications.models import Notification
from radicals.memo import CSRF_SENTINEL, STORE, MemoStore
from tests.factories import PledgeFactory


@pytest.fixture
def member_cache(settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 60
    settings.HEADER_COUNTS_CACHE_SECONDS = 60
    return settings


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.get(reverse("pledges:wall"))  # the first page hands out the CSRF cookie
    return client


def test_a_member_is_served_their_own_copy_again_while_it_is_fresh(member_cache, alice):
    client = _signed_in(alice)
    first = client.get(reverse("pledges:wall")).content
    PledgeFactory(title="try a brand new thing on the ward")

    again = client.get(reverse("pledges:wall")).content

    assert again == first
    assert b"brand new thing" not in again


def test_a_change_the_member_makes_retires_their_copies_at_once(member_cache, alice, pledge):
    client = _signed_in(alice)
    client.get(reverse("pledges:wall"))
    PledgeFactory(title="try a brand new thing on the ward")

    # Any POST by the member (here, marking notifications read) starts a new generation.
    client.post(reverse("notifications:mark_all_read"))

    assert b"brand new thing" in client.get(reverse("pledges:wall")).content


def test_the_copy_expires(member_cache, alice):
    client = _signed_in(alice)
    client.get(reverse("pledges:wall"))
    PledgeFactory(title="try a brand new thing on the ward")
    member_cache.MEMBER_PAGE_CACHE_SECONDS = 0  # as if the seconds had passed

    assert b"brand new thing" in client.get(reverse("pledges:wall")).content


def test_no_member_is_ever_served_another_members_copy(member_cache, alice, bob):
    alice_client, bob_client = _signed_in(alice), _signed_in(bob)
    alice_client.get(reverse("pledges:wall"))

    page = bob_client.get(reverse("pledges:wall")).content.decode()

    assert "Bob Brown" in page
    assert "Alice Ahmed" not in page


def test_each_browser_gets_forms_with_its_own_csrf_token(member_cache, alice, bob, pledge):
    """Two browsers of one member: each copy is kept per session and CSRF cookie, so the
    form each browser is shown posts successfully."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):
        client.force_login(bob)
        client.get(pledge.get_absolute_url())
    page = second.get(pledge.get_absolute_url()).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = second.post(
        reverse("pledges:sign", args=[pledge.pk]), {"csrfmiddlewaretoken": token}
    )

    assert response.status_code in (200, 302)
    assert pledge.signatures.filter(member=bob).exists()


def test_a_page_showing_flash_messages_is_not_kept(member_cache, alice):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client = _signed_in(alice)
    client.get(reverse("pledges:wall"))
    message = Message(constants.SUCCESS, "Your pledge is on the wall.")
    client.cookies["messages"] = CookieStorage(None)._encode([message])

    with_message = client.get(reverse("pledges:wall")).content.decode()
    after = client.get(reverse("pledges:wall")).content.decode()

    assert "Your pledge is on the wall." in with_message
    assert "Your pledge is on the wall." not in after


def test_switched_off_every_visit_renders_the_page(settings, alice):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0
    client = _signed_in(alice)
    client.get(reverse("pledges:wall"))
    PledgeFactory(title="try a brand new thing on the ward")

    assert b"brand new thing" in client.get(reverse("pledges:wall")).content


def test_the_api_list_is_kept_per_member_too(member_cache, alice):
    client = _signed_in(alice)
    first = client.get("/api/pledges/").json()
    PledgeFactory(title="try a brand new thing on the ward")

    assert client.get("/api/pledges/").json() == first
    client.post(reverse("notifications:mark_all_read"))
    titles = [item["title"] for item in client.get("/api/pledges/").json()["results"]]
    assert "try a brand new thing on the ward" in titles


# --- The header counts ---------------------------------------------------------------


def _notify(user: User, title: str = "New co-signers on your pledge") -> None:
    import uuid

    Notification.objects.create(
        recipient=user, kind="new_co_signers", title=title, body="b", idempotency_key=uuid.uuid4()
    )


def test_the_unread_count_is_kept_a_few_seconds(member_cache, alice, settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0  # pages rendered every time; counts kept
    client = _signed_in(alice)
    _notify(alice)
    client.post(reverse("notifications:mark_all_read"))  # the member's own change: recounted
    assert "(1<" not in client.get(reverse("pledges:wall")).content.decode()
    _notify(alice)

    # Someone else's change shows once the kept count expires.
    assert "(1<" not in client.get(reverse("pledges:wall")).content.decode()
    settings.HEADER_COUNTS_CACHE_SECONDS = 0
    assert "(1<" in client.get(reverse("pledges:wall")).content.decode()


# --- Remembered pieces of templates --------------------------------------------------


def test_a_card_is_drawn_again_when_what_it_shows_changes(alice, client_for):
    pledge = PledgeFactory(author=alice, title="try a quiet hour on the ward")
    client = client_for(alice)
    assert "try a quiet hour" in client.get(reverse("pledges:wall")).content.decode()

    alice.display_name = "Alice A. Ahmed"
    alice.save()
    pledge.title = "try two quiet hours on the ward"
    pledge.save()
    page = client.get(reverse("pledges:wall")).content.decode()

    assert "try two quiet hours" in page
    assert "Alice A. Ahmed" in page


def test_the_header_never_shows_the_csrf_sentinel_and_each_request_has_a_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("pledges:wall"))
    page = client.get(reverse("pledges:wall")).content.decode()

    assert str(CSRF_SENTINEL) not in page
    logout_form = page.split('action="/accounts/logout/"')[1].split("</form>")[0]
    token = logout_form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302


def test_the_memo_store_is_bounded():
    store = MemoStore(size=3)
    for n in range(5):
        store.set(("k", n), str(n))

    assert len(store) == 3
    assert store.get(("k", 0)) is None
    assert store.get(("k", 4)) == "4"
    assert len(STORE) <= STORE.size


@pytest.mark.django_db(transaction=True)
def test_a_shared_page_reads_the_members_cache_entries_in_one_round_trip(member_cache, monkeypatch):
    """The member's copy, generation, header counts and own subjects come in one
    get_many."""
    from django.core.cache import cache

    from tests.factories import CommunityFactory, MembershipFactory

    member_cache.SHARED_PAGE_CACHE_SECONDS = 300
    community = CommunityFactory()
    path = reverse("communities:detail", args=[community.slug])
    MembershipFactory(community=community)  # someone else, to render the shared copy
    member = MembershipFactory(community=community).member
    client = Client()
    client.force_login(member)
    client.get(path)  # the shared copy, the member's counts and own subjects are kept

    reads, writes = [], []
    real_get_many, real_set = cache.get_many, cache.set
    monkeypatch.setattr(
        cache, "get_many", lambda keys, *a: reads.append(keys) or real_get_many(keys, *a)
    )
    monkeypatch.setattr(
        cache, "set", lambda key, *a, **k: writes.append(key) or real_set(key, *a, **k)
    )
    response = client.get(path)

    assert response.status_code == 200
    member_reads = [keys for keys in reads if any(k.startswith("member-pages:page:") for k in keys)]
    assert len(member_reads) == 1
    assert any(k.startswith("header-counts:") for k in member_reads[0])
    assert any(k.startswith("shared-pages:own:") for k in member_reads[0])
    assert not any(
        k.startswith(("header-counts:", "shared-pages:own:")) for keys in reads[1:] for k in keys
    )
    assert [key for key in writes if key.startswith("member-pages:page:")]  # kept for reloads


def test_the_header_links_are_worked_out_once_and_again_for_another_url_configuration(rf, settings):
    from radicals import context_processors

    context_processors._nav_links.cache_clear()
    request = rf.get("/pledges/")
    first = context_processors._nav_items(request)
    assert [item["text"] for item in first] == ["Pledges", "Communities", "Stories", "Learning"]
    assert first[0]["current"] and not first[1]["current"]
    assert context_processors._nav_links.cache_info().hits == 0
    context_processors._nav_items(rf.get("/stories/"))
    assert context_processors._nav_links.cache_info().hits == 1

    settings.ROOT_URLCONF = "radicals.urls"  # any change of URLs forgets the links
    assert context_processors._nav_links.cache_info().currsize == 0
