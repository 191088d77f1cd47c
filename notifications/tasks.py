"""Celery tasks for notifications: thin, idempotent, taking ids.

Every task acknowledges late and is rejected back to the queue if its worker dies, and
has time limits. Nothing is ever scheduled with a countdown longer than the Redis
visibility timeout: rows due later wait in the database, and `send_due_notifications`
(beat, every minute) claims them. Retry countdowns are capped by `retry_backoff_max`,
well below the visibility timeout.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from kernel.queue import enqueue_with
from notifications import services
from notifications.emails import TransientEmailError

logger = logging.getLogger(__name__)

RETRY_BACKOFF_MAX = 600  # seconds; must stay below the broker's visibility timeout
COMMON = {"acks_late": True, "reject_on_worker_lost": True}


def _same_queue(task) -> dict:
    """Options that put a follow-up task on the queue this one came from."""
    info = task.request.delivery_info or {}
    queue = info.get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(
    bind=True,
    autoretry_for=(TransientEmailError,),
    retry_backoff=10,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    **COMMON,
)
def send_notification(self, notification_id: int) -> str:
    """Email one notification now, if it still waits. Running it twice sends once."""
    outcome = services.deliver_notification(
        notification_id=notification_id, ignore_schedule=self.request.retries > 0
    )
    return outcome.status


@shared_task(bind=True, soft_time_limit=240, time_limit=300, **COMMON)
def send_due_notifications(self) -> int:
    """Claim a batch of due outbox rows and send them over one mail connection; several
    workers can run it at once without sending anything twice. While rows keep coming
    it queues itself again straight away rather than waiting for beat's next minute."""
    batch = services.send_due_batch(
        limit=settings.NOTIFICATIONS_SEND_BATCH_SIZE, deadline=time.monotonic() + 180
    )
    if batch.error is not None:
        # The mail server is unwell: leave the rest for the next run.
        logger.warning("Stopped sending notifications: %s", batch.error)
        return batch.handled
    if batch.claimed:
        # Beat's next run carries on if the broker is away.
        enqueue_with(self, **_same_queue(self))
    return batch.handled


@shared_task(
    bind=True,
    autoretry_for=(TransientEmailError,),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
    **COMMON,
)
def send_daily_digests(self) -> int:
    """Once the day's digest hour has come, send each member with waiting digest rows
    one email gathering them (at most one digest per member per day)."""
    now = timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFICATIONS_DIGEST_HOUR:
        return 0
    batch = settings.NOTIFICATIONS_SEND_BATCH_SIZE
    deadline = time.monotonic() + 180
    recipient_ids = services.digest_recipient_ids(now=now, day=local.date(), limit=batch)
    sent = 0
    for recipient_id in recipient_ids:
        if time.monotonic() > deadline:
            break
        outcome = services.send_digest(recipient_id=recipient_id, day=local.date(), now=now)
        sent += outcome.status == "sent"
    if len(recipient_ids) == batch:
        enqueue_with(self, **_same_queue(self))
    return sent


@shared_task(bind=True, soft_time_limit=240, time_limit=300, **COMMON)
def send_organiser_digests(self) -> int:
    """On Mondays from the digest hour, make the weekly organiser digest for everyone
    the registered apps name. Runs hourly; once a week's digests are made it returns
    at once."""
    now = timezone.now()
    local = timezone.localtime(now)
    if local.weekday() != 0 or local.hour < settings.NOTIFICATIONS_DIGEST_HOUR:
        return 0
    done_key = f"notifications:organiser-digest:{services.organiser_digest_period(now)}"
    if cache.get(done_key):
        return 0
    made = services.organiser_digests_build(now=now)
    cache.set(done_key, True, timeout=60 * 60 * 24 * 8)
    return made
