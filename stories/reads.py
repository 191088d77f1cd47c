"""A community's stories for its page, read with hand-written SQL.

A community's page shows its five newest published stories as cards: each with its
author (and their organisation), tags, accepted co-authors and count of published
comments. Through the ORM that read, its annotated count and its two prefetches cost
about 7 ms a page, of which the SQL was under 2 ms: building the queries was the rest
(docs/benchmarks.md). Its rule is simple (published, moderation let it stand, in this
community: what everyone may read), so it is hand-written here and turned back into the
same instances the ORM gives (`kernel.rows`): one statement for the stories with their
comment counts and tags, and one more for their co-authors only when a story has any.
`tests/stories/test_reads.py` holds it to `selectors.story_feed(…).filter(community=…)`,
the ORM's answer.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from communities.models import NAME_FIELDS as COMMUNITY_NAME_FIELDS
from communities.models import Community
from communities.moderation import ModerationStatus
from kernel import prepared, rows
from members.models import NAME_FIELDS, ORGANISATION_NAME_FIELDS, Organisation, User
from stories.models import CoAuthor, Comment, Story, Tag

# The choices a story statement reads, written into its text (see `_story_extras`).
_PUBLISHED = prepared.constant(ModerationStatus.PUBLISHED)
_PUBLISHED_STORY = prepared.constant(Story.Status.PUBLISHED)
_ACCEPTED = prepared.constant(CoAuthor.Status.ACCEPTED)

# What a story's card (stories.cards) shows of it, its author, their organisation and
# its community, and no more: a story's body, its review and moderation notes, and a
# member's password, email and profile are left out, deferred as the ORM's `only()`
# defers them. tests/stories/test_reads.py holds the cards to no further query.
_LISTED = {
    Story: (
        "id", "moderation_status", "author", "title", "slug", "summary", "language",
        "outcome", "community", "campaign", "status", "is_featured", "featured_at",
        "inspired_count", "published_at",
    ),
    User: NAME_FIELDS,
    Organisation: ORGANISATION_NAME_FIELDS,
    Community: COMMUNITY_NAME_FIELDS,
}  # fmt: skip


def _columns(*models_and_aliases) -> str:
    """The listed columns (`_LISTED`) of each (model, alias) in turn."""
    return ", ".join(
        rows.columns(model, alias, _LISTED[model]) for model, alias in models_and_aliases
    )


@cache
def _story_extras() -> str:
    """The columns every story statement ends with, after the story's, author's and
    organisation's (and community's): its count of published comments, its tags (as
    JSON: `[[id, name, slug], …]`, by name) and whether it has an accepted co-author,
    so the tags cost no statement of their own and the co-authors one only when some
    story has them."""
    comment, co_author = Comment._meta.db_table, CoAuthor._meta.db_table
    through, tag = Story.tags.through._meta.db_table, Tag._meta.db_table
    # Table and column names from the models, and choices' values (`prepared.constant`,
    # so the plan can use the feed's partial index); every other value is a parameter.
    return (
        f"(SELECT count(*) FROM {comment} cm WHERE cm.story_id = s.id "  # noqa: S608  # nosec B608
        f"AND cm.moderation_status = {_PUBLISHED}), "
        f"(SELECT coalesce(json_agg({rows.json_array(Tag, 't')} ORDER BY t.name, t.id), "
        f"'[]') FROM {through} st JOIN {tag} t ON t.id = st.tag_id "
        "WHERE st.story_id = s.id), "
        f"EXISTS (SELECT 1 FROM {co_author} ca WHERE ca.story_id = s.id "
        f"AND ca.status = {_ACCEPTED})"
    )


@cache
def _stories_statement(limit: int) -> str:
    """A community's `limit` newest published stories. The choices and the limit are
    written in (`prepared.constant`): PostgreSQL keeps a generic plan for a prepared
    statement only when it costs no more than the plans for the values at hand, and
    it can cost neither the feed's partial index nor a `LIMIT` it does not know."""
    story, user = Story._meta.db_table, User._meta.db_table
    organisation = Organisation._meta.db_table
    # Table and column names from the models, and choices' values and the limit
    # (`prepared.constant`); every other value is a parameter.
    return (
        f"SELECT {_columns((Story, 's'), (User, 'u'), (Organisation, 'o'))}, "  # noqa: S608  # nosec B608
        f"{_story_extras()} "
        f"FROM {story} s JOIN {user} u ON u.id = s.author_id "
        f"LEFT JOIN {organisation} o ON o.id = u.organisation_id "
        f"WHERE s.community_id = %(community)s AND s.status = {_PUBLISHED_STORY} "
        f"AND s.moderation_status = {_PUBLISHED} "
        # The order of `story_feed`, which the community's feed index holds.
        "ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC "
        f"LIMIT {prepared.constant(limit)}"
    )


@cache
def _co_authors_statement() -> str:
    # Table and column names from the models, and a choice's value; the ids are a parameter.
    return (
        f"SELECT {rows.columns(CoAuthor, 'ca')}, {rows.columns(User, 'm')} "  # noqa: S608  # nosec B608
        f"FROM {CoAuthor._meta.db_table} ca JOIN {User._meta.db_table} m ON m.id = ca.member_id "
        f"WHERE ca.story_id = ANY(%(ids)s) AND ca.status = {_ACCEPTED} "
        "ORDER BY ca.invited_at, ca.id"
    )


@cache
def _featured_statement(limit: int) -> str:
    story = Story._meta.db_table
    # Table and column names from the models, choices' values and the limit, written in
    # as for a community's stories (`_stories_statement`).
    return (
        f"SELECT {_columns((Story, 's'), (User, 'u'), (Organisation, 'o'), (Community, 'c'))}, "  # noqa: S608  # nosec B608
        f"{_story_extras()} "
        f"FROM {story} s JOIN {User._meta.db_table} u ON u.id = s.author_id "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = u.organisation_id "
        f"LEFT JOIN {Community._meta.db_table} c ON c.id = s.community_id "
        f"WHERE s.is_featured AND s.status = {_PUBLISHED_STORY} "
        f"AND s.moderation_status = {_PUBLISHED} "
        f"ORDER BY s.featured_at DESC, s.id DESC LIMIT {prepared.constant(limit)}"
    )


def community_stories(*, community, limit: int) -> list[Story]:
    """The community's published stories, featured first, then newest, each with its
    author, organisation, tags, accepted co-authors (`accepted_co_authors`) and
    `comment_count`, and the community in hand."""
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            f"community_stories_{limit}",
            _stories_statement(limit),
            {"community": community.pk},
        )
        found = cursor.fetchall()
    return _card_stories(found, community=community)


def _card_stories(found, *, community=None) -> list[Story]:
    """The stories in `found` (rows of `_stories_statement` when `community` is given,
    else of `_featured_statement`), each with its author, their organisation, its
    community, `comment_count`, tags (`card_tags`; `story.tags.all()` would ask the
    database again) and accepted co-authors on it."""
    models = (Story, User, Organisation)
    if community is None:
        models = (*models, Community)
    extras = rows.width(*models, only=_LISTED)
    stories, with_co_authors = [], []
    for row in found:
        built = rows.build_each(row, *models, only=_LISTED)
        story, author, organisation = built[:3]
        rows.put(author, "organisation", organisation)
        rows.put(story, "author", author)
        rows.put(story, "community", community if community is not None else built[3])
        story.comment_count = row[extras]
        # What its card shows (stories.cards): a plain list, where `prefetch_related`'s
        # queryset and manager cost a card page some 27 µs a story.
        story.card_tags = [rows.build(Tag, values) for values in row[extras + 1]]
        story.accepted_co_authors = []
        if row[extras + 2]:
            with_co_authors.append(story)
        stories.append(story)
    if with_co_authors:
        _put_co_authors(with_co_authors)
    return stories


def _put_co_authors(stories: list[Story]) -> None:
    """Each story's accepted co-authors (`accepted_co_authors`), with their members: one
    statement for all of them."""
    by_id = {story.pk: story for story in stories}
    with connection.cursor() as cursor:
        prepared.execute(cursor, "story_co_authors", _co_authors_statement(), {"ids": list(by_id)})
        found = cursor.fetchall()
    for row in found:
        co_author, member = rows.build_each(row, CoAuthor, User)
        rows.put(co_author, "member", member)
        story = by_id[co_author.story_id]
        rows.put(co_author, "story", story)
        story.accepted_co_authors.append(co_author)


def featured_stories(*, limit: int) -> list[Story]:
    """The newest featured published stories (`selectors.featured_stories`), each with
    its author, organisation, community, tags, accepted co-authors and `comment_count`."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"featured_stories_{limit}", _featured_statement(limit), {})
        found = cursor.fetchall()
    return _card_stories(found)


# --- The stories told about a pledge ---------------------------------------------------------
#
# Every pledge's page asks whether any story tells about it (most have none): one read of
# the link table's pledge index, which through the ORM cost about three times its SQL.


@cache
def _told_statement() -> str:
    # Table name from the model; the pledge is a parameter.
    return f"SELECT story_id FROM {Story.pledges.through._meta.db_table} WHERE pledge_id = %s"  # noqa: S608  # nosec B608


def story_ids_about(pledge_id: int) -> list[int]:
    """The ids of every story linked to the pledge, whatever its state."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, "stories_about_pledge", _told_statement(), [pledge_id])
        return [row[0] for row in cursor.fetchall()]
