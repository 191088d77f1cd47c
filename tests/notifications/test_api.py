"""The notifications API: your own list, read state and email choices."""

import pytest
from django.urls import reverse

from notifications import selectors, services
from notifications.models import DEFAULT_DELIVERY, Delivery, Kind

pytestmark = pytest.mark.django_db
LIST = reverse("api:notification-list")
READ_ALL = reverse("api:notifications-read-all")
UNREAD = reverse("api:notifications-unread-count")
PREFERENCES = reverse("api:notification-preferences")


def nudge(recipient, n=0, **kwargs):
    kwargs.setdefault("title", f"Due soon ({n})")
    return services.notify(
        kind=Kind.PLEDGE_DUE_SOON, recipient=recipient, period=str(n), url="/pledges/1/", **kwargs
    )[0]


def read_url(notification):
    return reverse("api:notification-read", args=[notification.pk])


@pytest.mark.parametrize(
    "method,url", [("get", LIST), ("post", READ_ALL), ("get", UNREAD), ("get", PREFERENCES)]
)
def test_everything_needs_you_to_sign_in(api_client, method, url):
    assert getattr(api_client, method)(url).status_code in (401, 403)


def test_the_list_has_only_your_notifications(api_for, alice, bob):
    mine = nudge(alice)
    nudge(bob)

    response = api_for(alice).get(LIST)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    row = response.json()["results"][0]
    assert row["kind"] == Kind.PLEDGE_DUE_SOON
    assert row["kind_display"] == "Your pledge is due soon"
    assert row["is_read"] is False and row["url"] == "/pledges/1/"


def test_the_list_filters_unread(api_for, alice):
    read = nudge(alice, 1)
    unread = nudge(alice, 2)
    services.notification_mark_read(member=alice, notification_id=read.pk)

    response = api_for(alice).get(LIST, {"unread": "true"})

    assert [row["id"] for row in response.json()["results"]] == [unread.pk]
    assert response.json()["count"] == 1


def test_the_list_is_paginated_with_few_queries(api_for, alice, django_assert_max_num_queries):
    for n in range(30):
        nudge(alice, n)
    api = api_for(alice)

    with django_assert_max_num_queries(3):
        response = api.get(LIST, {"page_size": 25})

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 25


def test_mark_one_read(api_for, alice):
    notification = nudge(alice)

    response = api_for(alice).post(read_url(notification))
    again = api_for(alice).post(read_url(notification))

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert again.json()["read_at"] == response.json()["read_at"]


def test_you_cannot_read_someone_elses(api_for, alice, bob):
    notification = nudge(bob)

    assert api_for(alice).post(read_url(notification)).status_code == 404
    assert selectors.unread_count(user=bob) == 1


def test_mark_all_read_and_the_unread_count(api_for, alice, bob):
    for n in range(3):
        nudge(alice, n)
    nudge(bob)
    api = api_for(alice)

    assert api.get(UNREAD).json() == {"unread": 3}
    assert api.post(READ_ALL).json() == {"marked": 3, "unread": 0}
    assert api.get(UNREAD).json() == {"unread": 0}
    assert selectors.unread_count(user=bob) == 1


def test_preferences_read_every_kind(api_for, alice):
    response = api_for(alice).get(PREFERENCES)

    assert response.status_code == 200
    assert response.json() == DEFAULT_DELIVERY


def test_preferences_update_some_kinds(api_for, alice):
    response = api_for(alice).patch(
        PREFERENCES, {Kind.STORY_COMMENT: "immediate", Kind.NO_CHECK_IN: "off"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()[Kind.STORY_COMMENT] == Delivery.IMMEDIATE
    assert response.json()[Kind.NO_CHECK_IN] == Delivery.OFF
    assert selectors.delivery_for(user=alice, kind=Kind.NO_CHECK_IN) == Delivery.OFF


def test_a_bad_choice_is_a_400_with_the_field(api_for, alice):
    response = api_for(alice).patch(PREFERENCES, {Kind.STORY_COMMENT: "hourly"}, format="json")

    assert response.status_code == 400
    assert Kind.STORY_COMMENT in response.json()
    assert not alice.notification_preferences.exists()


def test_an_unknown_kind_is_a_400(api_for, alice):
    response = api_for(alice).patch(PREFERENCES, {"gossip": "off"}, format="json")

    assert response.status_code == 400
    assert "gossip" in response.json()
