"""Reads of campaigns, pledges, signatures and check-ins, with visibility built in.

A member sees a pledge when it is public, or community-only in a community they
belong to, or theirs; and only published pledges unless they wrote it or moderate
it (`visible_q`). Every list selector starts from `pledges_visible_to`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.moderation import ModerationStatus
from communities.selectors import member_community_ids, organised_community_ids, visible_q
from kernel import written
from kernel.caching import cached_value
from kernel.components import DrawnOptions, draw_options
from pledges.models import (
    Campaign,
    CheckIn,
    Pledge,
    Signature,
    Thanks,
    Theme,
)

# What a pledge's card and page show, joined; its theme and campaign are put on the
# rows without a join (`PledgeQuerySet.with_theme_and_campaign`, pledges.lookups).
WALL_SELECT_RELATED = ("author", "author__organisation", "community")
# The same, reached from a signature (no lookup is put on the pledges of signatures).
SIGNATURE_PLEDGE_RELATED = tuple(
    f"pledge__{name}" for name in (*WALL_SELECT_RELATED, "theme", "campaign")
)


def _audience_q(user) -> Q:
    """Who a pledge is for: everyone, or the members of its community."""
    audience = Q(visibility=Pledge.Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        audience |= Q(author=user)
        community_ids = member_community_ids(user)
        if community_ids:
            audience |= Q(visibility=Pledge.Visibility.COMMUNITY, community_id__in=community_ids)
    return audience


def pledges_visible_to(user) -> QuerySet[Pledge]:
    """Every pledge `user` may see (admins see all)."""
    queryset = Pledge.objects.all()
    if user is not None and user.is_authenticated and user.is_staff:
        return queryset
    return queryset.filter(_audience_q(user), visible_q(user))


def can_see_pledge(user, pledge: Pledge) -> bool:
    """`pledges_visible_to`'s rule applied to the row in hand, with no query beyond the
    member's community ids (kept on the user for the request). A test holds the two
    to the same answers."""
    signed_in = user is not None and user.is_authenticated
    if signed_in and user.is_staff:
        return True
    is_author = signed_in and pledge.author_id == user.pk
    in_audience = (
        pledge.visibility == Pledge.Visibility.PUBLIC
        or is_author
        or (
            signed_in
            and pledge.visibility == Pledge.Visibility.COMMUNITY
            and pledge.community_id in member_community_ids(user)
        )
    )
    moderation_lets_see = (
        pledge.moderation_status == ModerationStatus.PUBLISHED
        or is_author
        or (signed_in and pledge.community_id in organised_community_ids(user))
    )
    return in_audience and moderation_lets_see


def pledge_get_for(*, user, pk: int, related: bool = True) -> Pledge:
    """One pledge `user` may see, or 404: with what its page shows (`related`), or the
    bare row, which is all a shared page's check and a co-sign need. Fetched by its key
    and checked with `can_see_pledge`, so the query stays a primary-key read."""
    # No order: `first()` would add the model's, which PostgreSQL plans for nothing.
    queryset = Pledge.objects.filter(pk=pk).order_by()
    if related:
        # Only the rows a pledge's page shows: each further join costs PostgreSQL
        # planning time on every read (eight tables took 3 ms to plan, four 0.5 ms).
        queryset = queryset.select_related(*WALL_SELECT_RELATED).with_theme_and_campaign()
    found = list(queryset)
    pledge = found[0] if found else None
    if pledge is None or not can_see_pledge(user, pledge):
        raise Http404(_("No such pledge."))
    return pledge


SEARCH_MAX_LENGTH = 200


def search(queryset: QuerySet[Pledge], text: str) -> QuerySet[Pledge]:
    """Full-text search on title and description: every pledge that matches, in the
    queryset's order. A page of the wall is read through `wall_page`, which decides
    how the full-text index is used."""
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(search_document=written.search_query(text))


class Sort:
    NEWEST = "newest"
    MOST_SIGNED = "most_signed"
    ENDING_SOON = "ending_soon"
    CHOICES = [
        (NEWEST, gettext_lazy("Newest")),
        (MOST_SIGNED, gettext_lazy("Most signed")),
        (ENDING_SOON, gettext_lazy("Ending soon")),
    ]
    # Each order ends in an id tiebreak so pages never overlap, and each has its index.
    ORDERS = {
        NEWEST: ("-created_at", "-id"),
        # Along SignerTally's index: the pledge's own count has none (see SignerTally).
        MOST_SIGNED: ("-tally__signer_count", "-id"),
        ENDING_SOON: ("due_date", "id"),
    }
    # An order read from another table, and the pledge's own column that holds the same
    # value: a page's rows, once their ids are found, are sorted by the pledge's own.
    OWN_COLUMNS = {"tally__signer_count": "signer_count"}


def apply_sort(queryset: QuerySet[Pledge], sort: str | None) -> QuerySet[Pledge]:
    """The wall's orders. "Ending soon" shows open pledges that are not yet due,
    soonest first."""
    if sort == Sort.ENDING_SOON:
        queryset = queryset.filter(
            status__in=Pledge.OPEN_STATUSES, due_date__gte=timezone.localdate()
        )
    elif sort == Sort.MOST_SIGNED:
        # An inner join (every pledge has its tally), so the planner may walk the
        # tally's index and look each pledge up, as it walks a pledge index otherwise.
        queryset = queryset.filter(tally__isnull=False)
    return queryset.order_by(*Sort.ORDERS.get(sort, Sort.ORDERS[Sort.NEWEST]))


def own_ordering(ordering) -> list:
    """`ordering` in the pledge's own columns (`Sort.OWN_COLUMNS`)."""
    return [_own_column(name) for name in ordering]


def _own_column(name):
    if not isinstance(name, str):
        return name
    descending = name.startswith("-")
    own = Sort.OWN_COLUMNS.get(name.removeprefix("-"))
    if own is None:
        return name
    return f"-{own}" if descending else own


def pledge_wall(*, user) -> QuerySet[Pledge]:
    """The base of the wall and the API list; filters narrow it (see filters.py)."""
    return pledges_visible_to(user).select_related(*WALL_SELECT_RELATED).with_theme_and_campaign()


# Lists page by number, up to this page: past it, a search or a filter finds pledges
# faster than paging, and every page stays a short walk along an index.
MAX_PAGE = 50
# A search ranks its first matches only (10 pages): a common word's later pages would
# each test thousands of pledges' text, and a narrower search finds more in less.
SEARCH_MAX_PAGE = 10


@dataclass
class Page:
    """One page of a list, found without counting the whole list: one row more than
    the page is fetched to know whether there is a next page. A page number past
    MAX_PAGE reads nothing and says so (`past_last_page`)."""

    items: list
    number: int
    size: int
    has_next: bool
    past_last_page: bool = False
    last_page: int = MAX_PAGE

    @property
    def has_previous(self) -> bool:
        return 1 < self.number <= self.last_page

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def page_number(value: str | int | None) -> int:
    """The page asked for, 1 when the value is missing or not a whole number from 1."""
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def _past_last_page(number: int, size: int, last_page: int = MAX_PAGE) -> Page:
    return Page(
        items=[], number=number, size=size, has_next=False, past_last_page=True, last_page=last_page
    )


def page_of(queryset: QuerySet, *, page: str | int | None, size: int = 20) -> Page:
    number = page_number(page)
    if number > MAX_PAGE:
        return _past_last_page(number, size)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return Page(
        items=rows[:size],
        number=number,
        size=size,
        has_next=len(rows) > size and number < MAX_PAGE,
    )


# How a search reads the full-text index (see `_search_ids`). Testing a pledge's stored
# document while walking the wall's order costs about 1.7 microseconds; the GIN index
# answers a rare word at once but must fetch and sort every match of a common one
# (about 2.3 microseconds a match: 235 ms for a word in a tenth of a million pledges).
# So the walk goes first, and as far as the matches it met say it must, up to
# SEARCH_WALK_MAX_ROWS (about 50 ms); past that the word is rare enough for the index.
SEARCH_WALK_ROWS = 2000
SEARCH_WALK_ROWS_PER_RESULT = 8
SEARCH_WALK_MAX_ROWS = 30_000
# Before walking, a search asks PostgreSQL's statistics how many pledges its words
# match (`search_match_estimate`). They keep the commonest words of the stored
# documents with how often each occurs, and rate a word they do not hold below all of
# them: about 1% of the pledges at a million (twice that, as a query reads its words
# in two configurations). Below this many the index answers first, without the walk,
# whose 2,000 rows cost 8 ms warm and 25–70 ms once writes had pushed the newest
# pledges out of PostgreSQL's buffers, all of it for nothing when no pledge matches.
SEARCH_INDEX_FIRST_BELOW = 20_000


def wall_page(
    queryset: QuerySet[Pledge], *, page: str | int | None, size: int, search: str = ""
) -> Page:
    """One page of the filtered, ordered wall (`queryset`), searched for `search`.

    The page's ids are found first, on the pledge table alone (with the tallies, for
    "most signed"), and only those rows are joined to their authors, themes and
    communities, so a deep page does not join every row it skips. A search finds its
    ids in one of two ways (`_search_ids`)."""
    text = (search or "").strip()
    last_page = SEARCH_MAX_PAGE if text else MAX_PAGE
    number = page_number(page)
    if number > last_page:
        return _past_last_page(number, size, last_page)
    if queryset.query.is_empty():  # a filter named nothing that exists
        return Page(items=[], number=number, size=size, has_next=False, last_page=last_page)
    offset = (number - 1) * size
    needed = offset + size + 1
    rows_of = Pledge.objects.order_by(*own_ordering(queryset.query.order_by))
    rows_of.query.select_related = queryset.query.select_related
    if getattr(queryset, "_theme_and_campaign", False):
        rows_of = rows_of.with_theme_and_campaign()
    if not text:
        ids = queryset.values("id")[offset:needed]
    else:
        ids = _search_ids(queryset, text=text, needed=needed)[offset:]
    rows = _wall_rows(queryset, rows_of, ids) if not isinstance(ids, list) or ids else []
    return Page(
        items=rows[:size],
        number=number,
        size=size,
        has_next=len(rows) > size and number < last_page,
        last_page=last_page,
    )


def _wall_rows(queryset: QuerySet[Pledge], rows_of: QuerySet[Pledge], ids) -> list[Pledge]:
    """The rows of a wall page's `ids`: read by hand (`pledges.reads.wall_rows`) when
    the wall asks for what a card shows, else through the ORM (`rows_of`)."""
    from pledges import reads

    if (
        getattr(queryset, "_theme_and_campaign", False)
        and queryset.query.select_related == _wall_select_related()
    ):
        found = reads.wall_rows(ids, ordering=rows_of.query.order_by or Pledge._meta.ordering)
        if found is not None:
            return found
    return list(rows_of.filter(pk__in=ids))


@cache
def _wall_select_related() -> dict:
    return Pledge.objects.select_related(*WALL_SELECT_RELATED).query.select_related


def _search_ids(queryset: QuerySet[Pledge], *, text: str, needed: int) -> list[int]:
    """The ids of the first `needed` matches of `text` in the queryset's order.

    1. Walk the order's index, testing each pledge's stored document, for
       SEARCH_WALK_ROWS rows (more for a deeper page). A common word fills the page
       within a few dozen rows, as fast as the plain wall.
    2. When it met some matches but too few for a deep page, walk as far as their
       density says the page needs (`further_walk`), if that is within
       SEARCH_WALK_MAX_ROWS.
    3. Otherwise the word is rare, or in no pledge: the GIN index gives every match
       at once and only those are sorted. (Left to itself, the planner walks the whole
       wall for a word its statistics do not know, testing a million rows.)

    A word the statistics rate rare (`search_match_estimate`) goes to the index at once.
    """
    return search_ids_by(
        text,
        needed=needed,
        walk=lambda window: _walk_matches(queryset, text=text, needed=needed, window=window),
        index=lambda: _indexed_matches(queryset, text=text, needed=needed),
    )


def search_ids_by(text: str, *, needed: int, walk, index) -> list[int]:
    """The order in which a search asks for its ids (see `_search_ids`): first the
    statistics' estimate of how many pledges match (`search_match_estimate`), then
    `walk(window)`, which tests the newest `window` pledges and gives at most `needed`
    matching ids, or `index()`, which gives the first `needed` from the GIN index. The
    benchmark's SQL floor asks its own SQL in the same order through this function."""
    if not any(character.isalnum() for character in text):
        return []  # punctuation and symbols only: nothing a pledge could match
    if search_match_estimate(text) < SEARCH_INDEX_FIRST_BELOW:
        return index()
    window = first_walk(needed)
    walked = walk(window)
    if len(walked) >= needed:
        return walked
    further = further_walk(needed, window=window, found=len(walked))
    if further:
        walked = walk(further)
        if len(walked) >= needed:
            return walked
    return index()


def first_walk(needed: int) -> int:
    """How many pledges a search's first walk tests for `needed` matches."""
    return max(SEARCH_WALK_ROWS, needed * SEARCH_WALK_ROWS_PER_RESULT)


def further_walk(needed: int, *, window: int, found: int) -> int | None:
    """How far a second walk goes when the first met `found` (fewer than `needed`)
    matches in `window` pledges: half as far again as their density says, or None
    when that is beyond SEARCH_WALK_MAX_ROWS or nothing matched (a rare word, which
    the index answers faster)."""
    if found == 0:
        return None
    rows = math.ceil(window * needed / found * 1.5)
    return rows if rows <= SEARCH_WALK_MAX_ROWS else None


# The stored document (Pledge.search_document) over a subquery's columns, and the
# query as the wall's search box reads it.
_QUERY_SQL, _QUERY_TEXTS = written.query_sql()
_MATCH_SQL = f"s.search_document @@ {_QUERY_SQL}"


_ESTIMATE_SQL = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {Pledge._meta.db_table} s WHERE {_MATCH_SQL}"  # noqa: S608  # nosec B608


def search_match_estimate(text: str) -> int:
    """How many pledges PostgreSQL's statistics expect `text` to match: the plan's
    estimate, from EXPLAIN (planned, not run: no row is read; 0.2–0.3 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(_ESTIMATE_SQL, [text] * _QUERY_TEXTS)
        (plan,) = cursor.fetchone()  # psycopg2 gives a json column decoded
    return int(plan[0]["Plan"]["Plan Rows"])


def _walk_matches(queryset: QuerySet[Pledge], *, text: str, needed: int, window: int) -> list[int]:
    rows = queryset.values("id", "search_document")[:window]
    window_sql, window_params = rows.query.sql_with_params()
    # The window is the ORM's own SQL with its parameters; the text is a parameter.
    sql = f"SELECT s.id FROM ({window_sql}) s WHERE {_MATCH_SQL} LIMIT %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, (*window_params, *[text] * _QUERY_TEXTS, needed))
        return [row[0] for row in cursor.fetchall()]


def _indexed_matches(queryset: QuerySet[Pledge], *, text: str, needed: int) -> list[int]:
    ordering = own_ordering(queryset.query.order_by)
    columns = [name.lstrip("-") for name in ordering]
    matches_sql, matches_params = (
        search(queryset, text).order_by().values(*columns).query.sql_with_params()
    )
    order_sql = ", ".join(
        f"m.{Pledge._meta.get_field(name.lstrip('-')).column}"
        + (" DESC" if name.startswith("-") else "")
        for name in ordering
    )
    # OFFSET 0 keeps the matches a subquery planned on its own (from the GIN index),
    # so the planner cannot trade it for a walk along the order's index. The SQL is
    # the ORM's and the order names the model's own columns.
    sql = f"SELECT m.id FROM ({matches_sql} OFFSET 0) m ORDER BY {order_sql} LIMIT %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, (*matches_params, needed))
        return [row[0] for row in cursor.fetchall()]


# --- One pledge's people and progress --------------------------------------------


SIGNERS_SHOWN = 100
CHECK_INS_SHOWN = 50


def pledge_signatures(*, pledge: Pledge, limit: int = SIGNERS_SHOWN) -> list[Signature]:
    """The first signers in the order they signed (the author first)."""
    return list(
        Signature.objects.filter(pledge=pledge)
        .select_related("member")
        .order_by("signed_at", "id")[:limit]
    )


def pledge_and_signature_for(*, user, pk: int) -> tuple[Pledge, Signature | None]:
    """`pledge_get_for(user=user, pk=pk)` and the viewer's `signature_of` it, for a
    pledge's page: one hand-written statement (`pledges.reads`), held by tests to both."""
    from pledges import reads

    signed_in = user is not None and user.is_authenticated
    pledge, signature = reads.pledge_and_signature(pk, member_id=user.pk if signed_in else None)
    if pledge is None or not can_see_pledge(user, pledge):
        raise Http404(_("No such pledge."))
    return pledge, signature


def signature_of(*, user, pledge: Pledge) -> Signature | None:
    if user is None or not user.is_authenticated:
        return None
    return Signature.objects.filter(pledge=pledge, member=user).first()


def check_ins_visible_to(*, user, pledge: Pledge) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(pledge=pledge)
        .filter(visible_q(user, author_field="author", community_field="pledge__community"))
        .select_related("author")
        .order_by("-created_at", "-id")
    )


def can_see_check_in(user, check_in: CheckIn) -> bool:
    """A check-in is seen by those who see its pledge, as its page lists it."""
    return (
        can_see_pledge(user, check_in.pledge)
        and check_ins_visible_to(user=user, pledge=check_in.pledge).filter(pk=check_in.pk).exists()
    )


def check_in_get_for(*, user, pk: int) -> CheckIn:
    """One check-in `user` may see, with its pledge, or 404."""
    check_in = CheckIn.objects.select_related("pledge", "author").filter(pk=pk).first()
    if check_in is None or not can_see_check_in(user, check_in):
        raise Http404(_("No such check-in."))
    return check_in


def commitment_get_for(*, user, pk: int) -> Signature:
    """One commitment (signature) on a pledge `user` may see, with its pledge, or 404."""
    signature = Signature.objects.select_related("pledge", "member").filter(pk=pk).first()
    if signature is None or not can_see_pledge(user, signature.pledge):
        raise Http404(_("No such commitment."))
    return signature


@dataclass
class ThanksOnPledge:
    """How often each check-in and each commitment of a pledge was thanked, and which
    of them the viewer has thanked already."""

    check_in_counts: dict[int, int]
    commitment_counts: dict[int, int]
    thanked_check_ins: set[int]
    thanked_commitments: set[int]


def thanks_on(*, pledge: Pledge, user) -> ThanksOnPledge:
    """`ThanksOnPledge` in one query: the pledge's thanks grouped by what they thank,
    each group saying whether `user` gave one of them."""
    mine = Q(giver=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    rows = (
        Thanks.objects.filter(pledge=pledge)
        .order_by()
        .values_list("check_in_id", "commitment_id")
        .annotate(count=Count("id"), given=Count("id", filter=mine))
    )
    return _thanks_summary(rows)


def _thanks_summary(rows) -> ThanksOnPledge:
    """`ThanksOnPledge` from (check-in id, commitment id, count, given by the viewer) rows."""
    summary = ThanksOnPledge({}, {}, set(), set())
    for check_in_id, commitment_id, count, given in rows:
        if check_in_id:
            summary.check_in_counts[check_in_id] = count
            if given:
                summary.thanked_check_ins.add(check_in_id)
        elif commitment_id:
            summary.commitment_counts[commitment_id] = count
            if given:
                summary.thanked_commitments.add(commitment_id)
    return summary


@dataclass
class PledgePageLists:
    signatures: list[Signature]
    check_ins: list[CheckIn]
    thanks_notes: list[Thanks]
    thanks: ThanksOnPledge


def pledge_page_lists(*, pledge: Pledge, user) -> PledgePageLists:
    """What a pledge's page lists, for `user`: its first SIGNERS_SHOWN signers
    (`pledge_signatures`), its newest CHECK_INS_SHOWN check-ins `user` may see
    (`check_ins_visible_to`), the thank-you notes they may read
    (`thanks_notes_visible_to`) and `thanks_on`, in four hand-written statements
    (pledges.reads: through the ORM each cost several times its SQL)."""
    from pledges import reads

    signers, check_ins, notes, thanked = reads.pledge_page(
        pledge=pledge, viewer=user, signers=SIGNERS_SHOWN, check_ins=CHECK_INS_SHOWN
    )
    return PledgePageLists(signers, check_ins, notes, _thanks_summary(thanked))


def thanks_notes_visible_to(*, user, pledge: Pledge) -> QuerySet[Thanks]:
    """Thank-you notes on a pledge `user` may read: published ones, their own, and
    (for moderators) the rest; hidden notes are not shown to others."""
    return (
        Thanks.objects.filter(pledge=pledge)
        .exclude(note="")
        .filter(visible_q(user, author_field="giver", community_field="pledge__community"))
        .select_related("giver")
        .order_by("created_at", "id")
    )


def can_see_thanks(user, thanks: Thanks) -> bool:
    """A thank-you note is seen by those who see its pledge and may read the note."""
    return (
        can_see_pledge(user, thanks.pledge)
        and thanks_notes_visible_to(user=user, pledge=thanks.pledge).filter(pk=thanks.pk).exists()
    )


def times_thanked(*, member) -> int:
    return Thanks.objects.filter(recipient=member).count()


def thanks_received(*, member) -> QuerySet[Thanks]:
    return (
        Thanks.objects.filter(recipient=member)
        .select_related("giver", "pledge")
        .order_by("-created_at", "-id")
    )


# --- A member's pledges ----------------------------------------------------------


def pledges_made_by(*, member, viewer) -> QuerySet[Pledge]:
    return (
        pledges_visible_to(viewer)
        .filter(author=member)
        .select_related(*WALL_SELECT_RELATED)
        .with_theme_and_campaign()
        .order_by("-created_at", "-id")
    )


def signatures_of_member(*, member, viewer, done: bool | None = None) -> QuerySet[Signature]:
    """Pledges `member` co-signed (not their own), as signatures, newest first."""
    visible = pledges_visible_to(viewer)
    queryset = (
        Signature.objects.filter(member=member, is_author=False, pledge__in=visible)
        .select_related(*SIGNATURE_PLEDGE_RELATED)
        .order_by("-signed_at", "-id")
    )
    if done is not None:
        queryset = queryset.filter(done_at__isnull=not done)
    return queryset


def commitments_done_by(*, member) -> QuerySet[Signature]:
    """Every commitment `member` marked done, their own pledges included."""
    return (
        Signature.objects.filter(member=member, done_at__isnull=False)
        .select_related(*SIGNATURE_PLEDGE_RELATED)
        .order_by("-done_at", "-id")
    )


def community_pledges(*, community, viewer, limit: int = 10) -> list[Pledge]:
    """A community's newest pledges for its page, withdrawn ones left out: the ones
    `pledges_visible_to(viewer)` holds, read with one hand-written statement
    (pledges.reads: the ORM's query building cost more than the query)."""
    from pledges import reads

    return reads.community_pledges(community=community, viewer=viewer, limit=limit)


# --- Campaigns and themes --------------------------------------------------------


def themes_active() -> QuerySet[Theme]:
    return Theme.objects.filter(is_active=True).order_by("name")


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.order_by("-starts_on", "name")


def campaigns_open(today: date | None = None) -> QuerySet[Campaign]:
    today = today or timezone.localdate()
    return Campaign.objects.filter(starts_on__lte=today, ends_on__gte=today).order_by("name")


def campaign_get(*, slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


# --- Filter choices ---------------------------------------------------


def filter_choices() -> dict[str, DrawnOptions]:
    """The wall's filters' (slug, name) choices, read in one query, drawn as their
    selects' options (`kernel.components.draw_options`) and cached briefly
    (kernel.caching: "pledges.filter-choices"), so the wall's query count stays small
    and constant and no page draws the same five hundred options again."""
    return cached_value("pledges.filter-choices", _read_filter_choices)


def _read_filter_choices() -> dict[str, DrawnOptions]:
    from communities.selectors import communities_active
    from members.models import Organisation, Region

    def labelled(queryset, kind: str, label=None):
        return (
            queryset.order_by()
            .annotate(
                choice_kind=Value(kind, output_field=CharField()),
                label=label if label is not None else F("name"),
            )
            .values_list("choice_kind", "slug", "label")
        )

    # Themes by their Welsh names on Welsh pages (the data cache keeps one copy a language).
    rows = (
        labelled(Theme.objects.all(), "theme", Theme.local_name_sql())
        .union(
            labelled(Campaign.objects.all(), "campaign"),
            labelled(communities_active(), "community"),
            labelled(Organisation.objects.all(), "organisation"),
            labelled(Region.objects.all(), "region"),
            all=True,
        )
        .order_by("choice_kind", "label")
    )
    choices = {kind: [] for kind in ("theme", "campaign", "community", "organisation", "region")}
    for kind, slug, name in rows:
        choices[kind].append((slug, name))
    return {kind: draw_options(options) for kind, options in choices.items()}


# --- What the scheduled jobs look at ---------------------------------------------


def gathering_past_deadline_ids(*, today: date) -> QuerySet:
    return Pledge.objects.filter(
        status=Pledge.Status.GATHERING, threshold_deadline__lt=today
    ).values_list("id", flat=True)


def active_past_due_ids(*, today: date) -> QuerySet:
    return Pledge.objects.filter(status=Pledge.Status.ACTIVE, due_date__lt=today).values_list(
        "id", flat=True
    )
