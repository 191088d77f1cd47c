"""Advisory locks that work behind a transaction pooler.

A session-level advisory lock belongs to a server connection, which a pooler in
transaction mode (PgBouncer, DATABASE_POOLED) hands to someone else at the next commit,
and an unlock may land on another connection altogether. So work that spans several
transactions (an export writes its progress as it goes) holds a transaction-level lock
instead, in a transaction of its own on a connection of its own, for as long as the
work runs. When the block ends the transaction does, and if the process dies its
connection closes: either way PostgreSQL lets go of the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg2
from django.db import connection


@contextmanager
def xact_lock_held(*key: int) -> Iterator[bool]:
    """Try to take the advisory lock `key` (one bigint or two ints) and hold it for the
    block; yields whether it was taken (False: someone else holds it)."""
    if len(key) not in (1, 2):
        raise ValueError("An advisory lock key is one bigint or two integers.")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    holder = psycopg2.connect(**params)
    try:
        with holder.cursor() as cursor:
            # psycopg2 opens a transaction with the first statement; it stays open.
            if len(key) == 1:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", key)
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", key)
            locked = cursor.fetchone()[0]
        yield locked
    finally:
        with suppress(psycopg2.Error):
            holder.rollback()
        holder.close()
