"""Every change to stories, co-authors, reactions and comments goes through here.

Each function validates, locks what it changes, returns early when the state is
already reached, and raises ValidationError (keyed by field where it is about a
field) or PermissionDenied with a message a member can act on.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communities.models import AuditEntry, Community
from communities.moderation import ModerationStatus, initial_status_for
from communities.permissions import can_post_in
from kernel import caching, i18n, written
from notifications.models import Kind
from notifications.services import notify
from pledges.models import Campaign, Pledge
from pledges.selectors import pledges_visible_to
from pledges.services import pledge_story_told
from stories import permissions
from stories.caching import pages_of_story, story_changed
from stories.models import (
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    OUTCOME_MAX_LENGTH,
    PLEDGES_MAX,
    REVIEW_NOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_MAX,
    TITLE_MAX_LENGTH,
    CoAuthor,
    Comment,
    Reaction,
    Story,
    StoryEvent,
    Tag,
)

Status = Story.Status
EDITABLE_FIELDS = (
    "title",
    "summary",
    "body",
    "language",
    "outcome",
    "community",
    "tags",
    "pledges",
    "campaign",
)


# --- Validation ------------------------------------------------------------------------


def _count(n: int) -> str:
    return number_format(n, force_grouping=True)


def _require_signed_in(user, message: str) -> None:
    """`message`: what to tell someone who is not signed in ("Log in to …")."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(message)


def _clean_line(value: str | None) -> str:
    return " ".join((value or "").split())


def clean_body(body: str | None) -> str:
    """The story's Markdown: required, and at most BODY_MAX_LENGTH characters."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": [_("Write your story. It cannot be empty.")]})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _(
                        "Your story is %(length)s characters long. Keep it to %(max)s "
                        "characters or fewer."
                    )
                    % {"length": _count(len(body)), "max": _count(BODY_MAX_LENGTH)}
                ]
            }
        )
    return body


def parse_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tag names from a comma-separated string or a list, tidied and without repeats."""
    if value is None:
        return []
    raw = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    seen: set[str] = set()
    for item in raw:
        name = _clean_line(str(item)).lower()
        if name and slugify(name) not in seen:
            seen.add(slugify(name))
            names.append(name)
    return names


def _tag_errors(names: list[str]) -> list[str]:
    errors = []
    if len(names) > TAGS_MAX:
        errors.append(_("Use %(max)s tags or fewer.") % {"max": TAGS_MAX})
    for name in names:
        if len(name) > TAG_MAX_LENGTH:
            errors.append(
                _("Keep each tag to %(max)s characters or fewer: “%(tag)s…”.")
                % {"max": TAG_MAX_LENGTH, "tag": name[:50]}
            )
        elif not slugify(name):
            errors.append(_("Use letters or numbers in tags: “%(tag)s” has none.") % {"tag": name})
    return errors


def _validate(fields: dict, *, author, story: Story | None = None) -> dict:
    """Check the writable fields present in `fields`; return them cleaned or raise
    ValidationError with every problem at once, keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if "title" in fields:
        title = _clean_line(fields["title"])
        if not title:
            errors["title"] = [_("Give your story a title.")]
        elif len(title) > TITLE_MAX_LENGTH:
            errors["title"] = [
                _("Keep the title to %(max)s characters or fewer.") % {"max": TITLE_MAX_LENGTH}
            ]
        cleaned["title"] = title
    if "summary" in fields:
        summary = _clean_line(fields["summary"])
        if not summary:
            errors["summary"] = [_("Sum the story up in a sentence or two.")]
        elif len(summary) > SUMMARY_MAX_LENGTH:
            errors["summary"] = [
                _("Keep the summary to %(max)s characters or fewer.") % {"max": SUMMARY_MAX_LENGTH}
            ]
        cleaned["summary"] = summary
    if "body" in fields:
        try:
            cleaned["body"] = clean_body(fields["body"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "outcome" in fields:
        outcome = _clean_line(fields["outcome"])
        if len(outcome) > OUTCOME_MAX_LENGTH:
            errors["outcome"] = [
                _("Keep the measured outcome to %(max)s characters or fewer.")
                % {"max": OUTCOME_MAX_LENGTH}
            ]
        cleaned["outcome"] = outcome
    if "language" in fields:
        language_errors = written.errors(fields["language"])
        if language_errors:
            errors["language"] = language_errors
        cleaned["language"] = written.clean(fields["language"])
    if "tags" in fields:
        names = parse_tags(fields["tags"])
        tag_errors = _tag_errors(names)
        if tag_errors:
            errors["tags"] = tag_errors
        cleaned["tags"] = names
    if "community" in fields:
        community = fields["community"]
        moved = story is not None and story.community_id != getattr(community, "pk", None)
        if moved and not story.is_private:
            errors["community"] = [
                _(
                    "You can change the community only while the story is a draft. "
                    "Take it back to draft first."
                )
            ]
        elif community is not None and (story is None or moved):
            if community.status != Community.Status.ACTIVE:
                errors["community"] = [
                    _("%(community)s is not open for stories.") % {"community": community.name}
                ]
            elif not can_post_in(author, community):
                errors["community"] = [
                    _(
                        "You can only tell stories in communities you belong to. "
                        "Join %(community)s first."
                    )
                    % {"community": community.name}
                ]
        cleaned["community"] = community
    if "pledges" in fields:
        try:
            cleaned["pledges"] = _visible_pledges(fields["pledges"], user=author)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "campaign" in fields:
        campaign = fields["campaign"]
        if campaign is not None and not isinstance(campaign, Campaign):
            campaign = Campaign.objects.filter(pk=campaign).first()
            if campaign is None:
                errors["campaign"] = [_("There is no such campaign.")]
        cleaned["campaign"] = campaign
    if errors:
        raise ValidationError(errors)
    return cleaned


def _visible_pledges(values, *, user) -> list[Pledge]:
    """The pledges a story links to: each must exist and be one `user` may see, so a
    story never reveals (or points at) a pledge its writer cannot read."""
    ids: list[int] = []
    for value in values or ():
        pk = value.pk if isinstance(value, Pledge) else value
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError(
                {"pledges": [_("“%(value)s” is not a pledge.") % {"value": value}]}
            ) from None
        if pk not in ids:
            ids.append(pk)
    if len(ids) > PLEDGES_MAX:
        raise ValidationError(
            {"pledges": [_("Link %(max)s pledges or fewer.") % {"max": PLEDGES_MAX}]}
        )
    found = {p.pk: p for p in pledges_visible_to(user).filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {
                "pledges": [
                    ngettext(
                        "You can only link pledges you can see. This pledge does not exist or "
                        "is not visible to you: %(pledges)s.",
                        "You can only link pledges you can see. These pledges do not exist or "
                        "are not visible to you: %(pledges)s.",
                        len(missing),
                    )
                    % {"pledges": ", ".join(str(pk) for pk in missing)}
                ]
            }
        )
    return [found[pk] for pk in ids]


def _tags_for(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        slug = slugify(name)[: TAG_MAX_LENGTH + 10]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:  # another story created it at the same moment
                tag = Tag.objects.get(slug=slug)
        tags.append(tag)
    return tags


# Paths under /stories/ that a story's slug would shadow.
RESERVED_SLUGS = {"new", "mine", "review", "invitations", "comments", "report", "moderate"}


def _unique_slug(title: str) -> str:
    base = slugify(title)[:TITLE_MAX_LENGTH] or "story"
    if base in RESERVED_SLUGS:
        base = f"{base}-story"
    slug = base
    n = 2
    while Story.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _lock(story: Story | int) -> Story:
    pk = story.pk if isinstance(story, Story) else story
    return (
        Story.objects.select_for_update(of=("self",))
        .select_related("community", "author")
        .get(pk=pk)
    )


def _event(story: Story, actor, action: str, note: str = "") -> StoryEvent:
    return StoryEvent.objects.create(story=story, actor=actor, action=action, note=note)


def in_language_of(member, message, **params) -> str:
    """`message` (a lazy translation) with `params`, in `member`'s language (English when
    they chose none): a notification reads in its recipient's language, not in the
    language of whoever caused it."""
    with i18n.in_language_of(member):
        return str(message) % params if params else str(message)


def _story_url(story: Story) -> str:
    return story.get_absolute_url()


# --- Writing stories -------------------------------------------------------------------


@transaction.atomic
def story_create(
    *,
    author,
    title: str,
    summary: str,
    body: str,
    outcome: str = "",
    community: Community | None = None,
    tags: str | Iterable[str] | None = None,
    pledges: Iterable[Pledge | int] = (),
    campaign: Campaign | None = None,
    language: str | None = None,
) -> Story:
    """Start a story as a private draft, written in `language` (the page's language when
    none is given)."""
    _require_signed_in(author, _("Log in to write a story."))
    cleaned = _validate(
        {
            "title": title,
            "summary": summary,
            "body": body,
            "outcome": outcome,
            "community": community,
            "tags": tags,
            "pledges": pledges,
            "campaign": campaign,
            "language": language,
        },
        author=author,
    )
    now = timezone.now()
    story = Story.objects.create(
        author=author,
        title=cleaned["title"],
        slug=_unique_slug(cleaned["title"]),
        summary=cleaned["summary"],
        body=cleaned["body"],
        outcome=cleaned["outcome"],
        language=cleaned["language"],
        community=cleaned["community"],
        campaign=cleaned["campaign"],
        status=Status.DRAFT,
        created_at=now,
        updated_at=now,
    )
    story.tags.set(_tags_for(cleaned["tags"]))
    story.pledges.set(cleaned["pledges"])
    _event(story, author, StoryEvent.Action.CREATED)
    story_changed(story)
    return story


@transaction.atomic
def story_update(*, story: Story, actor, **changes) -> Story:
    """The author or an accepted co-author changes what the story says."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    story = _lock(story)
    if not permissions.can_edit_story(actor, story):
        raise PermissionDenied(_("Only the story's author and co-authors can change it."))
    if (
        "community" in changes
        and story.community_id != getattr(changes["community"], "pk", changes["community"])
        and not permissions.can_move_story(actor, story)
    ):
        raise ValidationError(
            {"community": [_("Only the story's author can move it to another community.")]}
        )
    cleaned = _validate(changes, author=actor, story=story)
    # The pages it was on before the change are dropped too.
    shown_before = pages_of_story(story)
    names = cleaned.pop("tags", None)
    linked = cleaned.pop("pledges", None)
    update_fields = []
    for name, value in cleaned.items():
        if getattr(story, name) != value:
            setattr(story, name, value)
            update_fields.append(name)
    if names is not None:
        tags = _tags_for(names)
        if {t.pk for t in tags} != set(story.tags.values_list("pk", flat=True)):
            story.tags.set(tags)
            update_fields.append("tags")
    if linked is not None:
        # Links the editor cannot see (a co-author outside a pledge's community) stay.
        linked = linked + list(story.pledges.exclude(pk__in=pledges_visible_to(actor).values("pk")))
    if linked is not None and {p.pk for p in linked} != set(
        story.pledges.values_list("pk", flat=True)
    ):
        story.pledges.set(linked)
        update_fields.append("pledges")
    if update_fields:
        story.updated_at = timezone.now()
        story.save(
            update_fields=[f for f in update_fields if f not in ("tags", "pledges")]
            + ["updated_at"]
        )
        caching.changed(*shown_before, *pages_of_story(story))
    return story


@transaction.atomic
def story_publish(*, story: Story, actor) -> Story:
    """The author publishes a draft; where the community pre-moderates newcomers it is
    submitted to the organisers instead."""
    story = _lock(story)
    if not permissions.can_manage_story(actor, story):
        raise PermissionDenied(_("Only the story's author can publish it."))
    if story.status in (Status.PUBLISHED, Status.SUBMITTED):
        return story
    now = timezone.now()
    needs_review = (
        initial_status_for(author=story.author, community=story.community)
        == ModerationStatus.PENDING
    )
    if needs_review:
        story.status = Status.SUBMITTED
        story.submitted_at = now
        story.save(update_fields=["status", "submitted_at"])
        _event(story, actor, StoryEvent.Action.SUBMITTED)
    else:
        story.status = Status.PUBLISHED
        story.published_at = story.published_at or now
        story.save(update_fields=["status", "published_at"])
        _event(story, actor, StoryEvent.Action.PUBLISHED)
        _tell_pledge_co_signers(story)
    story_changed(story)
    return story


def _tell_pledge_co_signers(story: Story) -> None:
    """A story now public tells the people who co-signed the pledges it is about, in
    the outbox with the publication (pledges decides who hears, and how, once)."""
    if not story.is_public:
        return
    co_authors = story.co_authors.filter(status=CoAuthor.Status.ACCEPTED)
    tellers = [story.author_id, *co_authors.values_list("member_id", flat=True)]
    for pledge_id in story.pledges.values_list("pk", flat=True):
        pledge_story_told(
            pledge=pledge_id,
            story_id=story.pk,
            title=story.title,
            url=story.get_absolute_url(),
            teller_ids=tellers,
        )


@transaction.atomic
def story_withdraw(*, story: Story, actor) -> Story:
    """The author takes a submitted or published story back to a private draft."""
    story = _lock(story)
    if not permissions.can_manage_story(actor, story):
        raise PermissionDenied(_("Only the story's author can take it back to draft."))
    if story.status == Status.DRAFT:
        return story
    if story.status == Status.RETURNED:
        raise ValidationError(_("This story was returned to you and is already private."))
    story.status = Status.DRAFT
    story.is_featured = False
    story.featured_at = None
    story.save(update_fields=["status", "is_featured", "featured_at"])
    _event(story, actor, StoryEvent.Action.WITHDRAWN)
    story_changed(story)
    return story


@transaction.atomic
def story_delete(*, story: Story, actor) -> None:
    """The author deletes their story, with its comments and reactions."""
    story = _lock(story)
    if not permissions.can_manage_story(actor, story):
        raise PermissionDenied(_("Only the story's author can delete it."))
    story_changed(story)
    story.delete()


def _audit_approval(*, story: Story, actor, note: str) -> None:
    """Approving a story is an organiser's moderation act: it goes on the community's
    audit log and counts towards the author's approved posts, exactly as approving
    other pre-moderated content does, so newcomers graduate from review."""
    from communities.services import post_approved, target_label

    post_approved(community=story.community, author=story.author)
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.CONTENT_APPROVED,
        community=story.community,
        target_type=ContentType.objects.get_for_model(Story),
        target_id=story.pk,
        target_label=target_label(story)[:300],
        reason=note,
    )


@transaction.atomic
def story_review(*, story: Story, actor, publish: bool, note: str = "") -> Story:
    """An organiser publishes a submitted story, or returns it to the author with a note."""
    story = _lock(story)
    if not permissions.can_review_story(actor, story):
        raise PermissionDenied(
            _("Only organisers of this story's community can review it.")
            if story.community_id
            else _("Only platform admins can review this story.")
        )
    if not actor.is_staff and permissions.can_edit_story(actor, story):
        raise PermissionDenied(
            _(
                "You cannot review a story you wrote. Another organiser or a platform admin "
                "will review it."
            )
        )
    note = (note or "").strip()
    if len(note) > REVIEW_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": [
                    _("Keep the note to %(max)s characters or fewer.")
                    % {"max": _count(REVIEW_NOTE_MAX_LENGTH)}
                ]
            }
        )
    target = Status.PUBLISHED if publish else Status.RETURNED
    if story.status == target:
        return story
    if story.status != Status.SUBMITTED:
        raise ValidationError(
            (
                _("Only stories waiting for review can be published: this one is %(status)s.")
                if publish
                else _("Only stories waiting for review can be returned: this one is %(status)s.")
            )
            % {"status": story.get_status_display().lower()}
        )
    if not publish and not note:
        raise ValidationError(
            {"note": [_("Tell the author what to change. They will see your note.")]}
        )
    now = timezone.now()
    story.status = target
    story.reviewed_by = actor
    story.reviewed_at = now
    story.review_note = note
    fields = ["status", "reviewed_by", "reviewed_at", "review_note"]
    if publish:
        story.published_at = story.published_at or now
        fields.append("published_at")
    story.save(update_fields=fields)
    story_changed(story)
    _event(
        story, actor, StoryEvent.Action.PUBLISHED if publish else StoryEvent.Action.RETURNED, note
    )
    if publish:
        _audit_approval(story=story, actor=actor, note=note)
        _tell_pledge_co_signers(story)
    notify(
        kind=Kind.CONTENT_MODERATED,
        recipient=story.author,
        subject=story,
        title=in_language_of(
            story.author,
            gettext_lazy("Your story “%(title)s” was published")
            if publish
            else gettext_lazy("Your story “%(title)s” was returned with a note"),
            title=story.title,
        )[:200],
        body=note,
        url=_story_url(story),
        period=f"review-{int(now.timestamp())}",
    )
    return story


@transaction.atomic
def story_feature(*, story: Story, actor, featured: bool = True) -> Story:
    """Organisers of the story's community (and admins) feature a published story, so it
    is shown first on the community page, the feed and the home page."""
    story = _lock(story)
    if not permissions.can_feature_story(actor, story):
        raise PermissionDenied(
            _("Only organisers of this story's community can feature it.")
            if story.community_id
            else _("Only platform admins can feature this story.")
        )
    if story.is_featured == featured:
        return story
    if featured and not story.is_public:
        raise ValidationError(_("Only published stories that are not hidden can be featured."))
    story.is_featured = featured
    story.featured_at = timezone.now() if featured else None
    story.featured_by = actor if featured else None
    story.save(update_fields=["is_featured", "featured_at", "featured_by"])
    _event(story, actor, StoryEvent.Action.FEATURED if featured else StoryEvent.Action.UNFEATURED)
    story_changed(story)
    return story


# --- Co-authors ------------------------------------------------------------------------


@transaction.atomic
def co_author_invite(*, story: Story, actor, member) -> CoAuthor:
    """The author invites another member to write the story with them."""
    story = _lock(story)
    if not permissions.can_manage_story(actor, story):
        raise PermissionDenied(_("Only the story's author can invite co-authors."))
    if member is None or not member.is_active:
        raise ValidationError({"member": [_("We could not find that member.")]})
    if member.pk == story.author_id:
        raise ValidationError({"member": [_("You are the author already.")]})
    co_author = CoAuthor.objects.select_for_update().filter(story=story, member=member).first()
    if co_author is not None and co_author.status in (
        CoAuthor.Status.INVITED,
        CoAuthor.Status.ACCEPTED,
    ):
        return co_author
    now = timezone.now()
    if co_author is None:
        co_author = CoAuthor.objects.create(
            story=story, member=member, invited_by=actor, invited_at=now
        )
    else:
        co_author.status = CoAuthor.Status.INVITED
        co_author.invited_by = actor
        co_author.invited_at = now
        co_author.responded_at = None
        co_author.save(update_fields=["status", "invited_by", "invited_at", "responded_at"])
    story_changed(story)
    notify(
        kind=Kind.CO_AUTHOR_INVITATION,
        recipient=member,
        subject=story,
        title=in_language_of(
            member,
            gettext_lazy("%(name)s invited you to co-author “%(title)s”"),
            name=actor.name_for(member),
            title=story.title,
        )[:200],
        body=in_language_of(
            member,
            gettext_lazy(
                "Accept to write the story together, or decline. Until you accept, the draft "
                "stays private to its author."
            ),
        ),
        url=reverse("stories:mine"),
        period=f"invitation-{int(now.timestamp())}",
    )
    return co_author


@transaction.atomic
def co_author_respond(*, story: Story, member, accept: bool) -> CoAuthor:
    """The invited member accepts or declines."""
    _require_signed_in(member, _("Log in to answer an invitation."))
    co_author = (
        CoAuthor.objects.select_for_update().filter(story_id=story.pk, member=member).first()
    )
    if co_author is None or co_author.status == CoAuthor.Status.REMOVED:
        raise ValidationError(_("You have no invitation to co-author this story."))
    target = CoAuthor.Status.ACCEPTED if accept else CoAuthor.Status.DECLINED
    if co_author.status == target:
        return co_author
    if co_author.status != CoAuthor.Status.INVITED:
        raise ValidationError(
            _("You have already declined this invitation. Ask the author to invite you again.")
            if co_author.status == CoAuthor.Status.DECLINED
            else _("You are already a co-author. Leave the story instead.")
        )
    co_author.status = target
    co_author.responded_at = timezone.now()
    co_author.save(update_fields=["status", "responded_at"])
    story_changed(co_author.story)
    return co_author


@transaction.atomic
def co_author_remove(*, story: Story, actor, member) -> CoAuthor:
    """The author removes a co-author or withdraws an invitation; a co-author may leave."""
    _require_signed_in(actor, _("Log in to change co-authors."))
    story = _lock(story)
    if not (permissions.can_manage_story(actor, story) or actor.pk == member.pk):
        raise PermissionDenied(_("Only the story's author can remove co-authors."))
    co_author = CoAuthor.objects.select_for_update().filter(story=story, member=member).first()
    if co_author is None:
        raise ValidationError({"member": [_("This member is not a co-author of the story.")]})
    if co_author.status in (CoAuthor.Status.REMOVED, CoAuthor.Status.DECLINED):
        return co_author
    co_author.status = CoAuthor.Status.REMOVED
    co_author.responded_at = timezone.now()
    co_author.save(update_fields=["status", "responded_at"])
    story_changed(story)
    return co_author


# --- Reactions -------------------------------------------------------------------------


def _refuse_unless_public(story: Story, *, hidden: str, unpublished: str) -> None:
    """`hidden`, `unpublished`: what to tell the member when the story is hidden by the
    moderators or not published yet."""
    if story.moderation_status == ModerationStatus.HIDDEN:
        raise ValidationError(hidden)
    if story.status != Status.PUBLISHED or not story.is_published:
        raise ValidationError(unpublished)


@transaction.atomic
def reaction_add(*, story: Story, member) -> Reaction:
    """The member says the story inspired them: once, and never on their own story."""
    _require_signed_in(member, _("Log in to say a story inspired you."))
    story = _lock(story)
    _refuse_unless_public(
        story,
        hidden=_("This story has been hidden by the moderators: reacting is closed."),
        unpublished=_("This story is not published yet: reacting opens when it is."),
    )
    if permissions.can_edit_story(member, story):
        raise ValidationError(_("You cannot react to a story you wrote."))
    if Reaction.objects.filter(story=story, member=member).exists():
        raise ValidationError(_("You have already said this story inspired you."))
    reaction = Reaction.objects.create(story=story, member=member)
    story.inspired_count = F("inspired_count") + 1
    story.save(update_fields=["inspired_count"])
    story.refresh_from_db(fields=["inspired_count"])
    story_changed(story)
    notify(
        kind=Kind.STORY_REACTION,
        recipient=story.author,
        subject=story,
        title=in_language_of(
            story.author,
            gettext_lazy("%(name)s was inspired by “%(title)s”"),
            name=member.name_for(story.author),
            title=story.title,
        )[:200],
        url=_story_url(story),
        # One notification per member, however often they take it back and react again.
        period=f"member-{member.pk}",
    )
    return reaction


@transaction.atomic
def reaction_remove(*, story: Story, member) -> Story:
    _require_signed_in(member, _("Log in to change your reaction."))
    story = _lock(story)
    deleted, _by_model = Reaction.objects.filter(story=story, member=member).delete()
    if deleted:
        story.inspired_count = F("inspired_count") - deleted
        story.save(update_fields=["inspired_count"])
        story.refresh_from_db(fields=["inspired_count"])
        story_changed(story)
    return story


# --- Comments --------------------------------------------------------------------------


def _clean_comment(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": [_("Write your comment. It cannot be empty.")]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _("Keep your comment to %(max)s characters or fewer.")
                    % {"max": _count(COMMENT_MAX_LENGTH)}
                ]
            }
        )
    return body


@transaction.atomic
def comment_create(*, story: Story, author, body: str, parent: Comment | None = None) -> Comment:
    """Comment on a public story, or reply to a comment (a reply to a reply joins its
    thread, so threads stay one level deep)."""
    _require_signed_in(author, _("Log in to comment."))
    story = Story.objects.select_related("community", "author").get(pk=story.pk)
    _refuse_unless_public(
        story,
        hidden=_("This story has been hidden by the moderators: commenting is closed."),
        unpublished=_("This story is not published yet: commenting opens when it is."),
    )
    if not can_post_in(author, story.community):
        raise PermissionDenied(
            _("Only members of %(community)s can comment on its stories.")
            % {"community": story.community.name}
        )
    body = _clean_comment(body)
    if parent is not None:
        if parent.story_id != story.pk:
            raise ValidationError({"parent": [_("You can only reply to comments on this story.")]})
        if parent.parent_id is not None:
            parent = parent.parent
        if parent.moderation_status == ModerationStatus.HIDDEN:
            raise ValidationError(
                {
                    "parent": [
                        _("That comment has been hidden by the moderators: reply to the story.")
                    ]
                }
            )
    comment = Comment.objects.create(
        story=story,
        author=author,
        parent=parent,
        body=body,
        moderation_status=initial_status_for(author=author, community=story.community),
    )
    if comment.is_published:
        _tell_about_comment(comment, story)
    story_changed(story)  # its card shows how many comments it has
    return comment


def _tell_about_comment(comment: Comment, story: Story) -> None:
    recipients = {story.author_id: story.author}
    for co_author in CoAuthor.objects.filter(
        story=story, status=CoAuthor.Status.ACCEPTED
    ).select_related("member"):
        recipients[co_author.member_id] = co_author.member
    if comment.parent_id is not None:
        recipients[comment.parent.author_id] = comment.parent.author
    recipients.pop(comment.author_id, None)
    for recipient in recipients.values():
        is_reply = comment.parent_id is not None and recipient.pk == comment.parent.author_id
        notify(
            kind=Kind.STORY_COMMENT,
            recipient=recipient,
            subject=story,
            title=in_language_of(
                recipient,
                gettext_lazy("%(name)s replied to your comment on “%(title)s”")
                if is_reply
                else gettext_lazy("%(name)s commented on “%(title)s”"),
                name=comment.author.name_for(recipient),
                title=story.title,
            )[:200],
            body=comment.body[:500],
            url=comment.get_absolute_url(),
            period=f"comment-{comment.pk}",
        )


@transaction.atomic
def comment_update(*, comment: Comment, actor, body: str) -> Comment:
    """The comment's author corrects it within the editing window."""
    _require_signed_in(actor, _("Log in to change a comment."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    if comment.moderation_status == ModerationStatus.HIDDEN:
        raise ValidationError(
            _("This comment has been hidden by the moderators and cannot be changed.")
        )
    body = _clean_comment(body)
    if body == comment.body:
        return comment
    if not permissions.can_edit_comment(actor, comment):
        minutes = int(permissions.comment_edit_window().total_seconds() // 60)
        raise ValidationError(
            ngettext(
                "Comments can be changed for %(minutes)s minute after posting. "
                "Post a new comment to add to it.",
                "Comments can be changed for %(minutes)s minutes after posting. "
                "Post a new comment to add to it.",
                minutes,
            )
            % {"minutes": minutes}
        )
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment
