"""An organiser, in a real browser on a phone: log in, approve a request to join, find a story a
member reported in the moderation queue, hide it with a reason, find that in the audit
log, and open the community's dashboard. Every page on the way passes axe-core."""

import re

import pytest

from communities.models import AuditEntry, Flag, Membership
from communities.services import membership_request
from reports import rollups
from stories.services import story_create, story_publish
from tests.browser.support import PHONE, expect, follow_navigation
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIDE_REASON = "It names a patient on Ward 3. Please tell it again without their name."


@pytest.fixture
def community_world():
    """Olivia organises "Leeds Listeners", whose organisers approve new members. Pat has
    asked to join; Alice, a member, has published a story there; Bob is a member."""
    olivia = UserFactory(email="olivia@example.nhs.uk", display_name="Olivia Organiser")
    community = CommunityFactory(
        name="Leeds Listeners", slug="leeds-listeners", joining_policy="approval"
    )
    MembershipFactory(community=community, member=olivia, role="organiser")
    alice = UserFactory(display_name="Alice Ahmed")
    bob = UserFactory(display_name="Bob Brown")
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    pat = UserFactory(display_name="Pat Porter", job_role="Physiotherapist")
    request = membership_request(
        community=community, member=pat, message="I run the Tuesday listening clinic."
    )
    story = story_publish(
        story=story_create(
            author=alice,
            title="What Mr Jones told us on Ward 3",
            summary="One patient's words changed our handovers.",
            body="Mr Jones, in bed 4, said nobody had asked him anything.",
            community=community,
        ),
        actor=alice,
    )
    assert story.status == "published"
    return {
        "olivia": olivia,
        "community": community,
        "bob": bob,
        "pat": pat,
        "request": request,
        "story": story,
    }


def _bob_reports_the_story(web, story, bob) -> None:
    page = web.new_page(user=bob)
    web.goto(page, story.get_absolute_url(), "story, as a member")
    page.get_by_role("link", name="Report this story").click()
    web.check(page, "report a story")
    page.get_by_label("What is wrong with it?").fill("It names a patient and his bed.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Thank you. The organisers will look at it.")).to_be_visible()
    web.check(page, "story reported")


def _log_in(web, page, olivia) -> None:
    web.goto(page, "/accounts/login/", "log in")
    page.get_by_label("Email").fill(olivia.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^(Log in|Sign in)$", re.I)).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    web.check(page, "logged in")


def _approve_the_request(web, page, world) -> None:
    follow_navigation(page, "Communities")
    web.check(page, "communities, as organiser")
    page.get_by_role("link", name="Leeds Listeners").first.click()
    web.check(page, "community page, as organiser")
    page.get_by_role("link", name="Manage members, requests and invitations").click()
    web.check(page, "manage community")
    requests = page.locator("#requests + table")
    expect(requests).to_contain_text("Pat Porter")
    expect(requests).to_contain_text("I run the Tuesday listening clinic.")
    page.get_by_role("button", name="Approve Pat Porter").click()
    expect(page.get_by_text("Pat Porter is now a member.")).to_be_visible()
    expect(page.get_by_text("No one is waiting to join.")).to_be_visible()
    web.check(page, "request approved")
    world["request"].refresh_from_db()
    assert world["request"].status == Membership.Status.ACTIVE


def _hide_the_story(web, page, world) -> None:
    story = world["story"]
    follow_navigation(page, re.compile(r"^Moderation \(1\)"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text(story.title)
    expect(page.get_by_text("1 report")).to_be_visible()
    web.check(page, "moderation queue")
    page.get_by_role("link", name="Review this story").click()
    expect(page.get_by_text("It names a patient and his bed.")).to_be_visible()
    web.check(page, "moderate the story")

    hide = page.locator("section", has=page.get_by_role("heading", name="Hide it"))
    hide.get_by_label("Reason").fill(HIDE_REASON)
    hide.get_by_role("button", name="Hide the story").click()
    expect(page.get_by_text("The story has been hidden.")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting. Well done.")).to_be_visible()
    web.check(page, "story hidden")
    story.refresh_from_db()
    assert story.moderation_status == "hidden"
    assert not Flag.objects.filter(status=Flag.Status.OPEN).exists()


def _find_it_in_the_audit_log(web, page, world) -> None:
    page.get_by_role("link", name="audit log").click()
    web.check(page, "audit log")
    row = page.locator("tbody tr", has_text=HIDE_REASON)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Olivia Organiser")
    expect(row).to_contain_text(world["story"].title)
    approved = page.locator("tbody tr", has_text="Pat Porter")
    expect(approved.first).to_be_visible()
    assert AuditEntry.objects.filter(actor=world["olivia"], reason=HIDE_REASON).count() == 1


def _open_the_community_dashboard(web, page, world) -> None:
    rollups.rollups_full()  # what beat's rollup job does every two minutes
    follow_navigation(page, "Communities")
    page.get_by_role("link", name="Leeds Listeners").first.click()
    web.check(page, "community page with its figures")
    page.get_by_role("link", name="Dashboard of Leeds Listeners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leeds Listeners")
    web.check(page, "community dashboard")
    totals = page.locator("table", has=page.locator("caption", has_text="Totals from"))
    # Four members joined: Olivia, Alice, Bob and, today, Pat.
    expect(totals.locator("tr", has_text="New members")).to_contain_text("4")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => window.Chart && window.Chart.getChart(c))"
    )
    assert drawn, "a chart on the community dashboard was not drawn"
    funnel = page.locator("table", has=page.locator("caption", has_text="Commitments at each"))
    expect(funnel.locator("th strong").first).to_have_text("Pledged")
    expect(funnel).not_to_contain_text("<strong>")


def test_an_organiser_approves_a_member_and_hides_a_reported_story(web, community_world):
    world = community_world
    _bob_reports_the_story(web, world["story"], world["bob"])
    page = web.new_page(viewport=PHONE)  # organisers run their community from a phone
    _log_in(web, page, world["olivia"])
    _approve_the_request(web, page, world)
    _hide_the_story(web, page, world)
    _find_it_in_the_audit_log(web, page, world)
    _open_the_community_dashboard(web, page, world)

    # Members no longer see the story; its author does, with the reason.
    bob_page = web.new_page(user=world["bob"])
    response = bob_page.goto(world["story"].get_absolute_url())
    web.check(bob_page, "hidden story, as a member")
    assert response.status == 404
