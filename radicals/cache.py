"""Django's Redis cache backend, with one Redis client per connection pool.

`django.core.cache.backends.redis.RedisCacheClient.get_client()` builds a new
`redis.Redis` object for every cache call. The object is only a front for the
connection pool, but building it fills a table of about 170 reply parsers, which cost
more than the network round trip of a small GET or SET on the loopback (a co-sign makes
four cache calls). This backend keeps the client it built for each pool; `redis.Redis`
objects are safe to share between threads, and the pools are Django's own.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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


class RedisCache(DjangoRedisCache):
    """settings.CACHES["default"]["BACKEND"] = "radicals.cache.RedisCache"."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
