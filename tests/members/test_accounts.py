"""Sign-up, email verification, login, password reset: the account journeys."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase-41"


def signup(client, **overrides):
    data = {
        "display_name": "Dana Doctor",
        "email": "dana@example.nhs.uk",
        "password1": STRONG,
        "password2": STRONG,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_it_signs_up_verifies_email_and_logs_in(client, mailoutbox):
    response = signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="dana@example.nhs.uk")
    assert user.display_name == "Dana Doctor"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["dana@example.nhs.uk"]

    link = confirmation_link(mailoutbox[0])
    assert client.get(link).status_code == 200
    response = client.post(link)

    assert EmailAddress.objects.get(email="dana@example.nhs.uk").verified
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "dana@example.nhs.uk", "password": STRONG}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["request"].user == user


def test_it_refuses_login_before_the_email_is_verified(client):
    UserFactory(email="unverified@example.nhs.uk", verified=False)

    response = client.post(
        reverse("account_login"), {"login": "unverified@example.nhs.uk", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_wrong_password_with_a_clear_message(client, alice):
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )


def test_password_reset_sends_a_link_to_a_known_email(client, alice, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": alice.email})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_reset_does_not_reveal_whether_an_email_exists(client, alice, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": alice.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.nhs.uk"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert "/accounts/password/reset/key/" not in mailoutbox[-1].body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "entirely numeric"),
        ({"display_name": "x" * 81}, "display_name", "at most 80 characters"),
        ({"display_name": "   "}, "display_name", "This field is required."),
        ({"password2": "something-else-entirely"}, "password2", "same password"),
    ],
)
def test_signup_refuses_bad_input_and_saves_nothing(client, overrides, field, message):
    response = signup(client, **overrides)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not User.objects.filter(email="dana@example.nhs.uk").exists()
    assert "There is a problem" in response.content.decode()


def test_signup_with_a_taken_email_creates_no_second_account(client, alice, mailoutbox):
    response = signup(client, email=alice.email.upper())

    # Enumeration is prevented: the page looks the same, and the owner is told by email.
    assert User.objects.filter(email__iexact=alice.email).count() == 1
    assert response.status_code == 302
    assert mailoutbox and mailoutbox[0].to == [alice.email]


def test_logout_ends_the_session(client_for, alice):
    client = client_for(alice)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
