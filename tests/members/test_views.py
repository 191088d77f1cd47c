"""Profile pages: public view, owner-only editing, clear errors on bad input."""

import pytest
from django.urls import reverse

from members.models import User
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anyone_can_see_a_profile_with_the_name_the_member_allows(client, alice):
    alice.name_visibility = User.NameVisibility.MEMBERS
    alice.save()

    anonymous = client.get(reverse("members:profile", args=[alice.pk]))
    client.force_login(UserFactory())
    signed_in = client.get(reverse("members:profile", args=[alice.pk]))

    # Who hides their name from the public has no public profile either.
    assert anonymous.status_code == 404
    assert "Alice Ahmed" not in anonymous.content.decode()
    assert signed_in.status_code == 200
    assert "Alice Ahmed" in signed_in.content.decode()


def test_the_owner_edits_their_profile(client_for, alice):
    organisation = OrganisationFactory()
    client = client_for(alice)

    response = client.post(
        reverse("members:edit_profile", args=[alice.pk]),
        {
            "display_name": "Alice A.",
            "organisation": organisation.pk,
            "job_role": "Ward sister",
            "region": "",
            "bio": "I want every patient asked what matters to them.",
            "name_visibility": "public",
        },
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Alice A."
    assert alice.organisation == organisation
    assert alice.effective_region == organisation.region


def test_another_member_cannot_edit_a_profile(client_for, alice, bob):
    client = client_for(bob)
    url = reverse("members:edit_profile", args=[alice.pk])

    assert client.get(url).status_code == 403
    response = client.post(url, {"display_name": "Hacked", "name_visibility": "public"})

    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.display_name == "Alice Ahmed"


def test_editing_needs_a_login(client, alice):
    response = client.get(reverse("members:edit_profile", args=[alice.pk]))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_bad_profile_input_shows_errors_and_keeps_what_was_typed(client_for, alice):
    client = client_for(alice)

    response = client.post(
        reverse("members:edit_profile", args=[alice.pk]),
        {
            "display_name": "x" * 81,
            "job_role": "Matron",
            "bio": "b" * 1001,
            "name_visibility": "public",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Matron" in page
    alice.refresh_from_db()
    assert alice.job_role == "Staff nurse"


def test_a_member_can_create_an_api_token(client_for, alice):
    client = client_for(alice)

    response = client.post(reverse("members:api_token_reset"))

    assert response.status_code == 302
    assert alice.auth_token.key
    first = alice.auth_token.key
    client.post(reverse("members:api_token_reset"))
    alice.refresh_from_db()
    assert alice.auth_token.key != first


def test_the_header_shows_account_links(client_for, alice, client):
    anonymous = client.get(reverse("home")).content.decode()
    assert "Log in" in anonymous

    page = client_for(alice).get(reverse("home")).content.decode()
    assert "Log out" in page
    assert "Alice Ahmed" in page
