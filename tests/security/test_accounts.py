"""Accounts under attack: guessed passwords lock an email address (the admin's too),
members see and end their other sessions, and changing a password or logging out
ends what it should."""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-unusual-passphrase-77"


def log_in(client, email, password=PASSWORD, next_url=None):
    data = {"login": email, "password": password}
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def logged_in_user_id(client):
    response = client.get(reverse("home"))
    user = response.context["request"].user
    return user.pk if user.is_authenticated else None


def browser(user_agent: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent)


# --- Guessing passwords ----------------------------------------------------


def test_the_sixth_login_for_one_email_in_five_minutes_is_refused_even_with_the_right_password(
    client, alice
):
    for _ in range(5):
        refused = log_in(client, alice.email, "a-wrong-guess")
        assert refused.status_code == 200
        assert "_auth_user_id" not in client.session

    response = log_in(client, alice.email, PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_five_failures_do_not_lock_anyone_else(client, alice, bob):
    for _ in range(5):
        log_in(client, alice.email, "a-wrong-guess")

    response = log_in(client, bob.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in_user_id(client) == bob.pk


def test_fewer_failures_than_the_limit_still_let_the_owner_in(client, alice):
    for _ in range(4):
        log_in(client, alice.email, "a-wrong-guess")

    response = log_in(client, alice.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in_user_id(client) == alice.pk


# --- Nothing tells an attacker whether an email address has an account --------


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_password_reset_looks_the_same_for_known_and_unknown_emails(alice):
    known = browser("A").post(
        reverse("account_reset_password"), {"email": alice.email}, follow=True
    )
    unknown = browser("B").post(
        reverse("account_reset_password"), {"email": "nobody@example.nhs.uk"}, follow=True
    )

    assert known.redirect_chain == unknown.redirect_chain
    assert without_tokens(known.content.decode()) == without_tokens(unknown.content.decode())


def test_login_says_the_same_for_an_unknown_email_and_a_wrong_password(alice):
    wrong_password = log_in(browser("A"), alice.email, "a-wrong-guess")
    unknown_email = log_in(browser("B"), "nobody@example.nhs.uk", "a-wrong-guess")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert without_tokens(wrong_password.content.decode()).replace(
        alice.email, "EMAIL"
    ) == without_tokens(unknown_email.content.decode()).replace("nobody@example.nhs.uk", "EMAIL")


# --- The admin site signs in through the same door --------------------------


def test_the_admin_login_page_sends_people_to_the_member_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")


def test_the_admin_site_sends_visitors_to_the_member_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


def test_posting_a_password_to_the_old_admin_form_logs_nobody_in(client, admin_user):
    response = client.post(
        "/admin/login/", {"username": admin_user.email, "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_an_admin_logs_in_on_the_member_login_and_lands_in_the_admin(client, admin_user):
    start = client.get("/admin/")
    login_page = client.get(start.url, follow=True)
    next_url = login_page.context["redirect_field_value"]

    response = log_in(client, admin_user.email, next_url=next_url)
    admin_index = client.get(response.url, follow=True)

    assert admin_index.status_code == 200
    assert admin_index.redirect_chain == [] or admin_index.redirect_chain[-1][0] == "/admin/"
    assert "Radicals administration" in admin_index.content.decode()


def test_repeated_failures_lock_the_admin_account_too(client, admin_user):
    for _ in range(5):
        log_in(client, admin_user.email, "a-wrong-guess", next_url="/admin/")

    response = log_in(client, admin_user.email, PASSWORD, next_url="/admin/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_member_who_is_not_an_admin_is_refused_the_admin_site(client_for, alice):
    response = client_for(alice).get("/admin/login/?next=/admin/")

    assert response.status_code == 403


# --- Sessions -----------------------------------------------------------------


def test_a_member_sees_where_they_are_logged_in(alice):
    laptop, phone = browser("Laptop Firefox"), browser("Phone Safari")
    log_in(laptop, alice.email)
    log_in(phone, alice.email)

    response = laptop.get(reverse("usersessions_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Laptop Firefox" in page
    assert "Phone Safari" in page
    assert page.count("This browser") == 1
    assert "Log out everywhere else" in page


def test_a_member_logs_out_their_other_sessions(alice, bob):
    laptop, phone, bobs = browser("Laptop"), browser("Phone"), browser("Bob's laptop")
    log_in(laptop, alice.email)
    log_in(phone, alice.email)
    log_in(bobs, bob.email)

    response = laptop.post(reverse("usersessions_list"), follow=True)

    assert "You have been logged out everywhere else." in response.content.decode()
    assert logged_in_user_id(laptop) == alice.pk
    assert logged_in_user_id(phone) is None
    assert logged_in_user_id(bobs) == bob.pk
    assert UserSession.objects.filter(user=alice).count() == 1


def test_the_sessions_page_needs_a_login(client):
    response = client.get(reverse("usersessions_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_profile_settings_page_links_to_the_sessions_page(client_for, alice):
    response = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk]))

    assert reverse("usersessions_list") in response.content.decode()


def test_changing_the_password_logs_out_every_other_session_but_this_one(alice):
    laptop, phone = browser("Laptop"), browser("Phone")
    log_in(laptop, alice.email)
    log_in(phone, alice.email)

    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert logged_in_user_id(laptop) == alice.pk
    assert logged_in_user_id(phone) is None
    assert log_in(browser("Thief"), alice.email, PASSWORD).status_code == 200


def test_resetting_the_password_logs_out_every_session(alice, mailoutbox):
    phone = browser("Phone")
    log_in(phone, alice.email)
    anonymous = browser("Laptop")
    anonymous.post(reverse("account_reset_password"), {"email": alice.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body)
    form_page = anonymous.get(link.group(1), follow=True)

    anonymous.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert logged_in_user_id(phone) is None


def test_logging_out_ends_the_session_on_the_server(alice):
    laptop = browser("Laptop")
    log_in(laptop, alice.email)
    stolen_cookie = laptop.cookies["sessionid"].value

    laptop.post(reverse("account_logout"))

    replay = browser("Attacker")
    replay.cookies["sessionid"] = stolen_cookie
    assert logged_in_user_id(replay) is None
    assert logged_in_user_id(laptop) is None
    assert not SessionStore().exists(stolen_cookie)
    assert UserSession.objects.purge_and_list(alice) == []
