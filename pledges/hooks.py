"""What pledges adds to pages of lower apps (home totals, profiles, community pages),
registered in PledgesConfig.ready(), and the clean-up when a member is deleted."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from communities.page_sections import CommunitySection
from kernel import caching
from members.profile_sections import ProfileSection
from pledges import selectors


def home_totals(*, request) -> list[dict]:
    totals = selectors.platform_totals()
    return [
        {"label": _("pledges made"), "value": totals["pledges"], "order": 10},
        {"label": _("co-signs"), "value": totals["co_signs"], "order": 11},
        {"label": _("commitments done"), "value": totals["done"], "order": 12},
    ]


PROFILE_ITEMS = 5


def profile_pledges(*, request, member) -> ProfileSection | None:
    viewer = request.user
    made = list(selectors.pledges_made_by(member=member, viewer=viewer)[:PROFILE_ITEMS])
    signed = list(selectors.signatures_of_member(member=member, viewer=viewer)[:PROFILE_ITEMS])
    is_self = viewer.is_authenticated and viewer.pk == member.pk
    thanked = selectors.times_thanked(member=member)
    if not made and not signed and not thanked and not is_self:
        return None
    return ProfileSection(
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


def community_pledges(*, request, community) -> CommunitySection:
    pledges = selectors.community_pledges(
        community=community, viewer=request.user, limit=COMMUNITY_ITEMS
    )
    return CommunitySection(
        title=_("Pledges"),
        template="pledges/_community_section.jinja",
        context={"community": community, "pledges": pledges},
        order=20,
    )


def pages_of_pledge(pledge) -> list[str]:
    """The cached pages that show a pledge (kernel.caching): its own, and its
    community's."""
    return [caching.pledge(pledge.pk)] + (
        [caching.community(pledge.community_id)] if pledge.community_id else []
    )


def pages_of_check_in(check_in) -> list[str]:
    return [caching.pledge(check_in.pledge_id)]


def recount_after_member_deleted(sender, instance, **kwargs) -> None:
    """When a member's account is deleted their signatures go with it; the pledges
    they co-signed then recount, so no counter keeps a person who is gone."""
    from pledges.models import Pledge, Signature
    from pledges.services import pledge_recount

    pledge_ids = list(
        Signature.objects.filter(member=instance, is_author=False).values_list(
            "pledge_id", flat=True
        )
    )
    if not pledge_ids:
        return

    def recount() -> None:
        for pledge_id in Pledge.objects.filter(pk__in=pledge_ids).values_list("pk", flat=True):
            pledge_recount(pledge=pledge_id)

    transaction.on_commit(recount)
