"""A community's stories for its page, read with hand-written SQL.

A community's page shows its five newest published stories as cards: each with its
author (and their organisation), tags, accepted co-authors and count of published
comments. Through the ORM that read, its annotated count and its two prefetches cost
about 7 ms a page, of which the SQL was under 2 ms: building the queries was the rest
(docs/benchmarks.md). Its rule is simple (published, moderation let it stand, in this
community: what everyone may read), so it is three statements here, turned back into
the same instances the ORM gives (`kernel.rows`). `tests/stories/test_reads.py` holds
it to `selectors.story_feed(…).filter(community=…)`, the ORM's answer.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from communities.models import Community
from communities.moderation import ModerationStatus
from kernel import rows
from members.models import Organisation, User
from stories.models import CoAuthor, Comment, Story, Tag


@cache
def _statements() -> tuple[str, str, str]:
    story, comment = Story._meta.db_table, Comment._meta.db_table
    user, organisation = User._meta.db_table, Organisation._meta.db_table
    through = Story.tags.through._meta.db_table
    # Table and column names from the models; every value is a parameter.
    stories = (
        f"SELECT {rows.columns(Story, 's')}, {rows.columns(User, 'u')}, "  # noqa: S608  # nosec B608
        f"{rows.columns(Organisation, 'o')}, "
        f"(SELECT count(*) FROM {comment} c WHERE c.story_id = s.id "
        "AND c.moderation_status = %(published)s) "
        f"FROM {story} s JOIN {user} u ON u.id = s.author_id "
        f"LEFT JOIN {organisation} o ON o.id = u.organisation_id "
        "WHERE s.community_id = %(community)s AND s.status = %(story_published)s "
        "AND s.moderation_status = %(published)s "
        # The order of `story_feed`, which the community's feed index holds.
        "ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC LIMIT %(limit)s"
    )
    tags = (
        f"SELECT st.story_id, {rows.columns(Tag, 't')} FROM {through} st "  # noqa: S608  # nosec B608
        f"JOIN {Tag._meta.db_table} t ON t.id = st.tag_id "
        "WHERE st.story_id = ANY(%(ids)s) ORDER BY t.name, t.id"
    )
    co_authors = (
        f"SELECT {rows.columns(CoAuthor, 'ca')}, {rows.columns(User, 'm')} "  # noqa: S608  # nosec B608
        f"FROM {CoAuthor._meta.db_table} ca JOIN {user} m ON m.id = ca.member_id "
        "WHERE ca.story_id = ANY(%(ids)s) AND ca.status = %(accepted)s "
        "ORDER BY ca.invited_at, ca.id"
    )
    return stories, tags, co_authors


@cache
def _featured_statement() -> str:
    story, comment = Story._meta.db_table, Comment._meta.db_table
    # Table and column names from the models; every value is a parameter.
    return (
        f"SELECT {rows.columns(Story, 's')}, {rows.columns(User, 'u')}, "  # noqa: S608  # nosec B608
        f"{rows.columns(Organisation, 'o')}, {rows.columns(Community, 'c')}, "
        f"(SELECT count(*) FROM {comment} cm WHERE cm.story_id = s.id "
        "AND cm.moderation_status = %(published)s) "
        f"FROM {story} s JOIN {User._meta.db_table} u ON u.id = s.author_id "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = u.organisation_id "
        f"LEFT JOIN {Community._meta.db_table} c ON c.id = s.community_id "
        "WHERE s.is_featured AND s.status = %(story_published)s "
        "AND s.moderation_status = %(published)s "
        "ORDER BY s.featured_at DESC, s.id DESC LIMIT %(limit)s"
    )


def community_stories(*, community, limit: int) -> list[Story]:
    """The community's published stories, featured first, then newest, each with its
    author, organisation, tags, accepted co-authors (`accepted_co_authors`) and
    `comment_count`, and the community in hand."""
    stories_sql = _statements()[0]
    with connection.cursor() as cursor:
        cursor.execute(
            stories_sql,
            {
                "community": community.pk,
                "story_published": Story.Status.PUBLISHED,
                "published": ModerationStatus.PUBLISHED,
                "limit": limit,
            },
        )
        found = cursor.fetchall()
        if not found:
            return []
        stories = [_card_story(row, community=community) for row in found]
    _with_tags_and_co_authors(stories)
    return stories


def _card_story(row, *, community=None) -> Story:
    """The story in `row` with its author, their organisation, its community and
    `comment_count` on it (its `accepted_co_authors` to come): `community` when the read
    has it in hand (the row then holds the story's, author's and organisation's columns
    and the count), else the one read with it (`_featured_statement`)."""
    if community is None:
        models = (Story, User, Organisation, Community)
        story, author, organisation, community = rows.build_each(row, *models)
    else:
        models = (Story, User, Organisation)
        story, author, organisation = rows.build_each(row, *models)
    author.organisation = organisation
    story.author = author
    story.community = community
    story.comment_count = row[rows.width(*models)]
    story.accepted_co_authors = []
    return story


def _with_tags_and_co_authors(stories: list[Story]) -> None:
    """Put each story's tags (as `prefetch_related("tags")` leaves them) and accepted
    co-authors (`accepted_co_authors`) on it: two statements, for all of them."""
    _stories_sql, tags_sql, co_authors_sql = _statements()
    by_id = {story.pk: story for story in stories}
    ids = list(by_id)
    tags: dict[int, list[Tag]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(tags_sql, {"ids": ids})
        for row in cursor.fetchall():
            tags[row[0]].append(rows.build(Tag, row, 1))
        cursor.execute(co_authors_sql, {"ids": ids, "accepted": CoAuthor.Status.ACCEPTED})
        for row in cursor.fetchall():
            co_author, member = rows.build_each(row, CoAuthor, User)
            co_author.member = member
            story = by_id[co_author.story_id]
            co_author.story = story
            story.accepted_co_authors.append(co_author)
    for story in stories:
        # As `prefetch_related("tags")` leaves them: `story.tags.all()` reads no more.
        queryset = story.tags.get_queryset()
        queryset._result_cache = tags[story.pk]
        queryset._prefetch_done = True
        story._prefetched_objects_cache = {"tags": queryset}


def featured_stories(*, limit: int) -> list[Story]:
    """The newest featured published stories (`selectors.featured_stories`), each with
    its author, organisation, community, tags, accepted co-authors and `comment_count`."""
    with connection.cursor() as cursor:
        cursor.execute(
            _featured_statement(),
            {
                "story_published": Story.Status.PUBLISHED,
                "published": ModerationStatus.PUBLISHED,
                "limit": limit,
            },
        )
        found = cursor.fetchall()
    stories = [_card_story(row) for row in found]
    if stories:
        _with_tags_and_co_authors(stories)
    return stories


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
        cursor.execute(_told_statement(), [pledge_id])
        return [row[0] for row in cursor.fetchall()]
