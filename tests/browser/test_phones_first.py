"""Phones first: on a 375 px screen the wall, the story feed and the module list show
their results before any filter, with the filters folded away until asked for; on a
desktop the filters sit beside the results. Every page passes axe-core."""

import datetime
import re

import pytest
from django.utils import timezone

from pledges.services import pledge_create
from stories.services import story_create, story_publish
from tests.browser.support import DESKTOP, PHONE, expect
from tests.factories import ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists(learning_module):
    alice = UserFactory(display_name="Alice Ahmed")
    pledge_create(
        author=alice,
        title="walk a mile at lunch every day",
        theme=ThemeFactory(name="Staff wellbeing", slug="staff-wellbeing"),
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    story_publish(
        story=story_create(
            author=alice,
            title="Walking a mile a day on Morecambe Bay",
            summary="Twelve of us walked a mile a day for a month.",
            body="We met at the **lifeboat station** every morning.",
        ),
        actor=alice,
    )
    return [
        ("/pledges/", "I will walk a mile at lunch every day", "the wall"),
        ("/stories/", "Walking a mile a day on Morecambe Bay", "the story feed"),
        ("/learning/", learning_module.title, "the module list"),
    ]


def _top(locator) -> float:
    return locator.bounding_box()["y"]


def test_a_phone_shows_results_first_and_the_filters_folded(web, lists):
    for path, first_result, step in lists:
        page = web.new_page(viewport=PHONE)
        web.goto(page, path, f"{step} on a phone")  # axe-core and the layout checked here

        result = page.locator("main").get_by_role("link", name=first_result).first
        expect(result).to_be_visible()
        filters = page.locator("[data-filters]")
        if filters.count():
            assert filters.evaluate("details => details.open") is False, step
            expect(filters.locator("select").first).to_be_hidden()
            assert _top(result) < _top(filters), f"the filters come before results on {step}"
        else:
            # The module list has no filters: nothing may stand between heading and list.
            assert page.locator("main select").count() == 0, step
        page.context.close()


def test_the_folded_filters_open_and_still_filter_on_a_phone(web, lists):
    page = web.new_page(viewport=PHONE)
    web.goto(page, "/pledges/", "the wall on a phone")

    page.get_by_text("Find pledges: search and filters").click()
    theme = page.get_by_label("Theme")
    expect(theme).to_be_visible()
    theme.select_option(label="Staff wellbeing")
    expect(page).to_have_url(re.compile(r"theme=staff-wellbeing"))
    expect(page.get_by_role("link", name="I will walk a mile at lunch every day")).to_be_visible()
    web.check(page, "the wall filtered on a phone")

    # Coming back to a filtered wall, the filters in use are shown open.
    page.reload()
    assert page.locator("[data-filters]").evaluate("details => details.open") is True
    web.check(page, "a filtered wall reloaded on a phone")


def test_on_a_desktop_the_filters_sit_beside_the_results(web, lists):
    page = web.new_page(viewport=DESKTOP)
    for path, first_result, step in lists[:2]:
        web.goto(page, path, f"{step} on a desktop")
        result = page.locator("main").get_by_role("link", name=first_result).first
        filters = page.locator("[data-filters]")
        assert filters.bounding_box()["x"] < result.bounding_box()["x"], step
        assert abs(_top(filters) - _top(page.locator(".radicals-results-column"))) < 5, step
