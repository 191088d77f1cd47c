"""A fresh site takes pledges at once: its themes come with the migrations."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from pledges.models import Pledge, Theme

default_themes = importlib.import_module("pledges.migrations.0007_default_themes")


@pytest.fixture(autouse=True)
def fresh_site(db):
    """A site as the migrations leave it and no admin has touched: the themes table as
    the data migration fills it, run on an empty table with the models of its time
    (tests that empty every table between them may have run before)."""
    Theme.objects.all().delete()
    state = MigrationLoader(connection).project_state(("pledges", "0007_default_themes"))
    default_themes.add_default_themes(state.apps, None)


def test_a_fresh_site_offers_themes_without_any_admin_setup():
    assert Theme.objects.count() == len(default_themes.DEFAULT_THEMES)
    offered = set(Theme.objects.filter(is_active=True).values_list("slug", flat=True))

    assert {slug for slug, _name, _description in default_themes.DEFAULT_THEMES} <= offered


def test_alice_makes_a_pledge_on_a_fresh_site(client_for, alice):
    theme = Theme.objects.get(slug="patient-experience")
    response = client_for(alice).post(
        reverse("pledges:create"),
        {
            "title": "learn the names of the domestic team",
            "description": "",
            "theme": theme.pk,
            "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "threshold": "",
            "threshold_deadline": "",
            "campaign": "",
            "visibility": "public",
        },
    )

    pledge = Pledge.objects.get(author=alice)
    assert response.status_code == 302
    assert pledge.theme == theme


def test_the_create_form_offers_the_default_themes(client_for, alice):
    body = client_for(alice).get(reverse("pledges:create")).content.decode()

    assert "Patient experience" in body
    assert "Teamwork and communication" in body


def test_the_default_themes_are_added_once_and_an_admins_edits_stay():
    Theme.objects.filter(slug="safety").update(name="Patient safety", description="Ours")
    Theme.objects.filter(slug="digital").delete()
    Theme.objects.create(name="Digital", slug="digital-tools")
    before = Theme.objects.count()

    default_themes.add_default_themes(apps, None)
    default_themes.add_default_themes(apps, None)

    assert Theme.objects.count() == before
    safety = Theme.objects.get(slug="safety")
    assert (safety.name, safety.description) == ("Patient safety", "Ours")
    assert not Theme.objects.filter(slug="digital").exists()
