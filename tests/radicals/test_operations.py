"""Health check, OpenAPI schema, settings from the environment, demo data, error pages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.models import Organisation, Region, User
from radicals import views

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "/api/me/" in out.read_text()


def test_api_docs_page_is_served(client):
    assert client.get(reverse("api-docs")).status_code == 200


def _settings_in_subprocess(env: dict) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'db': settings.DATABASES['default'], 'redis': settings.REDIS_URL,"
        " 'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "radicals.settings", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_read_database_url_and_redis_url():
    loaded = _settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://nurse:secret@db.example.nhs.uk:6543/radicals_prod",
            "REDIS_URL": "redis://cache.example.nhs.uk:6380/3",
        }
    )

    assert loaded["db"]["NAME"] == "radicals_prod"
    assert loaded["db"]["HOST"] == "db.example.nhs.uk"
    assert loaded["db"]["PORT"] == 6543
    assert loaded["db"]["USER"] == "nurse"
    assert loaded["redis"] == "redis://cache.example.nhs.uk:6380/3"
    assert loaded["broker"] == loaded["redis"]


def test_production_settings_refuse_to_start_without_a_database_url():
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "radicals.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "x" * 60,
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stderr


def test_production_settings_pass_the_deployment_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "radicals.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "kL9#pQ2wX7!mN4&vB8*zR5^tY1@hJ6%cF3(gD0)sA-eU_iO+qWe8rTy7uIo6pAs5",
        "DJANGO_ALLOWED_HOSTS": "radicals.example.nhs.uk",
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/radicals",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_data_loads_once_and_again_adds_nothing():
    call_command("demo_data", "--quiet")
    counts = (User.objects.count(), Organisation.objects.count(), Region.objects.count())
    call_command("demo_data", "--quiet")

    assert (User.objects.count(), Organisation.objects.count(), Region.objects.count()) == counts
    assert User.objects.filter(is_staff=True, email="admin@radicals.local").exists()
    assert User.objects.filter(email__endswith="@radicals.local").count() == 4


def test_demo_data_is_refused_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("demo_data", "--quiet")


def test_unknown_pages_get_the_nhs_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "nhsuk-header" in response.content.decode()


def test_the_500_page_needs_no_database(rf):
    response = views.error_500(rf.get("/"))

    assert response.status_code == 500
    assert "problem with the service" in response.content.decode()


def test_home_page_shows_the_rolled_up_totals(client, alice, bob):
    from reports import rollups

    rollups.rollups_tick()
    response = client.get(reverse("home"))

    assert response.status_code == 200
    stats = {s.label: s.value for s in response.context["stats"]}
    assert stats["members"] == 2


def test_admin_pages_load_for_a_platform_admin(client_for, admin_user):
    client = client_for(admin_user)

    assert client.get(reverse("admin:members_user_changelist")).status_code == 200
    assert client.get(reverse("admin:members_organisation_changelist")).status_code == 200


def test_nhsuk_stylesheet_icons_resolve_to_static_files(client):
    response = client.get("/assets/images/nhsuk-icon-cross.svg")

    assert response.status_code == 301
    assert response["Location"].endswith("nhsuk/assets/images/nhsuk-icon-cross.svg")
    assert client.get("/assets/images/not-an-icon.svg").status_code == 404
    assert client.get("/assets/../settings.py").status_code == 404
