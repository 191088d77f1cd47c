"""The read replica against a real streaming standby of the test server."""

import datetime

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel import replica
from kernel.replica import read_alias, reads_from_replica
from pledges.models import Pledge
from reports.models import DailyRollup
from tests.factories import PledgeFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_a_report_read_goes_to_the_standby(replica_database):
    admin = UserFactory(is_staff=True, is_superuser=True)
    replica_database.wait_for_replay()
    client = Client()
    client.force_login(admin)

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(reverse("reports:dashboard"))

    assert response.status_code == 200
    rollups = DailyRollup._meta.db_table
    assert any(rollups in q["sql"] for q in on_replica.captured_queries)
    assert writes(on_replica.captured_queries) == []
    with replica.fresh_state(), reads_from_replica():
        alias = read_alias()
    assert alias == "replica"
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)


def test_an_ordinary_page_never_reads_the_standby(replica_database):
    pledge = PledgeFactory()
    replica_database.wait_for_replay()

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = Client().get(reverse("pledges:detail", args=[pledge.pk]))

    assert response.status_code == 200
    assert on_replica.captured_queries == []


def test_a_write_never_goes_to_the_standby_and_later_reads_use_the_primary(replica_database):
    alice = UserFactory()
    theme = ThemeFactory()
    replica_database.wait_for_replay()

    with replica.fresh_state(), reads_from_replica():
        assert read_alias() == "replica"
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            pledge = PledgeFactory(author=alice, theme=theme)
            assert read_alias() == "default"
            # Read at once, though the standby may not have replayed it yet.
            assert Pledge.objects.filter(pk=pledge.pk).exists()

    assert on_replica.captured_queries == []
    assert Pledge.objects.using("default").filter(pk=pledge.pk).exists()


def test_a_member_sees_their_own_new_pledge_at_once_while_the_replica_lags(
    replica_database, settings
):
    settings.ROOT_URLCONF = "tests.integration.urls"
    alice, bob = UserFactory(), UserFactory()
    theme = ThemeFactory()
    replica_database.wait_for_replay()
    replica_database.pause_replay()
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)

    created = as_alice.post(
        "/api/pledges/",
        {
            "title": "bring back the tea trolley on nights",
            "theme": theme.slug,
            "due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert replica.COOKIE in created.cookies

    seen_by_alice = as_alice.get(f"/heavy/pledges-of/{alice.pk}/").json()["titles"]
    seen_by_bob = as_bob.get(f"/heavy/pledges-of/{alice.pk}/").json()["titles"]

    assert seen_by_alice == ["bring back the tea trolley on nights"]
    # Bob reads the standby, which has not replayed it yet: the lag is real.
    assert seen_by_bob == []
    replica_database.resume_replay()
    replica_database.wait_for_replay()
    assert as_bob.get(f"/heavy/pledges-of/{alice.pk}/").json()["titles"] == [
        "bring back the tea trolley on nights"
    ]
