"""`can_see_pledge` (the rule on the row in hand, used while co-signing) gives the same
answer as `pledges_visible_to` (the rule as a query) for every kind of viewer and pledge."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from pledges import selectors
from tests.factories import CommunityFactory, MembershipFactory, PledgeFactory, UserFactory


@pytest.mark.django_db
def test_the_rule_in_python_matches_the_query():
    community, elsewhere = CommunityFactory(), CommunityFactory()
    author = UserFactory()
    MembershipFactory(community=community, member=author)
    member = MembershipFactory(community=community).member
    organiser = MembershipFactory(community=community, role="organiser").member
    banned = MembershipFactory(community=community, status="banned").member
    other_organiser = MembershipFactory(community=elsewhere, role="organiser").member
    viewers = {
        "anonymous": AnonymousUser(),
        "author": author,
        "member": member,
        "organiser": organiser,
        "banned": banned,
        "organiser elsewhere": other_organiser,
        "outsider": UserFactory(),
        "admin": UserFactory(is_staff=True),
    }
    pledges = [
        PledgeFactory(
            author=author,
            community=place,
            visibility=visibility,
            moderation_status=moderation,
        )
        for place, visibility, moderation in itertools.product(
            [None, community],
            ["public", "community"],
            ["published", "pending", "hidden"],
        )
        if not (place is None and visibility == "community")
    ]

    for (name, viewer), pledge in itertools.product(viewers.items(), pledges):
        expected = selectors.pledges_visible_to(viewer).filter(pk=pledge.pk).exists()
        fresh = type(viewer)() if name == "anonymous" else type(viewer).objects.get(pk=viewer.pk)
        assert selectors.can_see_pledge(fresh, pledge) == expected, (
            name,
            pledge.visibility,
            pledge.moderation_status,
            pledge.community_id,
        )
