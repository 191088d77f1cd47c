"""Reads of stories, co-authors, reactions and comments, with visibility built in.

Published stories are the movement's shared learning: anyone may read them, without
belonging to the story's community, unless moderators hid them (`visible_q`).
Drafts and returned stories are seen only by their author and accepted co-authors;
submitted stories also by the organisers who review them (admins anywhere).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from communities.models import Community
from communities.moderation import ModerationStatus
from communities.selectors import organised_community_ids, visible_q
from kernel import written
from pledges.models import Campaign
from pledges.selectors import pledges_visible_to
from stories.models import CoAuthor, Comment, Reaction, Story, Tag, search_vector

LIST_SELECT_RELATED = ("author", "author__organisation", "community")
# Comment threads shown at once on a story page; "More comments" brings the next ones.
COMMENT_THREADS_PER_PAGE = 20


def _accepted_co_authors() -> Prefetch:
    return Prefetch(
        "co_authors",
        queryset=CoAuthor.objects.filter(status=CoAuthor.Status.ACCEPTED).select_related("member"),
        to_attr="accepted_co_authors",
    )


def _co_author_q(user) -> Q:
    return Q(
        Exists(
            CoAuthor.objects.filter(
                story=OuterRef("pk"), member=user, status=CoAuthor.Status.ACCEPTED
            )
        )
    )


def _written_by_q(user) -> Q:
    """Stories `user` wrote or co-writes (accepted). The co-written ones are read first
    (one index read), so the condition is two index lookups PostgreSQL can combine:
    "author or EXISTS(co-author)" made it walk every story (docs/benchmarks.md, "Design
    decisions measured")."""
    co_written = CoAuthor.objects.filter(member=user, status=CoAuthor.Status.ACCEPTED)
    return Q(author=user) | Q(pk__in=list(co_written.values_list("story_id", flat=True)))


def stories_visible_to(user) -> QuerySet[Story]:
    """Every story `user` may open."""
    public = Q(status=Story.Status.PUBLISHED, moderation_status=ModerationStatus.PUBLISHED)
    if user is None or not user.is_authenticated:
        return Story.objects.filter(public)
    condition = Q(author=user) | _co_author_q(user)
    condition |= Q(status=Story.Status.PUBLISHED) & visible_q(user)
    if user.is_staff:
        condition |= Q(status=Story.Status.SUBMITTED)
    else:
        organised = organised_community_ids(user)
        if organised:
            condition |= Q(status=Story.Status.SUBMITTED, community_id__in=organised)
    return Story.objects.filter(condition)


def _visible_pledges(user) -> Prefetch:
    return Prefetch(
        "pledges",
        queryset=pledges_visible_to(user).order_by("-created_at", "-id"),
        to_attr="visible_pledges",
    )


def _with_list_data(
    queryset: QuerySet[Story], user=None, *, with_pledges: bool = True
) -> QuerySet[Story]:
    """What a story card shows, in a constant number of queries however many rows.
    `with_pledges=False` leaves out the linked pledges, which the API's list shows and
    the web's story cards do not."""
    published_comments = (
        Comment.objects.filter(story=OuterRef("pk"), moderation_status=ModerationStatus.PUBLISHED)
        .order_by()
        .values("story")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        queryset.select_related(*LIST_SELECT_RELATED)
        .prefetch_related(
            "tags", _accepted_co_authors(), *([_visible_pledges(user)] if with_pledges else [])
        )
        .annotate(
            comment_count=Coalesce(Subquery(published_comments, output_field=IntegerField()), 0)
        )
    )


def search(queryset: QuerySet[Story], text: str | None) -> QuerySet[Story]:
    """Full-text search on title, summary and body, answered from the GIN index."""
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.alias(document=search_vector()).filter(document=written.search_query(text))


def story_feed(
    *,
    user,
    q: str | None = None,
    community: str | None = None,
    tag: str | None = None,
    campaign: str | None = None,
    language: str | None = None,
    with_pledges: bool = True,
) -> QuerySet[Story]:
    """Published stories `user` may read, featured first, then newest; filtered by a
    search, by community, tag and campaign slugs and by the language they are written
    in. The web's cards need no linked pledges (`with_pledges=False`)."""
    # Published stories whose moderation let them stand are for everyone
    # (`stories_visible_to`'s public part), so the feed asks nothing of `user`.
    queryset = Story.objects.filter(
        status=Story.Status.PUBLISHED, moderation_status=ModerationStatus.PUBLISHED
    )
    if community:
        queryset = queryset.filter(community__slug=community)
    if tag:
        queryset = queryset.filter(tags__slug=tag)
    if campaign:
        queryset = queryset.filter(campaign__slug=campaign)
    if language:
        queryset = queryset.filter(language=language)
    queryset = search(queryset, q)
    return _with_list_data(queryset, user, with_pledges=with_pledges).order_by(
        "-is_featured", "-published_at", "-id"
    )


def stories_of(*, user) -> QuerySet[Story]:
    """The member's own stories and those they co-author, in every state."""
    if user is None or not user.is_authenticated:
        return Story.objects.none()
    return _with_list_data(Story.objects.filter(_written_by_q(user))).order_by("-updated_at", "-id")


def story_get_for(*, user, slug: str | None = None, pk: int | None = None) -> Story:
    """One story `user` may open, with what its page shows, or 404."""
    queryset = stories_visible_to(user).select_related(
        *LIST_SELECT_RELATED, "reviewed_by", "featured_by"
    )
    queryset = queryset.prefetch_related("tags", _accepted_co_authors(), _visible_pledges(user))
    story = queryset.filter(slug=slug).first() if slug is not None else None
    if story is None and pk is not None:
        story = queryset.filter(pk=pk).first()
    if story is None:
        raise Http404(_("No such story."))
    return story


def can_see_story(user, story: Story) -> bool:
    """Whether `user` may open the story (`stories_visible_to`'s rule)."""
    return stories_visible_to(user).filter(pk=story.pk).exists()


def can_see_comment(user, comment: Comment) -> bool:
    """Whether `user` may see the comment where it is shown (`comment_get_for`'s rule)."""
    return (
        Comment.objects.filter(pk=comment.pk, story__in=stories_visible_to(user))
        .filter(visible_q(user, author_field="author", community_field="story__community"))
        .exists()
    )


def co_authors_of(*, story: Story) -> list[CoAuthor]:
    """Everyone invited to the story, for its editors."""
    return list(story.co_authors.select_related("member").order_by("invited_at", "id"))


def invitations_for(*, user) -> list[CoAuthor]:
    """Open invitations to co-author, for the invited member."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        CoAuthor.objects.filter(member=user, status=CoAuthor.Status.INVITED)
        .select_related("story", "story__author", "invited_by")
        .order_by("-invited_at")
    )


def has_reacted(*, user, story: Story) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Reaction.objects.filter(story=story, member=user).exists()


def comments_visible_to(*, user, story: Story) -> QuerySet[Comment]:
    return Comment.objects.filter(story=story).filter(
        visible_q(user, author_field="author", community_field="story__community")
    )


def comment_threads(
    *, user, story: Story, page: int | str | None = 1, per_page: int = COMMENT_THREADS_PER_PAGE
) -> Page:
    """One page of top-level comments, oldest first, each with its `visible_replies`:
    three queries (count, page, replies) however many comments the story has. A page
    number that is not one (or past the end) gives the first (or last) page."""
    visible = comments_visible_to(user=user, story=story).select_related(
        "author", "author__organisation"
    )
    threads = (
        visible.filter(parent__isnull=True)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=visible.filter(parent__isnull=False).order_by("created_at", "id"),
                to_attr="visible_replies",
            )
        )
    )
    return Paginator(threads, per_page).get_page(page)


def comment_thread_page(*, user, comment: Comment, per_page: int = COMMENT_THREADS_PER_PAGE) -> int:
    """The page of the story's comments that shows `comment` (or the thread it replies to)."""
    root = comment.parent if comment.parent_id else comment
    earlier = (
        comments_visible_to(user=user, story=comment.story)
        .filter(parent__isnull=True)
        .filter(Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, id__lt=root.id))
        .count()
    )
    return earlier // per_page + 1


def comment_get_for(*, user, pk: int) -> Comment:
    """A comment on a story `user` may open, which `user` may see, or 404."""
    comment = (
        Comment.objects.filter(pk=pk, story__in=stories_visible_to(user))
        .filter(visible_q(user, author_field="author", community_field="story__community"))
        .select_related("story", "story__community", "author", "parent")
        .first()
    )
    if comment is None:
        raise Http404(_("No such comment."))
    return comment


def stories_to_review(*, user) -> QuerySet[Story]:
    """Submitted stories in the communities `user` organises (all of them for admins)."""
    if user is None or not user.is_authenticated:
        return Story.objects.none()
    queryset = Story.objects.filter(status=Story.Status.SUBMITTED)
    if not user.is_staff:
        queryset = queryset.filter(community_id__in=organised_community_ids(user))
    return _with_list_data(queryset, user).order_by("submitted_at", "id")


def review_count_for(*, user, community: Community) -> int:
    return Story.objects.filter(status=Story.Status.SUBMITTED, community=community).count()


def featured_stories(*, user, limit: int = 3) -> list[Story]:
    """The newest featured stories, for home. They are published stories, which everyone
    may read (`user` changes nothing), read with hand-written SQL (stories.reads: the
    ORM's query building cost several times the query)."""
    from stories import reads

    return reads.featured_stories(limit=limit)


def community_stories(*, user, community: Community, limit: int = 5) -> list[Story]:
    """A community's stories: featured first, then the most recent. They are published
    stories, which everyone may read (`user` changes nothing), read with hand-written
    SQL (stories.reads: the ORM's query building cost several times the query)."""
    from stories import reads

    return reads.community_stories(community=community, limit=limit)


def member_published_stories(*, member, viewer, limit: int = 10) -> list[Story]:
    """Stories the member wrote or co-wrote that are published and `viewer` may read."""
    return list(story_feed(user=viewer).filter(_written_by_q(member))[:limit])


def tags_in_use() -> QuerySet[Tag]:
    return (
        Tag.objects.filter(
            stories__status=Story.Status.PUBLISHED,
            stories__moderation_status=ModerationStatus.PUBLISHED,
        )
        .distinct()
        .order_by("name")
    )


def communities_with_stories() -> QuerySet[Community]:
    return (
        Community.objects.filter(
            stories__status=Story.Status.PUBLISHED,
            stories__moderation_status=ModerationStatus.PUBLISHED,
        )
        .distinct()
        .order_by("name")
    )


def campaigns_with_stories() -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(
            stories__status=Story.Status.PUBLISHED,
            stories__moderation_status=ModerationStatus.PUBLISHED,
        )
        .distinct()
        .order_by("-starts_on", "name")
    )


def stories_published_in_organised(*, organiser, since, until, limit: int = 10) -> list[Story]:
    """Stories published between `since` and `until` in the communities `organiser` runs."""
    return list(
        Story.objects.filter(
            status=Story.Status.PUBLISHED,
            moderation_status=ModerationStatus.PUBLISHED,
            community_id__in=organised_community_ids(organiser),
            published_at__gte=since,
            published_at__lt=until,
        )
        .select_related("author")
        .order_by("-published_at", "-id")[:limit]
    )
