"""notify(), the outbox, sending, the daily cap, retries, digests and tokens."""

import smtplib
import time
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import digest_sections, emails, selectors, services, tasks, tokens
from notifications.emails import TransientEmailError
from notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Digest,
    Kind,
    Notification,
    NotificationPreference,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = Notification.EmailStatus
SEND = "django.core.mail.EmailMultiAlternatives.send"


def nudge(recipient, kind=Kind.PLEDGE_DUE_SOON, period="", **kwargs):
    kwargs.setdefault("title", f"{Kind(kind).label} {period}".strip())
    kwargs.setdefault("url", "/pledges/1/")
    return services.notify(kind=kind, recipient=recipient, period=period, **kwargs)[0]


def prefer(user, kind, delivery):
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )


# --- notify() ---------------------------------------------------------------------


def test_asking_twice_for_the_same_nudge_makes_one_notification(alice):
    first, created = services.notify(
        kind=Kind.PLEDGE_DUE_SOON, recipient=alice, subject=alice, title="Due", period="w1"
    )
    again, created_again = services.notify(
        kind=Kind.PLEDGE_DUE_SOON, recipient=alice, subject=alice, title="Other", period="w1"
    )

    assert created and not created_again
    assert again.pk == first.pk and again.title == "Due"
    assert Notification.objects.count() == 1


def test_another_period_is_another_notification(alice):
    nudge(alice, period="w1")
    nudge(alice, period="w2")

    assert Notification.objects.filter(recipient=alice).count() == 2


def test_an_unknown_kind_is_refused(alice):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        services.notify(kind="carrier_pigeon", recipient=alice, title="Coo")


def test_an_immediate_nudge_is_emailed_once_the_callers_transaction_commits(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = nudge(alice)
        assert mail.outbox == []

    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.email_status == Status.SENT
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]


def test_nothing_is_queued_when_the_notification_already_existed(
    alice, django_capture_on_commit_callbacks
):
    nudge(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        nudge(alice)

    assert callbacks == []


def test_notify_is_one_statement_whether_the_notification_is_new_or_asked_for_again(
    alice, django_assert_num_queries
):
    prefer(alice, Kind.STORY_COMMENT, Delivery.IMMEDIATE)
    # The subject's content type is read once a process (Django keeps it), whichever
    # test runs first in this one.
    ContentType.objects.get_for_model(alice)

    with django_assert_num_queries(1):
        first, created = services.notify(
            kind=Kind.STORY_COMMENT, recipient=alice, subject=alice, title="A comment"
        )
    with django_assert_num_queries(1):
        again, created_again = services.notify(
            kind=Kind.STORY_COMMENT, recipient=alice, subject=alice, title="Another"
        )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.title == "A comment"
    assert first.email_status == Status.PENDING  # her preference, read in the statement
    assert first.data == {} and first.recipient_id == alice.pk


def test_asking_again_with_update_body_rewrites_only_the_body_and_sends_nothing_more(
    alice, django_capture_on_commit_callbacks
):
    first = nudge(alice, kind=Kind.NEW_CO_SIGNERS, body="1 person has co-signed", data={"n": 1})
    with django_capture_on_commit_callbacks() as callbacks:
        again, created = services.notify(
            kind=Kind.NEW_CO_SIGNERS,
            recipient=alice,
            title="Changed title",
            body="2 people have co-signed",
            url="/pledges/1/",
            update_body=True,
        )

    assert not created and callbacks == []
    assert again.pk == first.pk and again.body == "2 people have co-signed"
    first.refresh_from_db()
    assert (first.body, first.title, first.data) == (
        "2 people have co-signed",
        Kind(Kind.NEW_CO_SIGNERS).label,
        {"n": 1},
    )


def test_a_member_without_an_email_address_is_recorded_but_not_emailed(alice):
    type(alice).objects.filter(pk=alice.pk).update(email="")

    notification = nudge(alice)

    assert notification.email_status == Status.SKIPPED
    assert "no active account or email address" in notification.last_error


def test_notifying_a_member_who_does_not_exist_is_refused(alice):
    ghost = type(alice)(pk=alice.pk + 1000)

    with pytest.raises(ValueError, match="No member"):
        nudge(ghost)
    assert not Notification.objects.exists()


def test_a_digest_kind_waits_for_the_digest_and_is_not_queued(
    alice, django_capture_on_commit_callbacks
):
    assert DEFAULT_DELIVERY[Kind.STORY_COMMENT] == Delivery.DIGEST
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = nudge(alice, kind=Kind.STORY_COMMENT)

    assert callbacks == []
    assert notification.email_status == Status.DIGEST
    assert mail.outbox == []


def test_a_kind_switched_off_is_not_emailed_but_still_shows_in_the_app(
    alice, django_capture_on_commit_callbacks
):
    prefer(alice, Kind.PLEDGE_DUE_SOON, Delivery.OFF)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = nudge(alice)

    assert callbacks == []
    assert notification.email_status == Status.SKIPPED
    assert list(selectors.notifications_for(user=alice)) == [notification]
    assert selectors.unread_count(user=alice) == 1


def test_a_nudge_due_later_waits_in_the_database_for_beat(
    alice, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = nudge(alice, send_after=later)

    assert callbacks == []
    assert notification.email_status == Status.PENDING
    assert services.deliver_next_due() is None
    assert services.deliver_notification(notification_id=notification.pk).status == "not_due"

    outcome = services.deliver_next_due(now=later + timedelta(seconds=1))

    assert outcome.status == "sent"
    assert len(mail.outbox) == 1


def test_an_inactive_member_is_not_emailed(alice):
    alice.is_active = False
    alice.save()

    assert nudge(alice).email_status == Status.SKIPPED


def test_a_broker_outage_does_not_break_the_caller(alice, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(
            tasks.send_notification, "apply_async", side_effect=OperationalError("down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = nudge(alice)

    notification.refresh_from_db()
    assert notification.email_status == Status.PENDING
    assert services.deliver_next_due().status == "sent"


# --- Sending ----------------------------------------------------------------------


def test_delivering_the_same_notification_twice_sends_one_email(alice):
    notification = nudge(alice)

    first = services.deliver_notification(notification_id=notification.pk)
    second = services.deliver_notification(notification_id=notification.pk)

    assert (first.status, second.status) == ("sent", "done")
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_the_send_task_run_twice_sends_once(alice):
    notification = nudge(alice)

    tasks.send_notification.apply(args=[notification.pk])
    tasks.send_notification.apply(args=[notification.pk])

    assert len(mail.outbox) == 1


def test_unsubscribing_before_the_send_stops_the_email(alice):
    notification = nudge(alice)
    services.unsubscribe(member=alice, scope=Kind.PLEDGE_DUE_SOON)

    outcome = services.deliver_notification(notification_id=notification.pk)

    assert outcome.status == "skipped"
    assert mail.outbox == []


def test_switching_to_the_digest_before_the_send_moves_it_to_the_digest(alice):
    notification = nudge(alice)
    prefer(alice, Kind.PLEDGE_DUE_SOON, Delivery.DIGEST)

    assert services.deliver_notification(notification_id=notification.pk).status == "digest"
    assert mail.outbox == []


def test_beyond_the_daily_cap_nudges_wait_for_the_digest(alice, settings):
    settings.NOTIFICATIONS_EMAIL_DAILY_CAP = 2
    rows = [nudge(alice, period=str(n)) for n in range(3)]

    outcomes = [services.deliver_notification(notification_id=n.pk).status for n in rows]

    assert outcomes == ["sent", "sent", "digest"]
    assert len(mail.outbox) == 2
    rows[2].refresh_from_db()
    assert rows[2].email_status == Status.DIGEST
    assert "Daily email limit" in rows[2].last_error
    assert selectors.emails_sent_today(user=alice) == 2


def test_the_daily_cap_counts_each_member_separately(alice, bob, settings):
    settings.NOTIFICATIONS_EMAIL_DAILY_CAP = 1
    for member in (alice, bob):
        services.deliver_notification(notification_id=nudge(member).pk)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])


def test_the_daily_cap_starts_again_the_next_day(alice, settings):
    settings.NOTIFICATIONS_EMAIL_DAILY_CAP = 1
    services.deliver_notification(notification_id=nudge(alice, period="1").pk)
    Notification.objects.update(emailed_at=timezone.now() - timedelta(days=1))

    assert services.deliver_notification(notification_id=nudge(alice, period="2").pk).status == (
        "sent"
    )


def test_the_daily_cap_holds_when_one_batch_has_several_of_a_members_nudges(alice, bob, settings):
    settings.NOTIFICATIONS_EMAIL_DAILY_CAP = 2
    services.deliver_notification(notification_id=nudge(alice, period="earlier").pk)
    rows = [nudge(alice, period=str(n)) for n in range(3)] + [nudge(bob, period="b")]

    batch = services.send_due_batch(limit=10)

    assert [o.status for o in batch.outcomes] == ["sent", "digest", "digest", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, alice.email, bob.email])
    statuses = [Notification.objects.get(pk=n.pk).email_status for n in rows]
    assert statuses == [Status.SENT, Status.DIGEST, Status.DIGEST, Status.SENT]


def test_a_batch_reads_each_members_preference(alice, bob):
    prefer(alice, Kind.PLEDGE_DUE_SOON, Delivery.IMMEDIATE)
    rows = [nudge(alice), nudge(bob)]
    prefer(alice, Kind.PLEDGE_DUE_SOON, Delivery.OFF)
    prefer(bob, Kind.PLEDGE_DUE_SOON, Delivery.DIGEST)

    batch = services.send_due_batch(limit=10)

    assert {o.status for o in batch.outcomes} == {"skipped", "digest"}
    assert mail.outbox == []
    assert [Notification.objects.get(pk=n.pk).email_status for n in rows] == [
        Status.SKIPPED,
        Status.DIGEST,
    ]


def test_a_batch_queries_once_per_email_not_per_member_setting(
    alice, bob, django_assert_max_num_queries
):
    for member in (alice, bob, UserFactory(), UserFactory()):
        nudge(member)

    # Claim and member locks (in a savepoint here), preferences, today's counts, one
    # mark per email, unlock.
    with django_assert_max_num_queries(7 + 4):
        batch = services.send_due_batch(limit=10)

    assert [o.status for o in batch.outcomes] == ["sent"] * 4


@pytest.fixture
def other_session():
    """A second database session, as another worker would have."""
    import psycopg2
    from django.db import connection

    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    try:
        yield other.cursor()
    finally:
        other.close()


def test_a_member_another_worker_is_emailing_is_left_to_that_worker(alice, bob, other_session):
    mine, theirs = nudge(bob), nudge(alice)
    other_session.execute("SELECT pg_advisory_lock(%s)", [services._member_lock_key(alice.pk)])

    batch = services.send_due_batch(limit=10)
    single = services.deliver_notification(notification_id=theirs.pk)

    assert [o.notification_id for o in batch.outcomes] == [mine.pk]
    assert single.status == "busy"
    assert Notification.objects.get(pk=theirs.pk).email_status == Status.PENDING

    other_session.execute("SELECT pg_advisory_unlock_all()")  # that worker is gone
    assert [o.notification_id for o in services.send_due_batch(limit=10).outcomes] == [theirs.pk]


def test_a_batch_lets_go_of_its_members_when_done(alice, other_session):
    nudge(alice)
    services.send_due_batch(limit=10)

    other_session.execute("SELECT pg_try_advisory_lock(%s)", [services._member_lock_key(alice.pk)])
    assert other_session.fetchone()[0] is True


def test_a_dropped_connection_after_some_emails_goes_on_over_a_new_one(alice, bob):
    rows = [nudge(alice), nudge(bob), nudge(UserFactory())]
    real_send = emails.send_over
    calls = []

    def flaky(mailer, message):
        calls.append(message.to[0])
        if len(calls) == 2:
            raise smtplib.SMTPServerDisconnected("closed after one")
        real_send(mailer, message)

    with mock.patch.object(emails, "send_over", side_effect=flaky):
        batch = services.send_due_batch(limit=10)

    assert [o.status for o in batch.outcomes] == ["sent", "retry", "sent"]
    assert batch.error is None
    assert len(mail.outbox) == 2
    assert Notification.objects.get(pk=rows[1].pk).email_attempts == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPConnectError(421, "busy"),
        ConnectionRefusedError("refused"),
        TimeoutError("slow"),
        smtplib.SMTPDataError(451, "try later"),
        smtplib.SMTPRecipientsRefused({"a@example.nhs.uk": (450, b"mailbox busy")}),
    ],
)
def test_a_passing_mail_server_problem_is_retried_later(alice, error):
    notification = nudge(alice)
    before = timezone.now()

    with mock.patch(SEND, side_effect=error), pytest.raises(TransientEmailError):
        services.deliver_notification(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.email_status == Status.PENDING
    assert notification.email_attempts == 1
    assert notification.send_after >= before + timedelta(seconds=59)
    assert notification.last_error


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"a@example.nhs.uk": (550, b"no such user")}),
        smtplib.SMTPDataError(554, "rejected"),
        ValueError("bad header"),
    ],
)
def test_a_permanent_refusal_fails_at_once(alice, error):
    notification = nudge(alice)

    with mock.patch(SEND, side_effect=error):
        outcome = services.deliver_notification(notification_id=notification.pk)

    assert outcome.status == "failed"
    notification.refresh_from_db()
    assert notification.email_status == Status.FAILED


def test_retries_stop_at_the_cap_and_the_email_is_marked_failed(alice, settings):
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 3
    notification = nudge(alice)

    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        for _ in range(2):
            with pytest.raises(TransientEmailError):
                services.deliver_notification(notification_id=notification.pk, ignore_schedule=True)
        last = services.deliver_notification(notification_id=notification.pk, ignore_schedule=True)

    assert last.status == "failed"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == (Status.FAILED, 3)


def test_the_retry_delay_grows_and_is_capped():
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 10)]

    assert delays[:3] == [60, 120, 240]
    assert max(delays) == 3600


def test_the_send_task_retries_a_passing_problem_then_sends(alice):
    notification = nudge(alice)

    with (
        mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("blip")),
        pytest.raises(Retry),
    ):
        tasks.send_notification.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.email_attempts == 1
    assert notification.send_after > timezone.now()  # beat would wait; the retry does not
    tasks.send_notification.apply(args=[notification.pk], retries=1)

    notification.refresh_from_db()
    assert notification.email_status == Status.SENT
    assert notification.email_attempts == 2
    assert len(mail.outbox) == 1


def test_beat_sends_every_due_nudge_in_one_run_and_stops_when_the_server_fails(alice, bob):
    due = [nudge(alice, period="1"), nudge(bob, period="2")]
    later = nudge(alice, period="3", send_after=timezone.now() + timedelta(hours=2))

    assert tasks.send_due_notifications.apply().get() == 2

    assert {m.to[0] for m in mail.outbox} == {alice.email, bob.email}
    assert all(Notification.objects.get(pk=n.pk).email_status == Status.SENT for n in due)
    assert Notification.objects.get(pk=later.pk).email_status == Status.PENDING

    nudge(alice, period="4")
    nudge(bob, period="5")
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")) as send:
        assert tasks.send_due_notifications.apply().get() == 0
    assert send.call_count == 1


def test_beat_carries_on_past_a_full_batch(alice, settings):
    settings.NOTIFICATIONS_SEND_BATCH_SIZE = 2
    for n in range(5):
        nudge(alice, period=str(n))

    tasks.send_due_notifications.apply()

    assert len(mail.outbox) == 5


def test_an_admin_can_put_a_failed_email_back_in_the_outbox(
    alice, admin_user, django_capture_on_commit_callbacks
):
    notification = nudge(alice)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Status.FAILED, email_attempts=6
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_resend(notification=notification, actor=admin_user)

    notification.refresh_from_db()
    assert notification.email_status == Status.SENT
    assert len(mail.outbox) == 1


# --- Email content ------------------------------------------------------------------


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_has_an_html_and_a_text_email_with_the_links(alice, kind):
    notification = nudge(alice, kind=kind, title="Tea & biscuits <b>now</b>", body="One.\n\nTwo.")

    message = emails.notification_message(notification)

    html = message.alternatives[0].content
    assert message.subject == "Tea & biscuits <b>now</b>"
    assert "Tea & biscuits <b>now</b>" in message.body or kind == Kind.THRESHOLD_REACHED
    assert "Tea &amp; biscuits &lt;b&gt;now&lt;/b&gt;" in html or kind == Kind.THRESHOLD_REACHED
    for text in (message.body, html):
        assert f"{settings.SITE_URL}/pledges/1/" in text
        assert f"{settings.SITE_URL}/notifications/preferences/" in text
        assert f"{settings.SITE_URL}/notifications/unsubscribe/" in text
    assert '<html lang="en-GB">' in html and "<h1>" in html
    assert "style=" not in html


def test_the_email_carries_one_click_unsubscribe_headers(alice):
    notification = nudge(alice)

    message = emails.notification_message(notification).message()

    link = message["List-Unsubscribe"]
    assert link.startswith(f"<{settings.SITE_URL}/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link.strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert tokens.read_token(token) == tokens.Unsubscribe(alice.pk, Kind.PLEDGE_DUE_SOON)
    assert message["Message-ID"] == f"<radicals.notification.{notification.pk}@127.0.0.1>"


def test_threshold_emails_say_it_is_on_or_better_luck_next_time(alice):
    reached = nudge(alice, kind=Kind.THRESHOLD_REACHED, title="Pledge on", data={"signers": 12})
    failed = nudge(
        alice,
        kind=Kind.THRESHOLD_FAILED,
        title="Pledge closed",
        data={"signers": 4, "threshold": 10},
    )

    assert "It’s on — 12 people signed" in emails.notification_message(reached).body
    failed_body = emails.notification_message(failed).body
    assert "Better luck next time" in failed_body
    assert "4 of the 10 it needed" in failed_body


def test_only_our_own_or_web_addresses_become_links():
    assert emails.absolute("/pledges/1/") == f"{settings.SITE_URL}/pledges/1/"
    assert emails.absolute("https://www.nhs.uk/") == "https://www.nhs.uk/"
    assert emails.absolute("javascript:alert(1)") == ""
    assert emails.absolute("//evil.example/") == ""


# --- Daily digest ------------------------------------------------------------------


def test_the_daily_digest_gathers_each_members_waiting_nudges_into_one_email(alice, bob, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    for n in range(2):
        nudge(alice, kind=Kind.STORY_COMMENT, period=str(n), title=f"Comment {n}")
    nudge(alice, kind=Kind.NEW_CO_SIGNERS, title="Three more co-signers")
    nudge(bob, kind=Kind.STORY_REACTION, title="Someone was inspired")
    nudge(alice, kind=Kind.PLEDGE_DUE_SOON)  # immediate: not in the digest
    mail.outbox.clear()

    assert tasks.send_daily_digests.apply().get() == 2

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {alice.email, bob.email}
    alice_mail = by_recipient[alice.email]
    assert alice_mail.subject == "Your Radicals digest: 3 updates"
    for title in ("Comment 0", "Comment 1", "Three more co-signers"):
        assert title in alice_mail.body
    assert alice_mail.body.index("NEW PEOPLE CO-SIGN YOUR PLEDGE") < alice_mail.body.index(
        "SOMEONE COMMENTS ON YOUR CHANGE STORY"
    )
    assert "Someone was inspired" not in alice_mail.body
    assert alice_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.get(recipient=alice)
    assert digest.item_count == 3
    assert set(digest.notifications.values_list("email_status", flat=True)) == {Status.SENT}


def test_the_digest_goes_at_most_once_a_day(alice, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    nudge(alice, kind=Kind.STORY_COMMENT, period="1")
    tasks.send_daily_digests.apply()
    nudge(alice, kind=Kind.STORY_COMMENT, period="2")

    assert tasks.send_daily_digests.apply().get() == 0
    today = timezone.localdate()
    assert services.send_digest(recipient_id=alice.pk, day=today).status == "done"
    assert len(mail.outbox) == 1

    tomorrow = timezone.now() + timedelta(days=1)
    outcome = services.send_digest(
        recipient_id=alice.pk, day=timezone.localtime(tomorrow).date(), now=tomorrow
    )
    assert outcome.status == "sent"
    assert len(mail.outbox) == 2


def test_no_digest_is_sent_before_the_digest_hour(alice, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 24
    nudge(alice, kind=Kind.STORY_COMMENT)

    assert tasks.send_daily_digests.apply().get() == 0
    assert mail.outbox == []


def test_kinds_switched_off_since_are_left_out_of_the_digest(alice):
    nudge(alice, kind=Kind.STORY_COMMENT, title="A comment")
    nudge(alice, kind=Kind.STORY_REACTION, title="A reaction")
    prefer(alice, Kind.STORY_REACTION, Delivery.OFF)

    services.send_digest(recipient_id=alice.pk, day=timezone.localdate())

    assert len(mail.outbox) == 1
    assert "A comment" in mail.outbox[0].body and "A reaction" not in mail.outbox[0].body
    assert Notification.objects.get(title="A reaction").email_status == Status.SKIPPED


def test_a_digest_that_could_not_be_sent_is_tried_again_whole(alice):
    nudge(alice, kind=Kind.STORY_COMMENT)

    with (
        mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")),
        pytest.raises(TransientEmailError),
    ):
        services.send_digest(recipient_id=alice.pk, day=timezone.localdate())
    assert not Digest.objects.exists()

    assert services.send_digest(recipient_id=alice.pk, day=timezone.localdate()).status == "sent"


# --- Weekly organiser digest -------------------------------------------------------------


@pytest.fixture
def organiser_registry(alice, bob):
    def recipients():
        return [alice.pk, bob.pk]

    def queue(*, organiser, since, until):
        if organiser == alice:
            return digest_sections.DigestSection(
                title="Moderation queue",
                items=["3 posts wait for review in Ward 7 improvers"],
                url="/communities/ward-7/queue/",
                link_text="Review the queue",
                order=1,
            )
        return None

    def achievements(*, organiser, since, until):
        return [
            digest_sections.DigestSection(title="Achievements", items=["2 pledges done"]),
            digest_sections.DigestSection(title="New members", items=[]),
        ]

    digest_sections.register_recipients(recipients)
    digest_sections.register(queue)
    digest_sections.register(achievements)
    yield
    for function in (recipients, queue, achievements):
        digest_sections.unregister(function)


def test_the_weekly_organiser_digest_is_assembled_from_registered_sections(
    alice, bob, organiser_registry
):
    assert services.organiser_digests_build() == 2

    notification = Notification.objects.get(recipient=alice, kind=Kind.ORGANISER_DIGEST)
    assert [s["title"] for s in notification.data["sections"]] == [
        "Moderation queue",
        "Achievements",
    ]
    assert notification.url == "/communities/ward-7/queue/"
    message = emails.notification_message(notification)
    assert "3 posts wait for review in Ward 7 improvers" in message.body
    html = message.alternatives[0].content
    assert f'<a href="{settings.SITE_URL}/communities/ward-7/queue/">Review the queue</a>' in html
    assert "New members" not in html


def test_the_organiser_digest_is_made_once_a_week(organiser_registry):
    services.organiser_digests_build()
    services.organiser_digests_build()

    assert Notification.objects.filter(kind=Kind.ORGANISER_DIGEST).count() == 2
    next_week = timezone.now() + timedelta(days=7)
    assert services.organiser_digests_build(now=next_week) == 2


def test_organisers_with_nothing_to_read_get_no_digest(alice):
    digest_sections.register_recipients(recipients := lambda: [alice.pk])
    try:
        assert services.organiser_digests_build() == 0
    finally:
        digest_sections.unregister(recipients)


# --- Preferences and unsubscribe ----------------------------------------------------------


def test_preferences_default_per_kind_and_can_be_changed(alice):
    assert selectors.preferences_for(user=alice) == DEFAULT_DELIVERY

    result = services.preferences_update(
        member=alice, changes={Kind.STORY_COMMENT: Delivery.IMMEDIATE}
    )
    services.preferences_update(member=alice, changes={Kind.STORY_COMMENT: Delivery.OFF})

    assert result[Kind.STORY_COMMENT] == Delivery.IMMEDIATE
    assert selectors.delivery_for(user=alice, kind=Kind.STORY_COMMENT) == Delivery.OFF
    assert NotificationPreference.objects.filter(user=alice).count() == 1


def test_preferences_refuse_unknown_kinds_and_choices(alice):
    with pytest.raises(ValidationError) as error:
        services.preferences_update(
            member=alice, changes={"gossip": Delivery.OFF, Kind.STORY_COMMENT: "hourly"}
        )

    assert set(error.value.message_dict) == {"gossip", Kind.STORY_COMMENT}
    assert not NotificationPreference.objects.exists()


def test_unsubscribing_from_the_digest_switches_off_every_digest_kind(alice):
    off = services.unsubscribe(member=alice, scope=tokens.DIGEST_SCOPE)

    prefs = selectors.preferences_for(user=alice)
    assert set(off) == {k for k, d in DEFAULT_DELIVERY.items() if d == Delivery.DIGEST}
    assert prefs[Kind.PLEDGE_DUE_SOON] == Delivery.IMMEDIATE
    assert all(prefs[kind] == Delivery.OFF for kind in off)


def test_unsubscribing_from_everything_switches_every_kind_off(alice):
    services.unsubscribe(member=alice, scope=tokens.ALL_SCOPE)

    assert set(selectors.preferences_for(user=alice).values()) == {Delivery.OFF}


# --- Tokens -------------------------------------------------------------------------------


def test_an_unsubscribe_token_names_the_member_and_what_to_stop():
    token = tokens.make_token(user_id=42, scope=Kind.STORY_COMMENT)

    assert tokens.read_token(token) == tokens.Unsubscribe(42, Kind.STORY_COMMENT)


def test_a_forged_or_changed_token_is_refused():
    token = tokens.make_token(user_id=42, scope=Kind.STORY_COMMENT)
    payload, stamp, signature = token.split(":")
    other = tokens.make_token(user_id=43, scope=tokens.ALL_SCOPE).split(":")[0]

    for bad in (
        f"{other}:{stamp}:{signature}",
        f"{payload}:{stamp}:{signature[:-2]}xx",
        signing.dumps({"u": 42, "s": "all"}),  # signed, but not as an unsubscribe token
        signing.TimestampSigner(key="not-our-secret", salt=tokens.SALT).sign_object(
            {"u": 42, "s": "all"}
        ),
        "garbage",
        "",
    ):
        with pytest.raises(tokens.InvalidToken):
            tokens.read_token(bad)


def test_an_old_token_has_expired(settings):
    settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 60
    token = tokens.make_token(user_id=42, scope=Kind.STORY_COMMENT)
    later = timezone.now().timestamp() + 60 * 60 * 24 * 61

    with (
        mock.patch("django.core.signing.time.time", return_value=later),
        pytest.raises(tokens.ExpiredToken),
    ):
        tokens.read_token(token)


def test_a_token_for_an_unknown_scope_cannot_be_made():
    with pytest.raises(ValueError):
        tokens.make_token(user_id=1, scope="gossip")


# --- Task wiring --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "task",
    [
        tasks.send_notification,
        tasks.send_due_notifications,
        tasks.send_daily_digests,
        tasks.send_organiser_digests,
    ],
)
def test_every_task_acks_late_survives_a_lost_worker_and_has_time_limits(task):
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit and task.time_limit > task.soft_time_limit


def test_retry_countdowns_stay_below_the_brokers_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert tasks.send_notification.retry_backoff_max < visibility
    assert tasks.send_notification.max_retries and tasks.send_notification.retry_backoff


def test_beat_runs_the_outbox_every_minute_and_the_digests():
    tasks_scheduled = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}

    assert tasks_scheduled["notifications.tasks.send_due_notifications"] == 60
    assert "notifications.tasks.send_daily_digests" in tasks_scheduled
    assert "notifications.tasks.send_organiser_digests" in tasks_scheduled


def test_the_organiser_digest_task_runs_on_monday_from_the_digest_hour(
    organiser_registry, settings
):
    settings.NOTIFICATIONS_DIGEST_HOUR = 8
    monday_morning = timezone.make_aware(timezone.datetime(2026, 11, 23, 9, 0))
    sunday = monday_morning - timedelta(days=1)

    with mock.patch("notifications.tasks.timezone.now", return_value=sunday):
        assert tasks.send_organiser_digests.apply().get() == 0
    with mock.patch("notifications.tasks.timezone.now", return_value=monday_morning):
        assert tasks.send_organiser_digests.apply().get() == 2
        assert tasks.send_organiser_digests.apply().get() == 0


def test_members_without_any_notification_see_zero_unread():
    assert selectors.unread_count(user=UserFactory()) == 0


# --- Sending outside a transaction (as a worker does) ------------------------------------


def _wait_until(condition, *, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_marks_every_email_sent_and_lets_go_of_its_members(other_session):
    rows = [
        Notification.objects.create(
            recipient=UserFactory(),
            kind=Kind.PLEDGE_DUE_SOON,
            idempotency_key=f"batch-{n}",
            title="Due soon",
            url="/pledges/1/",
        )
        for n in range(3)
    ]

    batch = services.send_due_batch(limit=10)

    assert [o.status for o in batch.outcomes] == ["sent"] * 3
    assert len(mail.outbox) == 3
    assert {n.email_status for n in Notification.objects.all()} == {Status.SENT}
    for row in rows:
        other_session.execute(
            "SELECT pg_try_advisory_lock(%s)", [services._member_lock_key(row.recipient_id)]
        )
        assert other_session.fetchone()[0] is True


@pytest.mark.django_db(transaction=True)
def test_a_mark_on_its_way_is_committed_though_the_worker_dies_before_its_answer(
    other_session,
):
    row = Notification.objects.create(
        recipient=UserFactory(),
        kind=Kind.PLEDGE_DUE_SOON,
        idempotency_key="in-flight",
        title="Due soon",
    )
    claimed, recorder = services._claim_due(now=timezone.now(), limit=10)
    assert [n.pk for n in claimed] == [row.pk]

    recorder.mark_sent(row.pk, at=timezone.now())
    recorder._connection.close()  # gone without reading the answer, as a killed worker

    assert _wait_until(lambda: Notification.objects.get(pk=row.pk).email_status == Status.SENT)
    key = services._member_lock_key(row.recipient_id)

    def free() -> bool:
        other_session.execute("SELECT pg_try_advisory_lock(%s)", [key])
        return other_session.fetchone()[0]

    assert _wait_until(free)


# --- One SMTP transaction over a kept connection ---------------------------------------


@pytest.mark.parametrize(
    ("replies", "error", "transient"),
    [
        ([(451, b"busy")], smtplib.SMTPSenderRefused, True),
        ([(250, b"ok"), (550, b"no such user")], smtplib.SMTPRecipientsRefused, False),
        ([(250, b"ok"), (450, b"mailbox busy")], smtplib.SMTPRecipientsRefused, True),
        ([(250, b"ok"), (250, b"ok"), (554, b"rejected")], smtplib.SMTPDataError, False),
    ],
)
def test_a_refusal_over_a_kept_connection_raises_what_smtplib_would(replies, error, transient):
    smtp = mock.Mock(spec=smtplib.SMTP)
    smtp.docmd.side_effect = replies[:2]
    smtp.data.return_value = replies[2] if len(replies) > 2 else (250, b"ok")

    with pytest.raises(error) as raised:
        emails._transact(smtp, sender="no-reply@example.org", recipient="a@example.org", data=b"x")

    assert emails.is_transient(raised.value) is transient
    smtp.rset.assert_called_once()  # the connection is ready for the next message


def test_a_message_over_a_kept_connection_names_only_the_plain_addresses():
    smtp = mock.Mock(spec=smtplib.SMTP)
    smtp.docmd.return_value = (250, b"ok")
    smtp.data.return_value = (250, b"queued")

    emails._transact(smtp, sender="no-reply@example.org", recipient="a@example.org", data=b"x")

    assert smtp.docmd.call_args_list == [
        mock.call("mail", "FROM:<no-reply@example.org>"),
        mock.call("rcpt", "TO:<a@example.org>"),
    ]
    smtp.data.assert_called_once_with(b"x")
    smtp.rset.assert_not_called()


# --- notify_many() --------------------------------------------------------------------


def test_notify_many_makes_the_rows_notify_would_and_only_once(alice, bob, charlie):
    prefer(bob, Kind.THRESHOLD_REACHED, Delivery.DIGEST)
    prefer(charlie, Kind.THRESHOLD_REACHED, Delivery.OFF)
    subject = UserFactory()  # any model row will do as the subject

    made = services.notify_many(
        kind=Kind.THRESHOLD_REACHED,
        recipient_ids=[alice.pk, bob.pk, charlie.pk, alice.pk],
        subject=subject,
        title="On",
        url="/pledges/1/",
    )
    again = services.notify_many(
        kind=Kind.THRESHOLD_REACHED,
        recipient_ids=[alice.pk, bob.pk, charlie.pk],
        subject=subject,
        title="On",
    )

    assert (made, again) == (3, 0)
    statuses = dict(
        Notification.objects.filter(kind=Kind.THRESHOLD_REACHED).values_list(
            "recipient_id", "email_status"
        )
    )
    assert statuses == {alice.pk: Status.PENDING, bob.pk: Status.DIGEST, charlie.pk: Status.SKIPPED}
    # The same key notify() uses: asking notify() for it finds the row.
    _, created = services.notify(
        kind=Kind.THRESHOLD_REACHED, recipient=alice, subject=subject, title="On"
    )
    assert created is False


def test_notify_many_writes_any_number_of_rows_in_one_statement_and_queues_one_send(
    alice, django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    members = [alice, *UserFactory.create_batch(30)]
    queued = []
    monkeypatch.setattr(
        tasks.send_due_notifications,
        "apply_async",
        lambda args=(), kwargs=None, **options: queued.append(1),
    )
    services.notify_many(  # the content type is looked up once
        kind=Kind.PLEDGE_LAPSED, recipient_ids=[alice.pk], subject=alice, title="Warm-up"
    )

    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        made = services.notify_many(
            kind=Kind.THRESHOLD_REACHED,
            recipient_ids=[m.pk for m in members],
            subject=alice,
            title="On",
        )

    assert made == 31
    assert len(queued) == 1


def _full_mailbox_for(address):
    """A mail server that refuses one address for now (452) and takes the rest."""
    real_send = EmailMultiAlternatives.send

    def send(message, fail_silently=False):
        if address in message.to:
            raise smtplib.SMTPRecipientsRefused({address: (452, b"4.2.2 Mailbox full")})
        return real_send(message, fail_silently=fail_silently)

    return send


def test_one_full_mailbox_does_not_hold_back_the_other_digests(alice, bob, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    nudge(alice, kind=Kind.STORY_COMMENT, title="For alice")
    nudge(bob, kind=Kind.STORY_COMMENT, title="For bob")
    mail.outbox.clear()

    with mock.patch.object(EmailMultiAlternatives, "send", _full_mailbox_for(alice.email)):
        assert tasks.send_daily_digests.apply().get() == 1

    assert [m.to for m in mail.outbox] == [[bob.email]]
    digest = Digest.objects.get(recipient=alice)
    assert digest.attempts == 1 and digest.sent_at is None
    assert "Mailbox full" in digest.last_error
    assert Notification.objects.get(title="For alice").email_status == Status.DIGEST


def test_a_refused_digest_is_given_up_after_the_most_attempts(alice, bob, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0
    settings.NOTIFICATIONS_DIGEST_MAX_ATTEMPTS = 3
    nudge(alice, kind=Kind.STORY_COMMENT, title="For alice")
    today = timezone.localdate()

    with mock.patch.object(EmailMultiAlternatives, "send", _full_mailbox_for(alice.email)):
        outcomes = [services.send_digest(recipient_id=alice.pk, day=today).status for _ in "abcd"]

    assert outcomes == ["retry", "retry", "failed", "gave_up"]
    assert Digest.objects.get(recipient=alice).attempts == 3
    assert Notification.objects.get(title="For alice").email_status == Status.FAILED
    nudge(alice, kind=Kind.STORY_COMMENT, period="later", title="Later today")
    assert alice.pk not in services.digest_recipient_ids(now=timezone.now(), day=today, limit=100)


def test_a_refused_digest_that_goes_through_on_a_later_try_is_sent_once(alice, settings):
    nudge(alice, kind=Kind.STORY_COMMENT, title="For alice")
    today = timezone.localdate()
    with mock.patch.object(EmailMultiAlternatives, "send", _full_mailbox_for(alice.email)):
        assert services.send_digest(recipient_id=alice.pk, day=today).status == "retry"
    mail.outbox.clear()

    assert services.send_digest(recipient_id=alice.pk, day=today).status == "sent"

    assert len(mail.outbox) == 1
    digest = Digest.objects.get(recipient=alice)
    assert digest.sent_at is not None and digest.attempts == 1
