"""Behind PgBouncer in transaction mode (DATABASE_POOLED): a co-sign, exports in both
formats and the jobs that take advisory locks work, and no lock is left behind on a
server connection that the pooler hands to someone else.

PgBouncer (Debian's `pgbouncer`) runs as a subprocess in front of the test database;
without the binary these tests are skipped."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import psycopg2
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.locks import job_lock
from notifications import services as notification_services
from notifications.models import Notification
from pledges.services import pledge_sign
from reports import exports, rollups
from reports import services as report_services
from reports.models import Export
from tests.factories import PledgeFactory, UserFactory
from tests.notifications.test_worker import pending_nudges

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)
pytestmark = [
    pytest.mark.skipif(
        PGBOUNCER is None,
        reason="PgBouncer is not installed (apt-get install pgbouncer): the pooled tests need it",
    ),
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _direct() -> psycopg2.extensions.connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    direct = psycopg2.connect(**params)
    direct.autocommit = True
    return direct


def _unprivileged_user(host: str | None) -> str:
    """Who PgBouncer runs as: the owner of the server's socket directory when it talks
    to the server through one (the embedded server's is private to its user)."""
    if host and host.startswith("/"):
        return pwd.getpwuid(os.stat(host).st_uid).pw_name
    return "nobody"


@pytest.fixture
def pgbouncer(tmp_path, settings):
    """PgBouncer in transaction mode in front of the test database, and Django's
    connection sent through it with DATABASE_POOLED's settings."""
    db = connection.settings_dict
    port = _free_port()
    target = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']}"
    if db["USER"]:
        target += f" user={db['USER']}"
    if db["PASSWORD"]:
        target += f" password={db['PASSWORD']}"
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n{db['NAME']} = {target}\n\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        "default_pool_size = 4\nmax_client_conn = 50\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        # PgBouncer will not run as root: it drops to an unprivileged user.
        + (f"user = {_unprivileged_user(db['HOST'])}\n" if os.geteuid() == 0 else "")
    )
    log = tmp_path / "pgbouncer.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            [PGBOUNCER, str(config)], stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("PgBouncer did not start: " + log.read_text())
            time.sleep(0.05)

    saved = {key: db.get(key) for key in ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS")}
    connection.close()
    db.update(HOST="127.0.0.1", PORT=str(port), DISABLE_SERVER_SIDE_CURSORS=True)
    settings.DATABASE_POOLED = True
    settings.DATABASE_PREPARED_READS = False  # as DATABASE_POOLED's default makes it
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    settings.MEDIA_ROOT = str(tmp_path / "media")
    try:
        yield port
    finally:
        connection.close()
        db.update(saved)
        process.terminate()
        process.wait(timeout=10)


def _advisory_locks_held() -> int:
    with _direct() as direct, direct.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def test_django_talks_to_the_database_through_pgbouncer(pgbouncer):
    with connection.cursor() as cursor:
        cursor.execute("SHOW port")
        server_port = cursor.fetchone()[0]

    assert connection.settings_dict["PORT"] == str(pgbouncer)
    assert server_port != str(pgbouncer)  # the server behind the pooler answered


def test_a_co_sign_goes_through_the_pooler(pgbouncer):
    pledge = PledgeFactory()
    bob = UserFactory()

    signature = pledge_sign(pledge=pledge, member=bob)

    assert signature.pk
    assert pledge.signatures.filter(member=bob).exists()
    assert _advisory_locks_held() == 0


def test_a_pledges_page_reads_through_the_pooler_unprepared(pgbouncer, client):
    """The reads kernel.prepared would prepare go as text: a statement prepared on one
    server connection would be asked for on another."""
    pledge = PledgeFactory()
    bob = UserFactory()
    client.force_login(bob)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):  # each read its own transaction, on whichever server connection
            assert client.get(pledge.get_absolute_url()).status_code == 200
    sent = [query["sql"] for query in captured.captured_queries]
    assert any("pledges_signature" in sql for sql in sent)  # the page's own reads
    assert not [sql for sql in sent if sql.startswith(("PREPARE", "EXECUTE"))]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_an_export_streams_through_the_pooler_a_page_at_a_time(pgbouncer, monkeypatch, format):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    PledgeFactory.create_batch(5)
    admin = UserFactory(is_staff=True, is_superuser=True)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        # Queued on commit, and run at once: Celery is eager in the tests.
        request = report_services.export_request(user=admin, dataset="pledges", format=format)
        done = report_services.export_run(export_id=request.export.pk)

    assert done.status == Export.Status.DONE and done.rows_done == 5
    if format == "xlsx":
        # Three pages of two rows, none held open on the server between them.
        pages = [sql for sql in statements if sql.endswith("LIMIT 2")]
        assert len(pages) == 3, [sql[-60:] for sql in statements]
    path = report_services.export_file_path(done)
    if format == "csv":
        assert path.read_text(encoding="utf-8-sig").count("\n") == 6
        streamed = list(exports.csv_stream(exports.ExportSpec.of(done)))
        assert len(streamed) >= 2 and b"".join(streamed).count(b"\n") == 6
    else:
        with zipfile.ZipFile(path) as workbook:
            sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        assert sheet.count("<row ") == 6
    assert _advisory_locks_held() == 0


def test_an_export_already_running_elsewhere_is_left_to_that_run(pgbouncer):
    PledgeFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    export = report_services.export_request(user=admin, dataset="pledges", format="csv").export

    with job_lock(report_services.export_lock_name(export)) as locked:
        assert locked
        assert report_services.export_run(export_id=export.pk) is None
    done = report_services.export_run(export_id=export.pk)

    assert done.status == Export.Status.DONE
    assert _advisory_locks_held() == 0


def test_locked_jobs_run_through_the_pooler_and_leave_no_lock_behind(pgbouncer):
    rows = pending_nudges(3)
    PledgeFactory()

    batch = notification_services.send_due_batch(limit=10)
    tick = rollups.rollups_tick()

    assert batch.handled == 3 and len(mail.outbox) == 3
    assert (
        Notification.objects.filter(
            pk__in=[r.pk for r in rows], email_status=Notification.EmailStatus.SENT
        ).count()
        == 3
    )
    assert not tick.skipped
    assert _advisory_locks_held() == 0
