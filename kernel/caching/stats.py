"""Hits and misses of every cache layer, when settings.CACHE_STATS is on.

Each process counts per layer ("anonymous-page", "data") and adds
its counts into one Redis hash, `cache-stats` under the cache's key prefix, at most
about once a second, with one pipelined HINCRBY per field. `snapshot()` adds this
process's last counts first and reads the hash; `reset()` empties both. When Redis is
down the counts of that second are dropped: statistics never fail a request.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

LAYERS = ("anonymous-page", "data")
FLUSH_SECONDS = 1.0
HASH_NAME = "cache-stats"

_lock = threading.Lock()
_counts: dict[str, int] = {}
_last_flush = [time.monotonic()]


def enabled() -> bool:
    return bool(getattr(settings, "CACHE_STATS", False))


def _redis():
    """The cache's own Redis client and the hash's full key (with the key prefix)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    return client, cache.make_key(HASH_NAME)


def count(layer: str, *, hit: bool) -> None:
    """One look-up in `layer`; flushed to Redis when a second has passed."""
    if not enabled():
        return
    field = f"{layer}:{'hit' if hit else 'miss'}"
    with _lock:
        _counts[field] = _counts.get(field, 0) + 1
        due = time.monotonic() - _last_flush[0] >= FLUSH_SECONDS
    if due:
        flush()


def flush() -> None:
    with _lock:
        pending = dict(_counts)
        _counts.clear()
        _last_flush[0] = time.monotonic()
    if not pending:
        return
    try:
        client, key = _redis()
        pipeline = client.pipeline(transaction=False)
        for field, n in pending.items():
            pipeline.hincrby(key, field, n)
        pipeline.execute()
    except Exception:  # noqa: BLE001 - Redis down: these counts are lost, the page is not
        return


def snapshot() -> dict[str, dict[str, int]]:
    """layer -> {"hit": n, "miss": n}, over every process since the last reset."""
    flush()
    found: dict = {}
    try:
        client, key = _redis()
        found = client.hgetall(key)
    except Exception:  # noqa: BLE001 - Redis down: nothing to report
        found = {}
    result = {layer: {"hit": 0, "miss": 0} for layer in LAYERS}
    for field, value in found.items():
        field = field.decode() if isinstance(field, bytes) else field
        layer, _, outcome = field.rpartition(":")
        if layer in result and outcome in ("hit", "miss"):
            result[layer][outcome] = int(value)
    return result


def reset() -> None:
    with _lock:
        _counts.clear()
        _last_flush[0] = time.monotonic()
    try:
        client, key = _redis()
        client.delete(key)
    except Exception:  # noqa: BLE001 - Redis down: nothing kept to reset
        return
