"""Sessions and tokens: API tokens expire and end with the password; passwords are long
and not common; idle sessions log out; pages and files with secrets are never cached."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kernel.sessions import LAST_ACTIVITY_KEY
from members import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-unusual-passphrase-77"
ELEVEN = "tr0mbone-42"  # 11 characters, not common, not numeric
COMMON = "startfinding"  # 12 characters, in the breached-password list


def api_with_token(token: Token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def token_works(token: Token) -> bool:
    return api_with_token(token).get(reverse("api:me")).status_code == 200


def log_in(email, password=PASSWORD) -> Client:
    browser = Client()
    browser.post(reverse("account_login"), {"login": email, "password": password})
    return browser


def reset_password(email, mailoutbox, password1, password2=None):
    anonymous = Client()
    anonymous.post(reverse("account_reset_password"), {"email": email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body)
    form_page = anonymous.get(link.group(1), follow=True)
    return anonymous.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": password1, "password2": password2 or password1},
    )


# --- API tokens expire -------------------------------------------------------------------


def test_a_fresh_api_token_works(alice):
    token = services.api_token_reset(member=alice)

    assert token_works(token)


def test_an_api_token_older_than_its_lifetime_is_refused_with_a_clear_401(alice, settings):
    settings.API_TOKEN_DAYS = 30
    token = services.api_token_reset(member=alice)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=31))

    response = api_with_token(token).get(reverse("api:me"))

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response.has_header("WWW-Authenticate")


def test_a_token_just_inside_its_lifetime_still_works(alice, settings):
    settings.API_TOKEN_DAYS = 30
    token = services.api_token_reset(member=alice)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=29))

    assert token_works(token)


def test_the_profile_settings_page_says_when_the_token_stops_working(client_for, alice):
    token = services.api_token_reset(member=alice)

    response = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk]))

    expires = token.created + timedelta(days=90)
    assert f"It works until {expires.day} " in response.content.decode()


def test_the_profile_settings_page_says_an_old_token_has_expired(client_for, alice):
    token = services.api_token_reset(member=alice)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=365))

    response = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk]))

    assert "This token expired on" in response.content.decode()


def test_the_schema_still_describes_token_authentication(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    assert "tokenAuth" in schema["components"]["securitySchemes"]


# --- Tokens end with the password, deactivation and erasure -------------------------------


def test_changing_the_password_ends_every_api_token(alice):
    token = services.api_token_reset(member=alice)
    laptop = log_in(alice.email)

    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(user=alice).exists()
    assert not token_works(token)


def test_resetting_the_password_ends_every_api_token(alice, mailoutbox):
    token = services.api_token_reset(member=alice)

    reset_password(alice.email, mailoutbox, NEW_PASSWORD)

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not token_works(token)


def test_a_password_set_anywhere_else_ends_every_api_token(alice):
    token = services.api_token_reset(member=alice)

    alice.set_password(NEW_PASSWORD)
    alice.save()

    assert not Token.objects.filter(pk=token.pk).exists()


def test_deactivating_an_account_ends_its_api_tokens(alice):
    token = services.api_token_reset(member=alice)

    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert not Token.objects.filter(pk=token.pk).exists()


def test_saving_a_member_for_other_reasons_keeps_their_api_token(alice):
    token = services.api_token_reset(member=alice)

    alice.job_role = "Ward sister"
    alice.save()
    alice.check_password(PASSWORD)  # a login that may rehash the password

    assert token_works(token)


def test_erasing_an_account_ends_its_api_tokens(alice):
    token = services.api_token_reset(member=alice)

    services.account_erase(member=alice)

    assert not Token.objects.filter(pk=token.pk).exists()


# --- Passwords ------------------------------------------------------------------------------


def signup(client, password1, password2=None):
    return client.post(
        reverse("account_signup"),
        {
            "email": "dana@example.nhs.uk",
            "display_name": "Dana Davies",
            "password1": password1,
            "password2": password2 or password1,
        },
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [(ELEVEN, "at least 12 characters"), (COMMON, "too common")],
)
def test_signup_refuses_a_short_or_common_password(client, password, message):
    response = signup(client, password)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password1"])


@pytest.mark.parametrize(
    ("password", "message"),
    [(ELEVEN, "at least 12 characters"), (COMMON, "too common")],
)
def test_changing_to_a_short_or_common_password_is_refused(alice, password, message):
    laptop = log_in(alice.email)

    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [(ELEVEN, "at least 12 characters"), (COMMON, "too common")],
)
def test_resetting_to_a_short_or_common_password_is_refused(alice, mailoutbox, password, message):
    response = reset_password(alice.email, mailoutbox, password)

    assert response.status_code == 200
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_twelve_character_uncommon_password_is_accepted(client):
    response = signup(client, "tr0mbone-421")

    assert response.status_code == 302


# --- Idle sessions ----------------------------------------------------------------------------


def idle_for(client, minutes: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - minutes * 60
    session.save()


def signed_in(client) -> bool:
    return client.get(reverse("home")).context["request"].user.is_authenticated


def test_a_member_idle_for_longer_than_the_limit_is_logged_out_with_a_message(
    client, alice, settings
):
    settings.SESSION_IDLE_MINUTES = 60
    client.force_login(alice)
    idle_for(client, 61)

    response = client.get(reverse("members:edit_profile", args=[alice.pk]), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "You were logged out because you had not used Radicals for 60 minutes" in (
        response.content.decode()
    )
    assert not signed_in(client)


def test_a_member_active_within_the_limit_stays_logged_in(client, alice, settings):
    settings.SESSION_IDLE_MINUTES = 60
    client.force_login(alice)
    idle_for(client, 59)

    assert signed_in(client)
    # …and that request counts as activity, so the clock starts again.
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


def test_staff_are_logged_out_after_the_shorter_staff_limit(client, admin_user, alice, settings):
    settings.SESSION_IDLE_MINUTES = 60
    settings.STAFF_SESSION_IDLE_MINUTES = 15
    client.force_login(admin_user)
    idle_for(client, 16)
    assert not signed_in(client)

    member = Client()
    member.force_login(alice)
    idle_for(member, 16)
    assert signed_in(member)


def test_a_session_logged_in_through_the_login_form_starts_its_idle_clock(alice):
    browser = log_in(alice.email)

    assert time.time() - browser.session[LAST_ACTIVITY_KEY] < 5


# --- Nothing secret is cached -----------------------------------------------------------------


def assert_no_store(response) -> None:
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_the_page_that_shows_the_api_token_is_never_stored(client_for, alice):
    services.api_token_reset(member=alice)

    response = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk]))

    assert response.status_code == 200
    assert_no_store(response)
