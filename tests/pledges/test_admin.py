"""The admin: lists with filters and search, edits and lifecycle actions through the
services, and no way to break the counters."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import CheckIn, Pledge
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["theme", "campaign", "pledge", "signature", "checkin"])
def test_every_list_opens_with_filters_and_search(client_for, admin_user, pledge_met, model):
    response = client_for(admin_user).get(
        reverse(f"admin:pledges_{model}_changelist"), {"q": "patient"}
    )

    assert response.status_code == 200


def test_pledge_filters_and_change_page(client_for, admin_user, pledge_met):
    client = client_for(admin_user)

    filtered = client.get(reverse("admin:pledges_pledge_changelist"), {"status__exact": "active"})
    change = client.get(reverse("admin:pledges_pledge_change", args=[pledge_met.pk]))

    assert "ask every patient what matters to them" in filtered.content.decode()
    assert change.status_code == 200
    assert "See the 3 signatures" in change.content.decode()


def _change(pledge, **overrides) -> dict:
    data = {
        "title": pledge.title,
        "description": pledge.description,
        "language": pledge.language,
        "theme": pledge.theme_id,
        "due_date": pledge.due_date.isoformat(),
    }
    data.update(overrides)
    return data


def test_an_admin_edits_through_the_same_rules(client_for, admin_user, pledge):
    client = client_for(admin_user)
    url = reverse("admin:pledges_pledge_change", args=[pledge.pk])

    refused = client.post(url, _change(pledge, due_date="2001-01-01"))
    saved = client.post(url, _change(pledge, title="ask what matters most"))

    assert refused.status_code == 200
    assert "The due date must be in the future." in refused.content.decode()
    assert saved.status_code == 302
    pledge.refresh_from_db()
    assert pledge.title == "ask what matters most"


def test_the_withdraw_action_uses_the_service(client_for, admin_user, pledge):
    response = client_for(admin_user).post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "withdraw", "_selected_action": [pledge.pk]},
        follow=True,
    )

    assert "1 pledge withdrawn." in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.WITHDRAWN
    assert pledge.withdrawn_at is not None


def test_the_deadline_action_fails_a_pledge_past_its_deadline(client_for, admin_user, pledge):
    Pledge.objects.filter(pk=pledge.pk).update(
        threshold_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )

    client_for(admin_user).post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "apply_deadlines", "_selected_action": [pledge.pk]},
    )

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FAILED


def test_pledges_and_signatures_are_not_added_or_deleted_by_hand(
    client_for, admin_user, pledge_met
):
    client = client_for(admin_user)

    assert client.get(reverse("admin:pledges_pledge_add")).status_code == 403
    assert client.get(reverse("admin:pledges_signature_add")).status_code == 403


def test_hiding_a_check_in_takes_its_quantity_out_of_the_total(
    client_for, admin_user, alice, theme
):
    from pledges import services

    pledge = services.pledge_create(
        author=alice,
        title="walk the mile",
        theme=theme,
        campaign=CampaignFactory(unit="miles"),
        due_date=timezone.localdate() + datetime.timedelta(days=9),
    )
    check_in = services.check_in_create(pledge=pledge, author=alice, note="Ran", quantity="900")

    client_for(admin_user).post(
        reverse("admin:pledges_checkin_change", args=[check_in.pk]),
        {"moderation_status": "hidden", "moderation_reason": "Not plausible"},
    )

    assert CheckIn.objects.get().moderation_status == "hidden"
    pledge.refresh_from_db()
    assert pledge.total_quantity == 0


def test_co_signs_waiting_for_the_sweep_are_listed_and_never_made_by_hand(
    client_for, admin_user, pledge, bob
):
    from pledges import services

    services.pledge_sign(pledge=pledge, member=bob)
    client = client_for(admin_user)

    listed = client.get(reverse("admin:pledges_cosignersnoticedue_changelist"))
    assert listed.status_code == 200
    assert str(pledge) in listed.content.decode()
    assert client.get(reverse("admin:pledges_cosignersnoticedue_add")).status_code == 403
