"""The cached pages a story appears on (kernel.caching subjects): its community's and
its linked pledges'."""

from __future__ import annotations

from collections.abc import Iterable

from kernel import caching


def pages_of_story(story, *, pledge_ids: Iterable[int] | None = None) -> list[str]:
    """`pledge_ids`: the pledges it is linked to, when the caller already has them."""
    subjects = [caching.community(story.community_id)] if story.community_id else []
    if pledge_ids is None:
        pledge_ids = story.pledges.values_list("pk", flat=True) if story.pk else []
    return subjects + [caching.pledge(pk) for pk in pledge_ids]


def story_changed(story, *, pledge_ids: Iterable[int] | None = None) -> None:
    """Drop the cached pages the story appears on (after the transaction commits)."""
    caching.changed(*pages_of_story(story, pledge_ids=pledge_ids))
