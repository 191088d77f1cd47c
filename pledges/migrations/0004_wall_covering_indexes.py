"""The wall's newest-first indexes carry the columns its visibility rule and default
filter read, so a page's ids (up to page 50) come from the index alone; and a partial
index answers a moderator's count of pledges waiting in their communities.

Built concurrently (the pledge table is large and busy); the new indexes are in place
before the ones they replace are dropped."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("pledges", "0003_community_newest_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="pledge",
            index=models.Index(
                fields=["-created_at", "-id"],
                include=["status", "visibility", "moderation_status", "author", "community"],
                name="pledges_newest_covering",
            ),
        ),
        AddIndexConcurrently(
            model_name="pledge",
            index=models.Index(
                fields=["status", "-created_at", "-id"],
                include=["visibility", "moderation_status", "author", "community"],
                name="pledges_status_newest_covering",
            ),
        ),
        AddIndexConcurrently(
            model_name="pledge",
            index=models.Index(
                condition=models.Q(moderation_status="pending"),
                fields=["community"],
                name="pledges_pending_by_community",
            ),
        ),
        RemoveIndexConcurrently(model_name="pledge", name="pledges_newest"),
        RemoveIndexConcurrently(model_name="pledge", name="pledges_status_newest"),
    ]
