"""`make profile FIGURE=co-sign`: one figure's requests profiled in-process.

Where `make bench` says how fast a figure is, this says where its time goes: the same
traffic (`benchmarks.traffic`: the same thousands of members and their sessions, the
same Zipf-drawn pledges and wall query strings, signed in) is sent through
Django's test client, in this process, against the benchmark database with the
benchmark server's settings, and pyinstrument samples them. The figure's own reference
(its SQL floor) is timed the same way, so the two can be compared without gunicorn and
wrk in between. What a co-sign run signs is removed afterwards, as `make bench` does.

    make profile FIGURE=co-sign           # co-sign, pledge, community, wall, home
    make profile FIGURE=community N=2000  # more requests
    PAGE_CACHE=off make profile FIGURE=wall  # every page cache off (the render itself)
"""

from __future__ import annotations

import os
import sys
import time

from benchmarks import cosign, server, traffic

FIGURES = ("co-sign", "pledge", "community", "wall", "home")
PAGES = {"pledge": "pledge", "community": "community", "wall": "wall", "home": "home"}


def _refuse(message: str) -> int:
    print(f"make profile: {message}", file=sys.stderr)
    return 2


def _requests(fixtures, figure: str, count: int, seed: int = 11):
    """(own, floor) lists of (method, path, member index) for `figure`: the signed-in
    traffic of `make bench`."""
    if figure == "co-sign":
        pairs = cosign.plan(fixtures, count=count)
        return (
            [("POST", cosign.paths("app", pk), m) for m, pk in pairs["app"][:count]],
            [("POST", cosign.paths("floor", pk), m) for m, pk in pairs["floor"][:count]],
        )
    members = len(fixtures.sessions)
    requests = traffic.page_requests(
        PAGES[figure],
        count,
        signed_in=True,
        members=members,
        pledges=traffic.Zipf(fixtures.public_pledge_ids, seed=seed),
        communities=fixtures.community_slugs,
        words=fixtures.words,
        missing=fixtures.missing_words,
        seed=seed,
    )
    return (
        [("GET", request.path, request.member) for request in requests],
        [("GET", request.floor_path, request.member) for request in requests],
    )


def main() -> int:
    figure = os.environ.get("FIGURE", "co-sign")
    if figure not in FIGURES:
        return _refuse(f"FIGURE={figure!r} is not one of {', '.join(FIGURES)}.")
    try:
        count = int(os.environ.get("N", "1000"))
    except ValueError:
        count = 0
    if count <= 0:
        return _refuse("N must be a positive whole number of requests.")
    try:
        from pyinstrument import Profiler
    except ImportError:
        return _refuse("pyinstrument is not installed: run `make install`.")

    os.environ.update(server.environment())
    os.environ["DJANGO_SETTINGS_MODULE"] = "radicals.settings"
    import django

    django.setup()
    from django.test import Client

    from benchmarks import database
    from benchmarks import fixtures as fixture_module
    from benchmarks.run import _has_data

    if not _has_data():
        return _refuse("the benchmark database has no data. Run `make bench-data` first.")
    database.manage("migrate", "--noinput", env=server.environment(), quiet=True)
    fixtures = fixture_module.prepare()
    clients = {}
    extra_headers = {"HTTP_HOST": "127.0.0.1"}
    if os.environ.get("PAGE_CACHE", "") == "off":
        extra_headers["HTTP_" + traffic.PAGE_CACHE_HEADER.upper().replace("-", "_")] = "off"

    def send(method: str, path: str, index: int) -> None:
        client = clients.get(index)
        if client is None:
            client = clients[index] = Client(HTTP_HX_REQUEST="true", enforce_csrf_checks=True)
            client.cookies[fixtures.session_cookie] = fixtures.sessions[index]
            client.cookies[fixtures.csrf_cookie] = fixtures.csrf[index]
        extra = {"HTTP_X_CSRFTOKEN": fixtures.csrf[index], **extra_headers}
        response = client.post(path, **extra) if method == "POST" else client.get(path, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path} answered {response.status_code}")

    def timed(requests) -> float:
        started = time.perf_counter()
        for request in requests:
            send(*request)
        return (time.perf_counter() - started) / len(requests) * 1000

    try:
        # Twice the requests asked for: the first half warms the process's caches.
        own, floor = _requests(fixtures, figure, count * 2)
        warm_own, own = own[: len(own) // 2], own[len(own) // 2 :]
        warm_floor, floor = floor[: len(floor) // 2], floor[len(floor) // 2 :]
        timed(warm_own)
        timed(warm_floor)
        from django.db import connection

        spent = {"seconds": 0.0, "queries": 0}

        def clocked(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent["seconds"] += time.perf_counter() - started
                spent["queries"] += 1

        measured = own[: len(own) // 2]
        with connection.execute_wrapper(clocked):
            own_ms = timed(measured)
        floor_ms = timed(floor)
        print(
            f"{figure}: {own_ms:.2f} ms a request, of which SQL "
            f"{spent['seconds'] / len(measured) * 1000:.2f} ms in "
            f"{spent['queries'] / len(measured):.1f} queries; its SQL floor {floor_ms:.2f} ms"
        )
        profiler = Profiler(interval=0.0002)
        profiler.start()
        timed(own[len(own) // 2 :])
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    finally:
        removed = fixture_module.cleanup(fixtures)
        print(f"Put the data back: removed {removed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
