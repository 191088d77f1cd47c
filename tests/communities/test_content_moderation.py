"""Moderating real content (pledges and check-ins) through the registry: flags, hide,
restore, pre-moderation, warnings, and hidden content disappearing for everyone but
its author and moderators."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import selectors, services
from communities.models import AuditEntry, Flag, Membership
from communities.moderation import ModerationStatus, moderated_types
from notifications.models import Kind, Notification
from pledges import selectors as pledge_selectors
from pledges.models import Pledge
from pledges.services import check_in_create, pledge_create, pledge_sign
from tests.factories import MembershipFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theme(db):
    return ThemeFactory()


def make_pledge(author, community, theme, title="ask every patient what matters to them"):
    return pledge_create(
        author=author,
        title=title,
        theme=theme,
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        community=community,
    )


@pytest.fixture
def alices_pledge(community, alice_in_community, alice, theme):
    return make_pledge(alice, community, theme)


def test_a_hidden_pledge_disappears_for_everyone_but_its_author_and_moderators(
    community, olivia, alice, bob, charlie, oscar, admin_user, alices_pledge, client, api_client
):
    MembershipFactory(community=community, member=bob)
    services.flag_create(reporter=bob, target=alices_pledge, reason="It names a patient.")

    services.content_hide(item=alices_pledge, actor=olivia, reason="It names a patient.")

    alices_pledge.refresh_from_db()
    assert alices_pledge.moderation_status == ModerationStatus.HIDDEN
    for outsider in (None, bob, charlie, oscar):
        assert not pledge_selectors.can_see_pledge(outsider, alices_pledge)
    for insider in (alice, olivia, admin_user):
        assert pledge_selectors.can_see_pledge(insider, alices_pledge)
    # Pages and the API, for someone else.
    client.force_login(bob)
    assert client.get(alices_pledge.get_absolute_url()).status_code == 404
    assert alices_pledge.title not in client.get(reverse("pledges:wall")).content.decode()
    api_client.force_authenticate(bob)
    listed = api_client.get(reverse("api:pledges")).json()
    assert alices_pledge.pk not in [p["id"] for p in listed["results"]]
    assert api_client.get(reverse("api:pledge-detail", args=[alices_pledge.pk])).status_code == 404
    # The author is told why; the flag is actioned; one entry is on the record.
    notice = Notification.objects.get(recipient=alice, kind=Kind.CONTENT_MODERATED)
    assert notice.body == "It names a patient."
    assert "hidden" in notice.title
    assert Flag.objects.get().status == Flag.Status.ACTIONED
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target) == ("content_hidden", olivia, alices_pledge)
    assert entry.target_label.startswith("Pledge: I will ask every patient")


def test_restoring_makes_a_pledge_visible_again(community, olivia, alice, bob, alices_pledge):
    services.content_hide(item=alices_pledge, actor=olivia, reason="Checking with the author")

    services.content_restore(item=alices_pledge, actor=olivia, reason="No patient named")

    assert pledge_selectors.can_see_pledge(bob, alices_pledge)
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "content_hidden",
        "content_restored",
    ]
    assert Notification.objects.filter(recipient=alice, kind=Kind.CONTENT_MODERATED).count() == 2


CONTENT_ACTIONS = {
    "hide": (None, services.content_hide, "content_hidden"),
    "restore": ("hide", services.content_restore, "content_restored"),
    "warn": (None, services.author_warn, "author_warned"),
    "dismiss": ("flag", services.flags_dismiss, "flags_dismissed"),
    "approve": ("pending", services.content_approve, "content_approved"),
}


@pytest.mark.parametrize("name", list(CONTENT_ACTIONS))
def test_each_content_action_writes_exactly_one_audit_entry(
    name, community, olivia, bob, alices_pledge
):
    arrange, act, expected = CONTENT_ACTIONS[name]
    if arrange == "hide":
        services.content_hide(item=alices_pledge, actor=olivia, reason="r")
    elif arrange == "flag":
        MembershipFactory(community=community, member=bob)
        services.flag_create(reporter=bob, target=alices_pledge, reason="Rude")
    elif arrange == "pending":
        Pledge.objects.filter(pk=alices_pledge.pk).update(moderation_status="pending")
        alices_pledge.refresh_from_db()
    before = AuditEntry.objects.count()

    if act in (services.author_warn, services.flags_dismiss):
        act(target=alices_pledge, actor=olivia, reason="r")
    else:
        act(item=alices_pledge, actor=olivia, reason="r")

    new = list(AuditEntry.objects.order_by("id")[before:])
    assert [e.action for e in new] == [expected]
    assert new[0].community == community


def test_pre_moderation_holds_a_newcomers_first_posts_until_approved(
    community, olivia, alice_in_community, alice, bob, theme, client_for
):
    community.premoderate_first_posts = 1
    community.save()

    first = make_pledge(alice, community, theme)

    assert first.moderation_status == ModerationStatus.PENDING
    assert not pledge_selectors.can_see_pledge(bob, first)
    queue = selectors.moderation_queue(olivia)
    assert [(item.key, item.target_id, item.is_pending) for item in queue] == [
        ("pledges.pledge", first.pk, True)
    ]
    assert selectors.moderation_count(olivia) == 1

    response = client_for(olivia).post(
        reverse("communities:moderate", args=["pledges.pledge", first.pk]),
        {"action": "approve", "approve-reason": ""},
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.moderation_status == ModerationStatus.PUBLISHED
    assert Membership.objects.get(community=community, member=alice).posts_approved == 1
    assert "approved" in Notification.objects.get(recipient=alice).title
    second = make_pledge(alice, community, theme, title="learn one colleague's name a day")
    assert second.moderation_status == ModerationStatus.PUBLISHED


def test_members_cannot_flag_their_own_content(alice, alices_pledge):
    with pytest.raises(ValidationError, match="cannot flag your own pledge"):
        services.flag_create(reporter=alice, target=alices_pledge, reason="Oops")

    assert not Flag.objects.exists()


def test_flagging_the_same_pledge_twice_is_refused(bob, alices_pledge):
    services.flag_create(reporter=bob, target=alices_pledge, reason="Names a patient")

    with pytest.raises(ValidationError, match="already flagged this pledge"):
        services.flag_create(reporter=bob, target=alices_pledge, reason="Still there")

    assert Flag.objects.count() == 1


def test_hidden_content_cannot_be_flagged(olivia, bob, alices_pledge):
    services.content_hide(item=alices_pledge, actor=olivia, reason="r")

    with pytest.raises(ValidationError, match="already been hidden"):
        services.flag_create(reporter=bob, target=alices_pledge, reason="x")


def test_organisers_cannot_act_on_content_outside_their_community(
    oscar, other_community, alice, alices_pledge
):
    for action in (services.content_hide, services.content_restore, services.content_approve):
        with pytest.raises(PermissionDenied, match="You do not organise Morecambe Bay Walkers"):
            action(item=alices_pledge, actor=oscar, reason="Not yours")
    with pytest.raises(PermissionDenied):
        services.author_warn(target=alices_pledge, actor=oscar, reason="Not yours")

    alices_pledge.refresh_from_db()
    assert alices_pledge.moderation_status == ModerationStatus.PUBLISHED
    assert not AuditEntry.objects.exists()
    assert not Notification.objects.filter(kind=Kind.CONTENT_MODERATED).exists()


def test_platform_wide_content_is_moderated_by_admins_only(olivia, admin_user, alice, theme):
    pledge = make_pledge(alice, None, theme)

    with pytest.raises(PermissionDenied, match="Only platform admins"):
        services.content_hide(item=pledge, actor=olivia, reason="x")
    services.content_hide(item=pledge, actor=admin_user, reason="Off topic")

    assert AuditEntry.objects.get().community is None


def test_a_banned_member_cannot_pledge_or_sign_in_the_community(
    community, olivia, alice_in_community, alice, bob, theme
):
    MembershipFactory(community=community, member=bob)
    bobs = make_pledge(bob, community, theme)
    services.member_ban(community=community, member=alice, actor=olivia, reason="x", until=None)
    alice = type(alice).objects.get(pk=alice.pk)

    with pytest.raises(ValidationError) as error:
        make_pledge(alice, community, theme)
    assert "community" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        pledge_sign(pledge=bobs, member=alice)


def test_check_ins_are_moderated_through_their_pledges_community(
    community, olivia, oscar, alice, bob, alices_pledge, django_assert_num_queries
):
    check_in = check_in_create(pledge=alices_pledge, author=alice, note="Asked 12 patients today")
    MembershipFactory(community=community, member=bob)
    services.flag_create(reporter=bob, target=check_in, reason="Shares a bed number")

    assert [i.label for i in selectors.moderation_queue(olivia)] == ["check-in"]
    assert selectors.moderation_queue(oscar) == []
    services.content_hide(item=check_in, actor=olivia, reason="Bed numbers identify patients")

    check_in.refresh_from_db()
    assert check_in.moderation_status == ModerationStatus.HIDDEN
    assert selectors.moderation_count(olivia) == 0


def test_the_count_is_one_query_across_every_content_type(
    community, olivia, alice, bob, theme, alice_in_community, django_assert_num_queries
):
    community.premoderate_first_posts = 5
    community.save()
    pending = make_pledge(alice, community, theme)
    MembershipFactory(community=community, member=bob)
    published = make_pledge(olivia, community, theme, title="walk a mile a day")
    services.flag_create(reporter=bob, target=published, reason="Spam")
    services.flag_create(reporter=alice, target=published, reason="Spam")
    selectors.organised_community_ids(olivia)
    for mtype in moderated_types():
        ContentType.objects.get_for_model(mtype.model)

    with django_assert_num_queries(1):
        count = selectors.moderation_count(olivia)

    assert count == 2  # one pending pledge, one flagged pledge (two reports)
    assert pending.moderation_status == ModerationStatus.PENDING


def test_flags_on_deleted_content_can_be_dismissed(
    community, olivia, bob, alices_pledge, client_for
):
    services.flag_create(reporter=bob, target=alices_pledge, reason="Spam")
    pk = alices_pledge.pk
    Pledge.objects.filter(pk=pk).delete()
    url = reverse("communities:moderate", args=["pledges.pledge", pk])
    client = client_for(olivia)

    assert "no longer exists" in client.get(url).content.decode()
    response = client.post(url, {"action": "dismiss", "dismiss-reason": "Author deleted it"})

    assert response.status_code == 302
    assert Flag.objects.get().status == Flag.Status.DISMISSED
    assert AuditEntry.objects.get().action == "flags_dismissed"
    assert selectors.moderation_count(olivia) == 0


def _fill_queue(community, theme, reporter, n: int) -> None:
    """n flagged pledges, n flagged check-ins, n pending pledges and n flagged members."""
    for _ in range(n):
        author = MembershipFactory(community=community).member
        pledge = make_pledge(author, community, theme)
        check_in = check_in_create(pledge=pledge, author=author, note="Progress")
        services.flag_create(reporter=reporter, target=pledge, reason="Spam")
        services.flag_create(reporter=reporter, target=check_in, reason="Spam")
        services.flag_create(reporter=reporter, target=author, community=community, reason="x")
        newcomer = MembershipFactory(community=community).member
        Pledge.objects.filter(pk=make_pledge(newcomer, community, theme).pk).update(
            moderation_status="pending"
        )


@pytest.mark.parametrize("url_name", ["communities:moderation", "api:moderation-queue"])
def test_the_queue_costs_the_same_queries_for_more_items(
    url_name, community, olivia, bob, theme, client_for
):
    MembershipFactory(community=community, member=bob)
    client = client_for(olivia)
    _fill_queue(community, theme, bob, 1)
    client.get(reverse(url_name))  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        first = client.get(reverse(url_name))
    _fill_queue(community, theme, bob, 4)
    with CaptureQueriesContext(connection) as many:
        second = client.get(reverse(url_name))

    assert first.status_code == second.status_code == 200
    assert len(many) == len(few)
    assert selectors.moderation_count(olivia) == 20
