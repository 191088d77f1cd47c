"""Each kind of work on its own queue: where every task is routed, that `make run`'s one
worker consumes every queue, and, with two real workers, that a long export does not
hold up a due nudge."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings

from notifications import tasks
from notifications.models import Notification
from radicals import dev
from radicals.celery import app
from reports.models import Export
from reports.services import export_request
from tests.factories import PledgeFactory
from tests.notifications.test_worker import SmtpSink, Worker, pending_nudges, wait_for

QUEUES = {"email", "rollups", "exports", "default"}


def _queue_of(name: str) -> str:
    route = app.amqp.router.route({}, name)
    return route["queue"].name


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("notifications.tasks.send_notification", "email"),
        ("notifications.tasks.send_due_notifications", "email"),
        ("notifications.tasks.send_daily_digests", "email"),
        ("notifications.tasks.send_organiser_digests", "email"),
        ("pledges.tasks.notify_threshold_reached", "email"),
        ("pledges.tasks.tell_author_about_co_signers", "email"),
        ("pledges.tasks.tell_authors_about_co_signers", "email"),
        ("pledges.tasks.nudge_due_soon", "email"),
        ("pledges.tasks.nudge_quiet_signers", "email"),
        ("learning.tasks.nudge_continue_module", "email"),
        ("reports.tasks.send_invite_email", "email"),
        ("reports.tasks.send_invite_emails", "email"),
        ("reports.tasks.send_summaries", "email"),
        ("reports.tasks.rollups_tick", "rollups"),
        ("reports.tasks.rollups_full", "rollups"),
        ("reports.tasks.award_badges", "rollups"),
        ("reports.tasks.refresh_network", "rollups"),
        ("reports.tasks.run_export", "exports"),
        ("reports.tasks.start_queued_exports", "exports"),
        ("members.tasks.build_data_export", "exports"),
        ("members.tasks.expire_data_exports", "exports"),
        ("pledges.tasks.expire_threshold_deadlines", "default"),
        ("pledges.tasks.complete_due_pledges", "default"),
    ],
)
def test_each_task_goes_to_the_queue_for_its_kind_of_work(task, queue):
    assert _queue_of(task) == queue


def test_every_task_of_the_platform_lands_on_one_of_the_four_queues():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]

    assert len(ours) >= 20
    assert {_queue_of(name) for name in ours} == QUEUES
    assert set(django_settings.CELERY_QUEUES_BY_KIND) == QUEUES


def test_make_run_starts_one_worker_that_consumes_every_queue():
    assert set(dev.WORKER_QUEUES.split(",")) == set(django_settings.CELERY_QUEUES_BY_KIND)


# --- Two real workers -----------------------------------------------------------------------


def _purge_queues() -> None:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(*QUEUES)


@pytest.fixture
def real_queues():
    _purge_queues()
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True
        _purge_queues()


@pytest.fixture
def sink():
    server = SmtpSink()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_long_export_does_not_delay_a_due_nudge(
    real_queues, sink, tmp_path, admin_user, settings
):
    release = tmp_path / "release-the-export"
    env = {"SLOW_EXPORT_RELEASE": release, "DJANGO_MEDIA_ROOT": tmp_path / "media"}
    started = []
    try:
        slow = "tests.radicals.slow_export_worker"
        for queue, module in (("exports", slow), ("email", "celery")):
            started.append(
                Worker(
                    queue=queue,
                    smtp_port=sink.port,
                    log=tmp_path / f"{queue}.log",
                    module=module,
                    **env,
                )
            )
        PledgeFactory.create_batch(3)
        settings.REPORTS_EXPORT_INLINE_ROWS = -1
        # Queued on commit through the routes, as a request would.
        export = export_request(user=admin_user, dataset="pledges", format="csv").export
        wait_for(
            lambda: Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).exists(),
            timeout=60,
            what="the export to start on the exports worker",
        )

        nudge = pending_nudges(1)[0]
        tasks.send_notification.delay(nudge.pk)
        wait_for(
            lambda: Notification.objects.filter(
                pk=nudge.pk, email_status=Notification.EmailStatus.SENT
            ).exists(),
            timeout=30,
            what="the nudge to be emailed while the export runs",
        )

        assert Export.objects.get(pk=export.pk).status == Export.Status.RUNNING
        assert len(sink.messages) == 1
        release.touch()
        wait_for(
            lambda: Export.objects.filter(pk=export.pk, status=Export.Status.DONE).exists(),
            timeout=60,
            what="the export to finish once let go",
        )
    finally:
        for worker in started:
            worker.stop()
    assert "reports.tasks.run_export[" not in started[1].log_text()
    assert "notifications.tasks.send_notification[" not in started[0].log_text()
