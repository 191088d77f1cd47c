"""What reports adds to other apps' pages (kernel/sections.py says how): the home page's
figures, a campaign's progress and a community's achievements, all read from the rollups
(the one count of what happened: reports/rollups.py), and badges on member profiles."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.sections import community_page
from kernel import sections
from kernel.caching import cached_value
from kernel.sections import Figure, Section
from members.sections import profile
from pledges.sections import campaign_page
from reports import permissions, selectors
from reports.models import Scope


def _modules_available() -> int:
    return cached_value("reports.modules-available", _count_modules)


def _count_modules() -> int:
    from learning.models import Module

    return Module.objects.filter(status=Module.Status.PUBLISHED).count()


def home_figures(*, request) -> list[Figure]:
    totals = selectors.platform_totals()
    members = totals["new_members"]
    return [
        Figure(ngettext("member", "members", members), members, order=0),
        Figure(_("pledges made"), totals["pledges_made"], order=10),
        Figure(_("co-signs"), totals["co_signs"], order=11),
        Figure(_("commitments done"), totals["people_done"], order=12),
        Figure(_("stories told"), totals["stories_published"], order=40),
        Figure(_("learning modules available"), _modules_available(), order=40),
        Figure(_("modules completed"), totals["module_completions"], order=41),
    ]


def campaign_progress(*, request, campaign) -> Section:
    return Section(
        title=_("Progress"),
        template="reports/sections/campaign.jinja",
        context={"campaign": campaign, "progress": selectors.campaign_progress(campaign=campaign)},
        order=10,
    )


def community_achievements(*, request, community) -> Section:
    return Section(
        title=_("Achievements"),
        template="reports/sections/community.jinja",
        context={
            "community": community,
            "totals": selectors.scope_totals(scope=Scope.COMMUNITY, scope_id=community.pk),
            "can_see_reports": permissions.can_see_community_reports(request.user, community),
        },
        order=15,
    )


def profile_badges(*, request, member) -> Section | None:
    viewer = request.user
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    badges = selectors.badges_of(member=member, viewer=viewer)
    if not badges and not is_self:
        return None
    return Section(
        title=_("Badges"),
        template="reports/sections/profile.jinja",
        context={
            "badges": badges,
            "is_self": is_self,
            "hidden": is_self and selectors.badges_hidden(member),
        },
        order=15,
    )


def register() -> None:
    sections.home_figures.register(home_figures)
    campaign_page.register(campaign_progress)
    community_page.register(community_achievements)
    profile.register(profile_badges)
