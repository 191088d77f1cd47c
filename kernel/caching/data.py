"""Named data caches: values worked out by a query, kept for a few seconds or minutes.

Every data cache is named in `DATA`, with its lifetime. Callers ask
`cached_value(name, compute, vary=(…))`: the value kept under the name, the `vary`
values and the language, or `compute()` worked out and kept. Each is cheap to work out
again (a few milliseconds at most): when one runs out, the requests that find it gone
each work it out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kernel.caching import keys, stats


@dataclass(frozen=True)
class DataCache:
    seconds: int
    holds: str


DATA: dict[str, DataCache] = {
    "pledges.filter-choices": DataCache(
        120,
        "the wall's (slug, name) choices of themes, campaigns, communities, "
        "organisations and regions, drawn as their selects' options",
    ),
    "reports.modules-available": DataCache(300, "how many learning modules are published"),
    "pledges.themes-and-campaigns": DataCache(
        300,
        "every theme's and campaign's row, put on the pledges a page shows "
        "(joining the two small tables cost PostgreSQL more planning than the read)",
    ),
}


def data_key(name: str, vary: tuple = ()) -> str:
    if name not in DATA:
        raise KeyError(f"{name!r} is not a data cache named in kernel.caching.data.DATA")
    return keys.key("data", name, *vary)


def cached_value(name: str, compute: Callable[[], Any], *, vary: tuple = ()) -> Any:
    """The value of data cache `name` for `vary` (see the module)."""
    from django.core.cache import cache

    key = data_key(name, vary)
    spec = DATA[name]
    entry = cache.get(key)
    # (until, value): `until` is checked as well as the key's own lifetime.
    if entry is not None and time.time() < entry[0]:
        stats.count("data", hit=True)
        return entry[1]
    stats.count("data", hit=False)
    value = compute()
    cache.set(key, (time.time() + spec.seconds, value), spec.seconds)
    return value


def forget_value(name: str, *, vary: tuple = ()) -> None:
    from django.core.cache import cache

    cache.delete(data_key(name, vary))


def forget_value_everywhere(name: str, *, vary: tuple = ()) -> None:
    """`forget_value` in every language the site speaks (keys carry the language)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    keys_to_drop = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            keys_to_drop.append(data_key(name, vary))
    cache.delete_many(keys_to_drop)
