"""An index for "is this a commitment's first check-in?", which the rollups ask of
every check-in they count.

Without it each check-in reads every other check-in of its pledge (hundreds on a busy
pledge), so a full recount of a million check-ins does hundreds of millions of row
visits. With it the question is one probe of (pledge, author, created_at, id).
Built CONCURRENTLY, so adding it to a live database does not block writes.
"""

from django.db import migrations

NAME = "reports_src_checkin_first"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0002_indexes_for_rollups")]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON pledges_checkin"
                " (pledge_id, author_id, created_at, id) WHERE moderation_status = 'published'"
            ),
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}",
        )
    ]
