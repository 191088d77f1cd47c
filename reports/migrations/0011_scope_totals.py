"""Each scope's all-time totals, kept beside its daily rows by the recount
(reports.models.ScopeTotal), filled here from the rows already counted."""

from django.db import migrations, models


# The metrics as this migration knows them (reports.models.METRIC_NAMES today).
METRICS = [
    "pledges_made", "co_signs", "pledges_active", "pledges_completed", "pledges_failed",
    "people_done", "outcome_total", "check_ins", "commitments_checked_in",
    "stories_published", "enrolments", "module_completions", "certificates", "new_members",
]  # fmt: skip
# Column names from the list above; no values at all.
FILL = (
    f"INSERT INTO reports_scopetotal (scope, scope_id, {', '.join(METRICS)}) "  # nosec B608
    f"SELECT scope, scope_id, {', '.join(f'SUM({m})' for m in METRICS)} "
    "FROM reports_dailyrollup GROUP BY scope, scope_id"
)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0010_rollup_scope_totals_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScopeTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(choices=[('platform', 'Whole platform'), ('campaign', 'Campaign'), ('community', 'Community'), ('organisation', 'Organisation'), ('region', 'Region'), ('theme', 'Theme')], max_length=12, verbose_name='scope')),
                ('scope_id', models.BigIntegerField(default=0, verbose_name='scope ID')),
                ('pledges_made', models.BigIntegerField(default=0, verbose_name='Pledges made')),
                ('co_signs', models.BigIntegerField(default=0, verbose_name='Co-signs')),
                ('pledges_active', models.BigIntegerField(default=0, verbose_name='Pledges that went live')),
                ('pledges_completed', models.BigIntegerField(default=0, verbose_name='Pledges completed')),
                ('pledges_failed', models.BigIntegerField(default=0, verbose_name='Pledges that missed their threshold')),
                ('people_done', models.BigIntegerField(default=0, verbose_name='Commitments done')),
                ('outcome_total', models.DecimalField(decimal_places=2, default=0, max_digits=20, verbose_name='Measured outcome')),
                ('check_ins', models.BigIntegerField(default=0, verbose_name='Check-ins')),
                ('commitments_checked_in', models.BigIntegerField(default=0, verbose_name='Commitments with a check-in')),
                ('stories_published', models.BigIntegerField(default=0, verbose_name='Stories published')),
                ('enrolments', models.BigIntegerField(default=0, verbose_name='Learning enrolments')),
                ('module_completions', models.BigIntegerField(default=0, verbose_name='Modules completed')),
                ('certificates', models.BigIntegerField(default=0, verbose_name='Certificates issued')),
                ('new_members', models.BigIntegerField(default=0, verbose_name='New members')),
            ],
            options={
                'verbose_name': "scope's total",
                'verbose_name_plural': "scopes' totals",
                'ordering': ['scope', 'scope_id'],
                'constraints': [models.UniqueConstraint(fields=('scope', 'scope_id'), name='reports_one_total_a_scope')],
            },
        ),
        migrations.RunSQL(sql=FILL, reverse_sql=migrations.RunSQL.noop),
    ]
