"""One run at a time: named PostgreSQL advisory locks for jobs.

    with job_lock("reports-export:12:…") as held:
        if not held:
            return  # another run has it; this one does nothing

The lock is transaction-level (pg_try_advisory_xact_lock), taken in a transaction of
its own on a connection of its own that stays open for the block. So it works behind
PgBouncer in transaction pooling (the open transaction keeps its server connection; a
session-level lock could be taken on one server connection and "released" on another),
it is released however the block ends, even if the process dies (the connection goes),
and the job's own writes commit as they go, so others see its progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (the same in every process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def job_lock(name: str, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Try to take the lock named `name` for the block, without waiting: yields True
    when this run holds it, False when another run does."""
    holder = connections[using].copy()
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(name)])
            held = bool(cursor.fetchone()[0])
        yield held
    finally:
        try:
            holder.rollback()  # ends the transaction, and with it the lock
        finally:
            holder.close()
