"""Learning modules: lessons, an optional quiz, cohorts, enrolments, progress and certificates."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from learning import codes

# Paths under /learning/ that a module's slug would shadow.
RESERVED_SLUGS = {"me", "certificates", "attempts", "communities"}


def validate_module_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is used by another page; choose another slug.")


class Module(models.Model):
    """A short course in the craft of change, authored by admins."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (only admins see it)"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived (enrolled members can finish it)"

    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True, validators=[validate_module_slug])
    summary = models.TextField(
        max_length=600, help_text="One or two sentences shown in the catalogue."
    )
    learning_outcomes = models.TextField(
        max_length=3000,
        blank=True,
        help_text="What members will be able to do afterwards, one outcome per line.",
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(6000)],
        help_text="How long the whole module takes, in minutes. Certificates show it as hours.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    quiz_pass_mark = models.PositiveSmallIntegerField(
        "quiz pass mark (%)",
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="The share of questions, in per cent, a member must get right to pass. "
        "The module has a quiz when it has at least one question.",
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_modules",
        help_text="The closing call opens the pledge form with this campaign chosen.",
    )
    theme = models.ForeignKey(
        "pledges.Theme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_modules",
        help_text="The closing call opens the pledge form with this theme chosen.",
    )
    pledge_call = models.TextField(
        "closing call to pledge",
        max_length=1000,
        blank=True,
        default="You have the ideas. Now change one thing: make a pledge and invite others "
        "to join you.",
        help_text="Shown at the end of the module, with a link to the pledge form.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:module", args=[self.slug])

    @property
    def outcomes(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.learning_outcomes.splitlines() if line.strip()]

    @property
    def hours(self) -> str:
        return format_hours(self.estimated_minutes)


def format_hours(minutes: int) -> str:
    """Minutes as hours for people: "45 minutes", "1 hour", "1.5 hours"."""
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60, 1)
    text = f"{hours:g}"
    return f"{text} hour{'s' if text != '1' else ''}"


class Lesson(models.Model):
    """One short, ordered reading of a module, written in Markdown."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField(
        default=1, help_text="Lessons are shown in this order, lowest first."
    )
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150)
    body = models.TextField(max_length=20000, help_text="Markdown.")
    estimated_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    case_studies = models.ManyToManyField(
        "stories.Story",
        blank=True,
        related_name="case_study_lessons",
        help_text="Change stories told by staff that show this lesson in practice. "
        "Only published stories a reader may see are shown.",
    )

    class Meta:
        ordering = ["module", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="learning_lesson_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:lesson", args=[self.module.slug, self.slug])


class Question(models.Model):
    """A multiple-choice question of a module's quiz; one or more of its choices are right."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=500)
    explanation = models.TextField(
        max_length=3000,
        blank=True,
        help_text="Markdown, shown only after a member has submitted an attempt.",
    )

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField("right answer", default=False)

    class Meta:
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Cohort(models.Model):
    """A wave of a module that members take together between two dates (inclusive).

    Members may enrol until the last day; lessons and quiz attempts count only
    from the first day to the last."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=80, help_text='For example "Wave 1".')
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["module", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "name"], name="learning_cohort_name_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="learning_cohort_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.name}"

    def is_open_for_enrolment(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) <= self.ends_on

    def is_running(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on

    def has_started(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) >= self.starts_on


class Enrolment(models.Model):
    """A member taking a module, in a cohort or at their own pace (no cohort)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_enrolments"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="enrolments")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "module"], name="learning_enrolment_unique"),
        ]
        indexes = [models.Index(fields=["completed_at", "last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.member} in {self.module}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson"], name="learning_lesson_progress_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.lesson}"


class QuizAttempt(models.Model):
    """One submitted attempt at a module's quiz, scored on the server."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    submitted_at = models.DateTimeField(default=timezone.now)
    question_count = models.PositiveSmallIntegerField()
    correct_count = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField(help_text="Per cent of questions right, rounded down.")
    pass_mark = models.PositiveSmallIntegerField(help_text="The pass mark at the time.")
    passed = models.BooleanField()

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.score}%"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    chosen = models.ManyToManyField(Choice, related_name="+", blank=True)
    is_correct = models.BooleanField()

    class Meta:
        ordering = ["question__position", "question__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="learning_attempt_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.question}"


class Certificate(models.Model):
    """Proof that a member completed a module, checked by anyone with its code."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="certificate"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_certificates"
    )
    # A module whose certificates are out in the world is archived, never deleted.
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="certificates")
    module_title = models.CharField(max_length=150, help_text="The module's title when issued.")
    lookup = models.CharField(max_length=8, unique=True, editable=False)
    code = models.CharField(max_length=16, unique=True, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    completed_on = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.module_title} – {self.member}"

    def get_absolute_url(self) -> str:
        return reverse("learning:certificate", args=[self.pk])

    @property
    def display_code(self) -> str:
        return codes.display(self.code)

    @property
    def verify_url(self) -> str:
        return reverse("learning:verify_code", args=[self.display_code])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def hours(self) -> str:
        return format_hours(self.minutes)
