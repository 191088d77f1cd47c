"""What a benchmark run needs from the data set, and how it leaves the data as it found it.

Signed-in clients are `BENCH_MEMBERS` (at least 2,000) members with real sessions,
made through the configured session engine (`settings.SESSION_ENGINE`) as a login
would, each with a CSRF cookie and its matching header. The traffic's subjects come
from the data set itself: every pledge the public may see (for the Zipf draw), every
community, words from real pledge titles and words no pledge holds
(`benchmarks.traffic`). Co-signs each pair a member with an open public pledge they
have not signed, so every co-sign does the full work of signing. Afterwards the
signatures, notifications and sessions the run made are removed and the counters
they touched recounted.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

from benchmarks import traffic

MEMBERS = max(traffic.MIN_MEMBERS, int(os.environ.get("BENCH_MEMBERS", 2_400)))
CO_SIGN_PLEDGES = 6_000  # open pledges each side (app, floor) may sign
TITLE_SAMPLE = 5_000


@dataclass
class Fixtures:
    sessions: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    csrf: list[str] = field(default_factory=list)
    public_pledge_ids: list[int] = field(default_factory=list)
    community_slugs: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    missing_words: list[str] = field(default_factory=list)
    app_sign_pledges: list[int] = field(default_factory=list)
    floor_sign_pledges: list[int] = field(default_factory=list)
    already_signed: set[tuple[int, int]] = field(default_factory=set)  # (member index, pledge)
    session_cookie: str = "sessionid"
    csrf_cookie: str = "csrftoken"
    max_signature_id: int = 0
    max_notification_id: int = 0
    max_dirty_day_id: int = 0
    max_notice_due_id: int = 0

    def cookie(self, member: int | None, *, csrf: bool = False) -> str:
        if member is None:
            return ""
        value = f"{self.session_cookie}={self.sessions[member]}"
        if csrf:
            value += f"; {self.csrf_cookie}={self.csrf[member]}"
        return value


def _scalar(cursor, sql: str, params=None):
    cursor.execute(sql, params or [])
    return cursor.fetchone()[0]


def data_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "members": "members_user",
        "organisations": "members_organisation",
        "regions": "members_region",
        "communities": "communities_community",
        "pledges": "pledges_pledge",
        "signatures": "pledges_signature",
        "check_ins": "pledges_checkin",
        "stories": "stories_story",
        "enrolments": "learning_enrolment",
    }
    with connection.cursor() as cursor:
        return {
            name: _scalar(cursor, f"SELECT count(*) FROM {table}")  # noqa: S608 # nosec B608
            for name, table in tables.items()
        }


def _words_no_pledge_holds(cursor, candidates: list[str]) -> list[str]:
    """The candidates, once PostgreSQL confirms that no pledge's title or description
    holds any of them (one count over the GIN index, all words OR-ed together)."""
    from benchmarks.views import SEARCH_DOCUMENT
    from kernel import written

    query, texts = written.query_sql()
    held = _scalar(
        cursor,
        "SELECT count(*) FROM pledges_pledge WHERE "  # noqa: S608  # nosec B608
        + SEARCH_DOCUMENT.format(a="pledges_pledge")
        + " @@ "
        + query,
        [" OR ".join(candidates)] * texts,
    )
    if held:
        raise RuntimeError(f"{held} pledges hold a word made to match nothing; change the seed.")
    return candidates


def prepare(*, members: int = MEMBERS, seed: int = 7) -> Fixtures:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection
    from django.utils.module_loading import import_string

    from members.models import User

    rng = random.Random(seed)
    fixtures = Fixtures(
        session_cookie=settings.SESSION_COOKIE_NAME, csrf_cookie=settings.CSRF_COOKIE_NAME
    )
    with connection.cursor() as cursor:
        fixtures.max_signature_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM pledges_signature"
        )
        fixtures.max_notification_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM notifications_notification"
        )
        fixtures.max_dirty_day_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM reports_rollupdirtyday"
        )
        fixtures.max_notice_due_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM pledges_cosignersnoticedue"
        )
        # Members spread over the whole set (md5 of the id: a fixed shuffle).
        cursor.execute(
            """SELECT id FROM members_user WHERE is_active AND NOT is_staff
               ORDER BY md5(id::text) LIMIT %s""",
            [members],
        )
        fixtures.user_ids = [row[0] for row in cursor.fetchall()]
        if len(fixtures.user_ids) < traffic.MIN_MEMBERS:
            raise RuntimeError(
                f"The data set has {len(fixtures.user_ids)} active members; the traffic "
                f"needs {traffic.MIN_MEMBERS}. Load a larger SCALE."
            )
        cursor.execute(
            """SELECT id FROM pledges_pledge
               WHERE moderation_status = 'published' AND visibility = 'public' ORDER BY id"""
        )
        fixtures.public_pledge_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT slug FROM communities_community WHERE status = 'active' ORDER BY id")
        fixtures.community_slugs = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT title FROM pledges_pledge TABLESAMPLE SYSTEM (2) REPEATABLE (%s) LIMIT %s",
            [seed, TITLE_SAMPLE],
        )
        fixtures.words = traffic.title_words([row[0] for row in cursor.fetchall()])
        fixtures.missing_words = _words_no_pledge_holds(cursor, traffic.nonsense_words(100))
        # Open public pledges outside communities, which any member may sign and whose
        # signing never reaches a threshold (so no background task is queued).
        cursor.execute(
            """SELECT id FROM pledges_pledge
               WHERE status = 'active' AND moderation_status = 'published'
                 AND visibility = 'public' AND community_id IS NULL
               ORDER BY md5(id::text) LIMIT %s""",
            [CO_SIGN_PLEDGES * 2],
        )
        open_pledges = [row[0] for row in cursor.fetchall()]
        fixtures.app_sign_pledges = open_pledges[0::2]
        fixtures.floor_sign_pledges = open_pledges[1::2]
        cursor.execute(
            "SELECT member_id, pledge_id FROM pledges_signature "
            "WHERE pledge_id = ANY(%s) AND member_id = ANY(%s)",
            [open_pledges, fixtures.user_ids],
        )
        index_of = {user_id: i for i, user_id in enumerate(fixtures.user_ids)}
        fixtures.already_signed = {(index_of[m], p) for m, p in cursor.fetchall()}

    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    users = User.objects.in_bulk(fixtures.user_ids)
    for user_id in fixtures.user_ids:
        user = users[user_id]
        session = engine()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        fixtures.sessions.append(session.session_key)
        fixtures.csrf.append(traffic.random_token(rng))
    return fixtures


def cleanup(fixtures: Fixtures) -> dict[str, int]:
    """Undo the run: its signatures (and the counters they moved), the marks and
    notices they left due, notifications and sessions."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils.module_loading import import_string

    removed = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Rows other apps keep about a signature (attribution, say) go with it.
        cursor.execute(
            """SELECT c.conrelid::regclass::text, a.attname
               FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND c.confrelid = 'pledges_signature'::regclass"""
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'DELETE FROM {table} WHERE "{column}" IN '  # noqa: S608 # nosec B608
                "(SELECT id FROM pledges_signature WHERE id > %s)",
                [fixtures.max_signature_id],
            )
        cursor.execute(
            "DELETE FROM pledges_signature WHERE id > %s RETURNING pledge_id",
            [fixtures.max_signature_id],
        )
        touched = sorted({row[0] for row in cursor.fetchall()})
        removed["signatures"] = cursor.rowcount
        if touched:
            cursor.execute(
                """UPDATE pledges_pledge p SET signer_count = s.n
                   FROM (SELECT pledge_id, count(*) AS n FROM pledges_signature
                         WHERE pledge_id = ANY(%s) GROUP BY pledge_id) s
                   WHERE p.id = s.pledge_id AND p.signer_count <> s.n""",
                [touched],
            )
        cursor.execute(
            "DELETE FROM notifications_notification WHERE id > %s",
            [fixtures.max_notification_id],
        )
        removed["notifications"] = cursor.rowcount
        # The rollups' marks of the days those signatures changed (a tick that ran in
        # between has claimed them already).
        cursor.execute(
            "DELETE FROM reports_rollupdirtyday WHERE id > %s", [fixtures.max_dirty_day_id]
        )
        removed["rollup_marks"] = cursor.rowcount
        # The authors' notices those co-signs left due (the benchmark runs no beat).
        cursor.execute(
            "DELETE FROM pledges_cosignersnoticedue WHERE id > %s", [fixtures.max_notice_due_id]
        )
        removed["notices_due"] = cursor.rowcount
        cursor.execute(
            "DELETE FROM usersessions_usersession WHERE session_key = ANY(%s)",
            [fixtures.sessions],
        )
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    for key in fixtures.sessions:
        engine(session_key=key).delete()
    removed["sessions"] = len(fixtures.sessions)
    return removed
