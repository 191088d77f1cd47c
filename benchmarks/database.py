"""Where the benchmarks keep their data: a database of its own on the configured server.

The benchmark data set is millions of rows, so it never goes into the development
database or a test database. It lives beside them, on the same server, in
`radicals_bench` (or BENCH_DATABASE_NAME): on the server DATABASE_URL names, or on
the embedded PostgreSQL when DATABASE_URL is not set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_NAME = "radicals_bench"


def bench_database_name() -> str:
    return os.environ.get("BENCH_DATABASE_NAME", DEFAULT_NAME)


def bench_database_url() -> str:
    """DATABASE_URL of the benchmark database (same server and credentials)."""
    name = bench_database_name()
    configured = os.environ.get("DATABASE_URL", "")
    if configured:
        parts = urlsplit(configured)
        return urlunsplit(parts._replace(path=f"/{name}"))
    from radicals import embedded

    host = embedded.postgres_settings()["HOST"]
    return f"postgres://postgres@/{name}?host={quote(host)}"


def _connect_kwargs(url: str, dbname: str | None = None) -> dict:
    """psycopg2.connect() arguments for a postgres:// URL (as django-environ reads it)."""
    import environ

    config = environ.Env.db_url_config(url)
    kwargs = {
        "dbname": dbname or config["NAME"],
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    # A socket directory given as ?host=… arrives among the options.
    kwargs.update(config.get("OPTIONS", {}))
    return {key: value for key, value in kwargs.items() if value not in (None, "")}


def connect(url: str | None = None, *, dbname: str | None = None):
    import psycopg2

    return psycopg2.connect(**_connect_kwargs(url or bench_database_url(), dbname))


def ensure_database() -> str:
    """Create the benchmark database if it is missing; return its URL."""
    from psycopg2 import sql

    url = bench_database_url()
    name = bench_database_name()
    admin = connect(url, dbname="postgres")
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    return url


def vacuum() -> float:
    """VACUUM the benchmark database; the seconds it took. Every run writes and then
    deletes signatures, notices due, marks and sessions, and moves pledges' counters;
    where the server runs without autovacuum (CI's does) those dead rows would pile up
    run after run, and each run would measure a more bloated database than the last.
    Vacuumed first, every run starts from the state a server with autovacuum keeps."""
    started = time.monotonic()
    connection = connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
    finally:
        connection.close()
    return time.monotonic() - started


def database_exists() -> bool:
    name = bench_database_name()
    admin = connect(bench_database_url(), dbname="postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        admin.close()


def bench_environment(**extra: str) -> dict[str, str]:
    """The environment a process serving or working on the benchmark data runs with."""
    env = {**os.environ, "DATABASE_URL": bench_database_url()}
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str] | None = None, quiet: bool = False) -> None:
    """Run a manage.py command against the benchmark database."""
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env or bench_environment(),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
