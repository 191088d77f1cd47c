"""Scheduled and follow-up jobs for pledges: thin, idempotent, taking ids or nothing.

Each finds what is due with a selector and calls a service per pledge or signature;
services lock and re-check, and notify() is keyed, so a job that runs twice (or is
redelivered after a crash) changes nothing more.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from pledges import nudges, selectors, services

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(**RETRY)
def notify_threshold_reached(pledge_id: int) -> int:
    return services.notify_threshold_reached(pledge=pledge_id)


@shared_task(**RETRY)
def tell_authors_about_co_signers() -> int:
    """Every minute (beat): each pledge co-signed since the last run has its author's
    notice of the day's co-signers made or brought up to date."""
    return services.tell_authors_about_co_signers()


@shared_task(**RETRY)
def tell_author_about_co_signers(pledge_id: int, day: str) -> bool:
    """One pledge's notice of a day's co-signers, made or brought up to date (the sweep
    above does this for every pledge co-signed; this runs a message queued for one)."""
    return services.tell_author_about_co_signers(pledge=pledge_id, day=date.fromisoformat(day))


@shared_task(**RETRY)
def notify_threshold_failed(pledge_id: int) -> int:
    return services.notify_threshold_failed(pledge=pledge_id)


@shared_task(**RETRY)
def notify_pledge_lapsed(pledge_id: int) -> int:
    return services.notify_pledge_lapsed(pledge=pledge_id)


def _apply_deadlines(ids) -> int:
    today = timezone.localdate()
    changed = 0
    for pledge_id in list(ids):
        try:
            services.pledge_apply_deadlines(pledge=pledge_id, today=today)
            changed += 1
        except ValidationError as exc:  # changed by someone else in the meantime
            logger.info("Pledge %s left as it is: %s", pledge_id, exc.messages[0])
    return changed


@shared_task(**RETRY)
def expire_threshold_deadlines() -> int:
    """Gathering pledges whose deadline has passed without enough signers fail."""
    return _apply_deadlines(selectors.gathering_past_deadline_ids(today=timezone.localdate()))


@shared_task(**RETRY)
def complete_due_pledges() -> int:
    """Active pledges whose due date has passed are completed."""
    return _apply_deadlines(selectors.active_past_due_ids(today=timezone.localdate()))


@shared_task(**RETRY)
def nudge_due_soon() -> int:
    """Everyone with an open commitment to a pledge due within a few days, once per due
    date (pledges/nudges.py)."""
    return nudges.send_due_soon()


@shared_task(**RETRY)
def nudge_quiet_signers() -> int:
    """Signers of active pledges with no check-in for a fortnight, at most once a week
    (pledges/nudges.py)."""
    return nudges.send_quiet()
