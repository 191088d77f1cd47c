"""The one way any app tells a member something: notify()."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from notifications.models import Kind, Notification


def idempotency_key(*, recipient, kind: str, subject=None, period: str = "") -> str:
    subject_part = f"{subject._meta.label_lower}:{subject.pk}" if subject is not None else "-"
    return f"{recipient.pk}|{kind}|{subject_part}|{period}"


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
) -> tuple[Notification, bool]:
    """Record a notification for `recipient`, once per (recipient, kind, subject, period).

    Returns the notification and whether it was new. Asking again for the same
    key changes nothing, so callers (services and retried tasks) need not check.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    key = idempotency_key(recipient=recipient, kind=kind, subject=subject, period=period)
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
            "send_after": send_after or timezone.now(),
        },
    )
    return notification, created
