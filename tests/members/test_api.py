"""/api/me/ and the member endpoints."""

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_needs_authentication(api_client):
    response = api_client.get(reverse("api:me"))

    assert response.status_code in (401, 403)


def test_me_returns_the_members_own_profile(api_for, alice):
    response = api_for(alice).get(reverse("api:me"))

    assert response.status_code == 200
    assert response.json()["email"] == alice.email
    assert response.json()["display_name"] == "Alice Ahmed"


def test_me_updates_the_profile(api_for, alice):
    organisation = OrganisationFactory()

    response = api_for(alice).patch(
        reverse("api:me"),
        {"job_role": "Charge nurse", "organisation": organisation.pk},
        format="json",
    )

    assert response.status_code == 200, response.json()
    alice.refresh_from_db()
    assert alice.job_role == "Charge nurse"
    assert alice.organisation == organisation


def test_me_works_with_a_token(api_client, alice):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api_client.get(reverse("api:me")).json()["id"] == alice.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"is_staff": True}, "is_staff"),
        ({"email": "new@example.nhs.uk"}, "email"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"organisation": 999999}, "organisation"),
        ({"name_visibility": "everyone"}, "name_visibility"),
    ],
)
def test_me_refuses_bad_or_privileged_fields_and_changes_nothing(api_for, alice, payload, field):
    response = api_for(alice).patch(reverse("api:me"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    alice.refresh_from_db()
    assert alice.is_staff is False
    assert alice.email == "alice@example.nhs.uk"
    assert alice.display_name == "Alice Ahmed"


def test_public_member_endpoint_hides_names_as_the_member_asks(api_client, alice):
    alice.name_visibility = "members"
    alice.save()

    anonymous = api_client.get(reverse("api:member-detail", args=[alice.pk]))
    api_client.force_authenticate(UserFactory())
    signed_in = api_client.get(reverse("api:member-detail", args=[alice.pk]))

    assert anonymous.status_code == 404
    assert signed_in.status_code == 200
    assert signed_in.json()["name"] == "Alice Ahmed"
    assert "email" not in signed_in.json()


def test_a_hidden_member_is_answered_as_a_missing_one(api_client, alice):
    alice.name_visibility = "hidden"
    alice.save()

    response = api_client.get(reverse("api:member-detail", args=[alice.pk]))

    assert response.status_code == 404
