"""What follows a recount: the badges and the movement network of the days the rollups
just recounted, each in its own job (Celery: `reports.tasks`), and all of them at night.

The rollups' tick queues the days it recounted (RollupFollowUp); each job here claims
its own queue under an advisory lock, so two workers never do the same job at once."""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction

from reports import badges, network, rollups
from reports.models import DailyRollup, RollupFollowUp, Scope

logger = logging.getLogger(__name__)

FOLLOW_UP_LOCK = 0x52_61_64_46_6F_6C  # "RadFol"
FOLLOW_UP_BATCH = 5000
_JOB_KEYS = {"badges": 1, "network": 2}


def _touched_scopes(cursor, days: list[datetime.date]) -> set[tuple[str, int]]:
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    cursor.execute(
        f"SELECT DISTINCT scope, scope_id FROM {table} WHERE day = ANY(%s)"  # noqa: S608  # nosec B608
        " AND scope IN ('community', 'campaign')",
        [days],
    )
    return {(scope, scope_id) for scope, scope_id in cursor.fetchall()}


def _claim_follow_ups(cursor, job: str) -> tuple[list[int], list[datetime.date]] | None:
    """This job's queued days, locked for this transaction; None while another run of
    the job holds them."""
    key = FOLLOW_UP_LOCK + _JOB_KEYS[RollupFollowUp.Job(job).value]
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
    if not cursor.fetchone()[0]:
        return None
    table = connection.ops.quote_name(RollupFollowUp._meta.db_table)
    cursor.execute(
        f"SELECT id, day FROM {table} WHERE job = %s ORDER BY id LIMIT %s"  # noqa: S608  # nosec B608
        " FOR UPDATE SKIP LOCKED",
        [job, FOLLOW_UP_BATCH],
    )
    claimed = cursor.fetchall()
    return [row[0] for row in claimed], sorted({row[1] for row in claimed})


def _done_follow_ups(cursor, ids: list[int]) -> None:
    table = connection.ops.quote_name(RollupFollowUp._meta.db_table)
    cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608  # nosec B608


def badges_follow_up() -> list[datetime.date]:
    """Award the badges earned on the days the tick recounted since the last run (and
    the mobiliser badges). Returns those days."""
    with transaction.atomic(), connection.cursor() as cursor:
        claimed = _claim_follow_ups(cursor, RollupFollowUp.Job.BADGES)
        if not claimed or not claimed[0]:
            return []
        ids, days = claimed
        badges.award(days=days)
        _done_follow_ups(cursor, ids)
    return days


def network_follow_up() -> list[datetime.date]:
    """Refresh the movement network of the platform and of every community and campaign
    with figures on the days the tick recounted since the last run (each scope at most
    every REPORTS_NETWORK_REFRESH_MINUTES). Returns those days."""
    with transaction.atomic(), connection.cursor() as cursor:
        claimed = _claim_follow_ups(cursor, RollupFollowUp.Job.NETWORK)
        if not claimed or not claimed[0]:
            return []
        ids, days = claimed
        scopes = {(Scope.PLATFORM.value, 0), *_touched_scopes(cursor, days)}
        network.refresh_scopes(scopes, unless_newer_than=network.tick_refresh_age())
        badges.award_mobilisers()
        _done_follow_ups(cursor, ids)
    return days


def follow_ups_full() -> None:
    """What the nightly job does after the full recount: every badge, every network scope."""
    with transaction.atomic():
        network.refresh_all()
        badges.award(days=None)
    logger.info("Badges awarded and every network scope refreshed")


def nightly_recount() -> None:
    """Everything the nightly job counts: every day and scope, then every badge and
    every network scope. Data loaded in bulk (the demo's movement) is counted by it,
    since no signal marked its days for the tick."""
    rollups.rollups_full()
    follow_ups_full()
