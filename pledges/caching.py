"""The cached pages (kernel.caching) a pledge shows on.

A pledge's own page is never copied (its copy stopped paying: kernel.caching, "Layers
that did not pay"), so only its community's page names it. Check-ins and thanks show
on no cached page: only on the pledge's own.
"""

from __future__ import annotations

from kernel import caching


def pages_of_pledge(pledge) -> list[str]:
    """The cached pages that show a pledge (kernel.caching): its community's, where its
    card is listed with its signers."""
    return [caching.community(pledge.community_id)] if pledge.community_id else []
