"""Members' pages, messages, API errors, emails and data export, in English and Welsh."""

import io
import re
import zipfile
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from members import services
from members.models import DataExport, User
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def main_of(response) -> str:
    """The page's <main>, without the sections other apps add to a profile (each app's
    own test covers those)."""
    html = response.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = main.split('<section aria-labelledby="section-', 1)[0]
    # A radio button's value ("members", "public") is sent, never shown.
    return re.sub(r'(<input [^>]*type="radio"[^>]*?) value="[^"]*"', r"\1", main)


def text_of(response) -> str:
    return unescape(response.content.decode())


def english_left(response, *members: User, allowed=()) -> list[str]:
    names = [text for member in members for text in (member.display_name, member.email)]
    return unmarked_english(main_of(response), allowed=(*names, *allowed))


@pytest.fixture
def alice_in_full(alice):
    """Alice with everything her settings page can show: an organisation, a region, a
    bio, an API token and copies of her data in each state."""
    alice.organisation = OrganisationFactory(name="Leeds Teaching Hospitals")
    alice.job_role = "Ward sister"
    alice.bio = "Matron on ward 7."
    alice.save()
    Token.objects.create(user=alice)
    now = timezone.now()
    DataExport.objects.create(
        member=alice, status=DataExport.Status.READY, expires_at=now + timedelta(days=3)
    )
    DataExport.objects.create(member=alice, status=DataExport.Status.QUEUED)
    DataExport.objects.create(member=alice, status=DataExport.Status.FAILED)
    DataExport.objects.create(member=alice, status=DataExport.Status.EXPIRED)
    return alice


def test_every_members_page_has_every_string_marked_for_translation(
    client, alice_in_full, bob, pseudo_welsh
):
    alice = alice_in_full
    own_words = (
        alice.organisation.name,
        alice.organisation.region.name if alice.organisation.region else "",
        alice.job_role,
        alice.bio,
    )
    bob.name_visibility = User.NameVisibility.HIDDEN
    bob.save()
    # Anonymous visitors: a public profile, and a hidden one (a "not found" page).
    for member, status in ((alice, 200), (bob, 404)):
        response = client.get(reverse("members:profile", args=[member.pk]), **WELSH)
        assert response.status_code == status
        assert english_left(response, alice, allowed=own_words) == []

    client.force_login(alice)
    pages = [
        reverse("members:profile", args=[alice.pk]),
        reverse("members:edit_profile", args=[alice.pk]),
        reverse("members:account_delete"),
    ]
    for url in pages:
        response = client.get(url, **WELSH)
        assert response.status_code == 200, url
        assert english_left(response, alice, allowed=own_words) == [], url

    # Forms with errors.
    response = client.post(
        reverse("members:edit_profile", args=[alice.pk]),
        {"display_name": "  ", "name_visibility": "nobody", "language": "xx"},
        **WELSH,
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert english_left(response, alice, allowed=own_words) == []
    response = client.post(reverse("members:account_delete"), {"password": "wrong"}, **WELSH)
    assert "nhsuk-error-summary" in response.content.decode()
    assert english_left(response, alice) == []

    # The messages after each action, on the page they lead to.
    for url in (reverse("members:api_token_reset"), reverse("members:data_export_request")):
        response = client.post(url, follow=True, **WELSH)
        assert "nhsuk-notification-banner" in response.content.decode() or "⟦" in main_of(response)
        assert english_left(response, alice, allowed=own_words) == []

    # A copy of the data that cannot be downloaded, in each state.
    for status in (DataExport.Status.QUEUED, DataExport.Status.FAILED, DataExport.Status.EXPIRED):
        export = DataExport.objects.filter(member=alice, status=status).first()
        response = client.get(reverse("members:data_export", args=[export.token]), **WELSH)
        assert response.status_code == 410
        assert english_left(response, alice) == []


def test_a_member_who_signs_in_through_their_organisation_confirms_deletion_in_welsh(
    client, pseudo_welsh
):
    member = UserFactory(display_name="Siân Single")
    member.set_unusable_password()
    member.save()
    client.force_login(member)

    response = client.post(reverse("members:account_delete"), {"password": "x@y.z"}, **WELSH)

    assert "nhsuk-error-summary" in response.content.decode()
    assert english_left(response, member) == []


def test_a_welsh_reader_sees_their_profile_settings_in_welsh(client_for, alice):
    html = text_of(client_for(alice).get(reverse("members:edit_profile", args=[alice.pk]), **WELSH))

    assert "Cadw'r proffil" in html
    assert "Pwy sy'n gallu gweld eich enw" in html
    assert "Gall pawb weld fy enw" in html
    assert "Save profile" not in html


def test_an_english_reader_still_sees_english(client_for, alice):
    html = client_for(alice).get(reverse("members:edit_profile", args=[alice.pk])).content
    html = html.decode()

    assert "Save profile" in html and "Cadw'r proffil" not in html


def test_a_former_member_is_named_in_the_readers_language(alice, bob):
    from django.utils import translation

    services.account_erase(member=alice)
    alice.refresh_from_db()

    with translation.override("cy"):
        assert alice.name_for(bob) == "Cyn-aelod"
    assert alice.name_for(bob) == "A former member"


def test_the_members_api_answers_its_errors_in_welsh(api_for, alice):
    api = api_for(alice)

    empty = api.patch("/api/me/", {"display_name": "  "}, format="json", **WELSH)
    control = api.patch("/api/me/", {"display_name": "A\tB"}, format="json", **WELSH)
    unknown = api.patch("/api/me/", {"is_staff": True}, format="json", **WELSH)

    assert empty.status_code == 400
    assert empty.json()["display_name"] == ["Rhowch eich enw."]
    assert control.json()["display_name"] == [
        "Ni all eich enw gynnwys toriadau llinell, tabiau na nodau rheoli eraill."
    ]
    assert unknown.json()["is_staff"] == ["Mae'r maes hwn yn anhysbys neu ni ellir ei newid."]


def test_the_members_api_still_answers_in_english_by_default(api_for, alice):
    response = api_for(alice).patch("/api/me/", {"display_name": "  "}, format="json")

    assert response.json()["display_name"] == ["Enter your name."]


def test_a_data_export_refused_for_today_says_why_in_welsh(client_for, alice, settings):
    settings.DATA_EXPORT_DAILY_LIMIT = 1
    DataExport.objects.create(member=alice, status=DataExport.Status.READY)

    response = client_for(alice).post(reverse("members:data_export_request"), follow=True, **WELSH)

    assert "Rydych chi wedi gofyn am eich data 1 waith heddiw." in text_of(response)


@pytest.mark.parametrize(
    ("language", "subject", "readme_title"),
    [
        ("cy", "Mae eich data Radicals yn barod i'w lawrlwytho", "Eich data o Radicals"),
        ("", "Your Radicals data is ready to download", "Your data from Radicals"),
    ],
)
def test_the_data_export_email_and_readme_are_in_the_members_language(
    alice, language, subject, readme_title
):
    alice.language = language
    alice.save(update_fields=["language"])
    export = DataExport.objects.create(member=alice)

    services.data_export_build(export_id=export.pk)

    (message,) = mail.outbox
    assert message.subject == subject
    assert ("Helo Alice" if language else "Hello Alice") in message.body
    export.refresh_from_db()
    content = services.data_export_path(export).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        readme = archive.read("README.txt").decode()
    assert readme.startswith(readme_title)
    if language:
        assert "Addewidion a wnaethoch." in readme
        assert "Pledges you made." not in readme


def test_the_data_export_email_is_welsh_whatever_language_the_sender_was_using(alice):
    """The build runs in a worker with no request: the member's choice decides."""
    from django.utils import translation

    alice.language = "cy"
    alice.save(update_fields=["language"])
    export = DataExport.objects.create(member=alice)

    with translation.override("en-gb"):
        services.data_export_build(export_id=export.pk)

    assert "Mae'r copi o'ch data Radicals" in mail.outbox[0].body


def test_the_sign_up_form_asks_for_a_name_in_welsh(client):
    html = text_of(client.get(reverse("account_signup"), **WELSH))

    assert "Eich enw" in html
    assert "Sut y bydd aelodau eraill yn eich gweld." in html


def test_a_member_logs_in_with_the_bench_password_and_reads_welsh_messages(client, alice):
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": PASSWORD}, follow=True, **WELSH
    )

    assert "Rydych chi wedi mewngofnodi fel Alice Ahmed." in text_of(response)


def test_an_admin_sees_a_members_language_on_their_record(client, admin_user, alice):
    client.force_login(admin_user)
    page = client.get(reverse("admin:members_user_change", args=[alice.pk])).content.decode()
    assert 'name="language"' in page
