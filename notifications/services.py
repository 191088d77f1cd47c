"""The one way any app tells a member something: notify(). And everything that follows:
sending from the outbox, the daily digest, preferences and read state.

Sending is exactly-once per row as far as the database can make it. Every email to a
member is sent under that member's send lock (a PostgreSQL advisory lock), and each row
is marked sent in its own commit as soon as the mail server accepts it. Workers claim
batches of due rows (send_due_batch): a row lock (FOR UPDATE SKIP LOCKED) while
claiming, then the members' locks for the database session, which PostgreSQL drops the
moment a dead worker's connection closes, so its rows are pending and claimable at
once. A redelivered or duplicated single-send task finds the row sent, or the row or
its member busy, and does nothing. At most the one message in flight when a worker
dies can go twice: the server may have accepted it before the mark was made."""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import psycopg2
import psycopg2.extensions
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.queue import enqueue
from notifications import digest_sections, emails, selectors, text, tokens
from notifications.emails import TransientEmailError
from notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Digest,
    Kind,
    Notification,
    NotificationPreference,
)
from notifications.text import Text

logger = logging.getLogger(__name__)
Status = Notification.EmailStatus

# Advisory-lock namespace for "sending email to member N": serialises one member's
# sends so the daily cap cannot be overshot by two workers at once.
_MEMBER_SEND_LOCK = 0x52414400000000


def idempotency_key(*, recipient, kind: str, subject=None, period: str = "") -> str:
    subject_part = f"{subject._meta.label_lower}:{subject.pk}" if subject is not None else "-"
    return f"{recipient.pk}|{kind}|{subject_part}|{period}"


def _send_on_commit(notification_id: int) -> None:
    """Queue the send task once the caller's transaction commits. Robust: a broker
    outage must not undo the caller's work; beat sends the row anyway."""

    def enqueue_send() -> None:
        from notifications.tasks import send_notification

        enqueue(send_notification, notification_id)

    transaction.on_commit(enqueue_send, robust=True)


_NO_ADDRESS = "The member has no active account or email address."

# --- The email rule: whether and how a notice is emailed ---------------------------------
# One rule in two forms side by side: SQL for the one statement that makes the rows
# (notify, notify_many), Python for the send, which may find the member or their
# preference changed since. tests/notifications test that the two agree.
EMAIL_STATUS_OF: dict[str, str] = {
    Delivery.IMMEDIATE: Status.PENDING,
    Delivery.DIGEST: Status.DIGEST,
    Delivery.OFF: Status.SKIPPED,
}
CAN_BE_EMAILED_SQL = "(member.is_active AND member.email <> '')"


def can_be_emailed(member) -> bool:
    return bool(member.is_active and member.email)


def email_status_for(*, member, delivery: str) -> str:
    """A notice's email status: what the member chose for its kind, if they can be emailed."""
    return EMAIL_STATUS_OF[delivery] if can_be_emailed(member) else Status.SKIPPED


def _email_status_sql(preference: str) -> str:
    """`email_status_for` in SQL over the member's row and their preference."""
    whens = " ".join(
        f"WHEN %(delivery_{n})s THEN %(status_{n})s" for n in range(len(EMAIL_STATUS_OF))
    )
    return (
        f"CASE WHEN NOT {CAN_BE_EMAILED_SQL} THEN %(skipped)s "
        f"ELSE CASE coalesce(({preference}), %(default_delivery)s) {whens} END END"
    )


def _email_rule_params(kind: str) -> dict:
    params = {
        "default_delivery": DEFAULT_DELIVERY[kind],
        "no_address": _NO_ADDRESS,
        "skipped": Status.SKIPPED,
    }
    for n, (delivery, status) in enumerate(EMAIL_STATUS_OF.items()):
        params[f"delivery_{n}"] = delivery
        params[f"status_{n}"] = status
    return params


def _member_row_sql(**overrides: str) -> tuple[str, str]:
    """The columns of a new notification and the SELECT list that makes them from the
    member's row (`member`) and their preference for the kind, the rest parameters."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    # The statuses and deliveries are parameters, never spliced in.
    preference = (
        f"SELECT delivery FROM {NotificationPreference._meta.db_table} "  # noqa: S608  # nosec B608
        "WHERE user_id = member.id AND kind = %(kind)s"
    )
    values = {
        "email_status": _email_status_sql(preference),
        "last_error": f"CASE WHEN NOT {CAN_BE_EMAILED_SQL} THEN %(no_address)s ELSE '' END",
        "recipient_id": "member.id",
        **overrides,
    }
    names = ", ".join(f.column for f in fields)
    selected = ", ".join(values.get(f.column, f"%({f.column})s") for f in fields)
    return names, selected


@functools.cache
def _notify_many_sql() -> str:
    table = Notification._meta.db_table
    # Each member's idempotency key is theirs: "<id>|<kind>|<subject>|<period>".
    names, selected = _member_row_sql(idempotency_key="member.id::text || %(key_suffix)s")
    # Table and column names come from our own model; values are parameters.
    return (
        f"INSERT INTO {table} ({names}) "  # noqa: S608  # nosec B608
        f"SELECT {selected} FROM {get_user_model()._meta.db_table} AS member "
        "WHERE member.id = ANY(%(recipient_ids)s) "
        "ON CONFLICT (idempotency_key) DO NOTHING "
        "RETURNING email_status"
    )


def _words(*, title, body, data: dict | None) -> tuple[str, str, object]:
    """The title and body columns (English) and the data column holding the other
    languages' words (notifications/text.py), ready for the SQL."""
    title, body, others = text.in_every_language(title=title, body=body)
    data = {**(data or {}), text.TEXTS: others} if others else (data or {})
    return (
        title[:200],
        body,
        Notification._meta.get_field("data").get_db_prep_value(data, connection),
    )


def _kick_sender_on_commit() -> None:
    """Once the caller's transaction commits, start one sending run (which goes on while
    rows keep coming); if the broker is away, beat's run each minute sends them."""

    def kick() -> None:
        from notifications.tasks import send_due_notifications

        enqueue(send_due_notifications)

    transaction.on_commit(kick, robust=True)


def notify_many(
    *,
    kind: str,
    recipient_ids: Iterable[int],
    subject,
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    period: str = "",
    data: dict | None = None,
) -> int:
    """notify() for many members at once (everyone who signed a pledge, say): one
    statement, inside the caller's transaction, so the notices are in the outbox with
    the change they tell of. Members who already have the row are left alone, as
    notify() leaves them. Rows to email now are sent by one run of
    `send_due_notifications` started after the commit, not a task each. Returns how
    many rows were made."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    ids = sorted(set(recipient_ids))
    if not ids:
        return 0
    now = timezone.now()
    subject_part = f"{subject._meta.label_lower}:{subject.pk}"
    title, body, data = _words(title=title, body=body, data=data)
    params = {
        "recipient_ids": ids,
        "key_suffix": f"|{kind}|{subject_part}|{period}",
        "kind": kind,
        **_email_rule_params(kind),
        "subject_type_id": ContentType.objects.get_for_model(subject).pk,
        "subject_id": subject.pk,
        "title": title,
        "body": body,
        "url": url,
        "created_at": now,
        "send_after": now,
        "emailed_at": None,
        "email_attempts": 0,
        "read_at": None,
        "data": data,
        "digest_id": None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_notify_many_sql(), params)
        statuses = [row[0] for row in cursor.fetchall()]
    if Status.PENDING in statuses:
        _kick_sender_on_commit()
    return len(statuses)


@functools.cache
def _notify_sql(*, update_body: bool) -> tuple[str, list]:
    """One statement that makes the row, or finds (and, asked to, refreshes) it, and
    the model fields its columns come back in.

    The email status comes from the member's row and their preference for the kind,
    read in the same statement. A row that already exists is returned by the second
    SELECT, which sees it unless it was committed by someone else while this statement
    ran (two requests asking for the same key at once): notify() then reads it again."""
    table = Notification._meta.db_table
    columns = [f.column for f in Notification._meta.concrete_fields]
    returning = ", ".join(columns)
    # Table and column names come from our own model; no input is spliced into the SQL.
    # A rewritten body brings its other languages' words (data's "texts") with it; the
    # row's other facts stay as they were.
    texts = f"'{text.TEXTS}'"
    on_conflict = (
        f"DO UPDATE SET body = EXCLUDED.body, data = CASE WHEN EXCLUDED.data ? {texts} "  # nosec B608
        f"THEN {table}.data || jsonb_build_object({texts}, EXCLUDED.data -> {texts}) "
        f"ELSE {table}.data - {texts} END "
        f"WHERE ({table}.body, {table}.data -> {texts}) "
        f"IS DISTINCT FROM (EXCLUDED.body, EXCLUDED.data -> {texts})"
        if update_body
        else "DO NOTHING"
    )
    names, selected = _member_row_sql()
    sql = (
        f"WITH made AS (INSERT INTO {table} ({names}) "  # noqa: S608  # nosec B608
        f"SELECT {selected} FROM {get_user_model()._meta.db_table} AS member "
        "WHERE member.id = %(recipient_id)s "
        f"ON CONFLICT (idempotency_key) {on_conflict} "
        f"RETURNING {returning}, xmax = 0 AS created) "
        "SELECT * FROM made UNION ALL "
        f"SELECT {returning}, false FROM {table} "
        "WHERE idempotency_key = %(idempotency_key)s AND NOT EXISTS (SELECT FROM made)"
    )
    return sql, list(Notification._meta.concrete_fields)


def notify(
    *,
    kind: str,
    recipient,
    subject=None,
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    period: str = "",
    send_after: datetime | None = None,
    data: dict | None = None,
    update_body: bool = False,
) -> tuple[Notification, bool]:
    """Record a notification for `recipient`, once per (recipient, kind, subject, period).

    Returns the notification and whether it was new. Asking again for the same
    key changes nothing (but its body, with `update_body`: a running count, say), so
    callers (services and retried tasks) need not check.

    The member's preference for the kind decides the email: straight away (the row is
    pending and, when due now, a send task is queued once the caller's transaction
    commits), in the daily digest, or not at all (it still shows in the app). Rows due
    later wait in the database for the beat task `send_due_notifications`. `data`
    holds extra facts the email templates show (for example {"signers": 12}).

    One statement, whatever happens: it runs inside web requests (every co-signature).
    Only the recipient's id is read from `recipient`; whether the member can be emailed
    is read from the database in the same statement.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    key = idempotency_key(recipient=recipient, kind=kind, subject=subject, period=period)
    now = timezone.now()
    title, body, data = _words(title=title, body=body, data=data)
    sql, returned_fields = _notify_sql(update_body=update_body)
    params = {
        "recipient_id": recipient.pk,
        "kind": kind,
        **_email_rule_params(kind),
        "idempotency_key": key,
        "subject_type_id": (
            ContentType.objects.get_for_model(subject).pk if subject is not None else None
        ),
        "subject_id": subject.pk if subject is not None else None,
        "title": title,
        "body": body,
        "url": url,
        "created_at": now,
        "send_after": send_after or now,
        "emailed_at": None,
        "email_attempts": 0,
        "read_at": None,
        "data": data,
        "digest_id": None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        if not type(recipient).objects.filter(pk=recipient.pk).exists():
            raise ValueError(f"No member {recipient.pk} to notify.")
        # Made by a concurrent request after this statement began.
        return Notification.objects.get(idempotency_key=key), False
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(returned_fields, row, strict=False)
    ]
    notification = Notification.from_db(
        connection.alias, [field.attname for field in returned_fields], values
    )
    created = row[-1]
    if created and notification.email_status == Status.PENDING and notification.send_after <= now:
        _send_on_commit(notification.pk)
    return notification, created


# --- Sending ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # what happened: sent, skipped, digest, failed, retry, busy, done, not_due
    notification_id: int | None = None


@dataclass
class Batch:
    """What one send_due_batch() did: rows claimed, what became of each, and the mail
    server problem that stopped it early, if any."""

    claimed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    error: Exception | None = None

    @property
    def handled(self) -> int:
        return len(self.outcomes)


def _member_lock_key(user_id: int) -> int:
    return _MEMBER_SEND_LOCK + user_id


def _lock_member_sends(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_member_lock_key(user_id)])


def _try_lock_member_sends(user_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_member_lock_key(user_id)])
        return cursor.fetchone()[0]


_LOCK_MEMBERS = "SELECT k - %s FROM unnest(%s::bigint[]) AS k WHERE pg_try_advisory_lock(k)"
# Behind a transaction pooler (DATABASE_POOLED) a session lock would stay with a server
# connection someone else now has: the locks are transaction-level there, held in a
# transaction kept open for the batch (see _MemberLockHolder).
_LOCK_MEMBERS_XACT = (
    "SELECT k - %s FROM unnest(%s::bigint[]) AS k WHERE pg_try_advisory_xact_lock(k)"
)
_UNLOCK_MEMBERS = "SELECT pg_advisory_unlock(k) FROM unnest(%s::bigint[]) AS k"


def _claim_members(user_ids: Iterable[int]) -> set[int]:
    """Take the send lock of each member no one else is emailing, for this database
    session (not the transaction): it outlives the claim's commit, and PostgreSQL drops
    it the moment a dead worker's connection closes. Behind a pooler the lock is the
    transaction's, and the caller's transaction (this runs inside one) lets it go."""
    sql = _LOCK_MEMBERS_XACT if settings.DATABASE_POOLED else _LOCK_MEMBERS
    with connection.cursor() as cursor:
        cursor.execute(sql, [_MEMBER_SEND_LOCK, [_member_lock_key(pk) for pk in user_ids]])
        return {row[0] for row in cursor.fetchall()}


def _release_members(user_ids: Iterable[int]) -> None:
    keys = [_member_lock_key(pk) for pk in user_ids]
    if not keys or settings.DATABASE_POOLED:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(_UNLOCK_MEMBERS, [keys])
    except DatabaseError:
        # Closing the session is the other way to let go of its locks.
        logger.exception("Could not release member send locks; closing the connection")
        connection.close()


# Members whose send lock another session holds in this database: a worker's claimed
# batch, a digest being sent, or a single send. Bigint advisory keys show in pg_locks as
# classid (high 32 bits) and objid (low 32 bits) with objsubid 1.
_MEMBERS_BEING_SENT = (
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
    "AND classid = %s AND granted AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _members_being_sent() -> RawSQL:
    # A fixed statement with its one value passed as a parameter.
    return RawSQL(_MEMBERS_BEING_SENT, [_MEMBER_SEND_LOCK >> 32])  # noqa: S611  # nosec B611


def retry_delay(attempts: int) -> timedelta:
    """How long a row waits in the database before beat tries a failed send again."""
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def _pause_before_send() -> None:
    delay = settings.NOTIFICATIONS_SEND_DELAY_SECONDS
    if delay > 0:
        time.sleep(delay)


def _hold_back(notification: Notification, *, delivery: str, sent_today: int) -> Outcome | None:
    """Record why the row is not emailed now (no address, the member's preference, the
    daily cap) and say so; None when it is to be sent. The caller holds the member's
    send lock, so `sent_today` cannot change under it."""
    pk = notification.pk
    recipient = notification.recipient
    if not can_be_emailed(recipient):
        notification.email_status = Status.SKIPPED
        notification.last_error = _NO_ADDRESS
        notification.save(update_fields=["email_status", "last_error"])
        return Outcome("skipped", pk)
    # The preference may have changed since the row was made (an unsubscribe, say).
    status = email_status_for(member=recipient, delivery=delivery)
    if status != Status.PENDING:
        notification.email_status = status
        notification.save(update_fields=["email_status"])
        return Outcome(notification.email_status, pk)
    if sent_today >= settings.NOTIFICATIONS_EMAIL_DAILY_CAP:
        notification.email_status = Status.DIGEST
        notification.last_error = "Daily email limit reached: waits for the daily digest."
        notification.save(update_fields=["email_status", "last_error"])
        return Outcome("digest", pk)
    return None


_MARK_SENT = (
    # Our own table's name; every value is a parameter.
    f"UPDATE {Notification._meta.db_table} SET email_status = %s, emailed_at = %s, "  # noqa: S608  # nosec B608
    "email_attempts = email_attempts + 1, last_error = '' WHERE id = %s"
)


def _mark_sent(notification_id: int, *, at: datetime) -> None:
    # Plain SQL: once per email, and the ORM's update() cost more than the statement.
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SENT, [Status.SENT, at, notification_id])


class _SyncRecorder:
    """Member locks and sent marks on Django's own connection, each mark committed
    before the next email goes. Used inside a transaction (tests, a caller's atomic
    block), where another connection could not see the rows."""

    def lock(self, user_ids: Iterable[int]) -> set[int]:
        return _claim_members(user_ids)

    def mark_sent(self, notification_id: int, *, at: datetime) -> None:
        _mark_sent(notification_id, at=at)

    def release(self, user_ids: Iterable[int]) -> None:
        _release_members(user_ids)


class _PipelinedRecorder:
    """Member locks and sent marks on a database connection of the batch's own, where
    a mark need not be waited for before the next email goes.

    mark_sent() sends the UPDATE and returns once the statement has left this process,
    and reads its result just before the next mark. So the database commits the
    previous mark while the next email is on its way, and a worker killed at any point
    still has every accepted email but the one in flight marked: PostgreSQL runs a
    statement it has received even if the client has gone.

    The member locks live on this connection too, so when it ends (a worker killed)
    they go only after the statements it had sent: no other worker can claim a member
    whose last email's mark is still on its way in."""

    def __init__(self):
        params = {**connection.get_connection_params(), "async_": True}
        params.pop("cursor_factory", None)
        self._connection = psycopg2.connect(**params)
        self._wait()
        self._cursor = self._connection.cursor()
        self._in_flight = False
        self._holder = _MemberLockHolder() if settings.DATABASE_POOLED else None

    def _wait(self) -> None:
        fileno = self._connection.fileno()
        while True:
            state = self._connection.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            if state == psycopg2.extensions.POLL_READ:
                select.select([fileno], [], [])
            else:
                select.select([], [fileno], [])

    def _run(self, sql: str, params: list) -> list[tuple]:
        self.flush()
        self._cursor.execute(sql, params)
        self._wait()
        return self._cursor.fetchall()

    def lock(self, user_ids: Iterable[int]) -> set[int]:
        keys = [_member_lock_key(pk) for pk in user_ids]
        if self._holder is not None:
            return self._holder.lock(keys)
        return {row[0] for row in self._run(_LOCK_MEMBERS, [_MEMBER_SEND_LOCK, keys])}

    def mark_sent(self, notification_id: int, *, at: datetime) -> None:
        self.flush()
        self._cursor.execute(_MARK_SENT, [Status.SENT, at, notification_id])
        fileno = self._connection.fileno()
        while self._connection.poll() == psycopg2.extensions.POLL_WRITE:
            select.select([], [fileno], [])
        self._in_flight = True

    def flush(self) -> None:
        """Wait until every mark sent so far is committed."""
        if self._in_flight:
            self._in_flight = False
            self._wait()

    def release(self, user_ids: Iterable[int]) -> None:
        try:
            self.flush()
            if self._holder is None:
                self._run(_UNLOCK_MEMBERS, [[_member_lock_key(pk) for pk in user_ids]])
        finally:
            # Closing lets go of anything still held.
            self._connection.close()
            if self._holder is not None:
                self._holder.close()


class _MemberLockHolder:
    """Behind a transaction pooler: the batch's member locks, transaction-level, in a
    transaction held open on a connection of their own until the batch ends (or the
    worker dies and the connection with it). Unlike the session locks they may go
    before the last mark is in, so a killed worker can still send the one email in
    flight twice, as without a pooler, and no more."""

    def __init__(self):
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        self._connection = psycopg2.connect(**params)

    def lock(self, keys: list[int]) -> set[int]:
        with self._connection.cursor() as cursor:
            cursor.execute(_LOCK_MEMBERS_XACT, [_MEMBER_SEND_LOCK, keys])
            return {row[0] for row in cursor.fetchall()}

    def close(self) -> None:
        with contextlib.suppress(psycopg2.Error):
            self._connection.rollback()
        self._connection.close()


def _send(
    notification: Notification, *, now: datetime, mailer=None, recorder=None
) -> tuple[Outcome, Exception | None]:
    """Email one row and record the result. With `mailer` (an open mail connection) the
    message goes over it; the row is marked sent as soon as the server accepts it."""
    pk = notification.pk
    _pause_before_send()
    try:
        message = emails.notification_message(notification)
        if mailer is None:
            message.send(fail_silently=False)
        else:
            emails.send_over(mailer, message)
    except Exception as exc:
        notification.email_attempts += 1
        notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
        fields = ["email_attempts", "last_error", "email_status", "send_after"]
        transient = emails.is_transient(exc)
        if transient and notification.email_attempts < settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS:
            notification.send_after = now + retry_delay(notification.email_attempts)
            notification.save(update_fields=fields)
            logger.warning("Email for notification %s failed, will retry: %s", pk, exc)
            return Outcome("retry", pk), exc
        notification.email_status = Status.FAILED
        notification.save(update_fields=fields)
        logger.error("Email for notification %s failed for good: %s", pk, exc)
        return Outcome("failed", pk), None
    (recorder or _SyncRecorder()).mark_sent(pk, at=timezone.now())
    notification.email_status = Status.SENT
    return Outcome("sent", pk), None


def _locked_rows():
    # of=("self",): lock the outbox row only, never the member.
    return Notification.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "recipient"
    )


def deliver_notification(*, notification_id: int, ignore_schedule: bool = False) -> Outcome:
    """Send one notification's email if it is still waiting; safe to call any number
    of times. Raises TransientEmailError (after recording the attempt) when the mail
    server should be tried again later.

    "busy" means another worker holds the row or is emailing the member right now; the
    row stays pending for that worker or the next beat run."""
    error = None
    with transaction.atomic():
        notification = _locked_rows().filter(pk=notification_id).first()
        if notification is None:
            exists = Notification.objects.filter(pk=notification_id).exists()
            # Locked: another worker is sending it right now.
            return Outcome("busy" if exists else "missing", notification_id)
        now = timezone.now()
        if notification.email_status != Status.PENDING:
            return Outcome("done", notification_id)
        if notification.send_after > now and not ignore_schedule:
            return Outcome("not_due", notification_id)
        # Never wait for the member's lock while holding the row: a batch holding the
        # member may be about to mark this very row sent.
        if not _try_lock_member_sends(notification.recipient_id):
            return Outcome("busy", notification_id)
        outcome = _hold_back(
            notification,
            delivery=selectors.delivery_for(user=notification.recipient, kind=notification.kind),
            sent_today=selectors.emails_sent_today(user=notification.recipient, now=now),
        )
        if outcome is None:
            outcome, error = _send(notification, now=now)
    if error is not None:
        raise TransientEmailError(str(error)) from error
    return outcome


def _close_quietly(mailer) -> None:
    # Every accepted message is already recorded; a connection that will not close
    # politely (QUIT refused, reset) changes nothing.
    with contextlib.suppress(Exception):
        mailer.close()


def _claim_due(*, now: datetime, limit: int):
    """The next due pending rows whose members no one else is emailing, with those
    members' send locks taken, and the recorder that holds the locks. The row locks
    (SKIP LOCKED) keep two claims apart only until this commits; the member locks keep
    them apart from then on."""
    # Inside a caller's transaction another connection could not see the rows.
    pipelined = not connection.in_atomic_block
    recorder = None
    locked: set[int] = set()
    try:
        with transaction.atomic():
            rows = list(
                _locked_rows()
                .filter(email_status=Status.PENDING, send_after__lte=now)
                .exclude(recipient_id__in=_members_being_sent())
                .order_by("send_after", "pk")[:limit]
            )
            if rows:
                recorder = _PipelinedRecorder() if pipelined else _SyncRecorder()
                locked = recorder.lock({n.recipient_id for n in rows})
    except BaseException:
        if recorder is not None:
            recorder.release(locked)
        raise
    return [n for n in rows if n.recipient_id in locked], recorder


def send_due_batch(
    *, limit: int, now: datetime | None = None, deadline: float | None = None
) -> Batch:
    """Claim up to `limit` due outbox rows and email them over one connection to the
    mail server, oldest first. Several workers can run it at once: each claims other
    members' rows.

    Each row is marked sent, in its own commit, as soon as the server accepts its
    message (the commit overlapping the next email; see _PipelinedRecorder), so a
    worker that dies mid-batch leaves the rest pending (its member locks go with its
    connection) and the next claim sends them; at most the one message in flight when
    it died can go twice. Preferences and today's email counts are read
    once for the batch, under the member locks, so the daily cap holds however many of
    a member's rows the batch has.

    A passing mail server problem stops the batch (the rest stay pending for the next
    run) unless it came on a connection that had already carried messages: then it is
    likely the server closing a long-used connection, and the batch goes on over a new
    one. Stops taking new rows once `deadline` (time.monotonic()) has passed.
    """
    now = now or timezone.now()
    batch = Batch()
    rows, recorder = _claim_due(now=now, limit=limit)
    batch.claimed = len(rows)
    if not rows:
        if recorder is not None:
            recorder.release([])
        return batch
    members = sorted({n.recipient_id for n in rows})
    try:
        deliveries = selectors.deliveries_for(user_ids=members, kinds={n.kind for n in rows})
        sent_today = selectors.emails_sent_today_by_member(user_ids=members, now=now)
        mailer = get_connection(fail_silently=False)
        carried = 0  # messages the current connection has carried
        try:
            for notification in rows:
                if deadline is not None and time.monotonic() > deadline:
                    break
                member = notification.recipient_id
                outcome = _hold_back(
                    notification,
                    delivery=deliveries.get(
                        (member, notification.kind), DEFAULT_DELIVERY[notification.kind]
                    ),
                    sent_today=sent_today.get(member, 0),
                )
                error = None
                if outcome is None:
                    outcome, error = _send(notification, now=now, mailer=mailer, recorder=recorder)
                if outcome.status == "sent":
                    sent_today[member] = sent_today.get(member, 0) + 1
                    carried += 1
                if error is not None:
                    _close_quietly(mailer)
                    if not carried:
                        batch.error = error
                        break
                    carried = 0
                batch.outcomes.append(outcome)
        finally:
            _close_quietly(mailer)
    finally:
        # Only once every mark is committed: then another worker may claim them.
        recorder.release(members)
    return batch


def deliver_next_due(*, now: datetime | None = None) -> Outcome | None:
    """Claim the next due pending row no other worker holds, and send it. None when
    nothing is due."""
    batch = send_due_batch(limit=1, now=now)
    if batch.error is not None:
        raise TransientEmailError(str(batch.error)) from batch.error
    return batch.outcomes[0] if batch.outcomes else None


def notification_resend(*, notification: Notification, actor) -> Notification:
    """Put a failed or skipped email back in the outbox (an admin's action)."""
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        if locked.email_status in (Status.PENDING, Status.SENT):
            return locked
        locked.email_status = Status.PENDING
        locked.email_attempts = 0
        locked.send_after = timezone.now()
        locked.last_error = ""
        locked.save(update_fields=["email_status", "email_attempts", "send_after", "last_error"])
        logger.info("%s put notification %s back in the outbox", actor, locked.pk)
        _send_on_commit(locked.pk)
    return locked


# --- Daily digest -------------------------------------------------------------


def digest_recipient_ids(*, now: datetime, day: date, limit: int) -> list[int]:
    """Members with digest rows due and no digest sent (or given up) today."""
    from django.db.models import Exists, OuterRef

    # Sent today, or given up for today after the mail server kept refusing it.
    sent_today = Digest.objects.filter(recipient=OuterRef("recipient"), day=day).filter(
        Q(sent_at__isnull=False) | Q(attempts__gte=settings.NOTIFICATIONS_DIGEST_MAX_ATTEMPTS)
    )
    return list(
        Notification.objects.filter(email_status=Status.DIGEST, send_after__lte=now)
        .filter(~Exists(sent_today))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )


def send_digest(*, recipient_id: int, day: date, now: datetime | None = None) -> Outcome:
    """Send one member the day's digest of everything waiting for it, at most once a day.

    When the mail server itself is away a TransientEmailError rolls everything back, so
    the next run tries again. When it refuses this member's digest for now (a full
    mailbox, a 4xx for the address) the attempt is counted on the day's Digest row and
    the outcome is "retry": the run goes on to the other members, and after
    NOTIFICATIONS_DIGEST_MAX_ATTEMPTS tries this member's rows are marked failed
    ("failed") so they never hold the digests back.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_member_sends(recipient_id)
        digest = Digest.objects.select_for_update().filter(recipient_id=recipient_id, day=day)
        digest = digest.first()
        if digest is not None and digest.sent_at is not None:
            return Outcome("done")
        if digest is not None and digest.attempts >= settings.NOTIFICATIONS_DIGEST_MAX_ATTEMPTS:
            return Outcome("gave_up")
        rows = list(
            _locked_rows()
            .filter(recipient_id=recipient_id, email_status=Status.DIGEST, send_after__lte=now)
            .order_by("created_at", "pk")
        )
        if not rows:
            return Outcome("empty")
        recipient = rows[0].recipient
        preferences = selectors.preferences_for(user=recipient)
        turned_off = [
            n.pk
            for n in rows
            if email_status_for(member=recipient, delivery=preferences[n.kind]) == Status.SKIPPED
        ]
        if turned_off:
            Notification.objects.filter(pk__in=turned_off).update(email_status=Status.SKIPPED)
        rows = [n for n in rows if n.pk not in set(turned_off)]
        if not rows:
            return Outcome("skipped")
        if digest is None:
            digest = Digest.objects.create(recipient_id=recipient_id, day=day)
        _pause_before_send()
        try:
            emails.digest_message(
                recipient=recipient, notifications=rows, digest_id=digest.pk, day=day
            ).send(fail_silently=False)
        except Exception as exc:
            if emails.is_server_unreachable(exc):
                raise TransientEmailError(str(exc)) from exc
            error = f"{type(exc).__name__}: {exc}"[:500]
            digest.attempts += 1
            digest.last_error = error
            digest.save(update_fields=["attempts", "last_error"])
            if (
                emails.is_transient(exc)
                and digest.attempts < settings.NOTIFICATIONS_DIGEST_MAX_ATTEMPTS
            ):
                logger.warning(
                    "Digest for member %s refused for now (attempt %s): %s",
                    recipient_id,
                    digest.attempts,
                    exc,
                )
                return Outcome("retry")
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                email_status=Status.FAILED, last_error=error
            )
            logger.error("Digest for member %s failed for good: %s", recipient_id, exc)
            return Outcome("failed")
        sent_at = timezone.now()
        digest.sent_at = sent_at
        digest.item_count = len(rows)
        digest.save(update_fields=["sent_at", "item_count"])
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
            email_status=Status.SENT, emailed_at=sent_at, digest=digest, last_error=""
        )
    return Outcome("sent")


# --- Weekly organiser digest -----------------------------------------------------


def organiser_digest_period(moment: datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def organiser_digests_build(*, now: datetime | None = None) -> int:
    """Make this week's organiser digest notification for everyone the registered
    apps name, from the sections they supply. Idempotent per ISO week."""
    now = now or timezone.now()
    since = now - timedelta(days=7)
    period = organiser_digest_period(now)
    made = 0
    users = get_user_model().objects.filter(pk__in=digest_sections.recipient_ids(), is_active=True)
    for organiser in users.iterator():
        key = idempotency_key(recipient=organiser, kind=Kind.ORGANISER_DIGEST, period=period)
        if Notification.objects.filter(idempotency_key=key).exists():
            continue
        # The apps write their sections in the organiser's language: the digest is
        # theirs alone, so its facts are stored as they will read them.
        with translation.override(text.language_of(organiser)):
            sections = digest_sections.sections_for(organiser=organiser, since=since, until=now)
            if not sections:
                continue
            summary = "\n\n".join(
                f"{s.title}\n" + "\n".join(f"- {item}" for item in s.items) for s in sections
            )
            written = [s.as_dict() for s in sections]
        first_url = next((s.url for s in sections if s.url), "")
        _, created = notify(
            kind=Kind.ORGANISER_DIGEST,
            recipient=organiser,
            title=gettext_lazy("Your week as an organiser on Radicals"),
            body=summary[:4000],
            url=first_url,
            period=period,
            data={
                "sections": written,
                "since": since.isoformat(),
                "until": now.isoformat(),
            },
        )
        made += int(created)
    return made


# --- Read state ------------------------------------------------------------------


def notification_mark_read(*, member, notification_id: int) -> Notification:
    """Mark one of the member's notifications read (Notification.DoesNotExist if it
    is not theirs). Reading it twice changes nothing."""
    Notification.objects.filter(pk=notification_id, recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    selectors.forget_unread_count(member)
    return selectors.notification_get(user=member, pk=notification_id)


def notifications_mark_all_read(*, member) -> int:
    marked = Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    selectors.forget_unread_count(member)
    return marked


# --- Preferences -------------------------------------------------------------------


def preferences_update(*, member, changes: dict[str, str]) -> dict[str, str]:
    """Set how the member wants some kinds emailed; returns every kind's delivery."""
    errors = {}
    for kind, delivery in changes.items():
        if kind not in Kind.values:
            errors[kind] = _("This is not a kind of notification.")
        elif delivery not in Delivery.values:
            errors[kind] = _("Choose straight away, daily digest or no email.")
    if errors:
        raise ValidationError(errors)
    if changes:
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(user=member, kind=kind, delivery=delivery)
                for kind, delivery in changes.items()
            ],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery", "updated_at"],
        )
    return selectors.preferences_for(user=member)


def unsubscribe(*, member, scope: str) -> list[str]:
    """Turn email off for one kind, for everything now sent in the daily digest
    ("digest"), or for everything ("all"). Returns the kinds now off."""
    if scope == tokens.ALL_SCOPE:
        kinds = list(Kind.values)
    elif scope == tokens.DIGEST_SCOPE:
        current = selectors.preferences_for(user=member)
        kinds = [kind for kind, delivery in current.items() if delivery == Delivery.DIGEST]
    elif scope in Kind.values:
        kinds = [scope]
    else:
        raise ValidationError(_("This is not something you can unsubscribe from."))
    preferences_update(member=member, changes=dict.fromkeys(kinds, Delivery.OFF))
    return kinds


def _without_names(value: str, pattern) -> str:
    """`value` with each of the names matched by `pattern` said as a former member
    (capitalised where a sentence starts)."""

    def former(match) -> str:
        words = _("a former member")
        start = value[: match.start()].rstrip()
        return words[:1].upper() + words[1:] if not start or start[-1] in ".!?:" else words

    return pattern.sub(former, value)


@transaction.atomic
def names_forget(*, member, names: Iterable[str]) -> int:
    """After `member`'s erasure: other members' notifications that named them (in the
    title, the body or the words kept for other languages) say "a former member"
    instead. The notifications themselves stay. Returns how many changed."""
    import re

    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    names = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not names:
        return 0
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE
    )
    mentions = Q()
    for name in names:
        mentions |= Q(title__icontains=name) | Q(body__icontains=name)
        mentions |= Q(data_text__icontains=name)
    rows = (
        Notification.objects.exclude(recipient=member)
        .annotate(data_text=Cast("data", TextField()))
        .filter(mentions)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    changed = 0
    for notification in rows:
        # The stored title and body are in English (text.in_every_language).
        with translation.override(settings.LANGUAGE_CODE):
            title = _without_names(notification.title, pattern)[:200]
            body = _without_names(notification.body, pattern)
        data = notification.data
        texts = (data or {}).get(text.TEXTS)
        if isinstance(texts, dict):
            for language, words in texts.items():
                if isinstance(words, dict):
                    with translation.override(language):
                        for key in ("title", "body"):
                            if isinstance(words.get(key), str):
                                words[key] = _without_names(words[key], pattern)
        notification.title, notification.body, notification.data = title, body, data
        notification.save(update_fields=["title", "body", "data"])
        changed += 1
    return changed


def forget_erased_member(sender, *, member, names, **kwargs) -> None:
    """kernel.signals.member_erased: nothing is ever emailed to an erased account again,
    whatever kind is added later (its address is undeliverable anyway), and other
    members' notices that named them say "a former member"."""
    from notifications.tokens import ALL_SCOPE

    unsubscribe(member=member, scope=ALL_SCOPE)
    names_forget(member=member, names=names)
