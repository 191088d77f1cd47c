import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The two single-column indexes Django made for the signature's keys. Each is the
# leading column of another index (the unique pledge-and-member constraint, the
# pledge's order of signing, the member's newest first), so only the indexes go: the
# foreign keys stay as they are, not dropped and validated again over every row.
INDEXES = {
    "pledges_signature_pledge_id_70d1ebc1": "pledge_id",
    "pledges_signature_member_id_aa2226ef": "member_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0012_search_index_without_pending_list"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="signature",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pledge_signatures",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
                migrations.AlterField(
                    model_name="signature",
                    name="pledge",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="signatures",
                        to="pledges.pledge",
                        verbose_name="pledge",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "pledges_signature" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
