"""Subjects and their generations: how a change drops every cached page that shows it.

A *subject* names something a cached page shows: `community:<id>` (a community's page:
the community, its organisers, its newest pledges and its stories) and `people`
(members' names as others see them). A subject is named only while a page in
`pages.PAGES` reads it, so no service writes a generation nobody reads. Services call
`changed(*subjects)` for everything they change; after the transaction commits, each
subject gets a new *generation*. A page copy keeps the generations its subjects had
when it was rendered (`page_shows`, called by the view before it reads anything) and is
never served once one of them differs. Generations are written whichever cache layers
are switched on, so turning a layer on never finds stale generations.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable

from django.db import transaction

GENERATION_SECONDS = 24 * 60 * 60  # far longer than any copy lives
PEOPLE = "people"


def community(pk) -> str:
    return f"community:{pk}"


def generation_key(subject: str) -> str:
    return f"generation:{subject}"


def generations(subjects: Iterable[str]) -> dict[str, str | None]:
    """The current generation of each subject (None for one never changed)."""
    from django.core.cache import cache

    subjects = sorted(set(subjects))
    found = cache.get_many([generation_key(subject) for subject in subjects])
    return {subject: found.get(generation_key(subject)) for subject in subjects}


# Subjects waiting for their transaction to commit, per thread (a thread has its own
# database connection). Every changed() registers a callback after commit; the first to
# run writes every pending subject's new generation at once, the rest find nothing left.
# A subject whose transaction rolled back stays pending and is retired with the next
# commit's: one render too many, never a stale page.
_pending = threading.local()


def _pending_subjects() -> set[str]:
    subjects = getattr(_pending, "subjects", None)
    if subjects is None:
        subjects = _pending.subjects = set()
    return subjects


def _retire_pending() -> None:
    from django.core.cache import cache

    subjects = _pending_subjects()
    if not subjects:
        return
    retiring = sorted(subjects)
    subjects.clear()
    cache.set_many(
        {generation_key(subject): uuid.uuid4().hex for subject in retiring},
        GENERATION_SECONDS,
    )


def changed(*subjects: str | None) -> None:
    """Drop every cached page that shows one of these subjects, once the current
    transaction commits (at once outside a transaction)."""
    named = {subject for subject in subjects if subject}
    if not named:
        return
    _pending_subjects().update(named)
    transaction.on_commit(_retire_pending)


def page_shows(request, *subjects: str) -> None:
    """Called by a view before it reads anything: the subjects its page shows, so an
    anonymous copy of it may be kept until one of them changes. The generations are read
    now, before the page is built, so a change that commits while it renders leaves the
    copy stale rather than wrongly fresh."""
    if getattr(request, "anonymous_page_cacheable", False):
        request.anonymous_page_subjects = generations((*subjects, PEOPLE))
