"""The search index without a pending list (fastupdate off), changed in place: setting
the storage parameter keeps the index, and the pending list it holds is merged now,
once, rather than by whichever co-sign next finds it full."""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0011_co_signers_notice_due"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "ALTER INDEX pledges_search_document SET (fastupdate = off)",
                        "SELECT gin_clean_pending_list('pledges_search_document'::regclass)",
                    ],
                    reverse_sql=["ALTER INDEX pledges_search_document RESET (fastupdate)"],
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="pledge", name="pledges_search_document"),
                migrations.AddIndex(
                    model_name="pledge",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fastupdate=False,
                        fields=["search_document"],
                        name="pledges_search_document",
                    ),
                ),
            ],
        ),
    ]
