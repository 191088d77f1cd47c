"""Creating, approving and configuring communities."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from communities.models import Community, Membership
from communities.services._common import (
    Action,
    _audit,
    _clean_reason,
    _community_changed,
    _community_url,
    _forget_cached_ids,
    _recount_members,
    _require_moderator,
)
from kernel.i18n import in_language_of
from members.models import Organisation, Region
from notifications.models import Kind
from notifications.services import notify

# --- Communities ---------------------------------------------------------------


# Web addresses the communities pages use themselves (/communities/<word>/).
RESERVED_SLUGS = {"new", "requests", "moderation", "audit", "flag", "invitations"}


def _unique_slug(name: str, slug: str = "") -> str:
    if slug:
        slug = slugify(slug)[:120]
        if not slug:
            raise ValidationError(
                {"slug": _("Use letters, numbers and hyphens in the web address.")}
            )
        if slug in RESERVED_SLUGS or Community.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": _("Another community already uses this web address.")})
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
        raise ValidationError({"name": _("Enter the community's name.")})
    if Community.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": _("A community called %(name)s already exists.") % {"name": name}}
        )
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
    _community_changed(community)
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
    _community_changed(community)
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
        raise PermissionDenied(
            _("Only platform admins can create a community. Ask for one instead.")
        )
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
        raise PermissionDenied(_("Log in to ask for a community."))
    waiting = Community.objects.filter(
        requested_by=requester, status=Community.Status.REQUESTED
    ).count()
    if waiting >= 3:
        raise ValidationError(
            _(
                "You already have three communities waiting for an admin. "
                "Wait for an answer before asking for another."
            )
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
        raise PermissionDenied(_("Only platform admins can approve communities."))
    community = Community.objects.select_for_update().get(pk=community.pk)
    wanted = Community.Status.ACTIVE if approve else Community.Status.DECLINED
    if community.status == wanted:
        return community
    if community.status != Community.Status.REQUESTED:
        raise ValidationError(
            _("%(community)s has already been answered.") % {"community": community.name}
        )
    reason = _clean_reason(
        reason,
        required=not approve,
        message=_("Tell the member why their community was declined."),
    )
    community.status = wanted
    community.save(update_fields=["status"])
    _community_changed(community)
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
        with in_language_of(community.requested_by):
            title = (
                _("%(community)s is open: you are its organiser")
                if approve
                else _("Your request for %(community)s was declined")
            ) % {"community": community.name}
        notify(
            kind=Kind.MEMBERSHIP_DECIDED,
            recipient=community.requested_by,
            subject=community,
            title=title,
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
    _require_moderator(actor, community, what=_("settings"))
    unknown = set(changes) - set(COMMUNITY_SETTINGS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
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
    _community_changed(community)

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
