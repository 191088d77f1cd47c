"""A story's card, byline and status tag (stories/cards.py), as lists of stories show
them."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from stories import selectors
from stories.cards import byline, status_tag, story_card, story_list
from stories.models import Story
from tests.factories import (
    CoAuthorFactory,
    CommunityFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PUBLISHED = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))


def _read(story: Story) -> Story:
    """The story as the lists select it."""
    return selectors._with_list_data(Story.objects.filter(pk=story.pk), with_pledges=False).get()


@pytest.fixture
def told():
    story = StoryFactory(
        author=UserFactory(display_name="Alice Ahmed"),
        title="Bedside <handovers>",
        slug="bedside-handovers",
        summary="We asked patients to join in & it worked.",
        outcome="Falls down by a third",
        community=CommunityFactory(name="Ward 4"),
        published_at=PUBLISHED,
        inspired_count=1,
    )
    CoAuthorFactory(story=story, member=UserFactory(display_name="Bob Brown"))
    story.tags.add(TagFactory(name="handover"), TagFactory(name="falls"))
    return _read(story)


def test_a_card_writes_the_whole_story(told):
    html = str(story_card(told, AnonymousUser(), 3))

    assert html.startswith('<div class="nhsuk-card nhsuk-card--clickable radicals-story-card">')
    assert (
        '<a class="nhsuk-card__link" href="/stories/bedside-handovers/">Bedside &lt;handovers&gt;'
        "</a>" in html
    )
    assert "We asked patients to join in &amp; it worked." in html
    assert "<strong>Outcome:</strong> Falls down by a third</p>" in html
    assert "By Alice Ahmed with Bob Brown · Ward 4 · 20 November 2026" in html
    assert "· 1 inspired · 0 comments" in html
    assert '<span class="nhsuk-u-visually-hidden">Tags: </span>' in html
    assert html.count("nhsuk-tag--blue") == 2
    assert "<h3 " in html and "Featured" not in html


def test_every_name_on_a_card_is_escaped_once():
    story = StoryFactory(
        author=UserFactory(display_name="Ann <Lee>"),
        community=CommunityFactory(name="Ward 4 & friends"),
        published_at=PUBLISHED,
    )
    CoAuthorFactory(story=story, member=UserFactory(display_name="Bo & Co"))
    html = str(story_card(_read(story), AnonymousUser()))

    assert "By Ann &lt;Lee&gt; with Bo &amp; Co · Ward 4 &amp; friends · 20 November 2026" in html
    assert "&amp;amp;" not in html and "&amp;lt;" not in html


def test_a_list_holds_one_card_a_story(told):
    html = str(story_list([told, told], AnonymousUser(), heading_level=2))

    assert html.startswith('<ul class="nhsuk-list radicals-story-list">')
    assert html.count("<li><div class=") == 2 and html.endswith("</ul>")


def test_bylines_name_everyone_as_they_allow():
    story = StoryFactory(
        author=UserFactory(display_name="Hidden Hana", name_visibility="anonymous")
    )
    for name in ("Bob Brown", "Carol Cho", "Dev Das"):
        CoAuthorFactory(story=story, member=UserFactory(display_name=name))
    story = _read(story)

    assert str(byline(story, AnonymousUser(), story.accepted_co_authors)) == (
        "By Anonymous supporter with Bob Brown, Carol Cho and Dev Das"
    )
    assert str(byline(story, story.author, [])) == "By Hidden Hana"


def test_the_status_tag_says_where_a_story_stands():
    assert "Draft" in status_tag(StoryFactory.build(status="draft"))
    assert "Waiting for review" in status_tag(StoryFactory.build(status="submitted"))
    assert "Returned with a note" in status_tag(StoryFactory.build(status="returned"))
    assert "Hidden by moderators" in status_tag(StoryFactory.build(moderation_status="hidden"))
    assert "Featured" in status_tag(StoryFactory.build(is_featured=True))
    assert "Published" in status_tag(StoryFactory.build())


def test_a_card_shows_its_status_to_its_author_and_featured_to_all(told):
    assert "nhsuk-tag--green" in str(story_card(told, told.author, show_status=True))
    told.is_featured = True
    assert "nhsuk-tag--purple" in str(story_card(told, AnonymousUser()))


def test_a_story_in_another_language_is_marked_as_such():
    story = _read(StoryFactory(title="Newid y trosglwyddo", language="cy"))

    html = str(story_card(story, AnonymousUser()))

    assert 'href="/stories/newid-y-trosglwyddo/" lang="cy">Newid y trosglwyddo</a>' in html
    assert '<p class="nhsuk-card__description" lang="cy">' in html


def test_every_word_on_a_card_is_translated(told, pseudo_welsh):
    with translation.override("cy"):
        html = str(story_card(told, AnonymousUser()))

    assert "⟦Outcome:⟧" in html and "⟦Tags:⟧" in html
    assert "⟦By Alice Ahmed with Bob Brown⟧" in html
    assert "⟦1 inspired⟧ · ⟦0 comment" in html


def test_a_card_reads_nothing_more_than_its_list_data(told, django_assert_num_queries):
    with django_assert_num_queries(0):
        story_card(told, AnonymousUser())


def test_a_card_takes_the_tags_read_with_its_list_without_a_manager(told, monkeypatch):
    def no_manager(story):
        raise AssertionError("the card built a tags manager for tags already read")

    monkeypatch.setattr(Story, "tags", property(no_manager))

    assert "handover" in story_card(told, AnonymousUser())


def test_a_card_of_a_story_read_on_its_own_asks_for_its_tags(told):
    alone = Story.objects.get(pk=told.pk)  # no tags read with it
    alone.accepted_co_authors, alone.comment_count = [], 0

    assert "falls" in story_card(alone, AnonymousUser())
