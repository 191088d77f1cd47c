"""The nudge benchmark: N due emails in the outbox, sent by two Celery worker processes
to an SMTP sink on the loopback (aiosmtpd), counting every message the sink accepts.

The outbox rows are made with COPY (as `notify()` would leave them: pending, due now,
one per member), the workers run `send_due_notifications` exactly as beat would start
it, and the sink keys each message by its Message-ID, which is stable per outbox row:
a message seen twice is a doubled email, a row never seen a lost one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from benchmarks import server

KEY_PREFIX = "bench-nudge|"


class Sink:
    """An SMTP server that only counts: Message-ID of every message it accepted."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = server.free_port()
        self.ids: Counter = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or envelope.content or b""
        header_end = content.find(b"\r\n\r\n")
        head = content[: header_end if header_end >= 0 else len(content)]
        message_id = b""
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                message_id = line[11:].strip()
                break
        now = time.monotonic()
        with self._lock:
            self.ids[message_id] += 1
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 Message accepted for delivery"

    def received(self) -> int:
        with self._lock:
            return sum(self.ids.values())


def make_outbox(count: int) -> tuple[int, int]:
    """`count` pending, due, immediate nudges to distinct members; returns the id range."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM notifications_notification WHERE idempotency_key LIKE %s",
            [KEY_PREFIX + "%"],
        )
        cursor.execute("SELECT id FROM members_user WHERE is_active ORDER BY id")
        members = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT coalesce(max(id), 0) FROM notifications_notification")
        first = cursor.fetchone()[0] + 1
        run = uuid.uuid4().hex[:8]
        # Made over the last few minutes, as a nudge job would have made them, one after
        # another: each row has its own time.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        step = dt.timedelta(minutes=4) / max(count, 1)
        lines = io.StringIO()
        for i in range(count):
            member = members[i % len(members)]
            due = (start + step * i).isoformat()
            lines.write(
                f"{first + i}\t{member}\tpledge_due_soon\t{KEY_PREFIX}{run}|{i}\t"
                f"A pledge you made is due soon\tIt is due in three days. Post a check-in.\t"
                f"/pledges/{1 + i % 1000}/\t{due}\t{due}\tpending\t0\t{{}}\t\n"
            )
        lines.seek(0)
        cursor.cursor.copy_expert(
            "COPY notifications_notification (id, recipient_id, kind, idempotency_key, title, "
            "body, url, created_at, send_after, email_status, email_attempts, data, last_error) "
            "FROM STDIN",
            lines,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('notifications_notification', 'id'), "
            "(SELECT max(id) FROM notifications_notification))"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    return first, first + count - 1


def _status_counts(first: int, last: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email_status, count(*) FROM notifications_notification "
            "WHERE id BETWEEN %s AND %s GROUP BY email_status",
            [first, last],
        )
        return dict(cursor.fetchall())


def _purge_queue(queue: str) -> None:
    import redis

    env = server.environment()
    client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    client.delete(queue)


def run(*, count: int, workers: int = 2, timeout: float = 240.0, log_dir: Path) -> dict:
    first, last = make_outbox(count)
    sink = Sink()
    sink.controller.start()
    queue = f"bench-nudges-{uuid.uuid4().hex[:10]}"
    env = {**server.environment(), "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
    env["EMAIL_TIMEOUT"] = "10"
    groups: list[server.Group] = []
    started = time.monotonic()
    try:
        for n in range(workers):
            groups.append(
                server.Group(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "radicals",
                        "worker",
                        "--pool",
                        "solo",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "--loglevel",
                        "INFO",
                        "-Q",
                        queue,
                        "-n",
                        f"{queue}-{n}@%h",
                    ],
                    env=env,
                    log=log_dir / f"nudge-worker-{n}-{queue}.log",
                )
            )
        # The clock starts once both workers are up (Django set up, queue bound).
        ready_by = time.monotonic() + 120
        while time.monotonic() < ready_by and not all(
            "ready." in group.log.read_text(errors="replace") for group in groups
        ):
            if not all(group.alive() for group in groups):
                raise RuntimeError(f"a nudge worker exited; see {log_dir}")
            time.sleep(0.3)
        from celery import Celery

        broker = Celery(broker=env["CELERY_BROKER_URL"])
        started = time.monotonic()
        for _ in range(workers):
            broker.send_task("notifications.tasks.send_due_notifications", queue=queue)
        deadline = started + timeout
        idle_since = time.monotonic()
        seen = 0
        while time.monotonic() < deadline:
            time.sleep(0.5)
            received = sink.received()
            if received != seen:
                seen, idle_since = received, time.monotonic()
            if len(sink.ids) >= count:
                break
            if time.monotonic() - idle_since > 30:
                break
        # Anything still in flight lands before we count.
        time.sleep(1.0)
    finally:
        for group in groups:
            group.stop()
        _purge_queue(queue)
        with contextlib.suppress(Exception):
            sink.controller.stop()
    statuses = _status_counts(first, last)
    unique = len(sink.ids)
    doubled = sum(n - 1 for n in sink.ids.values() if n > 1)
    elapsed = (sink.last_at or time.monotonic()) - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM notifications_notification WHERE id BETWEEN %s AND %s", [first, last]
        )
    sent = statuses.get("sent", 0)
    return {
        "count": count,
        "workers": workers,
        "seconds": round(elapsed, 2),
        "per_second": round(unique / elapsed, 1) if elapsed > 0 else 0.0,
        "received": sink.received(),
        "unique": unique,
        # Marked sent in the outbox but never reached the mail server.
        "lost": max(sent - unique, 0),
        "doubled": doubled,
        # Still waiting when the time limit came (sent later by beat, not lost).
        "unsent_in_time": count - sent,
        "statuses": statuses,
    }
