"""Members' own words keep the language they were written in: chosen on the form (the
page's language unless the author says otherwise), marked with `lang` where it differs
from the page, filtered on the wall and the story feed, and searched with the right
full-text configuration for each language."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from pledges import services as pledge_services
from pledges.models import CheckIn, Pledge
from stories import services as story_services
from stories.models import Story
from tests.factories import PledgeFactory, StoryFactory

pytestmark = pytest.mark.django_db

WALL = reverse("pledges:wall")
FEED = reverse("stories:feed")
DUE = timezone.localdate() + datetime.timedelta(days=30)


def make_pledge(author, theme, **fields) -> Pledge:
    return pledge_services.pledge_create(
        author=author, title="walk a mile every day", theme=theme, due_date=DUE, **fields
    )


# --- Chosen on the form, defaulting to the page's language ------------------------------


def test_a_pledge_made_on_a_welsh_page_is_written_in_welsh(alice, theme):
    with translation.override("cy"):
        pledge = make_pledge(alice, theme)

    assert pledge.language == "cy"


def test_an_author_can_say_their_words_are_in_another_language(alice, theme):
    with translation.override("cy"):
        pledge = make_pledge(alice, theme, language="en-gb")

    assert pledge.language == "en-gb"


def test_an_unknown_language_is_refused_with_the_languages_to_choose_from(alice, theme):
    with pytest.raises(ValidationError) as refused:
        make_pledge(alice, theme, language="klingon")

    assert "English, Cymraeg" in refused.value.message_dict["language"][0]
    assert not Pledge.objects.exists()


def test_the_pledge_form_offers_the_choice_with_the_page_language_ticked(client_for, alice, theme):
    page = client_for(alice).get(reverse("pledges:create"), HTTP_ACCEPT_LANGUAGE="cy")
    html = page.content.decode()

    assert 'name="language"' in html
    assert 'value="cy" checked' in html


def test_a_pledge_made_in_the_browser_keeps_the_chosen_language(client_for, alice, theme):
    client = client_for(alice)
    client.post(
        reverse("pledges:create"),
        {
            "title": "gofyn i bob claf beth sy'n bwysig iddyn nhw",
            "theme": theme.pk,
            "due_date": DUE.isoformat(),
            "visibility": "public",
            "language": "cy",
        },
    )

    assert Pledge.objects.get().language == "cy"


def test_a_check_in_keeps_its_language_and_refuses_an_unknown_one(alice, pledge):
    with pytest.raises(ValidationError) as refused:
        pledge_services.check_in_create(pledge=pledge, author=alice, note="Da", language="xx")
    assert "language" in refused.value.message_dict
    assert not CheckIn.objects.exists()

    check_in = pledge_services.check_in_create(
        pledge=pledge, author=alice, note="Wedi cerdded milltir", language="cy"
    )

    assert check_in.language == "cy"


def test_a_story_keeps_its_language_and_it_can_be_changed(alice):
    story = story_services.story_create(
        author=alice, title="Newid bach", summary="Crynodeb.", body="Stori.", language="cy"
    )
    assert story.language == "cy"

    story_services.story_update(story=story, actor=alice, language="en-gb")

    assert Story.objects.get(pk=story.pk).language == "en-gb"


# --- Read aloud in the right language ----------------------------------------------------


def test_welsh_words_on_an_english_page_carry_lang_cy(client, theme):
    pledge = PledgeFactory(title="cerdded milltir bob dydd", language="cy", theme=theme)

    wall = client.get(WALL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    detail = client.get(pledge.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<span lang="cy">cerdded milltir bob dydd</span>' in wall
    assert '<span lang="cy">cerdded milltir bob dydd</span>' in detail


def test_words_in_the_page_language_carry_no_extra_lang(client, theme):
    PledgeFactory(title="walk a mile every day", language="en-gb", theme=theme)

    wall = client.get(WALL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "walk a mile every day" in wall
    assert '<span lang="en-gb">' not in wall


def test_english_words_on_a_welsh_page_carry_lang_en(client):
    story = StoryFactory(title="How we changed handovers", language="en-gb")

    page = client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="cy").content.decode()

    assert 'id="story-title" lang="en-gb">How we changed handovers' in page


# --- Filtered on the wall, the feed and the API -----------------------------------------


def test_the_wall_and_the_api_filter_by_language(client, theme):
    welsh = PledgeFactory(title="cerdded milltir", language="cy", theme=theme)
    english = PledgeFactory(title="walk a mile", language="en-gb", theme=theme)

    wall = client.get(WALL, {"language": "cy"})
    api = client.get(reverse("api:pledges"), {"language": "cy"}).json()

    assert [p.pk for p in wall.context["page"].items] == [welsh.pk]
    assert [row["id"] for row in api["results"]] == [welsh.pk]
    assert english.pk not in [row["id"] for row in api["results"]]
    assert api["results"][0]["language"] == "cy"


def test_an_unknown_language_filter_is_a_clear_400_in_the_api(client):
    response = client.get(reverse("api:pledges"), {"language": "xx"})

    assert response.status_code == 400
    assert "language" in response.json()


def test_the_story_feed_and_its_api_filter_by_language(client):
    welsh = StoryFactory(title="Newid bach", language="cy")
    StoryFactory(title="A small change", language="en-gb")

    feed = client.get(FEED, {"language": "cy"})
    api = client.get(reverse("api:story-list"), {"language": "cy"}).json()

    assert [s.pk for s in feed.context["stories"]] == [welsh.pk]
    assert [row["id"] for row in api["results"]] == [welsh.pk]
    assert client.get(reverse("api:story-list"), {"language": "xx"}).status_code == 400
    # On the web an unknown language shows every story rather than an error page.
    assert len(client.get(FEED, {"language": "xx"}).context["stories"]) == 2


# --- Searched in each language's configuration ------------------------------------------


def test_english_words_are_found_by_their_stem(theme):
    from pledges.selectors import search

    walking = PledgeFactory(title="walk to work", language="en-gb", theme=theme)

    assert list(search(Pledge.objects.all(), "walking").values_list("pk", flat=True)) == [
        walking.pk
    ]


def test_welsh_words_are_matched_whole_not_cut_by_the_english_stemmer(theme):
    from pledges.selectors import search

    # The English stemmer cuts "cerdded" (to walk) to "cerdd", which is "a poem": read as
    # English, a search for poems would find this pledge.
    welsh = PledgeFactory(title="cerdded i'r gwaith", language="cy", theme=theme)

    found = set(search(Pledge.objects.all(), "cerdded").values_list("pk", flat=True))
    poems = set(search(Pledge.objects.all(), "cerdd").values_list("pk", flat=True))

    assert found == {welsh.pk}
    assert poems == set()


def test_the_wall_search_walk_and_index_agree_for_welsh_words(client, theme):
    welsh = PledgeFactory(title="cerdded i'r gwaith", language="cy", theme=theme)
    PledgeFactory(title="walk to work", language="en-gb", theme=theme)

    wall = client.get(WALL, {"q": "cerdded"})

    assert [p.pk for p in wall.context["page"].items] == [welsh.pk]


def test_story_search_reads_welsh_words_whole():
    from stories.selectors import search

    welsh = StoryFactory(title="Cerdded gyda'n gilydd", language="cy")

    assert list(search(Story.objects.all(), "cerdded").values_list("pk", flat=True)) == [welsh.pk]
    assert not search(Story.objects.all(), "cerdd").exists()
