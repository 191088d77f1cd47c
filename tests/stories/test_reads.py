"""A community's stories read with hand-written SQL (stories/reads.py) give what the
ORM's feed gives: the same stories in the same order, with the same fields, author,
organisation, tags, accepted co-authors and count of published comments."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import User
from stories import reads, selectors
from stories.cards import _tags, story_list
from stories.models import Story
from tests.factories import (
    CoAuthorFactory,
    CommentFactory,
    CommunityFactory,
    OrganisationFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _at(days: int):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def community():
    community = CommunityFactory(name="Ward 4")
    organised = UserFactory(display_name="Org Person", organisation=OrganisationFactory())
    unattached = UserFactory(display_name="No Org", organisation=None)
    featured = StoryFactory(
        community=community, author=unattached, is_featured=True, published_at=_at(9)
    )
    newest = StoryFactory(community=community, author=organised, published_at=_at(1))
    older = StoryFactory(community=community, author=organised, published_at=_at(5))
    same_time = StoryFactory(community=community, author=unattached, published_at=_at(5))
    StoryFactory(community=community, published_at=_at(2), moderation_status="hidden")
    StoryFactory(community=community, status="draft", published_at=None)
    StoryFactory(community=CommunityFactory(), published_at=_at(1))
    newest.tags.add(TagFactory(name="safety"), TagFactory(name="handover"))
    older.tags.add(TagFactory(name="falls"))
    CoAuthorFactory(story=newest, member=UserFactory(display_name="Bea"))
    CoAuthorFactory(story=newest, member=UserFactory(display_name="Cal", erased_at=_at(1)))
    CoAuthorFactory(story=newest, member=UserFactory(display_name="Invited"), status="invited")
    CommentFactory.create_batch(2, story=newest)
    CommentFactory(story=newest, moderation_status="hidden")
    CommentFactory(story=featured)
    StoryFactory.create_batch(2, community=community, published_at=_at(20))
    assert same_time.pk and featured.pk
    return community


def _shape(story: Story) -> tuple:
    fields = tuple(getattr(story, f.attname) for f in Story._meta.concrete_fields)
    author = story.author
    return (
        fields,
        tuple(getattr(author, f.attname) for f in User._meta.concrete_fields),
        author.organisation.name if author.organisation_id else None,
        story.community.pk if story.community_id else None,
        story.comment_count,
        [tag.name for tag in _tags(story)],
        [(c.pk, c.member.pk, c.member.display_name) for c in story.accepted_co_authors],
    )


@pytest.mark.parametrize("limit", [1, 5, 10])
def test_it_reads_what_the_orm_feed_reads(community, limit):
    expected = list(
        selectors.story_feed(user=AnonymousUser(), with_pledges=False).filter(community=community)[
            :limit
        ]
    )
    found = reads.community_stories(community=community, limit=limit)

    assert [_shape(story) for story in found] == [_shape(story) for story in expected]
    assert found[0].is_featured


def test_its_cards_are_the_orm_feeds_cards(community):
    viewer = UserFactory()
    expected = selectors.story_feed(user=viewer, with_pledges=False).filter(community=community)

    assert story_list(reads.community_stories(community=community, limit=5), viewer) == (
        story_list(list(expected[:5]), viewer)
    )


def test_two_statements_and_no_more_while_the_cards_are_drawn(community):
    """The stories with their counts and tags, then the co-authors (a story has some)."""
    with CaptureQueriesContext(connection) as captured:
        stories = reads.community_stories(community=community, limit=5)
        story_list(stories, AnonymousUser())

    assert len(captured.captured_queries) == 2


def test_stories_without_co_authors_need_one_statement_with_their_tags():
    quiet = CommunityFactory()
    tagged = StoryFactory(community=quiet, published_at=_at(1))
    tagged.tags.add(TagFactory(name="nights"), TagFactory(name="audit"))
    StoryFactory(community=quiet, published_at=_at(2))
    # An invitation not yet accepted is no co-author.
    CoAuthorFactory(story=tagged, status="invited")

    with CaptureQueriesContext(connection) as captured:
        stories = reads.community_stories(community=quiet, limit=5)
        story_list(stories, AnonymousUser())

    assert len(captured.captured_queries) == 1
    assert [[tag.name for tag in story.card_tags] for story in stories] == [
        ["audit", "nights"],
        [],
    ]
    assert [story.accepted_co_authors for story in stories] == [[], []]


def test_the_cards_tags_are_a_plain_list_with_no_manager(community, monkeypatch):
    """A story's tags manager and queryset cost a card page some 27 µs a story: neither
    the read nor the cards build one."""

    def no_manager(story):
        raise AssertionError("a tags manager was built for tags already read")

    expected = [[tag.name for tag in story.tags.all()] for story in
                selectors.story_feed(user=AnonymousUser(), with_pledges=False)
                .filter(community=community)[:5]]  # fmt: skip
    monkeypatch.setattr(Story, "tags", property(no_manager))

    stories = reads.community_stories(community=community, limit=5)
    story_list(stories, AnonymousUser())

    assert [[tag.name for tag in story.card_tags] for story in stories] == expected


def test_a_community_without_stories_reads_one_statement():
    quiet = CommunityFactory()
    with CaptureQueriesContext(connection) as captured:
        assert reads.community_stories(community=quiet, limit=5) == []

    assert len(captured.captured_queries) == 1


def test_the_stories_about_a_pledge_are_every_linked_story(community):
    from tests.factories import PledgeFactory

    pledge, other = PledgeFactory(), PledgeFactory()
    told = [
        StoryFactory(),
        StoryFactory(status="draft"),
        StoryFactory(moderation_status="hidden"),
    ]
    for story in told:
        story.pledges.add(pledge)
    StoryFactory().pledges.add(other)

    found = reads.story_ids_about(pledge.pk)

    expected = Story.pledges.through.objects.filter(pledge_id=pledge.pk).values_list(
        "story_id", flat=True
    )
    assert sorted(found) == sorted(expected) == sorted(s.pk for s in told)
    assert reads.story_ids_about(PledgeFactory().pk) == []


# --- Home's featured stories ------------------------------------------------------------


@pytest.fixture
def featured(community):
    """Featured stories at different times, in a community or none, and a featured one
    that was hidden."""
    made = []
    for days, extra in [
        (3, {}),
        (1, {"community": community}),
        (7, {"author": UserFactory(organisation=None)}),
        (2, {}),
        (5, {"community": CommunityFactory()}),
    ]:
        made.append(StoryFactory(is_featured=True, featured_at=_at(days), **extra))
    StoryFactory(is_featured=True, featured_at=_at(0), moderation_status="hidden")
    made[0].tags.add(TagFactory(name="listening"))
    CoAuthorFactory(story=made[1], member=UserFactory(display_name="Dee"))
    CommentFactory.create_batch(3, story=made[3])
    return made


def _orm_featured(limit: int) -> list[Story]:
    return list(
        selectors.story_feed(user=AnonymousUser(), with_pledges=False)
        .filter(is_featured=True)
        .order_by("-featured_at", "-id")[:limit]
    )


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_the_featured_stories_are_the_orm_feeds(featured, limit):
    found = selectors.featured_stories(user=UserFactory(), limit=limit)

    assert [_shape(story) for story in found] == [_shape(story) for story in _orm_featured(limit)]
    assert len(found) == min(limit, 6)  # the community fixture's featured story too


def test_the_featured_cards_need_one_statement_without_co_authors():
    StoryFactory(is_featured=True, featured_at=_at(1)).tags.add(TagFactory(name="falls"))
    with CaptureQueriesContext(connection) as captured:
        story_list(reads.featured_stories(limit=3), AnonymousUser())
    assert len(captured.captured_queries) == 1


def test_the_featured_cards_need_two_statements_with_co_authors(featured):
    with CaptureQueriesContext(connection) as captured:
        story_list(reads.featured_stories(limit=3), AnonymousUser())
    assert len(captured.captured_queries) == 2


def test_no_featured_story_reads_one_statement():
    with CaptureQueriesContext(connection) as captured:
        assert reads.featured_stories(limit=3) == []
    assert len(captured.captured_queries) == 1


def test_the_cards_rows_leave_out_what_no_card_shows(community, featured):
    read = [
        *reads.community_stories(community=community, limit=5),
        *reads.featured_stories(limit=3),
    ]

    assert read
    for story in read:
        assert {"body", "review_note", "moderation_reason", "updated_at"} <= (
            story.get_deferred_fields()
        )
        assert {"password", "email", "bio"} <= story.author.get_deferred_fields()
    # What was left out is still there when something asks for it.
    story = read[0]
    assert story.body == Story.objects.get(pk=story.pk).body
