"""The processes a benchmark run starts: gunicorn serving the real app, Celery workers,
and wrk. Every one runs in its own process group and is killed with its children when
the run ends, however it ends."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks import database

BASE_DIR = database.BASE_DIR
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
BENCH_SECRET_KEY = "benchmark-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
# A statement the app's server runs for longer than this is cancelled (the request
# fails and counts as an error), so one slow plan cannot hold a run, or the shared
# database, for minutes. 0 turns the guard off.
STATEMENT_TIMEOUT_MS = int(os.environ.get("BENCH_STATEMENT_TIMEOUT_MS", 5_000))
BROKER_DB = 12  # Redis databases of their own, so nothing reaches a developer's worker
CACHE_DB = 13


def cores() -> int:
    return os.cpu_count() or 1


def gunicorn_settings() -> dict:
    """Workers and threads for the app server (BENCH_GUNICORN_WORKERS / _THREADS)."""
    return {
        "workers": int(os.environ.get("BENCH_GUNICORN_WORKERS", 2 * cores() + 1)),
        "threads": int(os.environ.get("BENCH_GUNICORN_THREADS", 1)),
        "worker_class": os.environ.get("BENCH_GUNICORN_WORKER_CLASS", "sync"),
    }


def _redis_base() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        from radicals import embedded

        url = embedded.redis_url()
    return url


def _redis_db(url: str, db: int) -> str:
    base, _, last = url.rpartition("/")
    if base.count("/") >= 2 and last.split("?")[0].isdigit():
        return f"{base}/{db}"
    return f"{url.rstrip('/')}/{db}"


def environment() -> dict[str, str]:
    """Production settings (DEBUG off) against the benchmark database, on plain HTTP
    on the loopback, with the benchmark reference views switched on."""
    redis_url = _redis_base()
    return {
        **os.environ,
        "DATABASE_URL": database.bench_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": _redis_db(redis_url, BROKER_DB),
        "CACHE_URL": _redis_db(redis_url, CACHE_DB),
        "CACHE_KEY_PREFIX": "radicals-bench",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_MANIFEST": "false",
        "BENCHMARK_VIEWS": "true",
        # The cache layers count their hits and misses (kernel.caching.stats).
        "CACHE_STATS": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Group:
    """A child process in its own session; stop() kills its whole process group."""

    def __init__(self, command: list[str], *, env: dict, log: Path):
        self.log = log
        self._handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - fixed commands of our own
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Children that outlived their parent (a killed master's workers) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._handle.close()


@contextlib.contextmanager
def gunicorn(*, log: Path, settings: dict | None = None):
    """gunicorn serving radicals.wsgi on a free loopback port; yields its base URL."""
    settings = settings or gunicorn_settings()
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "radicals.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(settings["workers"]),
        "--threads",
        str(settings["threads"]),
        "--worker-class",
        settings["worker_class"],
        "--backlog",
        "2048",
        "--keep-alive",
        "5",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    env = environment()
    if STATEMENT_TIMEOUT_MS > 0:
        # libpq reads PGOPTIONS for every connection the server opens.
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    group = Group(command, env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if not group.alive():
                raise RuntimeError(f"gunicorn exited; see {log}")
            try:
                with urllib.request.urlopen(f"{base}/bench/bare/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 90 s; see {log}")
            time.sleep(0.3)
        yield base
    finally:
        group.stop()


def wait_idle(base: str, *, limit: float = 10.0) -> float:
    """Wait until the server answers the bare floor promptly again, so requests a
    previous run left queued never count against the next. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        begun = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/bench/bare/", timeout=10) as response:  # noqa: S310
                response.read()
        except OSError:
            time.sleep(0.2)
            continue
        if time.monotonic() - begun < 0.05:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def wrk_path() -> str | None:
    return shutil.which(os.environ.get("BENCH_WRK", "wrk"))


def wrk(
    *,
    base: str,
    requests_file: Path,
    seconds: float,
    connections: int,
    threads: int,
    offset: int = 0,
) -> dict:
    """One wrk run over a requests file; the JSON summary of wrk.lua's done()."""
    first_path = requests_file.read_text().split("\n", 1)[0].split("\t")[1]
    command = [
        wrk_path() or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        f"{base}{first_path}",
        "--",
        str(requests_file),
        str(threads),
        str(offset),
    ]
    result = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        start_new_session=True,
        check=False,
    )
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            seconds_taken = summary["duration_us"] / 1e6
            summary["rps"] = summary["requests"] / seconds_taken if seconds_taken else 0.0
            summary["error_count"] = sum(summary["errors"].values())
            return summary
    raise RuntimeError(f"wrk gave no summary: {result.stdout[-500:]} {result.stderr[-500:]}")
