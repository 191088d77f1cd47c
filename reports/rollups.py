"""The rollup engine: every metric is a count of events on a day, recounted with SQL.

An *event* is a row's timestamp: a pledge's created_at (pledge made), activated_at,
completed_at and failed_at; a co-signature's signed_at and done_at; a check-in's
created_at (with its quantity); a story's published_at; an enrolment's enrolled_at and
completed_at; a certificate's issued_at; a member's date_joined and a membership's
joined_at. Days are calendar days in settings.TIME_ZONE (Europe/London), so an event at
23:30 UTC on 30 June is counted on 1 July during British Summer Time.

`rollups_recount_days(days)` recomputes every scope's rows for those days with set-based
SQL (one pass over the events with GROUPING SETS into a temporary table, computed with
parallel workers, then INSERT … ON CONFLICT DO UPDATE from it, and rows that no longer
have any event deleted), so the incremental tick (the days marked dirty by signals) and
the full recount (every day) run the same code and land on the same numbers.

What counts: pledges that are published and not withdrawn, and everything on them
(co-signs, check-ins, completions); published check-ins; stories both editorially
published and not hidden; certificates not revoked; active members and active
memberships. Organisation and region are the acting member's (the author, the signer,
the learner); a member's region is their own or, when they have none, their
organisation's. Withdrawing or hiding a pledge takes it, and everything on it, out of
the figures for the days it happened.

Raw SQL (`# nosec B608` below): the text is assembled only from fixed fragments and
table names read from the models' metadata; every value travels as a query parameter.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.models import (
    METRIC_NAMES,
    DailyRollup,
    RollupDirtyDay,
    RollupFollowUp,
    Scope,
    ScopeTotal,
)

logger = logging.getLogger(__name__)

# pg advisory lock that serialises recounts: ticks skip while a recount runs, a full
# recount waits for the tick in progress.
ROLLUP_LOCK = 0x52_61_64_52_6F_6C_6C  # "RadRoll"
TICK_BATCH = 500
TICK_MAX_BATCHES = 50
TICK_TIME_BUDGET_SECONDS = 90.0
# Badges and the network, each a job of its own after the tick (keyed by job).


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_of(moment: datetime.datetime | None) -> datetime.date | None:
    """The calendar day (Europe/London) an event happened on."""
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(local_zone()).date()
    return moment


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


# --- The event sources ------------------------------------------------------------------


def table_of(app_label: str, model: str) -> str:
    """A model's table, quoted for SQL (the rollups, badges and network count in SQL)."""
    from django.apps import apps

    return connection.ops.quote_name(apps.get_model(app_label, model)._meta.db_table)


@dataclass
class Source:
    """One kind of event: where its rows are, its timestamp, its scopes and its metrics."""

    name: str
    from_sql: str
    ts: str
    where: str = "TRUE"
    platform: str = "TRUE"
    campaign: str = "NULL"
    community: str = "NULL"
    theme: str = "NULL"
    organisation: str = "NULL"
    region: str = "NULL"
    metrics: dict[str, str] = field(default_factory=dict)


def _member_join(column: str) -> str:
    return (
        f" LEFT JOIN {table_of('members', 'User')} mu ON mu.id = {column}"
        f" LEFT JOIN {table_of('members', 'Organisation')} mo ON mo.id = mu.organisation_id"
    )


MEMBER_ORGANISATION = "mu.organisation_id"
MEMBER_REGION = "COALESCE(mu.region_id, mo.region_id)"
COUNTED_PLEDGE = "p.moderation_status = 'published' AND p.status <> 'withdrawn'"


def sources() -> list[Source]:
    """Every kind of event the rollups count: on pledges, stories, modules and members."""
    return [*_pledge_sources(), *_story_sources(), *_module_sources(), *_member_sources()]


def _on_pledge(name, from_sql, ts, metrics, member, where=COUNTED_PLEDGE) -> Source:
    """An event on a counted pledge, in the pledge's campaign, community and theme."""
    return Source(
        name=name,
        from_sql=from_sql + _member_join(member),
        ts=ts,
        where=where,
        campaign="p.campaign_id",
        community="p.community_id",
        theme="p.theme_id",
        organisation=MEMBER_ORGANISATION,
        region=MEMBER_REGION,
        metrics=metrics,
    )


def _pledge_sources() -> list[Source]:
    pledge = table_of("pledges", "Pledge")
    signature = table_of("pledges", "Signature")
    check_in = table_of("pledges", "CheckIn")

    earlier_check_in = (
        f"NOT EXISTS (SELECT 1 FROM {check_in} c2 WHERE c2.pledge_id = c.pledge_id"  # noqa: S608  # nosec B608
        " AND c2.author_id = c.author_id AND c2.moderation_status = 'published'"
        " AND (c2.created_at, c2.id) < (c.created_at, c.id))"
    )
    return [
        _on_pledge(
            "pledge made", f"{pledge} p", "p.created_at", {"pledges_made": "1"}, "p.author_id"
        ),
        _on_pledge(
            "pledge live", f"{pledge} p", "p.activated_at", {"pledges_active": "1"}, "p.author_id"
        ),
        _on_pledge(
            "pledge completed",
            f"{pledge} p",
            "p.completed_at",
            {"pledges_completed": "1"},
            "p.author_id",
        ),
        _on_pledge(
            "pledge failed", f"{pledge} p", "p.failed_at", {"pledges_failed": "1"}, "p.author_id"
        ),
        _on_pledge(
            "co-sign",
            f"{signature} s JOIN {pledge} p ON p.id = s.pledge_id",
            "s.signed_at",
            {"co_signs": "1"},
            "s.member_id",
            where=f"{COUNTED_PLEDGE} AND NOT s.is_author",
        ),
        _on_pledge(
            "commitment done",
            f"{signature} s JOIN {pledge} p ON p.id = s.pledge_id",
            "s.done_at",
            {"people_done": "1"},
            "s.member_id",
        ),
        _on_pledge(
            "check-in",
            f"{check_in} c JOIN {pledge} p ON p.id = c.pledge_id",
            "c.created_at",
            {
                "check_ins": "1",
                "outcome_total": "COALESCE(c.quantity, 0)",
                "commitments_checked_in": f"CASE WHEN {earlier_check_in} THEN 1 ELSE 0 END",
            },
            "c.author_id",
            where=f"{COUNTED_PLEDGE} AND c.moderation_status = 'published'",
        ),
    ]


def _story_sources() -> list[Source]:
    story = table_of("stories", "Story")
    return [
        Source(
            name="story published",
            from_sql=f"{story} st" + _member_join("st.author_id"),
            ts="st.published_at",
            where="st.status = 'published' AND st.moderation_status = 'published'",
            campaign="st.campaign_id",
            community="st.community_id",
            organisation=MEMBER_ORGANISATION,
            region=MEMBER_REGION,
            metrics={"stories_published": "1"},
        ),
    ]


def _module_sources() -> list[Source]:
    enrolment = table_of("learning", "Enrolment")
    certificate = table_of("learning", "Certificate")
    module = table_of("learning", "Module")

    def on_module(name, from_sql, ts, metrics, member, where="TRUE"):
        return Source(
            name=name,
            from_sql=from_sql + f" JOIN {module} m ON m.id = x.module_id" + _member_join(member),
            ts=ts,
            where=where,
            campaign="m.campaign_id",
            theme="m.theme_id",
            organisation=MEMBER_ORGANISATION,
            region=MEMBER_REGION,
            metrics=metrics,
        )

    return [
        on_module(
            "enrolment", f"{enrolment} x", "x.enrolled_at", {"enrolments": "1"}, "x.member_id"
        ),
        on_module(
            "module completed",
            f"{enrolment} x",
            "x.completed_at",
            {"module_completions": "1"},
            "x.member_id",
        ),
        on_module(
            "certificate",
            f"{certificate} x",
            "x.issued_at",
            {"certificates": "1"},
            "x.member_id",
            where="x.revoked_at IS NULL",
        ),
    ]


def _member_sources() -> list[Source]:
    user = table_of("members", "User")
    membership = table_of("communities", "Membership")
    return [
        Source(
            name="member joined",
            from_sql=f"{user} mu LEFT JOIN {table_of('members', 'Organisation')} mo"
            " ON mo.id = mu.organisation_id",
            ts="mu.date_joined",
            where="mu.is_active",
            organisation=MEMBER_ORGANISATION,
            region=MEMBER_REGION,
            metrics={"new_members": "1"},
        ),
        Source(
            name="joined a community",
            from_sql=f"{membership} ms",
            ts="ms.joined_at",
            where="ms.status = 'active'",
            platform="FALSE",
            community="ms.community_id",
            metrics={"new_members": "1"},
        ),
    ]


SCOPE_COLUMNS = {
    Scope.CAMPAIGN: "campaign_id",
    Scope.COMMUNITY: "community_id",
    Scope.THEME: "theme_id",
    Scope.ORGANISATION: "organisation_id",
    Scope.REGION: "region_id",
}


# Days are read a few at a time, each as a time range the timestamp's index answers.
DAYS_PER_STATEMENT = 31


def in_days(ts: str, count: int) -> str:
    """`ts` falls in one of `count` days given as %(d<n>_from)s–%(d<n>_to)s ranges. The
    ranges are constants PostgreSQL plans with, so it reads each day's rows through the
    index on the timestamp (a bitmap OR of range scans) rather than every row."""
    ranges = [f"({ts} >= %(d{n}_from)s AND {ts} < %(d{n}_to)s)" for n in range(count)]
    return "(" + " OR ".join(ranges) + ")"


def day_params(days: list[datetime.date]) -> dict:
    params: dict = {}
    for n, day in enumerate(days):
        params[f"d{n}_from"] = day_start(day)
        params[f"d{n}_to"] = day_start(day + datetime.timedelta(days=1))
    return params


def events_sql(*, days: int | None) -> str:
    """The events as rows: day, the scopes they count in, and their metrics summed (one
    row per source, day and set of scopes).

    With `days` (a count), only the events of those days (`in_days`); None, every day."""
    selects = []
    for source in sources():
        day = f"(({source.ts}) AT TIME ZONE %(tz)s)::date"
        conditions = [f"{source.ts} IS NOT NULL", f"({source.where})"]
        if days is not None:
            conditions.append(in_days(source.ts, days))
        scope_values = {
            "campaign_id": source.campaign,
            "community_id": source.community,
            "theme_id": source.theme,
            "organisation_id": source.organisation,
            "region_id": source.region,
        }
        columns = [f"{day} AS day", f"{source.platform} AS platform"]
        columns += [f"({value})::bigint AS {name}" for name, value in scope_values.items()]
        for metric in METRIC_NAMES:
            if metric not in source.metrics:
                columns.append(f"{'0::numeric' if metric == 'outcome_total' else '0'} AS {metric}")
            elif metric == "outcome_total":
                columns.append(f"SUM({source.metrics[metric]}) AS {metric}")
            else:
                columns.append(f"SUM({source.metrics[metric]})::integer AS {metric}")
        # Each source's events are summed per day and set of scopes first: a day's
        # hundred thousand co-signs are a few thousand such sets, which is what the
        # GROUPING SETS then read, each set of sums once per scope.
        selects.append(
            f"SELECT {', '.join(columns)} FROM {source.from_sql}"  # noqa: S608  # nosec B608
            f" WHERE {' AND '.join(conditions)} GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
    return "\nUNION ALL\n".join(selects)


def _sums() -> str:
    return ", ".join(f"SUM({m}) AS {m}" for m in METRIC_NAMES)


def computed_sql(*, days: int | None) -> str:
    """Rows of DailyRollup as they should be, for every scope.

    One pass over the events with GROUPING SETS, one set per scope, rather than a pass
    per scope over a materialised copy of every event: the set a row belongs to says
    its scope, the grouping column's value its id. Events without that scope (a NULL
    column; a community join, which is not a platform event) are left out."""
    keys = ["platform", *SCOPE_COLUMNS.values()]
    sets = ", ".join(f"(day, {key})" for key in keys)
    scope = " ".join(
        f"WHEN GROUPING({column}) = 0 THEN '{name.value}'" for name, column in SCOPE_COLUMNS.items()
    )
    ids = ", ".join(SCOPE_COLUMNS.values())
    return (
        f"SELECT day, CASE WHEN GROUPING(platform) = 0 THEN 'platform' {scope} END AS scope,"  # noqa: S608  # nosec B608
        f" CASE WHEN GROUPING(platform) = 0 THEN 0::bigint ELSE COALESCE({ids}) END AS scope_id,"
        f" {_sums()} FROM ({events_sql(days=days)}) AS ev"
        f" GROUP BY GROUPING SETS ({sets})"
        f" HAVING CASE WHEN GROUPING(platform) = 0 THEN platform"
        f" ELSE COALESCE({ids}) IS NOT NULL END"
    )


COMPUTED_TABLE = "reports_rollups_computed"


def _compute_sql(*, days: int | None) -> str:
    """The rows as they should be, into a temporary table. A statement that writes to a
    real table is never run in parallel by PostgreSQL, CREATE TABLE … AS is: so the
    passes are computed here, with parallel workers, and written from here."""
    return f"CREATE TEMPORARY TABLE {COMPUTED_TABLE} ON COMMIT DROP AS {computed_sql(days=days)}"


def _recount_sql(*, days: int | None) -> str:
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = ", ".join(METRIC_NAMES)
    updates = ", ".join(f"{m} = EXCLUDED.{m}" for m in METRIC_NAMES)
    current = ", ".join(f"{table}.{m}" for m in METRIC_NAMES)
    incoming = ", ".join(f"EXCLUDED.{m}" for m in METRIC_NAMES)
    day_filter = "r.day = ANY(%(days)s) AND " if days is not None else ""
    return (
        f"WITH gone AS (DELETE FROM {table} r WHERE {day_filter}NOT EXISTS ("  # noqa: S608  # nosec B608
        f"SELECT 1 FROM {COMPUTED_TABLE} c WHERE c.day = r.day AND c.scope = r.scope"
        " AND c.scope_id = r.scope_id)) "
        f"INSERT INTO {table} (day, scope, scope_id, {columns}) "
        f"SELECT day, scope, scope_id, {columns} FROM {COMPUTED_TABLE} "
        f"ON CONFLICT (day, scope, scope_id) DO UPDATE SET {updates} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming})"
    )


def _totals_change_sql() -> str:
    """Add to each scope's all-time total (ScopeTotal) what the recount of some days is
    about to change: the days' rows as they should be (the computed table) less the
    days' rows as they are. Run before `_recount_sql`, in its transaction, so the totals
    stay exactly the sum of the rows; a scope's total starts at its first row."""
    totals = connection.ops.quote_name(ScopeTotal._meta.db_table)
    rows = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = ", ".join(METRIC_NAMES)
    sums = ", ".join(f"SUM({m})" for m in METRIC_NAMES)
    negated = ", ".join(f"-{m}" for m in METRIC_NAMES)
    added = ", ".join(f"{m} = t.{m} + EXCLUDED.{m}" for m in METRIC_NAMES)
    nothing = ", ".join("0" for _m in METRIC_NAMES)
    incoming = ", ".join(f"EXCLUDED.{m}" for m in METRIC_NAMES)
    # Table and column names from the models; the days are a parameter.
    return (
        f"INSERT INTO {totals} AS t (scope, scope_id, {columns}) "  # noqa: S608  # nosec B608
        f"SELECT scope, scope_id, {sums} FROM ("
        f"SELECT scope, scope_id, {columns} FROM {COMPUTED_TABLE} UNION ALL "
        f"SELECT scope, scope_id, {negated} FROM {rows} WHERE day = ANY(%(days)s)"
        ") AS change GROUP BY scope, scope_id "
        f"ON CONFLICT (scope, scope_id) DO UPDATE SET {added} "
        f"WHERE ({incoming}) IS DISTINCT FROM ({nothing})"
    )


def _totals_recount_sql() -> str:
    """Every scope's all-time total summed again from its rows, for the full recount
    (which also mends a total that something else changed)."""
    totals = connection.ops.quote_name(ScopeTotal._meta.db_table)
    rows = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = ", ".join(METRIC_NAMES)
    sums = ", ".join(f"SUM({m})" for m in METRIC_NAMES)
    # Table and column names from the models; no values at all.
    return (
        f"INSERT INTO {totals} (scope, scope_id, {columns}) "  # noqa: S608  # nosec B608
        f"SELECT scope, scope_id, {sums} FROM {rows} GROUP BY scope, scope_id"
    )


def _recount(cursor, *, days: list[datetime.date] | None) -> None:
    params = {"tz": settings.TIME_ZONE}
    if days is not None:
        params.update(days=days, **day_params(days))
    count = None if days is None else len(days)
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{COMPUTED_TABLE}")
    cursor.execute(_compute_sql(days=count), params)
    if days is not None:
        cursor.execute(_totals_change_sql(), params)
    cursor.execute(_recount_sql(days=count), params)
    cursor.execute(f"DROP TABLE {COMPUTED_TABLE}")
    if days is None:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(ScopeTotal._meta.db_table)}")  # noqa: S608  # nosec B608
        cursor.execute(_totals_recount_sql())


def use_recount_settings(cursor) -> None:
    """For the rest of this transaction, plan and run the passes with the reports'
    settings: REPORTS_ROLLUP_WORK_MEM for each sort or hash, so every scope's GROUPING
    SET is a hash table in memory rather than a sort of every event on disk; and
    REPORTS_ROLLUP_RANDOM_PAGE_COST, so a day's events are joined to their pledges and
    members through the primary keys rather than by hashing every pledge."""
    cursor.execute(
        "SELECT set_config('work_mem', %s, true), set_config('random_page_cost', %s, true)",
        [
            getattr(settings, "REPORTS_ROLLUP_WORK_MEM", "64MB"),
            str(getattr(settings, "REPORTS_ROLLUP_RANDOM_PAGE_COST", 1.1)),
        ],
    )


@transaction.atomic
def rollups_recount_days(days: Iterable[datetime.date] | None) -> None:
    """Recompute every scope's rollup rows for `days` (None: every day there is), from
    the source rows, a few days at a time. Running it again changes nothing."""
    with connection.cursor() as cursor:
        use_recount_settings(cursor)
        if days is None:
            _recount(cursor, days=None)
            return
        days = sorted(set(days))
        for first in range(0, len(days), DAYS_PER_STATEMENT):
            _recount(cursor, days=days[first : first + DAYS_PER_STATEMENT])


# --- Marking days dirty -------------------------------------------------------------------


def mark_days(days: Iterable[datetime.date | datetime.datetime | None]) -> None:
    """Record that these days need recounting, in the caller's transaction."""
    wanted = {day_of(d) for d in days if d is not None}
    if not wanted:
        return
    # One hand-written statement: every co-sign and check-in makes one, and the ORM's
    # bulk_create took longer to build it than PostgreSQL took to run it.
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, created_at) SELECT unnest(%s::date[]), %s",  # noqa: S608  # nosec B608
            [sorted(wanted), timezone.now()],
        )


# The mark of a co-sign's day, run in the co-sign's own statement (see
# pledges.signals.co_sign_writes for the names it may use).
MARK_CO_SIGN_DAY_SQL = (
    f"INSERT INTO {RollupDirtyDay._meta.db_table} (day, created_at) "  # noqa: S608  # nosec B608
    "SELECT %(day)s, %(now)s FROM signature"
)


def mark_days_of(select_timestamps_sql: str, params: list) -> None:
    """Mark the days of every timestamp a query returns (one INSERT … SELECT)."""
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, created_at) SELECT DISTINCT (ts AT TIME ZONE %s)::date, "  # noqa: S608  # nosec B608
            f"now() FROM ({select_timestamps_sql}) AS t(ts) WHERE ts IS NOT NULL",
            [settings.TIME_ZONE, *params],
        )


def member_event_timestamps_sql() -> list[str]:
    """Queries of every timestamp of an event of the members whose ids `{ids}` selects."""
    pledge = table_of("pledges", "Pledge")
    signature = table_of("pledges", "Signature")
    check_in = table_of("pledges", "CheckIn")
    story = table_of("stories", "Story")
    enrolment = table_of("learning", "Enrolment")
    certificate = table_of("learning", "Certificate")
    user = table_of("members", "User")
    return [
        f"SELECT unnest(ARRAY[created_at, activated_at, completed_at, failed_at]) "  # noqa: S608  # nosec B608
        f"FROM {pledge} WHERE author_id IN ({{ids}})",
        f"SELECT unnest(ARRAY[signed_at, done_at]) FROM {signature} WHERE member_id IN ({{ids}})",  # noqa: S608  # nosec B608
        f"SELECT created_at FROM {check_in} WHERE author_id IN ({{ids}})",  # noqa: S608  # nosec B608
        f"SELECT published_at FROM {story} WHERE author_id IN ({{ids}})",  # noqa: S608  # nosec B608
        f"SELECT unnest(ARRAY[enrolled_at, completed_at]) FROM {enrolment}"  # noqa: S608  # nosec B608
        " WHERE member_id IN ({ids})",
        f"SELECT issued_at FROM {certificate} WHERE member_id IN ({{ids}})",  # noqa: S608  # nosec B608
        f"SELECT date_joined FROM {user} WHERE id IN ({{ids}})",  # noqa: S608  # nosec B608
    ]


def mark_member_days(*, member_ids_sql: str, params: list) -> None:
    """A member's organisation or region changed: every day they acted on is recounted."""
    parts = [part.replace("{ids}", member_ids_sql) for part in member_event_timestamps_sql()]
    mark_days_of(" UNION ALL ".join(parts), params * len(parts))


# --- The jobs -----------------------------------------------------------------------------


@dataclass
class TickResult:
    days: list[datetime.date] = field(default_factory=list)
    batches: int = 0
    skipped: bool = False


def _try_lock(cursor) -> bool:
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ROLLUP_LOCK])
    return bool(cursor.fetchone()[0])


def _record_follow_ups(cursor, days: list[datetime.date]) -> None:
    """Queue the badges and the network of the days just recounted for their own jobs."""
    table = connection.ops.quote_name(RollupFollowUp._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} (day, job, created_at) SELECT d, j, now()"  # noqa: S608  # nosec B608
        " FROM unnest(%s::date[]) AS d CROSS JOIN unnest(%s::text[]) AS j",
        [days, [job.value for job in RollupFollowUp.Job]],
    )


def rollups_tick_batch(*, batch: int | None = None) -> TickResult:
    """Claim up to `batch` dirty-day marks, recount their days, queue the badges and
    network of those days for their own jobs, and delete exactly the marks claimed —
    all in one transaction, so a crash leaves the marks for the next run."""
    batch = batch or TICK_BATCH
    result = TickResult()
    table = connection.ops.quote_name(RollupDirtyDay._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if not _try_lock(cursor):
            result.skipped = True
            return result
        cursor.execute(
            f"SELECT id, day FROM {table} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",  # noqa: S608  # nosec B608
            [batch],
        )
        claimed = cursor.fetchall()
        if not claimed:
            return result
        ids = [row[0] for row in claimed]
        days = sorted({row[1] for row in claimed})
        rollups_recount_days(days)
        _record_follow_ups(cursor, days)
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608  # nosec B608
        result.days, result.batches = days, 1
    return result


def rollups_tick() -> TickResult:
    """The incremental job: recount the days marked dirty until none are left (bounded).
    Badges and the network follow in their own jobs (`badges_follow_up`,
    `network_follow_up`)."""
    total = TickResult()
    started = time.monotonic()
    for _ in range(TICK_MAX_BATCHES):
        result = rollups_tick_batch()
        if result.skipped:
            total.skipped = total.batches == 0
            break
        if not result.days:
            break
        total.batches += 1
        total.days = sorted(set(total.days) | set(result.days))
        if time.monotonic() - started > TICK_TIME_BUDGET_SECONDS:
            break
    return total


def rollups_full() -> None:
    """The full recount: every day, every scope, and nothing else (badges and the
    network are `follow_ups_full`). Waits for a tick in progress rather than skipping."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        rollups_recount_days(None)
    logger.info("Full rollup recount done")
