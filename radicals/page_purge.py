"""Dropping visitors' cached copies of a page the moment what it shows changes.

The anonymous page cache (radicals.middleware.AnonymousPageCacheMiddleware) keeps a
page for ANONYMOUS_PAGE_CACHE_SECONDS. A page that names the *subjects* it shows (a
pledge's page: `pledge:<id>`; a community's page: `community:<id>`) is kept longer,
ANONYMOUS_PURGED_PAGE_CACHE_SECONDS, because every change to a subject gives it a new
*generation*, and a copy made under an older generation of any of its subjects is never
served again.

Apps say which subjects a change touches in their AppConfig.ready():

    purge_on_change(Signature, lambda signature: [f"pledge:{signature.pledge_id}"])

and views name the subjects of their page with `keep_until_changed(request, …)`.
The new generation is set after the transaction commits, so a page rendered while the
change is still uncommitted is not kept under the new generation.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete

GENERATION_SECONDS = 24 * 60 * 60


def generation_key(subject: str) -> str:
    return f"anonymous-page:generation:{subject}"


def generations(subjects: Iterable[str]) -> dict[str, str | None]:
    """The current generation of each subject (None for one never changed)."""
    from django.core.cache import cache

    subjects = list(subjects)
    found = cache.get_many([generation_key(subject) for subject in subjects])
    return {subject: found.get(generation_key(subject)) for subject in subjects}


# Subjects waiting for their transaction to commit, per thread (a thread has its own
# database connection). Every purge() registers a callback after commit; the first to
# run sets every pending subject's new generation in one write, the rest find nothing
# left. A subject whose transaction rolled back stays pending and is retired with the
# next commit's: a purge too many only costs one render.
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


def purge(subjects: Iterable[str]) -> None:
    """Retire the cached pages that show these subjects, once the current transaction
    commits. The purges of one transaction are written together."""
    subjects = {subject for subject in subjects if subject}
    if not subjects or getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 0) <= 0:
        return
    _pending_subjects().update(subjects)
    transaction.on_commit(_retire_pending)


def purge_on_change(model, subjects_of: Callable[[object], Iterable[str]]) -> None:
    """Purge `subjects_of(instance)` whenever an instance of `model` is saved or
    deleted (asked before the delete, while its relations can still be read)."""

    def changed(sender, instance, **kwargs) -> None:
        if kwargs.get("raw") or getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 0) <= 0:
            return  # fixtures being loaded, or no copies kept
        purge(subjects_of(instance))

    uid = f"page-purge-{model._meta.label_lower}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    pre_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-delete")


def purge_on_links(through, subjects_of_ids: Callable[[set[int]], Iterable[str]]) -> None:
    """Purge when rows are added to or taken from a many-to-many relation: `pk_set` is
    the ids on the far side."""

    def changed(sender, instance, action, pk_set, **kwargs) -> None:
        if action in ("post_add", "post_remove") and pk_set:
            purge(subjects_of_ids(set(pk_set)))

    uid = f"page-purge-links-{through._meta.label_lower}"
    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=uid)


def keep_until_changed(request, *subjects: str) -> None:
    """Called by a view before it reads anything: name the subjects its page shows, so
    visitors who are not signed in may be served the page for
    ANONYMOUS_PURGED_PAGE_CACHE_SECONDS, until one of them changes. The subjects'
    generations are read now, before the page is built, so a change that commits while
    it renders leaves the copy stale rather than wrongly fresh."""
    if getattr(request, "anonymous_page_cacheable", False):
        request.anonymous_cache_subjects = generations(subjects)
