"""One run at a time: PostgreSQL advisory locks held per transaction, on a connection
of their own, so they work behind a transaction pooler.

    with job_lock("reports-export:12:…") as held:
        if not held:
            return  # another run has it; this one does nothing

A session-level advisory lock belongs to a server connection, which a pooler in
transaction mode (PgBouncer, DATABASE_POOLED) hands to someone else at the next commit,
and an unlock may land on another connection altogether. So work that spans several
transactions (an export writes its progress as it goes) holds a transaction-level lock
(pg_try_advisory_xact_lock) in a transaction of its own on a connection of its own, for
as long as the work runs. When the block ends the transaction does, and if the process
dies its connection closes: either way PostgreSQL lets go of the lock, and the job's own
writes commit as they go, so others see its progress.
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
def xact_lock_held(*key: int, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Try to take the advisory lock `key` (one bigint or two ints) and hold it for the
    block, without waiting; yields whether it was taken (False: someone else holds it)."""
    if len(key) not in (1, 2):
        raise ValueError("An advisory lock key is one bigint or two integers.")
    holder = connections[using].copy()
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(key))
            cursor.execute(f"SELECT pg_try_advisory_xact_lock({placeholders})", list(key))  # nosec B608
            held = bool(cursor.fetchone()[0])
        yield held
    finally:
        try:
            holder.rollback()  # ends the transaction, and with it the lock
        finally:
            holder.close()


@contextmanager
def job_lock(name: str, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """The lock named `name` (a job and what it works on), as `xact_lock_held`."""
    with xact_lock_held(lock_key(name), using=using) as held:
        yield held
