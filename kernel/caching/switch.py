"""Whether this request may use the page cache layers at all.

With settings.BENCHMARK_VIEWS on, a request carrying `X-Radicals-Page-Cache: off`
bypasses the page cache layer (anonymous copies): nothing is read
from them and nothing written to them while it is answered, so a benchmark can compare
a page with and without them on the same server. The page cache middleware marks the
request for its whole duration (a context variable, so code that sees no request can
ask too).
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from django.conf import settings

HEADER = "X-Radicals-Page-Cache"

_bypassed: ContextVar[bool] = ContextVar("page_cache_bypassed", default=False)


def requested_off(request) -> bool:
    return bool(getattr(settings, "BENCHMARK_VIEWS", False)) and (
        request.headers.get(HEADER, "").strip().lower() == "off"
    )


def begin(request) -> Token:
    return _bypassed.set(requested_off(request))


def end(token: Token) -> None:
    _bypassed.reset(token)


def bypassed() -> bool:
    """True while answering a request that asked for no page cache."""
    return _bypassed.get()
