"""What the browser tests share: where Chromium is, why the suite would be skipped, and
the checks run on every page a journey visits (axe-core, the NHS.UK layout, the Content
Security Policy, script errors and failed requests)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing leaves this machine: other hosts (NHS.UK's web font) fail at once instead
    # of waiting on DNS, which could hold up a page's load event.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results" / "browser"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips every browser test with the reason below
    expect = None


def skip_reason() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    if not CHROMIUM.exists():
        return f"Browser tests skipped: Chromium not found at {CHROMIUM}"
    if expect is None:
        return "Browser tests skipped: Playwright is not installed (pip install -e '.[dev]')"
    if not AXE_JS.exists():
        return f"Browser tests skipped: axe-core not found at {AXE_JS} (run npm ci)"
    return None


@dataclass
class PageLog:
    """What one page has shown: the journey step it is at, the addresses it loaded,
    which of them were checked, and anything the browser complained about."""

    step: str = "start"
    javascript: bool = True
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    csp_violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.loaded) if url not in self.checked]


# Collects Content Security Policy violations as the page reports them. Violations with no
# source file come from code the test evaluated (axe-core adds a <style> of its own), not
# from the app, whose inline code would name the page or the script it came from.
CSP_RECORDER = """
window.__radicalsCsp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  if (event.sourceFile) {
    window.__radicalsCsp.push(
      `${event.violatedDirective} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
  }
});
"""


def watch(page, log: PageLog) -> None:
    """Record script errors, failed requests for our own files, and (with JavaScript
    off, where the recorder above cannot run) CSP violations from the console."""

    def on_console(message):
        text = message.text
        if message.type != "error" or text.startswith("Failed to load resource"):
            return
        if "Content Security Policy" in text:
            if not log.javascript:
                log.csp_violations.append(f"{page.url}: {text}")
            return
        log.errors.append(f"{page.url}: {text}")

    def on_response(response):
        request = response.request
        if response.status >= 400 and request.resource_type != "document":
            log.broken.append(f"{response.status} {request.resource_type} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.errors.append(f"{page.url}: {error}"))
    page.on("response", on_response)
    page.on("load", lambda: log.loaded.append(_without_fragment(page.url)))


def csp_violations(page, log: PageLog) -> list[str]:
    if log.javascript:
        return page.evaluate("() => window.__radicalsCsp || []")
    return log.csp_violations


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


# Serious and critical failures fail a test; moderate and minor ones are advice.
FAILING_IMPACTS = {"serious", "critical"}

_AXE_RUN = """async () => {
  const results = await window.axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "),
                                         summary: n.failureSummary})),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text() + "\n;undefined"


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is evaluated through the DevTools protocol, which the page's strict CSP
    (script-src 'self') does not govern, so the context never needs bypass_csp and
    the app's own CSP stays in force for everything else the test does."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = page.evaluate(_AXE_RUN)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


_LAYOUT = """() => {
  const width = window.innerWidth;
  const header = document.querySelector("header.nhsuk-header");
  const box = header && header.getBoundingClientRect();
  if (!header || box.height === 0 || box.width < width * 0.9) {
    return "the NHS header is missing or squashed";
  }
  const scrolled = document.documentElement.scrollWidth;
  if (scrolled > width) {
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !el.closest(".radicals-table-scroll"))
      .slice(0, 3).map((el) => el.outerHTML.slice(0, 100));
    return `the page is ${scrolled}px wide in a ${width}px window because of ${wide}`;
  }
  return null;
}"""


def layout_problem(page) -> str | None:
    """Why the page does not keep the NHS.UK layout at the window's width, or None."""
    return page.evaluate(_LAYOUT)


def describe_violations(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "page"


def follow_navigation(page, name: str) -> None:
    """Follow a link in the NHS header's navigation, opening its menu first when the
    link has moved there (on a phone, or when the items do not fit)."""
    navigation = page.locator(".nhsuk-header__navigation")
    link = navigation.locator(".nhsuk-header__navigation-list").get_by_role(
        "link", name=name, exact=True
    )
    if not link.is_visible():
        navigation.locator(".nhsuk-header__menu-toggle").click()
        link = navigation.locator(".nhsuk-header__menu-list").get_by_role(
            "link", name=name, exact=True
        )
    link.click()
