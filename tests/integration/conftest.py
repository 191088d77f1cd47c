"""Fixtures that start real servers beside the test database: a PostgreSQL hot standby
streaming from the test server (the read replica), and the platform's own web servers."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _primary_query(sql: str, params=()):
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _binaries(major: int) -> Path | None:
    """A directory holding pg_basebackup, pg_ctl and postgres of the server's version: the
    system PostgreSQL's, else pgserver's embedded ones."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        candidates.append(
            Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
        )
    try:
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for directory in candidates:
        postgres = directory / "postgres"
        if not all((directory / name).exists() for name in ("pg_basebackup", "pg_ctl", "postgres")):
            continue
        version = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, check=False
        ).stdout
        if f" {major}." in version:
            return directory
    return None


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Standby:
    def __init__(self, *, directory: Path, binaries: Path, port: int, primary: dict):
        self.directory = directory
        self.data = directory / "data"
        self.binaries = binaries
        self.port = port
        self.primary = primary

    def settings_dict(self) -> dict:
        """The primary's test database, as the standby serves it."""
        replica = copy.deepcopy(self.primary)
        replica.update(HOST="127.0.0.1", PORT=str(self.port))
        replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
        replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
        return replica

    def query(self, sql: str, params=()):
        import psycopg2

        with psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.primary["USER"] or "postgres",
            dbname=self.primary["NAME"],
            connect_timeout=2,
        ) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone() if cursor.description else None

    def wait_for_replay(self, timeout: float = 30.0) -> None:
        """Until the standby has replayed everything the primary has committed so far."""
        (lsn,) = _primary_query("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while True:
            try:
                (done,) = self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))
                if done:
                    return
            except Exception:  # noqa: BLE001, S110 - still starting up
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"The standby did not replay {lsn} in {timeout} seconds.")
            time.sleep(0.1)

    def pause_replay(self) -> None:
        self.query("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")


def _start_standby(directory: Path) -> Standby:
    primary = connections["default"].settings_dict
    if (primary.get("HOST") or "") not in LOCAL_HOSTS:
        pytest.skip(f"The test PostgreSQL is not on this machine ({primary['HOST']}).")
    (allowed,) = _primary_query(
        "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user"
    )
    if not allowed:
        pytest.skip("The test database's user may not start a replication connection.")
    (version,) = _primary_query("SHOW server_version_num")
    binaries = _binaries(int(version) // 10000)
    if binaries is None:
        pytest.skip(f"No PostgreSQL {int(version) // 10000} binaries to run a standby with.")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    backup = subprocess.run(
        _as_server_user(
            [
                str(binaries / "pg_basebackup"),
                "-h",
                primary.get("HOST") or "127.0.0.1",
                "-p",
                str(primary.get("PORT") or 5432),
                "-U",
                primary.get("USER") or "postgres",
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if backup.returncode:
        pytest.skip(f"pg_basebackup could not copy the test server: {backup.stderr.strip()}")
    # A hot standby needs at least the primary's limits.
    limits = {
        name: _primary_query(f"SHOW {name}")[0]
        for name in (
            "max_connections",
            "max_worker_processes",
            "max_wal_senders",
            "max_prepared_transactions",
            "max_locks_per_transaction",
        )
    }
    port = free_port()
    config = {
        **limits,
        "port": port,
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{directory}'",
        "hot_standby": "on",
        "shared_buffers": "'16MB'",
        "fsync": "off",
        "logging_collector": "off",
        # Queries on the standby are never cancelled to let replay go on.
        "max_standby_streaming_delay": "-1",
    }
    lines = [f"{name} = {value}" for name, value in config.items()]
    # The copy has no configuration of its own when the primary keeps it outside its data.
    (data / "postgresql.conf").write_text("\n".join(lines) + "\n")
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    for leftover in ("postmaster.pid", "postmaster.opts"):
        (data / leftover).unlink(missing_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(directory)], check=True)
    started = subprocess.run(
        _as_server_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(directory / "standby.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if started.returncode:
        log = (
            (directory / "standby.log").read_text() if (directory / "standby.log").exists() else ""
        )
        pytest.skip(f"The standby did not start: {started.stderr.strip()} {log[-500:]}")
    return Standby(directory=directory, binaries=binaries, port=port, primary=dict(primary))


@pytest.fixture(scope="session")
def standby(django_db_setup, django_db_blocker):
    """A hot standby of the test server, started once the test database exists, and
    caught up with it."""
    directory = Path(tempfile.mkdtemp(prefix="radicals-standby-"))
    server = None
    try:
        with django_db_blocker.unblock():
            server = _start_standby(directory)
            server.wait_for_replay(timeout=120)
        yield server
    finally:
        if server is not None:
            subprocess.run(
                _as_server_user(
                    [
                        str(server.binaries / "pg_ctl"),
                        "-D",
                        str(server.data),
                        "-m",
                        "immediate",
                        "stop",
                    ]
                ),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def replica_database(standby, transactional_db, monkeypatch, django_db_blocker):
    """The "replica" alias pointing at the standby, for one test whose rows are
    committed (so the standby can replay them)."""
    from kernel import replica

    # Django's test case refuses connections to aliases it was not told of when it
    # started; this one is added after it, and only for this test.
    # (pytest-django keeps Django's own method while it blocks database access.)
    real = django_db_blocker._real_ensure_connection
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", real)
    connections.settings[replica.REPLICA] = standby.settings_dict()
    replica.reset()
    try:
        yield standby
    finally:
        standby.resume_replay()
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]
        replica.reset()
