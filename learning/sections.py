"""What learning adds to pages of lower apps: a member's profile and a community's page
(kernel/sections.py says how)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from communities.sections import community_page
from kernel.sections import Section
from learning import selectors
from learning.permissions import can_see_community_progress
from members.sections import profile


def profile_section(*, request, member) -> Section | None:
    certificates = list(selectors.certificates_of(member=member))
    completed = selectors.completed_count_of(member=member)
    if not completed and not certificates:
        return None
    return Section(
        title=_("Learning"),
        template="learning/profile_section.jinja",
        context={"completed": completed, "certificates": certificates},
        order=40,
    )


def community_section(*, request, community) -> Section | None:
    if not can_see_community_progress(request.user, community):
        return None
    return Section(
        title=_("Learning"),
        template="learning/community_section.jinja",
        context={"community": community},
        order=90,
    )


def register() -> None:
    profile.register(profile_section)
    community_page.register(community_section)
