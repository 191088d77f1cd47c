"""One rendering of a pledge's or a community's page shared by the signed-in members with
no part in it, each served it with their own header and CSRF field
(radicals.shared_pages)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pledges.services import pledge_sign
from radicals.memo import CSRF_SENTINEL
from radicals.shared_pages import HEADER_HOLE
from stories.services import story_create
from tests.factories import CommunityFactory, MembershipFactory, PledgeFactory, UserFactory


@pytest.fixture
def shared(settings):
    settings.SHARED_PAGE_CACHE_SECONDS = 300
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 5  # so changes purge the shared copies
    return settings


def _client(user, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def _page(user, path: str) -> str:
    return _client(user).get(path).content.decode()


def _renders(monkeypatch, view_module, name: str) -> list:
    """Count the renderings of a view's page."""
    calls = []
    real = getattr(view_module, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(view_module, name, counting)
    return calls


def _story_about(pledge, writer, **extra):
    return story_create(
        author=writer,
        title="What an hour of quiet did",
        summary="A ward went quiet for an hour a day.",
        body="It helped.",
        outcome="Fewer falls",
        pledges=[pledge],
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_members_with_no_part_share_one_rendering_each_with_their_own_header(shared, monkeypatch):
    from pledges import views

    pledge = PledgeFactory(title="try a quiet hour on the ward")
    renders = _renders(monkeypatch, views, "_detail_page")
    first, second = UserFactory(display_name="Fatima First"), UserFactory(display_name="Sam Second")

    page_one = _page(first, pledge.get_absolute_url())
    page_two = _page(second, pledge.get_absolute_url())

    assert len(renders) == 1
    assert "Fatima First" in page_one and "Sam Second" not in page_one
    assert "Sam Second" in page_two and "Fatima First" not in page_two
    for page in (page_one, page_two):
        assert str(HEADER_HOLE) not in page and str(CSRF_SENTINEL) not in page
        assert "try a quiet hour" in page


@pytest.mark.django_db(transaction=True)
def test_the_shared_sign_form_posts_with_each_members_own_token(shared):
    pledge = PledgeFactory()
    first, second = UserFactory(), UserFactory()
    _page(first, pledge.get_absolute_url())  # renders the shared copy
    client = _client(second, enforce_csrf=True)
    page = client.get(pledge.get_absolute_url()).content.decode()
    form = page.split(f'action="{reverse("pledges:sign", args=[pledge.pk])}"')[1]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    client.post(reverse("pledges:sign", args=[pledge.pk]), {"csrfmiddlewaretoken": token})

    assert pledge.signatures.filter(member=second).exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_to_the_pledge_drops_the_shared_copy(shared):
    pledge = PledgeFactory()
    reader = UserFactory()
    assert "1 person has signed" in _page(reader, pledge.get_absolute_url())

    pledge_sign(pledge=pledge, member=UserFactory())

    assert "2 people have signed" in _page(reader, pledge.get_absolute_url())


@pytest.mark.django_db(transaction=True)
def test_signers_and_the_author_get_their_own_page(shared, monkeypatch):
    from pledges import views

    pledge = PledgeFactory()
    signer = UserFactory()
    pledge_sign(pledge=pledge, member=signer)
    _page(UserFactory(), pledge.get_absolute_url())
    renders = _renders(monkeypatch, views, "_detail_page")

    signer_page = _page(signer, pledge.get_absolute_url())
    author_page = _page(pledge.author, pledge.get_absolute_url())

    assert len(renders) == 2
    assert "Remove my signature" in signer_page
    assert "Change your pledge" in author_page
    assert "Change your pledge" not in signer_page


@pytest.mark.django_db(transaction=True)
def test_who_may_sign_is_part_of_the_variant(shared):
    community = CommunityFactory()
    pledge = PledgeFactory(community=community, visibility="public")
    member = MembershipFactory(community=community).member
    outsider = UserFactory()

    assert 'id="sign-button"' in _page(member, pledge.get_absolute_url())
    outsider_page = _page(outsider, pledge.get_absolute_url())
    assert 'id="sign-button"' not in outsider_page
    assert "Only members of" in outsider_page


@pytest.mark.django_db(transaction=True)
def test_the_writer_of_a_story_about_the_pledge_gets_their_own_page(shared, monkeypatch):
    from pledges import views

    pledge = PledgeFactory()
    writer = UserFactory(display_name="Wren Writer", name_visibility="private")
    story = _story_about(pledge, writer)
    from django.utils import timezone

    type(story).objects.filter(pk=story.pk).update(status="published", published_at=timezone.now())
    _page(UserFactory(), pledge.get_absolute_url())
    renders = _renders(monkeypatch, views, "_detail_page")

    _page(writer, pledge.get_absolute_url())

    assert len(renders) == 1


@pytest.mark.django_db(transaction=True)
def test_community_members_share_by_membership_and_organisers_get_their_own(shared, monkeypatch):
    from communities import views

    community = CommunityFactory()
    organiser = MembershipFactory(community=community, role="organiser").member
    members = [MembershipFactory(community=community).member for _ in range(2)]
    outsider = UserFactory()
    renders = _renders(monkeypatch, views, "_community_page")
    path = reverse("communities:detail", args=[community.slug])

    member_pages = [_page(member, path) for member in members]
    outsider_page = _page(outsider, path)
    organiser_page = _page(organiser, path)

    assert len(renders) == 3  # members once, the outsider once, the organiser alone
    assert all("You are a member of" in page for page in member_pages)
    assert "Join " in outsider_page
    assert "Run this community" in organiser_page
    assert all("Run this community" not in page for page in member_pages + [outsider_page])


@pytest.mark.django_db(transaction=True)
def test_a_member_with_a_pledge_in_the_community_gets_their_own_page(shared, monkeypatch):
    from communities import views

    community = CommunityFactory()
    author = MembershipFactory(community=community).member
    PledgeFactory(community=community, author=author, moderation_status="pending")
    _page(
        MembershipFactory(community=community).member,
        reverse("communities:detail", args=[community.slug]),
    )
    renders = _renders(monkeypatch, views, "_community_page")

    _page(author, reverse("communities:detail", args=[community.slug]))

    assert len(renders) == 1


def test_switched_off_by_default_in_development(settings):
    assert settings.SHARED_PAGE_CACHE_SECONDS == 0


@pytest.mark.django_db(transaction=True)
def test_a_members_own_pages_are_worked_out_once_and_again_after_their_own_change(
    shared, django_assert_num_queries
):
    from radicals import member_cache, shared_pages

    community = CommunityFactory()
    member = MembershipFactory(community=community).member
    subject = f"community:{community.pk}"
    assert not shared_pages.shows_own_content(member, subject)
    PledgeFactory(community=community, author=member)

    again = type(member).objects.get(pk=member.pk)  # the next request's user
    with django_assert_num_queries(0):
        assert not shared_pages.shows_own_content(again, subject)  # kept, not asked again

    member_cache.new_generation(member.pk)  # what any change the member makes does
    fresh = type(member).objects.get(pk=member.pk)
    assert shared_pages.shows_own_content(fresh, subject)


@pytest.mark.django_db
def test_a_story_makes_its_pledges_and_community_pages_the_writers_own():
    from stories import sections

    community = CommunityFactory()
    writer = MembershipFactory(community=community).member
    pledge = PledgeFactory(community=community)
    _story_about(pledge, writer, community=community)

    assert sections.pages_with_own_stories(writer) == sorted(
        [f"community:{community.pk}", f"pledge:{pledge.pk}"]
    )
    assert sections.pages_with_own_stories(UserFactory()) == []
