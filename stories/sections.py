"""What stories adds to other apps' pages, through the registries those apps keep:
moderation, the home page (featured stories), member profiles,
community pages and pledge pages, and the invitation to tell a finished pledge."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from communities.moderation import register_moderated
from communities.permissions import can_moderate
from communities.sections import community_page
from kernel import sections
from kernel.sections import Section
from members.sections import profile
from notifications import digest_sections
from pledges import outcomes as pledge_outcomes
from pledges.sections import pledge_page
from pledges.signals import commitment_done
from stories import pledge_links, selectors
from stories.caching import pages_of_story
from stories.models import Comment, Story


def home_featured(*, request) -> Section | None:
    stories = selectors.featured_stories(user=request.user, limit=3)
    if not stories:
        return None
    return Section(
        title=_("Featured stories"),
        template="stories/sections/home.jinja",
        context={"stories": stories},
        order=40,
    )


def profile_stories(*, request, member) -> Section | None:
    stories = selectors.member_published_stories(member=member, viewer=request.user)
    if not stories:
        return None
    return Section(
        title=_("Stories"),
        template="stories/sections/list.jinja",
        context={"stories": stories, "member": member},
        order=40,
    )


def community_stories(*, request, community) -> Section | None:
    stories = selectors.community_stories(user=request.user, community=community, limit=5)
    review_count = (
        selectors.review_count_for(user=request.user, community=community)
        if can_moderate(request.user, community)
        else 0
    )
    return Section(
        title=_("Stories"),
        template="stories/sections/community.jinja",
        context={"stories": stories, "community": community, "review_count": review_count},
        order=40,
    )


DIGEST_ITEMS = 10


def organisers_with_stories_to_review() -> list[int]:
    """Organisers of communities where stories wait for review get the weekly digest."""
    from communities.models import Membership
    from stories.models import Story

    return list(
        Membership.objects.filter(
            role=Membership.Role.ORGANISER,
            status=Membership.Status.ACTIVE,
            community__stories__status=Story.Status.SUBMITTED,
        )
        .values_list("member_id", flat=True)
        .distinct()
    )


def organiser_digest(*, organiser, since, until) -> list[digest_sections.DigestSection]:
    """For an organiser's weekly digest: stories waiting for their review, and the
    stories published in their communities that week."""
    from django.urls import reverse

    waiting = list(selectors.stories_to_review(user=organiser)[:DIGEST_ITEMS])
    told = selectors.stories_published_in_organised(
        organiser=organiser, since=since, until=until, limit=DIGEST_ITEMS
    )
    return [
        digest_sections.DigestSection(
            title=_("Stories waiting for your review"),
            items=[
                _("“%(title)s” by %(name)s")
                % {"title": s.title, "name": s.author.name_for(organiser)}
                for s in waiting
            ],
            url=reverse("stories:review_queue"),
            link_text=_("Review the stories"),
            order=30,
        ),
        digest_sections.DigestSection(
            title=_("Stories told in your communities"),
            items=[
                (
                    _("“%(title)s” by %(name)s: %(outcome)s")
                    if s.outcome
                    else _("“%(title)s” by %(name)s")
                )
                % {"title": s.title, "name": s.author.name_for(organiser), "outcome": s.outcome}
                for s in told
            ],
            url=reverse("stories:feed"),
            link_text=_("Read the stories"),
            order=60,
        ),
    ]


def register() -> None:
    register_moderated(
        Story,
        label=pgettext_lazy("kind of content", "story"),
        url_of=lambda story: story.get_absolute_url(),
        text_of=lambda story: story.title,
        pages_of=pages_of_story,
        visible_to=selectors.can_see_story,
    )
    register_moderated(
        Comment,
        label=pgettext_lazy("kind of content", "comment"),
        url_of=lambda comment: comment.get_absolute_url(),
        text_of=lambda comment: comment.body[:200],
        community_field="story__community",
        author_field="author",
        pages_of=lambda comment: pages_of_story(comment.story),
        visible_to=selectors.can_see_comment,
    )
    sections.home.register(home_featured)
    profile.register(profile_stories)
    community_page.register(community_stories)
    pledge_page.register(pledge_links.pledge_section)
    pledge_outcomes.register_story_finder(pledge_links.story_for_outcome)
    digest_sections.register(organiser_digest)
    digest_sections.register_recipients(organisers_with_stories_to_review)
    commitment_done.connect(
        pledge_links.invite_to_tell, dispatch_uid="stories-invite-to-tell-the-story"
    )
