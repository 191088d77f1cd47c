"""Readiness for operators: is each outside service this platform leans on answering?

Each check answers one fixed word ("ok", "unreachable", "stale", "not configured"),
never an exception's text, which could name hosts, ports or users. The workers are not
pinged from a request (that costs a second and lets anyone knock on every worker);
instead beat runs record_worker_heartbeat() every minute through a worker, and
readiness reads how long ago that last happened.
"""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

OK = "ok"
UNREACHABLE = "unreachable"
STALE = "stale"
NOT_CONFIGURED = "not configured"
# Words that do not make the platform unready.
READY_WORDS = {OK, NOT_CONFIGURED}

HEARTBEAT_KEY = "radicals:worker-heartbeat"
# Short waits: a service that does not answer within this is as good as down.
TIMEOUT_SECONDS = 1


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )


def record_worker_heartbeat(*, now: float | None = None) -> None:
    """Write the time a worker last ran a task (called by the beat-scheduled task)."""
    stamp = time.time() if now is None else now
    # Kept a while past "stale", so an old stamp reads as stale rather than missing.
    _redis(settings.REDIS_URL).set(
        HEARTBEAT_KEY, str(stamp), ex=settings.WORKER_HEARTBEAT_STALE_AFTER * 10
    )


def database_status() -> str:
    return _database_answers("default")


def replica_status() -> str:
    if "replica" not in settings.DATABASES:
        return NOT_CONFIGURED
    return _database_answers("replica", fresh=True)


def _database_answers(alias: str, *, fresh: bool = False) -> str:
    try:
        if fresh:
            # A connection of its own with a short connect timeout: a replica lost on the
            # network must not hold the answer for libpq's default of minutes.
            wrapper = connections[alias]
            params = wrapper.get_connection_params()
            params["connect_timeout"] = TIMEOUT_SECONDS
            raw = wrapper.get_new_connection(params)
            try:
                with raw.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
            finally:
                raw.close()
        else:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure reads as unreachable
        logger.warning("Readiness: database %s unreachable.", alias, exc_info=True)
        return UNREACHABLE
    return OK


def cache_status() -> str:
    try:
        _redis(settings.CACHES["default"]["LOCATION"]).ping()
    except Exception:  # noqa: BLE001
        logger.warning("Readiness: cache unreachable.", exc_info=True)
        return UNREACHABLE
    return OK


def broker_status() -> str:
    from celery import current_app as app

    try:
        with app.connection_for_write() as connection:
            # One try, no pause to retry: an answer in about a second either way.
            connection.ensure_connection(max_retries=0, timeout=TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Readiness: broker unreachable.", exc_info=True)
        return UNREACHABLE
    return OK


def worker_status(*, now: float | None = None) -> str:
    """ "ok" when a worker ran the heartbeat recently, "stale" when it has not (or never
    has), "unreachable" when the heartbeat cannot be read."""
    try:
        stamp = _redis(settings.REDIS_URL).get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        logger.warning("Readiness: worker heartbeat unreadable.", exc_info=True)
        return UNREACHABLE
    if stamp is None:
        return STALE
    try:
        age = (time.time() if now is None else now) - float(stamp)
    except ValueError:
        return STALE
    return OK if age <= settings.WORKER_HEARTBEAT_STALE_AFTER else STALE


CHECKS = {
    "database": database_status,
    "replica": replica_status,
    "cache": cache_status,
    "broker": broker_status,
    "worker": worker_status,
}


def report() -> tuple[bool, dict[str, str]]:
    """(ready, {check: word}): ready when every check is ok or not configured."""
    results = {name: check() for name, check in CHECKS.items()}
    return all(word in READY_WORDS for word in results.values()), results
