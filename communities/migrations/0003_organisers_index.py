"""A community's organisers, read for its page among hundreds of memberships: a partial
index, built concurrently (the membership table is large)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("communities", "0002_invitations_flags_audit"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="membership",
            index=models.Index(
                condition=models.Q(role="organiser", status="active"),
                fields=["community"],
                name="communities_organisers",
            ),
        ),
    ]
