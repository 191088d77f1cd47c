"""The Content Security Policy is strict, and the pages really keep to it: no inline
script, no inline event handler, no inline style anywhere a member or admin goes."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Script types a browser does not run, so they are data rather than code.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class InlineCodeFinder(HTMLParser):
    """Everything in a page that a strict CSP (no 'unsafe-inline') would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._open_script: dict | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name.startswith(("hx-on", "data-hx-on")) or (
                name in {"hx-vals", "hx-vars", "data-hx-vals"}
                and (value or "").lstrip().startswith(("js:", "javascript:"))
            ):
                self.problems.append(f"<{tag} {name}=…> htmx code, which needs eval")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}> inline style")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}> javascript: URL")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._open_script = attributes
            self._script_text = []

    def handle_data(self, data):
        if self._open_script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open_script is not None:
            script, self._open_script = self._open_script, None
            if "src" in script:
                if "".join(self._script_text).strip():
                    self.problems.append("<script src> with inline code as well")
            elif script.get("type", "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append(f"inline <script>: {''.join(self._script_text)[:80]!r}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_keeps_to_the_policy(response):
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    policy = directives(header)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in header
    assert inline_code(response.content.decode()) == []


def test_the_finder_catches_each_kind_of_inline_code():
    page = """
      <script>alert(1)</script>
      <script src="/static/ok.js"></script>
      <script type="application/json">{"data": true}</script>
      <a href="javascript:void(0)" onclick="go()">x</a>
      <p style="color: red">y</p>
      <style>p { color: red }</style>
      <button hx-on:click="go()">z</button>
    """

    problems = inline_code(page)

    assert len(problems) == 6
    assert any("htmx" in p for p in problems)
    assert any("alert(1)" in p for p in problems)
    assert any("onclick" in p for p in problems)
    assert any("javascript:" in p for p in problems)
    assert any("inline style" in p for p in problems)
    assert any("<style> element" in p for p in problems)


def test_the_policy_is_strict():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"][0] == "'self'"
    assert policy["frame-ancestors"] == ["'none'"]
    everything = " ".join(source for sources in policy.values() for source in sources)
    assert "unsafe-inline" not in everything
    assert "unsafe-eval" not in everything
    assert "*" not in everything
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accessibility/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/api/docs/",
        "/no-such-page/",
    ],
)
def test_public_pages_keep_to_the_policy(client, url):
    response = client.get(url)

    assert response.status_code in {200, 404}
    assert_keeps_to_the_policy(response)


def test_a_profile_keeps_to_the_policy_for_visitors_and_its_owner(client, alice):
    alice.bio = "I <b>will</b> ask <script>alert('every')</script> patient."
    alice.save()

    assert_keeps_to_the_policy(client.get(reverse("members:profile", args=[alice.pk])))
    client.force_login(alice)
    assert_keeps_to_the_policy(client.get(reverse("members:profile", args=[alice.pk])))
    assert_keeps_to_the_policy(client.get(reverse("members:edit_profile", args=[alice.pk])))


@pytest.mark.parametrize(
    "name",
    ["account_change_password", "account_email", "usersessions_list", "account_logout"],
)
def test_account_pages_keep_to_the_policy(client_for, alice, name):
    response = client_for(alice).get(reverse(name))

    assert response.status_code == 200
    assert_keeps_to_the_policy(response)


def test_form_errors_keep_to_the_policy(client_for, alice):
    response = client_for(alice).post(
        reverse("members:edit_profile", args=[alice.pk]), {"display_name": ""}
    )

    assert response.status_code == 200
    assert_keeps_to_the_policy(response)


def test_the_api_browser_loads_its_script_from_our_own_origin(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert 'src="/api/docs/?script="' in page.content.decode()
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/members/user/",
        "/admin/members/user/add/",
        "/admin/password_change/",
    ],
)
def test_the_admin_keeps_to_the_policy(client_for, admin_user, url):
    response = client_for(admin_user).get(url)

    assert response.status_code == 200
    assert_keeps_to_the_policy(response)


def test_an_admin_change_form_keeps_to_the_policy(client_for, admin_user, alice):
    response = client_for(admin_user).get(f"/admin/members/user/{alice.pk}/change/")

    assert response.status_code == 200
    assert_keeps_to_the_policy(response)


def test_every_response_switches_off_unused_browser_features(client):
    response = client.get("/")

    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


TEMPLATE_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)
INLINE_CODE_IN_TEMPLATES = {
    "style attribute": re.compile(r"\sstyle\s*="),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "event handler attribute": re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I),
    "htmx hx-on attribute": re.compile(r"\shx-on"),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "javascript: URL": re.compile(r"=\s*[\"']\s*javascript:", re.I),
}


def test_no_template_holds_inline_code():
    """Every app's templates, even pages no test above visits yet."""
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*")):
        if path.suffix not in {".jinja", ".html"}:
            continue
        source = TEMPLATE_COMMENTS.sub("", path.read_text())
        for kind, pattern in INLINE_CODE_IN_TEMPLATES.items():
            for match in pattern.finditer(source):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {kind}")

    assert found == []
