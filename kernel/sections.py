"""One way for an app to add to a page it does not own.

A page that others may extend keeps a `Sections` registry in its own app (a member's
profile in members, a community's page in communities, a pledge's and a campaign's page
in pledges; the home page, which belongs to no app, here). An app above it adds a
function in its `sections.register()`, which its AppConfig.ready() calls; the page asks
every function in turn and shows what they return, in order. So a lower app never
imports the apps that build on it, and every app extends pages the same way:

    # stories/sections.py
    def profile_stories(*, request, member) -> Section | None: ...

    def register() -> None:
        profile.register(profile_stories)

A function returns a Section, a list of them, or None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    """A part of a page: a heading, the template that draws it and what it needs."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass
class Figure:
    """One of the home page's live figures ("1,234 pledges made")."""

    label: str
    value: int
    order: int = 100


class Sections:
    """The functions that add to one page, asked in turn when it is drawn."""

    def __init__(self, page: str):
        self.page = page
        self._functions: list[Callable] = []

    def __repr__(self) -> str:
        return f"<Sections of {self.page}: {len(self._functions)}>"

    def register(self, function: Callable) -> Callable:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def collect(self, **arguments) -> list:
        """What every function adds for these arguments, in order, without the Nones."""
        found = []
        for function in self._functions:
            added = function(**arguments)
            if added is None:
                continue
            found.extend(added if isinstance(added, list | tuple) else [added])
        return sorted(found, key=lambda item: item.order)


home = Sections("the home page")
home_figures = Sections("the home page's figures")
