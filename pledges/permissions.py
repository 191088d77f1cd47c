"""Who may do what with pledges. Used by services, web views, the API and templates."""

from __future__ import annotations

from communities.moderation import ModerationStatus
from communities.permissions import can_post_in
from pledges.models import Pledge, Signature


def can_edit_pledge(user, pledge: Pledge) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.pk == pledge.author_id or user.is_staff)
        and pledge.is_open
    )


def can_withdraw_pledge(user, pledge: Pledge) -> bool:
    return can_edit_pledge(user, pledge)


def can_sign(user, pledge: Pledge, signature: Signature | None = None) -> bool:
    """Whether the "I'll do it too" button is offered (the service has the last word)."""
    return bool(
        user is not None
        and user.is_authenticated
        and signature is None
        and pledge.is_open
        and pledge.moderation_status == ModerationStatus.PUBLISHED
        and can_post_in(user, pledge.community)
    )


def can_unsign(user, pledge: Pledge, signature: Signature | None) -> bool:
    return bool(
        signature is not None
        and not signature.is_author
        and not signature.is_done
        and pledge.is_open
    )


def can_check_in(user, pledge: Pledge, signature: Signature | None) -> bool:
    return bool(signature is not None and pledge.is_open and can_post_in(user, pledge.community))


def can_mark_done(user, pledge: Pledge, signature: Signature | None) -> bool:
    return bool(
        signature is not None
        and not signature.is_done
        and pledge.status in (Pledge.Status.ACTIVE, Pledge.Status.COMPLETED)
    )
