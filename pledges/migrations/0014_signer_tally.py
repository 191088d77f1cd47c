import django.db.models.deletion
from django.db import migrations, models

# PostgreSQL keeps SignerTally as the pledge's own count: a pledge inserted gets its row
# (per statement, so a bulk insert is one INSERT … SELECT), and a changed signer_count
# is copied in the same transaction, whoever changed it.
TRIGGERS = """
CREATE FUNCTION pledges_signer_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pledges_signertally (pledge_id, signer_count)
    SELECT id, signer_count FROM inserted_pledges;
    RETURN NULL;
END $$;
CREATE TRIGGER pledges_signer_tally_insert AFTER INSERT ON pledges_pledge
    REFERENCING NEW TABLE AS inserted_pledges
    FOR EACH STATEMENT EXECUTE FUNCTION pledges_signer_tally_insert();

CREATE FUNCTION pledges_signer_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pledges_signertally SET signer_count = NEW.signer_count WHERE pledge_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER pledges_signer_tally_update AFTER UPDATE OF signer_count ON pledges_pledge
    FOR EACH ROW WHEN (OLD.signer_count IS DISTINCT FROM NEW.signer_count)
    EXECUTE FUNCTION pledges_signer_tally_update();
"""
NO_TRIGGERS = """
DROP TRIGGER IF EXISTS pledges_signer_tally_update ON pledges_pledge;
DROP FUNCTION IF EXISTS pledges_signer_tally_update();
DROP TRIGGER IF EXISTS pledges_signer_tally_insert ON pledges_pledge;
DROP FUNCTION IF EXISTS pledges_signer_tally_insert();
"""
FILL = (
    "INSERT INTO pledges_signertally (pledge_id, signer_count) "
    "SELECT id, signer_count FROM pledges_pledge"
)
# Room on each page of the pledge table for the co-sign's new row version, so its
# update stays on the page (HOT). Pages written before this keep none until the table
# is rewritten (VACUUM FULL, or pg_repack without the lock; see README).
ROOM_FOR_HOT = "ALTER TABLE pledges_pledge SET (fillfactor = 85)"
NO_ROOM = "ALTER TABLE pledges_pledge RESET (fillfactor)"


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0013_signature_keys_without_own_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignerTally",
            fields=[
                (
                    "pledge",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="tally",
                        serialize=False,
                        to="pledges.pledge",
                        verbose_name="pledge",
                    ),
                ),
                (
                    "signer_count",
                    models.PositiveIntegerField(
                        default=1, editable=False, verbose_name="signers"
                    ),
                ),
            ],
            options={
                "verbose_name": "signer tally",
                "verbose_name_plural": "signer tallies",
            },
        ),
        migrations.RunSQL(sql=FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=NO_TRIGGERS),
        migrations.RemoveIndex(model_name="pledge", name="pledges_most_signed"),
        migrations.AddIndex(
            model_name="signertally",
            index=models.Index(fields=["-signer_count", "-pledge"], name="pledges_most_signed"),
        ),
        migrations.RunSQL(sql=ROOM_FOR_HOT, reverse_sql=NO_ROOM),
    ]
