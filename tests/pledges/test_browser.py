"""In a real browser: co-signing updates the count in place with htmx and still works
with JavaScript switched off; the make-a-pledge form previews the sentence as it is typed."""

import datetime
import shutil

import pytest
from django.utils import timezone

from pledges import services
from tests.factories import PASSWORD

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


@pytest.fixture(autouse=True)
def _database_from_the_test_thread(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database
    # calls are still synchronous, so Django is told they are safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with playwright.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _log_in(page, live_server, member) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", member.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")


def _pledge(alice, theme):
    return services.pledge_create(
        author=alice,
        title="walk the mile three lunchtimes a week",
        theme=theme,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
        threshold=1,
    )


def test_signing_with_javascript_updates_the_count_in_place(
    browser, live_server, alice, bob, theme
):
    pledge = _pledge(alice, theme)
    page = browser.new_page()
    _log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/pledges/{pledge.pk}/")
    page.evaluate("window.notReloaded = true")

    page.click("text=I’ll do it too")
    page.wait_for_selector("text=Remove my signature")

    assert page.evaluate("window.notReloaded") is True
    assert page.get_attribute("[data-signer-count]", "data-signer-count") == "2"
    assert "of the 2 people who signed" in page.inner_text("#pledge-progress")
    pledge.refresh_from_db()
    assert (pledge.signer_count, pledge.status) == (2, "active")


def test_signing_without_javascript_works_too(browser, live_server, alice, bob, theme):
    pledge = _pledge(alice, theme)
    page = browser.new_context(java_script_enabled=False).new_page()
    _log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/pledges/{pledge.pk}/")

    page.click("text=I’ll do it too")

    page.wait_for_selector("text=You have signed this pledge. Thank you for joining in.")
    assert page.get_attribute("[data-signer-count]", "data-signer-count") == "2"


def test_the_form_previews_the_sentence_as_it_is_typed(browser, live_server, alice, theme):
    page = browser.new_page()
    _log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/pledges/new/")

    page.fill("input[name=title]", "I will bring fruit for the night team")
    page.fill("input[name=threshold]", "3")

    preview = page.text_content("[data-pledge-preview] p")
    assert "I will bring fruit for the night team …but only if 3 other people will too" in (
        " ".join(preview.split())
    )
