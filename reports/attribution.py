"""Crediting sign-ups, joins and co-signs to the members who brought them about.

A share link is any page address with ?ref=<token> (`Invite.token`). The
ReferralMiddleware keeps a valid token's member in the session for REFERRAL_DAYS and,
while a request runs, in `current_referrer`, which the receivers below read:

* a sign-up (allauth's `user_signed_up`) is credited to the referrer, as an email
  invitation when the referrer had invited that address;
* a community join (a Membership becoming active) to whoever created the community
  invitation used, or else the referrer;
* a co-sign (a Signature made, not the author's own) to the referrer, unless that is
  the pledge's author. Every co-sign is also credited to the pledge's author, but that
  credit is read from the signature (`reports.network`), never stored: a co-sign nobody
  invited writes nothing here.
"""

from __future__ import annotations

import contextvars
import datetime

from django.db.models.signals import post_save
from django.utils import timezone

from reports.models import Attribution, Invite, InviteEmail

SESSION_KEY = "reports_referral"
REFERRAL_DAYS = 30

current_referrer: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "reports_current_referrer", default=None
)


def inviter_for_token(token: str) -> int | None:
    token = (token or "").strip()
    if not token or len(token) > 32 or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return Invite.objects.filter(token=token).values_list("member_id", flat=True).first()


def referral_from_session(session) -> int | None:
    value = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(value, dict):
        return None
    try:
        since = datetime.datetime.fromisoformat(value["at"])
        inviter = int(value["inviter"])
    except (KeyError, TypeError, ValueError):
        return None
    if since + datetime.timedelta(days=REFERRAL_DAYS) < timezone.now():
        return None
    return inviter


def remember_referral(session, inviter_id: int) -> None:
    session[SESSION_KEY] = {"inviter": inviter_id, "at": timezone.now().isoformat()}


def _record(rows: list[Attribution]) -> None:
    rows = [row for row in rows if row.inviter_id and row.inviter_id != row.invitee_id]
    if rows:
        Attribution.objects.bulk_create(rows, ignore_conflicts=True)


# --- Receivers ---------------------------------------------------------------------------


def on_signed_up(sender, request, user, **kwargs) -> None:
    inviter = referral_from_session(getattr(request, "session", None))
    if inviter is None:
        return
    emailed = InviteEmail.objects.filter(inviter_id=inviter, email__iexact=user.email).exists()
    _record(
        [
            Attribution(
                inviter_id=inviter,
                invitee=user,
                kind=Attribution.Kind.SIGNUP,
                via=Attribution.Via.EMAIL if emailed else Attribution.Via.SHARE_LINK,
                created_at=user.date_joined or timezone.now(),
            )
        ]
    )


def on_membership_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or instance.status != "active" or instance.joined_at is None:
        return
    if instance.invited_by_id:
        inviter, via = instance.invited_by_id, Attribution.Via.COMMUNITY_INVITATION
    else:
        inviter, via = current_referrer.get(), Attribution.Via.SHARE_LINK
    if inviter is None:
        return
    _record(
        [
            Attribution(
                inviter_id=inviter,
                invitee_id=instance.member_id,
                kind=Attribution.Kind.JOIN,
                via=via,
                membership=instance,
                community_id=instance.community_id,
                created_at=instance.joined_at,
            )
        ]
    )


def on_signature_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A signature saved through the ORM (a co-sign sends `co_signed` instead)."""
    if raw or not created:
        return
    on_co_signed(sender, instance)


def on_co_signed(sender, signature, **kwargs) -> None:
    """A co-sign made through someone's share link is credited to them. Its credit to
    the pledge's author is not stored: every co-sign has it, so the network reads it
    from the signature itself, and a co-sign nobody invited costs no statement here."""
    if signature.is_author:
        return
    referrer = current_referrer.get()
    if referrer is None:
        return
    pledge = signature.pledge
    if referrer == pledge.author_id:
        return
    _record(
        [
            Attribution(
                inviter_id=referrer,
                invitee_id=signature.member_id,
                kind=Attribution.Kind.CO_SIGN,
                via=Attribution.Via.SHARE_LINK,
                signature=signature,
                community_id=pledge.community_id,
                campaign_id=pledge.campaign_id,
                created_at=signature.signed_at,
            )
        ]
    )


def connect() -> None:
    from allauth.account.signals import user_signed_up

    from communities.models import Membership
    from pledges.models import Signature
    from pledges.signals import co_signed

    user_signed_up.connect(on_signed_up, dispatch_uid="reports-attribute-signup")
    post_save.connect(on_membership_saved, sender=Membership, dispatch_uid="reports-attribute-join")
    post_save.connect(
        on_signature_saved, sender=Signature, dispatch_uid="reports-attribute-co-sign"
    )
    co_signed.connect(on_co_signed, dispatch_uid="reports-attribute-co-signed")
