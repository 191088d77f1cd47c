"""Themes in Welsh: an admin gives a theme its Welsh name, and Welsh pages show it on
cards, on the pledge's page, in the wall's filter and the pledge form (the English name
while there is none); the default themes come with theirs."""

import importlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from pledges.cards import pledge_card
from pledges.models import Pledge, Theme
from tests.factories import PledgeFactory, ThemeFactory

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-gb"}


@pytest.fixture
def wellbeing():
    return ThemeFactory(name="Wellbeing at work", name_cy="Llesiant yn y gwaith", slug="wellbeing")


def test_a_theme_reads_in_the_pages_language(wellbeing):
    plain = ThemeFactory(name="Digital first", slug="digital-first")

    assert wellbeing.local_name == str(wellbeing) == "Wellbeing at work"
    with translation.override("cy"):
        assert wellbeing.local_name == str(wellbeing) == "Llesiant yn y gwaith"
        assert plain.local_name == "Digital first"  # no Welsh name yet: the English one


def test_a_card_shows_the_themes_welsh_name_on_a_welsh_page(wellbeing):
    pledge = Pledge.objects.select_related(
        "author", "author__organisation", "theme", "campaign", "community"
    ).get(pk=PledgeFactory(theme=wellbeing).pk)

    assert "Wellbeing at work" in pledge_card(pledge, AnonymousUser())
    with translation.override("cy"):
        html = str(pledge_card(pledge, AnonymousUser()))
    assert "Llesiant yn y gwaith" in html and "Wellbeing at work" not in html


def test_the_wall_and_the_pledge_page_show_it(client, wellbeing):
    pledge = PledgeFactory(theme=wellbeing)
    wall = client.get(reverse("pledges:wall"), **WELSH).content.decode()
    page = client.get(pledge.get_absolute_url(), **WELSH).content.decode()

    assert '<option value="wellbeing">Llesiant yn y gwaith</option>' in wall
    assert ">Llesiant yn y gwaith</a>" in page
    english = client.get(reverse("pledges:wall"), **ENGLISH).content.decode()
    assert '<option value="wellbeing">Wellbeing at work</option>' in english


def test_the_pledge_form_offers_themes_by_their_welsh_names(client_for, alice, wellbeing):
    html = client_for(alice).get(reverse("pledges:create"), **WELSH).content.decode()

    assert "Llesiant yn y gwaith" in html


def test_the_api_gives_both_names(wellbeing):
    rows = APIClient().get(reverse("api:themes")).json()

    found = next(row for row in rows if row["slug"] == "wellbeing")
    assert (found["name"], found["name_cy"]) == ("Wellbeing at work", "Llesiant yn y gwaith")


def test_admins_write_the_welsh_name(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:pledges_theme_add")
    data = {"name": "Research", "name_cy": "Ymchwil", "slug": "research", "is_active": "on"}

    response = client.post(url, data)

    assert response.status_code == 302
    assert Theme.objects.get(slug="research").name_cy == "Ymchwil"


def test_the_default_themes_come_with_their_welsh_names():
    migration = importlib.import_module("pledges.migrations.0010_theme_name_cy")
    Theme.objects.all().delete()
    ThemeFactory(name="Patient experience", slug="patient-experience")
    ThemeFactory(name="Safety", slug="safety", name_cy="Diogelwch cleifion")  # an admin's own
    state = MigrationLoader(connection).project_state(("pledges", "0010_theme_name_cy"))

    migration.name_default_themes_in_welsh(state.apps, None)

    names = dict(Theme.objects.values_list("slug", "name_cy"))
    assert names == {"patient-experience": "Profiad cleifion", "safety": "Diogelwch cleifion"}


def test_a_welsh_export_names_themes_in_welsh(wellbeing):
    from reports import exports

    PledgeFactory(theme=wellbeing)
    PledgeFactory(theme=ThemeFactory(name="Digital first", slug="digital-first"))

    def themes(language: str) -> set[str]:
        spec = exports.ExportSpec(dataset="pledges", language=language)
        header, *rows = exports.rows(spec)
        column = header.index("Thema" if language == "cy" else "Theme")
        return {row[column] for row in rows}

    assert themes("en-gb") == {"Wellbeing at work", "Digital first"}
    assert themes("cy") == {"Llesiant yn y gwaith", "Digital first"}
