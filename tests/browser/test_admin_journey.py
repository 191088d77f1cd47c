"""A platform admin, in a real browser: create a campaign and a learning module in the
Django admin, open the reports dashboard, run an export and download it once its
progress bar finishes, and check the open data page. Every page on the way passes
axe-core."""

import csv
import datetime
import re

import pytest
from django.utils import timezone

from learning.models import Module
from pledges.models import Campaign
from pledges.services import pledge_create, pledge_sign
from reports import rollups
from reports import services as report_services
from reports.models import Export
from tests.browser.support import expect, follow_navigation
from tests.factories import ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin():
    return UserFactory(
        email="ada@example.nhs.uk", display_name="Ada Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def activity():
    """Three pledges, one co-signed, counted by the rollups as beat would count them."""
    theme = ThemeFactory(name="Patient experience", slug="patient-experience")
    due = timezone.localdate() + datetime.timedelta(days=30)
    alice, bob = UserFactory(display_name="Alice Ahmed"), UserFactory(display_name="Bob Brown")
    pledges = [
        pledge_create(author=alice, title=title, theme=theme, due_date=due)
        for title in ["walk at lunch", "ask what matters", "learn one name a day"]
    ]
    pledge_sign(pledge=pledges[0], member=bob)
    rollups.rollups_full()
    return pledges


def _create_campaign(web, page) -> Campaign:
    web.goto(page, "/admin/", "admin home")
    page.get_by_role("link", name="Campaigns").click()
    web.check(page, "campaign list")
    page.get_by_role("link", name=re.compile("Add campaign", re.I)).click()
    web.check(page, "add campaign")
    today = timezone.localdate()
    page.get_by_label("Name").fill("Hello My Name Is 2026")
    page.keyboard.press("Tab")  # the admin fills in the slug as the name changes
    expect(page.get_by_label("Slug")).to_have_value("hello-my-name-is-2026")
    page.get_by_label("Description").fill("Introduce yourself to every patient.")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + datetime.timedelta(days=90)).isoformat())
    page.get_by_label("Unit").fill("introductions")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist, .nhsuk-notification-banner").first).to_contain_text(
        "was added successfully"
    )
    web.check(page, "campaign added")
    campaign = Campaign.objects.get(slug="hello-my-name-is-2026")
    assert campaign.unit == "introductions"

    web.goto(page, campaign.get_absolute_url(), "campaign page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello My Name Is 2026")
    return campaign


def _create_module(web, page) -> Module:
    web.goto(page, "/admin/learning/module/add/", "add module")
    page.get_by_label("Title").first.fill("Hello my name is")
    page.keyboard.press("Tab")
    page.get_by_label("Summary").fill("Why introducing yourself matters, in ten minutes.")
    page.locator("#id_estimated_minutes").fill("10")
    page.get_by_role("button", name="Add another Lesson").click()
    page.locator("#id_lessons-0-title").fill("Say your name")
    page.keyboard.press("Tab")
    expect(page.locator("#id_lessons-0-slug")).to_have_value("say-your-name")
    page.locator("#id_lessons-0-body").fill("Start every conversation with **your name**.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist, .nhsuk-notification-banner").first).to_contain_text(
        "was added successfully"
    )
    web.check(page, "module saved as a draft")
    page.get_by_label("Status").select_option(label="Published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist, .nhsuk-notification-banner").first).to_contain_text(
        "was changed successfully"
    )
    web.check(page, "module published")
    module = Module.objects.get(slug="hello-my-name-is")
    assert (module.status, module.lessons.count()) == ("published", 1)

    web.goto(page, "/learning/", "learning catalogue")
    page.get_by_role("link", name="Hello my name is").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello my name is")
    web.check(page, "new module")
    return module


def _open_the_dashboard(web, page) -> None:
    follow_navigation(page, "Reports")
    web.check(page, "dashboard")
    totals = page.locator("table", has=page.locator("caption", has_text="Totals from"))
    expect(totals.locator("tr", has_text="Pledges made")).to_contain_text("3")
    # Chart.js drew every chart from its JSON data island, under the strict CSP.
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 3
    expect(canvases.first).to_be_visible()
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => window.Chart && window.Chart.getChart(c))"
    )
    assert drawn, "a chart on the dashboard was not drawn"


def _export_and_download(web, page, queued: list[int]) -> None:
    page.get_by_role("link", name="Export data (CSV or Excel)").click()
    web.check(page, "exports")
    page.get_by_label("Pledges", exact=True).check()
    expect(page.get_by_label("CSV (comma-separated values)")).to_be_checked()
    page.get_by_role("button", name="Export").click()

    # The export waits for a worker: the page shows a progress bar that updates itself.
    progress = page.locator("#export-progress progress")
    expect(progress).to_be_visible()
    web.check(page, "export in progress")
    (export_id,) = queued
    report_services.export_run(export_id=export_id)  # what the Celery worker does

    download_button = page.get_by_role("button", name=re.compile(r"^Download "))
    expect(download_button).to_be_visible(timeout=10_000)
    expect(progress).to_have_count(0)
    web.check(page, "export ready")
    with page.expect_download() as waiting:
        download_button.click()
    download = waiting.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert download.suggested_filename.endswith(".csv")
    assert sorted(row["I will"] for row in rows) == [
        "ask what matters",
        "learn one name a day",
        "walk at lunch",
    ]
    assert Export.objects.get(pk=export_id).status == "done"


def _open_data(web, page) -> None:
    follow_navigation(page, "Reports")
    page.get_by_role("link", name="Open data").click()
    web.check(page, "open data")
    expect(page.get_by_text("Open Government Licence", exact=False).first).to_be_visible()
    # Three pledges are fewer than five, so the count is suppressed.
    platform = page.locator("table").first
    expect(platform).to_contain_text("<5")
    csv_text = page.request.get(
        page.get_by_role("link", name="Download everything as CSV").get_attribute("href")
    ).text()
    assert "<5" in csv_text
    assert "Alice" not in csv_text and "@" not in csv_text


def test_an_admin_runs_a_campaign_and_reads_the_reports(
    web, admin, activity, settings, monkeypatch
):
    settings.REPORTS_EXPORT_INLINE_ROWS = 0  # every export goes to a background job
    queued: list[int] = []
    monkeypatch.setattr(report_services, "_enqueue_export", queued.append)

    page = web.new_page(user=admin)
    _create_campaign(web, page)
    _create_module(web, page)
    _open_the_dashboard(web, page)
    _export_and_download(web, page, queued)
    _open_data(web, page)
