"""kernel.locks: an advisory lock held per transaction, on a connection of its own; one
run of a named job at a time, released however the block ends."""

import psycopg2
import pytest
from django.db import connection

from kernel.locks import job_lock, lock_key, xact_lock_held

pytestmark = pytest.mark.django_db


def _other_session_can_take(*key: int) -> bool:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(" + ", ".join(["%s"] * len(key)) + ")", key
            )
            return cursor.fetchone()[0]
    finally:
        other.rollback()
        other.close()


def test_the_lock_is_held_for_the_block_and_let_go_after_it():
    with xact_lock_held(4242, 7) as locked:
        assert locked
        assert not _other_session_can_take(4242, 7)
        assert _other_session_can_take(4242, 8)
    assert _other_session_can_take(4242, 7)


def test_a_lock_someone_else_holds_is_not_taken():
    with xact_lock_held(99_000_001) as first, xact_lock_held(99_000_001) as second:
        assert first and not second


def test_a_key_of_three_parts_is_refused():
    with pytest.raises(ValueError, match="one bigint or two integers"), xact_lock_held(1, 2, 3):
        pass


def test_a_second_run_is_told_the_lock_is_held_until_the_first_ends():
    with job_lock("nightly-recount") as first:
        with job_lock("nightly-recount") as second:
            assert first is True
            assert second is False
        with job_lock("another-job") as other:
            assert other is True

    with job_lock("nightly-recount") as again:
        assert again is True


def test_the_lock_is_released_when_the_block_raises():
    with pytest.raises(RuntimeError), job_lock("export-x"):
        raise RuntimeError("the job failed")

    with job_lock("export-x") as held:
        assert held is True


def test_lock_keys_are_stable_signed_64_bit_numbers():
    assert lock_key("a") == lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("a") < 2**63
