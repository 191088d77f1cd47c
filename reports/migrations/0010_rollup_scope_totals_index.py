"""A scope's rollup days with every metric in the index: its all-time totals are summed
from the index alone (an index-only scan) instead of fetching each day's row from the
table. Built concurrently before the index it replaces is dropped (the table holds a
row a day for every scope)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0009_appreciated_badge"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="dailyrollup",
            index=models.Index(
                fields=["scope", "scope_id", "day"],
                include=(
                    "pledges_made",
                    "co_signs",
                    "pledges_active",
                    "pledges_completed",
                    "pledges_failed",
                    "people_done",
                    "outcome_total",
                    "check_ins",
                    "commitments_checked_in",
                    "stories_published",
                    "enrolments",
                    "module_completions",
                    "certificates",
                    "new_members",
                ),
                name="reports_rollup_scope_totals",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="dailyrollup",
            name="reports_rollup_scope",
        ),
    ]
