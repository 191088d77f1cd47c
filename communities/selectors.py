"""Reads about communities and who belongs to them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from communities.models import Community, Membership


def membership_of(user, community: Community) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, member=user).first()


def is_member(user, community: Community) -> bool:
    membership = membership_of(user, community)
    return bool(membership and membership.is_active)


def is_organiser(user, community: Community) -> bool:
    membership = membership_of(user, community)
    return bool(membership and membership.is_organiser)


def is_banned(user, community: Community) -> bool:
    membership = membership_of(user, community)
    if membership is None or membership.status != Membership.Status.BANNED:
        return False
    return membership.banned_until is None or membership.banned_until > timezone.now()


def member_community_ids(user) -> list[int]:
    """Ids of the communities where `user` is an active member (organisers included)."""
    if user is None or not user.is_authenticated:
        return []
    cache_name = "_member_community_ids"
    if not hasattr(user, cache_name):
        setattr(
            user,
            cache_name,
            list(
                Membership.objects.filter(member=user, status=Membership.Status.ACTIVE).values_list(
                    "community_id", flat=True
                )
            ),
        )
    return getattr(user, cache_name)


def organised_community_ids(user) -> list[int]:
    """Ids of the communities `user` organises."""
    if user is None or not user.is_authenticated:
        return []
    cache_name = "_organised_community_ids"
    if not hasattr(user, cache_name):
        setattr(
            user,
            cache_name,
            list(
                Membership.objects.filter(
                    member=user,
                    status=Membership.Status.ACTIVE,
                    role=Membership.Role.ORGANISER,
                ).values_list("community_id", flat=True)
            ),
        )
    return getattr(user, cache_name)


def communities_active() -> QuerySet[Community]:
    return Community.objects.filter(status=Community.Status.ACTIVE)
