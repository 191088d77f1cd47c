"""With DJANGO_DEBUG=false the platform runs HTTPS-only: HSTS for a year, secure and
HttpOnly cookies, redirects to HTTPS, and single sign-on allowed in the CSP."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

NAMES = [
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "radicals.example.nhs.uk",
    "DATABASE_URL": "postgres://radicals@db.example.nhs.uk:5432/radicals",
    "REDIS_URL": "redis://cache.example.nhs.uk:6379/0",
}


def settings_under(environment: dict) -> dict:
    """Import the settings module in a fresh interpreter with this environment only."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    script = (
        "import json, radicals.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {NAMES!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        env={**keep, **environment},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return settings_under(PRODUCTION)


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(production):
    assert production["DEBUG"] is False
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert production["SECURE_SSL_REDIRECT"] is True


def test_production_cookies_are_secure_and_the_session_cookie_is_http_only(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True


def test_production_keeps_the_strict_headers(production):
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    with pytest.raises(subprocess.CalledProcessError) as refused:
        settings_under(environment)

    assert "DJANGO_SECRET_KEY" in refused.value.stderr


def test_single_sign_on_lets_forms_go_on_to_the_identity_provider_only():
    environment = {
        **PRODUCTION,
        "OIDC_CLIENT_ID": "radicals",
        "OIDC_SERVER_URL": "https://login.example.nhs.uk/realms/nhs/",
    }

    policy = settings_under(environment)["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]

    assert policy["form-action"] == ["'self'", "https://login.example.nhs.uk"]


@pytest.mark.django_db
def test_an_https_response_carries_the_hsts_header(client, production):
    with override_settings(
        SECURE_HSTS_SECONDS=production["SECURE_HSTS_SECONDS"],
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
    ):
        response = client.get("/accessibility/", secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
