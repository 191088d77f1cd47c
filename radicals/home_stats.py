"""Live totals for the home page.

Apps register a function that returns their figures (pledges, stories, modules…)
so the home page grows as apps land, without members importing them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import ngettext

from members.selectors import members_count

StatFunction = Callable[..., list[dict]]
_registry: list[StatFunction] = []
# How many members there are; an app that keeps totals (reports' rollups) may supply it.
_members_total: Callable[[], int] = members_count


def register(function: StatFunction, *, replaces: tuple[StatFunction, ...] = ()) -> StatFunction:
    """Add a totals function; `replaces` takes out functions it supersedes."""
    for old in replaces:
        if old in _registry:
            _registry.remove(old)
    if function not in _registry:
        _registry.append(function)
    return function


def set_members_total(function: Callable[[], int]) -> None:
    global _members_total
    _members_total = function


def collect(*, request) -> list[dict]:
    members = _members_total()
    stats = [{"label": ngettext("member", "members", members), "value": members, "order": 0}]
    for function in _registry:
        stats.extend(function(request=request))
    return sorted(stats, key=lambda s: s.get("order", 100))
