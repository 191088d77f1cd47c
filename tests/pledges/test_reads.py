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
