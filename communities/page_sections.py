"""What other apps show on a community's page (its pledges, stories, achievements).

Apps above communities register a section function in their AppConfig.ready();
the community page asks each in turn, so communities never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CommunitySection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


SectionFunction = Callable[..., "CommunitySection | None"]
_registry: list[SectionFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    if function not in _registry:
        _registry.append(function)
    return function


def sections_for(*, request, community) -> list[CommunitySection]:
    sections = [fn(request=request, community=community) for fn in _registry]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
