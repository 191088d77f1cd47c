"""A display name never holds line breaks or other control characters: they would break
the header of an email quoting the name. Refused by the forms, the API and the service."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import services
from members.forms import SignupExtraForm

pytestmark = pytest.mark.django_db
MESSAGE = "Your name cannot contain line breaks, tabs or other control characters."


@pytest.mark.parametrize("name", ["Alice\nBcc: all@nhs.net", "Alice\rA", "Alice\tA", "A\x1bB"])
def test_the_profile_form_refuses_a_name_with_control_characters(client_for, alice, name):
    response = client_for(alice).post(
        reverse("members:edit_profile", args=[alice.pk]),
        {"display_name": name, "region": "", "bio": "", "name_visibility": "public"},
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "Alice Ahmed"


def test_the_sign_up_form_refuses_a_name_with_a_line_break():
    form = SignupExtraForm(data={"display_name": "Bob\nBrown"})

    assert not form.is_valid()
    assert form.errors["display_name"] == [MESSAGE]


def test_the_api_refuses_a_name_with_a_line_break(api_for, alice):
    response = api_for(alice).patch(reverse("api:me"), {"display_name": "Alice\nA"}, format="json")

    assert response.status_code == 400
    assert response.json()["display_name"] == [MESSAGE]
    alice.refresh_from_db()
    assert alice.display_name == "Alice Ahmed"


def test_the_profile_service_refuses_a_name_with_a_control_character(alice):
    with pytest.raises(ValidationError) as refused:
        services.profile_update(member=alice, actor=alice, display_name="Alice\x1bA")

    assert refused.value.message_dict == {"display_name": [MESSAGE]}


def test_a_name_with_accents_and_inner_spaces_is_kept(alice):
    services.profile_update(member=alice, actor=alice, display_name="  Zoë  O'Brien-Ndiaye ")

    alice.refresh_from_db()
    assert alice.display_name == "Zoë  O'Brien-Ndiaye"


def test_the_admin_refuses_a_name_with_a_line_break(alice):
    from members.admin import UserChangeForm

    form = UserChangeForm(
        instance=alice,
        data={
            "email": alice.email,
            "display_name": "Alice\nBcc: all@nhs.net",
            "date_joined": "2026-01-01 00:00:00",
            "name_visibility": "public",
        },
    )

    assert not form.is_valid()
    assert form.errors["display_name"] == [MESSAGE]


def test_inviting_a_colleague_with_the_mail_server_down_keeps_the_invitation_and_answers(
    client_for, alice, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    from reports.models import InviteEmail

    def refuse(self):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    type(alice).objects.filter(pk=alice.pk).update(display_name="Alice\nBcc: all@nhs.net")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("reports:invite"), {"email": "dana@nhs.net"})

    assert response.status_code in (200, 302)
    invitation = InviteEmail.objects.get(email="dana@nhs.net")
    assert invitation.email_status == InviteEmail.EmailStatus.PENDING
