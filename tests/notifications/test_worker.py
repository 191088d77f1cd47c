"""Sending with a real Celery worker process against Redis and the test database.

Each test module run gets its own queue name, so parallel runs never share work. Mail
goes to an SMTP sink (aiosmtpd) in this process, which records every message by the
outbox row it came from. Every wait has a deadline.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from notifications import selectors, tasks
from notifications.models import Delivery, Kind, Notification
from radicals.celery import app
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(__file__).resolve().parents[2]
Status = Notification.EmailStatus


# --- Helpers ---------------------------------------------------------------------------


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


class SmtpSink:
    """An SMTP server on the loopback that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def header_counts(self, name: str) -> Counter:
        with self._lock:
            return Counter(m[name] for m in self.messages if m[name])

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


def _test_database_url() -> str:
    name = connection.settings_dict["NAME"]
    if os.environ.get("DATABASE_URL"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        return urlunsplit(parts._replace(path=f"/{name}"))
    host = settings.DATABASES["default"]["HOST"]
    return f"postgres://postgres@/{name}?host={quote(host)}"


class Worker:
    """`celery worker` in its own process group, consuming one queue."""

    def __init__(
        self,
        *,
        queue: str,
        smtp_port: int,
        log: Path,
        concurrency: int = 1,
        module: str = "celery",
        **env,
    ):
        self.queue, self.log = queue, log
        environment = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "10",
            "DJANGO_DEBUG": "true",
            **{key: str(value) for key, value in env.items()},
        }
        command = [
            sys.executable,
            "-m",
            module,
            "-A",
            "radicals",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        ]
        self._log_handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def outcomes(self, task_ids) -> list[str]:
        """Return values of the given tasks that this worker logged as succeeded, one per
        run (a message delivered twice runs twice under one id)."""
        return [
            line.rsplit(": ", 1)[-1].strip().strip("'")
            for line in self.log_text().splitlines()
            if any(f"[{task_id}] succeeded" in line for task_id in task_ids)
        ]

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_handle.close()


def _purge(queue: str) -> None:
    """Remove this run's queue and any message a killed worker left unacknowledged."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue)
    for tag, raw in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def queue():
    name = f"test-notifications-{uuid.uuid4().hex[:12]}"
    app.conf.task_always_eager = False
    try:
        yield name
    finally:
        app.conf.task_always_eager = True
        _purge(name)


@pytest.fixture
def sink():
    server = SmtpSink()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def workers(queue, sink, tmp_path):
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(
            queue=queue, smtp_port=sink.port, log=tmp_path / f"worker{len(started)}.log", **env
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def pending_nudges(count: int) -> list[Notification]:
    """Outbox rows due now, written straight to the table (notify() would send them in
    this process, which runs Celery eagerly)."""
    members = [UserFactory() for _ in range(count)]
    return [
        Notification.objects.create(
            recipient=member,
            kind=Kind.PLEDGE_DUE_SOON,
            idempotency_key=f"{member.pk}|pledge_due_soon|-|worker-test",
            title=f"Your pledge is due soon ({n})",
            url="/pledges/1/",
            email_status=Status.PENDING,
        )
        for n, member in enumerate(members)
    ]


def sent_count(rows) -> int:
    return Notification.objects.filter(
        pk__in=[r.pk for r in rows], email_status=Status.SENT
    ).count()


# --- Tests --------------------------------------------------------------------------------


def test_a_worker_killed_mid_batch_loses_no_nudge_and_sends_none_twice(workers, queue, sink):
    rows = pending_nudges(6)
    first = workers(NOTIFICATIONS_SEND_DELAY_SECONDS=0.4)
    tasks.send_due_notifications.apply_async(queue=queue)

    # Two emails out; the worker is now pausing before the third, holding its row lock.
    wait_for(lambda: sent_count(rows) >= 2, timeout=30, what="two emails from the first worker")
    first.kill()

    sent_before_restart = sent_count(rows)
    by_row = sink.header_counts("X-Radicals-Notification")
    assert 2 <= sent_before_restart < len(rows), first.log_text()[-3000:]
    assert sum(by_row.values()) == sent_before_restart
    # The row being sent when the worker died is waiting again, not lost or stuck.
    assert Notification.objects.filter(email_status=Status.PENDING).count() == (
        len(rows) - sent_before_restart
    )

    second = workers(NOTIFICATIONS_SEND_DELAY_SECONDS=0.1)
    tasks.send_due_notifications.apply_async(queue=queue)  # as beat does every minute
    wait_for(
        lambda: sent_count(rows) == len(rows), timeout=30, what="every nudge after the restart"
    )

    by_row = sink.header_counts("X-Radicals-Notification")
    assert by_row == Counter({str(r.pk): 1 for r in rows}), second.log_text()[-3000:]
    assert len(sink.messages) == len(rows)


def test_a_worker_killed_while_sending_at_speed_loses_none_and_doubles_at_most_one(
    workers, queue, sink
):
    rows = pending_nudges(300)
    first = workers(NOTIFICATIONS_SEND_DELAY_SECONDS=0.005)
    tasks.send_due_notifications.apply_async(queue=queue)

    wait_for(lambda: sent_count(rows) >= 60, timeout=60, what="sixty emails at speed")
    first.kill()

    # Every row marked sent reached the mail server (none lost)...
    time.sleep(0.5)  # a mark already on its way in is committed by now
    marked = set(
        Notification.objects.filter(
            pk__in=[r.pk for r in rows], email_status=Status.SENT
        ).values_list("pk", flat=True)
    )
    received = sink.header_counts("X-Radicals-Notification")
    assert {str(pk) for pk in marked} <= set(received), first.log_text()[-3000:]
    assert len(marked) < len(rows)

    workers()
    tasks.send_due_notifications.apply_async(queue=queue)
    wait_for(lambda: sent_count(rows) == len(rows), timeout=60, what="the rest after restart")

    # ...and at most the one email in flight when it died went twice.
    received = sink.header_counts("X-Radicals-Notification")
    assert set(received) == {str(r.pk) for r in rows}
    assert sum(n - 1 for n in received.values()) <= 1


def test_the_same_task_delivered_twice_sends_once(workers, queue, sink):
    notification = pending_nudges(1)[0]
    worker = workers(concurrency=2, NOTIFICATIONS_SEND_DELAY_SECONDS=0.5)
    task_id = str(uuid.uuid4())

    # Two copies of one message (a broker redelivery) and a second task for the same row,
    # picked up side by side by two pool processes.
    results = [
        tasks.send_notification.apply_async(args=[notification.pk], queue=queue, task_id=task_id),
        tasks.send_notification.apply_async(args=[notification.pk], queue=queue, task_id=task_id),
        tasks.send_notification.apply_async(args=[notification.pk], queue=queue),
    ]
    ids = {r.id for r in results}

    outcomes = wait_for(
        lambda: len(worker.outcomes(ids)) == 3 and worker.outcomes(ids),
        timeout=30,
        what="the worker to finish all three deliveries",
    )

    assert sink.header_counts("X-Radicals-Notification") == Counter({str(notification.pk): 1})
    assert outcomes.count("sent") == 1, worker.log_text()[-3000:]
    assert set(outcomes) <= {"sent", "busy", "done"}
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == (Status.SENT, 1)


def test_the_daily_digest_groups_each_members_nudges_and_its_unsubscribe_link_works(
    workers, queue, sink
):
    alice, bob = UserFactory(), UserFactory()
    rows = [
        (alice, Kind.STORY_COMMENT, "Comment from Bob"),
        (alice, Kind.STORY_COMMENT, "Comment from Charlie"),
        (alice, Kind.NEW_CO_SIGNERS, "Three more co-signers"),
        (bob, Kind.STORY_REACTION, "Someone was inspired by your story"),
    ]
    for n, (member, kind, title) in enumerate(rows):
        Notification.objects.create(
            recipient=member,
            kind=kind,
            idempotency_key=f"{member.pk}|{kind}|-|{n}",
            title=title,
            url=f"/stories/{n}/",
            email_status=Status.DIGEST,
        )
    worker = workers(NOTIFICATIONS_DIGEST_HOUR=0)

    first = tasks.send_daily_digests.apply_async(queue=queue)
    second = tasks.send_daily_digests.apply_async(queue=queue)  # a duplicate run: no effect
    wait_for(
        lambda: len(worker.outcomes([first.id, second.id])) == 2,
        timeout=30,
        what="both digest runs",
    )

    assert len(sink.messages) == 2, worker.log_text()[-3000:]
    by_recipient = {m["To"]: m for m in sink.messages}
    alice_mail, bob_mail = by_recipient[alice.email], by_recipient[bob.email]
    assert alice_mail["Subject"] == "Your Radicals digest: 3 updates"
    alice_text = alice_mail.get_body(("plain",)).get_content()
    for title in ("Comment from Bob", "Comment from Charlie", "Three more co-signers"):
        assert title in alice_text
    assert "Someone was inspired" not in alice_text
    assert "Someone was inspired by your story" in bob_mail.get_body(("plain",)).get_content()
    assert alice_mail.get_body(("html",)) is not None
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Status.SENT}

    # The one-click link from the real email, posted as a mail provider would.
    assert alice_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = urlsplit(str(alice_mail["List-Unsubscribe"]).strip().strip("<>")).path
    mail_provider = Client(enforce_csrf_checks=True)
    form = "List-Unsubscribe=One-Click"
    kind = "application/x-www-form-urlencoded"

    forged = path.replace(":", ":x", 1)
    assert mail_provider.post(forged, form, content_type=kind).status_code == 400
    expired_at = timezone.now().timestamp() + settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=expired_at):
        assert mail_provider.post(path, form, content_type=kind).status_code == 400
    assert selectors.delivery_for(user=alice, kind=Kind.STORY_COMMENT) == Delivery.DIGEST

    assert mail_provider.post(path, form, content_type=kind).status_code == 200
    assert selectors.delivery_for(user=alice, kind=Kind.STORY_COMMENT) == Delivery.OFF
    assert selectors.delivery_for(user=alice, kind=Kind.PLEDGE_DUE_SOON) == Delivery.IMMEDIATE
    assert selectors.delivery_for(user=bob, kind=Kind.STORY_COMMENT) == Delivery.DIGEST
