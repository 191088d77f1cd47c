"""Who may do what with a story. Used by web views, API permissions and templates."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from communities.moderation import ModerationStatus
from communities.permissions import can_moderate, can_post_in
from stories.models import CoAuthor, Comment, Story


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_author(user, story: Story) -> bool:
    return _signed_in(user) and story.author_id == user.pk


def is_co_author(user, story: Story) -> bool:
    """An accepted co-author. Uses the prefetched `accepted_co_authors` when a selector
    loaded them, so lists do not ask once per story."""
    if not _signed_in(user):
        return False
    prefetched = getattr(story, "accepted_co_authors", None)
    if prefetched is not None:
        return any(c.member_id == user.pk for c in prefetched)
    return CoAuthor.objects.filter(
        story=story, member=user, status=CoAuthor.Status.ACCEPTED
    ).exists()


def can_edit_story(user, story: Story) -> bool:
    """The author and accepted co-authors write the story together."""
    return is_author(user, story) or is_co_author(user, story)


def can_manage_story(user, story: Story) -> bool:
    """Publishing, taking back, deleting and inviting co-authors are the author's."""
    return is_author(user, story)


def can_move_story(user, story: Story) -> bool:
    """Where the story is told is the author's choice; co-authors write it."""
    return is_author(user, story)


def can_read_review_note(user, story: Story) -> bool:
    """The organiser's note on a review is for the story's authors and the organisers of
    its community (admins anywhere), never for its readers."""
    return can_edit_story(user, story) or can_review_story(user, story)


def can_review_story(user, story: Story) -> bool:
    """Organisers of the story's community (admins anywhere) review and feature it."""
    return can_moderate(user, story.community)


def can_feature_story(user, story: Story) -> bool:
    return can_review_story(user, story)


def can_react(user, story: Story) -> bool:
    return _signed_in(user) and story.is_public and not can_edit_story(user, story)


def can_comment(user, story: Story) -> bool:
    """Anyone signed in comments on a public story; in a community, only its members
    (banned members cannot)."""
    return story.is_public and can_post_in(user, story.community)


def comment_edit_window() -> timedelta:
    return timedelta(minutes=settings.STORIES_COMMENT_EDIT_MINUTES)


def can_edit_comment(user, comment: Comment) -> bool:
    return (
        _signed_in(user)
        and comment.author_id == user.pk
        and comment.moderation_status != ModerationStatus.HIDDEN
        and timezone.now() - comment.created_at <= comment_edit_window()
    )
