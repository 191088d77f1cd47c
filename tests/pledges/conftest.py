"""Fixtures for the pledges tests: a community Alice and Bob belong to (Charlie does not)."""

import pytest


def join(community, member, *, role="member", status="active"):
    from communities.models import Membership

    return Membership.objects.create(community=community, member=member, role=role, status=status)


@pytest.fixture
def community(alice, bob):
    from communities.models import Community

    ward = Community.objects.create(name="Ward 4 radicals", slug="ward-4-radicals")
    join(ward, alice, role="organiser")
    join(ward, bob)
    return ward


@pytest.fixture
def community_pledge(alice, theme, community):
    """Alice's pledge that only members of her community can see."""
    import datetime

    from django.utils import timezone

    from pledges.services import pledge_create

    return pledge_create(
        author=alice,
        title="bring the ward's tea round to night staff",
        theme=theme,
        community=community,
        visibility="community",
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )


@pytest.fixture
def active_pledge(alice, theme):
    """Alice's pledge without a threshold: active at once."""
    import datetime

    from django.utils import timezone

    from pledges.services import pledge_create

    return pledge_create(
        author=alice,
        title="walk the stairs instead of the lift",
        theme=theme,
        due_date=timezone.localdate() + datetime.timedelta(days=10),
    )
