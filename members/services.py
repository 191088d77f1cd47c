"""Writes to members' records. Every change goes through here: web, API and admin alike."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from members.models import Organisation, Region, User
from members.permissions import can_edit_profile

PROFILE_FIELDS = ("display_name", "organisation", "job_role", "region", "bio", "name_visibility")


@transaction.atomic
def profile_update(*, member: User, actor: User, **changes) -> User:
    """Update a member's profile fields; refuses unknown fields and other people's profiles."""
    if not can_edit_profile(actor, member):
        raise PermissionDenied("You can only change your own profile.")
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: "This field cannot be changed here." for name in sorted(unknown)}
        )
    member = User.objects.select_for_update().get(pk=member.pk)
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    if not changed:
        return member
    for name in changed:
        setattr(member, name, changes[name])
    if "display_name" in changed:
        member.display_name = (member.display_name or "").strip()
    member.full_clean(exclude=["password", "email"])
    member.save(update_fields=changed)
    return member


def api_token_reset(*, member: User) -> Token:
    """Give a member a fresh API token, ending the old one."""
    with transaction.atomic():
        Token.objects.filter(user=member).delete()
        return Token.objects.create(user=member)


def organisation_ensure(*, name: str, slug: str, kind: str, region: Region | None) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": kind, "region": region}
    )
    return organisation
