"""Who may do what with members' own records, and who may know who a member is."""

from __future__ import annotations


def can_edit_profile(user, member) -> bool:
    return bool(user.is_authenticated and (user.pk == member.pk or user.is_staff))


def hides_identity_from(*, member, viewer) -> bool:
    """Whether `member` is unknown to `viewer`: shown without a name (an anonymous
    supporter, or a former member once erased), with no id, no link and no profile.

    The one rule for pages, the API and exports: a member who hides their name from
    everyone (or from the public, when `viewer` is not signed in) cannot be traced
    through their rows to a profile. They themselves and platform admins still know
    them; nobody knows an erased member."""
    if member is None or member.erased_at is not None:
        return True
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    if signed_in and (viewer.pk == member.pk or viewer.is_staff):
        return False
    if member.name_visibility == member.NameVisibility.PUBLIC:
        return False
    if member.name_visibility == member.NameVisibility.MEMBERS:
        return not signed_in
    return True
