"""The co-sign's writes stay small: its counter update is a heap-only (HOT) update of
the pledge's row, because no pledge index holds the count ("most signed" is read from
each pledge's tally, SignerTally, which PostgreSQL keeps equal to the count whoever
changes it), and a signature writes no index that another already leads with."""

from __future__ import annotations

import pytest
from django.db import connection

from pledges import selectors, services
from pledges.models import Pledge, Signature, SignerTally
from tests.factories import PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _tally(pledge: Pledge) -> int | None:
    return SignerTally.objects.filter(pledge=pledge).values_list("signer_count", flat=True).first()


def _pledge_updates() -> tuple[int, int]:
    """(updates, of them HOT) of pledge rows in this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [Pledge._meta.db_table] * 2,
        )
        return cursor.fetchone()


def test_a_co_signs_counter_update_stays_on_the_pledges_page(bob):
    pledge = PledgeFactory()
    updates, hot = _pledge_updates()

    services.pledge_sign(pledge=pledge, member=bob)

    assert _pledge_updates() == (updates + 1, hot + 1)
    assert _tally(pledge) == 2


def test_no_pledge_index_holds_a_column_the_co_sign_changes():
    changed = {"signer_count", "updated_at"}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, a.attname FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = %s::regclass""",
            [Pledge._meta.db_table],
        )
        indexed = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [Pledge._meta.db_table],
        )
        definitions = [row[0] for row in cursor.fetchall()]

    assert [(index, column) for index, column in indexed if column in changed] == []
    # Nor an expression or a partial index's condition.
    assert [d for d in definitions if any(column in d for column in changed)] == []


def test_a_signature_writes_no_index_another_index_leads_with():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, i.indkey::int2[] FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               WHERE i.indrelid = %s::regclass AND i.indpred IS NULL""",
            [Signature._meta.db_table],
        )
        indexes = cursor.fetchall()

    covered = [
        (name, other)
        for name, columns in indexes
        for other, other_columns in indexes
        if name != other and other_columns[: len(columns)] == columns
    ]
    assert covered == []


def test_every_pledge_has_a_tally_that_follows_its_count(alice, bob, charlie, theme):
    pledge = services.pledge_create(
        author=alice,
        title="take the stairs",
        due_date=PledgeFactory.build(theme=theme).due_date,
        theme=theme,
    )
    assert _tally(pledge) == 1

    services.pledge_sign(pledge=pledge, member=bob)
    services.pledge_sign(pledge=pledge, member=charlie)
    assert _tally(pledge) == 3

    services.pledge_unsign(pledge=pledge, member=bob)
    assert _tally(pledge) == 2

    # Raw SQL too: PostgreSQL copies the count, not the services.
    Pledge.objects.filter(pk=pledge.pk).update(signer_count=40)
    assert _tally(pledge) == 40

    services.pledge_recount(pledge=pledge)
    assert _tally(pledge) == 2

    pledge.delete()
    assert not SignerTally.objects.filter(pledge_id=pledge.pk).exists()


def test_pledges_made_in_bulk_each_get_their_tally(theme):
    author = UserFactory()
    made = Pledge.objects.bulk_create(
        PledgeFactory.build(author=author, theme=theme, signer_count=n) for n in (1, 5, 9)
    )

    assert [_tally(pledge) for pledge in made] == [1, 5, 9]


def test_repairing_the_tallies_writes_only_those_that_differ():
    right, missing, wrong = PledgeFactory.create_batch(3)
    SignerTally.objects.filter(pledge=missing).delete()
    SignerTally.objects.filter(pledge=wrong).update(signer_count=77)

    assert services.signer_tallies_repair() == 2

    assert [_tally(pledge) for pledge in (right, missing, wrong)] == [1, 1, 1]
    assert services.signer_tallies_repair() == 0


def test_most_signed_is_read_along_the_tally_index():
    PledgeFactory.create_batch(3)
    ids = selectors.apply_sort(selectors.pledge_wall(user=None), selectors.Sort.MOST_SIGNED).values(
        "id"
    )[20:41]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows would be sorted in memory; the order must have its index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "pledges_most_signed" in plan
    assert "Sort" not in plan


def test_most_signed_orders_by_the_count_with_the_newest_first_on_a_tie():
    few, many, tied_old, tied_new = PledgeFactory.create_batch(4)
    for pledge, count in ((few, 2), (many, 9), (tied_old, 5), (tied_new, 5)):
        Pledge.objects.filter(pk=pledge.pk).update(signer_count=count)

    page = selectors.wall_page(
        selectors.apply_sort(selectors.pledge_wall(user=None), selectors.Sort.MOST_SIGNED),
        page=1,
        size=10,
    )

    assert [p.pk for p in page.items] == [many.pk, tied_new.pk, tied_old.pk, few.pk]
    assert [p.signer_count for p in page.items] == [9, 5, 5, 2]
