"""Keyboard alone, a phone, a desktop: the skip link comes first and works, focus is
always visible, key forms can be completed without a mouse, and the NHS.UK design holds
at 375 px wide (no sideways scrolling, the NHS header in view) and on a desktop."""

import datetime
import re

import pytest
from django.utils import timezone

from communities.services import membership_join
from pledges.models import Pledge
from pledges.services import pledge_create
from reports import rollups
from stories.services import story_create, story_publish
from tests.browser import support
from tests.browser.support import DESKTOP, PHONE, expect
from tests.factories import (
    PASSWORD,
    CampaignFactory,
    CommunityFactory,
    MembershipFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The computed styles of whatever has focus, and of the box NHS.UK draws for radios and
# checkboxes (their input is invisible; the label's ::before shows the focus ring).
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  let shown = el;
  if (el.matches("input[type=radio], input[type=checkbox]") && el.labels.length) {
    shown = el.labels[0];
  }
  const own = getComputedStyle(el);
  const before = getComputedStyle(shown, "::before");
  const box = el.getBoundingClientRect();
  return {
    what: `${el.tagName.toLowerCase()}#${el.id}.${el.className} “${(el.innerText || el.value
      || "").trim().slice(0, 40)}”`,
    outline: own.outlineStyle !== "none" && parseFloat(own.outlineWidth) > 0
      && !/rgba\\(.*, 0\\)$|transparent/.test(own.outlineColor),
    shadow: own.boxShadow !== "none" || before.boxShadow !== "none",
    visible: box.width > 0 && box.height > 0,
  };
}"""


@pytest.fixture
def world(learning_module):
    theme = ThemeFactory(name="Patient experience", slug="patient-experience")
    campaign = CampaignFactory(name="What Matters 2026", slug="what-matters", unit="patients")
    olivia = UserFactory(display_name="Olivia Organiser")
    alice = UserFactory(email="alice@example.nhs.uk", display_name="Alice Ahmed")
    admin = UserFactory(display_name="Ada Admin", is_staff=True, is_superuser=True)
    community = CommunityFactory(name="Morecambe Bay Walkers", slug="morecambe-bay-walkers")
    MembershipFactory(community=community, member=olivia, role="organiser")
    membership_join(community=community, member=alice)
    pledge = pledge_create(
        author=olivia,
        title="walk a mile at lunch every day",
        description="Starting with **one** walk.",
        theme=theme,
        campaign=campaign,
        community=community,
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        threshold=2,
    )
    story = story_publish(
        story=story_create(
            author=olivia,
            title="Walking a mile a day on Morecambe Bay",
            summary="Twelve of us walked a mile a day for a month.",
            body="We met at the **lifeboat station** every morning.",
            community=community,
        ),
        actor=olivia,
    )
    rollups.rollups_full()
    return {
        "theme": theme,
        "olivia": olivia,
        "alice": alice,
        "admin": admin,
        "community": community,
        "pledge": pledge,
        "story": story,
        "module": learning_module,
    }


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def _next_day_numbered_as_its_month() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=2)
    while day.day != day.month:
        day += datetime.timedelta(days=1)
    return day


def test_the_skip_link_comes_first_and_focus_is_always_visible(web, world):
    pages = [
        (None, "/", "home page"),
        (None, "/accounts/login/", "log in"),
        (world["alice"], f"/pledges/{world['pledge'].pk}/", "pledge"),
        (world["alice"], "/pledges/new/", "make a pledge"),
        (world["alice"], f"/members/{world['alice'].pk}/edit/", "profile form"),
        (world["admin"], "/reports/", "dashboard"),
    ]
    for user, path, step in pages:
        page = web.new_page(user=user)
        web.goto(page, path, step)
        page.keyboard.press("Tab")
        skip = page.locator(":focus")
        expect(skip).to_have_text("Skip to main content")
        expect(skip).to_have_attribute("href", "#maincontent")
        expect(skip).to_be_in_viewport()

        # Every stop from there on shows where focus is.
        unseen, seen = [], set()
        for _ in range(30):
            focus = page.evaluate(FOCUS_STYLE)
            if focus is None or focus["what"] in seen:
                break  # round to the start of the page again
            seen.add(focus["what"])
            if focus["visible"] and not (focus["outline"] or focus["shadow"]):
                unseen.append(focus["what"])
            page.keyboard.press("Tab")
        assert len(seen) > 8, f"only {len(seen)} things took focus on {step}"
        assert not unseen, f"focus is invisible on {step} for: {unseen}"

        page.goto(path)  # from the top again
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#maincontent")).to_be_focused()
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.getElementById('maincontent').contains(document.activeElement)"
        ), f"after the skip link, Tab left the main content on {step}"
        page.context.close()


def test_key_forms_can_be_completed_with_the_keyboard_alone(web, world):
    alice = world["alice"]
    page = web.new_page(locale="en-GB")
    web.goto(page, "/accounts/login/", "log in")
    _tab_to(page, "#id_login")
    page.keyboard.type(alice.email)
    _tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    web.check(page, "logged in with the keyboard")

    web.goto(page, "/pledges/new/", "make a pledge")
    _tab_to(page, "#id_title")
    page.keyboard.type("learn the name of every porter on my corridor")
    _tab_to(page, "#id_theme")
    page.keyboard.type("Patient")
    _tab_to(page, "#id_due_date")
    due = _next_day_numbered_as_its_month()
    page.keyboard.type(due.strftime("%d%m%Y"))  # the same whichever order the field uses
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your pledge is made.", exact=False)).to_be_visible()
    web.check(page, "pledge made with the keyboard")
    made = Pledge.objects.get(author=alice)
    assert (made.title, made.theme, made.due_date) == (
        "learn the name of every porter on my corridor",
        world["theme"],
        due,
    )

    web.goto(page, f"/pledges/{world['pledge'].pk}/", "someone else's pledge")
    _tab_to(page, "#sign-panel button")
    page.keyboard.press("Enter")
    remove = page.get_by_role("button", name="Remove my signature")
    expect(remove).to_be_visible()
    web.check(page, "signed with the keyboard")
    assert world["pledge"].signatures.filter(member=alice).exists()
    # The keyboard user is not thrown back to the top of the page.
    expect(remove).to_be_focused()
    # The swapped panel's form has no CSRF field of its own: htmx sends the page's token.
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="I’ll do it too")).to_be_focused()
    web.check(page, "signature removed with the keyboard")
    assert not world["pledge"].signatures.filter(member=alice).exists()

    web.goto(page, f"/communities/{world['community'].slug}/", "community")
    _tab_to(page, "a[href$='/leave/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/leave/$"))
    web.check(page, "leave a community")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have left Morecambe Bay Walkers.")).to_be_visible()
    web.check(page, "left with the keyboard")


def _pages(world):
    """Pages the journeys do not visit on a phone (the staff and organiser journeys run
    on one; the others on a desktop, where every check asserts the layout too)."""
    return [
        (
            world["alice"],
            [
                ("/", "home page"),
                ("/pledges/mine/", "my pledges"),
                ("/pledges/campaigns/what-matters/", "campaign"),
                ("/stories/", "stories"),
                (world["story"].get_absolute_url(), "story"),
                (f"/members/{world['olivia'].pk}/", "someone's profile"),
            ],
        ),
        (
            world["admin"],
            [
                ("/reports/", "dashboard"),
                ("/reports/exports/", "exports"),
                ("/reports/open-data/", "open data"),
            ],
        ),
    ]


def test_the_design_holds_on_a_phone_and_on_a_desktop(web, world):
    for user, pages in _pages(world):
        page = web.new_page(user=user, viewport=PHONE)
        for path, step in pages:
            page.set_viewport_size(PHONE)
            # The check asserts the layout too: the NHS header, nothing wider than 375 px.
            web.goto(page, path, f"{step} on a phone")
            expect(page.locator(".nhsuk-header__service-logo")).to_be_in_viewport()

            page.set_viewport_size(DESKTOP)
            assert not support.layout_problem(page), f"{step} on a desktop"
            navigation = page.locator(".nhsuk-header__navigation-list")
            expect(navigation.get_by_role("link", name="Pledges", exact=True)).to_be_visible()
