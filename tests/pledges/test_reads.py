"""A community's newest pledges read with hand-written SQL (pledges/reads.py) are the
ones `pledges_visible_to` lets each viewer see, in the same order, with the same fields,
author, organisation, theme, campaign and community."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import User
from pledges import reads, selectors
from pledges.cards import pledge_card
from pledges.models import Pledge
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    OrganisationFactory,
    PledgeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer():
    """The author of most of the pledges: not a member of the community."""
    return UserFactory(display_name="Wyn Writer", organisation=OrganisationFactory())


@pytest.fixture
def pledges(community, writer):
    """The writer's pledges in `community` (organised by Alice, Bob a member) in every
    state the rule tells apart, and one elsewhere."""
    start = timezone.now() - datetime.timedelta(days=30)
    kinds = [
        {},
        {"visibility": "community"},
        {"moderation_status": "pending"},
        {"moderation_status": "hidden", "visibility": "community"},
        {"status": "withdrawn"},
        {"campaign": CampaignFactory()},
        {"author": UserFactory(organisation=None)},
        {"status": "completed"},
    ]
    made = []
    for day, kind in enumerate(kinds * 2):
        made.append(
            PledgeFactory(
                **({"author": writer} | kind),
                community=community,
                created_at=start + datetime.timedelta(days=day // 2),
            )
        )
    PledgeFactory(community=CommunityFactory())
    return made


def _shape(pledge: Pledge) -> tuple:
    return (
        tuple(getattr(pledge, f.attname) for f in Pledge._meta.concrete_fields),
        tuple(getattr(pledge.author, f.attname) for f in User._meta.concrete_fields),
        pledge.author.organisation.name if pledge.author.organisation_id else None,
        pledge.theme.name,
        pledge.campaign.name if pledge.campaign_id else None,
        pledge.community.pk,
    )


@pytest.mark.parametrize("who", ["visitor", "alice", "bob", "charlie", "writer", "admin_user"])
@pytest.mark.parametrize("limit", [3, 10, 20])
def test_each_viewer_gets_what_the_visibility_rule_lets_them_see(
    request, pledges, community, who, limit
):
    viewer = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    expected = list(
        selectors.pledges_visible_to(viewer)
        .filter(community=community)
        .exclude(status=Pledge.Status.WITHDRAWN)
        .select_related("author", "author__organisation", "theme", "campaign", "community")
        .order_by("-created_at", "-id")[:limit]
    )
    found = reads.community_pledges(community=community, viewer=viewer, limit=limit)

    assert [_shape(pledge) for pledge in found] == [_shape(pledge) for pledge in expected]
    assert found, "every viewer sees some of the community's pledges"


def test_the_selector_reads_them_so(pledges, community, alice):
    found = selectors.community_pledges(community=community, viewer=alice, limit=10)

    assert [p.pk for p in found] == [
        p.pk for p in reads.community_pledges(community=community, viewer=alice, limit=10)
    ]


def test_the_cards_need_no_further_query(pledges, community, alice):
    reads.community_pledges(community=community, viewer=alice, limit=10)  # keeps the themes
    with CaptureQueriesContext(connection) as captured:
        found = reads.community_pledges(community=community, viewer=alice, limit=10)
        for pledge in found:
            pledge_card(pledge, alice)

    assert len(captured.captured_queries) == 1


# --- A pledge's page ---------------------------------------------------------------------


@pytest.fixture
def busy_pledge(community, writer, alice, bob, charlie):
    """A pledge in `community` (organised by Alice) with signers, check-ins and thanks
    in every moderation state, some of them Charlie's own."""
    from pledges.models import CheckIn, Signature, Thanks

    pledge = PledgeFactory(author=writer, community=community, campaign=CampaignFactory())
    signatures = [Signature.objects.get(pledge=pledge, member=writer)]
    for member in (bob, charlie, UserFactory(organisation=None)):
        signatures.append(Signature.objects.create(pledge=pledge, member=member))
    check_ins = [
        CheckIn.objects.create(pledge=pledge, author=author, note=f"note {n}", **state)
        for n, (author, state) in enumerate(
            [
                (writer, {}),
                (bob, {}),
                (charlie, {"moderation_status": "pending"}),
                (bob, {"moderation_status": "hidden"}),
            ]
        )
    ]
    Thanks.objects.create(
        giver=bob, recipient=writer, pledge=pledge, check_in=check_ins[0], note="Brilliant"
    )
    Thanks.objects.create(giver=charlie, recipient=writer, pledge=pledge, check_in=check_ins[0])
    Thanks.objects.create(
        giver=charlie,
        recipient=bob,
        pledge=pledge,
        check_in=check_ins[1],
        note="Waiting",
        moderation_status="pending",
    )
    Thanks.objects.create(
        giver=writer,
        recipient=bob,
        pledge=pledge,
        commitment=signatures[1],
        note="Hidden note",
        moderation_status="hidden",
    )
    return pledge


def _fields(item) -> tuple:
    return tuple(getattr(item, f.attname) for f in type(item)._meta.concrete_fields)


@pytest.mark.parametrize("who", ["visitor", "alice", "bob", "charlie", "writer", "admin_user"])
def test_a_pledges_page_lists_what_each_selector_gives(request, busy_pledge, who):
    viewer = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    lists = selectors.pledge_page_lists(pledge=busy_pledge, user=viewer)

    assert [(_fields(s), _fields(s.member)) for s in lists.signatures] == [
        (_fields(s), _fields(s.member)) for s in selectors.pledge_signatures(pledge=busy_pledge)
    ]
    expected_check_ins = selectors.check_ins_visible_to(user=viewer, pledge=busy_pledge)[
        : selectors.CHECK_INS_SHOWN
    ]
    assert [(_fields(c), _fields(c.author)) for c in lists.check_ins] == [
        (_fields(c), _fields(c.author)) for c in expected_check_ins
    ]
    expected_notes = selectors.thanks_notes_visible_to(user=viewer, pledge=busy_pledge)
    assert [(_fields(t), _fields(t.giver)) for t in lists.thanks_notes] == [
        (_fields(t), _fields(t.giver)) for t in expected_notes
    ]
    assert lists.thanks == selectors.thanks_on(pledge=busy_pledge, user=viewer)
    assert len(lists.signatures) == 4 and lists.check_ins and lists.thanks.check_in_counts


def test_the_page_lists_hold_to_their_limits(busy_pledge, alice, monkeypatch):
    monkeypatch.setattr(selectors, "SIGNERS_SHOWN", 2)
    monkeypatch.setattr(selectors, "CHECK_INS_SHOWN", 3)

    lists = selectors.pledge_page_lists(pledge=busy_pledge, user=alice)

    assert [s.member_id for s in lists.signatures] == [
        s.member_id for s in selectors.pledge_signatures(pledge=busy_pledge, limit=2)
    ]
    assert len(lists.check_ins) == 3


def test_a_pledges_page_reads_its_lists_in_four_statements(busy_pledge, bob):
    selectors.pledge_page_lists(pledge=busy_pledge, user=bob)  # bob's communities, kept
    with CaptureQueriesContext(connection) as captured:
        lists = selectors.pledge_page_lists(pledge=busy_pledge, user=bob)
        names = [c.author.name_for(bob) for c in lists.check_ins]
        names += [t.giver.name_for(bob) for t in lists.thanks_notes]
        pledges = {id(item.pledge) for item in (*lists.check_ins, *lists.signatures)}

    assert len(captured.captured_queries) == 4
    assert names and pledges == {id(busy_pledge)}
