"""Sections other apps add to the home page (featured stories, open campaigns…).

Apps register a section function in their AppConfig.ready(); the home page asks
each in turn and includes the section's template, so the home page grows as apps
land without importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class HomeSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


SectionFunction = Callable[..., "HomeSection | None"]
_registry: list[SectionFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    if function not in _registry:
        _registry.append(function)
    return function


def sections_for(*, request) -> list[HomeSection]:
    sections = [fn(request=request) for fn in _registry]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
