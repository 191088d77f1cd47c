"""Pledge -> do -> tell: how stories meet pledges.

When a member marks their commitment to a pledge done (pledges' `commitment_done`
signal), they are invited to tell its story; the story form can start from the
pledge (`?pledge=<id>`) with the pledge sentence, their check-ins and their outcome;
and the pledge page lists the stories told about it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.moderation import ModerationStatus
from communities.permissions import can_post_in
from kernel.sections import Section
from notifications.models import Kind
from notifications.services import notify
from pledges.models import Pledge, Signature
from pledges.outcomes import StoryLink
from pledges.selectors import check_ins_visible_to, pledges_visible_to, signature_of
from stories import reads, selectors
from stories.models import BODY_MAX_LENGTH, OUTCOME_MAX_LENGTH, SUMMARY_MAX_LENGTH, Story
from stories.services import in_language_of

CHECK_INS_IN_DRAFT = 20


def create_url_for(pledge: Pledge) -> str:
    return f"{reverse('stories:create')}?pledge={pledge.pk}"


def invite_to_tell(sender, signature: Signature, **kwargs) -> None:
    """A member finished what they pledged: ask them to tell the story (once per pledge)."""
    pledge = signature.pledge
    notify(
        kind=Kind.STORY_INVITATION,
        recipient=signature.member,
        subject=pledge,
        title=in_language_of(
            signature.member,
            gettext_lazy("Tell the story of your pledge: “%(pledge)s”"),
            pledge=pledge.sentence,
        )[:200],
        body=in_language_of(
            signature.member,
            gettext_lazy(
                "You did what you pledged. Tell people how you did it and what happened, so "
                "the next people can do it too. We have started the story from your check-ins."
            ),
        ),
        url=create_url_for(pledge),
    )


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def prefill(*, user, pledge_id) -> dict | None:
    """A story's first draft from a pledge the member can see: the pledge sentence, their
    own check-in notes and the outcome they gave when they marked it done."""
    try:
        pledge_id = int(pledge_id)
    except (TypeError, ValueError):
        return None
    pledge = (
        pledges_visible_to(user)
        .select_related("campaign", "community")
        .filter(pk=pledge_id)
        .first()
    )
    if pledge is None:
        return None
    signature = signature_of(user=user, pledge=pledge)
    outcome = signature.outcome if signature is not None and signature.is_done else ""
    check_ins = list(
        check_ins_visible_to(user=user, pledge=pledge).filter(author=user).order_by("created_at")
    )[-CHECK_INS_IN_DRAFT:]

    # The draft's headings are the member's to keep or change, in the language they write in.
    parts = ["## " + _("What I pledged"), "", _sentence(pledge.sentence), ""]
    if check_ins:
        parts += ["## " + _("What I did"), ""]
        for check_in in check_ins:
            day = date_format(timezone.localtime(check_in.created_at), "j F Y")
            note = " ".join(check_in.note.split())
            parts.append(f"- **{day}:** {note}")
        parts.append("")
    parts += ["## " + _("What happened"), "", _sentence(outcome) if outcome else "", ""]
    parts += ["## " + _("What I learned"), "", ""]
    body = "\n".join(parts).strip() + "\n"
    if len(body) > BODY_MAX_LENGTH:
        body = body[:BODY_MAX_LENGTH]

    summary = _("I pledged to %(pledge)s.") % {"pledge": pledge.title}
    if outcome:
        summary = f"{summary} {_sentence(outcome)}"
    title = pledge.title[:1].upper() + pledge.title[1:]
    return {
        "pledge": pledge,
        "initial": {
            "title": title[:150],
            "summary": summary[:SUMMARY_MAX_LENGTH],
            "body": body,
            "outcome": outcome if len(outcome) <= OUTCOME_MAX_LENGTH else "",
            "community": (
                pledge.community.slug
                if pledge.community_id and can_post_in(user, pledge.community)
                else ""
            ),
            "campaign": pledge.campaign.slug if pledge.campaign_id else "",
            "pledges": [pledge.pk],
        },
    }


def linked_pledges(*, user, story: Story) -> list[Pledge]:
    """The pledges a story tells about that `user` may see."""
    return list(
        story.pledges.filter(pk__in=pledges_visible_to(user).values("pk")).order_by(
            "-created_at", "-id"
        )
    )


def story_for_outcome(*, pledge: Pledge, user=None) -> StoryLink | None:
    """The story a pledge's outcome links to: the one the feed would show first among
    those `user` may read (None: stories anyone may read). Most pledges have no story:
    one read of the link table's pledge index says so, at a third of the feed query's
    cost."""
    told = reads.story_ids_about(pledge.pk)
    if not told:
        return None
    story = (
        selectors.stories_visible_to(user)
        .filter(
            status=Story.Status.PUBLISHED,
            moderation_status=ModerationStatus.PUBLISHED,
            pledges=pledge,
        )
        .order_by("-is_featured", "-published_at", "-id")
        .only("title", "slug")
        .first()
    )
    return StoryLink(title=story.title, url=story.get_absolute_url()) if story else None


STORIES_ON_PLEDGE_PAGE = 5


def pledge_section(*, request, pledge: Pledge, signature=None) -> Section | None:
    """On a pledge's page: the stories about it, and for a member whose commitment is
    done and who has not told it yet, the invitation to tell it."""
    # Most pledges have no story yet: one read of the link table's pledge index says
    # so, and only a pledge with stories pays for the feed's query and its prefetches.
    told = reads.story_ids_about(pledge.pk)
    stories = (
        list(
            selectors.story_feed(user=request.user, with_pledges=False).filter(pk__in=told)[
                :STORIES_ON_PLEDGE_PAGE
            ]
        )
        if told
        else []
    )
    invite = bool(
        signature is not None
        and signature.is_done
        and request.user.is_authenticated
        and signature.member_id == request.user.pk
        and not Story.objects.filter(author=request.user, pledges=pledge).exists()
    )
    if not stories and not invite:
        return None
    return Section(
        title=_("Stories about this pledge"),
        template="stories/sections/pledge.jinja",
        context={
            "stories": stories,
            "invite": invite,
            "create_url": create_url_for(pledge),
            "pledge": pledge,
        },
        order=50,
    )
