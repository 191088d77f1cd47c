"""Helpers shared by the communities services: audit entries, locks, reasons, counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

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
    return dateformat.format(timezone.localtime(value), "j F Y")


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
        raise ValidationError({"reason": _("Keep the reason to 2,000 characters or fewer.")})
    return reason


def target_label(target) -> str:
    """A short description of a target, kept on the audit entry as it was at the time."""
    if isinstance(target, User):
        return _("Member: %(name)s") % {"name": target.display_name or target.email}
    if isinstance(target, Community):
        return _("Community: %(name)s") % {"name": target.name}
    if isinstance(target, Membership):
        return _("Member: %(name)s") % {"name": target.member.display_name or target.member.email}
    if isinstance(target, Invitation):
        if target.note:
            return _("Invitation link (%(note)s)") % {"note": target.note}
        return _("Invitation link")
    mtype = moderated_type_for(target)
    if mtype is not None:
        text = " ".join(str(mtype.text_of(target)).split())
        return (_("%(kind)s: %(text)s") % {"kind": capfirst(mtype.name), "text": text})[:300]
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


def _require_moderator(actor, community: Community | None, *, what=None) -> None:
    """`what`: what is being moderated, in words ("members"), content when not given."""
    if not permissions.can_moderate(actor, community):
        what = what or _("content")
        if community is None:
            raise PermissionDenied(
                _("Only platform admins can moderate this %(what)s.") % {"what": what}
            )
        raise PermissionDenied(
            _(
                "You can only moderate %(what)s in communities you organise. "
                "You do not organise %(community)s."
            )
            % {"what": what, "community": community.name}
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
            _("%(community)s must keep at least one organiser. Appoint another organiser first.")
            % {"community": community.name}
        )


def _community_url(community: Community) -> str:
    return reverse("communities:detail", args=[community.slug])


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


def _refuse_self(actor, member, message: str) -> None:
    if actor.pk == member.pk:
        raise ValidationError(message)


def audit_labels_forget(*, member, names) -> int:
    """After `member`'s erasure, audit labels say "a former member" where they named
    them: the label of every entry about them or their membership is written again
    from the (now anonymous) account, and any other label that held their name or
    email address has it replaced. Returns how many labels changed."""
    import re

    from django.db.models import Q

    names = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    about_them = Q(target_type=ContentType.objects.get_for_model(User), target_id=member.pk) | Q(
        target_type=ContentType.objects.get_for_model(Membership),
        target_id__in=list(Membership.objects.filter(member=member).values_list("pk", flat=True)),
    )
    with translation.override(settings.LANGUAGE_CODE):
        label = target_label(member)
        changed = AuditEntry.objects.filter(about_them).relabel_for_erasure(label)
        if not names:
            return changed
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE
        )
        mentions = Q()
        for name in names:
            mentions |= Q(target_label__icontains=name)
        for pk, old in (
            AuditEntry.objects.filter(mentions)
            .exclude(about_them)
            .values_list("pk", "target_label")
        ):
            new = pattern.sub(_("a former member"), old)
            if new != old:
                changed += AuditEntry.objects.filter(pk=pk).relabel_for_erasure(new)
    return changed


def forget_erased_member(sender, *, member, names, **kwargs) -> None:
    """kernel.signals.member_erased: the audit log forgets the member's name."""
    audit_labels_forget(member=member, names=names)
