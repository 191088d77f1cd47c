"""A member of staff, from signing up to a certificate, in a real browser on a phone: sign up and
confirm the email, fill in the profile, join a community, make a threshold pledge that
two colleagues co-sign, check in with a number, mark it done, tell its story, and take
a learning module to its certificate. Every page on the way passes axe-core."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from members.models import User
from pledges.models import Pledge
from stories.models import Story
from tests.browser.support import PHONE, expect, follow_navigation
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-walk-on-the-bay-2026"


@pytest.fixture
def world(learning_module):
    """What a new member finds: a campaign counting patients, a theme, an open
    community, an organisation to pick, two colleagues and a learning module."""
    organiser = UserFactory(display_name="Olivia Organiser")
    community = CommunityFactory(name="Morecambe Bay Walkers", slug="morecambe-bay-walkers")
    MembershipFactory(community=community, member=organiser, role="organiser")
    return {
        "theme": ThemeFactory(name="Patient experience", slug="patient-experience"),
        "campaign": CampaignFactory(name="What Matters 2026", slug="what-matters", unit="patients"),
        "community": community,
        "organisation": OrganisationFactory(name="Bay Hospitals NHS Trust"),
        "bob": UserFactory(display_name="Bob Brown"),
        "charlie": UserFactory(display_name="Charlie Clarke"),
        "module": learning_module,
    }


def _sign_up(web, page) -> User:
    web.goto(page, "/", "home page")
    page.get_by_role("link", name="Create an account").first.click()
    web.check(page, "sign-up form")
    page.get_by_label("Your name").fill("Sam Staff")
    page.get_by_label("Email", exact=False).first.fill("sam@example.nhs.uk")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("sign up|create", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("verify|confirm", re.I))
    web.check(page, "confirmation sent")

    sam = User.objects.get(email="sam@example.nhs.uk")
    assert sam.display_name == "Sam Staff"
    (message,) = [m for m in mail.outbox if "sam@example.nhs.uk" in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    web.goto(page, re.sub(r"^https?://[^/]+", "", link), "confirm email")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Log out").first).to_be_visible()
    web.check(page, "after confirming")
    assert sam.emailaddress_set.get().verified
    return sam


def _fill_in_profile(web, page, sam, world) -> None:
    page.get_by_role("link", name="Settings").click()
    web.check(page, "profile form")
    page.get_by_label("Organisation").select_option(label=world["organisation"].name)
    page.get_by_label("Job role").fill("Ward sister")
    page.get_by_label("Bio").fill("I want every patient asked **what matters** to them.")
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Staff")
    web.check(page, "profile")
    sam.refresh_from_db()
    assert (sam.job_role, sam.organisation) == ("Ward sister", world["organisation"])


def _join_community(web, page, sam, world) -> None:
    follow_navigation(page, "Communities")
    web.check(page, "communities")
    page.get_by_role("link", name="Morecambe Bay Walkers").click()
    web.check(page, "community page")
    page.get_by_role("button", name="Join Morecambe Bay Walkers").click()
    expect(page.get_by_text("Welcome to Morecambe Bay Walkers.")).to_be_visible()
    expect(page.get_by_text("You are a member of Morecambe Bay Walkers.")).to_be_visible()
    web.check(page, "joined community")
    assert world["community"].memberships.filter(member=sam, status="active").exists()


def _make_pledge(web, page, world) -> Pledge:
    follow_navigation(page, "Pledges")
    web.check(page, "pledge wall")
    page.get_by_role("link", name=re.compile("make a pledge", re.I)).first.click()
    web.check(page, "make a pledge")
    due = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("I will …").fill("ask every patient what matters to them")
    page.get_by_label("Theme").select_option(label="Patient experience")
    page.get_by_label("I will do it by").fill(due.isoformat())
    page.get_by_label(re.compile("only if this many other people")).fill("2")
    page.get_by_label("Campaign (optional)").select_option(label="What Matters 2026")
    page.get_by_role("button", name=re.compile("make", re.I)).click()
    expect(
        page.get_by_text("Your pledge is made. Share it: it starts when 2 other people sign.")
    ).to_be_visible()
    web.check(page, "pledge made")
    pledge = Pledge.objects.get(title="ask every patient what matters to them")
    assert (pledge.status, pledge.threshold, pledge.campaign) == (
        "gathering",
        2,
        world["campaign"],
    )
    return pledge


def _co_sign(web, pledge, member) -> None:
    page = web.new_page(user=member)
    web.goto(page, f"/pledges/{pledge.pk}/", f"pledge as {member.display_name}")
    page.get_by_role("button", name="I’ll do it too").click()
    expect(page.get_by_role("button", name="Remove my signature")).to_be_visible()
    web.check(page, f"signed as {member.display_name}")


def _check_in_and_finish(web, page, pledge) -> None:
    page.reload()
    expect(page.get_by_text("Threshold reached")).to_be_visible()
    web.check(page, "active pledge")
    page.get_by_label("How is it going?").fill("Asked on every ward round this week.")
    page.get_by_label("How many patients (optional)").fill("12")
    page.get_by_role("button", name="Post a check-in").click()
    expect(page.get_by_text("Thank you for checking in.")).to_be_visible()
    expect(page.locator("#check-ins + ul")).to_contain_text("12 patients")
    web.check(page, "checked in")

    page.get_by_label("What happened?").fill("Twelve patients told us what matters to them.")
    page.get_by_role("button", name="Mark my commitment done").click()
    expect(page.get_by_text("Well done: your commitment is marked done.")).to_be_visible()
    web.check(page, "marked done")
    pledge.refresh_from_db()
    assert pledge.total_quantity == Decimal("12")
    assert pledge.signatures.get(is_author=True).is_done


def _tell_the_story(web, page, pledge) -> Story:
    page.get_by_role(
        "link", name=re.compile("tell the story|tell your story|write", re.I)
    ).first.click()
    web.check(page, "story form")
    page.get_by_label("Title").fill("Asking what matters on Ward 3")
    page.get_by_label("Summary").fill("We asked every patient one question for a month.")
    page.get_by_label("Your story").fill("We asked **what matters to you?** on every round.")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("Your story is saved as a draft.", exact=False)).to_be_visible()
    web.check(page, "story draft")
    page.get_by_role("button", name=re.compile("^publish", re.I)).click()
    expect(page.get_by_text("Your story is published. Thank you for telling it.")).to_be_visible()
    web.check(page, "story published")
    story = Story.objects.get(title="Asking what matters on Ward 3")
    assert story.status == "published"
    assert list(story.pledges.all()) == [pledge]
    return story


def _take_module(web, page, module) -> None:
    follow_navigation(page, "Learning")
    web.check(page, "learning catalogue")
    page.get_by_role("link", name=module.title).first.click()
    web.check(page, "module")
    page.get_by_role("button", name="Enrol in this module").click()
    expect(page.get_by_text(f"You are enrolled in “{module.title}”.")).to_be_visible()
    web.check(page, "enrolled")
    page.get_by_role("link", name=re.compile("^Start:")).click()
    for title in ["Change from the edge", "What matters", "Small tests"]:
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        web.check(page, f"lesson {title}")
        page.get_by_role("button", name="Mark as done and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiz")
    web.check(page, "quiz")
    page.get_by_label("At the edge").check()
    page.get_by_label("A PDSA cycle").check()
    page.get_by_label("A one-ward trial").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed: 100%")
    web.check(page, "quiz passed")
    page.get_by_role("link", name="See your certificate").click()
    expect(page.get_by_text("Certificate of completion")).to_be_visible()
    expect(page.locator("main").get_by_text("Sam Staff")).to_be_visible()
    web.check(page, "certificate")
    pdf = page.request.get(
        page.get_by_role("button", name="Download the certificate (PDF)").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")


def test_a_member_of_staff_goes_from_sign_up_to_a_certificate(web, world):
    page = web.new_page(viewport=PHONE)  # staff mostly use Radicals on their phones
    sam = _sign_up(web, page)
    _fill_in_profile(web, page, sam, world)
    _join_community(web, page, sam, world)
    pledge = _make_pledge(web, page, world)

    _co_sign(web, pledge, world["bob"])
    pledge.refresh_from_db()
    assert (pledge.status, pledge.signer_count) == ("gathering", 2)
    _co_sign(web, pledge, world["charlie"])
    pledge.refresh_from_db()
    assert (pledge.status, pledge.signer_count) == ("active", 3)

    _check_in_and_finish(web, page, pledge)
    _tell_the_story(web, page, pledge)
    _take_module(web, page, world["module"])
    assert sam.learning_enrolments.get().completed_at is not None
