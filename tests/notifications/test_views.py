"""The notifications pages, the header count, preferences and one-click unsubscribe."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import emails, kinds, selectors, services, tokens
from notifications.models import DEFAULT_DELIVERY, Delivery, Kind, Notification

pytestmark = pytest.mark.django_db
LIST = reverse("notifications:list")
PREFERENCES = reverse("notifications:preferences")


def nudge(recipient, n=0, kind=Kind.PLEDGE_DUE_SOON, **kwargs):
    kwargs.setdefault("title", f"Your pledge is due soon ({n})")
    kwargs.setdefault("url", "/pledges/7/")
    return services.notify(kind=kind, recipient=recipient, period=str(n), **kwargs)[0]


def unsubscribe_url(user, scope=Kind.PLEDGE_DUE_SOON):
    return reverse(
        "notifications:unsubscribe", args=[tokens.make_token(user_id=user.pk, scope=scope)]
    )


# --- The list ------------------------------------------------------------------------


def test_the_list_asks_you_to_log_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_list_shows_only_your_own_notifications(client_for, alice, bob):
    nudge(alice, title="Alice’s pledge is due")
    nudge(bob, title="Bob’s pledge is due")

    response = client_for(alice).get(LIST)

    assert response.status_code == 200
    assert "Alice’s pledge is due" in response.content.decode()
    assert "Bob’s pledge is due" not in response.content.decode()
    assert "You have 1 unread notification." in response.content.decode()


def test_the_list_is_paginated_newest_first(client_for, alice):
    for n in range(25):
        nudge(alice, n)
    Notification.objects.filter(title__endswith="(24)").update(
        created_at=timezone.now() + timedelta(minutes=1)
    )

    first = client_for(alice).get(LIST)
    second = client_for(alice).get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].object_list[0].title.endswith("(24)")
    assert len(second.context["page"].object_list) == 5
    assert 'rel="next"' in first.content.decode()


def test_the_unread_filter_hides_what_you_have_read(client_for, alice):
    read = nudge(alice, 1, title="Already read")
    nudge(alice, 2, title="Still new")
    services.notification_mark_read(member=alice, notification_id=read.pk)

    response = client_for(alice).get(LIST, {"filter": "unread"})

    body = response.content.decode()
    assert "Still new" in body and "Already read" not in body


def test_the_list_page_costs_the_same_queries_for_many_notifications(
    client_for, alice, django_assert_max_num_queries
):
    client = client_for(alice)
    for n in range(3):
        nudge(alice, n)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for n in range(3, 30):
        nudge(alice, n)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_an_empty_list_says_what_will_appear(client_for, alice):
    body = client_for(alice).get(LIST).content.decode()

    assert "Nothing yet" in body
    assert "You have no unread notifications." in body


# --- The header ----------------------------------------------------------------------


def test_the_header_shows_how_many_are_unread(client_for, alice):
    nudge(alice, 1)
    nudge(alice, 2)

    body = client_for(alice).get(reverse("home")).content.decode()

    assert f'href="{LIST}"' in body
    assert '(2<span class="nhsuk-u-visually-hidden"> unread</span>)' in body


def test_the_header_shows_no_count_when_all_are_read(client_for, alice):
    nudge(alice)
    services.notifications_mark_all_read(member=alice)

    body = client_for(alice).get(reverse("home")).content.decode()

    assert 'Notifications<span id="notifications-unread-count" class="radicals-count"></span>' in (
        body
    )


def test_visitors_do_not_pay_for_the_count(client):
    with mock.patch("radicals.context_processors.unread_count") as count:
        body = client.get(reverse("home")).content.decode()

    count.assert_not_called()
    assert f'href="{LIST}"' not in body


# --- Reading -------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client_for, alice):
    notification = nudge(alice)

    response = client_for(alice).get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/pledges/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_pointing_elsewhere_opens_the_list_instead(client_for, alice):
    notification = nudge(alice, url="https://evil.example/")

    response = client_for(alice).get(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == LIST


def test_you_cannot_open_or_read_someone_elses_notification(client_for, alice, bob):
    notification = nudge(bob)
    client = client_for(alice)

    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_one_read_returns_to_the_page_you_were_on(client_for, alice):
    notification = nudge(alice)

    response = client_for(alice).post(
        reverse("notifications:mark_read", args=[notification.pk]),
        {"next": f"{LIST}?page=1"},
    )

    assert response["Location"] == f"{LIST}?page=1"
    assert selectors.unread_count(user=alice) == 0


def test_marking_read_never_redirects_off_site(client_for, alice):
    notification = nudge(alice)

    response = client_for(alice).post(
        reverse("notifications:mark_read", args=[notification.pk]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == LIST


def test_marking_read_with_htmx_swaps_the_item_and_updates_the_counts(client_for, alice):
    notification = nudge(alice, 1)
    nudge(alice, 2)

    response = client_for(alice).post(
        reverse("notifications:mark_read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in body
    assert "Mark as read" not in body
    assert 'id="notifications-unread-count" class="radicals-count" hx-swap-oob="true"' in body
    assert "You have 1 unread notification." in body


def test_marking_read_needs_a_post(client_for, alice):
    notification = nudge(alice)

    response = client_for(alice).get(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 405


def test_mark_all_read(client_for, alice, bob):
    for n in range(3):
        nudge(alice, n)
    nudge(bob)

    response = client_for(alice).post(reverse("notifications:mark_all_read"), follow=True)

    assert "Marked 3 notifications read." in response.content.decode()
    assert selectors.unread_count(user=alice) == 0
    assert selectors.unread_count(user=bob) == 1


# --- Preferences ------------------------------------------------------------------------


def test_the_preferences_page_has_one_radio_group_per_kind(client_for, alice):
    response = client_for(alice).get(PREFERENCES)

    body = response.content.decode()
    assert response.status_code == 200
    for kind in Kind.values:
        assert f'name="{kind}"' in body
        assert kinds.label_for(kind) in body
    assert body.count("<legend") == len(Kind.values)
    assert body.count("<h1") == 1
    assert 'value="digest" checked' in body


def test_saving_preferences(client_for, alice):
    data = {**DEFAULT_DELIVERY, Kind.STORY_COMMENT: "immediate", Kind.PLEDGE_DUE_SOON: "off"}

    response = client_for(alice).post(PREFERENCES, data, follow=True)

    assert "Your email choices have been saved." in response.content.decode()
    prefs = selectors.preferences_for(user=alice)
    assert prefs[Kind.STORY_COMMENT] == Delivery.IMMEDIATE
    assert prefs[Kind.PLEDGE_DUE_SOON] == Delivery.OFF
    assert alice.notification_preferences.count() == 2


def test_a_bad_preference_shows_an_error_and_keeps_what_was_chosen(client_for, alice):
    data = {**DEFAULT_DELIVERY, Kind.STORY_COMMENT: "hourly", Kind.PLEDGE_DUE_SOON: "off"}

    response = client_for(alice).post(PREFERENCES, data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert f'href="#{Kind.STORY_COMMENT}"' in body
    assert f'id="{Kind.STORY_COMMENT}"' in body
    assert response.context["form"][Kind.PLEDGE_DUE_SOON].value() == "off"
    assert not alice.notification_preferences.exists()


def test_preferences_need_you_to_log_in(client):
    assert client.get(PREFERENCES).status_code == 302


# --- Unsubscribe --------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_without_logging_in(client, alice):
    response = client.get(unsubscribe_url(alice))

    body = response.content.decode()
    assert response.status_code == 200
    assert "This link stops emails about: your pledge is nearly due" in body
    assert "a••••@example.nhs.uk" in body
    assert selectors.delivery_for(user=alice, kind=Kind.PLEDGE_DUE_SOON) == Delivery.IMMEDIATE


def test_confirming_turns_that_kind_off(client, alice):
    response = client.post(unsubscribe_url(alice), {"scope": "token"})

    assert response.status_code == 200
    assert "You have unsubscribed" in response.content.decode()
    prefs = selectors.preferences_for(user=alice)
    assert prefs[Kind.PLEDGE_DUE_SOON] == Delivery.OFF
    assert prefs[Kind.THRESHOLD_REACHED] == Delivery.IMMEDIATE


def test_you_can_choose_to_stop_every_email(client, alice):
    client.post(unsubscribe_url(alice), {"scope": "all"})

    assert set(selectors.preferences_for(user=alice).values()) == {Delivery.OFF}


def test_one_click_unsubscribe_works_without_a_csrf_token_or_a_login(alice):
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(
        unsubscribe_url(alice, scope=Kind.STORY_COMMENT),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert selectors.delivery_for(user=alice, kind=Kind.STORY_COMMENT) == Delivery.OFF
    assert selectors.delivery_for(user=alice, kind=Kind.PLEDGE_DUE_SOON) == Delivery.IMMEDIATE


def test_one_click_on_a_digest_email_stops_the_digest(alice):
    Client().post(
        unsubscribe_url(alice, scope=tokens.DIGEST_SCOPE),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    prefs = selectors.preferences_for(user=alice)
    assert prefs[Kind.STORY_COMMENT] == Delivery.OFF
    assert prefs[Kind.PLEDGE_DUE_SOON] == Delivery.IMMEDIATE


def test_the_link_in_a_real_email_unsubscribes(client, alice):
    notification = nudge(alice)
    link = emails.notification_message(notification).extra_headers["List-Unsubscribe"]
    path = link.strip("<>").split("127.0.0.1:8000", 1)[1]

    client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert selectors.delivery_for(user=alice, kind=Kind.PLEDGE_DUE_SOON) == Delivery.OFF
    assert services.deliver_notification(notification_id=notification.pk).status == "skipped"
    assert mail.outbox == []


def test_a_forged_unsubscribe_link_changes_nothing(client, alice, bob):
    token = tokens.make_token(user_id=alice.pk, scope=tokens.ALL_SCOPE)
    payload, stamp, signature = token.split(":")
    bobs_payload = tokens.make_token(user_id=bob.pk, scope=tokens.ALL_SCOPE).split(":")[0]
    forged = reverse("notifications:unsubscribe", args=[f"{bobs_payload}:{stamp}:{signature}"])

    for method in (client.get, client.post):
        response = method(forged)
        assert response.status_code == 400
        assert "This unsubscribe link does not work" in response.content.decode()
    assert not bob.notification_preferences.exists()


def test_an_expired_unsubscribe_link_says_so(client, alice):
    url = unsubscribe_url(alice)
    later = timezone.now().timestamp() + 60 * 60 * 24 * 61

    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(url, {"scope": "all"})

    assert response.status_code == 400
    assert "This unsubscribe link has expired" in response.content.decode()
    assert not alice.notification_preferences.exists()


def test_an_unsubscribe_link_for_a_deleted_member_does_not_work(client, alice):
    url = unsubscribe_url(alice)
    alice.delete()

    assert client.get(url).status_code == 400


# --- Admin ------------------------------------------------------------------------------


def test_admins_can_find_notifications_by_recipient_email(client_for, admin_user, alice, bob):
    nudge(alice, title="For Alice")
    nudge(bob, title="For Bob")
    client = client_for(admin_user)

    response = client.get(
        reverse("admin:notifications_notification_changelist"),
        {"q": "alice@", "email_status__exact": "pending"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "For Alice" in body and "For Bob" not in body
    for name in ("notificationpreference", "digest"):
        assert client.get(reverse(f"admin:notifications_{name}_changelist")).status_code == 200
