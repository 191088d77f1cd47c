"""A co-sign's credit to the pledge's author is read from the signature, no longer
stored as an Attribution (every co-sign had one, written inside the co-sign request).
The rows already stored go; reversing stores them again from the signatures."""

from django.db import migrations

FORWARD = "DELETE FROM reports_attribution WHERE via = 'pledge'"
BACKWARD = (
    "INSERT INTO reports_attribution (inviter_id, invitee_id, kind, via, signature_id,"
    " community_id, campaign_id, created_at)"
    " SELECT p.author_id, s.member_id, 'co_sign', 'pledge', s.id, p.community_id,"
    " p.campaign_id, s.signed_at FROM pledges_signature s"
    " JOIN pledges_pledge p ON p.id = s.pledge_id"
    " WHERE NOT s.is_author AND s.member_id <> p.author_id ON CONFLICT DO NOTHING"
)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_rollup_follow_ups"), ("pledges", "0003_community_newest_index")]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
