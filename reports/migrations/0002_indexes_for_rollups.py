"""Indexes the rollups need on the timestamps of other apps' tables.

Recounting a day, and reading the days still waiting for the tick, look up the events
of that day by their timestamp; without these, each would read every signature,
check-in and membership on the platform. They belong to the reports app (named
reports_…), which is the only reader that needs them, so the apps that own the tables
stay unaware of them. Built CONCURRENTLY, so adding them to a live database does not
block writes.
"""

from django.db import migrations

INDEXES = [
    ("reports_src_signature_signed", "pledges_signature", "signed_at", ""),
    ("reports_src_signature_done", "pledges_signature", "done_at", "done_at IS NOT NULL"),
    ("reports_src_checkin_created", "pledges_checkin", "created_at", ""),
    ("reports_src_pledge_activated", "pledges_pledge", "activated_at", "activated_at IS NOT NULL"),
    ("reports_src_pledge_completed", "pledges_pledge", "completed_at", "completed_at IS NOT NULL"),
    ("reports_src_pledge_failed", "pledges_pledge", "failed_at", "failed_at IS NOT NULL"),
    ("reports_src_story_featured", "stories_story", "featured_at", "featured_at IS NOT NULL"),
    ("reports_src_enrolment_enrolled", "learning_enrolment", "enrolled_at", ""),
    ("reports_src_certificate_issued", "learning_certificate", "issued_at", ""),
    ("reports_src_user_joined", "members_user", "date_joined", ""),
    ("reports_src_membership_joined", "communities_membership", "joined_at", "joined_at IS NOT NULL"),
]


def _create(name, table, column, condition):
    where = f" WHERE {condition}" if condition else ""
    return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({column}){where}"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0001_initial"),
        ("pledges", "0003_community_newest_index"),
        ("stories", "0002_pledges_and_campaign"),
        ("learning", "0004_lesson_case_studies"),
        ("members", "0002_data_export_and_erasure"),
        ("communities", "0002_invitations_flags_audit"),
    ]

    operations = [
        migrations.RunSQL(
            sql=_create(name, table, column, condition),
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, table, column, condition in INDEXES
    ]
