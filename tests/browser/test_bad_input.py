"""Bad input in a real browser: empty forms, a double-clicked "I'll do it too", the Back
button after posting, and another member's edit address. Each leaves a clear message
and the database as it should be."""

import datetime

import pytest
from django.utils import timezone

from members.models import User
from pledges.models import CheckIn, Pledge, Signature
from pledges.services import pledge_create
from stories.models import Story
from tests.browser.support import expect
from tests.factories import CampaignFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def theme():
    return ThemeFactory(name="Patient experience", slug="patient-experience")


@pytest.fixture
def alice():
    return UserFactory(email="alice@example.nhs.uk", display_name="Alice Ahmed")


@pytest.fixture
def bob():
    return UserFactory(email="bob@example.nhs.uk", display_name="Bob Brown")


@pytest.fixture
def charlie():
    return UserFactory(email="charlie@example.nhs.uk", display_name="Charlie Clarke")


@pytest.fixture
def active_pledge(alice, theme):
    """Alice's pledge in a campaign counting patients, active at once."""
    return pledge_create(
        author=alice,
        title="ask every patient what matters to them",
        theme=theme,
        campaign=CampaignFactory(name="What Matters", slug="what-matters", unit="patients"),
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def _error_summary(page):
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    return summary


def test_empty_forms_say_what_is_missing_and_save_nothing(web, alice, active_pledge):
    page = web.new_page(user=alice)

    web.goto(page, "/pledges/new/", "make a pledge")
    page.get_by_role("button", name="Make my pledge").click()
    summary = _error_summary(page)
    expect(summary).to_contain_text("Choose a theme.")
    expect(summary).to_contain_text("Enter the date you will do it by.")
    # NHS.UK's script moves focus to the summary, so screen readers hear it first.
    expect(summary).to_be_focused()
    web.check(page, "empty pledge form")
    assert Pledge.objects.count() == 1

    web.goto(page, f"/pledges/{active_pledge.pk}/", "pledge")
    page.get_by_role("button", name="Post a check-in").click()
    expect(_error_summary(page)).to_contain_text("Write a few words about your progress.")
    web.check(page, "empty check-in")
    page.get_by_label("How is it going?").fill("Going well.")
    page.get_by_label("How many patients (optional)").fill("-3")
    page.get_by_role("button", name="Post a check-in").click()
    expect(_error_summary(page)).to_contain_text("Enter a number of patients more than 0")
    expect(page.get_by_label("How is it going?")).to_have_value("Going well.")
    web.check(page, "negative quantity")
    assert not CheckIn.objects.exists()

    web.goto(page, f"/pledges/{active_pledge.pk}/", "pledge again")
    page.get_by_role("button", name="Mark my commitment done").click()
    expect(_error_summary(page)).to_contain_text("Say in a sentence what happened.")
    web.check(page, "empty outcome")
    assert not Signature.objects.filter(done_at__isnull=False).exists()

    web.goto(page, "/stories/new/", "story form")
    page.get_by_role("button", name="Save as a draft").click()
    _error_summary(page)
    web.check(page, "empty story")
    assert not Story.objects.exists()

    web.goto(page, f"/members/{alice.pk}/edit/", "profile form")
    page.get_by_label("Your name").fill("   ")
    page.get_by_role("button", name="Save").click()
    expect(_error_summary(page)).to_contain_text("Enter your name.")
    web.check(page, "empty name")
    alice.refresh_from_db()
    assert alice.display_name == "Alice Ahmed"

    visitor = web.new_page()
    web.goto(visitor, "/accounts/signup/", "sign up")
    visitor.locator("form button[type=submit]").click()
    expect(visitor.locator(".nhsuk-error-message").first).to_be_visible()
    web.check(visitor, "empty sign-up")
    assert User.objects.count() == 1


def test_double_clicking_sign_signs_once_with_or_without_javascript(
    web, active_pledge, bob, charlie
):
    page = web.new_page(user=bob)
    web.goto(page, f"/pledges/{active_pledge.pk}/", "pledge")
    page.get_by_role("button", name="I’ll do it too").dblclick()
    expect(page.get_by_role("button", name="Remove my signature")).to_be_visible()
    expect(page.locator("[data-signer-count]")).to_have_attribute("data-signer-count", "2")
    web.check(page, "signed")
    assert Signature.objects.filter(pledge=active_pledge, member=bob).count() == 1

    page = web.new_page(user=charlie, java_script_enabled=False)
    web.goto(page, f"/pledges/{active_pledge.pk}/", "pledge without JavaScript")
    page.get_by_role("button", name="I’ll do it too").dblclick()
    expect(page.get_by_role("button", name="Remove my signature")).to_be_visible()
    web.check(page, "signed without JavaScript")
    assert Signature.objects.filter(pledge=active_pledge, member=charlie).count() == 1
    active_pledge.refresh_from_db()
    assert active_pledge.signer_count == 3


def test_going_back_after_signing_or_finishing_shows_what_is_true_now(web, active_pledge, bob):
    # Without JavaScript every action is a full post and redirect, so Back has a page to
    # go back to: the server sends it afresh, showing what is true now.
    page = web.new_page(user=bob, java_script_enabled=False)
    web.goto(page, f"/pledges/{active_pledge.pk}/", "pledge")
    page.get_by_role("button", name="I’ll do it too").click()
    expect(
        page.get_by_text("You have signed this pledge. Thank you for joining in.")
    ).to_be_visible()
    web.check(page, "signed")
    page.go_back()
    expect(page.get_by_role("button", name="Remove my signature")).to_be_visible()
    expect(page.get_by_role("button", name="I’ll do it too")).to_have_count(0)
    web.check(page, "back after signing")
    assert Signature.objects.filter(pledge=active_pledge, member=bob).count() == 1

    page.get_by_label("What happened?").fill("Asked twelve patients.")
    page.get_by_role("button", name="Mark my commitment done").click()
    expect(page.get_by_text("Well done: your commitment is marked done.")).to_be_visible()
    web.check(page, "done")
    page.go_back()
    expect(page.get_by_text("You marked it done on", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Mark my commitment done")).to_have_count(0)
    web.check(page, "back after finishing")
    signature = Signature.objects.get(pledge=active_pledge, member=bob)
    assert signature.outcome == "Asked twelve patients."


def test_going_back_after_making_a_pledge_and_sending_it_again_makes_one_pledge(web, alice, theme):
    page = web.new_page(user=alice)
    web.goto(page, "/pledges/new/", "make a pledge")
    page.get_by_label("I will …").fill("ask every patient what matters to them")
    page.get_by_label("Theme").select_option(label="Patient experience")
    page.get_by_label("I will do it by").fill(
        (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    )
    page.get_by_role("button", name="Make my pledge").click()
    expect(page.get_by_text("Your pledge is made.", exact=False)).to_be_visible()
    web.check(page, "pledge made")

    page.go_back()
    expect(page.get_by_label("I will …")).to_have_value("ask every patient what matters to them")
    web.check(page, "form again after going back")
    page.get_by_role("button", name="Make my pledge").click()
    web.check(page, "form sent again")
    assert Pledge.objects.filter(author=alice).count() == 1
    expect(page.get_by_text("already", exact=False).first).to_be_visible()


def test_another_members_edit_pages_are_refused(web, alice, bob, active_pledge):
    page = web.new_page(user=bob)

    response = web.goto(page, f"/members/{alice.pk}/edit/", "alice's profile form")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do that")
    expect(page.get_by_text("You can only change your own profile.")).to_be_visible()

    response = web.goto(page, f"/pledges/{active_pledge.pk}/edit/", "alice's pledge form")
    assert response.status == 403
    expect(page.get_by_text("Only the author can change an open pledge.")).to_be_visible()

    # A forged post to the same address changes nothing either.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    posted = page.request.post(
        f"/members/{alice.pk}/edit/",
        form={"display_name": "Hacked", "name_visibility": "public"},
        headers={"X-CSRFToken": csrf, "Referer": page.url},
    )
    assert posted.status == 403
    alice.refresh_from_db()
    active_pledge.refresh_from_db()
    assert alice.display_name == "Alice Ahmed"
    assert active_pledge.title == "ask every patient what matters to them"
