"""Every write of the reports app: share links and email invitations, the badge setting,
exports and scheduled summary emails."""

from __future__ import annotations

import datetime
import functools
import logging
import secrets
import smtplib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communities.models import Community
from communities.permissions import can_moderate
from kernel.i18n import html_lang
from kernel.locks import job_lock
from kernel.queue import enqueue
from reports import exports, permissions
from reports.models import (
    METRIC_LABELS,
    BadgeSetting,
    Export,
    Invite,
    InviteEmail,
    ReportSubscription,
    Scope,
)

logger = logging.getLogger(__name__)

INVITE_EMAILS_PER_DAY = 20
INVITE_AGAIN_AFTER = datetime.timedelta(days=7)
INVITE_MESSAGE_MAX_LENGTH = 500
# An invitation the mail server refused is tried again after 2, 4, 8... minutes (at
# most an hour apart), about eight hours in all, then marked failed.
INVITE_EMAIL_MAX_ATTEMPTS = 12
INVITE_EMAIL_RETRY_MAX = datetime.timedelta(hours=1)
EARLIEST_DATE = datetime.date(2000, 1, 1)
LONGEST_RANGE_DAYS = 366 * 10


def _date(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return date_format(value, "j F Y")


def language_of(member) -> str:
    """The language a member reads their emails in: the one on their profile, else
    English."""
    return (getattr(member, "language", "") or "") or settings.LANGUAGE_CODE


def _invitee_language(*, email: str, inviter) -> str:
    """An invitee who is a member already reads their own language; anyone else, the
    inviter's."""
    member = get_user_model().objects.filter(email__iexact=email).only("language").first()
    if member is not None and member.language:
        return member.language
    return language_of(inviter)


@functools.cache
def _email_environment():
    """The email environment, with gettext: the text comes out in the active language."""
    from notifications.emails import environment

    env = environment().overlay(extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translation, newstyle=True)
    env.policies["ext.i18n.trimmed"] = True
    return env


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    """An HTML email with a plain-text twin, from templates/jinja2/reports/email/, in
    the language active while it is built (callers wrap it in translation.override)."""
    env = _email_environment()
    context = {"site_url": settings.SITE_URL, "language": html_lang(), **context}
    text = env.get_template(f"reports/email/{template}.txt").render(context)
    html = env.get_template(f"reports/email/{template}.html").render(context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()


# --- Share links and email invitations -------------------------------------------------------


def invite_ensure(*, member) -> Invite:
    """The member's share link, made the first time they ask for it."""
    if member is None or not member.is_authenticated:
        raise PermissionDenied(_("Sign in to invite colleagues."))
    invite = Invite.objects.filter(member=member).first()
    if invite is not None:
        return invite
    try:
        with transaction.atomic():
            return Invite.objects.create(member=member, token=secrets.token_urlsafe(12))
    except IntegrityError:
        return Invite.objects.get(member=member)


def share_url(invite: Invite, path: str = "/") -> str:
    return f"{settings.SITE_URL}{path}?ref={invite.token}"


@transaction.atomic
def invite_email_send(*, inviter, email: str, message: str = "") -> InviteEmail:
    """Email a colleague an invitation to join, with the inviter's share link."""
    invite_ensure(member=inviter)
    email = (email or "").strip().lower()
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter an email address in the right format, like name@nhs.net.")]
    if not errors.get("email") and email == inviter.email.lower():
        errors["email"] = [_("That is your own email address. Enter a colleague's.")]
    if len(message) > INVITE_MESSAGE_MAX_LENGTH:
        errors["message"] = [
            _("Keep your message to %(max)s characters or fewer.")
            % {"max": INVITE_MESSAGE_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    # One inviter at a time, so the daily limit holds under double submits.
    get_user_model().objects.select_for_update().filter(pk=inviter.pk).first()
    now = timezone.now()
    recent = InviteEmail.objects.filter(inviter=inviter, sent_at__gte=now - datetime.timedelta(1))
    if recent.count() >= INVITE_EMAILS_PER_DAY:
        raise ValidationError(
            _(
                "You have sent %(count)s invitations in the last 24 hours, the most for one "
                "day. You can send more tomorrow."
            )
            % {"count": INVITE_EMAILS_PER_DAY}
        )
    earlier = (
        InviteEmail.objects.filter(
            inviter=inviter, email=email, sent_at__gte=now - INVITE_AGAIN_AFTER
        )
        .order_by("-sent_at")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            {
                "email": [
                    _("You invited %(email)s on %(day)s. You can invite them again from %(again)s.")
                    % {
                        "email": email,
                        "day": _date(earlier.sent_at),
                        "again": _date(earlier.sent_at + INVITE_AGAIN_AFTER),
                    }
                ]
            }
        )
    sent = InviteEmail.objects.create(
        inviter=inviter, email=email, message=message, sent_at=now, send_after=now
    )
    # Emailed by a worker once this commits; if the queue or the mail server is away,
    # the row stays pending and send_invite_emails (beat, every minute) sends it.
    transaction.on_commit(lambda: _enqueue_invite_email(sent.pk), robust=True)
    return sent


def _enqueue_invite_email(invite_email_id: int) -> None:
    from reports import tasks

    enqueue(tasks.send_invite_email, invite_email_id)


def _one_line(text: str) -> str:
    """Control characters out, so no name (even one saved before they were refused)
    can break the header of the email that quotes it."""
    spaced = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(spaced.split())


def _invite_retry_after(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(minutes=2**attempts), INVITE_EMAIL_RETRY_MAX)


def invite_email_deliver(*, invite_email_id: int, now: datetime.datetime | None = None) -> str:
    """Email one invitation if it still waits and is due: "sent", "retry" (the mail
    server failed; tried again later, up to INVITE_EMAIL_MAX_ATTEMPTS times), "failed",
    "cancelled" (the inviter's account is gone) or "done" (sent already, being sent by
    another worker, or not due yet). The row is
    locked while it is sent, so running this twice emails once."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            InviteEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("inviter")
            .filter(
                pk=invite_email_id,
                email_status=InviteEmail.EmailStatus.PENDING,
                send_after__lte=now,
            )
            .first()
        )
        if row is None:
            return "done"
        if row.inviter.is_erased or not row.inviter.is_active:
            # The inviter left before it went: nobody is invited in their name.
            row.email_status = InviteEmail.EmailStatus.FAILED
            row.last_error = "The member who invited them no longer has an account."
            row.save(update_fields=["email_status", "last_error"])
            return "cancelled"
        row.email_attempts += 1
        link = share_url(invite_ensure(member=row.inviter), reverse("account_signup"))
        try:
            with translation.override(_invitee_language(email=row.email, inviter=row.inviter)):
                name = _one_line(row.inviter.display_name) or _("A colleague")
                _send(
                    to=row.email,
                    subject=_("%(name)s invites you to join Radicals") % {"name": name},
                    template="invitation",
                    context={"inviter_name": name, "message": row.message, "link": link},
                )
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("Invitation %s not sent yet: %s", row.pk, error)
            row.last_error = str(error)[:500]
            if row.email_attempts >= INVITE_EMAIL_MAX_ATTEMPTS:
                row.email_status = InviteEmail.EmailStatus.FAILED
            else:
                row.send_after = now + _invite_retry_after(row.email_attempts)
            row.save(update_fields=["email_attempts", "last_error", "email_status", "send_after"])
            return "failed" if row.email_status == InviteEmail.EmailStatus.FAILED else "retry"
        row.email_status = InviteEmail.EmailStatus.SENT
        row.emailed_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["email_attempts", "email_status", "emailed_at", "last_error"])
        return "sent"


def invite_emails_send_due(*, limit: int = 200) -> int:
    """Send the invitations that are due (the queue never delivered them, or the mail
    server failed before); stops at the first failure, leaving the rest for the next
    run. Returns how many were sent."""
    now = timezone.now()
    due = list(
        InviteEmail.objects.filter(
            email_status=InviteEmail.EmailStatus.PENDING, send_after__lte=now
        )
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for invite_email_id in due:
        outcome = invite_email_deliver(invite_email_id=invite_email_id, now=now)
        if outcome in ("retry", "failed"):
            break
        sent += outcome == "sent"
    return sent


# --- Badges ------------------------------------------------------------------------------------


@transaction.atomic
def badge_setting_update(*, member, hide_badges: bool) -> BadgeSetting:
    if member is None or not member.is_authenticated:
        raise PermissionDenied("Sign in to change your badge setting.")
    setting, _ = BadgeSetting.objects.select_for_update().get_or_create(member=member)
    if setting.hide_badges == bool(hide_badges):
        return setting
    setting.hide_badges = bool(hide_badges)
    setting.updated_at = timezone.now()
    setting.save(update_fields=["hide_badges", "updated_at"])
    return setting


# --- Date ranges -------------------------------------------------------------------------------


def date_range_errors(
    date_from: datetime.date | None, date_to: datetime.date | None
) -> dict[str, list[str]]:
    """Reversed or absurd ranges, in words people act on."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is None:
            continue
        if value < EARLIEST_DATE:
            errors[name] = [_("Enter a date from %(day)s onwards.") % {"day": _date(EARLIEST_DATE)}]
        elif value > today + datetime.timedelta(days=366):
            errors[name] = [_("Enter a date no more than a year from today.")]
    if errors:
        return errors
    if date_from and date_to:
        if date_from > date_to:
            errors["date_to"] = [
                _("The end date must be on or after the start date (%(day)s).")
                % {"day": _date(date_from)}
            ]
        elif (date_to - date_from).days > LONGEST_RANGE_DAYS:
            errors["date_to"] = [_("Choose a period of 10 years or less.")]
    return errors


# --- Exports -----------------------------------------------------------------------------------


def _inline_rows() -> int:
    return getattr(settings, "REPORTS_EXPORT_INLINE_ROWS", 5000)


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT + 600)


def export_spec_for(
    *,
    user,
    dataset: str,
    format: str,
    community: Community | None = None,
    campaign=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> exports.ExportSpec:
    """Check who may export what; raises PermissionDenied or ValidationError."""
    if not permissions.can_export(user):
        raise PermissionDenied(
            _("Only platform admins, and organisers for their own communities, can export data.")
        )
    errors: dict[str, list[str]] = {}
    if dataset not in Export.Dataset.values:
        errors["dataset"] = [_("Choose what to export.")]
    if format not in Export.Format.values:
        errors["format"] = [_("Choose CSV or Excel.")]
    errors.update(date_range_errors(date_from, date_to))
    if dataset == Export.Dataset.MEMBERS and campaign is not None:
        errors["campaign"] = [_("Members are not part of a campaign: leave the campaign empty.")]
    if not permissions.is_admin(user):
        if community is None:
            errors["community"] = [_("Choose one of the communities you organise.")]
        elif not can_moderate(user, community):
            raise PermissionDenied(
                _(
                    "You can only export the communities you organise, and %(community)s is "
                    "not one of them."
                )
                % {"community": community.name}
            )
    if errors:
        raise ValidationError(errors)
    return exports.ExportSpec(
        dataset=dataset,
        community=community,
        campaign=campaign,
        date_from=date_from,
        date_to=date_to,
        personal=permissions.can_export_personal_columns(user),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def _filters_key(spec: exports.ExportSpec, format: str) -> str:
    parts = [
        spec.dataset,
        format,
        f"c{spec.community.pk}" if spec.community else "-",
        f"k{spec.campaign.pk}" if spec.campaign else "-",
        spec.date_from.isoformat() if spec.date_from else "-",
        spec.date_to.isoformat() if spec.date_to else "-",
        "p" if spec.personal else "-",
    ]
    return "/".join(parts)


@dataclass
class ExportRequest:
    export: Export
    created: bool
    inline: bool  # small enough to download straight away, without a background job
    spec: exports.ExportSpec


@transaction.atomic
def export_request(*, user, format: str, allow_inline: bool = True, **filters) -> ExportRequest:
    """Ask for an export. Small ones are recorded and downloaded at once; large ones
    become a background job. Asking again while the same export is being prepared
    returns that export rather than starting another."""
    spec = export_spec_for(user=user, format=format, **filters)
    key = _filters_key(spec, format)
    running = (
        Export.objects.select_for_update()
        .filter(requested_by=user, filters_key=key, status__in=Export.ACTIVE_STATUSES)
        .first()
    )
    if running is not None:
        if running.created_at > timezone.now() - _stale_after():
            return ExportRequest(running, created=False, inline=False, spec=spec)
        running.status = Export.Status.FAILED
        running.error = Export.RESTARTED
        running.finished_at = timezone.now()
        running.save(update_fields=["status", "error", "finished_at"])
    fields = {
        "requested_by": user,
        "dataset": spec.dataset,
        "format": format,
        "community": spec.community,
        "campaign": spec.campaign,
        "date_from": spec.date_from,
        "date_to": spec.date_to,
        "include_personal": spec.personal,
        "language": spec.language,
        "filters_key": key,
    }
    total = exports.count(spec)
    if allow_inline and total <= _inline_rows():
        now = timezone.now()
        export = Export.objects.create(
            **fields,
            status=Export.Status.DONE,
            rows_total=total,
            rows_done=total,
            started_at=now,
            finished_at=now,
        )
        return ExportRequest(export, created=True, inline=True, spec=spec)
    try:
        with transaction.atomic():
            export = Export.objects.create(**fields, rows_total=total)
    except IntegrityError:
        # The same request, made at the same moment, won the race: give back that one.
        export = Export.objects.get(
            requested_by=user, filters_key=key, status__in=Export.ACTIVE_STATUSES
        )
        return ExportRequest(export, created=False, inline=False, spec=spec)
    export_id = export.pk
    transaction.on_commit(lambda: _enqueue_export(export_id))
    return ExportRequest(export, created=True, inline=False, spec=spec)


def _enqueue_export(export_id: int) -> None:
    from reports import tasks

    # Unqueued, the export stays queued and start_queued_exports (beat) runs it.
    enqueue(tasks.run_export, export_id)


def export_lock_name(export: Export) -> str:
    """One run at a time for the same export (same member, same filters), whether it is
    the same row redelivered or a new row asked for while an older run still writes."""
    return f"reports-export:{export.requested_by_id}:{export.filters_key}"


def export_run(*, export_id: int) -> Export | None:
    """Write an export's file, showing progress as it goes. A redelivered task finds it
    done and does nothing; while another run writes the same export this one leaves it
    queued (start_queued_exports tries again later) and answers None."""
    export = Export.objects.filter(pk=export_id).only("requested_by_id", "filters_key").first()
    if export is None:
        return None
    with job_lock(export_lock_name(export)) as held:
        if not held:
            return None
        return _export_write(export_id)


def _export_write(export_id: int) -> Export | None:
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("community", "campaign")
            .filter(pk=export_id)
            .first()
        )
        if export is None or not export.is_active:
            return export
        spec = exports.ExportSpec.of(export)
        export.status = Export.Status.RUNNING
        export.started_at = timezone.now()
        export.rows_total = exports.count(spec)
        export.rows_done = 0
        export.save(update_fields=["status", "started_at", "rows_total", "rows_done"])
    name = f"{secrets.token_urlsafe(24)}.{export.format}"
    path = exports.exports_dir() / name
    rows = Export.objects.filter(pk=export.pk)

    def progress(done: int) -> None:
        rows.update(rows_done=done)

    try:
        if export.format == Export.Format.XLSX:
            written = exports.write_xlsx(spec, path, progress)
        else:
            written = exports.write_csv(spec, path, progress)
    except Exception:
        path.unlink(missing_ok=True)
        logger.exception("Export %s failed", export.pk)
        rows.update(
            status=Export.Status.FAILED,
            error=Export.WRITE_FAILED,
            finished_at=timezone.now(),
        )
        raise
    rows.update(
        status=Export.Status.DONE,
        file_name=name,
        rows_done=written,
        rows_total=max(written, export.rows_total),
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


def export_file_path(export: Export):
    if export.status != Export.Status.DONE or not export.file_name:
        return None
    path = exports.exports_dir() / export.file_name
    return path if path.is_file() else None


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete export files kept longer than REPORTS_EXPORT_KEEP_DAYS."""
    now = now or timezone.now()
    keep = datetime.timedelta(days=getattr(settings, "REPORTS_EXPORT_KEEP_DAYS", 7))
    expired = 0
    for export in Export.objects.filter(status=Export.Status.DONE, finished_at__lt=now - keep):
        if export.file_name:
            (exports.exports_dir() / export.file_name).unlink(missing_ok=True)
        Export.objects.filter(pk=export.pk).update(status=Export.Status.EXPIRED, file_name="")
        expired += 1
    return expired


# --- Scheduled summaries ---------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, member, frequency: str, community: Community | None = None
) -> ReportSubscription:
    if not permissions.can_subscribe(member):
        raise PermissionDenied(_("Only platform admins can subscribe to summary emails."))
    if frequency not in ReportSubscription.Frequency.values:
        raise ValidationError({"frequency": [_("Choose weekly or monthly.")]})
    if community is not None and community.status != Community.Status.ACTIVE:
        raise ValidationError(
            {
                "community": [
                    _("%(community)s is not an active community.") % {"community": community.name}
                ]
            }
        )
    existing = ReportSubscription.objects.filter(
        member=member, frequency=frequency, community=community
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ReportSubscription.objects.create(
                member=member, frequency=frequency, community=community
            )
    except IntegrityError:
        return ReportSubscription.objects.get(
            member=member, frequency=frequency, community=community
        )


@transaction.atomic
def subscription_delete(*, subscription: ReportSubscription, actor) -> None:
    if actor is None or not actor.is_authenticated or actor.pk != subscription.member_id:
        raise PermissionDenied(_("You can only stop your own summary emails."))
    ReportSubscription.objects.filter(pk=subscription.pk).delete()


@dataclass
class SummaryPeriod:
    key: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def previous(self) -> SummaryPeriod:
        return summary_period(self.frequency, self.start)

    frequency: str = ReportSubscription.Frequency.WEEKLY


def summary_period(frequency: str, today: datetime.date) -> SummaryPeriod:
    """The last whole week (Monday to Sunday) or calendar month before `today`."""
    if frequency == ReportSubscription.Frequency.MONTHLY:
        end = today.replace(day=1) - datetime.timedelta(days=1)
        start = end.replace(day=1)
        return SummaryPeriod(f"{start:%Y-%m}", start, end, frequency)
    this_monday = today - datetime.timedelta(days=today.weekday())
    start = this_monday - datetime.timedelta(days=7)
    year, week, _weekday = start.isocalendar()
    return SummaryPeriod(
        f"{year}-W{week:02d}", start, this_monday - datetime.timedelta(1), frequency
    )


SUMMARY_METRICS = (
    "pledges_made",
    "co_signs",
    "pledges_completed",
    "people_done",
    "check_ins",
    "stories_published",
    "module_completions",
    "new_members",
)


def summary_rows(*, scope: str, scope_id: int, period: SummaryPeriod) -> list[dict]:
    from reports.selectors import stored_totals

    now = stored_totals(scope=scope, scope_id=scope_id, date_from=period.start, date_to=period.end)
    before = period.previous
    then = stored_totals(scope=scope, scope_id=scope_id, date_from=before.start, date_to=before.end)
    return [
        {
            "label": str(METRIC_LABELS[m]),
            "value": now[m],
            "previous": then[m],
            "change": now[m] - then[m],
        }
        for m in SUMMARY_METRICS
    ]


def _summary_send(subscription: ReportSubscription, period: SummaryPeriod) -> None:
    community = subscription.community
    scope, scope_id = (
        (Scope.COMMUNITY, community.pk) if community is not None else (Scope.PLATFORM, 0)
    )
    what = community.name if community is not None else "Radicals"
    dashboard = (
        reverse("reports:community_dashboard", args=[community.slug])
        if community is not None
        else reverse("reports:dashboard")
    )
    weekly = subscription.frequency == ReportSubscription.Frequency.WEEKLY
    with translation.override(language_of(subscription.member)):
        end = _date(period.end)
        title = (
            _("%(what)s: the week to %(end)s") if weekly else _("%(what)s: the month to %(end)s")
        ) % {"what": what, "end": end}
        _send(
            to=subscription.member.email,
            subject=title,
            template="summary",
            context={
                "title": title,
                "recipient_name": subscription.member.display_name,
                "what": what,
                "weekly": weekly,
                "start": _date(period.start),
                "end": end,
                "rows": summary_rows(scope=scope, scope_id=scope_id, period=period),
                "dashboard_url": settings.SITE_URL
                + dashboard
                + f"?date_from={period.start.isoformat()}&date_to={period.end.isoformat()}",
                "subscriptions_url": settings.SITE_URL + reverse("reports:subscriptions"),
            },
        )


def summaries_send_due(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Send each subscription's summary of the last whole week or month, once: the row is
    locked (SKIP LOCKED) while its email is sent and marked in the same transaction."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < getattr(settings, "REPORTS_SUMMARY_HOUR", 7):
        return 0
    sent = 0
    for frequency in ReportSubscription.Frequency.values:
        period = summary_period(frequency, local.date())
        for _attempt in range(batch):
            with transaction.atomic():
                subscription = (
                    ReportSubscription.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("member", "community")
                    .filter(frequency=frequency, member__is_active=True, member__is_staff=True)
                    .exclude(last_period=period.key)
                    .order_by("id")
                    .first()
                )
                if subscription is None:
                    break
                _summary_send(subscription, period)
                subscription.last_period = period.key
                subscription.last_sent_at = now
                subscription.save(update_fields=["last_period", "last_sent_at"])
                sent += 1
    return sent
