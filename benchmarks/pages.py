"""The page figures of `make bench`: a day's traffic (benchmarks/traffic.py) against
each page three ways, interleaved, on the same server:

* *as configured*: the app as it runs in production, every cache on;
* *cache off*: the same requests with `X-Radicals-Page-Cache: off`, which the app
  honours when BENCHMARK_VIEWS is on by skipping every page cache, so each request
  renders its page;
* *SQL floor*: the page's essential SQL (benchmarks/views.py) for the same subject and
  query string, through the same middleware.

Around each as-configured run the per-layer cache counters are reset and read
(`kernel.caching.stats`, when the app has it), so the hit rates say what the caches
did for this traffic. Then the wall's hardest reads (a search and a deep page) are
measured against its plain first page, both on the floor, and a handful of searches
for words no pledge holds are timed one after another against the app, caches off.
"""

from __future__ import annotations

import http.client
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import server, traffic

WAYS = ("configured", "cache-off", "floor")
WAY_NAMES = {"configured": "as configured", "cache-off": "cache off", "floor": "SQL floor"}
PAGES = (
    ("pledge wall", "wall"),
    ("pledge detail", "pledge"),
    ("community page", "community"),
    ("home", "home"),
)
CACHE_LAYERS = ("anonymous-page", "data")
STATS_FLUSH_SECONDS = 1.5  # the app flushes its counters to Redis about once a second
FLOOR_GOAL = 0.5  # cache off ÷ floor
LAYER_GAIN_GOAL = 1.5  # as configured ÷ cache off
DEEP_SEARCH_GOAL = 0.5  # the wall floor's search-and-deep-page ÷ its plain page 1
NO_MATCH_GOAL_MS = 50.0
NO_MATCH_TIMEOUT = 10.0  # one no-match search slower than this stops the check


@dataclass
class Figure:
    name: str
    page: str
    signed_in: bool
    requests: list[traffic.Request]


def build(fixtures, *, lines: int, seed: int = 11) -> list[Figure]:
    """Every page figure's requests: `lines` of each, rounded up to whole member
    cycles."""
    members = len(fixtures.sessions)
    count = -(-lines // members) * members
    zipf = traffic.Zipf(fixtures.public_pledge_ids, seed=seed)
    common = {
        "members": members,
        "pledges": zipf,
        "communities": fixtures.community_slugs,
        "words": fixtures.words,
        "missing": fixtures.missing_words,
    }
    figures = []
    for signed_in in (False, True):
        for number, (name, page) in enumerate(PAGES):
            figures.append(
                Figure(
                    f"{name}, {'signed in' if signed_in else 'anonymous'}",
                    page,
                    signed_in,
                    traffic.page_requests(
                        page, count, signed_in=signed_in, seed=seed + number, **common
                    ),
                )
            )
    figures.append(
        Figure(
            "API pledge list, signed in",
            "api",
            True,
            traffic.page_requests("api", count, signed_in=True, seed=seed + 9, **common),
        )
    )
    return figures


def request_line(method: str, path: str, headers: list[tuple[str, str]]) -> str:
    return "\t".join([method, path, *(f"{name}: {value}" for name, value in headers if value)])


def write_way(path: Path, fixtures, requests: list[traffic.Request], way: str) -> Path:
    """The requests file of one way of one figure (see wrk.lua for the format)."""
    rows = []
    for request in requests:
        headers = [("Cookie", fixtures.cookie(request.member))]
        if way == "cache-off":
            headers.append((traffic.PAGE_CACHE_HEADER, "off"))
        target = request.floor_path if way == "floor" else request.path
        rows.append(request_line("GET", target, headers))
    path.write_text("\n".join(rows) + "\n")
    return path


class CacheStats:
    """`kernel.caching.stats` when the app has it: reset before a run, read after."""

    def __init__(self):
        try:
            from kernel.caching import stats
        except ImportError:
            stats = None
        self.stats = stats

    @property
    def available(self) -> bool:
        return self.stats is not None

    def reset(self) -> None:
        if self.stats is not None:
            self.stats.reset()

    def read(self) -> dict[str, dict[str, int]]:
        if self.stats is None:
            return {}
        time.sleep(STATS_FLUSH_SECONDS)
        return self.stats.snapshot()


def add_counts(total: dict, more: dict) -> None:
    for layer, counts in more.items():
        into = total.setdefault(layer, {"hit": 0, "miss": 0})
        into["hit"] += int(counts.get("hit", 0))
        into["miss"] += int(counts.get("miss", 0))


def hit_rates(counts: dict) -> dict[str, float | None]:
    rates = {}
    for layer in sorted(set(CACHE_LAYERS) | set(counts)):
        found = counts.get(layer, {"hit": 0, "miss": 0})
        seen = found["hit"] + found["miss"]
        rates[layer] = round(found["hit"] / seen, 3) if seen else None
    return rates


def summary(runs: list[dict]) -> dict:
    def median(key: str, sub: str | None = None) -> float:
        return statistics.median(run[key][sub] if sub else run[key] for run in runs)

    return {
        "rps": round(median("rps"), 1),
        "p50_ms": round(median("latency_us", "p50") / 1000, 1),
        "p99_ms": round(median("latency_us", "p99") / 1000, 1),
        "errors": sum(run["error_count"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "runs": [round(run["rps"], 1) for run in runs],
    }


def _ratio(top: float, bottom: float) -> float:
    return round(top / bottom, 3) if bottom else 0.0


def measure(
    base: str,
    figures: list[Figure],
    fixtures,
    workdir: Path,
    *,
    seconds: float,
    repetitions: int,
    connections: int,
    threads: int,
    quick: bool,
    say,
) -> list[dict]:
    stats = CacheStats()
    files, used, runs = {}, {}, {}
    for index, figure in enumerate(figures):
        for way in WAYS:
            key = (index, way)
            files[key] = write_way(workdir / f"p{index}-{way}.tsv", fixtures, figure.requests, way)
            used[key], runs[key] = 0, []
    counts: dict[int, dict] = {index: {} for index in range(len(figures))}

    def run(key: tuple[int, str], run_seconds: float) -> dict:
        server.wait_idle(base)
        result = server.wrk(
            base=base,
            requests_file=files[key],
            seconds=run_seconds,
            connections=connections,
            threads=threads,
            offset=used[key],
        )
        # Requests in flight when wrk stopped may have used a few more lines.
        used[key] += result["requests"] + connections * 2
        return result

    # Warm every worker's templates, connections and caches on every figure first (a
    # quick run warms the app's own pages only).
    for key in files:
        if not quick or key[1] == "configured":
            run(key, 1)
    for repetition in range(repetitions):
        for index, figure in enumerate(figures):
            # Rotate which way goes first, so none always meets a warmer server.
            shift = (repetition + index) % len(WAYS)
            for way in WAYS[shift:] + WAYS[:shift]:
                if way == "configured":
                    stats.reset()
                result = run((index, way), seconds)
                if way == "configured":
                    add_counts(counts[index], stats.read())
                runs[(index, way)].append(result)
            say(
                f"  [{repetition + 1}/{repetitions}] {figure.name:<30} "
                + "  ".join(
                    f"{WAY_NAMES[way]} {runs[(index, way)][-1]['rps']:7.1f} req/s" for way in WAYS
                )
            )
    results = []
    for index, figure in enumerate(figures):
        ways = {way: summary(runs[(index, way)]) for way in WAYS}
        off_vs_floor = _ratio(ways["cache-off"]["rps"], ways["floor"]["rps"])
        gain = _ratio(ways["configured"]["rps"], ways["cache-off"]["rps"])
        results.append(
            {
                "name": figure.name,
                "ways": ways,
                "cache_off_vs_floor": off_vs_floor,
                "cache_off_vs_floor_met": off_vs_floor >= FLOOR_GOAL,
                "cache_gain": gain,
                "cache_gain_met": gain >= LAYER_GAIN_GOAL,
                "hit_rates": hit_rates(counts[index]) if stats.available else "not available",
                "cache_counts": counts[index] if stats.available else "not available",
                "errors": sum(way["errors"] for way in ways.values()),
            }
        )
    return results


def deep_search(
    base: str,
    fixtures,
    workdir: Path,
    *,
    lines: int,
    seconds: float,
    repetitions: int,
    connections: int,
    threads: int,
    seed: int = 23,
) -> dict:
    """The wall's floor on searches of deep pages against its plain first page, signed
    in, interleaved."""
    import random

    members = len(fixtures.sessions)
    count = -(-lines // members) * members
    who = traffic.member_cycle(count, members=members)
    queries = traffic.search_and_deep_queries(count, words=fixtures.words, rng=random.Random(seed))
    files = {}
    for kind, strings in (("deep", queries), ("plain", [""] * count)):
        path = workdir / f"wall-{kind}.tsv"
        path.write_text(
            "\n".join(
                request_line("GET", f"/bench/sql/wall/{query}", [("Cookie", fixtures.cookie(m))])
                for query, m in zip(strings, who, strict=True)
            )
            + "\n"
        )
        files[kind] = path
    runs: dict[str, list] = {"deep": [], "plain": []}
    used = {"deep": 0, "plain": 0}
    for repetition in range(repetitions):
        for kind in ("deep", "plain") if repetition % 2 == 0 else ("plain", "deep"):
            server.wait_idle(base)
            result = server.wrk(
                base=base,
                requests_file=files[kind],
                seconds=seconds,
                connections=connections,
                threads=threads,
                offset=used[kind],
            )
            used[kind] += result["requests"] + connections * 2
            runs[kind].append(result)
    deep, plain = summary(runs["deep"]), summary(runs["plain"])
    ratio = _ratio(deep["rps"], plain["rps"])
    return {
        "search_deep_floor": deep,
        "plain_floor": plain,
        "ratio": ratio,
        "met": ratio >= DEEP_SEARCH_GOAL,
    }


def no_match_latency(base: str, fixtures, *, count: int) -> dict:
    """`count` searches for words no pledge holds, one after another, signed in, every
    page cache off: p50 and max. A search slower than NO_MATCH_TIMEOUT, or one the
    server's statement timeout cancelled (an error page), stops the check: a slow plan
    must not hold the run for minutes. It starts when the server is idle again: the
    co-sign's open loop before it can leave a queue of requests behind."""
    address = urlsplit(base)
    server.wait_idle(base)
    latencies, stopped = [], ""
    for number in range(count):
        word = fixtures.missing_words[number % len(fixtures.missing_words)]
        member = (number * 97) % len(fixtures.sessions)
        connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=NO_MATCH_TIMEOUT
        )
        started = time.perf_counter()
        try:
            connection.request(
                "GET",
                f"/pledges/?q={word}",
                headers={"Cookie": fixtures.cookie(member), traffic.PAGE_CACHE_HEADER: "off"},
            )
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                stopped = f"answered {response.status}"
                break
        except TimeoutError:
            latencies.append(NO_MATCH_TIMEOUT * 1000)
            stopped = f"no answer in {NO_MATCH_TIMEOUT:g} s"
            break
        finally:
            connection.close()
    worst = max(latencies)
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "max_ms": round(worst, 1),
        "stopped": stopped,
        "met": not stopped and worst <= NO_MATCH_GOAL_MS,
    }
