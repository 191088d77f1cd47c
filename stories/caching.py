"""The cached pages a story appears on (kernel.caching subjects): its community's.

A story's card is listed on its community's page; the pages of the pledges it is linked
to are never copied, so its links drop nothing."""

from __future__ import annotations

from kernel import caching


def pages_of_story(story) -> list[str]:
    return [caching.community(story.community_id)] if story.community_id else []


def story_changed(story) -> None:
    """Drop the cached pages the story appears on (after the transaction commits)."""
    caching.changed(*pages_of_story(story))
