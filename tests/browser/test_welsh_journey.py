"""A member of staff who works in Welsh, in a real browser on a phone: chooses Cymraeg in
the header, makes a pledge in Welsh, checks in on it, finds it on the wall filtered to
Welsh, and reads a colleague's English story marked as English. Every label is found by
its Welsh wording from the catalogues, and every page on the way passes axe-core."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from pledges.models import CheckIn, Pledge
from tests.browser.support import PHONE, expect
from tests.factories import StoryFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cy(message: str, **values) -> str:
    """The Welsh a page shows for an English message of the catalogues."""
    with translation.override("cy"):
        text = translation.gettext(message)
    assert text != message or not re.search("[a-z]", message), f"No Welsh for {message!r}"
    return text % values if values else text


def test_a_welsh_speaking_member_pledges_and_checks_in_in_welsh(web):
    theme = ThemeFactory(name="Patient experience", slug="patient-experience")
    member = UserFactory(display_name="Siân Jones")
    StoryFactory(title="How we changed handovers", language="en-gb")
    page = web.new_page(user=member, viewport=PHONE)

    web.goto(page, "/", "home page in English")
    page.get_by_role("link", name="Cymraeg").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    web.check(page, "home page in Welsh")
    member.refresh_from_db()
    assert member.language == "cy"

    web.goto(page, reverse("pledges:create"), "make a pledge, in Welsh")
    due = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label(cy("I will …")).fill("gofyn i bob claf beth sy’n bwysig iddyn nhw")
    page.get_by_label(cy("Theme")).select_option(value=str(theme.pk))
    page.get_by_label(cy("I will do it by")).fill(due.isoformat())
    expect(page.get_by_label("Cymraeg", exact=True)).to_be_checked()
    page.get_by_role("button", name=re.compile(cy("Make my pledge"), re.I)).click()
    made = cy("Your pledge is made. Share it so others join you.")
    expect(page.get_by_text(made)).to_be_visible()
    web.check(page, "pledge made, in Welsh")
    pledge = Pledge.objects.get()
    assert pledge.language == "cy"

    page.get_by_label(cy("How is it going?")).fill("Wedi gofyn ar bob rownd ward yr wythnos hon.")
    page.get_by_role("button", name=cy("Post a check-in")).click()
    expect(page.get_by_text(cy("Thank you for checking in."))).to_be_visible()
    web.check(page, "checked in, in Welsh")
    assert CheckIn.objects.get().language == "cy"

    web.goto(page, reverse("pledges:wall") + "?language=cy", "the wall in Welsh only")
    expect(page.get_by_role("link", name=re.compile("gofyn i bob claf"))).to_be_visible()

    web.goto(page, reverse("stories:feed"), "the story feed, in Welsh")
    title = page.get_by_role("link", name="How we changed handovers")
    expect(title).to_have_attribute("lang", "en-gb")
