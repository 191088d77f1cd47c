"""Every change to communities, memberships, flags and moderation goes through here.

Each function validates, locks what it changes, returns early when the state is
already reached, and writes one audit entry when a person with power acted.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communities import permissions
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from communities.moderation import ModerationStatus, moderated_type_for
from members.models import Organisation, Region, User
from notifications.models import Kind
from notifications.services import notify

Action = AuditEntry.Action
MAX_INVITATION_DAYS = 90
MAX_BAN_DAYS = 3650
REQUEST_AGAIN_AFTER = timedelta(days=30)


# --- Helpers ------------------------------------------------------------------


def _date(value: datetime) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y")


def _forget_cached_ids(user) -> None:
    """Drop the per-request caches the selectors keep on a user object."""
    for name in ("_member_community_ids", "_organised_community_ids"):
        if hasattr(user, name):
            delattr(user, name)


def _clean_reason(reason: str, *, required: bool, message: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": message})
    if len(reason) > 2000:
        raise ValidationError({"reason": "Keep the reason to 2,000 characters or fewer."})
    return reason


def target_label(target) -> str:
    """A short description of a target, kept on the audit entry as it was at the time."""
    if isinstance(target, User):
        return f"Member: {target.display_name or target.email}"
    if isinstance(target, Community):
        return f"Community: {target.name}"
    if isinstance(target, Membership):
        return f"Member: {target.member.display_name or target.member.email}"
    if isinstance(target, Invitation):
        return "Invitation link" + (f" ({target.note})" if target.note else "")
    mtype = moderated_type_for(target)
    if mtype is not None:
        text = " ".join(str(mtype.text_of(target)).split())
        return f"{mtype.label.capitalize()}: {text}"[:300]
    return str(target)[:300]


def _audit(
    *,
    actor,
    action: str,
    community: Community | None,
    target,
    reason: str = "",
    details: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        community=community,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        target_label=target_label(target)[:300] if target is not None else "",
        reason=reason,
        details=details or {},
    )


def _recount_members(community: Community) -> None:
    count = Membership.objects.filter(community=community, status=Membership.Status.ACTIVE).count()
    Community.objects.filter(pk=community.pk).update(member_count=count)
    community.member_count = count


def _require_moderator(actor, community: Community | None, *, what: str = "content") -> None:
    if not permissions.can_moderate(actor, community):
        if community is None:
            raise PermissionDenied(f"Only platform admins can moderate this {what}.")
        raise PermissionDenied(
            f"You can only moderate {what} in communities you organise. "
            f"You do not organise {community.name}."
        )


def _lock_membership(community: Community, member) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .filter(community=community, member=member)
        .select_related("member")
        .first()
    )


def _lock_organisers(community: Community) -> list[Membership]:
    """Lock every organiser row so two organisers cannot remove each other at once."""
    return list(
        Membership.objects.select_for_update()
        .filter(
            community=community,
            role=Membership.Role.ORGANISER,
            status=Membership.Status.ACTIVE,
        )
        .order_by("pk")
    )


def _keep_one_organiser(community: Community, membership: Membership) -> None:
    if not membership.is_organiser:
        return
    organisers = _lock_organisers(community)
    if len([m for m in organisers if m.pk != membership.pk]) == 0:
        raise ValidationError(
            f"{community.name} must keep at least one organiser. Appoint another organiser first."
        )


def _community_url(community: Community) -> str:
    return reverse("communities:detail", args=[community.slug])


def _ban_text(until: datetime | None) -> str:
    return f"until {_date(until)}" if until else "indefinitely"


# --- Communities ---------------------------------------------------------------


# Web addresses the communities pages use themselves (/communities/<word>/).
RESERVED_SLUGS = {"new", "requests", "moderation", "audit", "flag", "invitations"}


def _unique_slug(name: str, slug: str = "") -> str:
    if slug:
        slug = slugify(slug)[:120]
        if not slug:
            raise ValidationError({"slug": "Use letters, numbers and hyphens in the web address."})
        if slug in RESERVED_SLUGS or Community.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": "Another community already uses this web address."})
        return slug
    base = slugify(name)[:110] or "community"
    candidate, n = base, 1
    while candidate in RESERVED_SLUGS or Community.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _new_community(
    *,
    name: str,
    slug: str,
    description: str,
    guidelines: str,
    joining_policy: str,
    organisation: Organisation | None,
    region: Region | None,
    status: str,
    requested_by,
) -> Community:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter the community's name."})
    if Community.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A community called {name} already exists."})
    community = Community(
        name=name,
        slug=_unique_slug(name, slug),
        description=(description or "").strip(),
        guidelines=(guidelines or "").strip(),
        joining_policy=joining_policy,
        organisation=organisation,
        region=region,
        status=status,
        requested_by=requested_by,
    )
    community.full_clean(exclude=["member_count"])
    community.save()
    return community


def _make_organiser(community: Community, member) -> Membership:
    membership, _ = Membership.objects.select_for_update().get_or_create(
        community=community, member=member
    )
    membership.status = Membership.Status.ACTIVE
    membership.role = Membership.Role.ORGANISER
    membership.banned_until = None
    membership.joined_at = membership.joined_at or timezone.now()
    membership.save()
    _forget_cached_ids(member)
    _recount_members(community)
    return membership


@transaction.atomic
def community_create(
    *,
    actor,
    name: str,
    description: str = "",
    guidelines: str = "",
    joining_policy: str = Community.JoiningPolicy.OPEN,
    organisation: Organisation | None = None,
    region: Region | None = None,
    organiser=None,
    slug: str = "",
) -> Community:
    """An admin creates an active community; `organiser` (or the admin) runs it."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only platform admins can create a community. Ask for one instead.")
    community = _new_community(
        name=name,
        slug=slug,
        description=description,
        guidelines=guidelines,
        joining_policy=joining_policy,
        organisation=organisation,
        region=region,
        status=Community.Status.ACTIVE,
        requested_by=None,
    )
    first = organiser or actor
    _make_organiser(community, first)
    _audit(
        actor=actor,
        action=Action.COMMUNITY_CREATED,
        community=community,
        target=community,
        details={"organiser": first.pk},
    )
    return community


@transaction.atomic
def community_request(
    *,
    requester,
    name: str,
    description: str = "",
    guidelines: str = "",
    joining_policy: str = Community.JoiningPolicy.OPEN,
    organisation: Organisation | None = None,
    region: Region | None = None,
) -> Community:
    """A member asks for a community; it waits for an admin, and the member will run it."""
    if requester is None or not requester.is_authenticated:
        raise PermissionDenied("Log in to ask for a community.")
    waiting = Community.objects.filter(
        requested_by=requester, status=Community.Status.REQUESTED
    ).count()
    if waiting >= 3:
        raise ValidationError(
            "You already have three communities waiting for an admin. "
            "Wait for an answer before asking for another."
        )
    return _new_community(
        name=name,
        slug="",
        description=description,
        guidelines=guidelines,
        joining_policy=joining_policy,
        organisation=organisation,
        region=region,
        status=Community.Status.REQUESTED,
        requested_by=requester,
    )


@transaction.atomic
def community_decide(*, community: Community, actor, approve: bool, reason: str = "") -> Community:
    """An admin approves (the requester becomes its organiser) or declines a requested community."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only platform admins can approve communities.")
    community = Community.objects.select_for_update().get(pk=community.pk)
    wanted = Community.Status.ACTIVE if approve else Community.Status.DECLINED
    if community.status == wanted:
        return community
    if community.status != Community.Status.REQUESTED:
        raise ValidationError(f"{community.name} has already been answered.")
    reason = _clean_reason(
        reason,
        required=not approve,
        message="Tell the member why their community was declined.",
    )
    community.status = wanted
    community.save(update_fields=["status"])
    if approve and community.requested_by is not None:
        _make_organiser(community, community.requested_by)
    _audit(
        actor=actor,
        action=Action.COMMUNITY_APPROVED if approve else Action.COMMUNITY_DECLINED,
        community=community,
        target=community,
        reason=reason,
    )
    if community.requested_by is not None:
        notify(
            kind=Kind.MEMBERSHIP_DECIDED,
            recipient=community.requested_by,
            subject=community,
            title=(
                f"{community.name} is open: you are its organiser"
                if approve
                else f"Your request for {community.name} was declined"
            ),
            body=reason,
            url=_community_url(community) if approve else "",
            period="community-decision",
        )
    return community


COMMUNITY_SETTINGS = (
    "description",
    "guidelines",
    "joining_policy",
    "premoderate_first_posts",
    "organisation",
    "region",
)


@transaction.atomic
def community_update(*, community: Community, actor, **changes) -> Community:
    """Organisers change their community's description, guidelines and rules."""
    _require_moderator(actor, community, what="settings")
    unknown = set(changes) - set(COMMUNITY_SETTINGS)
    if unknown:
        raise ValidationError(
            {name: "This field cannot be changed here." for name in sorted(unknown)}
        )
    community = Community.objects.select_for_update().get(pk=community.pk)
    changed = [name for name, value in changes.items() if getattr(community, name) != value]
    if not changed:
        return community
    before = {name: getattr(community, name) for name in changed}
    for name in changed:
        value = changes[name]
        setattr(community, name, value.strip() if isinstance(value, str) else value)
    community.full_clean(exclude=["member_count"])
    community.save(update_fields=changed)

    def shown(value):
        return value.pk if hasattr(value, "pk") else value

    _audit(
        actor=actor,
        action=Action.SETTINGS_CHANGED,
        community=community,
        target=community,
        details={
            name: (
                {"from": shown(before[name]), "to": shown(getattr(community, name))}
                if name not in ("description", "guidelines")
                else "changed"
            )
            for name in changed
        },
    )
    return community


# --- Membership ------------------------------------------------------------------


def _refuse_if_banned(membership: Membership | None, community: Community) -> None:
    if membership is None or membership.status != Membership.Status.BANNED:
        return
    until = membership.banned_until
    if until is None:
        raise ValidationError(f"You have been banned from {community.name}.")
    if until > timezone.now():
        raise ValidationError(f"You are banned from {community.name} until {_date(until)}.")


def _require_active_community(community: Community) -> None:
    if community.status != Community.Status.ACTIVE:
        raise ValidationError(f"{community.name} is not open for members.")


@transaction.atomic
def membership_join(*, community: Community, member, invitation: Invitation | None = None):
    """Join an open community, or any community with a valid invitation."""
    _require_active_community(community)
    membership = _lock_membership(community, member)
    if membership is not None and membership.is_active:
        raise ValidationError(f"You are already a member of {community.name}.")
    _refuse_if_banned(membership, community)
    if invitation is not None:
        if invitation.community_id != community.pk or not invitation.is_usable:
            raise ValidationError("This invitation cannot be used to join this community.")
    elif community.joining_policy == Community.JoiningPolicy.APPROVAL:
        raise ValidationError(
            f"The organisers of {community.name} approve new members: ask to join instead."
        )
    elif community.joining_policy == Community.JoiningPolicy.INVITATION:
        raise ValidationError(
            f"{community.name} is by invitation only. Ask one of its organisers for an "
            "invitation link."
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
    _forget_cached_ids(member)
    _recount_members(community)
    return membership


@transaction.atomic
def membership_request(*, community: Community, member, message: str = "") -> Membership:
    """Ask to join a community whose organisers approve members; each organiser is told."""
    _require_active_community(community)
    message = (message or "").strip()
    if len(message) > 1000:
        raise ValidationError({"message": "Keep your message to 1,000 characters or fewer."})
    membership = _lock_membership(community, member)
    if membership is not None and membership.is_active:
        raise ValidationError(f"You are already a member of {community.name}.")
    if membership is not None and membership.status == Membership.Status.PENDING:
        raise ValidationError(
            f"You have already asked to join {community.name}. "
            "The organisers will tell you their answer."
        )
    _refuse_if_banned(membership, community)
    if community.joining_policy == Community.JoiningPolicy.OPEN:
        raise ValidationError(f"Anyone can join {community.name}: join it straight away.")
    if community.joining_policy == Community.JoiningPolicy.INVITATION:
        raise ValidationError(
            f"{community.name} is by invitation only. Ask one of its organisers for an "
            "invitation link."
        )
    if (
        membership is not None
        and membership.status == Membership.Status.DECLINED
        and membership.decided_at
        and membership.decided_at + REQUEST_AGAIN_AFTER > timezone.now()
    ):
        raise ValidationError(
            f"The organisers of {community.name} declined your request on "
            f"{_date(membership.decided_at)}. You can ask again from "
            f"{_date(membership.decided_at + REQUEST_AGAIN_AFTER)}."
        )
    if membership is None:
        membership = Membership(community=community, member=member)
    membership.status = Membership.Status.PENDING
    membership.role = Membership.Role.MEMBER
    membership.banned_until = None
    membership.requested_at = timezone.now()
    membership.request_message = message
    membership.save()
    manage_url = reverse("communities:manage", args=[community.slug])
    for organiser in _organiser_users(community):
        notify(
            kind=Kind.MEMBERSHIP_REQUEST,
            recipient=organiser,
            subject=membership,
            title=f"{member.display_name or 'A member'} asked to join {community.name}",
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
        raise ValidationError(f"You are not a member of {community.name}.")
    if membership.status not in (Membership.Status.ACTIVE, Membership.Status.PENDING):
        return membership
    was_organiser = membership.is_organiser
    if was_organiser and len(_lock_organisers(community)) <= 1:
        raise ValidationError(
            f"You are the only organiser of {community.name}. "
            "Appoint another organiser before you leave."
        )
    membership.status = Membership.Status.LEFT
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["status", "role"])
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
    _require_moderator(actor, community, what="requests to join")
    membership = (
        Membership.objects.select_for_update().select_related("member").get(pk=membership.pk)
    )
    wanted = Membership.Status.ACTIVE if approve else Membership.Status.DECLINED
    if membership.status == wanted and membership.decided_at:
        return membership
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(
            f"{membership.member.display_name or 'This member'} has no request waiting."
        )
    reason = _clean_reason(reason, required=False, message="")
    now = timezone.now()
    membership.status = wanted
    membership.decided_at = now
    if approve:
        membership.joined_at = now
    membership.save(update_fields=["status", "decided_at", "joined_at"])
    _forget_cached_ids(membership.member)
    _recount_members(community)
    _audit(
        actor=actor,
        action=Action.REQUEST_APPROVED if approve else Action.REQUEST_DECLINED,
        community=community,
        target=membership.member,
        reason=reason,
    )
    notify(
        kind=Kind.MEMBERSHIP_DECIDED,
        recipient=membership.member,
        subject=membership,
        title=(
            f"Welcome to {community.name}: your request to join was approved"
            if approve
            else f"Your request to join {community.name} was declined"
        ),
        body=reason,
        url=_community_url(community),
        period=membership.requested_at.isoformat(),
    )
    return membership


# --- Organisers ---------------------------------------------------------------------


@transaction.atomic
def organiser_appoint(*, community: Community, member, actor, reason: str = "") -> Membership:
    _require_moderator(actor, community, what="organisers")
    membership = _lock_membership(community, member)
    if membership is None or not membership.is_active:
        raise ValidationError(
            f"{member.display_name or 'This person'} is not a member of {community.name}. "
            "Only members can be organisers."
        )
    if membership.is_organiser:
        return membership
    reason = _clean_reason(reason, required=False, message="")
    membership.role = Membership.Role.ORGANISER
    membership.save(update_fields=["role"])
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
    _require_moderator(actor, community, what="organisers")
    membership = _lock_membership(community, member)
    if membership is None or not membership.is_organiser:
        if membership is not None and membership.is_active:
            return membership
        raise ValidationError(
            f"{member.display_name or 'This person'} is not an organiser of {community.name}."
        )
    _keep_one_organiser(community, membership)
    reason = _clean_reason(reason, required=False, message="")
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["role"])
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


def _resolve_flags(
    *, target, community: Community | None, actor, status: str, member_target: bool
) -> int:
    flags = Flag.objects.select_for_update().filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        status=Flag.Status.OPEN,
    )
    if member_target:
        flags = flags.filter(community=community)
    ids = list(flags.values_list("pk", flat=True))
    if ids:
        Flag.objects.filter(pk__in=ids).update(
            status=status, resolved_at=timezone.now(), resolved_by=actor
        )
    return len(ids)


def _refuse_self(actor, member, what: str) -> None:
    if actor.pk == member.pk:
        raise ValidationError(f"You cannot {what} yourself.")


@transaction.atomic
def member_remove(*, community: Community, member, actor, reason: str) -> Membership:
    """Take a member out of a community; they may join again (a ban keeps them out)."""
    _require_moderator(actor, community, what="members")
    _refuse_self(actor, member, "remove")
    reason = _clean_reason(reason, required=True, message="Give a reason. The member will see it.")
    membership = _lock_membership(community, member)
    if membership is not None and membership.status == Membership.Status.REMOVED:
        return membership
    if membership is None or not membership.is_active:
        raise ValidationError(
            f"{member.display_name or 'This person'} is not a member of {community.name}."
        )
    _keep_one_organiser(community, membership)
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["status", "role"])
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
        action=Action.MEMBER_REMOVED,
        community=community,
        target=member,
        reason=reason,
    )
    notify(
        kind=Kind.MEMBERSHIP_DECIDED,
        recipient=member,
        subject=membership,
        title=f"The organisers of {community.name} removed you from the community",
        body=reason,
        url=_community_url(community),
        period=f"audit-{entry.pk}",
    )
    return membership


@transaction.atomic
def member_ban(
    *, community: Community, member, actor, reason: str, until: datetime | None
) -> Membership:
    """Ban a member until a time (or indefinitely): they cannot post, sign or rejoin."""
    _require_moderator(actor, community, what="members")
    _refuse_self(actor, member, "ban")
    reason = _clean_reason(reason, required=True, message="Give a reason. The member will see it.")
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "A ban must end in the future."})
    membership = _lock_membership(community, member)
    if membership is None:
        raise ValidationError(
            f"{member.display_name or 'This person'} has never been a member of {community.name}."
        )
    if membership.status == Membership.Status.BANNED and membership.banned_until == until:
        return membership
    _keep_one_organiser(community, membership)
    membership.status = Membership.Status.BANNED
    membership.role = Membership.Role.MEMBER
    membership.banned_until = until
    membership.save(update_fields=["status", "role", "banned_until"])
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
        action=Action.MEMBER_BANNED,
        community=community,
        target=member,
        reason=reason,
        details={"until": until.isoformat() if until else None},
    )
    notify(
        kind=Kind.MEMBERSHIP_DECIDED,
        recipient=member,
        subject=membership,
        title=f"You are banned from {community.name} {_ban_text(until)}",
        body=reason,
        url=_community_url(community),
        period=f"audit-{entry.pk}",
    )
    return membership


def ban_until_from_days(days: int | None) -> datetime | None:
    """A ban's end from its length in days (None: indefinitely)."""
    if days is None:
        return None
    if not 1 <= days <= MAX_BAN_DAYS:
        raise ValidationError({"days": f"A ban lasts from 1 to {MAX_BAN_DAYS} days."})
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def member_unban(*, community: Community, member, actor, reason: str = "") -> Membership:
    """Lift a ban; the person may join again under the community's joining policy."""
    _require_moderator(actor, community, what="members")
    membership = _lock_membership(community, member)
    if membership is None or membership.status != Membership.Status.BANNED:
        return membership
    reason = _clean_reason(reason, required=False, message="")
    membership.status = Membership.Status.REMOVED
    membership.banned_until = None
    membership.save(update_fields=["status", "banned_until"])
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
    _require_moderator(actor, community, what="invitations")
    _require_active_community(community)
    if not 1 <= int(days_valid) <= MAX_INVITATION_DAYS:
        raise ValidationError(
            {"days_valid": f"An invitation lasts from 1 to {MAX_INVITATION_DAYS} days."}
        )
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": "Keep the note to 200 characters or fewer."})
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
    _require_moderator(actor, invitation.community, what="invitations")
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
        return (
            "This invitation link is not valid. Check you copied all of it, "
            "or ask an organiser for a new one."
        )
    name = invitation.community.name
    if invitation.is_revoked:
        return f"This invitation has been withdrawn. Ask an organiser of {name} for a new one."
    if invitation.is_expired:
        return (
            f"This invitation expired on {_date(invitation.expires_at)}. "
            f"Ask an organiser of {name} for a new one."
        )
    if invitation.community.status != Community.Status.ACTIVE:
        return f"{name} is not open for members."
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


# --- Flags -----------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, reporter, target, reason: str, community: Community | None = None) -> Flag:
    """Ask the organisers to look at a piece of content, or at a member of a community."""
    if reporter is None or not reporter.is_authenticated:
        raise PermissionDenied("Log in to flag content.")
    reason = _clean_reason(
        reason, required=True, message="Tell the organisers what is wrong with it."
    )
    if isinstance(target, User):
        what = "member"
        if community is None:
            raise ValidationError({"community": "Say which community this member is in."})
        if target.pk == reporter.pk:
            raise ValidationError("You cannot flag yourself.")
        if community.pk not in _active_member_ids(reporter):
            raise PermissionDenied(f"Only members of {community.name} can flag its members.")
        if not Membership.objects.filter(community=community, member=target).exists():
            raise ValidationError(
                f"{target.display_name or 'This person'} is not a member of {community.name}."
            )
    else:
        mtype = moderated_type_for(target)
        if mtype is None:
            raise ValidationError("This kind of content cannot be flagged.")
        what = mtype.label
        target = type(target)._base_manager.get(pk=target.pk)  # decide on its current state
        author = target.moderation_author
        if author is not None and author.pk == reporter.pk:
            raise ValidationError(f"You cannot flag your own {what}.")
        if target.moderation_status == ModerationStatus.HIDDEN:
            raise ValidationError(f"This {what} has already been hidden by the moderators.")
        if target.moderation_status != ModerationStatus.PUBLISHED:
            raise ValidationError(f"This {what} is waiting for approval and cannot be flagged.")
        community = target.moderation_community
    target_type = ContentType.objects.get_for_model(target)
    already = Flag.objects.filter(
        reporter=reporter, target_type=target_type, target_id=target.pk, status=Flag.Status.OPEN
    )
    message = f"You have already flagged this {what}. The organisers will look at it."
    if already.exists():
        raise ValidationError(message)
    try:
        with transaction.atomic():
            return Flag.objects.create(
                community=community,
                target_type=target_type,
                target_id=target.pk,
                reporter=reporter,
                reason=reason,
            )
    except IntegrityError as exc:  # a second flag raced the first
        raise ValidationError(message) from exc


def _active_member_ids(user) -> list[int]:
    from communities.selectors import member_community_ids

    return member_community_ids(user)


# --- Moderating content ------------------------------------------------------------------------


def _lock_item(item):
    return type(item)._base_manager.select_for_update().get(pk=item.pk)


def _content_context(item):
    mtype = moderated_type_for(item)
    if mtype is None:
        raise ValidationError("This kind of content cannot be moderated.")
    return mtype, item.moderation_community


def _tell_author(*, item, mtype, title: str, reason: str, entry: AuditEntry) -> None:
    author = item.moderation_author
    if author is None:
        return
    notify(
        kind=Kind.CONTENT_MODERATED,
        recipient=author,
        subject=item,
        title=title,
        body=reason,
        url=mtype.url_of(item),
        period=f"audit-{entry.pk}",
    )


def _set_status(item, status: str, reason: str) -> None:
    item.moderation_status = status
    item.moderation_reason = reason[:500]
    item.moderated_at = timezone.now()
    item.save(update_fields=["moderation_status", "moderation_reason", "moderated_at"])


@transaction.atomic
def content_hide(*, item, actor, reason: str):
    """Hide content from everyone but its author and moderators; its flags are actioned."""
    mtype, community = _content_context(item)
    _require_moderator(actor, community)
    reason = _clean_reason(reason, required=True, message="Give a reason. The author will see it.")
    item = _lock_item(item)
    if item.moderation_status == ModerationStatus.HIDDEN:
        return item
    _set_status(item, ModerationStatus.HIDDEN, reason)
    flags = _resolve_flags(
        target=item,
        community=community,
        actor=actor,
        status=Flag.Status.ACTIONED,
        member_target=False,
    )
    entry = _audit(
        actor=actor,
        action=Action.CONTENT_HIDDEN,
        community=community,
        target=item,
        reason=reason,
        details={"flags": flags},
    )
    _tell_author(
        item=item,
        mtype=mtype,
        title=f"Your {mtype.label} was hidden by the moderators",
        reason=reason,
        entry=entry,
    )
    return item


@transaction.atomic
def content_restore(*, item, actor, reason: str):
    """Make hidden content visible again."""
    mtype, community = _content_context(item)
    _require_moderator(actor, community)
    reason = _clean_reason(reason, required=True, message="Give a reason. The author will see it.")
    item = _lock_item(item)
    if item.moderation_status == ModerationStatus.PUBLISHED:
        return item
    if item.moderation_status == ModerationStatus.PENDING:
        raise ValidationError(f"This {mtype.label} is waiting for approval: approve it instead.")
    _set_status(item, ModerationStatus.PUBLISHED, reason)
    entry = _audit(
        actor=actor,
        action=Action.CONTENT_RESTORED,
        community=community,
        target=item,
        reason=reason,
    )
    _tell_author(
        item=item,
        mtype=mtype,
        title=f"Your {mtype.label} is visible again",
        reason=reason,
        entry=entry,
    )
    return item


@transaction.atomic
def content_approve(*, item, actor, reason: str = ""):
    """Publish content that waited for pre-moderation; it counts towards the author's
    approved posts, so newcomers graduate from pre-moderation."""
    mtype, community = _content_context(item)
    _require_moderator(actor, community)
    reason = _clean_reason(reason, required=False, message="")
    item = _lock_item(item)
    if item.moderation_status == ModerationStatus.PUBLISHED:
        return item
    if item.moderation_status == ModerationStatus.HIDDEN:
        raise ValidationError(f"This {mtype.label} was hidden: restore it instead.")
    _set_status(item, ModerationStatus.PUBLISHED, reason)
    author = item.moderation_author
    if community is not None and author is not None:
        Membership.objects.filter(community=community, member=author).update(
            posts_approved=F("posts_approved") + 1
        )
    entry = _audit(
        actor=actor,
        action=Action.CONTENT_APPROVED,
        community=community,
        target=item,
        reason=reason,
    )
    _tell_author(
        item=item,
        mtype=mtype,
        title=f"Your {mtype.label} was approved and is now published",
        reason=reason,
        entry=entry,
    )
    return item


def _member_or_content(target, community: Community | None):
    """(label, community whose moderators act, whether the target is a member)."""
    if isinstance(target, User):
        if community is None:
            raise ValidationError({"community": "Say which community this member is in."})
        return "member", community, True
    mtype, content_community = _content_context(target)
    return mtype.label, content_community, False


@transaction.atomic
def flags_dismiss(*, target, actor, reason: str, community: Community | None = None) -> int:
    """Close the open flags on a target without acting on it. Returns how many closed."""
    label, community, is_member = _member_or_content(target, community)
    _require_moderator(actor, community, what=f"{label}s" if is_member else "content")
    reason = _clean_reason(reason, required=True, message="Give a reason, for the record.")
    count = _resolve_flags(
        target=target,
        community=community,
        actor=actor,
        status=Flag.Status.DISMISSED,
        member_target=is_member,
    )
    if count == 0:
        return 0
    _audit(
        actor=actor,
        action=Action.FLAGS_DISMISSED,
        community=community,
        target=target,
        reason=reason,
        details={"flags": count},
    )
    return count


@transaction.atomic
def flags_dismiss_orphaned(*, actor, target_type: ContentType, target_id: int, reason: str) -> int:
    """Close open flags whose content no longer exists (its author deleted it)."""
    reason = _clean_reason(reason, required=True, message="Give a reason, for the record.")
    flags = list(
        Flag.objects.select_for_update(of=("self",))
        .filter(target_type=target_type, target_id=target_id, status=Flag.Status.OPEN)
        .select_related("community")
    )
    if not flags:
        return 0
    communities = {flag.community_id: flag.community for flag in flags}
    for community in communities.values():
        _require_moderator(actor, community)
    Flag.objects.filter(pk__in=[flag.pk for flag in flags]).update(
        status=Flag.Status.DISMISSED, resolved_at=timezone.now(), resolved_by=actor
    )
    for community_id, community in communities.items():
        AuditEntry.objects.create(
            actor=actor,
            action=Action.FLAGS_DISMISSED,
            community=community,
            target_type=target_type,
            target_id=target_id,
            target_label=f"{target_type.name.capitalize()} that no longer exists",
            reason=reason,
            details={"flags": len([f for f in flags if f.community_id == community_id])},
        )
    return len(flags)


@transaction.atomic
def author_warn(*, target, actor, reason: str, community: Community | None = None) -> AuditEntry:
    """Send the author of content (or a member) a warning; open flags on it are actioned."""
    label, community, is_member = _member_or_content(target, community)
    _require_moderator(actor, community, what="members" if is_member else "content")
    reason = _clean_reason(reason, required=True, message="Say what the warning is about.")
    recipient = target if is_member else target.moderation_author
    if recipient is None:
        raise ValidationError("This content has no author to warn.")
    if recipient.pk == actor.pk:
        raise ValidationError("You cannot warn yourself.")
    if is_member and not Membership.objects.filter(community=community, member=target).exists():
        raise ValidationError(
            f"{target.display_name or 'This person'} is not a member of {community.name}."
        )
    flags = _resolve_flags(
        target=target,
        community=community,
        actor=actor,
        status=Flag.Status.ACTIONED,
        member_target=is_member,
    )
    entry = _audit(
        actor=actor,
        action=Action.AUTHOR_WARNED,
        community=community,
        target=target,
        reason=reason,
        details={"flags": flags},
    )
    where = community.name if community else "Radicals"
    about = "" if is_member else f" about your {label}"
    notify(
        kind=Kind.CONTENT_MODERATED,
        recipient=recipient,
        subject=target,
        title=f"A warning from the moderators of {where}{about}",
        body=reason,
        url=(_community_url(community) if is_member else moderated_type_for(target).url_of(target)),
        period=f"audit-{entry.pk}",
    )
    return entry
