"""`make run`: embedded servers (when no URLs are set), migrations, demo data once,
then the web server, a Celery worker and Celery beat side by side. Ctrl-C stops
them all; the data stays under var/ for the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("RADICALS_HOST", "127.0.0.1")
PORT = os.environ.get("RADICALS_PORT", "8000")
# One worker consumes every queue here (settings.CELERY_QUEUES_BY_KIND); production
# runs a worker per queue.
WORKER_QUEUES = "email,rollups,exports,default"


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)  # noqa: S603


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    embedded_db = not os.environ.get("DATABASE_URL")
    embedded_redis = not os.environ.get("REDIS_URL")
    if embedded_db or embedded_redis:
        from radicals import embedded

        if embedded_db:
            print(f"Embedded PostgreSQL: {embedded.postgres_url()}  (data in var/pg)")
        if embedded_redis:
            print(f"Embedded Redis:      {embedded.redis_url()}  (data in var/redis)")

    _manage("migrate", "--noinput")
    _manage("demo_data", "--quiet")

    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}"],
        "worker": [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "radicals",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--queues",
            WORKER_QUEUES,
        ],
        "beat": [PYTHON, "-m", "celery", "-A", "radicals", "beat", "--loglevel", "INFO"],
    }
    children = {
        name: subprocess.Popen(command, cwd=BASE_DIR)  # noqa: S603
        for name, command in commands.items()
    }
    try:
        return _supervise(children)
    finally:
        _stop(children)
        if embedded_db or embedded_redis:
            from radicals import embedded

            embedded.stop()
            print("Stopped. Your data is kept in var/ for the next `make run`.")


def _supervise(children: dict[str, subprocess.Popen]) -> int:
    from members.demo_accounts import DEMO_PASSWORD, describe

    print()
    print(f"Radicals is running at http://{HOST}:{PORT}/  (Ctrl-C stops everything)")
    print(f"Demo accounts (development only), password {DEMO_PASSWORD}:")
    for line in describe():
        print(f"  {line}")
    print(f"Emails sent by the platform are written to {BASE_DIR / 'var' / 'mail'}")
    print()

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} stopped (exit {child.returncode}); stopping the rest.")
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    return exit_code


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    sys.exit(main())
