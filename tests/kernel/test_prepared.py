"""Hot reads prepared once per connection (kernel.prepared): the same rows as the
statement sent as text, one query per read to whoever counts them, prepared again on a
new connection or after a failed first try, never behind a pooler, and never taken for
a write."""

import pytest
from django.db import connection, transaction
from django.db.utils import DataError
from django.test.utils import CaptureQueriesContext, override_settings

from kernel import prepared, replica


def _held_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _run(name: str, sql: str, parameters=None) -> list:
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, sql, parameters)
        return cursor.fetchall()


# --- Reading the statement ------------------------------------------------------------------


def test_named_placeholders_become_numbered_ones_each_once():
    parsed = prepared.statement(
        "test_named", "SELECT %(a)s::int + %(b)s::int + %(a)s::int WHERE %(b)s::int > 0"
    )
    assert parsed.text == "SELECT $1::int + $2::int + $1::int WHERE $2::int > 0"
    assert parsed.names == ("a", "b")
    assert parsed.values({"b": 2, "a": 1, "unused": 9}) == [1, 2]
    assert parsed.arguments == "(%s, %s)"


def test_positional_placeholders_are_numbered_in_order():
    parsed = prepared.statement("test_positional", "SELECT %s::int, %s::text")
    assert parsed.text == "SELECT $1::int, $2::text"
    assert parsed.values([1, "x"]) == [1, "x"]
    with pytest.raises(ValueError, match="2 values needed, 1 given"):
        parsed.values([1])


@pytest.mark.django_db
def test_a_percent_sign_stays_written_for_psycopg2():
    parsed = prepared.statement("test_percent", "SELECT 'a%%b' LIKE %(pattern)s")
    assert parsed.text == "SELECT 'a%%b' LIKE $1"
    assert _run("test_percent", "SELECT 'a%%b' LIKE %(pattern)s", {"pattern": "a%%"}) == [(True,)]


@pytest.mark.parametrize(
    ("name", "sql", "message"),
    [
        ("test_write", "UPDATE members_user SET bio = ''", "only reads"),
        ("test_delete", "  delete from members_user", "only reads"),
        ("test_drop", "DROP TABLE members_user", "only reads"),
        ("Bad-Name", "SELECT 1", "not a name"),
        ("test_mixed", "SELECT %s, %(a)s", "mixes named and positional"),
    ],
)
def test_what_cannot_be_prepared_is_refused(name, sql, message):
    with pytest.raises(ValueError, match=message):
        prepared.statement(name, sql)


@pytest.mark.parametrize("sql", ["DROP TABLE members_user", "SELECT 1", "TRUNCATE x"])
def test_a_prepared_write_must_be_a_write(sql):
    with pytest.raises(ValueError, match="a write begins with"):
        prepared.statement("test_not_written", sql, write=True)


def test_a_name_keeps_its_sql():
    prepared.statement("test_kept", "SELECT 1")
    assert prepared.statement("test_kept", "SELECT 1").sql == "SELECT 1"
    with pytest.raises(ValueError, match="already has other SQL"):
        prepared.statement("test_kept", "SELECT 2")


@pytest.mark.parametrize(
    ("value", "written"), [("published", "'published'"), ("co-author", "'co-author'"), (5, "5")]
)
def test_a_choice_or_a_length_is_written_in(value, written):
    assert prepared.constant(value) == written


@pytest.mark.parametrize("value", ["it's", "a b", "", "x" * 65, True, 1.5, None])
def test_nothing_else_is_written_into_sql(value):
    with pytest.raises(ValueError, match="not a choice"):
        prepared.constant(value)


# --- Running it --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_prepared_read_gives_the_rows_its_text_gives(alice, bob):
    sql = "SELECT id, email FROM members_user WHERE id = ANY(%(ids)s) ORDER BY id"
    parameters = {"ids": [alice.pk, bob.pk]}
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        as_text = cursor.fetchall()
    assert _run("test_users", sql, parameters) == as_text  # prepared, then run
    assert _run("test_users", sql, parameters) == as_text  # run as prepared
    assert _run("test_users", sql, {"ids": []}) == []


@pytest.mark.django_db
def test_each_read_is_one_query_and_only_the_first_on_a_connection_prepares(alice):
    sql = "SELECT email FROM members_user WHERE id = %(member)s"
    with CaptureQueriesContext(connection) as captured:
        assert _run("test_one_query", sql, {"member": alice.pk}) == [(alice.email,)]
        assert _run("test_one_query", sql, {"member": alice.pk}) == [(alice.email,)]
        assert _run("test_one_query", sql, {"member": None}) == []
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 3
    assert statements[0].startswith("PREPARE radicals_read_test_one_query_0 AS SELECT")
    assert statements[1] == f"EXECUTE radicals_read_test_one_query_0({alice.pk})"
    assert statements[2] == "EXECUTE radicals_read_test_one_query_0(NULL)"
    assert [prepared.source(sql_text) for sql_text in statements] == [sql] * 3
    assert "radicals_read_test_one_query_0" in _held_names()


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(alice):
    sql = "SELECT email FROM members_user WHERE id = %(member)s"
    assert _run("test_reconnect", sql, {"member": alice.pk}) == [(alice.email,)]
    connection.close()
    connection.ensure_connection()
    assert "radicals_read_test_reconnect_0" not in _held_names()
    with CaptureQueriesContext(connection) as captured:
        assert _run("test_reconnect", sql, {"member": alice.pk}) == [(alice.email,)]
    assert captured.captured_queries[0]["sql"].startswith("PREPARE radicals_read_test_reconnect_")


@pytest.mark.django_db
def test_a_failed_first_try_prepares_under_a_new_number():
    sql = "SELECT 10 / %(divisor)s::int"
    with pytest.raises(DataError), transaction.atomic():
        _run("test_failing", sql, {"divisor": 0})
    # The PREPARE went through before the EXECUTE failed: the next try does not trip on it.
    assert _run("test_failing", sql, {"divisor": 5}) == [(2,)]
    held = _held_names()
    assert "radicals_read_test_failing_1" in held
    assert _run("test_failing", sql, {"divisor": 2}) == [(5,)]


@pytest.mark.django_db
@override_settings(DATABASE_PREPARED_READS=False)
def test_behind_a_pooler_every_read_is_sent_as_its_text(alice):
    sql = "SELECT email FROM members_user WHERE id = %(member)s"
    with CaptureQueriesContext(connection) as captured:
        assert _run("test_pooled", sql, {"member": alice.pk}) == [(alice.email,)]
    assert captured.captured_queries[0]["sql"] == sql.replace("%(member)s", str(alice.pk))
    assert not any(name.startswith("radicals_read_test_pooled") for name in _held_names())


@pytest.mark.django_db
def test_a_prepared_read_is_not_taken_for_a_write(alice):
    with replica.fresh_state():
        _run("test_not_a_write", "SELECT email FROM members_user WHERE id = %s", [alice.pk])
        _run("test_not_a_write", "SELECT email FROM members_user WHERE id = %s", [alice.pk])
        assert not replica._wrote.get()


@pytest.mark.django_db
def test_a_prepared_write_is_taken_for_a_write_and_its_source_is_known(alice):
    sql = "UPDATE members_user SET bio = %(bio)s WHERE id = %(member)s RETURNING bio"
    with replica.fresh_state(), CaptureQueriesContext(connection) as captured:
        for bio in ("first", "second"):
            with connection.cursor() as cursor:
                prepared.execute_write(
                    cursor, "test_a_write", sql, {"bio": bio, "member": alice.pk}
                )
                assert cursor.fetchall() == [(bio,)]
        assert replica._wrote.get()
    first, second = (query["sql"] for query in captured.captured_queries)
    assert first.startswith("PREPARE radicals_write_test_a_write_0 AS UPDATE")
    assert second.startswith("EXECUTE radicals_write_test_a_write_0(")
    assert prepared.source(second) == sql
    alice.refresh_from_db()
    assert alice.bio == "second"


def test_the_source_of_anything_else_is_itself():
    assert prepared.source("SELECT 1") == "SELECT 1"
    assert prepared.source("EXECUTE radicals_read_nothing_known_0(1)") == (
        "EXECUTE radicals_read_nothing_known_0(1)"
    )
