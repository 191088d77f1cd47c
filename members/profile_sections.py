"""What other apps show on a member's public profile.

Apps above members (pledges, stories, reports…) register a section function in
their AppConfig.ready(); the profile page asks each in turn. The registry lives
here so members never imports the apps that build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ProfileSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


SectionFunction = Callable[..., "ProfileSection | None"]
_registry: list[SectionFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    if function not in _registry:
        _registry.append(function)
    return function


def sections_for(*, request, member) -> list[ProfileSection]:
    sections = [fn(request=request, member=member) for fn in _registry]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
