"""Members' background jobs: thin and idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from kernel.queue import enqueue
from members import selectors, services

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(**RETRY)
def build_data_export(export_id: int) -> str | None:
    export = services.data_export_build(export_id=export_id)
    return export.status if export is not None else None


@shared_task(**RETRY)
def expire_data_exports() -> int:
    """Hourly: delete expired copies, and build any the queue never delivered."""
    for export_id in selectors.data_exports_stuck():
        enqueue(build_data_export, export_id)
    return services.data_exports_expire()
