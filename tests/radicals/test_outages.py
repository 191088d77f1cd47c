"""Redis is a cache and a broker, never a single point of failure: with the cache and the
broker unreachable every page and every write answers, keeps its rows, and leaves its
emails in the outbox, which beat's sweep sends once they are back."""

from __future__ import annotations

import datetime
import logging
import socket

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from communities.models import Membership
from kernel.queue import enqueue
from notifications import tasks as notification_tasks
from notifications.models import Kind, Notification
from pledges.models import CheckIn, Pledge, Signature
from radicals import cache as radicals_cache
from radicals.celery import app
from reports import services as report_services
from reports.models import InviteEmail
from stories.models import Comment, Story
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
Status = Notification.EmailStatus


def closed_port() -> int:
    """A loopback port nothing listens on: bound, read, and closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_broker_connections() -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def page_caches_on(settings):
    """The production page caches, so every cached path is taken."""
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 5
    settings.MEMBER_PAGE_CACHE_SECONDS = 5
    settings.SHARED_PAGE_CACHE_SECONDS = 300
    settings.HEADER_COUNTS_CACHE_SECONDS = 10


@pytest.fixture
def cache_down(settings):
    """The cache points at a closed port (a fresh cache connection, and no breaker
    remembering an earlier failure)."""
    radicals_cache.reset_breakers()
    caches = {name: dict(options) for name, options in settings.CACHES.items()}
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{closed_port()}/1"
    settings.CACHES = caches
    yield
    radicals_cache.reset_breakers()


@pytest.fixture
def broker_down():
    """The broker points at a closed port and tasks are really published (not run)."""
    conf = app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    conf.task_always_eager = False
    _reset_broker_connections()
    yield
    conf.broker_url, conf.task_always_eager = saved
    _reset_broker_connections()


@pytest.fixture
def outage(page_caches_on, cache_down, broker_down, django_capture_on_commit_callbacks):
    """Cache and broker both away; on-commit work runs as it would after a real commit."""
    with django_capture_on_commit_callbacks(execute=True):
        yield


def _pages(pledge, community, story):
    return [
        reverse("home"),
        reverse("pledges:wall"),
        pledge.get_absolute_url(),
        reverse("communities:detail", args=[community.slug]),
        story.get_absolute_url(),
        reverse("account_login"),
    ]


# --- Pages ----------------------------------------------------------------------------


def test_every_page_answers_for_visitors_while_the_cache_and_broker_are_down(
    client, outage, pledge_with_signers, community, story
):
    for url in _pages(pledge_with_signers, community, story):
        for _ in range(2):  # the second visit would be served from the cache
            response = client.get(url)
            assert response.status_code == 200, url


def test_every_page_answers_for_members_while_the_cache_and_broker_are_down(
    client, outage, pledge_with_signers, community, story, charlie
):
    client.force_login(charlie)
    for url in _pages(pledge_with_signers, community, story)[:-1]:
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url


def test_a_member_signs_in_while_the_cache_and_broker_are_down(client, outage, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("pledges:wall")).context["request"].user == alice


# --- Writes ---------------------------------------------------------------------------


def test_signing_and_unsigning_keep_their_rows_and_the_notices_wait_in_the_outbox(
    client_for, outage, pledge_with_signers, alice, bob, charlie
):
    response = client_for(charlie).post(reverse("pledges:sign", args=[pledge_with_signers.pk]))

    assert response.status_code == 302
    assert Signature.objects.filter(pledge=pledge_with_signers, member=charlie).exists()
    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.status == Pledge.Status.ACTIVE
    # Everyone who signed is told the pledge is on, in the same transaction as the change.
    reached = Notification.objects.filter(kind=Kind.THRESHOLD_REACHED)
    assert {n.recipient_id for n in reached} == {alice.pk, bob.pk, charlie.pk}
    assert {n.email_status for n in reached} == {Status.PENDING}

    dave = UserFactory(display_name="Dave Davies")
    client_for(dave).post(reverse("pledges:sign", args=[pledge_with_signers.pk]))
    response = client_for(dave).post(reverse("pledges:unsign", args=[pledge_with_signers.pk]))
    assert response.status_code == 302
    assert not Signature.objects.filter(member=dave).exists()


def test_making_a_pledge_and_checking_in_keep_their_rows(client_for, outage, alice, theme):
    client = client_for(alice)
    response = client.post(
        reverse("pledges:create"),
        {
            "title": "learn the names of the domestic team",
            "description": "",
            "theme": theme.pk,
            "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "threshold": "",
            "threshold_deadline": "",
            "campaign": "",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get(author=alice)

    response = client.post(reverse("pledges:check_in", args=[pledge.pk]), {"note": "Two names"})
    assert response.status_code == 302
    assert CheckIn.objects.filter(pledge=pledge, note="Two names").exists()


def test_writing_a_story_and_commenting_keep_their_rows(client_for, outage, alice, bob, story):
    response = client_for(bob).post(
        reverse("stories:create"),
        {
            "title": "Noise at night on ward 7",
            "summary": "We cut the noise at night by half.",
            "body": "We measured it first.",
            "outcome": "Noise at night fell from 62 dB to 48 dB",
            "community": "",
            "tags": "nights, noise",
        },
    )
    assert response.status_code == 302
    assert Story.objects.filter(author=bob, title="Noise at night on ward 7").exists()

    response = client_for(bob).post(
        reverse("stories:comment_create", args=[story.slug]), {"body": "How did you start?"}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(story=story, author=bob).exists()
    # Alice's notice of the comment waits in the outbox (or her digest).
    assert Notification.objects.filter(recipient=alice, kind=Kind.STORY_COMMENT).exists()


def test_joining_a_community_keeps_the_membership(client_for, outage, community, charlie):
    response = client_for(charlie).post(reverse("communities:join", args=[community.slug]))

    assert response.status_code == 302
    assert Membership.objects.filter(community=community, member=charlie).exists()


def test_inviting_a_colleague_keeps_the_invitation_pending(client_for, outage, alice):
    response = client_for(alice).post(
        reverse("reports:invite"), {"email": "colleague@nhs.net", "message": "Join us!"}
    )

    assert response.status_code < 500
    invitation = InviteEmail.objects.get(inviter=alice)
    assert invitation.email_status == InviteEmail.EmailStatus.PENDING
    assert mail.outbox == []


def test_the_outbox_catches_up_once_the_broker_is_back_and_sends_each_email_once(
    client_for,
    page_caches_on,
    cache_down,
    pledge_with_signers,
    charlie,
    alice,
    django_capture_on_commit_callbacks,
):
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.conf.task_always_eager = False
    _reset_broker_connections()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client_for(charlie).post(reverse("pledges:sign", args=[pledge_with_signers.pk]))
            client_for(alice).post(reverse("reports:invite"), {"email": "colleague@nhs.net"})
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_broker_connections()
    pending = Notification.objects.filter(email_status=Status.PENDING)
    assert pending.count() == 3 and mail.outbox == []

    # Beat's sweeps, with the broker back (tasks run eagerly here).
    notification_tasks.send_due_notifications.apply()
    report_services.invite_emails_send_due()
    notification_tasks.send_due_notifications.apply()
    report_services.invite_emails_send_due()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [alice.email, "bob@example.nhs.uk", charlie.email, "colleague@nhs.net"]
    )
    assert not Notification.objects.filter(email_status=Status.PENDING).exists()
    assert InviteEmail.objects.get().email_status == InviteEmail.EmailStatus.SENT


# --- SMTP -----------------------------------------------------------------------------


def test_an_invitation_is_saved_while_the_mail_server_is_down_and_sent_later(
    client_for, settings, alice, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("reports:invite"), {"email": "colleague@nhs.net"})

    assert response.status_code == 302
    invitation = InviteEmail.objects.get()
    assert invitation.email_status == InviteEmail.EmailStatus.PENDING
    assert invitation.email_attempts == 1 and invitation.last_error
    assert invitation.send_after > timezone.now()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert report_services.invite_emails_send_due() == 0  # not due yet: it backs off
    InviteEmail.objects.update(send_after=timezone.now())
    assert report_services.invite_emails_send_due() == 1
    assert report_services.invite_emails_send_due() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Radicals] Alice Ahmed invites you to join Radicals"


def test_an_old_name_with_a_line_break_cannot_break_the_invitation_header(alice):
    type(alice).objects.filter(pk=alice.pk).update(display_name="Alice\nBcc: everyone@nhs.net")
    alice.refresh_from_db()

    report_services.invite_email_send(inviter=alice, email="colleague@nhs.net")
    report_services.invite_emails_send_due()

    assert mail.outbox[0].subject == (
        "[Radicals] Alice Bcc: everyone@nhs.net invites you to join Radicals"
    )
    assert InviteEmail.objects.get().email_status == InviteEmail.EmailStatus.SENT


# --- The queue helper -----------------------------------------------------------------


def test_enqueue_answers_false_and_logs_when_the_broker_is_unreachable(broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="kernel.queue"):
        assert enqueue(notification_tasks.send_due_notifications) is False
    assert "send_due_notifications" in caplog.text


def test_enqueue_answers_true_when_the_task_is_handed_over(db):
    assert enqueue(notification_tasks.send_due_notifications) is True


def test_after_a_failed_publish_the_process_queues_nothing_for_a_while(monkeypatch):
    from kernel import queue

    tries = []

    def refuse(*args, **kwargs):
        tries.append(1)
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(notification_tasks.send_due_notifications, "apply_async", refuse)
    now = [1000.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: now[0])

    assert [enqueue(notification_tasks.send_due_notifications) for _ in range(5)] == [False] * 5
    assert len(tries) == 1

    now[0] += django_settings.QUEUE_RETRY_AFTER + 0.1
    assert enqueue(notification_tasks.send_due_notifications) is False
    assert len(tries) == 2


def test_publishing_to_an_unreachable_broker_gives_up_within_a_second(broker_down):
    started = timezone.now()
    enqueue(notification_tasks.send_due_notifications)
    assert timezone.now() - started < datetime.timedelta(seconds=1)


# --- The cache ------------------------------------------------------------------------


def test_every_cache_call_falls_through_while_redis_is_unreachable(cache_down):
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["k", "l"]) == {}
    assert cache.has_key("k") is False
    assert cache.set("k", 1) is False
    assert cache.add("k", 1) is True  # nobody else can hold it: go ahead
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.delete_many(["k", "l"]) is False
    assert cache.set_many({"k": 1}) == ["k"]
    assert cache.clear() is False
    assert cache.get_or_set("k", 7) == 7
    assert cache.get("k") is None
    with pytest.raises(ValueError):
        cache.incr("k")


def test_after_a_failure_the_cache_skips_redis_for_a_while_then_tries_again(
    cache_down, monkeypatch, caplog
):
    calls = []
    original = radicals_cache.ReusedRedisCacheClient.get_client

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(radicals_cache.ReusedRedisCacheClient, "get_client", counted)
    now = [1000.0]
    monkeypatch.setattr(radicals_cache.time, "monotonic", lambda: now[0])

    with caplog.at_level(logging.WARNING, logger="radicals.cache"):
        for _ in range(20):
            cache.get("k")
        assert len(calls) == 1  # one try, then the breaker is open

        now[0] += django_settings.CACHE_RETRY_AFTER + 0.1
        cache.get("k")
        cache.get("k")
    assert len(calls) == 2  # tried once more after the pause, and failed again
    # One warning a minute, not one per call.
    assert len([r for r in caplog.records if r.name == "radicals.cache"]) == 1


def test_the_breaker_lets_calls_through_again_once_redis_answers(settings):
    radicals_cache.reset_breakers()
    breaker = radicals_cache.breaker_for([settings.CACHES["default"]["LOCATION"]])
    breaker.trip(server="test", error=ConnectionError("gone"))
    assert cache.set("k", 1) is False  # skipped while open

    breaker.reset()
    assert cache.set("k", 1) is True
    assert cache.get("k") == 1


def _ttl(key: str) -> int:
    return cache._cache.get_client(write=True).ttl(cache.make_key(key))


def test_every_cache_key_gets_a_lifetime_even_when_asked_to_keep_it_for_ever(db):
    cache.set("set", 1, timeout=None)
    cache.add("add", 1, timeout=None)
    cache.set_many({"many": 1}, timeout=None)
    cache.set("touched", 1)
    cache.touch("touched", timeout=None)
    cache.get_or_set("got", 1, timeout=None)
    cache.set("counted", 1, timeout=None)
    cache.incr("counted")

    for key in ["set", "add", "many", "touched", "got", "counted"]:
        assert 0 < _ttl(key) <= django_settings.CACHE_MAX_TIMEOUT, key


def test_no_key_the_pages_write_lives_for_ever(
    client, client_for, page_caches_on, pledge_with_signers, community, story, charlie
):
    for url in _pages(pledge_with_signers, community, story):
        client.get(url)
    member = client_for(charlie)
    for url in _pages(pledge_with_signers, community, story)[:-1]:
        member.get(url)
    member.post(reverse("pledges:sign", args=[pledge_with_signers.pk]))

    redis = cache._cache.get_client(write=True)
    keys = list(redis.scan_iter(count=1000))
    assert keys
    assert [key for key in keys if redis.ttl(key) < 0] == []
