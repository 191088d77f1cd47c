"""The replica router's fallbacks: no replica, an unreachable one, one that fails in the
middle of a read. (Against a real standby: tests/integration/test_replica.py.)"""

import copy
import logging
import socket
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse

from kernel import replica
from kernel.replica import read_alias, reads_from_replica
from pledges.models import Pledge
from tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def add_replica(monkeypatch, django_db_blocker):
    """Adds a "replica" alias for one test: the test database itself, or a dead address."""
    # Django's test case refuses connections to aliases added after it started.
    monkeypatch.setattr(
        BaseDatabaseWrapper, "ensure_connection", django_db_blocker._real_ensure_connection
    )

    def add(**changes):
        settings_dict = copy.deepcopy(connections["default"].settings_dict)
        settings_dict.update(changes)
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
        settings_dict["TEST"] = {"MIRROR": "default"}
        connections.settings[replica.REPLICA] = settings_dict
        replica.reset()

    yield add
    if replica.REPLICA in connections.settings:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]
    replica.reset()


def test_without_a_replica_everything_reads_the_primary():
    with replica.fresh_state(), reads_from_replica():
        assert read_alias() == "default"
    assert replica.status() == "not configured"


def test_a_healthy_replica_is_ok_and_takes_the_marked_reads_only(add_replica):
    add_replica()
    assert replica.status() == "ok"
    with replica.fresh_state():
        assert read_alias() == "default"
        with reads_from_replica():
            assert read_alias() == "replica"
            assert Pledge.objects.all().db == "replica"


def test_a_read_after_a_write_in_the_same_task_uses_the_primary(add_replica):
    add_replica()
    with replica.fresh_state(), reads_from_replica():
        PledgeFactory()
        assert read_alias() == "default"
        # A task run eagerly in the middle is part of the same work: still pinned.
        replica.task_started(task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
        assert read_alias() == "default"
    replica.task_started(task=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    with reads_from_replica():
        assert read_alias() == "replica"


def test_raw_sql_that_changes_data_pins_the_request_to_the_primary(add_replica):
    add_replica()
    with replica.fresh_state(), reads_from_replica():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        assert read_alias() == "replica"
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE pledges_pledge SET title = title WHERE false")
        assert read_alias() == "default"


def test_an_unreachable_replica_falls_back_to_the_primary_with_a_warning(
    add_replica, admin_user, client, caplog
):
    add_replica(HOST="127.0.0.1", PORT=str(closed_port()))
    client.force_login(admin_user)

    with caplog.at_level(logging.WARNING, logger="kernel.replica"):
        response = client.get(reverse("reports:dashboard"))

    assert response.status_code == 200
    assert "The read replica failed" in caplog.text
    assert replica.status() == "unreachable"


def test_a_dead_replica_is_not_tried_again_on_every_query(add_replica, monkeypatch):
    add_replica(HOST="127.0.0.1", PORT=str(closed_port()))
    attempts = []
    real_connect = BaseDatabaseWrapper.connect

    def counting_connect(self):
        if self.alias == replica.REPLICA:
            attempts.append(1)
        return real_connect(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "connect", counting_connect)
    with replica.fresh_state(), reads_from_replica():
        for _ in range(5):
            assert read_alias() == "default"
            list(Pledge.objects.all())

    assert len(attempts) == 1


def test_a_replica_failing_in_the_middle_of_a_read_is_read_again_from_the_primary(
    add_replica, caplog
):
    add_replica()
    pledge = PledgeFactory()
    connections[replica.REPLICA].ensure_connection()

    def gone(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    @reads_from_replica()
    def titles():
        return list(Pledge.objects.values_list("title", flat=True))

    with (
        replica.fresh_state(),
        connections[replica.REPLICA].execute_wrapper(gone),
        caplog.at_level(logging.WARNING, logger="kernel.replica"),
    ):
        assert titles() == [pledge.title]

    assert "The read replica failed" in caplog.text
    assert replica.status() == "unreachable"


def test_a_query_error_on_the_replica_is_not_hidden(add_replica):
    add_replica()

    @reads_from_replica()
    def broken():
        with connections[read_alias()].cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    with replica.fresh_state(), pytest.raises(Exception, match="no_such_table"):
        broken()
    assert replica.status() == "ok"


def new_pledge(theme) -> dict:
    import datetime

    from django.utils import timezone

    return {
        "title": "walk the ward at handover",
        "theme": theme.slug,
        "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }


def test_a_member_who_just_wrote_reads_the_primary_for_a_while(add_replica, settings, alice, bob):
    from django.test import Client

    from tests.factories import ThemeFactory

    add_replica()
    settings.ROOT_URLCONF = "tests.kernel.replica_urls"
    theme = ThemeFactory()
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)

    assert as_alice.get("/heavy/which-database/").json() == {"database": "replica"}
    created = as_alice.post("/api/pledges/", new_pledge(theme), content_type="application/json")
    assert created.status_code == 201

    assert as_alice.get("/heavy/which-database/").json() == {"database": "default"}
    assert as_bob.get("/heavy/which-database/").json() == {"database": "replica"}
    # A reading request does not stretch the window.
    assert replica.COOKIE not in as_alice.get("/heavy/which-database/").cookies


def test_a_forged_or_expired_stamp_does_not_pin_a_member(add_replica, settings, alice):
    from django.test import Client

    add_replica()
    settings.ROOT_URLCONF = "tests.kernel.replica_urls"
    browser = Client()
    browser.force_login(alice)
    browser.cookies[replica.COOKIE] = "9999999999"

    assert browser.get("/heavy/which-database/").json() == {"database": "replica"}


def test_a_token_client_that_just_wrote_reads_the_primary(add_replica, settings, alice):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import ThemeFactory

    add_replica()
    settings.ROOT_URLCONF = "tests.kernel.replica_urls"
    token = Token.objects.create(user=alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    created = api.post("/api/pledges/", new_pledge(ThemeFactory()), format="json")
    assert created.status_code == 201
    api.cookies.clear()

    assert api.get("/api/heavy/which-database/").json() == {"database": "default"}
