"""Property-based tests (Hypothesis) of the services that take the widest input.

Whatever they are given, the services either refuse with a ValidationError (or
PermissionDenied) and change nothing, or do the job and keep their promises: a
pledge's signer count always equals a recount of its signatures, a check-in quantity
is a positive number with at most two decimals and adds exactly to the pledge's
total, and a quiz attempt scores between 0 and 100 and passes exactly when the score
reaches the pass mark. Each example runs in a savepoint rolled back after it.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.models import QuizAttempt
from learning.services import enrol, quiz_submit
from pledges.models import QUANTITY_MAX, THRESHOLD_MAX, TITLE_MAX_LENGTH, CheckIn, Pledge, Signature
from pledges.services import (
    DESCRIPTION_MAX_LENGTH,
    MAX_DUE_YEARS,
    check_in_create,
    pledge_create,
    pledge_sign,
    pledge_unsign,
)
from tests.factories import CampaignFactory, UserFactory
from tests.security.access_world import in_savepoint

pytestmark = pytest.mark.django_db

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PROPERTIES = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "200" if IN_CI else "25")),
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text people (or scripts) might send: every script, emoji, control characters and
# long runs. Not NUL: PostgreSQL cannot store it, and it never reaches a service — forms,
# serializers and RejectNulBytesMiddleware refuse it at the door (test_bad_input.py).
ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=TITLE_MAX_LENGTH + 50,
) | st.sampled_from(["", " ", "I will", "I will …", "\t\n", "مريم 🩺", "x" * 4000])


def _today() -> datetime.date:
    return timezone.localdate()


# --- Pledge creation ---------------------------------------------------------------------


@PROPERTIES
@given(
    title=ANY_TEXT,
    description=ANY_TEXT | st.just("d" * (DESCRIPTION_MAX_LENGTH + 1)),
    due_in=st.integers(min_value=-5, max_value=365 * (MAX_DUE_YEARS + 1)),
    threshold=st.none() | st.integers(min_value=-3, max_value=THRESHOLD_MAX + 3) | st.just(10**30),
    deadline_in=st.none() | st.integers(min_value=-5, max_value=365 * (MAX_DUE_YEARS + 1)),
)
def test_making_a_pledge_either_refuses_or_keeps_every_rule(
    alice, theme, title, description, due_in, threshold, deadline_in
):
    today = _today()
    due_date = today + datetime.timedelta(days=due_in)
    deadline = None if deadline_in is None else today + datetime.timedelta(days=deadline_in)

    def attempt():
        try:
            pledge = pledge_create(
                author=alice,
                title=title,
                description=description,
                theme=theme,
                due_date=due_date,
                threshold=threshold,
                threshold_deadline=deadline,
            )
        except ValidationError:
            return None, Pledge.objects.count()
        return Pledge.objects.get(pk=pledge.pk), Pledge.objects.count()

    pledge, count = in_savepoint(attempt)

    if pledge is None:
        assert count == 0
        return
    assert 1 <= len(pledge.title) <= TITLE_MAX_LENGTH
    assert pledge.title == " ".join(pledge.title.split())
    assert not pledge.title.lower().startswith("i will ")
    assert len(pledge.description) <= DESCRIPTION_MAX_LENGTH
    assert today < pledge.due_date <= today + datetime.timedelta(days=365 * MAX_DUE_YEARS + 1)
    assert pledge.signer_count == 1
    if threshold is None:
        assert pledge.status == Pledge.Status.ACTIVE and pledge.threshold_deadline is None
    else:
        assert pledge.status == Pledge.Status.GATHERING
        assert 1 <= pledge.threshold <= THRESHOLD_MAX
        assert today < pledge.threshold_deadline <= pledge.due_date


# --- Signing and unsigning ------------------------------------------------------------------


@pytest.fixture
def signers(db):
    return [UserFactory() for _ in range(4)]


@PROPERTIES
@given(
    threshold=st.none() | st.integers(min_value=1, max_value=4),
    steps=st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.booleans()), max_size=25),
)
def test_any_interleaving_of_signing_and_unsigning_keeps_the_count_true(
    alice, theme, signers, threshold, steps
):
    def run():
        pledge = pledge_create(
            author=alice,
            title="ask every patient what matters to them",
            theme=theme,
            due_date=_today() + datetime.timedelta(days=30),
            threshold=threshold,
        )
        was_active = pledge.status == Pledge.Status.ACTIVE
        for who, signing in steps:
            try:
                if signing:
                    pledge_sign(pledge=pledge, member=signers[who])
                else:
                    pledge_unsign(pledge=pledge, member=signers[who])
            except (ValidationError, PermissionDenied):
                pass
            pledge.refresh_from_db()
            recount = Signature.objects.filter(pledge=pledge).count()
            assert pledge.signer_count == recount
            assert Signature.objects.filter(pledge=pledge, is_author=True).count() == 1
            if threshold is not None and recount - 1 >= threshold:
                assert pledge.status == Pledge.Status.ACTIVE
            # Once the threshold is met the pledge stays on, whoever leaves later.
            was_active = was_active or pledge.status == Pledge.Status.ACTIVE
            if was_active:
                assert pledge.status in (Pledge.Status.ACTIVE, Pledge.Status.COMPLETED)
            else:
                assert pledge.status == Pledge.Status.GATHERING

    in_savepoint(run)


# --- Check-ins and their quantities -----------------------------------------------------------


QUANTITIES = (
    st.none()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.integers().map(lambda n: n * 10**30)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "1e999999", "-0", "0.001", "12.5", "1,000", "NaN", "Infinity", "１２"])
)


@PROPERTIES
@given(quantities=st.lists(QUANTITIES, min_size=1, max_size=4))
def test_check_in_quantities_are_positive_two_decimal_numbers_that_add_up(alice, theme, quantities):
    campaign = CampaignFactory(unit="patients asked")

    def run():
        pledge = pledge_create(
            author=alice,
            title="ask every patient what matters to them",
            theme=theme,
            campaign=campaign,
            due_date=_today() + datetime.timedelta(days=30),
        )
        for quantity in quantities:
            try:
                check_in_create(pledge=pledge, author=alice, note="Progress.", quantity=quantity)
            except ValidationError as exc:
                assert "quantity" in exc.message_dict
        pledge.refresh_from_db()
        stored = list(CheckIn.objects.filter(pledge=pledge).values_list("quantity", flat=True))
        for value in stored:
            assert value is None or Decimal("0") < value <= QUANTITY_MAX
            assert value is None or value == value.quantize(Decimal("0.01"))
        assert pledge.total_quantity == sum((v for v in stored if v is not None), Decimal("0"))

    in_savepoint(run)


# --- Quiz attempts --------------------------------------------------------------------------


ANSWER_IDS = st.integers(min_value=-5, max_value=10**20) | st.sampled_from(["1", "x", None])


@PROPERTIES
@given(
    picks=st.lists(st.lists(st.integers(min_value=0, max_value=4), max_size=4), max_size=3),
    junk=st.dictionaries(ANSWER_IDS, st.lists(ANSWER_IDS, max_size=3), max_size=2),
    pass_mark=st.integers(min_value=1, max_value=100),
)
def test_any_answer_set_scores_0_to_100_and_passes_exactly_at_the_pass_mark(
    learning_module, alice, picks, junk, pass_mark
):
    learning_module.quiz_pass_mark = pass_mark
    learning_module.save(update_fields=["quiz_pass_mark"])
    questions = list(learning_module.questions.prefetch_related("choices"))

    def run():
        enrol(member=alice, module=learning_module)
        answers = {}
        for question, chosen in zip(questions, picks, strict=False):
            choices = list(question.choices.all())
            answers[question.pk] = [choices[i % len(choices)].pk for i in chosen]
        answers.update(junk)
        try:
            attempt = quiz_submit(member=alice, module=learning_module, answers=answers)
        except ValidationError:
            return None, QuizAttempt.objects.count()
        return attempt, QuizAttempt.objects.count()

    attempt, count = in_savepoint(run)

    if attempt is None:
        assert count == 0
        return
    assert 0 <= attempt.score <= 100
    assert attempt.passed == (attempt.score >= pass_mark)
    assert attempt.correct_count <= attempt.question_count == len(questions)
