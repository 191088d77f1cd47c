"""The pages of pledges that other apps add to (a pledge's page, a campaign's page), and
what pledges adds to the pages of lower apps: a member's profile, a community's page.
kernel/sections.py says how; PledgesConfig.ready() calls `register()`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from communities.sections import community_page
from kernel.sections import Section, Sections
from members.sections import profile
from pledges import selectors

# Called as fn(*, request, pledge, signature): the viewer's signature, or None.
pledge_page = Sections("a pledge's page")
# Called as fn(*, request, campaign).
campaign_page = Sections("a campaign's page")

PROFILE_ITEMS = 5


def profile_pledges(*, request, member) -> Section | None:
    viewer = request.user
    made = list(selectors.pledges_made_by(member=member, viewer=viewer)[:PROFILE_ITEMS])
    signed = list(selectors.signatures_of_member(member=member, viewer=viewer)[:PROFILE_ITEMS])
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    thanked = selectors.times_thanked(member=member)
    if not made and not signed and not thanked and not is_self:
        return None
    return Section(
        title=_("Pledges"),
        template="pledges/_profile_section.jinja",
        context={
            "member": member,
            "made": made,
            "signed": signed,
            "is_self": is_self,
            "thanked": thanked,
        },
        order=20,
    )


COMMUNITY_ITEMS = 10


def community_pledges(*, request, community) -> Section:
    pledges = selectors.community_pledges(
        community=community, viewer=request.user, limit=COMMUNITY_ITEMS
    )
    return Section(
        title=_("Pledges"),
        template="pledges/_community_section.jinja",
        context={"community": community, "pledges": pledges},
        order=20,
    )


def register() -> None:
    profile.register(profile_pledges)
    community_page.register(community_pledges)
