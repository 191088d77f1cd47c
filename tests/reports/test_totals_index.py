"""A scope's all-time totals are summed from the rollups' index alone: every metric is
held in `reports_rollup_scope_totals`, so stored_totals reads no table row (an index-only
scan), and its answer is the sum of the rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from reports import selectors
from reports.models import METRIC_NAMES, DailyRollup, Scope

pytestmark = pytest.mark.django_db


def test_the_scope_index_holds_every_metric():
    (index,) = [i for i in DailyRollup._meta.indexes if i.name == "reports_rollup_scope_totals"]

    assert index.fields == ["scope", "scope_id", "day"]
    assert set(index.include) == set(METRIC_NAMES)


def test_a_scopes_totals_are_read_from_the_index_alone():
    start = datetime.date(2026, 1, 1)
    DailyRollup.objects.bulk_create(
        DailyRollup(
            day=start + datetime.timedelta(days=n), scope=Scope.COMMUNITY, scope_id=7, co_signs=2
        )
        for n in range(40)
    )
    DailyRollup.objects.create(day=start, scope=Scope.COMMUNITY, scope_id=8, co_signs=100)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sums = ", ".join(f"SUM({name})" for name in METRIC_NAMES)
        cursor.execute(
            f"EXPLAIN SELECT {sums} FROM {DailyRollup._meta.db_table} "  # noqa: S608  # nosec B608
            "WHERE scope = %s AND scope_id = %s",
            [Scope.COMMUNITY, 7],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using reports_rollup_scope_totals" in plan
    assert selectors.stored_totals(scope=Scope.COMMUNITY, scope_id=7)["co_signs"] == 80
