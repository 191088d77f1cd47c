"""Hostile and odd input to what members can reach now (sign-up, login, profile page,
/api/me/, member and organisation lists) gets a clear 4xx, never a 500, and changes
nothing it should not. Text in any script is accepted and shown escaped."""

import json

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from members.models import User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

HUGE = 10**30
LONG = "x" * 4000
RTL_AND_EMOJI = "مريم الحسيني 🩺🌍 Ōkafor"
SCRIPT = "<script>alert('pwned')</script>"
ME = "/api/me/"


def profile_form(**overrides) -> dict:
    data = {
        "display_name": "Alice Ahmed",
        "organisation": "",
        "job_role": "Staff nurse",
        "region": "",
        "bio": "",
        "name_visibility": "public",
    }
    data.update(overrides)
    return data


def edit_url(member) -> str:
    return reverse("members:edit_profile", args=[member.pk])


def unchanged(member) -> bool:
    before = {f: getattr(member, f) for f in ("display_name", "bio", "job_role", "organisation_id")}
    member.refresh_from_db()
    return before == {f: getattr(member, f) for f in before}


# --- NUL characters (PostgreSQL refuses them in text) -------------------------


@pytest.mark.parametrize("field", ["display_name", "job_role", "bio"])
def test_the_api_refuses_a_nul_in_a_text_field_with_a_field_error(api_for, alice, field):
    response = api_for(alice).patch(ME, {field: "Ali\x00ce"}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert unchanged(alice)


def test_a_nul_in_a_form_encoded_api_request_is_a_400(api_for, alice):
    # PATCH bodies are parsed by the API's own parsers, whose fields refuse NUL.
    response = api_for(alice).patch(
        ME, "display_name=Ali%00ce", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "display_name" in response.json()
    assert unchanged(alice)


@pytest.mark.parametrize("field", ["display_name", "job_role", "bio"])
def test_the_profile_form_refuses_a_nul_and_keeps_what_was_typed(client_for, alice, field):
    response = client_for(alice).post(edit_url(alice), profile_form(**{field: "Ali\x00ce"}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Null characters are not allowed." in response.content.decode()
    assert unchanged(alice)


def test_a_nul_in_a_form_encoded_post_is_a_400_page(client_for, alice):
    response = client_for(alice).post(
        edit_url(alice),
        "display_name=Ali%00ce&name_visibility=public",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()
    assert unchanged(alice)


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/accounts/login/?next=/%00",
        "/api/organisations/?kind=%00",
        "/api/organisations/?page=%00",
        "/members/1/?x%00=1",
    ],
)
def test_a_nul_in_the_query_string_is_a_400_anywhere(client, url):
    response = client.get(url)

    assert response.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"login": "alice@example.nhs.uk\x00", "password": "whatever-it-is"},
        {"login": "alice@example.nhs.uk", "password": "pass\x00word"},
    ],
)
def test_a_nul_in_the_login_form_is_refused_without_an_error_page(client, alice, data):
    response = client.post(reverse("account_login"), data)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_nul_in_sign_up_is_a_form_error_and_creates_nobody(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Dana\x00",
            "email": "dana@example.nhs.uk",
            "password1": "a-long-and-unusual-passphrase-41",
            "password2": "a-long-and-unusual-passphrase-41",
        },
    )

    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert not User.objects.filter(email="dana@example.nhs.uk").exists()


def test_a_nul_in_the_password_reset_form_is_a_form_error(client):
    response = client.post(reverse("account_reset_password"), {"email": "a\x00@example.nhs.uk"})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_a_tampered_session_cookie_with_a_nul_means_not_logged_in(client, alice):
    client.force_login(alice)
    client.cookies["sessionid"] = client.cookies["sessionid"].value + "\x00"

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert not response.context["request"].user.is_authenticated


def test_a_nul_in_an_api_token_is_a_400(api_client, alice):
    key = Token.objects.create(user=alice).key

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Token {key[:10]}\x00{key[10:]}")

    assert response.status_code == 400


# --- Null, wrong types and the wrong shape ------------------------------------


@pytest.mark.parametrize("field", ["display_name", "job_role", "bio", "name_visibility"])
def test_null_for_a_field_that_cannot_be_empty_is_a_400(api_for, alice, field):
    response = api_for(alice).patch(ME, {field: None}, format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert unchanged(alice)


def test_null_for_an_optional_link_clears_it(api_for, alice):
    alice.organisation = OrganisationFactory()
    alice.save()

    response = api_for(alice).patch(ME, {"organisation": None}, format="json")

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.organisation is None


@pytest.mark.parametrize(
    "body",
    ["[]", '"a string"', "null", "42", "{not json", '{"display_name": "a"', "\ufeff{}"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(api_for, alice, body):
    response = api_for(alice).patch(ME, body, content_type="application/json")

    assert response.status_code == 400
    assert unchanged(alice)


@pytest.mark.parametrize(
    "payload",
    [
        {"display_name": ["Alice"]},
        {"display_name": {"first": "Alice"}},
        {"organisation": "the big one"},
        {"organisation": 1.5},
        {"organisation": [1]},
        {"name_visibility": "everyone"},
        {"name_visibility": True},
    ],
)
def test_a_value_of_the_wrong_type_is_a_400(api_for, alice, payload):
    response = api_for(alice).patch(ME, payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert unchanged(alice)


# --- Huge numbers ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["organisation", "region"])
@pytest.mark.parametrize("value", [HUGE, -HUGE, 2**63, -1, 0, str(HUGE)])
def test_a_huge_or_impossible_id_is_a_400(api_for, alice, field, value):
    response = api_for(alice).patch(ME, {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert unchanged(alice)


@pytest.mark.parametrize("value", [HUGE, 2**63, -1])
def test_a_huge_id_in_the_profile_form_is_a_form_error(client_for, alice, value):
    response = client_for(alice).post(edit_url(alice), profile_form(organisation=str(value)))

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert unchanged(alice)


@pytest.mark.parametrize("path", [f"/api/members/{HUGE}/", f"/api/members/{2**63}/"])
def test_a_huge_id_in_an_api_address_is_a_404_with_a_json_error(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", [f"/members/{HUGE}/", f"/members/{2**63}/edit/", "/members/-1/", "/members/0/"]
)
def test_a_huge_or_impossible_id_in_a_page_address_is_a_404_page(client_for, alice, path):
    response = client_for(alice).get(path)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_huge_id_in_a_list_filter_is_a_400(api_client):
    response = api_client.get("/api/organisations/", {"region": HUGE})

    assert response.status_code == 400
    assert "region" in response.json()


# --- Pagination -------------------------------------------------------------------


@pytest.mark.parametrize("page", ["2", "999", str(HUGE), "0", "-1", "last-but-one", "1.5"])
def test_a_page_past_the_end_or_not_a_page_is_a_404_with_a_json_error(api_client, page):
    OrganisationFactory.create_batch(3)

    response = api_client.get("/api/organisations/", {"page": page})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Invalid page."}


def test_the_last_page_is_named_by_the_word_last(api_client):
    OrganisationFactory.create_batch(3)

    response = api_client.get("/api/organisations/", {"page": "last", "page_size": 2})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    ("page_size", "expected"), [(str(HUGE), 100), ("-5", 20), ("0", 20), ("many", 20)]
)
def test_a_page_size_out_of_range_falls_back_rather_than_failing(api_client, page_size, expected):
    OrganisationFactory.create_batch(105)

    response = api_client.get("/api/organisations/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


# --- Long text ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["display_name", "job_role", "bio"])
def test_4000_characters_is_a_400_in_the_api(api_for, alice, field):
    response = api_for(alice).patch(ME, {field: LONG}, format="json")

    assert response.status_code == 400
    assert "no more than" in response.json()[field][0]
    assert unchanged(alice)


@pytest.mark.parametrize("field", ["display_name", "job_role", "bio"])
def test_4000_characters_is_a_form_error_and_the_text_is_kept(client_for, alice, field):
    response = client_for(alice).post(edit_url(alice), profile_form(**{field: LONG}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert LONG in response.content.decode()
    assert unchanged(alice)


def test_4000_characters_in_sign_up_is_a_form_error(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": LONG,
            "email": LONG + "@example.nhs.uk",
            "password1": LONG,
            "password2": LONG,
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "display_name" in errors
    assert "email" in errors
    assert not User.objects.filter(email__startswith="xxxx").exists()


# --- Any script, shown escaped ----------------------------------------------------


def test_right_to_left_and_emoji_text_is_kept_exactly_through_the_api(api_for, alice):
    response = api_for(alice).patch(
        ME, {"display_name": RTL_AND_EMOJI, "bio": RTL_AND_EMOJI * 10}, format="json"
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.display_name == RTL_AND_EMOJI
    assert api_for(alice).get(ME).json()["display_name"] == RTL_AND_EMOJI


def test_right_to_left_and_emoji_text_is_kept_through_sign_up(client):
    client.post(
        reverse("account_signup"),
        {
            "display_name": RTL_AND_EMOJI,
            "email": "maryam@example.nhs.uk",
            "password1": "a-long-and-unusual-passphrase-41",
            "password2": "a-long-and-unusual-passphrase-41",
        },
    )

    assert User.objects.get(email="maryam@example.nhs.uk").display_name == RTL_AND_EMOJI


def test_markup_in_a_profile_is_shown_as_text_on_every_page(client_for, alice, client):
    alice.display_name = f"{RTL_AND_EMOJI} {SCRIPT}"
    alice.job_role = SCRIPT
    alice.save()

    owner = client_for(alice)
    pages = [
        owner.get(reverse("members:profile", args=[alice.pk])),
        owner.get(edit_url(alice)),
        owner.get(reverse("home")),
    ]

    for page in pages:
        html = page.content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(" in html
        assert RTL_AND_EMOJI in html


def test_markup_in_a_profile_is_returned_as_plain_json_text(api_client, alice):
    alice.display_name = SCRIPT
    alice.save()

    response = api_client.get(f"/api/members/{alice.pk}/")

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"] == SCRIPT
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Other members, and replayed forms -------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [{"id": "BOB"}, {"email": "bob@example.nhs.uk"}, {"is_staff": True}, {"user": "BOB"}],
)
def test_me_cannot_be_pointed_at_another_member(api_for, alice, bob, payload):
    payload = {k: (bob.pk if v == "BOB" else v) for k, v in payload.items()}

    response = api_for(alice).patch(ME, payload, format="json")

    assert response.status_code == 400
    assert unchanged(alice)
    assert unchanged(bob)
    assert not User.objects.get(pk=alice.pk).is_staff


def test_a_public_profile_in_the_api_never_shows_an_email(api_client, alice):
    response = api_client.get(f"/api/members/{alice.pk}/")

    assert "email" not in response.json()
    assert alice.email not in json.dumps(response.json())


def test_a_member_cannot_post_to_another_members_profile_form(client_for, alice, bob):
    response = client_for(alice).post(edit_url(bob), profile_form(display_name="Hacked"))

    assert response.status_code == 403
    assert unchanged(bob)


def test_posting_the_same_profile_form_twice_is_harmless(client_for, alice):
    client = client_for(alice)
    form = profile_form(display_name="Alice A.", bio=RTL_AND_EMOJI)

    first = client.post(edit_url(alice), form)
    second = client.post(edit_url(alice), form)

    assert first.status_code == second.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Alice A."
    assert alice.bio == RTL_AND_EMOJI
    assert User.objects.count() == 1


def test_a_stale_form_posted_again_later_sets_what_it_says_and_nothing_else(client_for, alice):
    client = client_for(alice)
    old_form = profile_form(display_name="Old name")
    client.post(edit_url(alice), old_form)
    client.post(edit_url(alice), profile_form(display_name="New name"))

    replay = client.post(edit_url(alice), old_form)

    assert replay.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Old name"
    assert not alice.is_staff


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/invitations/%00/accept/"),
        ("get", "/communities/%00/"),
        ("get", "/api/communities/a%00b/"),
    ],
)
def test_a_nul_in_the_path_is_a_400_with_a_clear_message(client_for, alice, method, url):
    response = getattr(client_for(alice), method)(url)

    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "NUL" in response.json()["detail"]
