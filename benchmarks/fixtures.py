"""What a benchmark run needs from the data set, and how it leaves the data as it found it.

Signed-in clients get real sessions (made through the configured session engine, as a
login would) and a CSRF cookie with its matching header. Co-sign requests each pair a
member with an open public pledge they have not signed, so every request does the
full work of signing. Afterwards the signatures, notifications and sessions the run
made are removed and the counters they touched recounted.
"""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

CSRF_ALPHABET = string.ascii_letters + string.digits
SIGNED_IN_CLIENTS = 50


@dataclass
class Fixtures:
    sessions: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    pledge_ids: list[int] = field(default_factory=list)
    community_slugs: list[str] = field(default_factory=list)
    co_sign_pairs: list[tuple[int, int]] = field(default_factory=list)  # (session index, pledge)
    floor_sign_pairs: list[tuple[int, int]] = field(default_factory=list)
    max_signature_id: int = 0
    max_notification_id: int = 0
    csrf: list[str] = field(default_factory=list)


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


def prepare(*, seed: int = 7, co_sign_requests: int = 60_000) -> Fixtures:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection
    from django.utils.module_loading import import_string

    from members.models import User

    rng = random.Random(seed)
    fixtures = Fixtures()
    with connection.cursor() as cursor:
        fixtures.max_signature_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM pledges_signature"
        )
        fixtures.max_notification_id = _scalar(
            cursor, "SELECT coalesce(max(id), 0) FROM notifications_notification"
        )
        members = _scalar(cursor, "SELECT count(*) FROM members_user")
        step = max(1, members // (SIGNED_IN_CLIENTS * 3))
        cursor.execute(
            "SELECT id FROM members_user WHERE is_active AND id %% %s = 0 ORDER BY id LIMIT %s",
            [step, SIGNED_IN_CLIENTS],
        )
        fixtures.user_ids = [row[0] for row in cursor.fetchall()]
        pledges = _scalar(cursor, "SELECT count(*) FROM pledges_pledge")
        step = max(1, pledges // 2000)
        cursor.execute(
            """SELECT id FROM pledges_pledge
               WHERE moderation_status = 'published' AND visibility = 'public'
                 AND id %% %s = 0 ORDER BY id LIMIT 200""",
            [step],
        )
        fixtures.pledge_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT slug FROM communities_community WHERE status = 'active' ORDER BY id")
        fixtures.community_slugs = [row[0] for row in cursor.fetchall()]
        # Open public pledges outside communities, which any member may sign and whose
        # signing never reaches a threshold (so no background task is queued).
        wanted = max(200, co_sign_requests * 2 // max(len(fixtures.user_ids), 1) + 1)
        cursor.execute(
            """SELECT id FROM pledges_pledge
               WHERE status = 'active' AND moderation_status = 'published'
                 AND visibility = 'public' AND community_id IS NULL
               ORDER BY md5(id::text) LIMIT %s""",
            [wanted],
        )
        open_pledges = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pledge_id, member_id FROM pledges_signature "
            "WHERE member_id = ANY(%s) AND pledge_id = ANY(%s)",
            [fixtures.user_ids, open_pledges],
        )
        already = set(cursor.fetchall())

    engine = import_string(f"{_session_engine()}.SessionStore")
    for user in User.objects.filter(pk__in=fixtures.user_ids).order_by("pk"):
        session = engine()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        fixtures.sessions.append(session.session_key)
        fixtures.csrf.append("".join(secrets.choice(CSRF_ALPHABET) for _ in range(32)))

    index_of = {user_id: i for i, user_id in enumerate(sorted(fixtures.user_ids))}
    pairs = [
        (index_of[user_id], pledge_id)
        for pledge_id in open_pledges
        for user_id in fixtures.user_ids
        if (pledge_id, user_id) not in already
    ]
    rng.shuffle(pairs)
    half = len(pairs) // 2
    fixtures.co_sign_pairs = pairs[:half]
    fixtures.floor_sign_pairs = pairs[half:]
    return fixtures


def _session_engine() -> str:
    from django.conf import settings

    return settings.SESSION_ENGINE


def write_requests(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join(f"{m}\t{p}\t{s}\t{c}\n" for m, p, s, c in rows))
    return path


def cleanup(fixtures: Fixtures) -> dict[str, int]:
    """Undo the run: its signatures (and the counters they moved), notifications and
    sessions."""
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
        cursor.execute(
            "DELETE FROM usersessions_usersession WHERE session_key = ANY(%s)",
            [fixtures.sessions],
        )
    engine = import_string(f"{_session_engine()}.SessionStore")
    for key in fixtures.sessions:
        engine(session_key=key).delete()
    removed["sessions"] = len(fixtures.sessions)
    return removed
