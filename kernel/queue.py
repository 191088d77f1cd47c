"""Queueing a Celery task without ever failing the caller.

The broker is a convenience that makes work happen sooner, never the only record of
it: whatever a task does is first written to the database (a pending outbox row, a
queued export), and a beat sweep picks up anything the queue never delivered. So when
the broker cannot be reached, enqueue() logs a warning and answers False instead of
raising, and the request that asked goes on (usually it runs in
`transaction.on_commit`, after the work is safely committed).
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions

logger = logging.getLogger(__name__)

# kombu wraps connection failures in OperationalError; a publish that fails half-way
# may surface redis' own errors. Nothing else is caught: a task run eagerly (tests,
# development) raises its own errors as it would in a worker.
BROKER_UNREACHABLE = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def enqueue(task, *args, **kwargs) -> bool:
    """task.delay(*args, **kwargs); False (and a warning in the log) when the broker
    is unreachable, True when the message was handed to it."""
    return enqueue_with(task, args=args, kwargs=kwargs)


def enqueue_with(task, *, args=(), kwargs=None, **options) -> bool:
    """task.apply_async(args, kwargs, **options) (a queue, say), answering as enqueue()."""
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, **options)
    except BROKER_UNREACHABLE as error:
        logger.warning(
            "Could not queue %s (broker unreachable: %s); a scheduled sweep will do it.",
            getattr(task, "name", task),
            error,
        )
        return False
    return True
