"""Who may do what with learning. Used by web views, API permissions and templates."""

from __future__ import annotations

from communities.permissions import can_moderate


def can_preview(user) -> bool:
    """Admins see draft modules and every lesson, as a preview, without enrolling."""
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def can_see_community_progress(user, community) -> bool:
    """The community's organisers and platform admins see its members' learning."""
    return can_moderate(user, community)


def can_see_certificate(user, certificate) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return certificate.member_id == user.pk or user.is_staff
