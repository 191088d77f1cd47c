"""The one way any app tells a member something: notify(). And everything that follows:
sending from the outbox, the daily digest, preferences and read state.

Sending is exactly-once per row as far as the database can make it: each email is sent
while its outbox row is locked (SELECT ... FOR UPDATE SKIP LOCKED), and the row is
marked sent in the same transaction. A redelivered or duplicated task finds the row
sent, or locked by the worker sending it, and does nothing. A worker that dies mid-send
rolls the transaction back, so the row is pending again and beat sends it later.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from notifications import digest_sections, emails, selectors, tokens
from notifications.emails import TransientEmailError
from notifications.models import (
    Delivery,
    Digest,
    Kind,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)
Status = Notification.EmailStatus

# Advisory-lock namespace for "sending email to member N": serialises one member's
# sends so the daily cap cannot be overshot by two workers at once.
_MEMBER_SEND_LOCK = 0x52414400000000


def idempotency_key(*, recipient, kind: str, subject=None, period: str = "") -> str:
    subject_part = f"{subject._meta.label_lower}:{subject.pk}" if subject is not None else "-"
    return f"{recipient.pk}|{kind}|{subject_part}|{period}"


def _initial_status(*, recipient, kind: str) -> tuple[str, str]:
    if not recipient.is_active or not recipient.email:
        return Status.SKIPPED, "The member has no active account or email address."
    delivery = selectors.delivery_for(user=recipient, kind=kind)
    if delivery == Delivery.OFF:
        return Status.SKIPPED, ""
    if delivery == Delivery.DIGEST:
        return Status.DIGEST, ""
    return Status.PENDING, ""


def _send_on_commit(notification_id: int) -> None:
    """Queue the send task once the caller's transaction commits. Robust: a broker
    outage must not undo the caller's work; beat sends the row anyway."""

    def enqueue_send() -> None:
        from notifications.tasks import send_notification

        send_notification.delay(notification_id)

    transaction.on_commit(enqueue_send, robust=True)


@transaction.atomic
def notify(
    *,
    kind: str,
    recipient,
    subject=None,
    title: str,
    body: str = "",
    url: str = "",
    period: str = "",
    send_after: datetime | None = None,
    data: dict | None = None,
) -> tuple[Notification, bool]:
    """Record a notification for `recipient`, once per (recipient, kind, subject, period).

    Returns the notification and whether it was new. Asking again for the same
    key changes nothing, so callers (services and retried tasks) need not check.

    The member's preference for the kind decides the email: straight away (the row is
    pending and, when due now, a send task is queued once the caller's transaction
    commits), in the daily digest, or not at all (it still shows in the app). Rows due
    later wait in the database for the beat task `send_due_notifications`. `data`
    holds extra facts the email templates show (for example {"signers": 12}).
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    key = idempotency_key(recipient=recipient, kind=kind, subject=subject, period=period)
    existing = Notification.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    status, reason = _initial_status(recipient=recipient, kind=kind)
    notification, created = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "recipient": recipient,
            "kind": kind,
            "subject_type": (
                ContentType.objects.get_for_model(subject) if subject is not None else None
            ),
            "subject_id": subject.pk if subject is not None else None,
            "title": title[:200],
            "body": body,
            "url": url,
            "send_after": send_after or now,
            "email_status": status,
            "last_error": reason,
            "data": data or {},
        },
    )
    if created and status == Status.PENDING and notification.send_after <= now:
        _send_on_commit(notification.pk)
    return notification, created


# --- Sending ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # what happened: sent, skipped, digest, failed, retry, busy, done, not_due
    notification_id: int | None = None


def _lock_member_sends(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MEMBER_SEND_LOCK + user_id])


def retry_delay(attempts: int) -> timedelta:
    """How long a row waits in the database before beat tries a failed send again."""
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def _pause_before_send() -> None:
    delay = settings.NOTIFICATIONS_SEND_DELAY_SECONDS
    if delay > 0:
        time.sleep(delay)


def _deliver_locked(
    notification: Notification, *, now: datetime, ignore_schedule: bool
) -> tuple[Outcome, Exception | None]:
    """Send one locked outbox row, or decide not to. The caller holds the row lock."""
    pk = notification.pk
    if notification.email_status != Status.PENDING:
        return Outcome("done", pk), None
    if notification.send_after > now and not ignore_schedule:
        return Outcome("not_due", pk), None
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        notification.email_status = Status.SKIPPED
        notification.last_error = "The member has no active account or email address."
        notification.save(update_fields=["email_status", "last_error"])
        return Outcome("skipped", pk), None
    # The preference may have changed since the row was made (an unsubscribe, say).
    delivery = selectors.delivery_for(user=recipient, kind=notification.kind)
    if delivery != Delivery.IMMEDIATE:
        notification.email_status = Status.SKIPPED if delivery == Delivery.OFF else Status.DIGEST
        notification.save(update_fields=["email_status"])
        return Outcome(notification.email_status, pk), None
    _lock_member_sends(recipient.pk)
    if selectors.emails_sent_today(user=recipient, now=now) >= (
        settings.NOTIFICATIONS_EMAIL_DAILY_CAP
    ):
        notification.email_status = Status.DIGEST
        notification.last_error = "Daily email limit reached: waits for the daily digest."
        notification.save(update_fields=["email_status", "last_error"])
        return Outcome("digest", pk), None

    _pause_before_send()
    try:
        emails.notification_message(notification).send(fail_silently=False)
    except Exception as exc:
        notification.email_attempts += 1
        notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
        fields = ["email_attempts", "last_error", "email_status", "send_after"]
        transient = emails.is_transient(exc)
        if transient and notification.email_attempts < settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS:
            notification.send_after = now + retry_delay(notification.email_attempts)
            notification.save(update_fields=fields)
            logger.warning("Email for notification %s failed, will retry: %s", pk, exc)
            return Outcome("retry", pk), exc
        notification.email_status = Status.FAILED
        notification.save(update_fields=fields)
        logger.error("Email for notification %s failed for good: %s", pk, exc)
        return Outcome("failed", pk), None
    notification.email_status = Status.SENT
    notification.emailed_at = timezone.now()
    notification.email_attempts += 1
    notification.last_error = ""
    notification.save(update_fields=["email_status", "emailed_at", "email_attempts", "last_error"])
    return Outcome("sent", pk), None


def _locked_rows():
    # of=("self",): lock the outbox row only, never the member.
    return Notification.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "recipient"
    )


def deliver_notification(*, notification_id: int, ignore_schedule: bool = False) -> Outcome:
    """Send one notification's email if it is still waiting; safe to call any number
    of times. Raises TransientEmailError (after recording the attempt) when the mail
    server should be tried again later."""
    error = None
    with transaction.atomic():
        notification = _locked_rows().filter(pk=notification_id).first()
        if notification is None:
            exists = Notification.objects.filter(pk=notification_id).exists()
            # Locked: another worker is sending it right now.
            return Outcome("busy" if exists else "missing", notification_id)
        outcome, error = _deliver_locked(
            notification, now=timezone.now(), ignore_schedule=ignore_schedule
        )
    if error is not None:
        raise TransientEmailError(str(error)) from error
    return outcome


def deliver_next_due(*, now: datetime | None = None) -> Outcome | None:
    """Claim the next due pending row no other worker holds, and send it. None when
    nothing is due."""
    error = None
    with transaction.atomic():
        now = now or timezone.now()
        notification = (
            _locked_rows()
            .filter(email_status=Status.PENDING, send_after__lte=now)
            .order_by("send_after", "pk")
            .first()
        )
        if notification is None:
            return None
        outcome, error = _deliver_locked(notification, now=now, ignore_schedule=False)
    if error is not None:
        raise TransientEmailError(str(error)) from error
    return outcome


def notification_resend(*, notification: Notification, actor) -> Notification:
    """Put a failed or skipped email back in the outbox (an admin's action)."""
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.email_status in (Status.PENDING, Status.SENT):
            return locked
        locked.email_status = Status.PENDING
        locked.email_attempts = 0
        locked.send_after = timezone.now()
        locked.last_error = ""
        locked.save(update_fields=["email_status", "email_attempts", "send_after", "last_error"])
        logger.info("%s put notification %s back in the outbox", actor, locked.pk)
        _send_on_commit(locked.pk)
    return locked


# --- Daily digest -------------------------------------------------------------


def digest_recipient_ids(*, now: datetime, day: date, limit: int) -> list[int]:
    """Members with digest rows due and no digest sent today."""
    from django.db.models import Exists, OuterRef

    sent_today = Digest.objects.filter(
        recipient=OuterRef("recipient"), day=day, sent_at__isnull=False
    )
    return list(
        Notification.objects.filter(email_status=Status.DIGEST, send_after__lte=now)
        .filter(~Exists(sent_today))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )


def send_digest(*, recipient_id: int, day: date, now: datetime | None = None) -> Outcome:
    """Send one member the day's digest of everything waiting for it, at most once a day.

    A TransientEmailError rolls everything back, so the next run tries again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_member_sends(recipient_id)
        digest = Digest.objects.select_for_update().filter(recipient_id=recipient_id, day=day)
        digest = digest.first()
        if digest is not None and digest.sent_at is not None:
            return Outcome("done")
        rows = list(
            _locked_rows()
            .filter(recipient_id=recipient_id, email_status=Status.DIGEST, send_after__lte=now)
            .order_by("created_at", "pk")
        )
        if not rows:
            return Outcome("empty")
        recipient = rows[0].recipient
        preferences = selectors.preferences_for(user=recipient)
        turned_off = [n.pk for n in rows if preferences[n.kind] == Delivery.OFF]
        if not recipient.is_active or not recipient.email:
            turned_off = [n.pk for n in rows]
        if turned_off:
            Notification.objects.filter(pk__in=turned_off).update(email_status=Status.SKIPPED)
        rows = [n for n in rows if n.pk not in set(turned_off)]
        if not rows:
            return Outcome("skipped")
        if digest is None:
            digest = Digest.objects.create(recipient_id=recipient_id, day=day)
        _pause_before_send()
        try:
            emails.digest_message(
                recipient=recipient, notifications=rows, digest_id=digest.pk, day=day
            ).send(fail_silently=False)
        except Exception as exc:
            if emails.is_transient(exc):
                raise TransientEmailError(str(exc)) from exc
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                email_status=Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500]
            )
            logger.error("Digest for member %s failed for good: %s", recipient_id, exc)
            return Outcome("failed")
        sent_at = timezone.now()
        digest.sent_at = sent_at
        digest.item_count = len(rows)
        digest.save(update_fields=["sent_at", "item_count"])
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
            email_status=Status.SENT, emailed_at=sent_at, digest=digest, last_error=""
        )
    return Outcome("sent")


# --- Weekly organiser digest -----------------------------------------------------


def organiser_digest_period(moment: datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def organiser_digests_build(*, now: datetime | None = None) -> int:
    """Make this week's organiser digest notification for everyone the registered
    apps name, from the sections they supply. Idempotent per ISO week."""
    now = now or timezone.now()
    since = now - timedelta(days=7)
    period = organiser_digest_period(now)
    made = 0
    users = get_user_model().objects.filter(pk__in=digest_sections.recipient_ids(), is_active=True)
    for organiser in users.iterator():
        key = idempotency_key(recipient=organiser, kind=Kind.ORGANISER_DIGEST, period=period)
        if Notification.objects.filter(idempotency_key=key).exists():
            continue
        sections = digest_sections.sections_for(organiser=organiser, since=since, until=now)
        if not sections:
            continue
        summary = "\n\n".join(
            f"{s.title}\n" + "\n".join(f"- {item}" for item in s.items) for s in sections
        )
        first_url = next((s.url for s in sections if s.url), "")
        _, created = notify(
            kind=Kind.ORGANISER_DIGEST,
            recipient=organiser,
            title="Your week as an organiser on Radicals",
            body=summary[:4000],
            url=first_url,
            period=period,
            data={
                "sections": [s.as_dict() for s in sections],
                "since": since.isoformat(),
                "until": now.isoformat(),
            },
        )
        made += int(created)
    return made


# --- Read state ------------------------------------------------------------------


def notification_mark_read(*, member, notification_id: int) -> Notification:
    """Mark one of the member's notifications read (Notification.DoesNotExist if it
    is not theirs). Reading it twice changes nothing."""
    Notification.objects.filter(pk=notification_id, recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return selectors.notification_get(user=member, pk=notification_id)


def notifications_mark_all_read(*, member) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Preferences -------------------------------------------------------------------


def preferences_update(*, member, changes: dict[str, str]) -> dict[str, str]:
    """Set how the member wants some kinds emailed; returns every kind's delivery."""
    errors = {}
    for kind, delivery in changes.items():
        if kind not in Kind.values:
            errors[kind] = "This is not a kind of notification."
        elif delivery not in Delivery.values:
            errors[kind] = "Choose straight away, daily digest or no email."
    if errors:
        raise ValidationError(errors)
    if changes:
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(user=member, kind=kind, delivery=delivery)
                for kind, delivery in changes.items()
            ],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery", "updated_at"],
        )
    return selectors.preferences_for(user=member)


def unsubscribe(*, member, scope: str) -> list[str]:
    """Turn email off for one kind, for everything now sent in the daily digest
    ("digest"), or for everything ("all"). Returns the kinds now off."""
    if scope == tokens.ALL_SCOPE:
        kinds = list(Kind.values)
    elif scope == tokens.DIGEST_SCOPE:
        current = selectors.preferences_for(user=member)
        kinds = [kind for kind, delivery in current.items() if delivery == Delivery.DIGEST]
    elif scope in Kind.values:
        kinds = [scope]
    else:
        raise ValidationError("This is not something you can unsubscribe from.")
    preferences_update(member=member, changes=dict.fromkeys(kinds, Delivery.OFF))
    return kinds
