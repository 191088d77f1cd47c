"""What other apps show on a pledge's page (stories about it, an invitation to write one).

Apps above pledges register a section function in their AppConfig.ready(); the
pledge page asks each in turn, so pledges never imports them. A function receives
the request, the pledge and the viewer's signature (or None) and returns a
PledgeSection or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PledgeSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


SectionFunction = Callable[..., "PledgeSection | None"]
_registry: list[SectionFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    if function not in _registry:
        _registry.append(function)
    return function


def sections_for(*, request, pledge, signature=None) -> list[PledgeSection]:
    sections = [fn(request=request, pledge=pledge, signature=signature) for fn in _registry]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
