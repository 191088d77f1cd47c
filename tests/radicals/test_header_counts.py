"""The member's communities and their unread count are read in one statement, whether
the page header asks first (radicals.context_processors) or the page does
(`communities.selectors.load_community_ids`): what is kept for the request is what
each read alone gives, a signed-in page spends one round trip on both, and a count
kept for the request is counted again once notifications are marked read."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities import selectors as community_selectors
from communities.models import Membership
from kernel import prepared
from members.models import User
from notifications import selectors as notification_selectors
from notifications import services
from notifications.models import Kind
from radicals.context_processors import HeaderCounts
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _unread(member, count: int) -> None:
    for number in range(count):
        services.notify(
            kind=Kind.PLEDGE_DUE_SOON,
            recipient=member,
            period=str(number),
            title=f"Your pledge is due soon ({number})",
            url="/pledges/7/",
        )


def _known(user) -> tuple:
    return (
        dict(user._membership_statuses),
        list(user._member_community_ids),
        list(user._organised_community_ids),
    )


def _counts(member) -> tuple[dict, User]:
    fresh = User.objects.get(pk=member.pk)
    request = RequestFactory().get("/")
    request.user = fresh
    return HeaderCounts(request).values, fresh


@pytest.mark.parametrize("unread", [0, 3])
@pytest.mark.parametrize("kinds", ["none", "organiser", "mixed"])
def test_the_count_and_the_communities_are_what_each_read_gives(unread, kinds):
    member = UserFactory()
    _unread(member, unread)
    _unread(UserFactory(), 1)  # someone else's
    if kinds in ("organiser", "mixed"):
        MembershipFactory(member=member, role="organiser")
    if kinds == "mixed":
        MembershipFactory(member=member)
        MembershipFactory(member=member, status="pending")
        MembershipFactory(member=member, status="banned")
        CommunityFactory()

    values, seen = _counts(member)

    expected = User.objects.get(pk=member.pk)
    community_selectors.remember_community_ids(
        expected,
        Membership.objects.filter(member=member).values_list("community_id", "status", "role"),
    )
    assert _known(seen) == _known(expected)
    assert values["unread"] == notification_selectors.unread_count(user=member) == unread
    if kinds == "none":
        assert values["moderation"] == 0


def test_a_page_that_asked_about_communities_first_read_the_count_with_them(alice):
    MembershipFactory(member=alice)
    _unread(alice, 2)
    fresh = User.objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as asked:
        community_selectors.member_community_ids(fresh)
    request = RequestFactory().get("/")
    request.user = fresh

    with CaptureQueriesContext(connection) as queries:
        assert HeaderCounts(request).values["unread"] == 2

    assert len(asked) == 1 and len(queries) == 0


def test_marking_notifications_read_makes_the_header_count_again(alice):
    _unread(alice, 3)
    fresh = User.objects.get(pk=alice.pk)
    community_selectors.member_community_ids(fresh)
    first = notification_selectors.notifications_for(user=fresh, unread_only=True).first()

    services.notification_mark_read(member=fresh, notification_id=first.pk)
    assert notification_selectors.unread_count(user=fresh) == 2
    services.notifications_mark_all_read(member=fresh)
    assert notification_selectors.unread_count(user=fresh) == 0


@pytest.mark.parametrize("page", ["community", "wall"])
def test_a_page_asking_about_communities_before_its_header_reads_both_at_once(
    client_for, alice, community, page
):
    MembershipFactory(member=alice, community=community)
    _unread(alice, 2)
    client = client_for(alice)
    path = (
        reverse("communities:detail", args=[community.slug])
        if page == "community"
        else reverse("pledges:wall")
    )

    with CaptureQueriesContext(connection) as queries:
        body = client.get(path).content.decode()

    assert '(2<span class="nhsuk-u-visually-hidden"> unread</span>)' in body
    sent = [prepared.source(q["sql"]) for q in queries]
    notification_reads = [sql for sql in sent if "notifications_notification" in sql]
    assert len(notification_reads) == 1
    assert "communities_membership" in notification_reads[0]


def test_a_signed_in_page_reads_the_count_and_communities_in_one_statement(client_for, alice):
    MembershipFactory(member=alice)
    _unread(alice, 2)
    client = client_for(alice)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("home")).content.decode()

    assert '(2<span class="nhsuk-u-visually-hidden"> unread</span>)' in body
    sent = [prepared.source(q["sql"]) for q in queries]  # a prepared read's own SQL
    membership_reads = [sql for sql in sent if "communities_membership" in sql]
    notification_reads = [sql for sql in sent if "notifications_notification" in sql]
    assert len(notification_reads) == 1
    assert membership_reads == notification_reads
