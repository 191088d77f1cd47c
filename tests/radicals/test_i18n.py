"""English and Welsh: how a page's language is chosen, remembered and shown."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.pseudo_locale import unmarked_english

WELSH_LOG_IN = "Mewngofnodi"


def page(client, path="/", **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_first_visit_follows_the_browsers_language(client):
    html = page(client, HTTP_ACCEPT_LANGUAGE="cy-GB,cy;q=0.9,en;q=0.5")
    assert '<html lang="cy">' in html
    assert WELSH_LOG_IN in html


@pytest.mark.django_db
def test_english_is_the_default(client):
    html = page(client)
    assert '<html lang="en-GB">' in html
    assert "Log in" in html and WELSH_LOG_IN not in html


@pytest.mark.django_db
def test_the_switch_remembers_the_language_in_a_cookie_and_returns_to_the_page(client):
    response = client.get(reverse("set-language", args=["cy"]), {"next": "/pledges/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/pledges/?page=2"
    assert response.cookies["radicals_language"].value == "cy"
    assert '<html lang="cy">' in page(client, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
def test_the_switch_never_sends_anyone_to_another_site(client):
    response = client.get(reverse("set-language", args=["cy"]), {"next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_switch_refuses_a_language_it_does_not_have(client):
    response = client.get(reverse("set-language", args=["xx"]))
    assert response.status_code == 404
    assert "radicals_language" not in response.cookies


@pytest.mark.django_db
def test_a_members_switch_is_kept_on_their_profile(client, alice):
    client.force_login(alice)
    client.get(reverse("set-language", args=["cy"]))
    alice.refresh_from_db()
    assert alice.language == "cy"


@pytest.mark.django_db
def test_a_members_profile_language_follows_them_to_any_browser(client, alice):
    alice.language = "cy"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    assert '<html lang="cy">' in page(client, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "where",
    [
        {"cookie": "klingon"},
        {"cookie": "\u00e9" * 40},
        {"HTTP_ACCEPT_LANGUAGE": "xx-YY,zz;q=0.8"},
        {"HTTP_ACCEPT_LANGUAGE": ";;;q=abc,,"},
        {"query": "xx"},
    ],
)
def test_an_unknown_language_falls_back_to_english(client, where):
    if "cookie" in where:
        client.cookies["radicals_language"] = where["cookie"]
    path = "/?lang=" + where["query"] if "query" in where else "/"
    headers = {k: v for k, v in where.items() if k.startswith("HTTP_")}
    assert '<html lang="en-GB">' in page(client, path, **headers)


@pytest.mark.django_db
def test_an_unknown_language_on_a_profile_falls_back_to_english(client, alice):
    type(alice).objects.filter(pk=alice.pk).update(language="xx")
    client.force_login(alice)
    assert '<html lang="en-GB">' in page(client)


@pytest.mark.django_db
def test_each_page_names_its_welsh_and_english_alternates(client):
    html = page(client, "/pledges/?status=active")
    assert '<link rel="alternate" hreflang="cy" href="/pledges/?status=active&amp;lang=cy">' in html
    assert 'hreflang="en-GB" href="/pledges/?status=active&amp;lang=en-gb"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "here"),
    [
        ("/pledges/", "/pledges/"),
        ("/pledges/?status=active", "/pledges/?status=active"),
        ("/pledges/?lang=cy&status=active&q=a+b", "/pledges/?status=active&q=a+b"),
        ("/pledges/?lang=cy", "/pledges/"),
    ],
)
def test_the_alternates_and_the_switch_keep_the_query_without_the_language(client, path, here):
    html = page(client, path)
    joiner = "&amp;" if "?" in here else "?"
    shown = here.replace("&", "&amp;")
    assert f'hreflang="cy" href="{shown}{joiner}lang=cy"' in html
    assert f"next={quote(here, safe='')}" in html.replace("&amp;", "&")


@pytest.mark.django_db
def test_the_lang_parameter_serves_that_language_without_remembering_it(client):
    response = client.get("/?lang=cy")
    assert '<html lang="cy">' in response.content.decode()
    assert "radicals_language" not in response.cookies


@pytest.mark.django_db
def test_a_welsh_page_is_never_served_to_an_english_reader_from_the_cache(client, settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    assert WELSH_LOG_IN in page(client, HTTP_ACCEPT_LANGUAGE="cy")
    english = page(client, HTTP_ACCEPT_LANGUAGE="en")
    assert WELSH_LOG_IN not in english and "Log in" in english
    assert WELSH_LOG_IN in page(client, HTTP_ACCEPT_LANGUAGE="cy")


@pytest.mark.django_db
def test_the_page_chrome_has_every_string_marked_for_translation(client, alice, pseudo_welsh):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(alice)
        html = page(client, "/accessibility/", HTTP_ACCEPT_LANGUAGE="cy")
        chrome = html.split("<main", 1)[0] + html.rsplit("</main>", 1)[1]
        assert unmarked_english(chrome, allowed=(alice.display_name,)) == []


@pytest.mark.django_db
def test_the_unmarked_string_check_finds_english_left_outside_the_catalogue(client, pseudo_welsh):
    html = page(client, "/accessibility/", HTTP_ACCEPT_LANGUAGE="cy")
    assert unmarked_english(html.replace("⟦Log in⟧", "Log in")) != []


def test_the_unmarked_string_check_reads_words_not_tokens():
    from tests.pseudo_locale import unmarked_english

    assert unmarked_english("<p>Zm7p97You1B1JVhMsDvv88UuTHB4OCR</p>") == []
    assert unmarked_english("<p>⟦Tudalen⟧ 2 with you</p>") == ["2 with you"]


def test_every_catalogue_is_complete():
    from radicals.i18n import problems

    assert problems() == []


def test_one_english_phrase_has_one_welsh_translation_in_every_catalogue():
    from radicals.i18n import disagreements

    assert disagreements() == []


def _write_catalogue(path, entries):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="cy")
    for message_id, string in entries.items():
        catalog.add(message_id, string)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_unifying_gives_every_catalogue_the_translation_the_page_shows(tmp_path, monkeypatch):
    from babel.messages.pofile import read_po

    from radicals import i18n

    def po_path(owner, language, domain):
        return tmp_path / owner / language / f"{domain}.po"

    monkeypatch.setattr(i18n, "_po_path", po_path)
    # stories comes before reports in INSTALLED_APPS, so Django shows stories' words.
    _write_catalogue(po_path("stories", "cy", "django"), {"Featured": "Dan sylw"})
    _write_catalogue(
        po_path("reports", "cy", "django"), {"Featured": "Wedi'i hamlygu", "Total": "Cyfanswm"}
    )
    assert [line for line in i18n.disagreements() if "'Featured'" in line]

    changed = i18n.unify_catalogues()

    assert changed == [po_path("reports", "cy", "django")]
    with changed[0].open("rb") as handle:
        reports = {message.id: message.string for message in read_po(handle) if message.id}
    assert reports == {"Featured": "Dan sylw", "Total": "Cyfanswm"}
    assert i18n.disagreements() == []


@pytest.mark.django_db
def test_a_member_chooses_their_language_through_the_api(alice):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    assert api.patch("/api/me/", {"language": "cy"}, format="json").json()["language"] == "cy"
    refused = api.patch("/api/me/", {"language": "xx"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()
    alice.refresh_from_db()
    assert alice.language == "cy"


@pytest.mark.django_db
def test_a_member_chooses_their_language_on_their_profile(client, alice):
    client.force_login(alice)
    url = reverse("members:edit_profile", args=[alice.pk])
    assert 'name="language"' in client.get(url).content.decode()
    client.post(url, {"display_name": "Alice Ahmed", "name_visibility": "public", "language": "cy"})
    alice.refresh_from_db()
    assert alice.language == "cy"


TRANSLATING_CALLS = {"gettext", "ngettext", "pgettext", "gettext_lazy", "ngettext_lazy", "_"}


def _calls_inside_fstrings(source: str) -> list[int]:
    """Lines where a string is translated inside an f-string, where extraction cannot
    see it (its words would silently leave the catalogues)."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    name = getattr(inner.func, "id", getattr(inner.func, "attr", ""))
                    if name in TRANSLATING_CALLS:
                        lines.append(inner.lineno)
    return lines


def test_no_string_is_translated_inside_an_f_string():
    from pathlib import Path

    from radicals.i18n import APPS, BASE_DIR

    found = {}
    for owner in [*APPS, "radicals", "kernel"]:
        for path in Path(BASE_DIR, owner).rglob("*.py"):
            lines = _calls_inside_fstrings(path.read_text())
            if lines:
                found[str(path.relative_to(BASE_DIR))] = lines
    assert found == {}


def test_the_f_string_check_finds_a_translation_inside_one():
    assert _calls_inside_fstrings("x = f\"<b>{gettext('Outcome:')}</b>\"") == [1]
    assert _calls_inside_fstrings('label = gettext("Outcome:")\nx = f"<b>{label}</b>"') == []


def test_words_for_a_member_are_in_their_language_else_english():
    from types import SimpleNamespace

    from django.utils import translation

    from kernel.i18n import in_language_of

    for stored, expected in (("cy", "cy"), ("", "en-gb"), ("fr", "en-gb"), (None, "en-gb")):
        with in_language_of(SimpleNamespace(language=stored)):
            assert translation.get_language() == expected
    with in_language_of(None):
        assert translation.get_language() == "en-gb"
