"""`make profile FIGURE=co-sign`: one figure's requests profiled in-process.

Where `make bench` says how fast a figure is, this says where its time goes: the same
requests (`benchmarks.fixtures`, the same members, sessions and pages) are sent through
Django's test client, in this process, against the benchmark database with the
benchmark server's settings, and pyinstrument samples them. The figure's own reference
(its SQL floor) is timed the same way, so the two can be compared without gunicorn and
wrk in between. What a co-sign run signs is removed afterwards, as `make bench` does.

    make profile FIGURE=co-sign           # co-sign, pledge, community, wall, home
    make profile FIGURE=community N=2000  # more requests
"""

from __future__ import annotations

import os
import random
import sys
import time

from benchmarks import server

FIGURES = ("co-sign", "pledge", "community", "wall", "home")


def _refuse(message: str) -> int:
    print(f"make profile: {message}", file=sys.stderr)
    return 2


def _requests(fixtures, figure: str, count: int, rng: random.Random):
    """(own, floor) lists of (method, path, session index) for `figure`."""
    if figure == "co-sign":
        half = count // 2
        own = [("POST", f"/pledges/{pk}/sign/", i) for i, pk in fixtures.co_sign_pairs[:half]]
        floor = [
            ("POST", f"/bench/sql/pledges/{pk}/sign/", i)
            for i, pk in fixtures.floor_sign_pairs[:half]
        ]
        return own, floor
    pages = {
        "pledge": [(f"/pledges/{pk}/", f"/bench/sql/pledges/{pk}/") for pk in fixtures.pledge_ids],
        "community": [
            (f"/communities/{slug}/", f"/bench/sql/communities/{slug}/")
            for slug in fixtures.community_slugs
        ],
        "wall": [("/pledges/", "/bench/sql/wall/")],
        "home": [("/", "/bench/sql/home/")],
    }[figure]
    sessions = len(fixtures.sessions)
    picks = [(rng.choice(pages), rng.randrange(sessions)) for _ in range(count)]
    return (
        [("GET", own, i) for (own, _floor), i in picks],
        [("GET", floor, i) for (_own, floor), i in picks],
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
    rng = random.Random(11)
    # Twice the requests asked for: the first half warms the process's caches.
    fixtures = fixture_module.prepare(co_sign_requests=count * 4)
    clients = {}

    def send(method: str, path: str, index: int) -> None:
        client = clients.get(index)
        if client is None:
            client = clients[index] = Client(HTTP_HX_REQUEST="true", enforce_csrf_checks=True)
            client.cookies["sessionid"] = fixtures.sessions[index]
            client.cookies["csrftoken"] = fixtures.csrf[index]
        extra = {"HTTP_X_CSRFTOKEN": fixtures.csrf[index], "HTTP_HOST": "127.0.0.1"}
        response = client.post(path, **extra) if method == "POST" else client.get(path, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path} answered {response.status_code}")

    def timed(requests) -> float:
        started = time.perf_counter()
        for request in requests:
            send(*request)
        return (time.perf_counter() - started) / len(requests) * 1000

    try:
        own, floor = _requests(fixtures, figure, count * 2, rng)
        warm_own, own = own[: len(own) // 2], own[len(own) // 2 :]
        warm_floor, floor = floor[: len(floor) // 2], floor[len(floor) // 2 :]
        timed(warm_own)
        timed(warm_floor)
        own_ms, floor_ms = timed(own[: len(own) // 2]), timed(floor)
        print(f"{figure}: {own_ms:.2f} ms a request; its SQL floor {floor_ms:.2f} ms")
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
