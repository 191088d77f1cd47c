"""Rate limits (kernel.ratelimit): flags, comments, co-author invitations, invitations to
colleagues, certificate look-ups and every API write are limited per member and per
address; over the limit the web answers a 429 page and the API a 429 with a JSON
detail, both with Retry-After; nothing is written; with the cache down nothing is
limited and nothing fails."""

import socket
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from communities.models import Flag
from kernel import ratelimit
from radicals import cache as radicals_cache
from reports.models import InviteEmail
from stories.models import CoAuthor, Comment

pytestmark = pytest.mark.django_db

PLENTY = "100000/m/member,100000/m/ip"


@pytest.fixture(autouse=True)
def _still_clock():
    """The limits count in fixed windows (a minute, an hour): the clock they read stands
    still, half a minute into an hour, so a test's requests never straddle two."""
    now = (int(time.time()) // 3600) * 3600 + 30
    with mock.patch.object(ratelimit, "time", SimpleNamespace(time=lambda: now)):
        yield


def limit(settings, scope: str, rule: str) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: rule}


def assert_web_429(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "You have done that too many times" in response.content.decode()


def assert_api_429(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("You have done this too many times. Try again in")


@pytest.fixture
def cache_down(settings):
    """The cache points at a closed port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    radicals_cache.reset_breakers()
    caches = {name: dict(options) for name, options in settings.CACHES.items()}
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/1"
    settings.CACHES = caches
    yield
    radicals_cache.reset_breakers()


# --- The rules ----------------------------------------------------------------------------------


def test_a_rule_reads_as_amounts_per_period_per_member_or_address():
    assert ratelimit.parse("20/h/member, 60/5m/ip") == (
        ratelimit.Limit(amount=20, seconds=3600, per="member"),
        ratelimit.Limit(amount=60, seconds=300, per="ip"),
    )
    assert ratelimit.parse("") == ()


@pytest.mark.parametrize("rule", ["20/hour/member", "20/h", "x/h/ip", "20/h/person"])
def test_a_rule_it_cannot_read_is_a_configuration_error(rule):
    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse(rule)


def test_a_scope_without_a_rule_is_a_configuration_error(rf):
    with pytest.raises(ImproperlyConfigured):
        ratelimit.hit(request=rf.post("/"), scope="no-such-scope")


def test_the_test_settings_keep_every_limit_far_above_the_suite(settings):
    assert set(settings.RATE_LIMITS.values()) == {PLENTY}


# --- Flags --------------------------------------------------------------------------------------


def test_a_member_flagging_too_often_gets_a_429_page_and_no_flag(client_for, bob, story, settings):
    limit(settings, "flag", "1/h/member")
    bobs = client_for(bob)
    comment = Comment.objects.create(story=story, author=story.author, body="Hello")
    bobs.post(reverse("stories:flag", args=["story", story.pk]), {"reason": "It is unkind."})

    response = bobs.post(
        reverse("stories:flag", args=["comment", comment.pk]), {"reason": "So is this."}
    )

    assert_web_429(response)
    assert Flag.objects.filter(reporter=bob).count() == 1


def test_one_member_over_the_flag_limit_does_not_stop_another(
    client_for, bob, charlie, story, settings
):
    limit(settings, "flag", "1/h/member")
    client_for(bob).post(reverse("stories:flag", args=["story", story.pk]), {"reason": "Unkind"})

    other = Client()
    other.force_login(charlie)
    response = other.post(reverse("stories:flag", args=["story", story.pk]), {"reason": "Unkind"})

    assert response.status_code == 302
    assert Flag.objects.filter(reporter=charlie).count() == 1


def test_flagging_through_the_api_too_often_is_a_429_with_a_json_detail(
    api_for, bob, story, settings
):
    limit(settings, "flag", "1/h/member")
    api = api_for(bob)
    api.post(f"/api/stories/{story.pk}/flag/", {"reason": "Identifies a patient"}, format="json")
    comment = Comment.objects.create(story=story, author=story.author, body="Hello")

    response = api.post(
        f"/api/stories/comments/{comment.pk}/flag/", {"reason": "Also"}, format="json"
    )

    assert_api_429(response)
    assert Flag.objects.filter(reporter=bob).count() == 1


def test_flags_raised_through_the_flag_list_are_limited_too(api_for, bob, story, settings):
    limit(settings, "flag", "0/h/member")

    response = api_for(bob).post(
        "/api/flags/",
        {"target_type": "stories.story", "target_id": story.pk, "reason": "Unkind"},
        format="json",
    )

    assert_api_429(response)
    assert not Flag.objects.exists()


# --- Comments -----------------------------------------------------------------------------------


def test_commenting_too_often_gets_a_429_page_and_no_comment(client_for, bob, story, settings):
    limit(settings, "comment", "2/m/member")
    bobs = client_for(bob)
    url = reverse("stories:comment_create", args=[story.slug])
    for body in ["One", "Two"]:
        bobs.post(url, {"body": body})

    assert_web_429(bobs.post(url, {"body": "Three"}))
    assert list(Comment.objects.values_list("body", flat=True).order_by("pk")) == ["One", "Two"]


def test_commenting_through_the_api_too_often_is_a_429(api_for, bob, story, settings):
    limit(settings, "comment", "1/m/member")
    api = api_for(bob)
    url = f"/api/stories/{story.pk}/comments/"
    assert api.post(url, {"body": "One"}, format="json").status_code == 201

    assert_api_429(api.post(url, {"body": "Two"}, format="json"))
    # Reading the comments is not a comment.
    assert api.get(url).status_code == 200
    assert Comment.objects.count() == 1


# --- Co-author invitations -------------------------------------------------------------------


def test_inviting_co_authors_too_often_is_refused_on_the_web_and_the_api(
    client_for, api_for, alice, bob, charlie, story, settings
):
    limit(settings, "coauthor_invite", "1/h/member")
    client_for(alice).post(reverse("stories:co_authors", args=[story.slug]), {"email": bob.email})

    web = client_for(alice).post(
        reverse("stories:co_authors", args=[story.slug]), {"email": charlie.email}
    )
    api = api_for(alice).post(
        f"/api/stories/{story.pk}/co-authors/", {"member": charlie.pk}, format="json"
    )

    assert_web_429(web)
    assert_api_429(api)
    assert list(CoAuthor.objects.filter(story=story).values_list("member", flat=True)) == [bob.pk]


# --- Invitations to colleagues --------------------------------------------------------------


def test_inviting_colleagues_too_often_is_refused_on_the_web_and_the_api(
    client_for, api_for, alice, settings
):
    limit(settings, "invite", "1/h/member")
    client_for(alice).post(reverse("reports:invite"), {"email": "dana@example.nhs.uk"})
    sent = InviteEmail.objects.count()

    web = client_for(alice).post(reverse("reports:invite"), {"email": "eve@example.nhs.uk"})
    api = api_for(alice).post(
        "/api/reports/me/invite/emails/", {"email": "eve@example.nhs.uk"}, format="json"
    )

    assert_web_429(web)
    assert_api_429(api)
    assert InviteEmail.objects.count() == sent


# --- Certificate look-ups -------------------------------------------------------------------


def test_looking_up_certificate_codes_too_often_from_one_address_is_refused(client, settings):
    limit(settings, "certificate_lookup", "2/m/ip")
    for code in ["AAAA-BBBB", "AAAA-BBBC"]:
        assert client.get(reverse("learning:verify_code", args=[code])).status_code == 404

    assert_web_429(client.get(reverse("learning:verify_code", args=["AAAA-BBBD"])))
    assert_api_429(APIClient().get("/api/learning/certificates/verify/AAAA-BBBD/"))


def test_another_address_may_still_look_up_certificates(client, settings):
    limit(settings, "certificate_lookup", "1/m/ip")
    client.get(reverse("learning:verify_code", args=["AAAA-BBBB"]))

    elsewhere = Client(REMOTE_ADDR="192.0.2.9")

    assert elsewhere.get(reverse("learning:verify_code", args=["AAAA-BBBB"])).status_code == 404


# --- Every other API write ---------------------------------------------------------------------


def test_every_api_write_counts_against_the_write_limit(api_for, alice, settings):
    limit(settings, "write", "2/m/member")
    api = api_for(alice)
    for role in ["Nurse", "Charge nurse"]:
        assert api.patch(reverse("api:me"), {"job_role": role}, format="json").status_code == 200

    response = api.patch(reverse("api:me"), {"job_role": "Matron"}, format="json")

    assert_api_429(response)
    alice.refresh_from_db()
    assert alice.job_role == "Charge nurse"
    # Reads are not writes.
    assert api.get(reverse("api:me")).status_code == 200


def test_the_write_limit_per_address_covers_every_member_behind_it(api_for, alice, bob, settings):
    limit(settings, "write", "100/m/member,1/m/ip")
    api_for(alice).patch(reverse("api:me"), {"job_role": "Nurse"}, format="json")

    response = api_for(bob).patch(reverse("api:me"), {"job_role": "Porter"}, format="json")

    assert_api_429(response)


# --- The cache is down -------------------------------------------------------------------------


def test_with_the_cache_down_limits_fail_open_and_nothing_fails(
    cache_down, client_for, api_for, bob, story, settings
):
    limit(settings, "flag", "0/h/member,0/h/ip")
    limit(settings, "write", "0/m/member,0/m/ip")

    web = client_for(bob).post(
        reverse("stories:flag", args=["story", story.pk]), {"reason": "Unkind"}
    )
    api = api_for(bob).patch(reverse("api:me"), {"job_role": "Porter"}, format="json")

    assert web.status_code == 302
    assert api.status_code == 200
    assert Flag.objects.filter(reporter=bob).count() == 1
