"""Flags and moderating content: hide, restore, approve, warn, dismiss."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.models import AuditEntry, Community, Flag, Membership
from communities.moderation import (
    ModerationStatus,
    content_name,
    moderated_type_for,
)
from communities.selectors import can_see
from communities.services._common import (
    Action,
    _audit,
    _clean_reason,
    _community_url,
    _require_moderator,
    _resolve_flags,
)
from communities.services.membership import post_approved
from kernel import caching
from kernel.i18n import in_language_of
from members.models import User
from notifications.models import Kind
from notifications.services import notify

# --- Flags -----------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, reporter, target, reason: str, community: Community | None = None) -> Flag:
    """Ask the organisers to look at a piece of content, or at a member of a community."""
    if reporter is None or not reporter.is_authenticated:
        raise PermissionDenied(_("Log in to flag content."))
    reason = _clean_reason(
        reason, required=True, message=_("Tell the organisers what is wrong with it.")
    )
    if isinstance(target, User):
        what = _("member")
        if community is None:
            raise ValidationError({"community": _("Say which community this member is in.")})
        if target.pk == reporter.pk:
            raise ValidationError(_("You cannot flag yourself."))
        if community.pk not in _active_member_ids(reporter):
            raise PermissionDenied(
                _("Only members of %(community)s can flag its members.")
                % {"community": community.name}
            )
        if not Membership.objects.filter(community=community, member=target).exists():
            raise ValidationError(
                _("%(member)s is not a member of %(community)s.")
                % {"member": target.display_name or _("This person"), "community": community.name}
            )
    else:
        mtype = moderated_type_for(target)
        if mtype is None:
            raise ValidationError(_("This kind of content cannot be flagged."))
        what = mtype.name
        target = type(target)._base_manager.get(pk=target.pk)  # decide on its current state
        author = target.moderation_author
        if author is not None and author.pk == reporter.pk:
            raise ValidationError(_("You cannot flag your own %(what)s.") % {"what": what})
        if target.moderation_status == ModerationStatus.HIDDEN:
            raise ValidationError(
                _("This %(what)s has already been hidden by the moderators.") % {"what": what}
            )
        if target.moderation_status != ModerationStatus.PUBLISHED:
            raise ValidationError(
                _("This %(what)s is waiting for approval and cannot be flagged.") % {"what": what}
            )
        if not can_see(member=reporter, item=target):
            raise ValidationError(_("No such %(what)s.") % {"what": what})
        community = target.moderation_community
    target_type = ContentType.objects.get_for_model(target)
    already = Flag.objects.filter(
        reporter=reporter, target_type=target_type, target_id=target.pk, status=Flag.Status.OPEN
    )
    message = _("You have already flagged this %(what)s. The organisers will look at it.") % {
        "what": what
    }
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
        raise ValidationError(_("This kind of content cannot be moderated."))
    return mtype, item.moderation_community


def _tell_author(*, item, mtype, title: str, reason: str, entry: AuditEntry) -> None:
    """`title`: a sentence with %(what)s for the kind of content, said to the author in
    their language."""
    author = item.moderation_author
    if author is None:
        return
    with in_language_of(author):
        title = str(title) % {"what": mtype.name}
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
    # The pages showing the item (a pledge's, a community's) are dropped: a decision
    # changes who may see it.
    mtype = moderated_type_for(item)
    caching.changed(*(mtype.pages_of(item) if mtype else []))


def _hidden_by_admin(item) -> bool:
    """Whether the decision that hid the item was a platform admin's."""
    last = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(item),
            target_id=item.pk,
            action=Action.CONTENT_HIDDEN,
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return last is not None and last.actor is not None and last.actor.is_staff


def decision_refusal(*, item, actor, action: str) -> str | None:
    """Why `actor` may not take this moderation `action` ("approve", "hide",
    "restore", "warn", "dismiss") on `item`, or None when they may, beyond being one of
    its moderators: nobody but an admin decides on their own content (it goes to another
    organiser or an admin), and a platform admin's decision to hide is not undone by a
    community's organisers."""
    if actor is None or not actor.is_authenticated or actor.is_staff:
        return None
    mtype = moderated_type_for(item)
    what = mtype.name if mtype is not None else _("content")
    author = item.moderation_author
    if author is not None and author.pk == actor.pk:
        return _(
            "You cannot moderate your own %(what)s. Another organiser or a platform admin "
            "will decide on it."
        ) % {"what": what}
    if (
        action == "restore"
        and item.moderation_status == ModerationStatus.HIDDEN
        and _hidden_by_admin(item)
    ):
        return _("A platform admin hid this %(what)s, so only a platform admin can restore it.") % {
            "what": what
        }
    return None


def _refuse(*, item, actor, action: str) -> None:
    refusal = decision_refusal(item=item, actor=actor, action=action)
    if refusal:
        raise PermissionDenied(refusal)


@transaction.atomic
def content_hide(*, item, actor, reason: str):
    """Hide content from everyone but its author and moderators; its flags are actioned."""
    mtype, community = _content_context(item)
    _require_moderator(actor, community)
    reason = _clean_reason(
        reason, required=True, message=_("Give a reason. The author will see it.")
    )
    item = _lock_item(item)
    _refuse(item=item, actor=actor, action="hide")
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
        title=gettext_lazy("Your %(what)s was hidden by the moderators"),
        reason=reason,
        entry=entry,
    )
    return item


@transaction.atomic
def content_restore(*, item, actor, reason: str):
    """Make hidden content visible again."""
    mtype, community = _content_context(item)
    _require_moderator(actor, community)
    reason = _clean_reason(
        reason, required=True, message=_("Give a reason. The author will see it.")
    )
    item = _lock_item(item)
    _refuse(item=item, actor=actor, action="restore")
    if item.moderation_status == ModerationStatus.PUBLISHED:
        return item
    if item.moderation_status == ModerationStatus.PENDING:
        raise ValidationError(
            _("This %(what)s is waiting for approval: approve it instead.") % {"what": mtype.name}
        )
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
        title=gettext_lazy("Your %(what)s is visible again"),
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
    _refuse(item=item, actor=actor, action="approve")
    if item.moderation_status == ModerationStatus.PUBLISHED:
        return item
    if item.moderation_status == ModerationStatus.HIDDEN:
        raise ValidationError(
            _("This %(what)s was hidden: restore it instead.") % {"what": mtype.name}
        )
    _set_status(item, ModerationStatus.PUBLISHED, reason)
    post_approved(community=community, author=item.moderation_author)
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
        title=gettext_lazy("Your %(what)s was approved and is now published"),
        reason=reason,
        entry=entry,
    )
    return item


def _member_or_content(target, community: Community | None):
    """(label, community whose moderators act, whether the target is a member)."""
    if isinstance(target, User):
        if community is None:
            raise ValidationError({"community": _("Say which community this member is in.")})
        return "member", community, True
    mtype, content_community = _content_context(target)
    return mtype.label, content_community, False


@transaction.atomic
def flags_dismiss(*, target, actor, reason: str, community: Community | None = None) -> int:
    """Close the open flags on a target without acting on it. Returns how many closed."""
    label, community, is_member = _member_or_content(target, community)
    _require_moderator(actor, community, what=_("members") if is_member else None)
    if not is_member:
        _refuse(item=target, actor=actor, action="dismiss")
    reason = _clean_reason(reason, required=True, message=_("Give a reason, for the record."))
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
    reason = _clean_reason(reason, required=True, message=_("Give a reason, for the record."))
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
            target_label=_("%(kind)s that no longer exists") % {"kind": capfirst(target_type.name)},
            reason=reason,
            details={"flags": len([f for f in flags if f.community_id == community_id])},
        )
    return len(flags)


@transaction.atomic
def author_warn(*, target, actor, reason: str, community: Community | None = None) -> AuditEntry:
    """Send the author of content (or a member) a warning; open flags on it are actioned."""
    label, community, is_member = _member_or_content(target, community)
    _require_moderator(actor, community, what=_("members") if is_member else None)
    if not is_member:
        _refuse(item=target, actor=actor, action="warn")
    reason = _clean_reason(reason, required=True, message=_("Say what the warning is about."))
    recipient = target if is_member else target.moderation_author
    if recipient is None:
        raise ValidationError(_("This content has no author to warn."))
    if recipient.pk == actor.pk:
        raise ValidationError(_("You cannot warn yourself."))
    if is_member and not Membership.objects.filter(community=community, member=target).exists():
        raise ValidationError(
            _("%(member)s is not a member of %(community)s.")
            % {"member": target.display_name or _("This person"), "community": community.name}
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
    with in_language_of(recipient):
        where = community.name if community else "Radicals"
        if is_member:
            title = _("A warning from the moderators of %(where)s") % {"where": where}
        else:
            title = _("A warning from the moderators of %(where)s about your %(what)s") % {
                "where": where,
                "what": content_name(label),
            }
    notify(
        kind=Kind.CONTENT_MODERATED,
        recipient=recipient,
        subject=target,
        title=title,
        body=reason,
        url=(_community_url(community) if is_member else moderated_type_for(target).url_of(target)),
        period=f"audit-{entry.pk}",
    )
    return entry
