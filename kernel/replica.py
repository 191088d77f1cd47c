"""Heavy reads from a read replica, everything else from the primary.

With DATABASE_REPLICA_URL set, settings.DATABASES has a "replica" alias (a streaming
standby of the primary) and ReplicaRouter is in DATABASE_ROUTERS. Without it there is
no such alias and every query goes to the one database, as before.

What goes to the replica: only reads made inside `reads_from_replica()` (a context
manager and a decorator) — the report dashboards, exports, open data and the network
and rollup reads. Ordinary pages never touch it.

What never does:
- every write (the router sends writes to "default"; raw SQL that changes data is
  noticed on the primary's connection too);
- any read after a write in the same request or task ("pinned": a standby replays the
  primary's changes a moment later, so a request that has just written reads its own
  writes from the primary), and any read inside a transaction on the primary;
- a member's requests for REPLICA_STICKY_SECONDS after they wrote: ReplicaMiddleware
  sets a signed cookie (and, for token clients, a cache stamp) after any request that
  wrote, so whatever a lagging replica has not yet replayed, a member sees their own
  new pledge at once, on any web server.

A replica that cannot be reached (or fails a query) is left alone for
REPLICA_RETRY_AFTER seconds: reads fall back to the primary with a warning in the log,
never an error page. Its connection gives up after REPLICA_CONNECT_TIMEOUT seconds.
`status()` answers the operator's readiness check in fixed words.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError, connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
COOKIE = "radicals_primary"
COOKIE_SALT = "kernel.replica.sticky"

NOT_CONFIGURED = "not configured"
OK = "ok"
UNREACHABLE = "unreachable"

# Statements that change nothing; anything else run on the primary pins the request.
_READ_ONLY_STATEMENTS = (
    "SELECT",
    "SHOW",
    "SET",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK",
    "BEGIN",
    "COMMIT",
    "DECLARE",
    "FETCH",
    "CLOSE",
    "EXPLAIN",
    # kernel.prepared prepares and runs reads only, under names of its own.
    "PREPARE RADICALS_READ_",
    "EXECUTE RADICALS_READ_",
)

# Inside reads_from_replica(): heavy reads may go to the replica.
_heavy = contextvars.ContextVar("kernel.replica.heavy", default=False)
# This request or task has written (or the member wrote moments ago): primary only.
_pinned = contextvars.ContextVar("kernel.replica.pinned", default=False)
# This request or task has written (so the member is sticky for a while).
_wrote = contextvars.ContextVar("kernel.replica.wrote", default=False)
# The request being answered, until its member's recent writes have been looked up (at
# its first marked read, once the API has authenticated the member).
_request = contextvars.ContextVar("kernel.replica.request", default=None)
# A query on the replica failed inside this reads_from_replica() call.
_broke = contextvars.ContextVar("kernel.replica.broke", default=False)

# Errors in the query itself, which the primary would raise as well.
_QUERY_ERRORS = (DataError, IntegrityError, ProgrammingError)

_lock = threading.Lock()
_skip_until = 0.0


def configured() -> bool:
    return REPLICA in connections.settings


def _replica_available() -> bool:
    """True when the replica answers; after a failure, False for REPLICA_RETRY_AFTER
    seconds without trying (so a dead replica costs one connect timeout, not one per
    query)."""
    if time.monotonic() < _skip_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as error:
        replica_failed(error)
        return False
    return True


def replica_failed(error: Exception) -> None:
    """Leave the replica alone for a while, and close its broken connection."""
    global _skip_until
    with _lock:
        _skip_until = time.monotonic() + settings.REPLICA_RETRY_AFTER
    logger.warning(
        "The read replica failed (%s); reading from the primary for %s seconds.",
        error,
        settings.REPLICA_RETRY_AFTER,
    )
    with suppress(DatabaseError):
        connections[REPLICA].close()


def reset() -> None:
    """Forget the last failure (tests, or an operator's shell)."""
    global _skip_until
    with _lock:
        _skip_until = 0.0


def pinned() -> bool:
    return _pinned.get()


def pin() -> None:
    """Every further read of this request or task goes to the primary."""
    _pinned.set(True)


def wrote() -> None:
    """This request or task has written: its reads, and the member's next requests for
    REPLICA_STICKY_SECONDS, read the primary."""
    _pinned.set(True)
    _wrote.set(True)


def read_alias() -> str:
    """The database a read made here should use ("replica" or "default"): what the
    router answers, for raw SQL (`connections[read_alias()].cursor()`)."""
    if not configured() or not _heavy.get() or _pinned.get():
        return PRIMARY
    request = _request.get()
    if request is not None:
        _request.set(None)
        # Looking the member up (their session) is an ordinary read, of the primary.
        heavy = _heavy.set(False)
        try:
            recently = _wrote_recently(request)
        finally:
            _heavy.reset(heavy)
        if recently:
            _pinned.set(True)
            return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        # A transaction on the primary reads what it has written so far.
        return PRIMARY
    return REPLICA if _replica_available() else PRIMARY


class _ReadsFromReplica:
    """`with reads_from_replica():` or `@reads_from_replica()`.

    As a decorator, a function whose reads fail on the replica (it went away in the
    middle) is run again on the primary."""

    def __enter__(self):
        self._token = _heavy.set(True)
        return self

    def __exit__(self, *exc):
        _heavy.reset(self._token)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            token = _heavy.set(True)
            broke = _broke.set(False)
            try:
                return function(*args, **kwargs)
            except DatabaseError:
                if not _broke.get():
                    raise
                # The replica went away mid-way (replica_failed() has logged it and
                # left it alone for a while): the same reads again, from the primary.
                return function(*args, **kwargs)
            finally:
                _broke.reset(broke)
                _heavy.reset(token)

        return wrapped


def reads_from_replica() -> _ReadsFromReplica:
    return _ReadsFromReplica()


class ReplicaRouter:
    """Reads marked heavy go to the replica (when healthy and nothing was written);
    everything else, and every write, goes to the primary."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        wrote()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A standby is read-only: it replays the primary's schema.
        return db == PRIMARY


def _notice_raw_writes(execute, sql, params, many, context):
    if not _wrote.get() and not str(sql)[:40].lstrip().upper().startswith(_READ_ONLY_STATEMENTS):
        wrote()
    return execute(sql, params, many, context)


def _notice_replica_failures(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    except DatabaseError as error:
        if not isinstance(error, _QUERY_ERRORS):
            _broke.set(True)
            replica_failed(error)
        raise


def _watch(sender, connection, **kwargs):
    if connection.alias == PRIMARY and _notice_raw_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_notice_raw_writes)
    if connection.alias == REPLICA and _notice_replica_failures not in connection.execute_wrappers:
        connection.execute_wrappers.append(_notice_replica_failures)


connection_created.connect(_watch, dispatch_uid="kernel.replica.watch")


@contextmanager
def fresh_state(*, request=None):
    """A request or task of its own: nothing written yet. For a request, whether its
    member wrote moments ago is looked up at its first marked read."""
    heavy_token = _heavy.set(False)
    pinned_token = _pinned.set(False)
    wrote_token = _wrote.set(False)
    request_token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(request_token)
        _wrote.reset(wrote_token)
        _pinned.reset(pinned_token)
        _heavy.reset(heavy_token)


def _sticky_key(user_id: int) -> str:
    return f"replica:wrote:{user_id}"


def _wrote_recently(request) -> bool:
    stamp = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
    if stamp is not None:
        try:
            if float(stamp) > time.time():
                return True
        except ValueError:
            pass
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from django.core.cache import cache

        until = cache.get(_sticky_key(user.pk))
        return until is not None and until > time.time()
    return False


def _remember_write(request, response) -> None:
    seconds = settings.REPLICA_STICKY_SECONDS
    until = time.time() + seconds
    response.set_signed_cookie(
        COOKIE,
        str(until),
        salt=COOKIE_SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from django.core.cache import cache

        # A token client keeps no cookie: the stamp reaches every web server. The cache
        # may be down (a miss, then): the cookie still holds for browsers.
        cache.set(_sticky_key(user.pk), until, seconds)


class ReplicaMiddleware:
    """Read-your-writes across requests: a request that wrote marks the member for
    REPLICA_STICKY_SECONDS, and their requests in that window read the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            with fresh_state():
                return self.get_response(request)
        with fresh_state(request=request):
            response = self.get_response(request)
            if _wrote.get() and settings.REPLICA_STICKY_SECONDS > 0:
                _remember_write(request, response)
        return response


def task_started(task=None, **kwargs) -> None:
    """Celery's task_prerun: each task starts unpinned (a worker reuses its thread). A
    task run eagerly is part of the request or task that ran it, and keeps its state."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    _heavy.set(False)
    _pinned.set(False)
    _wrote.set(False)
    _request.set(None)


def status() -> str:
    """ "not configured", "ok" or "unreachable": the replica, for a readiness check."""
    if not configured():
        return NOT_CONFIGURED
    if time.monotonic() < _skip_until:
        return UNREACHABLE
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        replica_failed(error)
        return UNREACHABLE
    return OK
