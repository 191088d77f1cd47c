"""/healthz is cheap liveness for anyone; /readyz is readiness in fixed words."""

import time
from unittest import mock

import pytest
from django.urls import reverse

from radicals import readiness

pytestmark = pytest.mark.django_db


@pytest.fixture
def heartbeat_now(settings):
    url = settings.REDIS_URL
    readiness.record_worker_heartbeat()
    yield
    readiness._redis(url).delete(readiness.HEARTBEAT_KEY)


def test_healthz_answers_ok_without_touching_the_database_or_pinging_workers(
    client, django_assert_num_queries
):
    with (
        mock.patch("radicals.celery.app.control.ping") as ping,
        django_assert_num_queries(0),
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    ping.assert_not_called()


def test_healthz_stays_ok_and_says_nothing_more_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_every_service_answers_and_a_worker_beat_recently(
    client, heartbeat_now
):
    with mock.patch("radicals.celery.app.control.ping") as ping:
        response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "replica": "not configured",
            "cache": "ok",
            "broker": "ok",
            "worker": "ok",
        },
    }
    ping.assert_not_called()


def test_readyz_calls_the_workers_stale_when_no_heartbeat_is_recent(client, settings):
    settings.WORKER_HEARTBEAT_STALE_AFTER = 60
    readiness.record_worker_heartbeat(now=time.time() - 600)

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale"


def test_the_beat_heartbeat_task_makes_the_workers_ok_again(client):
    from radicals.celery import worker_heartbeat

    readiness.record_worker_heartbeat(now=0)
    worker_heartbeat.apply()

    assert client.get(reverse("readyz")).json()["checks"]["worker"] == "ok"


def test_readyz_is_503_with_fixed_words_only_when_redis_and_the_broker_are_down(
    client, settings, heartbeat_now
):
    down = "redis://127.0.0.1:1/0"
    settings.REDIS_URL = down
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": down},
    }
    with mock.patch("radicals.celery.app.connection_for_write") as connection:
        opened = connection.return_value.__enter__.return_value
        opened.ensure_connection.side_effect = ConnectionError(
            "Error 111 connecting to 127.0.0.1:1. Connection refused."
        )
        response = client.get(reverse("readyz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unready"
    assert body["checks"]["cache"] == "unreachable"
    assert body["checks"]["broker"] == "unreachable"
    assert body["checks"]["worker"] == "unreachable"
    assert body["checks"]["database"] == "ok"
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_reports_an_unreachable_replica_quickly(client, settings, heartbeat_now):
    from django.db import connections

    replica = {**settings.DATABASES["default"], "HOST": "127.0.0.1", "PORT": "1"}
    settings.DATABASES = {**settings.DATABASES, "replica": replica}
    connections.settings = settings.DATABASES
    try:
        started = time.monotonic()
        response = client.get(reverse("readyz"))
        elapsed = time.monotonic() - started
    finally:
        # The alias's connection goes with it, so no later test finds it on port 1.
        connections["replica"].close()
        del connections["replica"]
        del connections.settings  # built again from the restored DATABASES

    assert response.status_code == 503
    assert response.json()["checks"]["replica"] == "unreachable"
    assert elapsed < 5


def test_readyz_reports_a_reachable_replica_as_ok(client, settings, heartbeat_now):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}

    with mock.patch.object(readiness, "_database_answers", return_value="ok") as answers:
        response = client.get(reverse("readyz"))

    assert response.json()["checks"]["replica"] == "ok"
    answers.assert_any_call("replica", fresh=True)


def test_with_a_readiness_token_only_staff_or_the_token_bearer_are_answered(
    client, client_for, admin_user, alice, settings, heartbeat_now
):
    settings.READINESS_TOKEN = "s3cret-token"

    assert client.get(reverse("readyz")).status_code == 404
    assert client_for(alice).get(reverse("readyz")).status_code == 404
    assert client.get(reverse("readyz"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert (
        client.get(reverse("readyz"), HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    )
    assert client_for(admin_user).get(reverse("readyz")).status_code == 200


def test_an_unreachable_broker_is_reported_within_a_couple_of_seconds(settings):
    from radicals.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        started = time.monotonic()
        assert readiness.broker_status() == "unreachable"
    finally:
        app.conf.broker_url = previous
    assert time.monotonic() - started < 3
