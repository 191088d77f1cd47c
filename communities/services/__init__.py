"""Every change to communities, memberships, flags and moderation goes through here.

Each function validates, locks what it changes, returns early when the state is
already reached, and writes one audit entry when a person with power acted.
"""

from communities.services._common import (
    MAX_BAN_DAYS,
    MAX_INVITATION_DAYS,
    REQUEST_AGAIN_AFTER,
    target_label,
)
from communities.services.communities import (
    COMMUNITY_SETTINGS,
    RESERVED_SLUGS,
    community_create,
    community_decide,
    community_request,
    community_update,
)
from communities.services.membership import (
    ban_until_from_days,
    invitation_accept,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    member_ban,
    member_remove,
    member_unban,
    membership_decide,
    membership_join,
    membership_leave,
    membership_request,
    organiser_appoint,
    organiser_remove,
    post_approved,
)
from communities.services.moderation import (
    author_warn,
    content_approve,
    content_hide,
    content_restore,
    decision_refusal,
    flag_create,
    flags_dismiss,
    flags_dismiss_orphaned,
)

__all__ = [
    "COMMUNITY_SETTINGS",
    "MAX_BAN_DAYS",
    "MAX_INVITATION_DAYS",
    "REQUEST_AGAIN_AFTER",
    "RESERVED_SLUGS",
    "author_warn",
    "ban_until_from_days",
    "community_create",
    "community_decide",
    "community_request",
    "community_update",
    "content_approve",
    "content_hide",
    "content_restore",
    "decision_refusal",
    "flag_create",
    "flags_dismiss",
    "flags_dismiss_orphaned",
    "invitation_accept",
    "invitation_create",
    "invitation_problem",
    "invitation_revoke",
    "member_ban",
    "member_remove",
    "member_unban",
    "membership_decide",
    "membership_join",
    "membership_leave",
    "membership_request",
    "organiser_appoint",
    "organiser_remove",
    "post_approved",
    "target_label",
]
