"""Who may see which reports. Used by web views, the API and templates alike."""

from __future__ import annotations

from communities.permissions import can_moderate
from communities.selectors import organised_community_ids


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_admin(user) -> bool:
    return _signed_in(user) and user.is_staff


def can_see_dashboard(user) -> bool:
    """The platform dashboard, breakdowns and network: platform admins."""
    return is_admin(user)


def can_see_community_reports(user, community) -> bool:
    """A community's dashboard, network and exports: its organisers and admins."""
    return _signed_in(user) and can_moderate(user, community)


def can_export(user) -> bool:
    """Admins export anything; organisers export their own communities."""
    return is_admin(user) or (_signed_in(user) and bool(organised_community_ids(user)))


def can_export_personal_columns(user) -> bool:
    """Email addresses and hidden names are in exports for admins only."""
    return is_admin(user)


def can_subscribe(user) -> bool:
    return is_admin(user)


def reportable_community_ids(user) -> list[int] | None:
    """Communities whose reports `user` may read: None means every one (admins)."""
    if is_admin(user):
        return None
    if not _signed_in(user):
        return []
    return organised_community_ids(user)


def can_rebase_spc(user, *, scope: str, community=None) -> bool:
    """Re-basing an SPC chart: a community's organisers (and admins) for a community;
    admins for the platform, campaigns, organisations and regions."""
    if is_admin(user):
        return True
    return (
        scope == "community"
        and community is not None
        and can_see_community_reports(user, community)
    )


def can_see_scope_reports(user, *, scope: str, community=None) -> bool:
    """A scope's charts: a community's for its organisers and admins; every other
    scope's (platform, campaign, organisation, region) for admins."""
    if scope == "community":
        return community is not None and can_see_community_reports(user, community)
    return is_admin(user)
