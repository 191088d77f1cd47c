"""`make bench`: the platform measured against the framework floor and PostgreSQL itself.

gunicorn serves the real app (production settings, DEBUG off) on the loopback; wrk,
in its own process, drives it for a bounded time per figure. Every figure is reported
beside a reference measured in the same run, on the same server and settings:

* the bare floor: a fixed response through the same middleware;
* the SQL floor: only the endpoint's essential database work, in hand-written SQL.

Each figure and its reference run interleaved, several times; the medians go to
benchmarks/results/<date>.json and a Markdown table is printed for docs/benchmarks.md.
Then two Celery workers send a batch of due nudges to an SMTP sink.

BENCH_QUICK=1 is a smoke run of about three minutes (one short repetition, fewer
nudges). Nothing the run starts outlives it, and the data it changes (signatures,
sessions, notifications) is put back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import database, server

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
SECONDS = float(os.environ.get("BENCH_SECONDS", 2 if QUICK else 3))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", 1 if QUICK else 3))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 50))
NUDGES = int(os.environ.get("BENCH_NUDGES", 5_000 if QUICK else 100_000))
NUDGE_SECONDS = 30 if QUICK else 120  # the nudge run stops here, sent or not
ROLLUP_LIMIT_SECONDS = 75  # a full recount (and its reference) still running is cancelled
# BENCH_FIGURES="co-sign,home" keeps only the page figures whose names hold one of those.
FIGURES = [word.strip() for word in os.environ.get("BENCH_FIGURES", "").split(",") if word.strip()]
PARTS = ("pages", "nudges", "rollups", "export")
# BENCH_ONLY=pages,export runs just those parts (a comma-separated subset of PARTS).
ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
WRK_THREADS = 2


@dataclass
class Scenario:
    """One figure: the endpoint's requests and its reference's, and the goal."""

    name: str
    requests: list[tuple[str, str, str, str]]
    reference_name: str
    reference: list[tuple[str, str, str, str]]
    ratio_goal: float = 0.5
    p99_goal_ms: float | None = None


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


def scenarios(fixtures) -> list[Scenario]:
    n = len(fixtures.sessions)

    def signed_in(paths: list[str]) -> list[tuple[str, str, str, str]]:
        return [("GET", path, fixtures.sessions[i % n], "") for i, path in enumerate(paths * 4)]

    def anonymous(paths: list[str]) -> list[tuple[str, str, str, str]]:
        return [("GET", path, "", "") for path in paths]

    pledges = [f"/pledges/{pk}/" for pk in fixtures.pledge_ids]
    pledge_floors = [f"/bench/sql/pledges/{pk}/" for pk in fixtures.pledge_ids]
    communities = [f"/communities/{slug}/" for slug in fixtures.community_slugs]
    community_floors = [f"/bench/sql/communities/{slug}/" for slug in fixtures.community_slugs]
    bare = anonymous(["/bench/bare/"])
    pages = [
        ("pledge wall", ["/pledges/"], ["/bench/sql/wall/"]),
        ("pledge detail", pledges, pledge_floors),
        ("community page", communities, community_floors),
        ("home", ["/"], ["/bench/sql/home/"]),
    ]
    result = [
        Scenario(
            "co-sign POST (signed in, CSRF)",
            [
                ("POST", f"/pledges/{pk}/sign/", fixtures.sessions[i], fixtures.csrf[i])
                for i, pk in fixtures.co_sign_pairs
            ],
            "SQL floor",
            [
                ("POST", f"/bench/sql/pledges/{pk}/sign/", fixtures.sessions[i], fixtures.csrf[i])
                for i, pk in fixtures.floor_sign_pairs
            ],
            p99_goal_ms=100,
        )
    ]
    for name, paths, _floors in pages:
        result.append(Scenario(f"{name}, anonymous", anonymous(paths), "bare floor", bare))
    for name, paths, floors in pages:
        result.append(
            Scenario(f"{name}, signed in", signed_in(paths), "SQL floor", signed_in(floors))
        )
    result.append(
        Scenario(
            "API pledge list, signed in",
            signed_in(["/api/pledges/"]),
            "SQL floor",
            signed_in(["/bench/sql/wall/"]),
        )
    )
    return result


def query_counts(fixtures) -> dict[str, dict[str, int]]:
    """Queries each signed-in page makes, on its smallest and its largest subject, so a
    count that grows with the rows shows."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            """(SELECT id FROM pledges_pledge WHERE moderation_status = 'published'
                  AND visibility = 'public' ORDER BY signer_count, id LIMIT 1)
               UNION ALL
               (SELECT id FROM pledges_pledge WHERE moderation_status = 'published'
                  AND visibility = 'public' ORDER BY signer_count DESC, id LIMIT 1)"""
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
    # A signed-in member is never served a kept copy of a page (kernel.caching), so
    # these are the queries of rendering each page.
    for name, (small_path, large_path) in pages.items():
        found = []
        for path in (small_path, large_path):
            client.get(path)  # warm caches, as a running server has them
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            found.append(len(queries))
        counts[name] = {"small": found[0], "large": found[1]}
    client.logout()
    return counts


def _median(runs: list[dict], key: str, sub: str | None = None) -> float:
    values = [run[key][sub] if sub else run[key] for run in runs]
    return statistics.median(values)


def _summary(runs: list[dict]) -> dict:
    return {
        "rps": round(_median(runs, "rps"), 1),
        "p50_ms": round(_median(runs, "latency_us", "p50") / 1000, 1),
        "p95_ms": round(_median(runs, "latency_us", "p95") / 1000, 1),
        "p99_ms": round(_median(runs, "latency_us", "p99") / 1000, 1),
        "errors": sum(run["error_count"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "runs": [round(run["rps"], 1) for run in runs],
    }


def measure(base: str, items: list[Scenario], workdir: Path) -> list[dict]:
    files = {}
    for index, scenario in enumerate(items):
        files[(index, "own")] = _write(workdir / f"s{index}-own.tsv", scenario.requests)
        files[(index, "ref")] = _write(workdir / f"s{index}-ref.tsv", scenario.reference)
    runs: dict = {key: [] for key in files}
    used = dict.fromkeys(files, 0)  # lines of each file earlier runs consumed
    # A server that has been up for a while has rendered each page at least once, so
    # its caches hold what a busy day leaves there: visit every page once first.
    for scenario in items:
        for rows in (scenario.requests, scenario.reference):
            _visit_each_page(base, rows)
    # Warm every worker's caches and connections on every figure first. A co-sign's
    # line can be used once, so the warming uses the first lines and the runs go on
    # after them.
    for key, path in files.items():
        # (A quick run warms the pages themselves only.)
        if QUICK and (key[1] == "ref" or items[key[0]].requests[0][0] != "GET"):
            continue
        warm = server.wrk(
            base=base,
            requests_file=path,
            seconds=1,
            connections=CONNECTIONS,
            threads=WRK_THREADS,
        )
        if items[key[0]].requests[0][0] != "GET":
            used[key] += warm["requests"] + CONNECTIONS * 2
        server.wait_idle(base)
    for repetition in range(REPETITIONS):
        for index, scenario in enumerate(items):
            # Alternate which goes first, so neither always meets a warmer server.
            order = ("own", "ref") if (repetition + index) % 2 == 0 else ("ref", "own")
            for side in order:
                server.wait_idle(base)
                result = server.wrk(
                    base=base,
                    requests_file=files[(index, side)],
                    seconds=SECONDS,
                    connections=CONNECTIONS,
                    threads=WRK_THREADS,
                    offset=used[(index, side)],
                )
                # Requests in flight when wrk stopped may have used a few more lines.
                used[(index, side)] += result["requests"] + CONNECTIONS * 2
                runs[(index, side)].append(result)
            own, ref = runs[(index, "own")][-1], runs[(index, "ref")][-1]
            _say(
                f"  [{repetition + 1}/{REPETITIONS}] {scenario.name:<36} "
                f"{own['rps']:8.1f} req/s (p99 {own['latency_us']['p99'] / 1000:6.1f} ms)  "
                f"{scenario.reference_name} {ref['rps']:8.1f} req/s"
                + (f"  errors {own['error_count']}" if own["error_count"] else "")
            )
    figures = []
    for index, scenario in enumerate(items):
        own = _summary(runs[(index, "own")])
        ref = _summary(runs[(index, "ref")])
        ratio = own["rps"] / ref["rps"] if ref["rps"] else 0.0
        met = ratio >= scenario.ratio_goal and own["errors"] == 0
        goal = f">= {scenario.ratio_goal:.0%} of the {scenario.reference_name}"
        if scenario.p99_goal_ms is not None:
            met = met and own["p99_ms"] <= scenario.p99_goal_ms
            goal += f", p99 <= {scenario.p99_goal_ms:g} ms"
        figures.append(
            {
                "name": scenario.name,
                "reference": scenario.reference_name,
                "result": own,
                "reference_result": ref,
                "ratio": round(ratio, 3),
                "goal": goal,
                "met": met,
            }
        )
    return figures


def _visit_each_page(base: str, rows: list[tuple[str, str, str, str]]) -> None:
    """GET each distinct path of `rows` once, as the first session that reads it."""
    import http.client
    from urllib.parse import urlsplit

    from django.conf import settings

    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    seen = set()
    try:
        for method, path, session, _csrf in rows:
            if method != "GET" or path in seen:
                continue
            seen.add(path)
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"} if session else {}
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
    finally:
        connection.close()


def _write(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join(f"{m}\t{p}\t{s}\t{c}\n" for m, p, s, c in rows))
    return path


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


def markdown(result: dict) -> str:
    lines = [
        "| figure | result | reference | ratio | p50 / p95 / p99 ms | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure in result.get("figures", []):
        own, ref = figure["result"], figure["reference_result"]
        lines.append(
            f"| {figure['name']} | {own['rps']:,.0f} req/s | {figure['reference']} "
            f"{ref['rps']:,.0f} req/s | {figure['ratio']:.0%} | "
            f"{own['p50_ms']:g} / {own['p95_ms']:g} / {own['p99_ms']:g} | {figure['goal']} | "
            f"{'yes' if figure['met'] else 'no'} |"
        )
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
            f"| — | — | — | >= 1,000/s, 0 lost, 0 doubled | {'yes' if met else 'no'} |"
        )
    rollups = result.get("rollups")
    if rollups and rollups.get("full_timed_out"):
        reference = rollups["full_reference_seconds"]
        lines.append(
            f"| full rollup recount | not done in {rollups['full_limit_seconds']:g} s (cancelled) "
            "| GROUP BY passes "
            + (f"{reference:g} s" if reference else "not done in that time either")
            + " | — | — | <= 2x | no |"
        )
    elif rollups and rollups["full_seconds"]:
        met = rollups["full_ratio"] is not None and rollups["full_ratio"] <= 2
        lines.append(
            f"| full rollup recount | {rollups['full_seconds']:g} s | GROUP BY passes "
            f"{rollups['full_reference_seconds']:g} s | {rollups['full_ratio']:g}x | — | "
            f"<= 2x | {'yes' if met else 'no'} |"
        )
    if rollups and rollups.get("tick_timed_out"):
        lines.append(
            f"| one incremental rollup tick | not done in {rollups['full_limit_seconds'] / 3:g} s "
            "(cancelled) | — | — | — | <= 200 ms | no |"
        )
    elif rollups:
        met = rollups["tick_ms"] <= 200
        lines.append(
            f"| one incremental rollup tick | {rollups['tick_ms']:g} ms | GROUP BY passes for "
            f"the day {rollups['tick_reference_ms']:g} ms | {rollups['tick_ratio']:g}x | — | "
            f"<= 200 ms | {'yes' if met else 'no'} |"
        )
    export = result.get("export")
    if export:
        met = export["ratio"] >= 0.5 and export["peak_rss_mb"] <= 200
        lines.append(
            f"| CSV export of {export['rows']:,} pledges | {export['rows_per_second']:,.0f} "
            f"rows/s, peak RSS {export['peak_rss_mb']:g} MB | COPY "
            f"{export['copy_rows_per_second']:,.0f} rows/s | {export['ratio']:.0%} | — | "
            f">= 50% of COPY, <= 200 MB | {'yes' if met else 'no'} |"
        )
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
    fixtures = fixture_module.prepare(co_sign_requests=int(SECONDS * REPETITIONS * 2000))
    workdir = Path(tempfile.mkdtemp(prefix="radicals-bench-"))
    complete = False
    result["parts"] = ONLY or list(PARTS)
    try:
        if "pages" in result["parts"]:
            result["queries"] = query_counts(fixtures)
            _say(f"Queries per signed-in page (small, large): {result['queries']}")
            with server.gunicorn(log=workdir / "gunicorn.log") as base:
                _say(f"gunicorn {result['settings']['gunicorn']} at {base}")
                chosen = [
                    item
                    for item in scenarios(fixtures)
                    if not FIGURES or any(word in item.name for word in FIGURES)
                ]
                result["figures"] = measure(base, chosen, workdir)
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
        removed = fixture_module.cleanup(fixtures)
        _say(f"Put the data back: removed {removed}")
        # What was measured is kept even when a later part failed or was interrupted.
        result["complete"] = complete
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        result["elapsed_seconds"] = round(time.monotonic() - started, 1)
        name = _save(result)
    _say("")
    _say(markdown(result))
    _say("")
    _say(f"Results: benchmarks/results/{name} ({result['elapsed_seconds']:.0f} s)")
    return 0


def _save(result: dict) -> str:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d")
    partial = not result["complete"] or result["parts"] != list(PARTS)
    name = f"{stamp}{'-quick' if QUICK else ''}{'-partial' if partial else ''}.json"
    (RESULTS_DIR / name).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return name


def _session_engine() -> str:
    from django.conf import settings

    return settings.SESSION_ENGINE


if __name__ == "__main__":
    sys.exit(main())
