"""The email rule has one meaning in SQL (the rows notify() makes) and in Python (the
send that re-checks): whether a member can be emailed, and what they chose."""

import pytest

from notifications.models import Delivery, Kind, Notification, NotificationPreference
from notifications.services import email_status_for, notify, notify_many
from tests.factories import PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = {
    "active with an address": {},
    "deactivated": {"is_active": False},
    "without an address": {"email": ""},
}


@pytest.mark.parametrize("delivery", Delivery.values)
@pytest.mark.parametrize("member", list(MEMBERS))
def test_a_new_notice_has_the_status_the_python_rule_gives(member, delivery):
    recipient = UserFactory(**MEMBERS[member])
    NotificationPreference.objects.create(user=recipient, kind=Kind.NO_CHECK_IN, delivery=delivery)
    notification, _created = notify(
        kind=Kind.NO_CHECK_IN, recipient=recipient, title="How is it going?", url="/"
    )

    assert notification.email_status == email_status_for(member=recipient, delivery=delivery)


@pytest.mark.parametrize("delivery", Delivery.values)
def test_notices_made_in_a_batch_follow_the_same_rule(delivery):
    members = [UserFactory(**extra) for extra in MEMBERS.values()]
    for member in members:
        NotificationPreference.objects.create(
            user=member, kind=Kind.THRESHOLD_REACHED, delivery=delivery
        )
    notify_many(
        kind=Kind.THRESHOLD_REACHED,
        recipient_ids=[m.pk for m in members],
        subject=PledgeFactory(),
        title="A pledge you signed is on",
        url="/",
    )

    for member in members:
        made = Notification.objects.get(recipient=member)
        assert made.email_status == email_status_for(member=member, delivery=delivery)
