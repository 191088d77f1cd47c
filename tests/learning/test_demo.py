"""The learning demo data loads, tells a sensible story, and adds nothing the second time."""

import pytest

from learning import demo as learning_demo
from learning.models import (
    Certificate,
    Choice,
    Cohort,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
)
from members import demo as members_demo

pytestmark = pytest.mark.django_db

MODELS = [Module, Lesson, Choice, Cohort, Enrolment, LessonProgress, QuizAttempt, Certificate]


def test_the_demo_loads_two_modules_with_alice_part_way_through():
    loaded = {"members": members_demo.load({})}
    learning_demo.load(loaded)
    counts = {model: model.objects.count() for model in MODELS}

    learning_demo.load(loaded)

    assert {model: model.objects.count() for model in MODELS} == counts
    introduction = Module.objects.get(slug="introduction-to-leading-change")
    assert introduction.status == Module.Status.PUBLISHED
    assert introduction.lessons.count() == 4
    assert introduction.quiz_pass_mark == 70
    assert any(q.choices.filter(is_correct=True).count() > 1 for q in introduction.questions.all())
    assert Cohort.objects.get(module__slug="making-it-stick-spreading-change").name == "Wave 1"
    alice = loaded["members"]["users"]["alice"]
    enrolment = Enrolment.objects.get(member=alice, module=introduction)
    assert enrolment.completed_at is None
    assert enrolment.lesson_progress.filter(completed_at__isnull=False).count() == 2
    assert Certificate.objects.filter(member=loaded["members"]["users"]["organiser"]).exists()
