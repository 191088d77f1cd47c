"""Writes to members' records. Every change goes through here: web, API and admin alike."""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from kernel import caching
from kernel.queue import enqueue
from kernel.signals import member_erased
from members import personal_data
from members.models import (
    FORMER_MEMBER,
    PROFILE_FIELDS,
    DataExport,
    ErasureRecord,
    Organisation,
    Region,
    User,
)
from members.permissions import can_edit_profile
from members.validators import validate_display_name

logger = logging.getLogger(__name__)

# RFC 2606 reserves .invalid: mail to it can never be delivered, and it is nobody's.
ERASED_EMAIL_DOMAIN = "erased.invalid"


@transaction.atomic
def profile_update(*, member: User, actor: User, **changes) -> User:
    """Update a member's profile fields; refuses unknown fields and other people's profiles."""
    if not can_edit_profile(actor, member):
        raise PermissionDenied(_("You can only change your own profile."))
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    member = User.objects.select_for_update().get(pk=member.pk)
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    if not changed:
        return member
    for name in changed:
        setattr(member, name, changes[name])
    if "display_name" in changed:
        member.display_name = (member.display_name or "").strip()
        try:
            validate_display_name(member.display_name)
        except ValidationError as error:
            raise ValidationError({"display_name": error.messages}) from error
    member.full_clean(exclude=["password", "email"])
    member.save(update_fields=changed)
    if {"display_name", "name_visibility", "organisation"} & set(changed):
        # Names show on the cached pages of communities (kernel.caching).
        caching.changed(caching.PEOPLE)
    return member


def member_set_language(*, member: User, language: str) -> User:
    """The header's language switch, for a signed-in member: kept on their profile, so
    their pages, emails and certificates follow them to any browser."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Cymraeg.")})
    return profile_update(member=member, actor=member, language=language)


def api_token_reset(*, member: User) -> Token:
    """Give a member a fresh API token, ending the old one."""
    with transaction.atomic():
        Token.objects.filter(user=member).delete()
        return Token.objects.create(user=member)


def api_tokens_end(*, member: User) -> int:
    """End every API token of a member: their password changed or was reset, or the
    account was deactivated or erased. Returns how many ended."""
    deleted, _by_model = Token.objects.filter(user_id=member.pk).delete()
    return deleted


def organisation_ensure(*, name: str, slug: str, kind: str, region: Region | None) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": kind, "region": region}
    )
    return organisation


# --- Download your data -----------------------------------------------------------------


def data_exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / "members"


def data_export_path(export: DataExport) -> Path:
    return data_exports_dir() / export.file_name


@transaction.atomic
def data_export_request(*, member: User) -> DataExport:
    """Ask for a copy of the member's data. The zip is built by a worker once this
    commits; asking again while one is being prepared returns that one."""
    if not member.is_authenticated or member.is_erased:
        raise PermissionDenied(_("Log in to download your data."))
    User.objects.select_for_update().filter(pk=member.pk).first()
    pending = DataExport.objects.filter(member=member, status=DataExport.Status.QUEUED).first()
    if pending is not None:
        return pending
    since = timezone.now() - timedelta(days=1)
    limit = settings.DATA_EXPORT_DAILY_LIMIT
    if DataExport.objects.filter(member=member, created_at__gte=since).count() >= limit:
        raise ValidationError(
            ngettext(
                "You have asked for your data %(limit)s time today. Use the link we emailed "
                "you, or ask again tomorrow.",
                "You have asked for your data %(limit)s times today. Use the link we emailed "
                "you, or ask again tomorrow.",
                limit,
            )
            % {"limit": limit}
        )
    export = DataExport.objects.create(member=member)

    def enqueue_build() -> None:
        from members.tasks import build_data_export

        # Unqueued, it stays queued and the hourly expire_data_exports builds it.
        enqueue(build_data_export, export.pk)

    transaction.on_commit(enqueue_build, robust=True)
    return export


def _rows(holding: personal_data.Holding, member: User) -> list[dict]:
    model = holding.model_class()
    fields = [
        field.name
        for field in [*model._meta.local_fields, *model._meta.local_many_to_many]
        if not field.primary_key and field.name not in holding.omit
    ]
    return [
        {"id": row["pk"], **row["fields"]}
        for row in serializers.serialize("python", holding.rows_of(member), fields=fields)
    ]


def data_export_archive(*, member: User) -> bytes:
    """A zip of JSON files, one per kind of record, holding every row that is the member's."""
    buffer = io.BytesIO()
    contents = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holding in personal_data.holdings():
            rows = _rows(holding, member)
            archive.writestr(
                holding.file_name, json.dumps(rows, cls=DjangoJSONEncoder, indent=2) + "\n"
            )
            contents.append((holding, len(rows)))
        with translation.override(member.language or settings.LANGUAGE_CODE):
            readme = render_to_string(
                "members/data_export_readme.txt",
                {"member": member, "contents": contents, "created_at": timezone.now()},
            )
        archive.writestr("README.txt", readme)
    return buffer.getvalue()


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the zip for a queued export, store it privately and email the member a link.

    Idempotent: a ready export is only emailed if that has not happened yet, so a
    redelivered task neither rebuilds nor sends a second email.
    """
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("member")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status not in (
            DataExport.Status.QUEUED,
            DataExport.Status.READY,
        ):
            return export
        if export.status == DataExport.Status.QUEUED:
            try:
                content = data_export_archive(member=export.member)
                path = data_export_path(export)
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                partial = path.with_suffix(".partial")
                partial.write_bytes(content)
                os.chmod(partial, 0o600)
                partial.replace(path)
            except Exception as exc:
                logger.exception("Data export %s could not be built", export.pk)
                export.status = DataExport.Status.FAILED
                export.error = str(exc)[:500]
                export.finished_at = timezone.now()
                export.save(update_fields=["status", "error", "finished_at"])
                return export
            export.status = DataExport.Status.READY
            export.finished_at = timezone.now()
            export.expires_at = export.finished_at + timedelta(days=settings.DATA_EXPORT_DAYS)
            export.size_bytes = len(content)
            export.save(update_fields=["status", "finished_at", "expires_at", "size_bytes"])
    with transaction.atomic():
        # Claimed under a lock, so a redelivered task never sends a second email; a
        # failed send rolls back and the retry sends it.
        unsent = (
            DataExport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("member")
            .filter(pk=export.pk, status=DataExport.Status.READY, emailed_at__isnull=True)
            .first()
        )
        if unsent is not None:
            _email_data_export(unsent)
            unsent.emailed_at = timezone.now()
            unsent.save(update_fields=["emailed_at"])
    return export


def _email_data_export(export: DataExport) -> None:
    member = export.member
    context = {
        "member": member,
        "export": export,
        "download_url": settings.SITE_URL + reverse("members:data_export", args=[export.token]),
        "settings_url": settings.SITE_URL + reverse("members:edit_profile", args=[member.pk]),
        "days": settings.DATA_EXPORT_DAYS,
    }
    with translation.override(member.language or settings.LANGUAGE_CODE):
        subject = _("Your Radicals data is ready to download")
        message = render_to_string("members/email/data_export_ready.txt", context)
    send_mail(
        subject=subject,
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[member.email],
    )


def data_exports_expire(*, now=None) -> int:
    """Delete the files of exports past their expiry; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    due = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    for export_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            export = (
                DataExport.objects.select_for_update(skip_locked=True)
                .filter(pk=export_id, status=DataExport.Status.READY, expires_at__lte=now)
                .first()
            )
            if export is None:
                continue
            data_export_path(export).unlink(missing_ok=True)
            export.status = DataExport.Status.EXPIRED
            export.save(update_fields=["status"])
            expired += 1
    return expired


# --- Delete your account ----------------------------------------------------------------


def erased_email(user_id: int) -> str:
    return f"former-member-{user_id}@{ERASED_EMAIL_DOMAIN}"


@transaction.atomic
def account_erase(*, member: User) -> ErasureRecord:
    """Erase a member: their name, email, profile, sessions, tokens, linked sign-in
    accounts and email addresses go, and the account can never be used again. Their
    pledges, signatures, check-ins, stories and the rest stay, shown as "A former
    member", so every count and rollup is unchanged. The id is recorded (and nothing
    else) so the erasure can be applied again after a restore from an older backup.
    Erasing twice changes nothing more.
    """
    member = User.objects.select_for_update().get(pk=member.pk)
    record, _ = ErasureRecord.objects.get_or_create(user_id=member.pk)
    if member.erased_at is None:
        _scrub(member, erased_at=record.erased_at)
    return record


def _scrub(member: User, *, erased_at) -> None:
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=member):
        session.end()
    api_tokens_end(member=member)
    for holding in personal_data.holdings():
        if holding.on_erasure == personal_data.DELETE:
            if holding.model == "members.DataExport":
                for export in DataExport.objects.filter(member=member):
                    path = data_export_path(export)
                    transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
            model = holding.model_class()
            model._default_manager.filter(pk__in=holding.rows_of(member).values("pk")).delete()
    names = [member.display_name, member.email]
    member.email = erased_email(member.pk)
    member.display_name = FORMER_MEMBER
    member.job_role = ""
    member.bio = ""
    member.name_visibility = User.NameVisibility.PUBLIC
    member.is_staff = False
    member.is_superuser = False
    member.last_login = None
    member.erased_at = erased_at
    # An unusable password also invalidates every session still open anywhere.
    member.set_unusable_password()
    member.save()
    caching.changed(caching.PEOPLE)  # their name leaves every cached page
    member.groups.clear()
    member.user_permissions.clear()
    # Other members' notifications and the audit log named them: they say "a former
    # member" now (kernel.signals.member_erased); the events themselves stay.
    member_erased.send(sender=User, member=member, names=names)


def erasures_reapply(*, records: list[dict] | None = None) -> list[int]:
    """Erase again every account in the erasure list that is not erased now (after a
    restore from a backup taken before the erasure). `records` ([{"user_id": …,
    "erased_at": …}]) adds entries saved before the restore. Returns the ids erased."""
    for entry in records or []:
        ErasureRecord.objects.get_or_create(
            user_id=int(entry["user_id"]),
            defaults={"erased_at": entry.get("erased_at") or timezone.now()},
        )
    erased = []
    for record in ErasureRecord.objects.order_by("user_id"):
        with transaction.atomic():
            member = (
                User.objects.select_for_update()
                .filter(pk=record.user_id, erased_at__isnull=True)
                .first()
            )
            if member is not None:
                _scrub(member, erased_at=record.erased_at)
                erased.append(member.pk)
    return erased


def account_erase_confirm(*, member: User | AnonymousUser, password: str) -> ErasureRecord:
    """Erase the member's own account once they have re-entered their password (or, for
    an account that signs in only through single sign-on, typed their email address)."""
    if not member.is_authenticated or member.is_erased:
        raise PermissionDenied(_("Log in to delete your account."))
    if member.has_usable_password():
        if not member.check_password(password):
            raise ValidationError({"password": _("The password is not right.")})
    elif password.strip().lower() != member.email.lower():
        raise ValidationError({"password": _("Type the email address of your account.")})
    return account_erase(member=member)
