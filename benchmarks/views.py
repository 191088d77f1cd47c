"""Reference views the benchmarks measure the real pages against ("floors").

They are mounted only when BENCHMARK_VIEWS=true (never in production), and they go
through the same middleware as every page: sessions, CSRF, authentication, security
headers. Each does the least a page could do:

* `bare`: a fixed response, no database work at all;
* the SQL floors: only the page's essential database work, in hand-written SQL
  (co-sign: the session check, one INSERT and one counter UPDATE in a transaction;
  a list page: the one indexed SELECT of its rows).

A real page that reaches half of its floor's throughput spends no more on the
framework, templates and extra queries than on its essential work.
"""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET, require_POST

BARE_BODY = b"<!DOCTYPE html><html lang=en><title>Radicals</title><p>Hello.</p></html>"
PAGE_SIZE = 20
# What the public wall and the API list show to everyone: published public pledges,
# withdrawn ones hidden, newest first.
WALL_SQL = """
    SELECT p.id, p.title, p.status, p.signer_count, p.due_date, p.created_at, u.display_name
    FROM pledges_pledge p JOIN members_user u ON u.id = p.author_id
    WHERE p.moderation_status = 'published' AND p.visibility = 'public'
      AND p.status <> 'withdrawn'
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT %s
"""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(rows: list[tuple]) -> HttpResponse:
    return HttpResponse(json.dumps(rows, default=str), content_type="application/json")


@require_GET
def bare(request):
    return HttpResponse(BARE_BODY, content_type="text/html; charset=utf-8")


@require_GET
def wall(request):
    return _json(_rows(WALL_SQL, [PAGE_SIZE + 1]))


@require_GET
def pledge_detail(request, pk: int):
    pledge = _rows(
        """SELECT p.id, p.title, p.description, p.status, p.signer_count, p.due_date,
                  u.display_name
           FROM pledges_pledge p JOIN members_user u ON u.id = p.author_id
           WHERE p.id = %s AND p.moderation_status = 'published'""",
        [pk],
    )
    if not pledge:
        raise Http404("No such pledge.")
    signers = _rows(
        """SELECT u.display_name, s.signed_at FROM pledges_signature s
           JOIN members_user u ON u.id = s.member_id
           WHERE s.pledge_id = %s ORDER BY s.signed_at, s.id LIMIT 100""",
        [pk],
    )
    return _json([*pledge, *signers])


@require_GET
def community(request, slug: str):
    found = _rows(
        "SELECT id, name, description, member_count FROM communities_community WHERE slug = %s",
        [slug],
    )
    if not found:
        raise Http404("No such community.")
    pledges = _rows(
        """SELECT id, title, status, signer_count FROM pledges_pledge
           WHERE community_id = %s AND moderation_status = 'published'
             AND status <> 'withdrawn'
           ORDER BY created_at DESC, id DESC LIMIT 10""",
        [found[0][0]],
    )
    return _json([*found, *pledges])


@require_GET
def home(request):
    """The home page's essential rows: the featured stories, from their feed index.
    (Its platform totals are counters a page must not recount per request.)"""
    return _json(
        _rows(
            """SELECT s.title, s.slug, s.summary, u.display_name FROM stories_story s
               JOIN members_user u ON u.id = s.author_id
               WHERE s.status = 'published' AND s.moderation_status = 'published'
               ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC LIMIT 3""",
            [],
        )
    )


@require_POST
def co_sign(request, pk: int):
    """The essential work of co-signing: who is signed in (the session), then one
    signature and one counter update, atomically."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden("Sign in to co-sign a pledge.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO pledges_signature
                   (pledge_id, member_id, is_author, signed_at, outcome)
               VALUES (%s, %s, false, now(), '')
               ON CONFLICT (pledge_id, member_id) DO NOTHING""",
            [pk, request.user.pk],
        )
        if cursor.rowcount:
            cursor.execute(
                "UPDATE pledges_pledge SET signer_count = signer_count + 1, updated_at = now() "
                "WHERE id = %s RETURNING signer_count",
                [pk],
            )
            count = cursor.fetchone()[0]
        else:
            count = None
    return HttpResponse(f"<p>{count} people have signed.</p>", content_type="text/html")
