"""`make bench`: the platform measured against PostgreSQL itself, under a day's traffic.

gunicorn serves the real app (production settings, DEBUG off) on the loopback; wrk,
in its own process, drives it for a bounded time per figure with traffic shaped like
a real day (benchmarks/traffic.py: thousands of distinct signed-in members, pledges
drawn by popularity, the wall searched, filtered and paged). Each page is measured
three ways, interleaved, on the same server (benchmarks/pages.py): as configured,
with every page cache off, and its SQL floor (benchmarks/views.py); the cache layers'
hit rates are read around the as-configured runs. The co-sign is measured open loop
against its floor (benchmarks/cosign.py). The medians go to
benchmarks/results/<date>.json and a Markdown table is printed (and saved beside it)
for docs/benchmarks.md. Then two Celery workers send a batch of due nudges to an SMTP
sink, the rollups are recounted and the CSV export is timed.

BENCH_QUICK=1 is a short smoke run (one short repetition, fewer nudges). Nothing the
run starts outlives it, and the data it changes (signatures, sessions, notifications)
is put back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import cosign, database, pages, server, traffic

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
SECONDS = float(os.environ.get("BENCH_SECONDS", 2 if QUICK else 3))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 1 if QUICK else 3))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 50))
# Requests written per page figure (whole member cycles); runs walk on through them.
LINES = int(os.environ.get("BENCH_LINES", 4_800 if QUICK else 36_000))
OPEN_LOOP_SECONDS = float(os.environ.get("BENCH_OPEN_LOOP_SECONDS", 2 if QUICK else 4))
CO_SIGNS = int(os.environ.get("BENCH_CO_SIGNS", 6_000 if QUICK else 30_000))  # a side
NO_MATCH_SEARCHES = 5 if QUICK else 9
NUDGES = int(os.environ.get("BENCH_NUDGES", 5_000 if QUICK else 100_000))
NUDGE_SECONDS = 30 if QUICK else 120  # the nudge run stops here, sent or not
ROLLUP_LIMIT_SECONDS = 75  # a full recount (and its reference) still running is cancelled
# BENCH_FIGURES="co-sign,home" keeps only the figures whose names hold one of those
# ("wall" keeps the wall's figures, its deep-search floors and its no-match searches).
FIGURES = [word.strip() for word in os.environ.get("BENCH_FIGURES", "").split(",") if word.strip()]
PARTS = ("pages", "nudges", "rollups", "export")
# BENCH_ONLY=pages,export runs just those parts (a comma-separated subset of PARTS).
ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
WRK_THREADS = 2


def _say(text: str) -> None:
    print(text, flush=True)


def _refuse(text: str) -> int:
    print(f"make bench: {text}", file=sys.stderr)
    return 2


def _has_data() -> bool:
    if not database.database_exists():
        return False
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('pledges_pledge') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pledges_pledge)")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _setup_django() -> None:
    os.environ.update(server.environment())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    import django

    django.setup()


def query_counts(fixtures) -> dict[str, dict[str, int]]:
    """Queries each signed-in page makes, on its smallest and its largest subject, so a
    count that grows with the rows shows."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            # Along the tallies' index ("most signed"), both ways.
            """(SELECT p.id FROM pledges_signertally t JOIN pledges_pledge p ON p.id = t.pledge_id
                  WHERE p.moderation_status = 'published' AND p.visibility = 'public'
                  ORDER BY t.signer_count, t.pledge_id LIMIT 1)
               UNION ALL
               (SELECT p.id FROM pledges_signertally t JOIN pledges_pledge p ON p.id = t.pledge_id
                  WHERE p.moderation_status = 'published' AND p.visibility = 'public'
                  ORDER BY t.signer_count DESC, t.pledge_id DESC LIMIT 1)"""
        )
        few, many = (row[0] for row in cursor.fetchall())
        cursor.execute(
            """(SELECT slug FROM communities_community ORDER BY member_count, id LIMIT 1)
               UNION ALL
               (SELECT slug FROM communities_community ORDER BY member_count DESC, id LIMIT 1)"""
        )
        small, large = (row[0] for row in cursor.fetchall())
    client = Client()
    client.force_login(User.objects.get(pk=fixtures.user_ids[0]))
    pages = {
        "pledge wall": ["/pledges/", "/pledges/?sort=most_signed"],
        "pledge detail": [f"/pledges/{few}/", f"/pledges/{many}/"],
        "community page": [f"/communities/{small}/", f"/communities/{large}/"],
        "home": ["/", "/"],
        "API pledge list": ["/api/pledges/", "/api/pledges/?page_size=100"],
    }
    counts = {}
    # Count the queries of rendering each page, not of serving a kept copy of it: a
    # signed-in member is never served one (kernel.caching), and the header turns the
    # visitors' copies off too.
    off = {"HTTP_" + traffic.PAGE_CACHE_HEADER.upper().replace("-", "_"): "off"}
    for name, (small_path, large_path) in pages.items():
        found = []
        for path in (small_path, large_path):
            client.get(path, **off)  # warm caches, as a running server has them
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, **off)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            found.append(len(queries))
        counts[name] = {"small": found[0], "large": found[1]}
    client.logout()
    return counts


def machine() -> dict:
    load = os.getloadavg()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0.0
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cores": server.cores(),
        "memory_gb": round(memory, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": postgres,
        "load_average_at_start": [round(x, 2) for x in load],
    }


def _busy_processes() -> list[str]:
    """What else was using the CPU when the run started (for the record)."""
    try:
        output = subprocess.run(  # noqa: S603 - ps with fixed arguments
            [shutil.which("ps") or "/bin/ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in output.splitlines()[:8]:
        cpu, _, command = line.strip().partition(" ")
        if float(cpu or 0) >= 5:
            rows.append(f"{command.strip()} {cpu}%")
    return rows


def _yes(met: bool) -> str:
    return "**yes**" if met else "no"


def _rates(rates) -> str:
    if not isinstance(rates, dict):
        return str(rates)
    shown = [f"{layer} {rate:.0%}" for layer, rate in rates.items() if rate is not None]
    return ", ".join(shown) or "no lookups"


def pages_markdown(result: dict) -> list[str]:
    """The page, search and co-sign tables."""
    lines = []
    if result.get("figures"):
        lines += [
            "| page | as configured | cache off | SQL floor | p50 / p99 ms (configured · off · "
            "floor) | cache off ÷ floor (≥ 50%) | configured ÷ cache off (≥ 1.5×) "
            "| cache hit rates (as configured) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for figure in result["figures"]:
            ways = figure["ways"]
            latency = " · ".join(
                f"{ways[way]['p50_ms']:g} / {ways[way]['p99_ms']:g}" for way in pages.WAYS
            )
            errors = f" ({figure['errors']} errors)" if figure["errors"] else ""
            lines.append(
                f"| {figure['name']}{errors} | {ways['configured']['rps']:,.0f} req/s | "
                f"{ways['cache-off']['rps']:,.0f} req/s | {ways['floor']['rps']:,.0f} req/s | "
                f"{latency} | {figure['cache_off_vs_floor']:.0%} "
                f"{_yes(figure['cache_off_vs_floor_met'])} | {figure['cache_gain']:.2f}× "
                f"{_yes(figure['cache_gain_met'])} | {_rates(figure['hit_rates'])} |"
            )
        lines.append("")
    deep = result.get("wall_deep_search")
    if deep:
        lines += [
            "| wall floor | req/s | p50 / p99 ms |",
            "|---|---|---|",
            f"| a search and a page from 2 to 50 | {deep['search_deep_floor']['rps']:,.0f} | "
            f"{deep['search_deep_floor']['p50_ms']:g} / {deep['search_deep_floor']['p99_ms']:g} |",
            f"| plain page 1 | {deep['plain_floor']['rps']:,.0f} | "
            f"{deep['plain_floor']['p50_ms']:g} / {deep['plain_floor']['p99_ms']:g} |",
            f"| search-and-deep ÷ plain (≥ 50%) | {deep['ratio']:.0%} {_yes(deep['met'])} | |",
            "",
        ]
    no_match = result.get("no_match_search")
    if no_match:
        lines += [
            f"A search for a word no pledge holds (app, every page cache off, "
            f"{no_match['requests']} one after another): p50 {no_match['p50_ms']:g} ms, "
            f"max {no_match['max_ms']:g} ms"
            + (f" (stopped: a search {no_match['stopped']})" if no_match["stopped"] else "")
            + f"; goal ≤ {pages.NO_MATCH_GOAL_MS:g} ms: {_yes(no_match['met'])}.",
            "",
        ]
    co_sign = result.get("co_sign")
    if co_sign:
        capacity = co_sign["capacity"]
        lines += [
            f"Co-sign capacity (closed loop): SQL floor {capacity['floor']:,.0f} req/s, "
            f"app {capacity['app']:,.0f} req/s ({_ratio(capacity['app'], capacity['floor'])}).",
            "",
            "| co-sign, open loop | floor p50 / p99 ms | app p50 / p99 ms | app p99 ÷ floor p99 "
            "(≤ 2×) |",
            "|---|---|---|---|",
        ]
        for row in co_sign["rates"]:
            failed = f", {row['app']['not_ok']} not answered 2xx" if row["app"]["not_ok"] else ""
            lines.append(
                f"| {row['rate']:,.0f}/s ({row['share']:.0%} of the floor's capacity) | "
                f"{row['floor']['p50_ms']:g} / {row['floor']['p99_ms']:g} | "
                f"{row['app']['p50_ms']:g} / {row['app']['p99_ms']:g}{failed} | "
                f"{row['p99_ratio']:g}× {_yes(row['met'])} |"
            )
        lines.append("")
    return lines


def _ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.0%} of the floor" if bottom else "no floor"


def markdown(result: dict) -> str:
    lines = pages_markdown(result)
    header = len(lines)
    lines += [
        "| figure | result | reference | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    nudges = result.get("nudges")
    if nudges:
        met = (
            nudges["per_second"] >= 1000
            and not nudges["lost"]
            and not nudges["doubled"]
            and not nudges["unsent_in_time"]
        )
        late = nudges["unsent_in_time"]
        lines.append(
            f"| nudges: {nudges['count']:,} due, {nudges['workers']} workers, SMTP sink | "
            f"{nudges['per_second']:,.0f}/s, {nudges['lost']} lost, {nudges['doubled']} doubled"
            + (f", {late:,} not sent in {nudges['seconds']:.0f} s" if late else "")
            + " "
            f"| — | — | >= 1,000/s, 0 lost, 0 doubled | {'yes' if met else 'no'} |"
        )
    rollups = result.get("rollups")
    if rollups and rollups.get("full_timed_out"):
        reference = rollups["full_reference_seconds"]
        lines.append(
            f"| full rollup recount | not done in {rollups['full_limit_seconds']:g} s (cancelled) "
            "| GROUP BY passes "
            + (f"{reference:g} s" if reference else "not done in that time either")
            + " | — | <= 2x | no |"
        )
    elif rollups and rollups["full_seconds"]:
        met = rollups["full_ratio"] is not None and rollups["full_ratio"] <= 2
        lines.append(
            f"| full rollup recount | {rollups['full_seconds']:g} s | GROUP BY passes "
            f"{rollups['full_reference_seconds']:g} s | {rollups['full_ratio']:g}x | "
            f"<= 2x | {'yes' if met else 'no'} |"
        )
    if rollups and rollups.get("tick_timed_out"):
        lines.append(
            f"| one incremental rollup tick | not done in {rollups['full_limit_seconds'] / 3:g} s "
            "(cancelled) | — | — | <= 200 ms | no |"
        )
    elif rollups:
        met = rollups["tick_ms"] <= 200
        lines.append(
            f"| one incremental rollup tick | {rollups['tick_ms']:g} ms | GROUP BY passes for "
            f"the day {rollups['tick_reference_ms']:g} ms | {rollups['tick_ratio']:g}x | "
            f"<= 200 ms | {'yes' if met else 'no'} |"
        )
    export = result.get("export")
    if export:
        met = export["ratio"] >= 0.5 and export["peak_rss_mb"] <= 200
        lines.append(
            f"| CSV export of {export['rows']:,} pledges | {export['rows_per_second']:,.0f} "
            f"rows/s, peak RSS {export['peak_rss_mb']:g} MB | COPY "
            f"{export['copy_rows_per_second']:,.0f} rows/s | {export['ratio']:.0%} | "
            f">= 50% of COPY, <= 200 MB | {'yes' if met else 'no'} |"
        )
    if len(lines) == header + 2:  # none of the other parts ran
        del lines[header:]
    else:
        lines.append("")
    lines.append("| signed-in page | queries (small subject) | queries (large subject) |")
    lines.append("|---|---|---|")
    for name, counts in result.get("queries", {}).items():
        lines.append(f"| {name} | {counts['small']} | {counts['large']} |")
    return "\n".join(lines)


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into an exception, so every `finally` stops what it started."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    _stop_on_sigterm()
    if not server.wrk_path():
        return _refuse(
            "the load generator wrk is not installed. Install it (Debian/Ubuntu: "
            "`apt-get install wrk`), or point BENCH_WRK at it."
        )
    unknown = [part for part in ONLY if part not in PARTS]
    if unknown:
        return _refuse(f"BENCH_ONLY names {', '.join(unknown)}; the parts are {', '.join(PARTS)}.")
    if not _has_data():
        return _refuse(
            f"the benchmark database {database.bench_database_name()} has no data. "
            "Run `make bench-data` first (`make bench-data SCALE=0.01` for a small set)."
        )
    # The code may have gained migrations since the data was loaded.
    database.manage("migrate", "--noinput", env=server.environment(), quiet=True)
    _say(f"Vacuumed what earlier runs left ({database.vacuum():.1f} s).")
    _setup_django()
    from benchmarks import fixtures as fixture_module
    from benchmarks import nudges

    started = time.monotonic()
    result: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": QUICK,
        "machine": machine(),
        "busy_at_start": _busy_processes(),
        "sizes": fixture_module.data_counts(),
        "settings": {
            "gunicorn": server.gunicorn_settings(),
            "connections": CONNECTIONS,
            "seconds_per_run": SECONDS,
            "repetitions": REPETITIONS,
            "session_engine": _session_engine(),
        },
    }
    _say(
        f"Benchmarking against {database.bench_database_name()}: "
        + ", ".join(f"{v:,} {k}" for k, v in result["sizes"].items())
    )
    workdir = Path(tempfile.mkdtemp(prefix="radicals-bench-"))
    complete = False
    result["parts"] = ONLY or list(PARTS)
    fixtures = None
    try:
        if "pages" in result["parts"]:
            fixtures = fixture_module.prepare()
            result["settings"]["members"] = len(fixtures.sessions)
            result["settings"]["public_pledges"] = len(fixtures.public_pledge_ids)
            result["queries"] = query_counts(fixtures)
            _say(f"Queries per signed-in page (small, large): {result['queries']}")
            measure_pages(result, fixtures, workdir)
        if "nudges" in result["parts"]:
            _say(f"Nudges: {NUDGES:,} due, 2 workers, SMTP sink…")
            result["nudges"] = nudges.run(
                count=NUDGES, workers=2, timeout=NUDGE_SECONDS, log_dir=workdir
            )
            _say(f"  {result['nudges']}")
        from benchmarks import reports_bench

        if "rollups" in result["parts"]:
            _say("Rollups: " + ("one tick (quick run)" if QUICK else "full recount and one tick"))
            result["rollups"] = reports_bench.rollups(
                repetitions=1, full_recount=not QUICK, limit=ROLLUP_LIMIT_SECONDS
            )
            _say(f"  {result['rollups']}")
        if "export" in result["parts"] and (not QUICK or ONLY):
            _say("CSV export of every published pledge, and COPY of the same rows…")
            result["export"] = reports_bench.export()
            _say(f"  {result['export']}")
        complete = True
    finally:
        if fixtures is not None:
            removed = fixture_module.cleanup(fixtures)
            _say(f"Put the data back: removed {removed}")
        # The requests files (about a hundred megabytes in a full run); logs stay.
        for requests_file in workdir.glob("*.tsv"):
            requests_file.unlink()
        # What was measured is kept even when a later part failed or was interrupted.
        result["complete"] = complete
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        result["elapsed_seconds"] = round(time.monotonic() - started, 1)
        name = _save(result)
    _say("")
    _say(markdown(result))
    _say("")
    _say(f"Results: benchmarks/results/{name}.json and .md ({result['elapsed_seconds']:.0f} s)")
    return 0


def _chosen(name: str) -> bool:
    return not FIGURES or any(word in name for word in FIGURES)


def measure_pages(result: dict, fixtures, workdir: Path) -> None:
    """The page figures, the wall's search floors, the no-match search and the
    co-sign, on one gunicorn."""
    figures = [figure for figure in pages.build(fixtures, lines=LINES) if _chosen(figure.name)]
    result["settings"]["cache_stats"] = (
        "kernel.caching.stats" if pages.CacheStats().available else "not available"
    )
    with server.gunicorn(log=workdir / "gunicorn.log") as base:
        _say(f"gunicorn {result['settings']['gunicorn']} at {base}")
        common = {"connections": CONNECTIONS, "threads": WRK_THREADS}
        if figures:
            result["figures"] = pages.measure(
                base,
                figures,
                fixtures,
                workdir,
                seconds=SECONDS,
                repetitions=REPETITIONS,
                quick=QUICK,
                say=_say,
                **common,
            )
        if _chosen("pledge wall search-and-deep floor"):
            result["wall_deep_search"] = pages.deep_search(
                base,
                fixtures,
                workdir,
                lines=LINES,
                seconds=SECONDS,
                repetitions=REPETITIONS,
                **common,
            )
            ratio = result["wall_deep_search"]["ratio"]
            _say(f"  wall floor, search and deep page ÷ plain page 1: {ratio:.0%}")
        if _chosen("co-sign (open loop)"):
            result["co_sign"] = cosign.measure(
                base,
                fixtures,
                workdir,
                count=CO_SIGNS,
                seconds=SECONDS,
                open_seconds=OPEN_LOOP_SECONDS,
                repetitions=REPETITIONS,
                say=_say,
                **common,
            )
        # Last: a slow plan for these keeps a worker busy after the check stops.
        if _chosen("pledge wall no-match search"):
            result["no_match_search"] = pages.no_match_latency(
                base, fixtures, count=NO_MATCH_SEARCHES
            )
            _say(f"  no-match searches: {result['no_match_search']}")


def _save(result: dict) -> str:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    partial = not result["complete"] or result["parts"] != list(PARTS)
    name = f"{stamp}{'-quick' if QUICK else ''}{'-partial' if partial else ''}"
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (RESULTS_DIR / f"{name}.md").write_text(markdown(result) + "\n")
    return name


def _session_engine() -> str:
    from django.conf import settings

    return settings.SESSION_ENGINE


if __name__ == "__main__":
    sys.exit(main())
