"""Benchmarks of the reports app: the rollup recount and the CSV export.

* Full rollup recount (`reports.rollups.rollups_full`) against the raw SQL GROUP BY
  passes over the same rows (the engine's own `computed_sql`, read and counted, with no
  writes, badges or network): the goal is at most twice as long.
* One incremental tick after a co-sign marks today dirty, against the same GROUP BY
  passes for that one day: at most 200 ms.
* The CSV export of every published pledge (`reports.exports.write_csv`) in a process of
  its own, for its peak memory, against `COPY (the same query) TO STDOUT`.

Run in-process with Django set up against the benchmark database; the export runs as
`python -m benchmarks.reports_bench export` so its peak RSS is its own.
"""

from __future__ import annotations

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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS passes", params)  # noqa: S608 # nosec B608
        cursor.fetchone()


def rollups(*, repetitions: int, full_recount: bool = True) -> dict:
    from django.utils import timezone

    from reports import rollups as engine

    params = engine._params(None)
    every_day = engine.computed_sql(day_filter=None)
    full, reference = [], []
    for _ in range(repetitions if full_recount else 0):
        reference.append(_timed(lambda: _count_sql(every_day, params)))
        full.append(_timed(engine.rollups_full))
    today = timezone.localdate()
    one_day = engine.computed_sql(day_filter=engine.RECOUNT_DAYS)
    day_params = engine._params([today])
    ticks, tick_reference = [], []
    for _ in range(max(repetitions, 5)):
        from django.db import transaction

        with transaction.atomic():
            engine.mark_days([today])
        ticks.append(_timed(engine.rollups_tick))
        tick_reference.append(_timed(lambda: _count_sql(one_day, day_params)))
    full_s = statistics.median(full) if full else 0.0
    reference_s = statistics.median(reference) if reference else 0.0
    tick_s, tick_reference_s = statistics.median(ticks), statistics.median(tick_reference)
    return {
        "full_seconds": round(full_s, 2),
        "full_reference_seconds": round(reference_s, 2),
        "full_ratio": round(full_s / reference_s, 2) if reference_s else None,
        "full_runs": [round(x, 2) for x in full],
        "tick_ms": round(tick_s * 1000, 1),
        "tick_reference_ms": round(tick_reference_s * 1000, 1),
        "tick_ratio": round(tick_s / tick_reference_s, 2) if tick_reference_s else None,
        "tick_runs_ms": [round(x * 1000, 1) for x in ticks],
    }


def _export_spec():
    from reports import exports
    from reports.models import Export

    return exports.ExportSpec(dataset=Export.Dataset.PLEDGES)


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
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
