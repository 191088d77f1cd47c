"""What learning adds to pages of lower apps: home-page totals, profile and community sections."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.page_sections import CommunitySection
from learning import selectors
from learning.permissions import can_see_community_progress
from members.profile_sections import ProfileSection


def home_totals(*, request) -> list[dict]:
    totals = selectors.totals()
    modules, completions = totals["modules"], totals["completions"]
    return [
        {
            "label": ngettext("learning module available", "learning modules available", modules),
            "value": modules,
            "order": 40,
        },
        {
            "label": ngettext("module completed", "modules completed", completions),
            "value": completions,
            "order": 41,
        },
    ]


def profile_section(*, request, member) -> ProfileSection | None:
    certificates = list(selectors.certificates_of(member=member))
    completed = selectors.completed_count_of(member=member)
    if not completed and not certificates:
        return None
    return ProfileSection(
        title=_("Learning"),
        template="learning/profile_section.jinja",
        context={"completed": completed, "certificates": certificates},
        order=40,
    )


def community_section(*, request, community) -> CommunitySection | None:
    if not can_see_community_progress(request.user, community):
        return None
    return CommunitySection(
        title=_("Learning"),
        template="learning/community_section.jinja",
        context={"community": community},
        order=90,
    )
