"""Benchmarks of the reports app: the rollup recount and the CSV export.

* Full rollup recount (`reports.rollups.rollups_full`) against the raw SQL GROUP BY
  passes over the same rows (the engine's own `computed_sql`, every column computed and
  the rows counted, with no writes, badges or network): the goal is at most twice as
  long. The recount is `rollups_full`, which is the recount alone; the badges and the
  network that the nightly job runs after it are not in the figure.
* One incremental tick after a co-sign marks today dirty, against the same GROUP BY
  passes for that one day: at most 200 ms.
* The CSV export of every published pledge (`reports.exports.write_csv`) in a process of
  its own, for its peak memory, against `COPY (the same query) TO STDOUT`.

Run in-process with Django set up against the benchmark database; the export runs as
`python -m benchmarks.reports_bench export` so its peak RSS is its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import server


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _count_sql(sql: str, params: dict) -> None:
    """Run the passes and count their rows. `count(passes.*)` reads every column: with
    `count(*)` PostgreSQL drops the columns nobody reads from the subquery, and with them
    every SUM, so the reference would not compute the figures the recount writes."""
    from django.db import connection, transaction

    from reports import rollups as engine

    # With the settings the recount itself runs with, so only the writes differ.
    with transaction.atomic(), connection.cursor() as cursor:
        engine.use_recount_settings(cursor)
        cursor.execute(f"SELECT count(passes.*) FROM ({sql}) AS passes", params)  # noqa: S608 # nosec B608
        cursor.fetchone()


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Cancel any statement of this connection that runs longer (the work rolls back)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [int(seconds * 1000)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def _timed_or_none(function, *, limit: float) -> float | None:
    """Seconds `function` took, or None when it was cancelled at `limit`."""
    from django.db import OperationalError

    try:
        with _time_limit(limit):
            return _timed(function)
    except OperationalError:
        return None


def rollups(*, repetitions: int, full_recount: bool = True, limit: float = 150) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from reports import rollups as engine

    params = {"tz": settings.TIME_ZONE}
    every_day = engine.computed_sql(days=None)
    full, reference = [], []
    for _ in range(repetitions if full_recount else 0):
        reference.append(_timed_or_none(lambda: _count_sql(every_day, params), limit=limit))
        full.append(_timed_or_none(engine.rollups_full, limit=limit))
    today = timezone.localdate()
    one_day = engine.computed_sql(days=1)
    day_params = {"tz": settings.TIME_ZONE, "days": [today], **engine.day_params([today])}
    ticks, tick_reference = [], []
    for _ in range(max(repetitions, 3)):
        from django.db import transaction

        with transaction.atomic():
            engine.mark_days([today])
        tick = _timed_or_none(engine.rollups_tick, limit=limit / 3)
        if tick is None:  # cancelled: the day stays marked, and later ticks would wait too
            ticks.append(None)
            break
        ticks.append(tick)
        tick_reference.append(_timed(lambda: _count_sql(one_day, day_params)))
    finished = [x for x in full if x is not None]
    finished_reference = [x for x in reference if x is not None]
    full_s = statistics.median(finished) if finished else 0.0
    reference_s = statistics.median(finished_reference) if finished_reference else 0.0
    done_ticks = [x for x in ticks if x is not None]
    tick_s = statistics.median(done_ticks) if done_ticks else float("nan")
    tick_reference_s = statistics.median(tick_reference) if tick_reference else 0.0
    return {
        "full_seconds": round(full_s, 2),
        "full_reference_seconds": round(reference_s, 2),
        "full_ratio": round(full_s / reference_s, 2) if reference_s and full_s else None,
        "full_runs": [None if x is None else round(x, 2) for x in full],
        # A recount still running at the limit is cancelled (and rolls back).
        "full_limit_seconds": limit,
        "full_timed_out": bool(full) and not finished,
        "tick_ms": round(tick_s * 1000, 1),
        "tick_reference_ms": round(tick_reference_s * 1000, 1),
        "tick_ratio": round(tick_s / tick_reference_s, 2)
        if tick_reference_s and done_ticks
        else None,
        "tick_runs_ms": [None if x is None else round(x * 1000, 1) for x in ticks],
        "tick_timed_out": any(x is None for x in ticks),
    }


def _export_spec():
    from reports import exports
    from reports.models import Export

    return exports.ExportSpec(dataset=Export.Dataset.PLEDGES)


def _peak_rss_kb() -> int:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux carries that across
    exec, so a process started by a bigger one (the benchmark runner) reports the
    runner's size. VmHWM belongs to the process's own memory since exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_probe() -> dict:
    """In its own process: write the pledges CSV, and COPY the same rows, once each."""
    from django.db import connection

    from reports import exports

    spec = _export_spec()
    directory = Path(tempfile.mkdtemp(prefix="radicals-bench-export-"))
    try:
        started = time.perf_counter()
        written = exports.write_csv(spec, directory / "pledges.csv", lambda done: None)
        export_seconds = time.perf_counter() - started
        peak_kb = _peak_rss_kb()
        size = (directory / "pledges.csv").stat().st_size
        sql, params = exports.dataset(spec).queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            query = cursor.mogrify(sql, params).decode()
            started = time.perf_counter()
            with (directory / "copy.csv").open("wb") as handle:
                cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", handle)
            copy_seconds = time.perf_counter() - started
    finally:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
    return {
        "rows": written,
        "export_seconds": round(export_seconds, 2),
        "rows_per_second": round(written / export_seconds, 1) if export_seconds else 0.0,
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_second": round(written / copy_seconds, 1) if copy_seconds else 0.0,
        "ratio": round(copy_seconds / export_seconds, 3) if export_seconds else None,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "file_mb": round(size / 2**20, 1),
    }


def export(*, timeout: float = 600) -> dict:
    result = subprocess.run(  # noqa: S603 - this module, with a fixed argument
        [sys.executable, "-m", "benchmarks.reports_bench", "export"],
        cwd=server.BASE_DIR,
        env=server.environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"the export probe failed: {result.stderr[-1000:]}")


if __name__ == "__main__" and sys.argv[1:] == ["export"]:
    os.environ.update(server.environment())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    import django

    django.setup()
    print(json.dumps(export_probe()))
