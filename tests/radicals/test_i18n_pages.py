"""The project's own pages in Welsh: home, accessibility, the error pages, the account
pages (allauth's) and the admin's login page."""

import re
from html import unescape

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}


def main_of(response) -> str:
    html = response.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    # What other apps add to the home page is covered by their own tests.
    main = main.split('<section aria-labelledby="home-section-', 1)[0]
    # A checkbox's or radio button's value is sent, never shown.
    return re.sub(r'(<input [^>]*type="(?:radio|checkbox)"[^>]*?) value="[^"]*"', r"\1", main)


def english_left(response, allowed=()) -> list[str]:
    return unmarked_english(main_of(response), allowed=allowed)


def text_of(response) -> str:
    return unescape(response.content.decode())


def other_apps_totals(rf) -> tuple[str, ...]:
    """The labels other apps give their live totals on the home page: theirs to mark."""
    from django.contrib.auth.models import AnonymousUser

    from kernel import sections

    request = rf.get("/")
    request.user = AnonymousUser()
    return tuple(figure.label for figure in sections.home_figures.collect(request=request)[1:])


def test_the_home_and_accessibility_pages_are_marked_for_translation(
    client, rf, alice, pseudo_welsh
):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(alice)
        for url in (reverse("home"), reverse("accessibility")):
            response = client.get(url, **WELSH)
            assert response.status_code == 200
            assert english_left(response, allowed=other_apps_totals(rf)) == [], (url, signed_in)


def test_the_home_page_is_in_welsh(client):
    html = text_of(client.get(reverse("home"), **WELSH))

    assert "Newid sy'n lledaenu" in html
    assert "Creu cyfrif i wneud eich addewid cyntaf" in html
    assert "Beth rydym wedi'i wneud gyda'n gilydd" in html


def test_the_error_pages_are_marked_for_translation(client, pseudo_welsh):
    not_found = client.get("/no-such-page/", **WELSH)
    bad = client.get("/", {"q": "a\x00b"}, **WELSH)

    assert not_found.status_code == 404 and bad.status_code == 400
    assert english_left(not_found) == []
    assert english_left(bad) == []


def test_the_forbidden_page_is_marked_for_translation(client, alice, bob, pseudo_welsh):
    client.force_login(bob)
    response = client.get(reverse("members:edit_profile", args=[alice.pk]), **WELSH)

    assert response.status_code == 403
    assert english_left(response) == []


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_the_500_page_is_in_welsh(rf):
    from django.utils import translation

    from radicals.views import error_500

    with translation.override("cy"):
        html = unescape(error_500(rf.get("/")).content.decode())

    assert '<html lang="cy">' in html
    assert "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth" in html


def test_the_404_page_is_in_welsh(client):
    html = text_of(client.get("/no-such-page/", **WELSH))

    assert "Heb ddod o hyd i'r dudalen" in html


ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_each_account_page_is_marked_for_translation(client, pseudo_welsh, name):
    response = client.get(reverse(name), **WELSH)

    assert response.status_code == 200
    assert english_left(response) == []


def test_the_account_pages_with_errors_are_marked_for_translation(client, alice, pseudo_welsh):
    login = client.post(
        reverse("account_login"), {"login": alice.email, "password": "wrong"}, **WELSH
    )
    signup = client.post(
        reverse("account_signup"),
        {"display_name": "", "email": "not-an-email", "password1": "a", "password2": "b"},
        **WELSH,
    )
    reset = client.post(reverse("account_reset_password"), {"email": ""}, **WELSH)

    for response in (login, signup, reset):
        assert response.status_code == 200
        assert "nhsuk-error-summary" in response.content.decode()
        assert english_left(response, allowed=("not-an-email",)) == []


def test_the_pages_of_a_signed_in_member_are_marked_for_translation(client, alice, pseudo_welsh):
    client.force_login(alice)
    for name in ("account_logout", "usersessions_list", "account_reset_password"):
        response = client.get(reverse(name), **WELSH)
        assert response.status_code == 200, name
        assert english_left(response, allowed=(alice.display_name, alice.email)) == [], name


def test_the_account_pages_say_log_in_and_create_an_account_like_the_header(client):
    login = text_of(client.get(reverse("account_login")))
    signup = text_of(client.get(reverse("account_signup")))
    logout_english = ("Sign In", "Sign Up", "Sign Out", "sign up", "sign in")

    assert "<h1" in login and ">Log in</h1>" in login
    assert ">Create an account</h1>" in signup
    for page in (login, signup):
        assert not any(words in page for words in logout_english)


def test_the_account_pages_are_in_welsh(client, alice):
    login = text_of(client.get(reverse("account_login"), **WELSH))
    signup = text_of(client.get(reverse("account_signup"), **WELSH))
    client.force_login(alice)
    logout = text_of(client.get(reverse("account_logout"), **WELSH))

    assert ">Mewngofnodi</h1>" in login
    assert "Cyfrinair" in login and "Wedi anghofio eich cyfrinair?" in login
    assert ">Creu cyfrif</h1>" in signup
    assert "Cyfrinair (eto)" in signup
    assert "Ydych chi'n siŵr eich bod am allgofnodi?" in logout


def test_allauths_own_errors_come_out_in_welsh(client, alice):
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": "wrong"}, **WELSH
    )

    assert "Nid yw'r cyfeiriad e-bost a/neu'r cyfrinair a roesoch yn gywir." in text_of(response)


def test_the_password_reset_email_goes_out_in_the_language_it_was_asked_in(client, alice):
    client.post(reverse("account_reset_password"), {"email": alice.email}, **WELSH)

    (message,) = mail.outbox
    assert "Rydych chi'n cael yr e-bost hwn" in message.body


def test_a_member_who_logs_out_is_told_so_in_welsh(client, alice):
    client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    response = client.post(reverse("account_logout"), follow=True, **WELSH)

    assert "Rydych chi wedi allgofnodi." in text_of(response)


def test_the_admin_login_is_the_welsh_log_in_page(client):
    response = client.get(reverse("admin:login"), **WELSH)
    login = client.get(response["Location"], **WELSH)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert ">Mewngofnodi</h1>" in text_of(login)


def test_the_admin_is_in_welsh(client, admin_user):
    client.force_login(admin_user)
    html = text_of(client.get(reverse("admin:index"), **WELSH))
    members = text_of(client.get(reverse("admin:members_user_changelist"), **WELSH))

    assert '<html lang="cy"' in html
    assert "Gweinyddu Radicals" in html and "Rhedeg y platfform" in html
    assert "Radicals administration" not in html
    assert "Aelodau" in html and "Sefydliadau" in html
    assert "Dileu'r cyfrifon a ddewiswyd" in members


def test_the_api_answers_the_projects_own_errors_in_welsh(api_for, alice):
    from rest_framework.test import APIClient

    nul = APIClient().get("/api/pledges/", {"q": "a\x00b"}, **WELSH)
    unknown = api_for(alice).patch("/api/me/", {"nickname": "Al"}, format="json", **WELSH)

    assert nul.status_code == 400
    assert nul.json()["detail"] == "Mae'r cais yn cynnwys nod nad yw'n cael ei ganiatáu (NUL)."
    assert unknown.json()["nickname"] == ["Mae'r maes hwn yn anhysbys neu ni ellir ei newid."]


def test_the_account_settings_pages_are_marked_for_translation(client, alice, pseudo_welsh):
    client.force_login(alice)
    pages = {
        "account_change_password": reverse("account_change_password"),
        "account_email": reverse("account_email"),
        "a reset link that no longer works": reverse(
            "account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}
        ),
        "an email confirmation link that no longer works": reverse(
            "account_confirm_email", args=["bad-key"]
        ),
    }
    for name, url in pages.items():
        response = client.get(url, follow=True, **WELSH)
        assert response.status_code == 200, name
        assert english_left(response, allowed=(alice.display_name, alice.email)) == [], name

    wrong = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "short", "password2": "other"},
        **WELSH,
    )
    assert "nhsuk-error-summary" in wrong.content.decode()
    assert english_left(wrong) == []


def test_the_api_answers_drfs_common_errors_in_welsh(api_client, api_for, alice):
    anonymous = api_client.get("/api/me/", **WELSH)
    bad_choice = api_for(alice).patch(
        "/api/me/", {"name_visibility": "nobody"}, format="json", **WELSH
    )

    assert anonymous.status_code in (401, 403)
    assert anonymous.json()["detail"] == "Ni roddwyd manylion dilysu."
    assert bad_choice.json()["name_visibility"] == ['Nid yw "nobody" yn ddewis dilys.']
