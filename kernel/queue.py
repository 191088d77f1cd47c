"""Queueing a Celery task without ever failing the caller.

The broker is a convenience that makes work happen sooner, never the only record of
it: whatever a task does is first written to the database (a pending outbox row, a
queued export), and a beat sweep picks up anything the queue never delivered. So when
the broker cannot be reached, enqueue() logs a warning and answers False instead of
raising, and the request that asked goes on (usually it runs in
`transaction.on_commit`, after the work is safely committed).

A broker that is down answers at once (connection refused), but one that is lost on the
network costs the connect timeout on every publish. So after a failure this process
does not try again for settings.QUEUE_RETRY_AFTER seconds: enqueue() answers False at
once, and the sweeps do that work.
"""

from __future__ import annotations

import logging
import threading
import time

import kombu.exceptions
import redis.exceptions
from django.conf import settings

logger = logging.getLogger(__name__)

# kombu wraps connection failures in OperationalError; a publish that fails half-way
# may surface redis' own errors. Nothing else is caught: a task run eagerly (tests,
# development) raises its own errors as it would in a worker.
BROKER_UNREACHABLE = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

_lock = threading.Lock()
_skip_until = 0.0


def enqueue(task, *args, **kwargs) -> bool:
    """task.delay(*args, **kwargs); False (and a warning in the log) when the broker
    is unreachable, True when the message was handed to it."""
    return enqueue_with(task, args=args, kwargs=kwargs)


def enqueue_with(task, *, args=(), kwargs=None, **options) -> bool:
    """task.apply_async(args, kwargs, **options) (a queue, say), answering as enqueue()."""
    global _skip_until
    name = getattr(task, "name", task)
    if time.monotonic() < _skip_until:
        logger.info("Not queueing %s: the broker failed moments ago.", name)
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, **options)
    except BROKER_UNREACHABLE as error:
        with _lock:
            _skip_until = time.monotonic() + settings.QUEUE_RETRY_AFTER
        logger.warning(
            "Could not queue %s (broker unreachable: %s); a scheduled sweep will do it.",
            name,
            error,
        )
        return False
    return True


def reset() -> None:
    """Forget the last failure (tests, or an operator's shell)."""
    global _skip_until
    with _lock:
        _skip_until = 0.0
