"""Reference views the benchmarks measure the real pages against ("floors").

They are mounted only when BENCHMARK_VIEWS=true (never in production), and they go
through the same middleware as every page: sessions, CSRF, authentication, security
headers. Each does the least a page could do:

* `bare`: a fixed response, no database work at all;
* the SQL floors: only the page's essential database work, in hand-written SQL
  (co-sign: the session check, one INSERT and one counter UPDATE in a transaction;
  the wall and the API list: the member's communities and the one SELECT of the page
  the query string asks for, searched, filtered and paged as the app does; a pledge's
  page: the pledge with the viewer's signature, its signers, check-ins, thank-you
  notes, thanks and stories; a community's page: the community, its organisers with
  the viewer's membership, the pledges and the stories it lists; a page's reads
  prepared as the app prepares them).

A real page that reaches half of its floor's throughput spends no more on the
framework, templates and extra queries than on its essential work.
"""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.http import require_GET, require_POST

from kernel import prepared, written
from pledges.selectors import (
    MAX_PAGE,
    SEARCH_MAX_PAGE,
    page_number,
    search_ids_by,
)

BARE_BODY = b"<!DOCTYPE html><html lang=en><title>Radicals</title><p>Hello.</p></html>"
PAGE_SIZE = 20
STATUSES = ("gathering", "active", "completed", "failed", "withdrawn")
# The wall and the API list (pledges.selectors.wall_page): the pledges the viewer may
# see, searched, filtered by status (withdrawn ones hidden unless asked for), newest
# first, one page of 20 (and one row more, to know whether a next page exists), with
# what a card shows of the author, organisation, theme, campaign and community. As in
# the app, the page's ids are found on the pledge table alone and only those rows are
# joined; a search finds its ids by a bounded walk of the newest pledges, and when that
# does not fill the page, from the full-text index (see `_search_ids`).
# A pledge with its author, their organisation, its theme, campaign and community.
PLEDGE_JOINS = """
    FROM pledges_pledge p
    JOIN members_user u ON u.id = p.author_id
    LEFT JOIN members_organisation o ON o.id = u.organisation_id
    LEFT JOIN pledges_theme t ON t.id = p.theme_id
    LEFT JOIN pledges_campaign g ON g.id = p.campaign_id
    LEFT JOIN communities_community m ON m.id = p.community_id
"""
WALL_SQL = (
    """
    SELECT p.id, p.title, p.status, p.signer_count, p.due_date, p.created_at,
           u.display_name, o.name, t.name, g.name, m.name"""
    + PLEDGE_JOINS
    + """    WHERE {where}
    ORDER BY p.created_at DESC, p.id DESC
"""
)
PAGE_IDS_SQL = """
    SELECT p.id FROM pledges_pledge p WHERE {visible} AND {status}
    ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s OFFSET %(offset)s
"""
SEARCH_WALK_SQL = """
    SELECT s.id FROM (
        SELECT p.id, p.search_document FROM pledges_pledge p
        WHERE {visible} AND {status}
        ORDER BY p.created_at DESC, p.id DESC LIMIT %(window)s) s
    WHERE {document} @@ {query}
    LIMIT %(needed)s
"""
SEARCH_INDEX_SQL = """
    SELECT m.id FROM (
        SELECT p.id, p.created_at FROM pledges_pledge p
        WHERE {visible} AND {status} AND {document} @@ {query}
        OFFSET 0) m
    ORDER BY m.created_at DESC, m.id DESC LIMIT %(needed)s
"""
ANONYMOUS_VISIBLE = "p.moderation_status = 'published' AND p.visibility = 'public'"
# A member also sees community-only pledges of their communities and their own, and
# pledges waiting for moderation in the communities they organise.
MEMBER_VISIBLE = """(p.visibility = 'public' OR p.author_id = %(me)s
        OR (p.visibility = 'community' AND p.community_id = ANY(%(communities)s)))
    AND (p.moderation_status = 'published' OR p.author_id = %(me)s
        OR p.community_id = ANY(%(organised)s))"""
# The wall's own document and query (kernel/written.py): each pledge's stored document
# (Pledge.search_document, read in its language's configuration), the words looked for
# in every configuration.
SEARCH_DOCUMENT = "{a}.search_document"
SEARCH_QUERY = written.query_sql("%(q)s")[0]


def _rows(sql: str, params: list | dict, *, prepared_as: str | None = None) -> list[tuple]:
    """The rows `sql` reads; with `prepared_as`, as a statement of that name prepared
    once per connection (kernel.prepared), as the app prepares the same reads."""
    with connection.cursor() as cursor:
        if prepared_as:
            prepared.execute(cursor, f"floor_{prepared_as}", sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def _json(rows: list[tuple] | dict) -> HttpResponse:
    response = HttpResponse(json.dumps(rows, default=str), content_type="application/json")
    # A floor does its SQL on every request: no page cache may keep its answer.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def bare(request):
    return HttpResponse(BARE_BODY, content_type="text/html; charset=utf-8")


def _memberships(request) -> tuple[list[int], list[int]]:
    """The signed-in member's active communities and the ones they organise: one
    query, as the app loads them once a request."""
    rows = _rows(
        "SELECT community_id, role FROM communities_membership "
        "WHERE member_id = %s AND status = 'active'",
        [request.user.pk],
    )
    return [c for c, _ in rows], [c for c, role in rows if role == "organiser"]


def _search_ids(fragments: dict, params: dict, *, needed: int) -> list[int]:
    """The ids of the first `needed` matches, asked for in the order
    pledges.selectors._search_ids asks (`search_ids_by`)."""
    params = {**params, "needed": needed}
    walk_sql = SEARCH_WALK_SQL.format(
        document=SEARCH_DOCUMENT.format(a="s"), query=SEARCH_QUERY, **fragments
    )
    index_sql = SEARCH_INDEX_SQL.format(
        document=SEARCH_DOCUMENT.format(a="p"), query=SEARCH_QUERY, **fragments
    )
    return search_ids_by(
        params["q"],
        needed=needed,
        walk=lambda window: [row[0] for row in _rows(walk_sql, {**params, "window": window})],
        index=lambda: [row[0] for row in _rows(index_sql, params)],
    )


@require_GET
def wall(request):
    """The wall's or the API list's page for this query string (q, status, page)."""
    status = request.GET.get("status", "")
    if status and status not in STATUSES:
        return HttpResponseBadRequest("Unknown status.")
    q = request.GET.get("q", "").strip()[:200]
    params: dict = {"status": status, "q": q}
    if request.user.is_authenticated and request.user.is_staff:
        visible = "true"
    elif request.user.is_authenticated:
        visible = MEMBER_VISIBLE
        params["communities"], params["organised"] = _memberships(request)
        params["me"] = request.user.pk
    else:
        visible = ANONYMOUS_VISIBLE
    number = page_number(request.GET.get("page"))
    if number > (SEARCH_MAX_PAGE if q else MAX_PAGE):
        return _json([])  # past the last page: the app reads nothing either
    offset = (number - 1) * PAGE_SIZE
    # Only fixed fragments of this module are formatted in; every value is a parameter.
    fragments = {
        "visible": visible,
        "status": "p.status = %(status)s" if status else "p.status <> 'withdrawn'",
    }
    if q:
        ids = _search_ids(fragments, params, needed=offset + PAGE_SIZE + 1)[offset:]
        if not ids:
            return _json([])
        return _json(_rows(WALL_SQL.format(where="p.id = ANY(%(ids)s)"), {"ids": ids}))
    params["limit"], params["offset"] = PAGE_SIZE + 1, offset
    ids_sql = PAGE_IDS_SQL.format(**fragments)
    return _json(_rows(WALL_SQL.format(where=f"p.id IN ({ids_sql})"), params))


# A pledge's page (pledges.views.detail): the pledge with its author, organisation,
# theme, campaign and community, the author's own sentence once it is over, and the
# viewer's signature; its first signers; its newest check-ins the viewer may see; the
# thank-you notes they may read and how often each check-in and commitment was thanked;
# and the stories told about it. Each read is prepared, as the app prepares its own.
PLEDGE_COLUMNS = """
    SELECT p.id, p.title, p.description, p.status, p.visibility, p.signer_count,
           p.done_count, p.total_quantity, p.threshold, p.due_date, p.created_at,
           u.display_name, u.name_visibility, o.name, t.name, g.name, g.unit, m.name, m.slug,
           CASE WHEN p.status IN ('completed', 'failed') THEN coalesce((
               SELECT a.outcome FROM pledges_signature a WHERE a.pledge_id = p.id
               AND a.is_author AND a.done_at IS NOT NULL ORDER BY a.id LIMIT 1), '') END,
           s.id, s.done_at, s.outcome"""
PLEDGE_SQL = (
    PLEDGE_COLUMNS
    + PLEDGE_JOINS
    + """    LEFT JOIN pledges_signature s ON s.pledge_id = p.id AND s.member_id = %(me)s
    WHERE p.id = %(pledge)s AND p.moderation_status = 'published'
"""
)
PLEDGE_SIGNERS_SQL = """
    SELECT u.display_name, u.name_visibility, s.is_author, s.done_at, s.outcome
    FROM pledges_signature s JOIN members_user u ON u.id = s.member_id
    WHERE s.pledge_id = %(pledge)s ORDER BY s.signed_at, s.id LIMIT 100
"""
PLEDGE_CHECK_INS_SQL = """
    SELECT c.id, c.created_at, c.quantity, c.note, c.moderation_status,
           u.display_name, u.name_visibility
    FROM pledges_checkin c JOIN members_user u ON u.id = c.author_id
    WHERE c.pledge_id = %(pledge)s AND (c.moderation_status = 'published' OR c.author_id = %(me)s)
    ORDER BY c.created_at DESC, c.id DESC LIMIT 50
"""
PLEDGE_NOTES_SQL = """
    SELECT t.id, t.note, t.created_at, u.display_name, u.name_visibility
    FROM pledges_thanks t JOIN members_user u ON u.id = t.giver_id
    WHERE t.pledge_id = %(pledge)s AND t.note <> ''
      AND (t.moderation_status = 'published' OR t.giver_id = %(me)s)
    ORDER BY t.created_at, t.id
"""
PLEDGE_THANKED_SQL = """
    SELECT check_in_id, commitment_id, count(*), count(*) FILTER (WHERE giver_id = %(me)s)
    FROM pledges_thanks WHERE pledge_id = %(pledge)s GROUP BY check_in_id, commitment_id
"""
PLEDGE_STORIES_SQL = """
    SELECT s.id, s.title, s.slug FROM stories_story_pledges sp
    JOIN stories_story s ON s.id = sp.story_id
    WHERE sp.pledge_id = %(pledge)s AND s.status = 'published'
      AND s.moderation_status = 'published'
    ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC LIMIT 5
"""


@require_GET
def pledge_detail(request, pk: int):
    params = {"pledge": pk, "me": request.user.pk if request.user.is_authenticated else None}
    found = _rows(PLEDGE_SQL, params, prepared_as="pledge")
    if not found:
        raise Http404("No such pledge.")
    return _json(
        {
            "pledge": found[0],
            "signers": _rows(PLEDGE_SIGNERS_SQL, params, prepared_as="pledge_signers"),
            "check_ins": _rows(PLEDGE_CHECK_INS_SQL, params, prepared_as="pledge_check_ins"),
            "notes": _rows(PLEDGE_NOTES_SQL, params, prepared_as="pledge_notes"),
            "thanked": _rows(PLEDGE_THANKED_SQL, params, prepared_as="pledge_thanked"),
            "stories": _rows(PLEDGE_STORIES_SQL, params, prepared_as="pledge_stories"),
        }
    )


# A community's page (communities.views.community_detail): the community with its
# organisation and region, its active organisers with the viewer's own membership, its
# ten newest pledges the viewer may see with what a card shows, and its five newest
# published stories with their authors, comment counts and tags, and its achievements:
# the community's kept totals row (reports.ScopeTotal), by its key, as the page reads it.
COMMUNITY_SQL = """
    SELECT c.id, c.name, c.description, c.guidelines, c.status, c.joining_policy,
           c.member_count, o.name, r.name
    FROM communities_community c
    LEFT JOIN members_organisation o ON o.id = c.organisation_id
    LEFT JOIN members_region r ON r.id = c.region_id
    WHERE c.slug = %s
"""
# A scope's all-time totals, the figures the home and community pages show of them
# (reports.ScopeTotal).
TOTALS_SQL = """
    SELECT pledges_made, co_signs, people_done, check_ins, stories_published, new_members,
           module_completions
    FROM reports_scopetotal WHERE scope = %(scope)s AND scope_id = %(scope_id)s
"""
COMMUNITY_PEOPLE_SQL = """
    SELECT m.member_id, m.role, m.status, u.display_name FROM communities_membership m
    JOIN members_user u ON u.id = m.member_id
    WHERE m.community_id = %(community)s
      AND ((m.role = 'organiser' AND m.status = 'active') OR m.member_id = %(me)s)
    ORDER BY u.display_name, m.member_id
"""
COMMUNITY_PLEDGES_SQL = """
    SELECT p.id, p.title, p.status, p.signer_count, p.due_date, p.created_at,
           u.display_name, o.name, t.name, g.name
    FROM pledges_pledge p
    JOIN members_user u ON u.id = p.author_id
    LEFT JOIN members_organisation o ON o.id = u.organisation_id
    LEFT JOIN pledges_theme t ON t.id = p.theme_id
    LEFT JOIN pledges_campaign g ON g.id = p.campaign_id
    WHERE p.community_id = %(community)s AND p.status <> 'withdrawn'
      AND (p.visibility = 'public' OR p.author_id = %(me)s
           OR (%(belongs)s AND p.visibility = 'community'))
      AND (p.moderation_status = 'published' OR p.author_id = %(me)s OR %(organises)s)
    ORDER BY p.created_at DESC, p.id DESC LIMIT 10
"""
COMMUNITY_STORIES_SQL = """
    SELECT s.id, s.title, s.slug, s.summary, s.published_at, u.display_name, o.name,
           (SELECT count(*) FROM stories_comment cm
            WHERE cm.story_id = s.id AND cm.moderation_status = 'published'),
           (SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]')
            FROM stories_story_tags st JOIN stories_tag t ON t.id = st.tag_id
            WHERE st.story_id = s.id)
    FROM stories_story s
    JOIN members_user u ON u.id = s.author_id
    LEFT JOIN members_organisation o ON o.id = u.organisation_id
    WHERE s.community_id = %s AND s.status = 'published' AND s.moderation_status = 'published'
    ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC LIMIT 5
"""


@require_GET
def community(request, slug: str):
    found = _rows(COMMUNITY_SQL, [slug], prepared_as="community")
    if not found:
        raise Http404("No such community.")
    pk = found[0][0]
    me = request.user.pk if request.user.is_authenticated else None
    people = _rows(
        COMMUNITY_PEOPLE_SQL, {"community": pk, "me": me}, prepared_as="community_people"
    )
    own = [row for row in people if row[0] == me and row[2] == "active"]
    pledges = _rows(
        COMMUNITY_PLEDGES_SQL,
        {
            "community": pk,
            "me": me,
            "belongs": bool(own),
            "organises": any(row[1] == "organiser" for row in own),
        },
        prepared_as="community_pledges",
    )
    stories = _rows(COMMUNITY_STORIES_SQL, [pk], prepared_as="community_stories")
    totals = _rows(TOTALS_SQL, {"scope": "community", "scope_id": pk}, prepared_as="totals")
    return _json(
        {
            "community": found[0],
            "people": people,
            "pledges": pledges,
            "stories": stories,
            "totals": totals,
        }
    )


@require_GET
def home(request):
    """The home page's essential rows: the featured stories, from their feed index, and
    the platform's kept totals row (reports.ScopeTotal), as the page reads it."""
    stories = _rows(
        """SELECT s.title, s.slug, s.summary, u.display_name FROM stories_story s
           JOIN members_user u ON u.id = s.author_id
           WHERE s.status = 'published' AND s.moderation_status = 'published'
           ORDER BY s.is_featured DESC, s.published_at DESC, s.id DESC LIMIT 3""",
        [],
    )
    totals = _rows(TOTALS_SQL, {"scope": "platform", "scope_id": 0}, prepared_as="totals")
    return _json({"stories": stories, "totals": totals})


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
