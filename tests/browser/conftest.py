"""Browser tests: Playwright driving Debian's Chromium against the live app.

One browser for the whole browser suite, a fresh context (cookies, storage) per page a
test opens. Every page a journey visits is checked with axe-core, and no page may break
the Content Security Policy or throw a script error. When a test fails, a screenshot
of every page it had open is saved under test-results/browser/<test>/.

Without Chromium at /usr/bin/chromium (or without Playwright) every test here is
skipped, and the run's summary says so in one clear line.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import support

SKIP_REASON = support.skip_reason()
HERE = support.ROOT / "tests" / "browser"
_reports = pytest.StashKey[dict]()
_collected = pytest.StashKey[int]()


def _is_mine(item) -> bool:
    return HERE in item.path.parents


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if _is_mine(item)]
    config.stash[_collected] = len(mine)
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if SKIP_REASON:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SKIP_REASON and config.stash.get(_collected, 0):
        terminalreporter.write_sep("=", SKIP_REASON, yellow=True, bold=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def browser():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is
    # started; the tests' own database calls stay synchronous, so Django is told so.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect

    # Generous waits: the suite shares two cores with everything else a run does.
    expect.set_options(timeout=10_000)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(support.CHROMIUM), args=support.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Web:
    """Opens pages on the live server and checks each page a journey reaches."""

    def __init__(self, browser, live_server, test_name: str):
        self.browser = browser
        self.url = live_server.url
        self.test_name = test_name
        self.pages: list[tuple] = []

    def new_page(self, *, user=None, viewport=None, **context_options):
        """A page in a fresh browser context, logged in as `user` when given."""
        context = self.browser.new_context(
            base_url=self.url, viewport=viewport or support.DESKTOP, **context_options
        )
        context.set_default_timeout(20_000)
        if user is not None:
            self.log_in(context, user)
        context.add_init_script(support.CSP_RECORDER)
        page = context.new_page()
        log = support.PageLog(javascript=context_options.get("java_script_enabled", True))
        support.watch(page, log)
        self.pages.append((page, log))
        return page

    def log_in(self, context, user) -> None:
        """Log in without the login form: a session made on the server, as a cookie."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": self.url}]
        )

    def log_of(self, page) -> support.PageLog:
        return next(log for open_page, log in self.pages if open_page is page)

    def check(self, page, step: str) -> None:
        """The page as it is now passes axe-core (no serious or critical violations),
        keeps the NHS.UK layout at the window's width (the NHS header across the top,
        nothing wider than the window), has broken no CSP rule, thrown no script error
        and asked for nothing that failed to load.

        With JavaScript switched off axe cannot run (Chromium then evaluates nothing,
        not even over the DevTools protocol); those pages are the same templates the
        journeys check with JavaScript on."""
        log = self.log_of(page)
        log.step = step
        page.wait_for_load_state()
        if log.javascript:
            violations = support.axe_violations(page)
            assert not violations, (
                f"axe-core found serious or critical problems on {step} ({page.url}):\n"
                + support.describe_violations(violations)
            )
            problem = support.layout_problem(page)
            assert not problem, f"The NHS.UK layout breaks on {step}: {problem}"
        violations = support.csp_violations(page, log)
        assert not violations, f"Content Security Policy broken on {step}: {violations}"
        assert not log.errors, f"Script errors on {step}: {log.errors}"
        assert not log.broken, f"Requests that failed on {step}: {log.broken}"
        log.checked.add(page.url.split("#", 1)[0])

    def goto(self, page, path: str, step: str):
        response = page.goto(path)
        self.check(page, step)
        return response

    def save_screenshots(self) -> None:
        folder = support.RESULTS / support.slug(self.test_name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        for number, (page, log) in enumerate(self.pages, 1):
            if page.is_closed():
                continue
            name = f"{number}-{support.slug(log.step)}"
            try:
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                (folder / f"{name}.html").write_text(page.content())
            except Exception as exc:  # a crashed page must not hide the real failure
                (folder / f"{name}.txt").write_text(f"No screenshot: {exc}")

    def unchecked_pages(self) -> list[str]:
        return [url for _, log in self.pages for url in log.unchecked()]

    def close(self) -> None:
        for page, _ in self.pages:
            page.context.close()


@pytest.fixture
def web(request, browser, live_server, transactional_db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    session = Web(browser, live_server, request.node.name)
    yield session
    reports = request.node.stash.get(_reports, {})
    failed = any(report.failed for report in reports.values())
    try:
        if failed:
            session.save_screenshots()
        else:
            unchecked = session.unchecked_pages()
            assert not unchecked, f"Pages loaded but never checked with axe-core: {unchecked}"
    finally:
        session.close()
