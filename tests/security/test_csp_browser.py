"""In a real browser, no page breaks the Content Security Policy: Chromium reports a
violation for every inline script or style, eval, or outside source it blocks."""

import shutil

import pytest

from tests.factories import PASSWORD, UserFactory

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def browser_page(live_server):
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        # Only our own server is reached: the NHS.UK web font host is refused here.
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server.url)
                else route.abort()
            ),
        )
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
        page.console_messages = console
        yield page
        browser.close()


def violations_on(page, url: str, wait_for: str | None = None) -> list[str]:
    page.console_messages.clear()
    page.goto(url)
    if wait_for:
        page.wait_for_selector(wait_for, timeout=15000)
    page.wait_for_load_state("networkidle")
    reported = page.evaluate("window.__cspViolations")
    logged = [
        text
        for text in page.console_messages
        if "Content Security Policy" in text or text.startswith("uncaught")
    ]
    return reported + logged


def test_public_pages_and_the_api_browser_run_without_violations(browser_page, live_server):
    for path, wait_for in [
        ("/", None),
        ("/accounts/login/", None),
        ("/accounts/signup/", None),
        ("/accessibility/", None),
        ("/api/docs/", ".opblock"),
    ]:
        assert violations_on(browser_page, live_server.url + path, wait_for) == [], path


@pytest.fixture
def people():
    """Made before the browser starts: Playwright's event loop forbids the ORM in its thread."""
    return {
        "admin": UserFactory(email="ada@example.nhs.uk", is_staff=True, is_superuser=True),
        "member": UserFactory(email="mo@example.nhs.uk"),
    }


def test_member_and_admin_pages_run_without_violations(people, browser_page, live_server):
    admin, member = people["admin"], people["member"]
    browser_page.goto(live_server.url + "/admin/")
    browser_page.fill("input[name=login]", admin.email)
    browser_page.fill("input[name=password]", PASSWORD)
    browser_page.click("form button[type=submit]")
    browser_page.wait_for_url(live_server.url + "/admin/")

    for path in [
        f"/members/{admin.pk}/edit/",
        "/accounts/sessions/",
        "/accounts/password/change/",
        "/admin/",
        "/admin/members/user/",
        f"/admin/members/user/{member.pk}/change/",
    ]:
        assert violations_on(browser_page, live_server.url + path) == [], path
