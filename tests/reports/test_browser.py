"""In a real browser: the dashboard draws its charts from the data islands under the
strict Content Security Policy, passes axe-core, and still shows every number with
JavaScript switched off."""

import datetime

import pytest
from django.utils import timezone

from pledges import services
from tests.browser import support
from tests.factories import PASSWORD
from tests.reports.conftest import tick

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(support.skip_reason() is not None, reason=support.skip_reason() or ""),
]


@pytest.fixture(autouse=True)
def _database_from_the_test_thread(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database
    # calls are still synchronous, so Django is told they are safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with playwright.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(support.CHROMIUM), args=support.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _log_in(page, live_server, member) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", member.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")


@pytest.fixture
def activity(alice, bob, theme):
    pledge = services.pledge_create(
        author=alice,
        title="ask every patient what matters to them",
        theme=theme,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    services.pledge_sign(pledge=pledge, member=bob)
    tick()
    return pledge


def test_the_dashboard_draws_its_charts_within_the_policy(
    browser, live_server, admin_user, activity
):
    page = browser.new_page(viewport=support.DESKTOP)
    log = support.PageLog()
    support.watch(page, log)
    _log_in(page, live_server, admin_user)

    page.goto(f"{live_server.url}/reports/")
    page.wait_for_function(
        "() => window.Chart && window.Chart.getChart(document.querySelector('canvas'))"
    )
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => window.Chart.getChart(c) !== undefined).length"
    )
    canvases = page.evaluate("() => document.querySelectorAll('canvas[data-chart]').length")

    assert canvases >= 4  # over time, the funnel, learning and at least one breakdown
    assert drawn == canvases
    assert log.csp_violations == [] and log.errors == []
    assert support.axe_violations(page) == []


def test_without_javascript_the_numbers_are_all_there(browser, live_server, admin_user, activity):
    page = browser.new_context(java_script_enabled=False).new_page()
    _log_in(page, live_server, admin_user)

    page.goto(f"{live_server.url}/reports/")

    totals = page.inner_text("table")
    assert "Pledges made" in totals and "Co-signs" in totals
    assert "Commitments at each step" in page.content()
    assert page.locator("canvas[data-chart]").count() >= 4


def test_every_report_page_passes_axe_and_keeps_to_the_policy(
    browser, live_server, admin_user, activity, community
):
    from communities.models import Membership

    Membership.objects.create(
        community=community, member=activity.author, invited_by=admin_user, joined_at=timezone.now()
    )
    tick()
    page = browser.new_page(viewport=support.DESKTOP)
    log = support.PageLog()
    support.watch(page, log)
    _log_in(page, live_server, admin_user)

    for path in (
        "/reports/network/",
        f"/reports/communities/{community.slug}/",
        f"/reports/communities/{community.slug}/network/",
        "/reports/exports/",
        "/reports/invite/",
        "/reports/badges/",
        "/reports/subscriptions/",
        "/reports/open-data/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert support.axe_violations(page) == [], path
    assert log.csp_violations == [] and log.errors == []


def test_the_spc_charts_draw_with_their_icons_within_the_policy(browser, live_server, admin_user):
    from reports.models import Scope
    from tests.reports.test_spc_views import STEADY, _weeks

    _weeks(Scope.PLATFORM, 0, [*STEADY, 40])
    page = browser.new_page(viewport=support.DESKTOP)
    log = support.PageLog()
    support.watch(page, log)
    _log_in(page, live_server, admin_user)

    page.goto(f"{live_server.url}/reports/#spc")
    page.wait_for_function(
        "() => window.Chart && window.Chart.getChart(document.querySelector("
        "'canvas[data-chart=\"spc-co_signs\"]'))"
    )
    markers = page.evaluate(
        "() => window.Chart.getChart(document.querySelector("
        "'canvas[data-chart=\"spc-co_signs\"]')).data.datasets[0].pointStyle.slice(-2)"
    )

    assert markers == ["circle", "triangle"]  # the signal differs in shape, not only colour
    assert page.locator("text=Special cause variation: improving").count() >= 1
    assert log.csp_violations == [] and log.errors == []
    assert support.axe_violations(page) == []


def test_an_embed_card_passes_axe_and_runs_no_script(browser, live_server, activity):
    page = browser.new_page(viewport={"width": 360, "height": 260})
    log = support.PageLog()
    support.watch(page, log)

    page.goto(f"{live_server.url}/embed/pledges/{activity.pk}/")

    assert page.locator("script").count() == 0
    assert page.locator("a[target=_top]").count() == 1
    assert log.csp_violations == [] and log.errors == []
    assert support.axe_violations(page) == []
