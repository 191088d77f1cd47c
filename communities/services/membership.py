"""Joining, asking to join, leaving, invitations, organisers, removals and bans."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Flag, Invitation, Membership
from communities.services._common import (
    MAX_BAN_DAYS,
    MAX_INVITATION_DAYS,
    REQUEST_AGAIN_AFTER,
    Action,
    _audit,
    _clean_reason,
    _community_changed,
    _community_url,
    _date,
    _forget_cached_ids,
    _keep_one_organiser,
    _lock_membership,
    _lock_organisers,
    _recount_members,
    _refuse_self,
    _require_moderator,
    _resolve_flags,
)
from kernel.i18n import in_language_of
from notifications.models import Kind
from notifications.services import notify

# --- Membership ------------------------------------------------------------------


def _refuse_if_banned(membership: Membership | None, community: Community) -> None:
    if membership is None or membership.status != Membership.Status.BANNED:
        return
    until = membership.banned_until
    if until is None:
        raise ValidationError(
            _("You have been banned from %(community)s.") % {"community": community.name}
        )
    if until > timezone.now():
        raise ValidationError(
            _("You are banned from %(community)s until %(date)s.")
            % {"community": community.name, "date": _date(until)}
        )


def _require_active_community(community: Community) -> None:
    if community.status != Community.Status.ACTIVE:
        raise ValidationError(
            _("%(community)s is not open for members.") % {"community": community.name}
        )


@transaction.atomic
def membership_join(*, community: Community, member, invitation: Invitation | None = None):
    """Join an open community, or any community with a valid invitation."""
    _require_active_community(community)
    membership = _lock_membership(community, member)
    if membership is not None and membership.is_active:
        raise ValidationError(
            _("You are already a member of %(community)s.") % {"community": community.name}
        )
    _refuse_if_banned(membership, community)
    if invitation is not None:
        if invitation.community_id != community.pk or not invitation.is_usable:
            raise ValidationError(_("This invitation cannot be used to join this community."))
    elif community.joining_policy == Community.JoiningPolicy.APPROVAL:
        raise ValidationError(
            _("The organisers of %(community)s approve new members: ask to join instead.")
            % {"community": community.name}
        )
    elif community.joining_policy == Community.JoiningPolicy.INVITATION:
        raise ValidationError(
            _(
                "%(community)s is by invitation only. "
                "Ask one of its organisers for an invitation link."
            )
            % {"community": community.name}
        )
    if membership is None:
        membership = Membership(community=community, member=member)
    membership.status = Membership.Status.ACTIVE
    membership.role = Membership.Role.MEMBER
    membership.banned_until = None
    membership.joined_at = timezone.now()
    if invitation is not None:
        membership.invitation = invitation
        membership.invited_by = invitation.created_by
        Invitation.objects.filter(pk=invitation.pk).update(use_count=F("use_count") + 1)
    membership.save()
    _community_changed(community)
    _forget_cached_ids(member)
    _recount_members(community)
    return membership


@transaction.atomic
def membership_request(*, community: Community, member, message: str = "") -> Membership:
    """Ask to join a community whose organisers approve members; each organiser is told."""
    _require_active_community(community)
    message = (message or "").strip()
    if len(message) > 1000:
        raise ValidationError({"message": _("Keep your message to 1,000 characters or fewer.")})
    membership = _lock_membership(community, member)
    if membership is not None and membership.is_active:
        raise ValidationError(
            _("You are already a member of %(community)s.") % {"community": community.name}
        )
    if membership is not None and membership.status == Membership.Status.PENDING:
        raise ValidationError(
            _(
                "You have already asked to join %(community)s. "
                "The organisers will tell you their answer."
            )
            % {"community": community.name}
        )
    _refuse_if_banned(membership, community)
    if community.joining_policy == Community.JoiningPolicy.OPEN:
        raise ValidationError(
            _("Anyone can join %(community)s: join it straight away.")
            % {"community": community.name}
        )
    if community.joining_policy == Community.JoiningPolicy.INVITATION:
        raise ValidationError(
            _(
                "%(community)s is by invitation only. "
                "Ask one of its organisers for an invitation link."
            )
            % {"community": community.name}
        )
    if (
        membership is not None
        and membership.status == Membership.Status.DECLINED
        and membership.decided_at
        and membership.decided_at + REQUEST_AGAIN_AFTER > timezone.now()
    ):
        raise ValidationError(
            _(
                "The organisers of %(community)s declined your request on %(declined)s. "
                "You can ask again from %(again)s."
            )
            % {
                "community": community.name,
                "declined": _date(membership.decided_at),
                "again": _date(membership.decided_at + REQUEST_AGAIN_AFTER),
            }
        )
    if membership is None:
        membership = Membership(community=community, member=member)
    membership.status = Membership.Status.PENDING
    membership.role = Membership.Role.MEMBER
    membership.banned_until = None
    membership.requested_at = timezone.now()
    membership.request_message = message
    membership.save()
    _community_changed(community)
    manage_url = reverse("communities:manage", args=[community.slug])
    for organiser in _organiser_users(community):
        with in_language_of(organiser):
            title = (
                _("%(member)s asked to join %(community)s")
                % {"member": member.display_name, "community": community.name}
                if member.display_name
                else _("A member asked to join %(community)s") % {"community": community.name}
            )
        notify(
            kind=Kind.MEMBERSHIP_REQUEST,
            recipient=organiser,
            subject=membership,
            title=title,
            body=message,
            url=manage_url,
            period=membership.requested_at.isoformat(),
        )
    return membership


def _organiser_users(community: Community) -> list:
    return [
        m.member
        for m in Membership.objects.filter(
            community=community,
            role=Membership.Role.ORGANISER,
            status=Membership.Status.ACTIVE,
        ).select_related("member")
    ]


@transaction.atomic
def membership_leave(*, community: Community, member) -> Membership:
    """Leave a community, or withdraw a request to join. The last organiser cannot leave."""
    membership = _lock_membership(community, member)
    if membership is None:
        raise ValidationError(
            _("You are not a member of %(community)s.") % {"community": community.name}
        )
    if membership.status not in (Membership.Status.ACTIVE, Membership.Status.PENDING):
        return membership
    was_organiser = membership.is_organiser
    if was_organiser and len(_lock_organisers(community)) <= 1:
        raise ValidationError(
            _(
                "You are the only organiser of %(community)s. "
                "Appoint another organiser before you leave."
            )
            % {"community": community.name}
        )
    membership.status = Membership.Status.LEFT
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["status", "role"])
    _community_changed(community)
    _forget_cached_ids(member)
    _recount_members(community)
    if was_organiser:
        _audit(
            actor=member,
            action=Action.ORGANISER_LEFT,
            community=community,
            target=member,
        )
    return membership


@transaction.atomic
def membership_decide(
    *, membership: Membership, actor, approve: bool, reason: str = ""
) -> Membership:
    """An organiser approves or declines a request to join; the requester is told."""
    community = membership.community
    _require_moderator(actor, community, what=_("requests to join"))
    membership = (
        Membership.objects.select_for_update().select_related("member").get(pk=membership.pk)
    )
    wanted = Membership.Status.ACTIVE if approve else Membership.Status.DECLINED
    if membership.status == wanted and membership.decided_at:
        return membership
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(
            _("%(member)s has no request waiting.") % {"member": membership.member.display_name}
            if membership.member.display_name
            else _("This member has no request waiting.")
        )
    reason = _clean_reason(reason, required=False, message="")
    now = timezone.now()
    membership.status = wanted
    membership.decided_at = now
    if approve:
        membership.joined_at = now
    membership.save(update_fields=["status", "decided_at", "joined_at"])
    _community_changed(community)
    _forget_cached_ids(membership.member)
    _recount_members(community)
    _audit(
        actor=actor,
        action=Action.REQUEST_APPROVED if approve else Action.REQUEST_DECLINED,
        community=community,
        target=membership.member,
        reason=reason,
    )
    with in_language_of(membership.member):
        title = (
            _("Welcome to %(community)s: your request to join was approved")
            if approve
            else _("Your request to join %(community)s was declined")
        ) % {"community": community.name}
    notify(
        kind=Kind.MEMBERSHIP_DECIDED,
        recipient=membership.member,
        subject=membership,
        title=title,
        body=reason,
        url=_community_url(community),
        period=membership.requested_at.isoformat(),
    )
    return membership


# --- Organisers ---------------------------------------------------------------------


@transaction.atomic
def organiser_appoint(*, community: Community, member, actor, reason: str = "") -> Membership:
    _require_moderator(actor, community, what=_("organisers"))
    membership = _lock_membership(community, member)
    if membership is None or not membership.is_active:
        raise ValidationError(
            _("%(member)s is not a member of %(community)s. Only members can be organisers.")
            % {"member": member.display_name or _("This person"), "community": community.name}
        )
    if membership.is_organiser:
        return membership
    reason = _clean_reason(reason, required=False, message="")
    membership.role = Membership.Role.ORGANISER
    membership.save(update_fields=["role"])
    _community_changed(community)
    _forget_cached_ids(member)
    _audit(
        actor=actor,
        action=Action.ORGANISER_APPOINTED,
        community=community,
        target=member,
        reason=reason,
    )
    return membership


@transaction.atomic
def organiser_remove(*, community: Community, member, actor, reason: str = "") -> Membership:
    """Make an organiser an ordinary member again; a community keeps at least one organiser."""
    _require_moderator(actor, community, what=_("organisers"))
    membership = _lock_membership(community, member)
    if membership is None or not membership.is_organiser:
        if membership is not None and membership.is_active:
            return membership
        raise ValidationError(
            _("%(member)s is not an organiser of %(community)s.")
            % {"member": member.display_name or _("This person"), "community": community.name}
        )
    _keep_one_organiser(community, membership)
    reason = _clean_reason(reason, required=False, message="")
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["role"])
    _community_changed(community)
    _forget_cached_ids(member)
    _audit(
        actor=actor,
        action=Action.ORGANISER_REMOVED,
        community=community,
        target=member,
        reason=reason,
    )
    return membership


# --- Removing and banning members ---------------------------------------------------


@transaction.atomic
def member_remove(*, community: Community, member, actor, reason: str) -> Membership:
    """Take a member out of a community; they may join again (a ban keeps them out)."""
    _require_moderator(actor, community, what=_("members"))
    _refuse_self(actor, member, _("You cannot remove yourself."))
    reason = _clean_reason(
        reason, required=True, message=_("Give a reason. The member will see it.")
    )
    membership = _lock_membership(community, member)
    if membership is not None and membership.status == Membership.Status.REMOVED:
        return membership
    if membership is None or not membership.is_active:
        raise ValidationError(
            _("%(member)s is not a member of %(community)s.")
            % {"member": member.display_name or _("This person"), "community": community.name}
        )
    _keep_one_organiser(community, membership)
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["status", "role"])
    _member_sent_away(
        community=community,
        member=member,
        membership=membership,
        actor=actor,
        action=Action.MEMBER_REMOVED,
        reason=reason,
        title=lambda: (
            _("The organisers of %(community)s removed you from the community")
            % {"community": community.name}
        ),
    )
    return membership


@transaction.atomic
def member_ban(
    *, community: Community, member, actor, reason: str, until: datetime | None
) -> Membership:
    """Ban a member until a time (or indefinitely): they cannot post, sign or rejoin."""
    _require_moderator(actor, community, what=_("members"))
    _refuse_self(actor, member, _("You cannot ban yourself."))
    reason = _clean_reason(
        reason, required=True, message=_("Give a reason. The member will see it.")
    )
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": _("A ban must end in the future.")})
    membership = _lock_membership(community, member)
    if membership is None:
        raise ValidationError(
            _("%(member)s has never been a member of %(community)s.")
            % {"member": member.display_name or _("This person"), "community": community.name}
        )
    if membership.status == Membership.Status.BANNED and membership.banned_until == until:
        return membership
    _keep_one_organiser(community, membership)
    membership.status = Membership.Status.BANNED
    membership.role = Membership.Role.MEMBER
    membership.banned_until = until
    membership.save(update_fields=["status", "role", "banned_until"])
    _member_sent_away(
        community=community,
        member=member,
        membership=membership,
        actor=actor,
        action=Action.MEMBER_BANNED,
        reason=reason,
        details={"until": until.isoformat() if until else None},
        title=lambda: (
            _("You are banned from %(community)s until %(date)s")
            % {"community": community.name, "date": _date(until)}
            if until
            else _("You are banned from %(community)s indefinitely") % {"community": community.name}
        ),
    )
    return membership


def _member_sent_away(
    *,
    community: Community,
    member,
    membership: Membership,
    actor,
    action,
    reason,
    title,
    details=None,
) -> None:
    """What follows removing or banning a member: the community's pages and counts, the
    flags about them actioned, the audit entry, and the member told why, in their
    language (`title` is called in it)."""
    _community_changed(community)
    _forget_cached_ids(member)
    _recount_members(community)
    _resolve_flags(
        target=member,
        community=community,
        actor=actor,
        status=Flag.Status.ACTIONED,
        member_target=True,
    )
    entry = _audit(
        actor=actor,
        action=action,
        community=community,
        target=member,
        reason=reason,
        details=details,
    )
    with in_language_of(member):
        words = title()
    notify(
        kind=Kind.MEMBERSHIP_DECIDED,
        recipient=member,
        subject=membership,
        title=words,
        body=reason,
        url=_community_url(community),
        period=f"audit-{entry.pk}",
    )


def ban_until_from_days(days: int | None) -> datetime | None:
    """A ban's end from its length in days (None: indefinitely)."""
    if days is None:
        return None
    if not 1 <= days <= MAX_BAN_DAYS:
        raise ValidationError(
            {"days": _("A ban lasts from 1 to %(max)s days.") % {"max": MAX_BAN_DAYS}}
        )
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def member_unban(*, community: Community, member, actor, reason: str = "") -> Membership:
    """Lift a ban; the person may join again under the community's joining policy."""
    _require_moderator(actor, community, what=_("members"))
    membership = _lock_membership(community, member)
    if membership is None or membership.status != Membership.Status.BANNED:
        return membership
    reason = _clean_reason(reason, required=False, message="")
    membership.status = Membership.Status.REMOVED
    membership.banned_until = None
    membership.save(update_fields=["status", "banned_until"])
    _community_changed(community)
    _audit(
        actor=actor,
        action=Action.MEMBER_UNBANNED,
        community=community,
        target=member,
        reason=reason,
    )
    return membership


# --- Invitations -----------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, community: Community, actor, days_valid: int = 14, note: str = ""
) -> Invitation:
    _require_moderator(actor, community, what=_("invitations"))
    _require_active_community(community)
    if not 1 <= int(days_valid) <= MAX_INVITATION_DAYS:
        raise ValidationError(
            {
                "days_valid": _("An invitation lasts from 1 to %(max)s days.")
                % {"max": MAX_INVITATION_DAYS}
            }
        )
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("Keep the note to 200 characters or fewer.")})
    invitation = Invitation.objects.create(
        community=community,
        token=secrets.token_urlsafe(32),
        note=note,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=int(days_valid)),
    )
    _audit(
        actor=actor,
        action=Action.INVITATION_CREATED,
        community=community,
        target=invitation,
        details={"expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    _require_moderator(actor, invitation.community, what=_("invitations"))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    _audit(
        actor=actor,
        action=Action.INVITATION_REVOKED,
        community=invitation.community,
        target=invitation,
    )
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, in words for the person holding the link."""
    if invitation is None:
        return _(
            "This invitation link is not valid. Check you copied all of it, "
            "or ask an organiser for a new one."
        )
    name = invitation.community.name
    if invitation.is_revoked:
        return _(
            "This invitation has been withdrawn. Ask an organiser of %(community)s for a new one."
        ) % {"community": name}
    if invitation.is_expired:
        return _(
            "This invitation expired on %(date)s. Ask an organiser of %(community)s for a new one."
        ) % {"date": _date(invitation.expires_at), "community": name}
    if invitation.community.status != Community.Status.ACTIVE:
        return _("%(community)s is not open for members.") % {"community": name}
    return None


@transaction.atomic
def invitation_accept(*, token: str, member) -> Membership:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("community", "created_by")
        .filter(token=token or "")
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem)
    return membership_join(community=invitation.community, member=member, invitation=invitation)


def post_approved(*, community: Community | None, author) -> None:
    """One more of the author's posts approved in the community: a newcomer whose posts
    are held for review is trusted once enough are approved (premoderate_first_posts).
    Approving any kind of content (pledges, check-ins, stories) counts the same way."""
    if community is None or author is None:
        return
    Membership.objects.filter(community=community, member=author).update(
        posts_approved=F("posts_approved") + 1
    )
