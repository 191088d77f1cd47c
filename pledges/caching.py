"""The cached pages (kernel.caching) a pledge or a check-in shows on."""

from __future__ import annotations

from kernel import caching


def pages_of_pledge(pledge) -> list[str]:
    """The cached pages that show a pledge (kernel.caching): its own, and its
    community's."""
    return [caching.pledge(pledge.pk)] + (
        [caching.community(pledge.community_id)] if pledge.community_id else []
    )


def pages_of_check_in(check_in) -> list[str]:
    return [caching.pledge(check_in.pledge_id)]


def pages_of_thanks(thanks) -> list[str]:
    return [caching.pledge(thanks.pledge_id)]
