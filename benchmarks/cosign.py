"""The co-sign figure of `make bench`, measured open loop.

First each side's capacity, closed loop (wrk: as fast as the server answers): the
co-sign SQL floor's and the app's. Then, at 50% and 80% of the *floor's* capacity,
the floor and the app take turns under the same open-loop arrival rate
(benchmarks/openloop.py: requests leave on schedule whatever the server does, and
latency counts from the scheduled time). At each rate the app's p99 is held to at
most twice the floor's.

Every co-sign pairs a member with an open public pledge they have not signed, the
members in the same cycle as the pages (benchmarks/traffic.py), with the member's
session and CSRF cookies and the CSRF header, as the sign panel sends them.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks import openloop, server, traffic

SIDES = ("floor", "app")
LOAD_SHARES = (0.5, 0.8)
P99_GOAL_FACTOR = 2.0


def paths(side: str, pledge: int) -> str:
    return f"/bench/sql/pledges/{pledge}/sign/" if side == "floor" else f"/pledges/{pledge}/sign/"


def headers(fixtures, member: int) -> list[tuple[str, str]]:
    return [
        ("Cookie", fixtures.cookie(member, csrf=True)),
        ("X-CSRFToken", fixtures.csrf[member]),
        ("HX-Request", "true"),
        ("HX-Target", "sign-panel"),
    ]


def plan(fixtures, *, count: int) -> dict[str, list[tuple[int, int]]]:
    """(member index, pledge) of each side's co-signs, every pair new."""
    members = len(fixtures.sessions)
    count = -(-count // members) * members
    return {
        side: traffic.co_sign_pairs(
            count,
            members=members,
            pledges=fixtures.floor_sign_pledges if side == "floor" else fixtures.app_sign_pledges,
            already=fixtures.already_signed,
        )
        for side in SIDES
    }


def measure(
    base: str,
    fixtures,
    workdir: Path,
    *,
    count: int,
    seconds: float,
    open_seconds: float,
    repetitions: int,
    connections: int,
    threads: int,
    say,
) -> dict:
    pairs = plan(fixtures, count=count)
    used = dict.fromkeys(SIDES, 0)
    files = {}
    for side in SIDES:
        files[side] = workdir / f"co-sign-{side}.tsv"
        files[side].write_text(
            "".join(
                "\t".join(
                    ["POST", paths(side, pledge)]
                    + [f"{name}: {value}" for name, value in headers(fixtures, member)]
                )
                + "\n"
                for member, pledge in pairs[side]
            )
        )

    def closed(side: str, run_seconds: float) -> dict:
        server.wait_idle(base)
        result = server.wrk(
            base=base,
            requests_file=files[side],
            seconds=run_seconds,
            connections=connections,
            threads=threads,
            offset=used[side],
        )
        used[side] += result["requests"] + connections * 2
        return result

    # Warm: each worker's first co-signs compile templates and open connections.
    for side in SIDES:
        closed(side, 1)
    capacity_runs: dict[str, list[float]] = {side: [] for side in SIDES}
    for repetition in range(repetitions):
        for side in SIDES if repetition % 2 == 0 else SIDES[::-1]:
            capacity_runs[side].append(closed(side, seconds)["rps"])
    capacity = {side: round(statistics.median(capacity_runs[side]), 1) for side in SIDES}
    say(f"  co-sign capacity (closed loop): floor {capacity['floor']} req/s, app {capacity['app']}")

    rates = []
    for share in LOAD_SHARES:
        rate = max(1.0, capacity["floor"] * share)
        found: dict[str, list[dict]] = {side: [] for side in SIDES}
        for repetition in range(repetitions):
            for side in SIDES if repetition % 2 == 0 else SIDES[::-1]:
                number = max(1, round(rate * open_seconds))
                chosen = pairs[side][used[side] : used[side] + number]
                if len(chosen) < number:
                    raise RuntimeError("The co-sign plan ran out of new pairs; raise its count.")
                used[side] += number
                server.wait_idle(base)
                requests = [
                    openloop.Request(
                        "POST",
                        paths(side, pledge),
                        (
                            *headers(fixtures, member),
                            ("Content-Type", "application/x-www-form-urlencoded"),
                        ),
                    )
                    for member, pledge in chosen
                ]
                result = openloop.run(base, requests, rate=rate).summary()
                found[side].append(result)
                say(
                    f"  co-sign open loop at {rate:.0f}/s ({share:.0%} of the floor): "
                    f"{side} p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
                    + (f", errors {result['errors']}" if result["errors"] else "")
                )
        row = {"share": share, "rate": round(rate, 1)}
        for side in SIDES:
            runs = found[side]
            row[side] = {
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 1),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
                "achieved_rps": round(statistics.median(r["achieved_rps"] for r in runs), 1),
                "not_ok": sum(r["scheduled"] - r["ok"] for r in runs),
                "runs": runs,
            }
        row["p99_ratio"] = (
            round(row["app"]["p99_ms"] / row["floor"]["p99_ms"], 2) if row["floor"]["p99_ms"] else 0
        )
        row["met"] = row["p99_ratio"] <= P99_GOAL_FACTOR and not row["app"]["not_ok"]
        rates.append(row)
    return {"capacity": capacity, "capacity_runs": capacity_runs, "rates": rates}
