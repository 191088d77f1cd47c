"""Writes of the learning app: enrolling, progress, quiz attempts, completion and certificates.

Web views, the API, the admin and tasks all come through here.

Completion rule: a module is complete when every one of its lessons is marked done and,
if it has a quiz, at least one attempt passed. Completion is recorded once, issues the
certificate and tells the member.

Quiz scoring rule: a question scores one point only when the set of answers chosen
equals the set of right answers exactly — choosing a wrong answer, or missing one of
several right answers, scores nothing for that question. The score is the share of
questions scored, in whole per cent rounded down; an attempt passes when
``correct * 100 >= pass_mark * questions`` (integer arithmetic, so 7 of 10 passes a
70% pass mark and 2 of 3 does not).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel.formats import day_text
from learning import codes
from learning.models import (
    AttemptAnswer,
    Certificate,
    Cohort,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    QuizAttempt,
)
from notifications.services import notify

# --- Authoring ---------------------------------------------------------------


def module_problems(*, module: Module) -> list[str]:
    """What stops a module being published; empty when it is ready."""
    problems = []
    if not module.lessons.exists():
        problems.append(_("Add at least one lesson."))
    for number, question in enumerate(module.questions.prefetch_related("choices"), start=1):
        choices = list(question.choices.all())
        if len(choices) < 2:
            problems.append(
                _("Question %(number)s needs at least two answers to choose from.")
                % {"number": number}
            )
        if not any(choice.is_correct for choice in choices):
            problems.append(
                _("Question %(number)s needs at least one right answer.") % {"number": number}
            )
    return problems


@transaction.atomic
def module_publish(*, module: Module, actor) -> Module:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only platform admins can publish modules."))
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status == Module.Status.PUBLISHED:
        return module
    problems = module_problems(module=module)
    if problems:
        raise ValidationError(problems)
    module.status = Module.Status.PUBLISHED
    module.published_at = module.published_at or timezone.now()
    module.save(update_fields=["status", "published_at", "updated_at"])
    return module


@transaction.atomic
def module_archive(*, module: Module, actor) -> Module:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only platform admins can archive modules."))
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status == Module.Status.ARCHIVED:
        return module
    module.status = Module.Status.ARCHIVED
    module.save(update_fields=["status", "updated_at"])
    return module


# --- Enrolment -----------------------------------------------------------------


@transaction.atomic
def enrol(*, member, module: Module, cohort: Cohort | None = None) -> Enrolment:
    """Enrol `member` in `module`, in `cohort` or at their own pace (no cohort).

    Enrolling again with another choice moves the enrolment (progress is kept), for
    example from a closed wave to learning at one's own pace."""
    if not getattr(member, "is_authenticated", False):
        raise PermissionDenied(_("Log in to enrol in a module."))
    if module.status != Module.Status.PUBLISHED:
        raise ValidationError(_("This module is not open for enrolment."))
    if cohort is not None:
        if cohort.module_id != module.pk:
            raise ValidationError({"cohort": _("That wave belongs to another module.")})
        if not cohort.is_open_for_enrolment():
            raise ValidationError(
                {
                    "cohort": _(
                        "%(wave)s closed on %(date)s. Choose another wave or learn at your "
                        "own pace."
                    )
                    % {"wave": cohort.name, "date": day_text(cohort.ends_on)}
                }
            )
    enrolment, created = Enrolment.objects.select_for_update().get_or_create(
        member=member, module=module, defaults={"cohort": cohort}
    )
    if created or enrolment.cohort_id == (cohort.pk if cohort else None):
        return enrolment
    if enrolment.completed_at is not None:
        raise ValidationError(_("You have already completed this module."))
    enrolment.cohort = cohort
    enrolment.last_activity_at = timezone.now()
    enrolment.save(update_fields=["cohort", "last_activity_at"])
    return enrolment


def _locked_enrolment(*, member, module: Module) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .filter(member=member, module=module)
        .first()
        if getattr(member, "is_authenticated", False)
        else None
    )
    if enrolment is None:
        raise ValidationError(
            _("Enrol in “%(module)s” before you start its lessons.") % {"module": module.title}
        )
    if module.status == Module.Status.DRAFT:
        raise ValidationError(_("This module is not available at the moment."))
    return enrolment


def cohort_window_problem(cohort: Cohort | None, today: datetime.date | None = None) -> str:
    """Why progress cannot be recorded in `cohort` today; empty when it can."""
    if cohort is None:
        return ""
    today = today or timezone.localdate()
    if today < cohort.starts_on:
        return _(
            "%(wave)s starts on %(date)s. You can read the lessons now; marking them done "
            "and the quiz open on that day."
        ) % {"wave": cohort.name, "date": day_text(cohort.starts_on)}
    if today > cohort.ends_on:
        return _("%(wave)s closed on %(date)s. Carry on at your own pace to finish the module.") % {
            "wave": cohort.name,
            "date": day_text(cohort.ends_on),
        }
    return ""


@transaction.atomic
def lesson_open(*, member, lesson: Lesson) -> LessonProgress | None:
    """Record that `member` opened `lesson` (where to resume). Records nothing, without
    complaint, while the member's wave is not running: reading is always allowed."""
    enrolment = _locked_enrolment(member=member, module=lesson.module)
    if cohort_window_problem(enrolment.cohort):
        return None
    now = timezone.now()
    progress, _created = LessonProgress.objects.get_or_create(
        enrolment=enrolment, lesson=lesson, defaults={"opened_at": now}
    )
    enrolment.last_lesson = lesson
    enrolment.last_activity_at = now
    enrolment.save(update_fields=["last_lesson", "last_activity_at"])
    return progress


@transaction.atomic
def lesson_complete(*, member, lesson: Lesson) -> LessonProgress:
    enrolment = _locked_enrolment(member=member, module=lesson.module)
    problem = cohort_window_problem(enrolment.cohort)
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        enrolment=enrolment, lesson=lesson, defaults={"opened_at": now}
    )
    if progress.completed_at is not None:
        return progress
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    enrolment.last_lesson = lesson
    enrolment.last_activity_at = now
    enrolment.save(update_fields=["last_lesson", "last_activity_at"])
    _complete_if_done(enrolment=enrolment)
    return progress


# --- Quiz ------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    right_questions: frozenset[int]

    @property
    def percent(self) -> int:
        return self.correct * 100 // self.total if self.total else 0

    def passes(self, pass_mark: int) -> bool:
        return self.total > 0 and self.correct * 100 >= pass_mark * self.total


def score_answers(*, correct: Mapping[int, set[int]], chosen: Mapping[int, set[int]]) -> Score:
    """Score chosen answers against the right ones (see the module docstring for the rule).

    Both map question ids to sets of choice ids; a question missing from `chosen`
    scores nothing."""
    right = frozenset(
        question
        for question, answers in correct.items()
        if set(chosen.get(question, ())) == set(answers)
    )
    return Score(correct=len(right), total=len(correct), right_questions=right)


def _clean_answers(
    *, questions: list[Question], answers: Mapping[int, Iterable[int]]
) -> dict[int, set[int]]:
    """Check the answers belong to this quiz and answer every question."""
    by_id = {question.pk: question for question in questions}
    try:
        chosen = {int(q): {int(c) for c in choices} for q, choices in answers.items()}
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"answers": _("Answers must be question and answer numbers.")}
        ) from exc
    foreign = sorted(set(chosen) - set(by_id))
    if foreign:
        listed = ", ".join(str(pk) for pk in foreign)
        raise ValidationError(
            {
                "answers": _(
                    "Question %(questions)s is not part of this module's quiz. Nothing was saved."
                )
                % {"questions": listed}
            }
        )
    errors = {}
    for number, question in enumerate(questions, start=1):
        picked = chosen.get(question.pk, set())
        allowed = {choice.pk for choice in question.choices.all()}
        if not picked:
            errors[f"question_{question.pk}"] = _(
                "Choose at least one answer to question %(number)s."
            ) % {"number": number}
        elif picked - allowed:
            errors[f"question_{question.pk}"] = _(
                "Answer %(answers)s is not one of the answers to question %(number)s."
            ) % {"answers": ", ".join(str(pk) for pk in sorted(picked - allowed)), "number": number}
    if errors:
        raise ValidationError(errors)
    return chosen


@transaction.atomic
def quiz_submit(*, member, module: Module, answers: Mapping[int, Iterable[int]]) -> QuizAttempt:
    """Score an attempt at `module`'s quiz on the server, store it, and complete the
    module when this was the last step. `answers` maps question ids to chosen choice ids."""
    enrolment = _locked_enrolment(member=member, module=module)
    problem = cohort_window_problem(enrolment.cohort)
    if problem:
        raise ValidationError(problem)
    questions = list(module.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError(_("This module has no quiz."))
    chosen = _clean_answers(questions=questions, answers=answers)
    correct = {
        question.pk: {choice.pk for choice in question.choices.all() if choice.is_correct}
        for question in questions
    }
    score = score_answers(correct=correct, chosen=chosen)
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        enrolment=enrolment,
        submitted_at=now,
        question_count=score.total,
        correct_count=score.correct,
        score=score.percent,
        pass_mark=module.quiz_pass_mark,
        passed=score.passes(module.quiz_pass_mark),
    )
    rows = AttemptAnswer.objects.bulk_create(
        AttemptAnswer(
            attempt=attempt, question=question, is_correct=question.pk in score.right_questions
        )
        for question in questions
    )
    through = AttemptAnswer.chosen.through
    through.objects.bulk_create(
        through(attemptanswer_id=row.pk, choice_id=choice_id)
        for row in rows
        for choice_id in sorted(chosen[row.question_id])
    )
    enrolment.last_activity_at = now
    enrolment.save(update_fields=["last_activity_at"])
    if attempt.passed:
        _complete_if_done(enrolment=enrolment)
    return attempt


# --- Completion and certificates ---------------------------------------------------


def _complete_if_done(*, enrolment: Enrolment) -> Certificate | None:
    """Complete a locked enrolment whose every lesson is done and quiz (if any) passed."""
    if enrolment.completed_at is not None:
        return Certificate.objects.filter(enrolment=enrolment).first()
    module = enrolment.module
    lesson_ids = set(module.lessons.values_list("pk", flat=True))
    done_ids = set(
        enrolment.lesson_progress.filter(completed_at__isnull=False).values_list(
            "lesson_id", flat=True
        )
    )
    if not lesson_ids or not lesson_ids <= done_ids:
        return None
    if module.questions.exists() and not enrolment.attempts.filter(passed=True).exists():
        return None
    now = timezone.now()
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    certificate = _issue_certificate(enrolment=enrolment, when=now)
    member = enrolment.member
    # The notice is written in the member's language, whoever's request completed it.
    with translation.override(member.language or settings.LANGUAGE_CODE):
        title = _("You completed “%(module)s”") % {"module": module.title}
        body = _(
            "Your certificate for %(module)s is ready. Anyone can check it is genuine "
            "with the code %(code)s."
        ) % {"module": module.title, "code": certificate.display_code}
    notify(
        kind="certificate_issued",
        recipient=member,
        subject=certificate,
        title=title,
        body=body,
        url=certificate.get_absolute_url(),
    )
    return certificate


def _issue_certificate(*, enrolment: Enrolment, when: datetime.datetime) -> Certificate:
    for _attempt in range(5):
        code = codes.new_code()
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    enrolment=enrolment,
                    member=enrolment.member,
                    module=enrolment.module,
                    module_title=enrolment.module.title,
                    lookup=code[: codes.LOOKUP_LENGTH],
                    code=code,
                    issued_at=when,
                    completed_on=timezone.localdate(when),
                    minutes=enrolment.module.estimated_minutes,
                )
        except IntegrityError:
            # 40 random bits of lookup key make a clash vanishingly rare; draw again.
            continue
    raise RuntimeError("Could not draw a unique certificate code.")


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke a certificate (for example issued in error); its code then verifies as revoked.
    Who revoked it, when and why are kept on the certificate."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only platform admins can revoke certificates."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason to 500 characters or fewer.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revoked_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    return certificate


# --- Nudges ------------------------------------------------------------------------


def nudge_idle_learners(
    *, now: datetime.datetime | None = None, idle_days: int | None = None
) -> int:
    """Remind members idle in an unfinished module for `idle_days` to carry on: once per
    module per ISO week (the notification's period), only while their wave runs."""
    now = now or timezone.now()
    idle_days = settings.LEARNING_NUDGE_IDLE_DAYS if idle_days is None else idle_days
    today = timezone.localdate(now)
    year, week, _weekday = today.isocalendar()
    period = f"{year}-W{week:02d}"
    idle = (
        Enrolment.objects.filter(
            completed_at__isnull=True,
            last_activity_at__lt=now - datetime.timedelta(days=idle_days),
            member__is_active=True,
            module__status__in=[Module.Status.PUBLISHED, Module.Status.ARCHIVED],
        )
        .select_related("member", "module", "cohort")
        .order_by("pk")
    )
    sent = 0
    for enrolment in idle.iterator(chunk_size=500):
        if cohort_window_problem(enrolment.cohort, today):
            continue
        member = enrolment.member
        with translation.override(member.language or settings.LANGUAGE_CODE):
            title = _("Carry on with “%(module)s”") % {"module": enrolment.module.title}
            body = _("Pick up where you left off: each lesson takes only a few minutes.")
        _notification, created = notify(
            kind="module_continue",
            recipient=member,
            subject=enrolment,
            title=title,
            body=body,
            url=reverse("learning:module", args=[enrolment.module.slug]),
            period=period,
        )
        sent += created
    return sent
