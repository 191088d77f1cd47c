"""Who may do what in a community. Used by web views, API permissions and templates."""

from __future__ import annotations

from communities import selectors
from communities.models import Community


def can_moderate(user, community: Community | None) -> bool:
    """Organisers moderate their own community; admins moderate everywhere."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return community is not None and community.pk in selectors.organised_community_ids(user)


def can_post_in(user, community: Community | None) -> bool:
    """Members post in their communities unless banned; anyone signed in posts platform-wide."""
    if user is None or not user.is_authenticated:
        return False
    if community is None:
        return True
    # Banned and removed members are not active, so they are not in this list.
    return community.pk in selectors.member_community_ids(user)


def can_create_community(user) -> bool:
    """Admins create communities directly; members ask for one."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


def can_see_members(user, community: Community) -> bool:
    """The member list is for the community's members and its moderators."""
    if user is None or not user.is_authenticated:
        return False
    return can_moderate(user, community) or community.pk in selectors.member_community_ids(user)


def can_read_audit(user, community: Community | None) -> bool:
    return can_moderate(user, community)


def can_use_moderation(user) -> bool:
    """Whether `user` moderates anything at all (an admin, or an organiser somewhere)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff or selectors.organised_community_ids(user))
