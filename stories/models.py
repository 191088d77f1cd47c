"""Change stories: what changed, told by its author and invited co-authors.

A story has two independent states. `status` is the editorial lifecycle the
author and (when the community pre-moderates) an organiser move it through:
draft -> published, or draft -> submitted -> published / returned with a note.
`moderation_status` (from `Moderated`) is the moderators' hide / restore and is
never changed by the editorial lifecycle. A story is public only when it is both
editorially published and not hidden.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities.moderation import Moderated
from kernel import paths, written

TITLE_MAX_LENGTH = 150
SUMMARY_MAX_LENGTH = 500
BODY_MAX_LENGTH = 50_000
OUTCOME_MAX_LENGTH = 300
REVIEW_NOTE_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 5000
TAG_MAX_LENGTH = 40
TAGS_MAX = 10
PLEDGES_MAX = 10


def search_vector() -> SearchVector:
    """The full-text document of a story, in the configuration of the language it is
    written in. The GIN index is built on exactly this expression, so feed searches are
    answered from the index."""
    return written.search_vector("title", "summary", "body")


class Tag(models.Model):
    """A word or two members file stories under ("patient experience", "nights")."""

    name = models.CharField(max_length=TAG_MAX_LENGTH, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=TAG_MAX_LENGTH + 10, unique=True, verbose_name=_("slug"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Story(Moderated):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for an organiser's review")
        PUBLISHED = "published", _("Published")
        RETURNED = "returned", _("Returned to the author with a note")

    # States only the author and accepted co-authors see.
    PRIVATE_STATUSES = (Status.DRAFT, Status.RETURNED)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="stories",
        verbose_name=_("author"),
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH, verbose_name=_("title"))
    slug = models.SlugField(max_length=TITLE_MAX_LENGTH + 12, unique=True, verbose_name=_("slug"))
    summary = models.CharField(
        max_length=SUMMARY_MAX_LENGTH,
        help_text=_("One or two sentences shown in the feed."),
        verbose_name=_("summary"),
    )
    body = models.TextField(
        validators=[MaxLengthValidator(BODY_MAX_LENGTH)],
        help_text=_("The story, in Markdown."),
        verbose_name=_("story"),
    )
    language = written.language_field()
    outcome = models.CharField(
        _("measured outcome"),
        max_length=OUTCOME_MAX_LENGTH,
        blank=True,
        help_text=_('One sentence with a number, e.g. "42 patients asked what matters to them".'),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("community"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories", verbose_name=_("tags"))
    pledges = models.ManyToManyField(
        "pledges.Pledge",
        blank=True,
        related_name="stories",
        help_text=_("The pledges this story tells about."),
        verbose_name=_("pledges"),
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("campaign"),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        verbose_name=_("status"),
    )
    review_note = models.TextField(
        max_length=REVIEW_NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("The organiser's note when they returned the story."),
        verbose_name=_("review note"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    is_featured = models.BooleanField(default=False, db_index=True, verbose_name=_("featured"))
    featured_at = models.DateTimeField(null=True, blank=True, verbose_name=_("featured at"))
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("featured by"),
    )
    inspired_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("inspired count")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("published at")
    )

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            models.Index(
                fields=["-is_featured", "-published_at", "-id"],
                name="stories_feed",
                condition=Q(status="published", moderation_status="published"),
            ),
            models.Index(fields=["community", "status"], name="stories_community_status"),
            # A community page's stories: a range read of the community's feed.
            models.Index(
                fields=["community", "-is_featured", "-published_at", "-id"],
                name="stories_community_feed",
                condition=Q(status="published", moderation_status="published"),
            ),
            GinIndex(search_vector(), name="stories_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="stories_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(is_featured=False) | Q(status="published"),
                name="stories_only_published_featured",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return paths.path("stories:detail", self.slug)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.is_published

    @property
    def is_private(self) -> bool:
        return self.status in self.PRIVATE_STATUSES

    @property
    def moderation_community(self):
        return self.community

    @property
    def moderation_author(self):
        return self.author


class CoAuthor(models.Model):
    """A member the author invited to write the story with them."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", pgettext_lazy("co-author status", "Co-author")
        DECLINED = "declined", _("Declined")
        REMOVED = "removed", _("Removed")

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="co_authors", verbose_name=_("story")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="story_co_authorships",
        verbose_name=_("member"),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.INVITED,
        db_index=True,
        verbose_name=_("status"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(default=timezone.now, verbose_name=_("invited at"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("responded at"))

    class Meta:
        ordering = ["invited_at", "id"]
        verbose_name = _("co-author")
        verbose_name_plural = _("co-authors")
        constraints = [
            models.UniqueConstraint(fields=["story", "member"], name="stories_coauthor_unique"),
        ]
        indexes = [models.Index(fields=["member", "status"], name="stories_coauthor_member")]

    def __str__(self) -> str:
        return _("%(member)s on story %(story)s (%(status)s)") % {
            "member": self.member,
            "story": self.story_id,
            "status": self.get_status_display(),
        }

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED


class Reaction(models.Model):
    """One member was inspired by a story. One per member and story."""

    class Kind(models.TextChoices):
        INSPIRED = "inspired", _("Inspired")

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("story")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="story_reactions",
        verbose_name=_("member"),
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.INSPIRED, verbose_name=_("kind")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["story", "member", "kind"], name="stories_one_reaction_per_member"
            ),
        ]

    def __str__(self) -> str:
        return _("%(member)s was inspired by story %(story)s") % {
            "member": self.member,
            "story": self.story_id,
        }


class Comment(Moderated):
    """A comment on a story, or a reply to one (one level deep)."""

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="comments", verbose_name=_("story")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="story_comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, verbose_name=_("comment"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["story", "created_at", "id"], name="stories_comment_order")]

    def __str__(self) -> str:
        return _("Comment by %(author)s on story %(story)s") % {
            "author": self.author,
            "story": self.story_id,
        }

    def get_absolute_url(self) -> str:
        return f"{self.story.get_absolute_url()}#comment-{self.pk}"

    @property
    def moderation_community(self):
        return self.story.community

    @property
    def moderation_author(self):
        return self.author


class StoryEvent(models.Model):
    """The editorial history of a story: who submitted, published, returned or featured it.
    Append-only, like the communities' audit log, and shown to the story's editors."""

    class Action(models.TextChoices):
        CREATED = "created", _("Started the story")
        SUBMITTED = "submitted", _("Submitted it for review")
        PUBLISHED = "published", _("Published it")
        RETURNED = "returned", _("Returned it with a note")
        WITHDRAWN = "withdrawn", _("Took it back to draft")
        FEATURED = "featured", _("Featured it")
        UNFEATURED = "unfeatured", _("Stopped featuring it")

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="events", verbose_name=_("story")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(max_length=12, choices=Action.choices, verbose_name=_("action"))
    note = models.TextField(max_length=REVIEW_NOTE_MAX_LENGTH, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("story event")
        verbose_name_plural = _("story events")

    def __str__(self) -> str:
        return _("%(action)s (story %(story)s)") % {
            "action": self.get_action_display(),
            "story": self.story_id,
        }
