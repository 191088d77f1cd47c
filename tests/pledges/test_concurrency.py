"""Co-signing under load: many people signing at once (and one person clicking many
times at once) never double counts and never loses a signature."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from pledges import services
from pledges.models import CoSignersNoticeDue, Pledge, Signature
from tests.factories import ThemeFactory, UserFactory

SIGNERS = 8


def _run_at_once(functions) -> list[BaseException]:
    """Start every function on its own thread at the same moment; collect errors."""
    barrier = threading.Barrier(len(functions))
    errors: list[BaseException] = []

    def run(function):
        try:
            barrier.wait(timeout=30)
            function()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def _threshold_pledge(threshold: int) -> Pledge:
    author = UserFactory()
    return services.pledge_create(
        author=author,
        title="keep the relatives' room tidy",
        theme=ThemeFactory(name="Patient experience"),
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        threshold=threshold,
    )


@pytest.mark.django_db(transaction=True)
def test_people_signing_at_the_same_time_are_each_counted_once():
    pledge = _threshold_pledge(threshold=SIGNERS)
    members = [UserFactory() for _ in range(SIGNERS)]

    errors = _run_at_once(
        [lambda m=m: services.pledge_sign(pledge=pledge, member=m) for m in members]
    )

    assert errors == []
    pledge.refresh_from_db()
    assert Signature.objects.filter(pledge=pledge).count() == SIGNERS + 1
    assert pledge.signer_count == SIGNERS + 1
    assert CoSignersNoticeDue.objects.filter(pledge=pledge).count() == SIGNERS
    # The last of them met the threshold, exactly once.
    assert pledge.status == Pledge.Status.ACTIVE
    assert pledge.activated_at is not None


@pytest.mark.django_db(transaction=True)
def test_one_person_signing_many_times_at_once_signs_once():
    pledge = _threshold_pledge(threshold=3)
    member = UserFactory()

    errors = _run_at_once(
        [lambda: services.pledge_sign(pledge=pledge, member=member) for _ in range(6)]
    )

    assert errors == []
    pledge.refresh_from_db()
    assert Signature.objects.filter(pledge=pledge, member=member).count() == 1
    assert pledge.signer_count == 2
    # Only the co-sign that made the signature left the author's notice due.
    assert CoSignersNoticeDue.objects.filter(pledge=pledge).count() == 1


@pytest.mark.django_db(transaction=True)
def test_signing_and_unsigning_at_once_keeps_the_count_true():
    pledge = _threshold_pledge(threshold=50)
    leaving = [UserFactory() for _ in range(4)]
    joining = [UserFactory() for _ in range(4)]
    for member in leaving:
        services.pledge_sign(pledge=pledge, member=member)

    errors = _run_at_once(
        [lambda m=m: services.pledge_unsign(pledge=pledge, member=m) for m in leaving]
        + [lambda m=m: services.pledge_sign(pledge=pledge, member=m) for m in joining]
    )

    assert errors == []
    pledge.refresh_from_db()
    assert pledge.signer_count == Signature.objects.filter(pledge=pledge).count() == 5
    recounted = services.pledge_recount(pledge=pledge)
    assert recounted.signer_count == 5
