"""Background work of the reports app: thin, idempotent tasks taking ids or nothing."""

from __future__ import annotations

import logging

from celery import shared_task

from kernel.queue import enqueue
from reports import follow_ups, rollups, selectors, services

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 3,
}


@shared_task(**RETRY, time_limit=300, soft_time_limit=240)
def rollups_tick() -> dict:
    """Beat, every two minutes: recount the days changed since the last run (and only
    that; badges and the network follow in their own tasks). Skips while another
    recount runs."""
    result = rollups.rollups_tick()
    return {"days": [d.isoformat() for d in result.days], "skipped": result.skipped}


@shared_task(**RETRY, time_limit=300, soft_time_limit=240)
def award_badges() -> list[str]:
    """Beat, every few minutes: the badges earned on the days the tick recounted."""
    return [d.isoformat() for d in follow_ups.badges_follow_up()]


@shared_task(**RETRY, time_limit=600, soft_time_limit=540)
def refresh_network() -> list[str]:
    """Beat, every few minutes: the movement network of the scopes active on the days
    the tick recounted (each scope at most every REPORTS_NETWORK_REFRESH_MINUTES)."""
    return [d.isoformat() for d in follow_ups.network_follow_up()]


@shared_task(**RETRY, time_limit=3600, soft_time_limit=3300)
def rollups_full() -> int:
    """Beat, nightly: recount every day, then award every badge and refresh every
    network scope, and remove export files past their keeping time."""
    follow_ups.nightly_recount()
    return services.exports_expire()


@shared_task(**RETRY, time_limit=3600, soft_time_limit=3300)
def run_export(export_id: int) -> str | None:
    export = services.export_run(export_id=export_id)
    return export.status if export is not None else None


@shared_task(**RETRY, time_limit=60, soft_time_limit=50)
def start_queued_exports() -> int:
    """Beat, every few minutes: queue the exports that were asked for while the broker
    was away (running one twice is harmless: export_run takes a lock and re-checks)."""
    export_ids = selectors.exports_never_started()
    return sum(enqueue(run_export, export_id) for export_id in export_ids)


@shared_task(acks_late=True, time_limit=90, soft_time_limit=60)
def send_invite_email(invite_email_id: int) -> str:
    """Queued when an invitation is saved: email it (a failure leaves it for the sweep)."""
    return services.invite_email_deliver(invite_email_id=invite_email_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def send_invite_emails() -> int:
    """Beat, every minute: the invitations the queue never delivered, or the mail server
    refused before."""
    return services.invite_emails_send_due()


@shared_task(**RETRY, time_limit=600, soft_time_limit=540)
def send_summaries() -> int:
    """Beat, hourly: the weekly and monthly summary emails that are due, each once."""
    return services.summaries_send_due()
