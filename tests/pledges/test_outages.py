"""A broker outage after a pledge changes loses no notice: the notices of a change of
status are in the outbox with the change, and the co-signers notice is made at once."""

import datetime

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import tasks as notification_tasks
from notifications.models import Kind, Notification
from pledges import services, tasks
from pledges.models import Pledge, Signature

pytestmark = pytest.mark.django_db
Status = Notification.EmailStatus


@pytest.fixture
def broker_refuses(monkeypatch):
    """Every publish fails as kombu fails when the broker cannot be reached."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (
        tasks.tell_author_about_co_signers,
        tasks.notify_threshold_reached,
        tasks.notify_threshold_failed,
        tasks.notify_pledge_lapsed,
        notification_tasks.send_notification,
        notification_tasks.send_due_notifications,
    ):
        monkeypatch.setattr(task, "apply_async", refuse)


def _pending(kind) -> set[int]:
    rows = Notification.objects.filter(kind=kind)
    assert {n.email_status for n in rows} <= {Status.PENDING}
    return {n.recipient_id for n in rows}


def test_the_threshold_notices_are_in_the_outbox_when_the_broker_is_down(
    pledge_with_signers, alice, bob, charlie, broker_refuses, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_sign(pledge=pledge_with_signers, member=charlie)

    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.status == Pledge.Status.ACTIVE
    assert _pending(Kind.THRESHOLD_REACHED) == {alice.pk, bob.pk, charlie.pk}


def test_the_failed_notices_are_in_the_outbox_when_the_broker_is_down(
    pledge_with_signers, alice, bob, broker_refuses, django_capture_on_commit_callbacks
):
    Pledge.objects.filter(pk=pledge_with_signers.pk).update(
        threshold_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_apply_deadlines(pledge=pledge_with_signers.pk)

    assert _pending(Kind.THRESHOLD_FAILED) == {alice.pk, bob.pk}


def test_the_lapsed_notices_are_in_the_outbox_when_the_broker_is_down(
    pledge_met, alice, bob, charlie, broker_refuses, django_capture_on_commit_callbacks
):
    Pledge.objects.filter(pk=pledge_met.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_apply_deadlines(pledge=pledge_met.pk)

    assert _pending(Kind.PLEDGE_LAPSED) == {alice.pk, bob.pk, charlie.pk}


def test_the_notices_of_a_change_are_made_once_even_when_the_old_task_runs_too(
    pledge_with_signers, charlie
):
    services.pledge_sign(pledge=pledge_with_signers, member=charlie)

    assert tasks.notify_threshold_reached.run(pledge_with_signers.pk) == 0
    assert Notification.objects.filter(kind=Kind.THRESHOLD_REACHED).count() == 3


def test_a_co_sign_with_the_broker_down_loses_nothing_the_sweep_tells_the_author(
    pledge, alice, bob, broker_refuses, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_sign(pledge=pledge, member=bob)

    assert services.tell_authors_about_co_signers() == 1
    notice = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS)
    assert notice.recipient == alice
    assert notice.body.startswith("1 person has co-signed")


def test_telling_everyone_a_pledge_is_on_costs_two_statements_however_many_signed(
    pledge, django_assert_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    from tests.factories import UserFactory

    for member in UserFactory.create_batch(25):
        Signature.objects.create(pledge=pledge, member=member)
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.ACTIVE)
    pledge.refresh_from_db()
    ContentType.objects.get_for_model(Pledge)

    with django_assert_num_queries(2):  # the signers' ids, then one INSERT
        assert services._notify_threshold_reached(pledge) == 26


@pytest.mark.parametrize("via", ["web", "api"])
def test_a_co_sign_that_activates_a_pledge_answers_and_keeps_its_notices_when_the_broker_is_down(
    pledge_with_signers,
    alice,
    bob,
    charlie,
    client_for,
    api_for,
    broker_refuses,
    django_capture_on_commit_callbacks,
    via,
):
    from django.urls import reverse

    from kernel import queue

    queue.reset()
    with django_capture_on_commit_callbacks(execute=True):
        if via == "web":
            response = client_for(charlie).post(
                reverse("pledges:sign", args=[pledge_with_signers.pk])
            )
        else:
            response = api_for(charlie).post(
                reverse("api:pledge-sign", args=[pledge_with_signers.pk])
            )
    queue.reset()

    assert response.status_code < 400
    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.status == Pledge.Status.ACTIVE
    assert _pending(Kind.THRESHOLD_REACHED) == {alice.pk, bob.pk, charlie.pk}
