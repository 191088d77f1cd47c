"""One-tap check-in links in the "how is your pledge going?" email: they open a short
form for that pledge, work once without signing in, and stop working when they expire
or the member's password changes. A reused or forged link gets a clear page and
changes nothing."""

import time

import pytest
from django.core import mail, signing
from django.urls import reverse

from notifications.models import Delivery, Kind, Notification, NotificationPreference
from notifications.services import deliver_notification
from pledges import check_in_links, nudges, services
from pledges.models import CheckIn, CheckInLinkUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_signature(active_pledge, bob):
    return services.pledge_sign(pledge=active_pledge, member=bob)


def link_for(member, pledge) -> str:
    token = check_in_links.make_token(member=member, pledge=pledge)
    return reverse("pledges:check_in_link", args=[token])


def test_the_nudge_email_carries_a_one_tap_link(bob, bobs_signature, active_pledge):
    NotificationPreference.objects.create(
        user=bob, kind=Kind.NO_CHECK_IN, delivery=Delivery.IMMEDIATE
    )
    from django.utils import timezone

    nudges.nudge_no_check_in(signature=bobs_signature, today=timezone.localdate())
    notice = Notification.objects.get(recipient=bob, kind=Kind.NO_CHECK_IN)
    assert notice.url == active_pledge.get_absolute_url()  # the app links to the pledge
    deliver_notification(notification_id=notice.pk)
    body = mail.outbox[0].body
    url = next(word for word in body.split() if "/pledges/check-in-link/" in word)
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert check_in_links.read(path.split("/")[-2]).member == bob


def test_bob_checks_in_from_the_link_without_signing_in(client, bob, bobs_signature, active_pledge):
    url = link_for(bob, active_pledge)
    form = client.get(url)
    assert form.status_code == 200
    assert "You are checking in as Bob Brown" in form.content.decode()
    response = client.post(url, {"note": "Stairs all week."})
    assert response.status_code == 200
    assert "Thank you for checking in" in response.content.decode()
    check_in = CheckIn.objects.get()
    assert (check_in.author, check_in.pledge, check_in.note) == (
        bob,
        active_pledge,
        "Stairs all week.",
    )
    assert CheckInLinkUse.objects.get().check_in == check_in
    assert "_auth_user_id" not in client.session  # the link signs no one in


def test_the_link_works_once(client, bob, bobs_signature, active_pledge):
    url = link_for(bob, active_pledge)
    client.post(url, {"note": "Once."})
    again = client.post(url, {"note": "Twice."})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert reverse("account_login") in again.content.decode()
    assert client.get(url).status_code == 410
    assert list(CheckIn.objects.values_list("note", flat=True)) == ["Once."]


def test_an_empty_note_keeps_the_link_usable(client, bob, bobs_signature, active_pledge):
    url = link_for(bob, active_pledge)
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 400
    assert "Write a few words about your progress." in refused.content.decode()
    assert not CheckIn.objects.exists()
    assert client.post(url, {"note": "Now with words."}).status_code == 200


def test_an_expired_link_is_refused(
    client, monkeypatch, settings, bob, bobs_signature, active_pledge
):
    settings.CHECK_IN_LINK_MAX_AGE_DAYS = 7
    eight_days_ago = time.time() - 8 * 24 * 60 * 60
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    url = link_for(bob, active_pledge)
    monkeypatch.undo()
    response = client.post(url, {"note": "Late."})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_password_change_kills_links_already_sent(client, bob, bobs_signature, active_pledge):
    url = link_for(bob, active_pledge)
    bob.set_password("a brand new passphrase")
    bob.save()
    response = client.post(url, {"note": "After the change."})
    assert response.status_code == 403
    assert "password" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_forged_link_changes_nothing(client, alice, bob, bobs_signature, active_pledge):
    token = check_in_links.make_token(member=bob, pledge=active_pledge)
    forged = reverse("pledges:check_in_link", args=[token[:-3] + "abc"])
    response = client.post(forged, {"note": "Forged."})
    assert response.status_code == 400
    assert "not right" in response.content.decode()
    made_up = signing.dumps({"m": bob.pk, "p": active_pledge.pk, "f": "x"}, salt="other")
    assert (
        client.post(reverse("pledges:check_in_link", args=[made_up]), {"note": "x"}).status_code
        == 400
    )
    assert not CheckIn.objects.exists()


def test_the_link_is_for_its_member_and_pledge_only(
    client, alice, bob, theme, bobs_signature, active_pledge
):
    """Charlie, signed in, uses Bob's link: the check-in is Bob's, on that pledge."""
    from django.utils import timezone

    other = services.pledge_create(
        author=alice,
        title="bring fruit for the night shift",
        theme=theme,
        due_date=timezone.localdate() + timezone.timedelta(days=5),
    )
    url = link_for(bob, active_pledge)
    client.post(url, {"note": "Mine."})
    assert CheckIn.objects.get().pledge == active_pledge
    assert not CheckIn.objects.filter(pledge=other).exists()
    # A link for a pledge Bob did not sign makes nothing: the check-in rules apply.
    response = client.post(link_for(bob, other), {"note": "Not mine."})
    assert response.status_code == 400
    assert "Only people who signed this pledge can check in" in response.content.decode()
    assert CheckIn.objects.count() == 1


def test_too_many_tries_from_one_address_are_refused(
    client, settings, bob, bobs_signature, active_pledge
):
    settings.CHECK_IN_LINK_RATE = "2/m/ip"
    url = link_for(bob, active_pledge)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    refused = client.post(url, {"note": "Third time."})
    assert refused.status_code == 429
    assert not CheckIn.objects.exists()
