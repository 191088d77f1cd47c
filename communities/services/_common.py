"""Helpers shared by the communities services: audit entries, locks, reasons, counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communities import permissions
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from communities.moderation import moderated_type_for
from kernel import caching
from members.models import User

Action = AuditEntry.Action
MAX_INVITATION_DAYS = 90
MAX_BAN_DAYS = 3650
REQUEST_AGAIN_AFTER = timedelta(days=30)


# --- Helpers ------------------------------------------------------------------


def _date(value: datetime) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y")


def _forget_cached_ids(user) -> None:
    """Drop the per-request caches the selectors keep on a user object."""
    for name in ("_member_community_ids", "_organised_community_ids", "_membership_statuses"):
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


def _community_changed(community: Community) -> None:
    """Drop the cached copies of the community's page once this transaction commits
    (kernel.caching): its details, members or organisers changed."""
    caching.changed(caching.community(community.pk))


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
