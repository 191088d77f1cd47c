"""Reads of the busiest pages' lists with hand-written SQL: a community's newest
pledges, and a pledge's signers, check-ins and thanks (below).

Through the ORM, building the query of a community's ten newest pledges (the
visibility rule's conditions, four joins) cost more than the query (docs/benchmarks.md).
For one community the rule reduces to a few conditions whose answers for this member
are known before the query (are they a member of it, do they organise it), so it is one
statement here, turned back into the instances the ORM gives (`kernel.rows`), with
their themes and campaigns joined (as `with_theme_and_campaign()` gives them).
`tests/pledges/test_reads.py` holds it to `selectors.pledges_visible_to(…)` for
visitors, members, authors, organisers and admins.
"""

from __future__ import annotations

import zlib
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db import connection

from communities.models import NAME_FIELDS as COMMUNITY_NAME_FIELDS
from communities.models import Community, Membership
from communities.moderation import ModerationStatus
from communities.selectors import member_community_ids, organised_community_ids
from kernel import prepared, rows
from members.models import NAME_FIELDS, ORGANISATION_NAME_FIELDS, Organisation, User
from pledges import outcomes
from pledges.models import Campaign, CheckIn, Pledge, Signature, Thanks, Theme


@cache
def _statement(limit: int) -> str:
    withdrawn, published = (
        prepared.constant(Pledge.Status.WITHDRAWN),
        prepared.constant(ModerationStatus.PUBLISHED),
    )
    public, community_only = (
        prepared.constant(Pledge.Visibility.PUBLIC),
        prepared.constant(Pledge.Visibility.COMMUNITY),
    )
    # Table and column names from the models, choices' values and the limit (written in
    # so that the prepared statement's generic plan can be costed: kernel.prepared);
    # every other value is a parameter.
    return (
        f"SELECT {_card_columns(with_community=False, listed='cards')} "  # noqa: S608  # nosec B608
        f"FROM {_card_tables(with_community=False)} "
        f"WHERE p.community_id = %(community)s AND p.status <> {withdrawn} "
        # `pledges_visible_to` for this community: its audience…
        f"AND (%(everything)s OR p.visibility = {public} OR p.author_id = %(member)s "
        f"OR (%(belongs)s AND p.visibility = {community_only})) "
        # …and what moderation lets them see.
        f"AND (%(everything)s OR p.moderation_status = {published} "
        "OR p.author_id = %(member)s OR %(organises)s) "
        f"ORDER BY p.created_at DESC, p.id DESC LIMIT {prepared.constant(limit)}"
    )


def community_pledges(*, community, viewer, limit: int) -> list[Pledge]:
    """The community's newest pledges `viewer` may see, withdrawn ones left out, each
    with its author, organisation, theme and campaign, and the community in hand."""
    signed_in = viewer is not None and viewer.is_authenticated
    parameters = {
        "community": community.pk,
        "everything": signed_in and viewer.is_staff,
        "member": viewer.pk if signed_in else None,
        "belongs": signed_in and community.pk in member_community_ids(viewer),
        "organises": signed_in and community.pk in organised_community_ids(viewer),
    }
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"community_pledges_{limit}", _statement(limit), parameters)
        found = cursor.fetchall()
    return [_card_pledge(row, community=community, listed="cards") for row in found]


# --- A pledge's page ---------------------------------------------------------------------
#
# A pledge's page lists its first signers, its check-ins, the thank-you notes on it and
# how often each check-in and commitment was thanked: four small reads (a pledge has
# about two signers and one check-in on average) that each cost the ORM 1–2 ms of Python
# around 0.1–0.5 ms of SQL. With the pledge in hand, the moderation rule (`visible_q`:
# published, or the viewer's own, or everything for its community's organisers and for
# admins) reduces to conditions known before the query, so each is one short statement
# here. `tests/pledges/test_reads.py` holds each to its selector in `pledges.selectors`.


@cache
def _page_statements() -> dict[str, str]:
    user = User._meta.db_table
    # Table and column names from the models; every value is a parameter.
    return {
        "signers": (
            f"SELECT {rows.columns(Signature, 's')}, {rows.columns(User, 'u', NAME_FIELDS)} "  # noqa: S608  # nosec B608
            f"FROM {Signature._meta.db_table} s JOIN {user} u ON u.id = s.member_id "
            "WHERE s.pledge_id = %(pledge)s ORDER BY s.signed_at, s.id LIMIT %(limit)s"
        ),
        "check_ins": (
            f"SELECT {rows.columns(CheckIn, 'c')}, {rows.columns(User, 'u', NAME_FIELDS)} "  # noqa: S608  # nosec B608
            f"FROM {CheckIn._meta.db_table} c JOIN {user} u ON u.id = c.author_id "
            "WHERE c.pledge_id = %(pledge)s AND (%(everything)s "
            "OR c.moderation_status = %(published)s OR c.author_id = %(member)s) "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s"
        ),
        "notes": (
            f"SELECT {rows.columns(Thanks, 't')}, {rows.columns(User, 'u', NAME_FIELDS)} "  # noqa: S608  # nosec B608
            f"FROM {Thanks._meta.db_table} t JOIN {user} u ON u.id = t.giver_id "
            "WHERE t.pledge_id = %(pledge)s AND t.note <> '' AND (%(everything)s "
            "OR t.moderation_status = %(published)s OR t.giver_id = %(member)s) "
            "ORDER BY t.created_at, t.id"
        ),
        "thanked": (
            "SELECT check_in_id, commitment_id, count(*), "  # noqa: S608  # nosec B608
            "count(*) FILTER (WHERE giver_id = %(member)s) "
            f"FROM {Thanks._meta.db_table} WHERE pledge_id = %(pledge)s "
            "GROUP BY check_in_id, commitment_id"
        ),
    }


# What the page shows of a signer, a check-in's author and a note's giver: their name as
# they allow it (`members.models.NAME_FIELDS`); a page lists up to a hundred signers, and
# the rest of each member's row (a password, an email, a profile) is left deferred.
_PERSON = {User: NAME_FIELDS}


def _with_people(cursor, model, name: str, parameters: dict, person: str, pledge) -> list:
    """Each row of the page's read `name`: its `model` instance, its `person` (a member,
    with their name's fields) and the pledge in hand."""
    prepared.execute(cursor, f"pledge_page_{name}", _page_statements()[name], parameters)
    found = []
    for row in cursor.fetchall():
        item, member = rows.build_each(row, model, User, only=_PERSON)
        rows.put(item, person, member)
        rows.put(item, "pledge", pledge)
        found.append(item)
    return found


def pledge_page(*, pledge, viewer, signers: int, check_ins: int) -> tuple:
    """(first signers, check-ins, thank-you notes, thanks rows) for a pledge's page: what
    `pledge_signatures`, `check_ins_visible_to` and `thanks_notes_visible_to` give for
    `viewer`, and the rows `thanks_on` sums up ((check-in id, commitment id, count, how
    many the viewer gave))."""
    signed_in = viewer is not None and viewer.is_authenticated
    organises = (
        signed_in
        and pledge.community_id is not None
        and pledge.community_id in organised_community_ids(viewer)
    )
    parameters = {
        "pledge": pledge.pk,
        "everything": signed_in and (viewer.is_staff or organises),
        "published": ModerationStatus.PUBLISHED,
        "member": viewer.pk if signed_in else None,
    }
    statements = _page_statements()
    with connection.cursor() as cursor:
        first_signers = _with_people(
            cursor,
            Signature,
            "signers",
            parameters | {"limit": signers},
            "member",
            pledge,
        )
        listed = _with_people(
            cursor,
            CheckIn,
            "check_ins",
            parameters | {"limit": check_ins},
            "author",
            pledge,
        )
        notes = _with_people(cursor, Thanks, "notes", parameters, "giver", pledge)
        prepared.execute(cursor, "pledge_page_thanked", statements["thanked"], parameters)
        thanked = cursor.fetchall()
    return first_signers, listed, notes, thanked


# --- A page of the wall and of the API list -----------------------------------------------
#
# `selectors.wall_page` finds a page's ids on the pledge table alone (the viewer's rule,
# the filters, the search), then reads those rows with their authors, organisations and
# communities. Through the ORM, building and compiling that second query, with its three
# joins, cost several times its SQL; here it is one statement around the ids (the ORM's
# own compiled subquery, or the list a search found), in the wall's order.
# `tests/pledges/test_reads.py` holds it to the ORM's rows.


def _order_sql(ordering) -> str | None:
    """`p."column" [DESC], …` for an ordering of the pledge's own field names, or None
    when it names anything else (an expression, a related field, a random order)."""
    parts = []
    for name in ordering:
        if not isinstance(name, str) or name == "?":
            return None
        field_name = name.removeprefix("-")
        field_name = "id" if field_name == "pk" else field_name
        try:
            field = Pledge._meta.get_field(field_name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.is_relation:
            return None
        descending = " DESC" if name.startswith("-") else ""
        parts.append(f"p.{connection.ops.quote_name(field.column)}{descending}")
    return ", ".join(parts) or None


# What a card's row holds, model by model, with each table's alias (`_card_tables`).
_CARD = ((Pledge, "p"), (User, "u"), (Organisation, "o"), (Community, "c"), (Theme, "th"),
         (Campaign, "cp"))  # fmt: skip


@cache
def _card_models(*, with_community: bool = True) -> tuple:
    """The models of a card's row (`_CARD`), without the community when the read has it
    in hand."""
    return tuple(model for model, _alias in _CARD if with_community or model is not Community)


# What a list's row reads of each model: what its card (pledges.cards) and the API's
# list (pledges.api.PledgeSerializer) show of a pledge and the rows around it, and what
# the viewer's rules ask (a member's name choice, their organisation, an erasure).
# The rest (a pledge's search document and moderation note, a member's password and
# profile, a community's description and guidelines…) was half the columns of a wall
# page's read: 0.5 ms of its 1.1 ms (docs/benchmarks.md). A field left out is deferred,
# as the ORM's `only()` defers it; tests/pledges/test_reads.py holds every card and the
# API's rows to no further query.
_LISTED = {
    Pledge: tuple(
        field.name
        for field in Pledge._meta.concrete_fields
        if field.name not in {"search_document", "moderation_reason", "moderated_at", "updated_at"}
    ),
    User: NAME_FIELDS,
    Organisation: ORGANISATION_NAME_FIELDS,
    Community: COMMUNITY_NAME_FIELDS,
    Theme: ("id", "name", "name_cy", "slug", "is_active"),
    Campaign: ("id", "name", "slug", "starts_on", "ends_on", "target", "unit"),
}


# What a pledge's card alone shows (pledges.cards): a community's page lists its pledges
# as cards and nothing else, so its read leaves out the rest of the list's row too (the
# description, the timestamps, the total measured): 0.44 → 0.42 ms a read.
# tests/pledges/test_reads.py holds the cards to no further query.
_CARDS_ONLY = {
    **_LISTED,
    Pledge: (
        "id", "moderation_status", "author", "title", "language", "theme", "campaign",
        "community", "due_date", "threshold", "threshold_deadline", "status",
        "signer_count", "done_count",
    ),
}  # fmt: skip
_ONLY = {False: {}, True: _LISTED, "cards": _CARDS_ONLY}


@cache
def _card_columns(*, with_community: bool = True, listed: bool | str = False) -> str:
    """A pledge's columns with its author's, their organisation's, its community's
    (unless the read has the community in hand), its theme's and its campaign's, as
    `_card_pledge` reads them: all of them, with `listed` True what a list shows
    (`_LISTED`), or with "cards" what a card alone shows (`_CARDS_ONLY`)."""
    models = _card_models(with_community=with_community)
    only = _ONLY[listed]
    return ", ".join(
        rows.columns(model, alias, only.get(model)) for model, alias in _CARD if model in models
    )


@cache
def _card_tables(*, with_community: bool = True) -> str:
    """The tables of `_card_columns`. The theme and campaign are joined: prepared
    (kernel.prepared), the joins cost no planning, and they cost less than the copy of
    every theme and campaign (pledges.lookups) that the reads planned afresh each time
    were given instead."""
    community = (
        f"LEFT JOIN {Community._meta.db_table} c ON c.id = p.community_id "
        if with_community
        else ""
    )
    return (
        f"{Pledge._meta.db_table} p JOIN {User._meta.db_table} u ON u.id = p.author_id "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = u.organisation_id {community}"
        f"LEFT JOIN {Theme._meta.db_table} th ON th.id = p.theme_id "
        f"LEFT JOIN {Campaign._meta.db_table} cp ON cp.id = p.campaign_id"
    )


def _card_pledge(row, *, community=None, listed: bool | str = False) -> Pledge:
    """The pledge in `row` with its author, their organisation, its community, theme
    and campaign on it: `community` when the read has it in hand (the row then holds no
    community's columns), else the one read with it (as `_card_columns` names them,
    with the same `listed`)."""
    models = _card_models(with_community=community is None)
    only = _ONLY[listed] or None
    if community is None:
        pledge, author, organisation, community, theme, campaign = rows.build_each(
            row, *models, only=only
        )
    else:
        pledge, author, organisation, theme, campaign = rows.build_each(row, *models, only=only)
    rows.put(author, "organisation", organisation)
    rows.put(pledge, "author", author)
    rows.put(pledge, "community", community)
    rows.put(pledge, "theme", theme)
    rows.put(pledge, "campaign", campaign)
    return pledge


@cache
def _wall_rows_statement(order_sql: str) -> tuple[str, str]:
    """(name, SQL) of the prepared read of a wall page's rows by their ids, in
    `order_sql` (`_order_sql`'s, from the models)."""
    # The columns, tables and order come from the models; the ids are a parameter.
    statement = (
        f"SELECT {_card_columns(listed=True)} FROM {_card_tables()} "  # noqa: S608  # nosec B608
        f"WHERE p.id = ANY(%s) ORDER BY {order_sql}"
    )
    return f"wall_rows_{zlib.crc32(order_sql.encode()):08x}", statement


def wall_rows(ids, *, ordering) -> list[Pledge] | None:
    """The pledges `ids` names (a sliced `values("id")` queryset or a list of ids) in
    `ordering`, each with its author, organisation, community, theme and campaign: what
    `Pledge.objects.filter(pk__in=ids)` with `WALL_SELECT_RELATED` and
    `with_theme_and_campaign()` gives. None when `ordering` is not one this read can
    write (the caller then asks the ORM).

    The ids are read first (a queryset's own statement), then their rows by one
    prepared statement per order (kernel.prepared): put inside one statement, the
    ids' query and the rows' five joins were planned together on every page."""
    order_sql = _order_sql(ordering)
    if order_sql is None:
        return None
    if not isinstance(ids, list):
        ids = [row["id"] for row in ids]
    if not ids:
        return []
    name, statement = _wall_rows_statement(order_sql)
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, statement, [ids])
        return [_card_pledge(row, listed=True) for row in cursor.fetchall()]


# --- A pledge's page: the pledge, and the viewer's signature -------------------------------


@cache
def _pledge_statement() -> str:
    over = ", ".join(prepared.constant(status) for status in outcomes.OVER_STATUSES)
    # Table and column names from the models, the statuses a pledge is over in; every
    # other value is a parameter. The last column is the author's own sentence about
    # what happened (`outcomes.author_sentence`), read only for a pledge that is over.
    return (
        f"SELECT {_card_columns()}, {rows.columns(Signature, 's')}, "  # noqa: S608  # nosec B608
        f"CASE WHEN p.status IN ({over}) THEN coalesce(("
        f"SELECT a.outcome FROM {Signature._meta.db_table} a WHERE a.pledge_id = p.id "
        "AND a.is_author AND a.done_at IS NOT NULL ORDER BY a.id LIMIT 1), '') END "
        f"FROM {_card_tables()} LEFT JOIN {Signature._meta.db_table} s "
        "ON s.pledge_id = p.id AND s.member_id = %(member)s WHERE p.id = %(pk)s"
    )


def _is_pledge_key(pk: int) -> bool:
    """Whether `pk` fits the pledge key's column: a larger number names no pledge, and
    PostgreSQL would refuse it rather than find nothing."""
    lowest, highest = connection.ops.integer_field_range(Pledge._meta.pk.get_internal_type())
    return lowest <= pk <= highest


def _pledge_row(name: str, sql: str, pk: int, *, member_id: int | None) -> tuple | None:
    """The row prepared read `name` gives for pledge `pk` and member `member_id`, or None:
    also, without asking, for a key larger than the column holds (the ORM answers such a
    read so too)."""
    if not _is_pledge_key(pk):
        return None
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, sql, {"pk": pk, "member": member_id})
        return cursor.fetchone()


def pledge_and_signature(
    pk: int, *, member_id: int | None
) -> tuple[Pledge | None, Signature | None]:
    """The pledge `pk` with its author, organisation, community, theme and campaign (as
    `pledge_get_for` reads it), and `member_id`'s signature of it: (None, None) when
    there is no such pledge, and no signature for a visitor or a member who has not
    signed. A pledge's page reads both first, in one statement here."""
    found = _pledge_row("pledge_and_signature", _pledge_statement(), pk, member_id=member_id)
    if found is None:
        return None, None
    pledge = _card_pledge(found)
    if found[-1] is not None:
        outcomes.put_author_sentence(pledge, found[-1])
    signature = rows.build(Signature, found, rows.width(*_card_models()))
    if signature is not None:
        rows.put(signature, "pledge", pledge)
    return pledge, signature


# --- Co-signing --------------------------------------------------------------------------
#
# The co-sign is the busiest write (`services.pledge_sign`): usually one prepared
# statement that writes it and answers the pledge as counted (`sign_at_once`); when that
# wrote nothing, a read of the pledge under its lock with the member's signature, if any
# (`pledge_to_sign`). Both bring what the sign panel and the checks name: its community
# and campaign (the unit of its measure), and every column of the pledge but its stored
# search document, which nothing a co-sign does reads and which was most of the row's
# bytes.
_TO_SIGN = {
    Pledge: tuple(
        field.name for field in Pledge._meta.concrete_fields if field.name != "search_document"
    ),
    Community: COMMUNITY_NAME_FIELDS,
}


def _to_sign_columns() -> str:
    """The `_TO_SIGN` columns of the pledge `p`, its community `o` and campaign `c`."""
    return (
        f"{rows.columns(Pledge, 'p', _TO_SIGN[Pledge])}, "
        f"{rows.columns(Community, 'o', _TO_SIGN[Community])}, {rows.columns(Campaign, 'c')}"
    )


def _to_sign_joins() -> str:
    """The pledge `p`'s community `o` and campaign `c`, joined."""
    return (
        f"LEFT JOIN {Community._meta.db_table} o ON o.id = p.community_id "
        f"LEFT JOIN {Campaign._meta.db_table} c ON c.id = p.campaign_id"
    )


def _to_sign_answer(found: tuple | None) -> tuple[Pledge | None, int | None]:
    """(the pledge with its community and campaign, the signature id in the last column)
    from a row of `_to_sign_columns()`, or (None, None) for no row."""
    if found is None:
        return None, None
    pledge, community, campaign = rows.build_each(found, Pledge, Community, Campaign, only=_TO_SIGN)
    rows.put(pledge, "community", community)
    rows.put(pledge, "campaign", campaign)
    return pledge, found[-1]


@cache
def _to_sign_statement() -> str:
    # Table and column names from the models; every value is a parameter.
    return (
        f"SELECT {_to_sign_columns()}, s.id FROM {Pledge._meta.db_table} p "  # noqa: S608  # nosec B608
        f"{_to_sign_joins()} LEFT JOIN {Signature._meta.db_table} s "
        "ON s.pledge_id = p.id AND s.member_id = %(member)s "
        # Not FOR UPDATE: the co-sign changes no key, and this lock lets the signatures and
        # check-ins that refer to the pledge be written meanwhile (their key checks share it).
        "WHERE p.id = %(pk)s FOR NO KEY UPDATE OF p"
    )


@cache
def _signed_statement(writes: tuple[str, ...], *, checked: bool) -> tuple[str, str]:
    """(name, SQL) of the co-sign in one statement (`sign_at_once`), with the other
    writes `writes` (each an INSERT … SELECT … FROM signature); `checked`: without its
    own conditions on the pledge and the member, for a pledge already locked and
    checked. Named from its text, as the wall's row read is (`_wall_rows_statement`), so
    two threads building two of them at once cannot give both the same name."""
    pledge_table = Pledge._meta.db_table
    membership_table = Membership._meta.db_table
    open_statuses = ", ".join(prepared.constant(status) for status in Pledge.OPEN_STATUSES)
    also = "".join(f", also_{number} AS ({sql})" for number, sql in enumerate(writes))
    # Table and column names from the models, statuses from their choices; every value
    # is a parameter, each cast to its column's type for the prepared statement.
    values = "%(member)s::bigint, false, %(now)s::timestamptz, ''"
    if checked:
        signed = f"VALUES (%(pledge)s::bigint, {values})"
    else:
        signed = (
            f"SELECT p.id, {values} FROM {pledge_table} p "  # noqa: S608  # nosec B608
            "WHERE p.id = %(pledge)s::bigint AND p.moderation_status = "
            f"{prepared.constant(ModerationStatus.PUBLISHED)} AND p.status IN ({open_statuses}) "
            f"AND (p.community_id IS NULL OR EXISTS (SELECT FROM {membership_table} m "
            "WHERE m.member_id = %(member)s::bigint AND m.community_id = p.community_id "
            f"AND m.status = {prepared.constant(Membership.Status.ACTIVE)}))"
        )
    statement = (
        f"WITH signature AS (INSERT INTO {Signature._meta.db_table} "  # noqa: S608  # nosec B608
        f"(pledge_id, member_id, is_author, signed_at, outcome) {signed} "
        "ON CONFLICT (pledge_id, member_id) DO NOTHING RETURNING id)"
        f"{also}, counted AS (UPDATE {pledge_table} SET signer_count = signer_count + 1, "
        "updated_at = %(now)s::timestamptz WHERE id = %(pledge)s::bigint "
        "AND EXISTS (SELECT FROM signature) "
        f"RETURNING {rows.columns(Pledge, pledge_table, _TO_SIGN[Pledge])}) "
        f"SELECT {_to_sign_columns()}, (SELECT id FROM signature) FROM counted p "
        f"{_to_sign_joins()}"
    )
    return f"co_sign_{zlib.crc32(statement.encode()):08x}", statement


def sign_at_once(
    *, pk: int, member_id: int, now, day, writes: tuple[str, ...], checked: bool = False
) -> tuple[Pledge | None, int | None]:
    """The co-sign in one prepared statement: when the pledge is published and open,
    and is the platform's or a community's the member is an active member of (or, with
    `checked`, for a pledge the caller has locked and checked), the member's new
    signature (unless they have one), `writes` and the counter, answering the pledge as
    counted (locked until the transaction ends), with its community and campaign, and
    the new signature's id. (None, None) when it wrote nothing; the caller then reads
    the pledge to say why (`pledge_to_sign`). The caller still checks the pledge it
    answers, and undoes the transaction if that refuses."""
    if not _is_pledge_key(pk):
        return None, None
    name, statement = _signed_statement(writes, checked=checked)
    with connection.cursor() as cursor:
        prepared.execute_write(
            cursor, name, statement, {"pledge": pk, "member": member_id, "now": now, "day": day}
        )
        return _to_sign_answer(cursor.fetchone())


def pledge_to_sign(pk: int, *, member_id: int) -> tuple[Pledge | None, int | None]:
    """The pledge `pk`, locked until the transaction ends, with its community and
    campaign, and the id of `member_id`'s signature of it: (None, None) when there is no
    such pledge."""
    return _to_sign_answer(
        _pledge_row("pledge_to_sign", _to_sign_statement(), pk, member_id=member_id)
    )
