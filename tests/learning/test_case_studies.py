"""Case-study stories on lessons: real change told by staff becomes part of the training."""

import pytest
from django.urls import reverse

from learning import services
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(learning_module):
    return learning_module.lessons.order_by("position").first()


@pytest.fixture
def enrolled_alice(alice, learning_module):
    services.enrol(member=alice, module=learning_module)
    return alice


def lesson_url(lesson) -> str:
    return reverse("learning:lesson", args=[lesson.module.slug, lesson.slug])


def test_a_lesson_shows_its_published_case_studies(client_for, enrolled_alice, lesson, bob):
    story = StoryFactory(author=bob, title="Walking a mile a day on Morecambe Bay")
    lesson.case_studies.add(story)

    page = client_for(enrolled_alice).get(lesson_url(lesson)).content.decode()

    assert "Case study: change told by staff" in page
    assert "Walking a mile a day on Morecambe Bay" in page
    assert story.get_absolute_url() in page


def test_drafts_and_hidden_stories_are_not_shown_as_case_studies(
    client_for, enrolled_alice, lesson, bob
):
    draft = StoryFactory(author=bob, title="A draft nobody should see", status="draft")
    hidden = StoryFactory(author=bob, title="A story moderators hid", moderation_status="hidden")
    lesson.case_studies.add(draft, hidden)

    page = client_for(enrolled_alice).get(lesson_url(lesson)).content.decode()

    assert "A draft nobody should see" not in page
    assert "A story moderators hid" not in page
    assert "change told by staff" not in page


def test_the_lesson_api_lists_visible_case_studies(api_for, enrolled_alice, lesson, bob):
    shown = StoryFactory(author=bob, title="Asking what matters")
    StoryFactory(author=bob, title="Still a draft", status="draft")
    lesson.case_studies.add(shown, *lesson.case_studies.model.objects.filter(status="draft"))

    response = api_for(enrolled_alice).get(reverse("api:learning-lesson", args=[lesson.pk]))

    assert response.status_code == 200, response.json()
    titles = [case["title"] for case in response.json()["case_studies"]]
    assert titles == ["Asking what matters"]
