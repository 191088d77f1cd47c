"""Learning rules: enrolment windows, progress, quiz scoring, completion, certificates, nudges."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from learning import codes, selectors, services
from learning.models import (
    AttemptAnswer,
    Certificate,
    Enrolment,
    LessonProgress,
    Module,
    QuizAttempt,
)
from notifications.models import Notification
from tests.factories import (
    ChoiceFactory,
    CohortFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


def right_answers(module) -> dict[int, list[int]]:
    return {q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in module.questions.all()}


def finish_lessons(member, module) -> None:
    for lesson in module.lessons.all():
        services.lesson_complete(member=member, lesson=lesson)


# --- Enrolment and cohort windows ------------------------------------------------------


def test_a_member_enrols_at_their_own_pace_once(learning_module, alice):
    first = services.enrol(member=alice, module=learning_module)
    again = services.enrol(member=alice, module=learning_module)

    assert first == again
    assert first.cohort is None
    assert Enrolment.objects.filter(member=alice).count() == 1


def test_a_member_enrols_in_a_wave_before_it_starts_and_until_its_last_day(
    learning_module, alice, bob
):
    today = timezone.localdate()
    upcoming = CohortFactory(
        module=learning_module,
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=40),
    )
    last_day = CohortFactory(
        module=learning_module, starts_on=today - datetime.timedelta(days=30), ends_on=today
    )

    assert services.enrol(member=alice, module=learning_module, cohort=upcoming).cohort == upcoming
    assert services.enrol(member=bob, module=learning_module, cohort=last_day).cohort == last_day


def test_enrolling_in_a_closed_wave_is_refused_and_changes_nothing(learning_module, alice):
    closed = CohortFactory(
        module=learning_module,
        name="Wave 1",
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    with pytest.raises(ValidationError) as error:
        services.enrol(member=alice, module=learning_module, cohort=closed)

    assert "Wave 1 closed on" in error.value.message_dict["cohort"][0]
    assert not Enrolment.objects.exists()


def test_enrolling_in_another_modules_wave_is_refused(learning_module, alice):
    other_wave = CohortFactory()

    with pytest.raises(ValidationError) as error:
        services.enrol(member=alice, module=learning_module, cohort=other_wave)

    assert "another module" in error.value.message_dict["cohort"][0]
    assert not Enrolment.objects.exists()


def test_draft_and_archived_modules_take_no_new_enrolments(alice):
    for status in (Module.Status.DRAFT, Module.Status.ARCHIVED):
        module = ModuleFactory(status=status)
        with pytest.raises(ValidationError):
            services.enrol(member=alice, module=module)
    assert not Enrolment.objects.exists()


def test_a_member_moves_from_a_closed_wave_to_their_own_pace_keeping_progress(
    learning_module, alice
):
    wave = CohortFactory(module=learning_module)
    enrolment = services.enrol(member=alice, module=learning_module, cohort=wave)
    services.lesson_complete(member=alice, lesson=learning_module.lessons.first())
    wave.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    wave.starts_on = wave.ends_on - datetime.timedelta(days=30)
    wave.save()

    moved = services.enrol(member=alice, module=learning_module, cohort=None)

    assert moved.pk == enrolment.pk and moved.cohort is None
    assert (
        LessonProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 1
    )


def test_progress_is_not_recorded_in_a_wave_that_has_not_started(learning_module, alice):
    today = timezone.localdate()
    wave = CohortFactory(
        module=learning_module,
        name="Wave 2",
        starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=30),
    )
    services.enrol(member=alice, module=learning_module, cohort=wave)
    lesson = learning_module.lessons.first()

    assert services.lesson_open(member=alice, lesson=lesson) is None
    with pytest.raises(ValidationError, match="Wave 2 starts on"):
        services.lesson_complete(member=alice, lesson=lesson)
    assert not LessonProgress.objects.exists()


def test_a_quiz_attempt_in_a_closed_wave_is_refused_and_nothing_is_stored(learning_module, alice):
    wave = CohortFactory(module=learning_module, name="Wave 1")
    services.enrol(member=alice, module=learning_module, cohort=wave)
    wave.starts_on = timezone.localdate() - datetime.timedelta(days=40)
    wave.ends_on = timezone.localdate() - datetime.timedelta(days=2)
    wave.save()

    with pytest.raises(ValidationError, match="Wave 1 closed on"):
        services.quiz_submit(
            member=alice, module=learning_module, answers=right_answers(learning_module)
        )

    assert not QuizAttempt.objects.exists()


# --- Lessons -------------------------------------------------------------------------------


def test_a_lesson_of_a_module_the_member_is_not_enrolled_in_is_refused(learning_module, alice):
    lesson = learning_module.lessons.first()

    with pytest.raises(ValidationError, match="Enrol in “Introduction to leading change”"):
        services.lesson_complete(member=alice, lesson=lesson)
    with pytest.raises(ValidationError):
        services.lesson_open(member=alice, lesson=lesson)

    assert not LessonProgress.objects.exists()
    assert not Enrolment.objects.exists()


def test_opening_a_lesson_is_where_the_member_resumes(learning_enrolment, learning_module, alice):
    first, second, third = learning_module.lessons.order_by("position")
    services.lesson_complete(member=alice, lesson=first)
    services.lesson_open(member=alice, lesson=third)

    module = selectors.module_get(user=alice, slug=learning_module.slug)
    enrolment = selectors.enrolment_of(user=alice, module=module)
    progress = selectors.progress_of(enrolment=enrolment, module=module)

    assert progress.resume_lesson == third
    assert progress.status_of(first) == "completed"
    assert progress.status_of(third) == "opened"
    assert progress.status_of(second) == "not_started"
    # 1 of 3 lessons + the quiz: one of four steps.
    assert progress.percent == 25


def test_after_the_last_opened_lesson_is_done_resume_goes_to_the_next_undone(
    learning_enrolment, learning_module, alice
):
    first, second, third = learning_module.lessons.order_by("position")
    services.lesson_complete(member=alice, lesson=third)

    module = selectors.module_get(user=alice, slug=learning_module.slug)
    progress = selectors.progress_of(
        enrolment=selectors.enrolment_of(user=alice, module=module), module=module
    )

    assert progress.resume_lesson == first


def test_completing_a_lesson_twice_changes_nothing(learning_enrolment, learning_module, alice):
    lesson = learning_module.lessons.first()
    first = services.lesson_complete(member=alice, lesson=lesson)
    again = services.lesson_complete(member=alice, lesson=lesson)

    assert first.completed_at == again.completed_at
    assert LessonProgress.objects.count() == 1


# --- Quiz scoring ------------------------------------------------------------------------


def test_a_multi_answer_question_scores_only_when_the_chosen_set_equals_the_right_set():
    correct = {1: {10}, 2: {20, 21}}

    assert score(correct, {1: {10}, 2: {20, 21}}).correct == 2
    # One of two right answers: no point for question 2.
    assert score(correct, {1: {10}, 2: {20}}).correct == 1
    # Every right answer plus a wrong one: no point either.
    assert score(correct, {1: {10}, 2: {20, 21, 22}}).correct == 1
    assert score(correct, {1: {11}, 2: set()}).correct == 0


def score(correct, chosen):
    return services.score_answers(correct=correct, chosen=chosen)


def test_the_pass_mark_is_compared_without_rounding():
    seven_of_ten = services.Score(correct=7, total=10, right_questions=frozenset())
    two_of_three = services.Score(correct=2, total=3, right_questions=frozenset())

    assert seven_of_ten.percent == 70 and seven_of_ten.passes(70)
    assert two_of_three.percent == 66 and not two_of_three.passes(67)
    assert two_of_three.passes(66)


@given(
    correct=st.dictionaries(
        st.integers(1, 20), st.frozensets(st.integers(1, 6), min_size=1), min_size=1, max_size=8
    ),
    chosen=st.dictionaries(st.integers(1, 20), st.frozensets(st.integers(1, 6)), max_size=8),
)
def test_the_score_counts_exactly_the_questions_answered_with_the_right_set(correct, chosen):
    result = services.score_answers(correct=correct, chosen=chosen)

    expected = {q for q, answers in correct.items() if chosen.get(q) == answers}
    assert result.right_questions == expected
    assert 0 <= result.percent <= 100
    assert result.passes(100) == (len(expected) == len(correct))


def test_a_quiz_attempt_is_scored_on_the_server_and_stored(
    learning_enrolment, learning_module, alice
):
    single, multi = learning_module.questions.order_by("position")
    pdsa, ward, policy = multi.choices.order_by("position")
    answers = {single.pk: right_answers(learning_module)[single.pk], multi.pk: [pdsa.pk, policy.pk]}

    attempt = services.quiz_submit(member=alice, module=learning_module, answers=answers)

    assert (attempt.correct_count, attempt.question_count, attempt.score) == (1, 2, 50)
    assert attempt.passed is False
    stored = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
    assert stored[single.pk].is_correct and not stored[multi.pk].is_correct
    assert set(stored[multi.pk].chosen.values_list("pk", flat=True)) == {pdsa.pk, policy.pk}


def test_answers_to_another_modules_questions_are_refused_and_nothing_is_stored(
    learning_enrolment, learning_module, alice
):
    other_question = QuestionFactory()
    ChoiceFactory(question=other_question, is_correct=True)
    answers = right_answers(learning_module)
    answers[other_question.pk] = [other_question.choices.first().pk]

    with pytest.raises(ValidationError) as error:
        services.quiz_submit(member=alice, module=learning_module, answers=answers)

    assert "is not part of this module's quiz" in error.value.message_dict["answers"][0]
    assert not QuizAttempt.objects.exists()


def test_a_choice_from_another_question_is_refused(learning_enrolment, learning_module, alice):
    single, multi = learning_module.questions.order_by("position")
    answers = right_answers(learning_module)
    answers[single.pk] = [multi.choices.first().pk]

    with pytest.raises(ValidationError) as error:
        services.quiz_submit(member=alice, module=learning_module, answers=answers)

    assert (
        "is not one of the answers to question 1"
        in error.value.message_dict[f"question_{single.pk}"][0]
    )
    assert not QuizAttempt.objects.exists()


def test_every_question_needs_an_answer(learning_enrolment, learning_module, alice):
    single, multi = learning_module.questions.order_by("position")

    with pytest.raises(ValidationError) as error:
        services.quiz_submit(
            member=alice,
            module=learning_module,
            answers={single.pk: right_answers(learning_module)[single.pk]},
        )

    assert error.value.message_dict[f"question_{multi.pk}"] == [
        "Choose at least one answer to question 2."
    ]
    assert not QuizAttempt.objects.exists()


def test_a_quiz_attempt_needs_an_enrolment(learning_module, alice):
    with pytest.raises(ValidationError, match="Enrol in"):
        services.quiz_submit(
            member=alice, module=learning_module, answers=right_answers(learning_module)
        )
    assert not QuizAttempt.objects.exists()


# --- Completion --------------------------------------------------------------------------


def test_lessons_alone_do_not_complete_a_module_with_a_quiz(
    learning_enrolment, learning_module, alice
):
    finish_lessons(alice, learning_module)

    learning_enrolment.refresh_from_db()
    assert learning_enrolment.completed_at is None
    assert not Certificate.objects.exists()


def test_a_passed_quiz_alone_does_not_complete_the_module(
    learning_enrolment, learning_module, alice
):
    attempt = services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )

    assert attempt.passed
    learning_enrolment.refresh_from_db()
    assert learning_enrolment.completed_at is None


def test_a_failed_quiz_after_all_lessons_does_not_complete_the_module(
    learning_enrolment, learning_module, alice
):
    finish_lessons(alice, learning_module)
    single, multi = learning_module.questions.order_by("position")
    wrong = {
        single.pk: [single.choices.get(is_correct=False).pk],
        multi.pk: [multi.choices.first().pk],
    }

    services.quiz_submit(member=alice, module=learning_module, answers=wrong)

    learning_enrolment.refresh_from_db()
    assert learning_enrolment.completed_at is None


def test_all_lessons_and_a_passed_quiz_complete_the_module_once_with_a_certificate(
    learning_enrolment, learning_module, alice
):
    finish_lessons(alice, learning_module)
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )
    # A second pass after completing changes nothing.
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )

    learning_enrolment.refresh_from_db()
    assert learning_enrolment.completed_at is not None
    certificate = Certificate.objects.get()
    assert certificate.member == alice
    assert certificate.module_title == "Introduction to leading change"
    assert certificate.minutes == 90 and certificate.hours == "1.5 hours"
    assert certificate.completed_on == timezone.localdate()
    assert codes.normalise(certificate.display_code) == certificate.code
    notification = Notification.objects.get(recipient=alice, kind="certificate_issued")
    assert notification.url == certificate.get_absolute_url()


def test_the_module_completes_when_the_last_lesson_is_done_after_passing(
    learning_enrolment, learning_module, alice
):
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )
    finish_lessons(alice, learning_module)

    learning_enrolment.refresh_from_db()
    assert learning_enrolment.completed_at is not None
    assert Certificate.objects.filter(enrolment=learning_enrolment).exists()


def test_a_module_without_a_quiz_completes_when_every_lesson_is_done(alice):
    module = ModuleFactory()
    LessonFactory.create_batch(2, module=module)
    enrolment = services.enrol(member=alice, module=module)

    finish_lessons(alice, module)

    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_certificate_codes_are_unique_and_unguessable(alice, bob, charlie):
    module = ModuleFactory()
    LessonFactory(module=module)
    for member in (alice, bob, charlie):
        services.enrol(member=member, module=module)
        finish_lessons(member, module)

    found = list(Certificate.objects.values_list("code", flat=True))
    assert len(set(found)) == 3
    assert all(len(code) == 16 and set(code) <= set(codes.ALPHABET) for code in found)


# --- Verification and revoking --------------------------------------------------------------


@pytest.fixture
def certificate(learning_enrolment, learning_module, alice):
    finish_lessons(alice, learning_module)
    services.quiz_submit(
        member=alice, module=learning_module, answers=right_answers(learning_module)
    )
    return Certificate.objects.get()


def test_a_genuine_code_verifies_however_it_is_typed(certificate):
    typed = certificate.display_code.lower().replace("-", " ")

    result = selectors.certificate_verify(code=typed)

    assert result.status == "genuine"
    assert result.certificate == certificate


def test_an_unknown_or_tampered_code_does_not_verify(certificate):
    code = certificate.code
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    same_lookup_other_secret = code[: codes.LOOKUP_LENGTH] + "0" * 8

    assert selectors.certificate_verify(code=tampered).status == "unknown"
    assert selectors.certificate_verify(code=same_lookup_other_secret).status == "unknown"
    assert selectors.certificate_verify(code="ZZZZ-ZZZZ-ZZZZ-ZZZZ").status == "unknown"
    assert selectors.certificate_verify(code="not-a-code").status == "malformed"
    assert selectors.certificate_verify(code=code + "0").status == "malformed"


def test_an_admin_revokes_a_certificate_with_a_reason(certificate, admin_user):
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Issued in error")

    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoked_by == admin_user
    assert certificate.revoked_reason == "Issued in error"
    result = selectors.certificate_verify(code=certificate.code)
    assert result.status == "revoked"


def test_revoking_again_keeps_the_first_record(certificate, admin_user):
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Issued in error")
    first_time = Certificate.objects.get().revoked_at

    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Another reason")

    certificate.refresh_from_db()
    assert certificate.revoked_at == first_time
    assert certificate.revoked_reason == "Issued in error"


def test_only_admins_revoke_and_a_reason_is_required(certificate, alice, admin_user):
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=certificate, actor=alice, reason="Mine")
    with pytest.raises(ValidationError) as error:
        services.certificate_revoke(certificate=certificate, actor=admin_user, reason="   ")

    assert "reason" in error.value.message_dict
    certificate.refresh_from_db()
    assert not certificate.is_revoked


# --- Publishing --------------------------------------------------------------------------------


def test_a_module_is_published_only_when_it_is_ready(admin_user):
    module = ModuleFactory(status=Module.Status.DRAFT)
    question = QuestionFactory(module=module)
    ChoiceFactory(question=question, is_correct=False)

    with pytest.raises(ValidationError) as error:
        services.module_publish(module=module, actor=admin_user)

    assert "Add at least one lesson." in error.value.messages
    assert "Question 1 needs at least two answers to choose from." in error.value.messages
    assert "Question 1 needs at least one right answer." in error.value.messages
    LessonFactory(module=module)
    ChoiceFactory(question=question, is_correct=True)

    published = services.module_publish(module=module, actor=admin_user)

    assert published.status == Module.Status.PUBLISHED and published.published_at


# --- Nudges ------------------------------------------------------------------------------------


def test_idle_learners_are_nudged_once_a_week_per_module(
    learning_enrolment, learning_module, alice, bob
):
    now = timezone.now()
    Enrolment.objects.filter(pk=learning_enrolment.pk).update(
        last_activity_at=now - datetime.timedelta(days=8)
    )
    services.enrol(member=bob, module=learning_module)  # active today: not nudged

    assert services.nudge_idle_learners(now=now) == 1
    assert services.nudge_idle_learners(now=now + datetime.timedelta(hours=1)) == 0
    next_week = now + datetime.timedelta(days=7)
    assert services.nudge_idle_learners(now=next_week) == 1

    nudges = Notification.objects.filter(kind="module_continue")
    assert {n.recipient for n in nudges} == {alice}
    assert nudges.count() == 2


def test_finished_learners_and_closed_waves_are_not_nudged(learning_module, alice, bob):
    wave = CohortFactory(module=learning_module)
    services.enrol(member=alice, module=learning_module, cohort=wave)
    wave.starts_on = timezone.localdate() - datetime.timedelta(days=40)
    wave.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    wave.save()
    done = services.enrol(member=bob, module=learning_module)
    Enrolment.objects.filter(pk=done.pk).update(completed_at=timezone.now())
    Enrolment.objects.update(last_activity_at=timezone.now() - datetime.timedelta(days=30))

    assert services.nudge_idle_learners() == 0


def test_the_beat_task_sends_the_nudges(learning_enrolment, settings):
    from learning.tasks import nudge_continue_module

    Enrolment.objects.update(last_activity_at=timezone.now() - datetime.timedelta(days=10))

    assert nudge_continue_module.delay().get() == 1
    assert "learning-nudge-continue-module" in settings.CELERY_BEAT_SCHEDULE


def test_a_member_who_leaves_takes_their_certificates_with_them(certificate, alice):
    alice.delete()

    assert not Certificate.objects.exists()
    assert not Enrolment.objects.exists()


def test_a_module_with_certificates_cannot_be_deleted_only_archived(certificate, learning_module):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        learning_module.delete()

    assert Certificate.objects.filter(pk=certificate.pk).exists()
