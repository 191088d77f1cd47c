"""job_lock: one run at a time, released however the block ends."""

import pytest

from kernel.locks import job_lock, lock_key

pytestmark = pytest.mark.django_db


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
