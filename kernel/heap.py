"""A web process's heap, settled once the app is loaded.

CPython's cyclic garbage collector walks every container object it tracks: each young
collection the new ones, each oldest collection all of them, the whole loaded app
included (its modules, URL patterns, models, catalogues). A page builds thousands of
short-lived containers, so a collection came every page or so and an oldest one every
few hundred; under the benchmark's traffic the collector took 0.5–0.6 ms of a 5–8 ms
community or wall page (docs/benchmarks.md).

`settle()` loads what every request needs (the URL configuration and the views it
imports), moves everything loaded so far out of the collector's reach (`gc.freeze()`:
those objects live as long as the process anyway) and lets the youngest generation
grow to settings.WEB_GC_THRESHOLD objects before it is collected, so a page is
collected about once in twenty and cycles are still freed. radicals/wsgi.py calls it
when a server loads the app; 0 leaves Python's own threshold.
"""

from __future__ import annotations

import gc

from django.conf import settings


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # imports every view module now, not on a first request
    gc.collect()
    gc.freeze()
    threshold = int(getattr(settings, "WEB_GC_THRESHOLD", 0))
    if threshold > 0:
        _young, middle, oldest = gc.get_threshold()
        gc.set_threshold(threshold, middle, oldest)
