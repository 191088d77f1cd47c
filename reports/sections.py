"""What reports adds to other apps' pages, through the registries those apps keep: the
home page's totals, a campaign's progress and a community's achievements (all read from
the rollups), and badges on member profiles."""

from __future__ import annotations

from django.utils.translation import gettext as _

from communities import page_sections as community_sections
from kernel.caching import cached_value
from members import profile_sections
from radicals import home_stats
from reports import permissions, selectors
from reports.models import Scope


def _modules_available() -> int:
    return cached_value("reports.modules-available", _count_modules)


def _count_modules() -> int:
    from learning.models import Module

    return Module.objects.filter(status=Module.Status.PUBLISHED).count()


def home_totals(*, request) -> list[dict]:
    totals = selectors.platform_totals()
    return [
        {"label": _("pledges made"), "value": totals["pledges_made"], "order": 10},
        {"label": _("co-signs"), "value": totals["co_signs"], "order": 11},
        {"label": _("commitments done"), "value": totals["people_done"], "order": 12},
        {"label": _("stories told"), "value": totals["stories_published"], "order": 40},
        {"label": _("learning modules available"), "value": _modules_available(), "order": 40},
        {"label": _("modules completed"), "value": totals["module_completions"], "order": 41},
    ]


def members_total() -> int:
    return selectors.platform_totals()["new_members"]


def campaign_totals(campaign) -> dict:
    totals = selectors.cached_totals(scope=Scope.CAMPAIGN, scope_id=campaign.pk)
    return {
        "pledges": totals["pledges_made"],
        "signers": totals["pledges_made"] + totals["co_signs"],
        "done": totals["people_done"],
        "total_quantity": totals["outcome_total"],
    }


def community_achievements(*, request, community) -> community_sections.CommunitySection:
    return community_sections.CommunitySection(
        title=_("Achievements"),
        template="reports/sections/community.jinja",
        context={
            "community": community,
            "totals": selectors.cached_totals(scope=Scope.COMMUNITY, scope_id=community.pk),
            "can_see_reports": permissions.can_see_community_reports(request.user, community),
        },
        order=15,
    )


def profile_badges(*, request, member) -> profile_sections.ProfileSection | None:
    viewer = request.user
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    badges = selectors.badges_of(member=member, viewer=viewer)
    if not badges and not is_self:
        return None
    return profile_sections.ProfileSection(
        title=_("Badges"),
        template="reports/sections/profile.jinja",
        context={
            "badges": badges,
            "is_self": is_self,
            "hidden": is_self and selectors.badges_hidden(member),
        },
        order=15,
    )


def register_all() -> None:
    from learning import sections as learning_sections
    from pledges import hooks as pledge_hooks
    from pledges import selectors as pledge_selectors
    from stories import sections as story_sections

    # The rollup-backed totals take over from the counts pledges, stories and learning
    # registered, so the home page never counts rows on a request.
    home_stats.register(
        home_totals,
        replaces=(
            pledge_hooks.home_totals,
            story_sections.home_totals,
            learning_sections.home_totals,
        ),
    )
    home_stats.set_members_total(members_total)
    pledge_selectors.campaign_totals_provider = campaign_totals
    community_sections.register(community_achievements)
    profile_sections.register(profile_badges)
