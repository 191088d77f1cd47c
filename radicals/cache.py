"""Django's Redis cache backend, with one Redis client per connection pool, that falls
through when Redis is down, and gives every key a lifetime.

One client per pool: `django.core.cache.backends.redis.RedisCacheClient.get_client()`
builds a new `redis.Redis` object for every cache call. The object is only a front for
the connection pool, but building it fills a table of about 170 reply parsers, which
cost more than the network round trip of a small GET or SET on the loopback (a co-sign
makes four cache calls). This backend keeps the client it built for each pool;
`redis.Redis` objects are safe to share between threads, and the pools are Django's own.

Falling through: the cache only ever saves work, so when Redis cannot be reached (or
answers too slowly: settings.CACHE_CONNECT_TIMEOUT / CACHE_SOCKET_TIMEOUT) every read
is a miss (`get` gives the default, `get_many` {}, `has_key` False) and every write is
skipped and answers False; `incr` and `decr` raise ValueError as for a missing key.
`add` is the exception: it answers True, because its callers use it to ask "am I the
one to do this?" (a lock, a once-only flag), and with no cache to share the answer each
must do the work itself (work done after an `add` is idempotent here). Answering False
would skip that work, and would make allauth's rate-limit lock wait a second and then
refuse every sign-in. Only redis' connection and timeout errors are caught: anything
else is a bug and is raised.
After a failure the process leaves that Redis alone for settings.CACHE_RETRY_AFTER
seconds (a circuit breaker), so a page making many cache calls pays the timeout once,
not on every call; the next call after that tries Redis again. A warning is logged when
the breaker opens, at most once a minute per server.

Lifetimes: a timeout of None ("keep for ever") becomes settings.CACHE_MAX_TIMEOUT, so
every cache key expires. Redis can then be run with `maxmemory-policy volatile-lru`
beside the broker (whose keys have no lifetime) and evict only cache entries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What "Redis is not there" looks like; nothing else is swallowed.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
WARN_EVERY_SECONDS = 60.0


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            # Another thread may build one at the same moment; either is fine to keep.
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class Breaker:
    """Per process and per Redis server: when it last failed, and when to try again."""

    def __init__(self) -> None:
        self.skip_until = 0.0
        self.last_warning = float("-inf")
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.skip_until

    def trip(self, *, server: str, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.skip_until = now + settings.CACHE_RETRY_AFTER
            warn = now - self.last_warning >= WARN_EVERY_SECONDS
            if warn:
                self.last_warning = now
        if warn:
            logger.warning(
                "Cache unreachable at %s (%s); serving without it for %ss at a time.",
                server,
                error,
                settings.CACHE_RETRY_AFTER,
            )

    def reset(self) -> None:
        with self.lock:
            self.skip_until = 0.0
            self.last_warning = float("-inf")


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers: list[str]) -> Breaker:
    name = ",".join(servers)
    breaker = _breakers.get(name)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(name, Breaker())
    return breaker


def reset_breakers() -> None:
    """Forget every failure seen by this process (tests, or an operator's shell)."""
    for breaker in list(_breakers.values()):
        breaker.reset()


def _redacted(server: str) -> str:
    """The server's address without a password, for the log."""
    scheme, sep, rest = server.partition("://")
    if "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


class RedisCache(DjangoRedisCache):
    """settings.CACHES["default"]["BACKEND"] = "radicals.cache.RedisCache"."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
        self._breaker = breaker_for(self._servers)

    def _guard(self, operation: Callable[[], T], fallback: T) -> T:
        if self._breaker.is_open():
            return fallback
        try:
            return operation()
        except UNREACHABLE as error:
            self._breaker.trip(server=_redacted(self._servers[0]), error=error)
            return fallback

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        timeout = super().get_backend_timeout(timeout)
        if timeout is None:
            return settings.CACHE_MAX_TIMEOUT
        return min(timeout, settings.CACHE_MAX_TIMEOUT)

    # Reads: a miss.
    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(RedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None) -> dict:
        return self._guard(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None) -> bool:
        return self._guard(lambda: super(RedisCache, self).has_key(key, version), False)

    # Writes: skipped, and False (but add(), which says "go ahead": see above).
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard(lambda: super(RedisCache, self).add(key, value, timeout, version), True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        def write() -> bool:
            super(RedisCache, self).set(key, value, timeout, version)
            return True

        return self._guard(write, False)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None) -> bool:
        return self._guard(lambda: super(RedisCache, self).delete(key, version), False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        # Django's answer is the keys that failed: all of them, when Redis is away.
        return self._guard(
            lambda: super(RedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys, version=None) -> bool:
        def write() -> bool:
            super(RedisCache, self).delete_many(keys, version)
            return True

        return self._guard(write, False)

    def clear(self) -> bool:
        return self._guard(lambda: super(RedisCache, self).clear(), False)

    def incr(self, key, delta=1, version=None) -> Any:
        # Unreachable is answered as Django answers a missing key, which callers handle.
        missing = object()
        value = self._guard(lambda: super(RedisCache, self).incr(key, delta, version), missing)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return value
