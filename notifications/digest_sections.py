"""What goes into the weekly organiser digest, supplied by the apps that know.

Notifications imports no other app, so the apps that hold the facts (communities:
moderation queue and new members; pledges, stories, learning: achievements) register
here, usually in their AppConfig.ready():

    from notifications import digest_sections

    digest_sections.register_recipients(organiser_ids)    # () -> iterable of user ids
    digest_sections.register(community_digest_sections)   # (*, organiser, since, until)
                                                          #   -> list[DigestSection]

Once a week the task `send_organiser_digests` asks every recipient function who gets
a digest, asks every section function what to tell each of them about the week from
`since` to `until`, and sends one `organiser_digest` notification per organiser who
has something to read (none is sent when every section is empty).

Section functions are called in the organiser's language (translation.override), so
their titles, items and link texts marked with gettext come out in it, and are stored
that way: the digest is that organiser's alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class DigestSection:
    title: str
    items: list[str] = field(default_factory=list)
    url: str = ""
    link_text: str = ""
    order: int = 100

    def as_dict(self) -> dict:
        """The section as stored: words (lazy translations too) written out in the
        active language."""
        written = asdict(self)
        written.update(
            title=str(self.title),
            items=[str(item) for item in self.items],
            link_text=str(self.link_text),
        )
        return written


SectionFunction = Callable[..., "list[DigestSection] | DigestSection | None"]
RecipientFunction = Callable[[], Iterable[int]]

_sections: list[SectionFunction] = []
_recipients: list[RecipientFunction] = []


def register(function: SectionFunction) -> SectionFunction:
    """Add a section function, called as fn(*, organiser, since, until)."""
    if function not in _sections:
        _sections.append(function)
    return function


def register_recipients(function: RecipientFunction) -> RecipientFunction:
    """Add a function returning the ids of members who get the weekly digest."""
    if function not in _recipients:
        _recipients.append(function)
    return function


def unregister(function: Callable) -> None:
    for registry in (_sections, _recipients):
        if function in registry:
            registry.remove(function)


def recipient_ids() -> list[int]:
    ids: set[int] = set()
    for function in _recipients:
        ids.update(int(pk) for pk in function())
    return sorted(ids)


def sections_for(*, organiser, since: datetime, until: datetime) -> list[DigestSection]:
    """Every registered section with something in it, in order."""
    sections: list[DigestSection] = []
    for function in _sections:
        result = function(organiser=organiser, since=since, until=until)
        if result is None:
            continue
        if isinstance(result, DigestSection):
            result = [result]
        sections.extend(s for s in result if s.items)
    return sorted(sections, key=lambda s: s.order)
