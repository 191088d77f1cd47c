"""Live totals for the home page.

Apps register a function that returns their figures (pledges, stories, modules…)
so the home page grows as apps land, without members importing them.
"""

from __future__ import annotations

from collections.abc import Callable

from members.selectors import members_count

StatFunction = Callable[..., list[dict]]
_registry: list[StatFunction] = []


def register(function: StatFunction) -> StatFunction:
    if function not in _registry:
        _registry.append(function)
    return function


def collect(*, request) -> list[dict]:
    stats = [{"label": "members", "value": members_count(), "order": 0}]
    for function in _registry:
        stats.extend(function(request=request))
    return sorted(stats, key=lambda s: s.get("order", 100))
