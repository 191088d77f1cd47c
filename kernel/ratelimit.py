"""Rate limits: how often one member, and one network address, may do a thing.

One mechanism for the web and the API. A *scope* ("flag", "comment", "write"…) has a
rule in settings.RATE_LIMITS, written as allauth writes its own limits: comma-separated
`<amount>/<period>/<per>`, where period is `s`, `m`, `h` or `d` with an optional count
(`5m` is five minutes) and per is `member` or `ip`. "20/h/member,60/h/ip" lets a member
do it twenty times an hour, and everyone behind one address sixty times. An empty rule
means no limit.

Counting is a fixed window in Django's cache (Redis): `add` makes the window's key with
its expiry, and `incr` counts atomically, so concurrent requests in any process never
lose a count. If the cache is unreachable the limit fails open: the request goes
ahead (a lost limit is better than a refused nurse or a 500), and the failure is logged.

- Web views: `@rate_limited("flag")`; over the limit they answer a 429 page.
- API views: `RateLimitThrottle` (in REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES) counts
  every unsafe request under the "write" scope, and a view's own `ratelimit_scope` too
  (for the methods in its `ratelimit_methods`, unsafe ones unless it says otherwise);
  over the limit DRF answers 429 with the JSON `detail` kernel.api writes.

Both send `Retry-After`: the seconds until the window that refused turns over.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_SCOPE = "write"
PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 60 * 60 * 24}
RULE = re.compile(r"^(?P<amount>\d+)/(?P<count>\d*)(?P<unit>[smhd])/(?P<per>member|ip)$")


@dataclass(frozen=True)
class Limit:
    amount: int
    seconds: int
    per: str  # "member" or "ip"


@lru_cache(maxsize=64)
def parse(rule: str) -> tuple[Limit, ...]:
    """ "20/h/member,60/h/ip" as Limits; refuses a rule it cannot read."""
    limits = []
    for part in filter(None, (piece.strip() for piece in rule.split(","))):
        match = RULE.match(part)
        if match is None:
            raise ImproperlyConfigured(
                f"Rate limit {part!r} is not <amount>/<period>/<member|ip>, e.g. 20/h/member."
            )
        seconds = int(match["count"] or 1) * PERIODS[match["unit"]]
        limits.append(Limit(amount=int(match["amount"]), seconds=seconds, per=match["per"]))
    return tuple(limits)


def limits_for(scope: str) -> tuple[Limit, ...]:
    rules = getattr(settings, "RATE_LIMITS", {})
    if scope not in rules:
        raise ImproperlyConfigured(f"No rate limit for the scope {scope!r} in RATE_LIMITS.")
    return parse(rules[scope])


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind a proxy the proxy must pass the client's
    address as REMOTE_ADDR, or every visitor shares the proxy's limit."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _count(key: str, seconds: int) -> int:
    # add() is a no-op when the window already exists; incr() is Redis' atomic INCR.
    cache.add(key, 0, timeout=seconds + 1)
    return cache.incr(key)


def hit(*, request: HttpRequest, scope: str, user=None) -> int | None:
    """Count one use of `scope` by this request's member and address. None when it is
    within every limit, else the seconds to wait before the first refusing limit allows
    it again. Fails open (None) when the cache cannot count."""
    user = user if user is not None else getattr(request, "user", None)
    now = int(time.time())
    wait = None
    for limit in limits_for(scope):
        if limit.per == "member":
            if user is None or not user.is_authenticated:
                continue
            who = f"m{user.pk}"
        else:
            who = f"i{client_ip(request)}"
        window = now // limit.seconds
        key = f"ratelimit:{scope}:{limit.amount}/{limit.seconds}:{who}:{window}"
        try:
            used = _count(key, limit.seconds)
        except Exception as error:  # noqa: BLE001 - any cache failure must let the request by
            logger.warning("Rate limit %s not counted (cache unavailable): %s", scope, error)
            return None
        if used > limit.amount:
            left = limit.seconds - now % limit.seconds
            wait = max(wait or 0, left)
    return wait


def too_many_requests(request: HttpRequest, *, wait: int) -> HttpResponse:
    """The page a web form answers when its limit is reached."""
    response = render(request, "errors/429.jinja", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, *, methods: frozenset[str] | set[str] = UNSAFE_METHODS):
    """Limit a web view: requests with one of `methods` count against `scope`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods:
                wait = hit(request=request, scope=scope)
                if wait is not None:
                    return too_many_requests(request, wait=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitThrottle(BaseThrottle):
    """Every API write counts against "write"; a view's `ratelimit_scope` counts as well."""

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        scopes = []
        if request.method in UNSAFE_METHODS:
            scopes.append(WRITE_SCOPE)
        own = getattr(view, "ratelimit_scope", None)
        if own and request.method in getattr(view, "ratelimit_methods", UNSAFE_METHODS):
            scopes.append(own)
        for scope in scopes:
            wait = hit(request=request, scope=scope, user=request.user)
            if wait is not None:
                self.wait_seconds = max(self.wait_seconds or 0, wait)
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds
