"""Invitations and background exports asked for while the broker or the mail server is
away wait in the database, and beat's sweeps finish them."""

import smtplib

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from kernel import queue
from reports import services, tasks
from reports.models import Export, InviteEmail
from tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db
SEND = "django.core.mail.EmailMultiAlternatives.send"


def _refuse(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_an_export_the_broker_could_not_take_is_started_by_the_sweep(
    admin_user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory.create_batch(2)
    with monkeypatch.context() as patched:
        patched.setattr(tasks.run_export, "apply_async", _refuse)
        with django_capture_on_commit_callbacks(execute=True):
            request = services.export_request(user=admin_user, dataset="pledges", format="csv")
    export = Export.objects.get(pk=request.export.pk)
    assert export.status == Export.Status.QUEUED
    queue.reset()  # the broker is back, and the pause after its failure is over

    assert tasks.start_queued_exports.run() == 0  # a fresh request may still be on its way
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - _minutes(6))
    assert tasks.start_queued_exports.run() == 1  # queued (run here, eagerly)

    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_done == 2
    assert tasks.start_queued_exports.run() == 0


def _minutes(n):
    import datetime

    return datetime.timedelta(minutes=n)


def test_an_invitation_the_broker_could_not_take_is_sent_by_the_sweep_once(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patched:
        patched.setattr(tasks.send_invite_email, "apply_async", _refuse)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite_email_send(inviter=alice, email="colleague@nhs.net")
    invitation.refresh_from_db()
    assert invitation.email_status == InviteEmail.EmailStatus.PENDING
    assert mail.outbox == []

    assert tasks.send_invite_emails.run() == 1
    assert tasks.send_invite_emails.run() == 0
    assert tasks.send_invite_email.run(invitation.pk) == "done"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["colleague@nhs.net"]
    invitation.refresh_from_db()
    assert invitation.email_status == InviteEmail.EmailStatus.SENT
    assert invitation.emailed_at is not None and invitation.email_attempts == 1


def test_an_invitation_the_mail_server_keeps_refusing_backs_off_then_is_marked_failed(
    alice, monkeypatch
):
    invitation = services.invite_email_send(inviter=alice, email="colleague@nhs.net")
    monkeypatch.setattr(SEND, lambda self: (_ for _ in ()).throw(smtplib.SMTPServerDisconnected()))

    due = timezone.now()
    for _ in range(services.INVITE_EMAIL_MAX_ATTEMPTS):
        outcome = services.invite_email_deliver(invite_email_id=invitation.pk, now=due)
        invitation.refresh_from_db()
        assert outcome == "failed" or invitation.send_after > due  # it waits to try again
        due = invitation.send_after
    assert outcome == "failed"
    assert invitation.email_status == InviteEmail.EmailStatus.FAILED
    assert invitation.email_attempts == services.INVITE_EMAIL_MAX_ATTEMPTS
    gaps = [services._invite_retry_after(n).total_seconds() for n in (1, 2, 3, 10)]
    assert gaps == [120, 240, 480, 3600]


def test_the_sweep_stops_at_the_first_mail_server_failure(alice, bob, monkeypatch):
    services.invite_email_send(inviter=alice, email="one@nhs.net")
    services.invite_email_send(inviter=bob, email="two@nhs.net")
    monkeypatch.setattr(SEND, lambda self: (_ for _ in ()).throw(ConnectionRefusedError()))

    assert services.invite_emails_send_due() == 0

    attempts = sorted(InviteEmail.objects.values_list("email_attempts", flat=True))
    assert attempts == [0, 1]


def test_an_invitation_still_waiting_when_its_inviter_deletes_their_account_is_not_sent(alice, bob):
    from members.services import account_erase

    services.invite_email_send(inviter=alice, email="one@nhs.net")
    services.invite_email_send(inviter=bob, email="two@nhs.net")
    account_erase(member=alice)

    assert services.invite_emails_send_due() == 1

    assert [m.to for m in mail.outbox] == [["two@nhs.net"]]
    cancelled = InviteEmail.objects.get(email="one@nhs.net")
    assert cancelled.email_status == InviteEmail.EmailStatus.FAILED
