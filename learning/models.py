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
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from learning import codes

# Paths under /learning/ that a module's slug would shadow.
RESERVED_SLUGS = {"me", "certificates", "attempts", "communities"}

# A module's closing call unless its author writes their own. Stored as written (it is
# the author's to change); shown in the reader's language while it is left as it is.
PLEDGE_CALL_DEFAULT = (
    "You have the ideas. Now change one thing: make a pledge and invite others to join you."
)


def validate_module_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is used by another page; choose another slug.") % {"slug": value}
        )


class Module(models.Model):
    """A short course in the craft of change, authored by admins."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (only admins see it)")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived (enrolled members can finish it)")

    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(
        _("slug"), max_length=150, unique=True, validators=[validate_module_slug]
    )
    summary = models.TextField(
        _("summary"), max_length=600, help_text=_("One or two sentences shown in the catalogue.")
    )
    learning_outcomes = models.TextField(
        _("learning outcomes"),
        max_length=3000,
        blank=True,
        help_text=_("What members will be able to do afterwards, one outcome per line."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        validators=[MinValueValidator(1), MaxValueValidator(6000)],
        help_text=_("How long the whole module takes, in minutes. Certificates show it as hours."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    quiz_pass_mark = models.PositiveSmallIntegerField(
        _("quiz pass mark (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The share of questions, in per cent, a member must get right to pass. "
            "The module has a quiz when it has at least one question."
        ),
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_modules",
        verbose_name=_("campaign"),
        help_text=_("The closing call opens the pledge form with this campaign chosen."),
    )
    theme = models.ForeignKey(
        "pledges.Theme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_modules",
        verbose_name=_("theme"),
        help_text=_("The closing call opens the pledge form with this theme chosen."),
    )
    pledge_call = models.TextField(
        _("closing call to pledge"),
        max_length=1000,
        blank=True,
        default=PLEDGE_CALL_DEFAULT,
        help_text=_("Shown at the end of the module, with a link to the pledge form."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
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

    @property
    def pledge_call_text(self) -> str:
        """The closing call as the reader sees it: the author's words, or the default
        one in the reader's language while the author left it as it was."""
        if self.pledge_call.strip() == PLEDGE_CALL_DEFAULT:
            return gettext(
                "You have the ideas. Now change one thing: make a pledge and invite others "
                "to join you."
            )
        return self.pledge_call or gettext(
            "Change one thing: make a pledge and invite others to join you."
        )


def format_hours(minutes: int) -> str:
    """Minutes as hours for people: "45 minutes", "1 hour", "1.5 hours", in the active
    language (a decimal point or comma as the language writes it)."""
    if minutes < 60:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60, 1)
    # A whole number of hours takes its own plural form; a fraction reads as plural.
    count = int(hours) if hours == int(hours) else 2
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {
        "hours": number_format(hours, decimal_pos=0 if hours == int(hours) else 1)
    }


class Lesson(models.Model):
    """One short, ordered reading of a module, written in Markdown."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, help_text=_("Lessons are shown in this order, lowest first.")
    )
    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150)
    body = models.TextField(_("body"), max_length=20000, help_text=_("Markdown."))
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    case_studies = models.ManyToManyField(
        "stories.Story",
        blank=True,
        related_name="case_study_lessons",
        verbose_name=_("case studies"),
        help_text=_(
            "Change stories told by staff that show this lesson in practice. "
            "Only published stories a reader may see are shown."
        ),
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
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

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="questions", verbose_name=_("module")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("text"), max_length=500)
    explanation = models.TextField(
        _("explanation"),
        max_length=3000,
        blank=True,
        help_text=_("Markdown, shown only after a member has submitted an attempt."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("text"), max_length=300)
    is_correct = models.BooleanField(_("right answer"), default=False)

    class Meta:
        verbose_name = _("answer choice")
        verbose_name_plural = _("answer choices")
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Cohort(models.Model):
    """A wave of a module that members take together between two dates (inclusive).

    Members may enrol until the last day; lessons and quiz attempts count only
    from the first day to the last."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("module")
    )
    name = models.CharField(_("name"), max_length=80, help_text=_('For example "Wave 1".'))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
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
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_enrolments",
        verbose_name=_("member"),
    )
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("module")
    )
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
        verbose_name=_("cohort"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity at"), default=timezone.now)
    last_lesson = models.ForeignKey(
        Lesson,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last lesson"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-last_activity_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "module"], name="learning_enrolment_unique"),
        ]
        indexes = [models.Index(fields=["completed_at", "last_activity_at"])]

    def __str__(self) -> str:
        return gettext("%(member)s in %(module)s") % {"member": self.member, "module": self.module}

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("enrolment"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="+", verbose_name=_("lesson")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson"], name="learning_lesson_progress_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.lesson}"


class QuizAttempt(models.Model):
    """One submitted attempt at a module's quiz, scored on the server."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("enrolment")
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    question_count = models.PositiveSmallIntegerField(_("question count"))
    correct_count = models.PositiveSmallIntegerField(_("correct count"))
    score = models.PositiveSmallIntegerField(
        _("score"), help_text=_("Per cent of questions right, rounded down.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark"), help_text=_("The pass mark at the time.")
    )
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.score}%"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(
        QuizAttempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="+", verbose_name=_("question")
    )
    chosen = models.ManyToManyField(Choice, related_name="+", blank=True, verbose_name=_("chosen"))
    is_correct = models.BooleanField(_("is correct"))

    class Meta:
        verbose_name = _("attempt answer")
        verbose_name_plural = _("attempt answers")
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
        Enrolment,
        on_delete=models.CASCADE,
        related_name="certificate",
        verbose_name=_("enrolment"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_certificates",
        verbose_name=_("member"),
    )
    # A module whose certificates are out in the world is archived, never deleted.
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("module")
    )
    module_title = models.CharField(
        _("module title"), max_length=150, help_text=_("The module's title when issued.")
    )
    lookup = models.CharField(_("lookup"), max_length=8, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    completed_on = models.DateField(_("completed on"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.CharField(_("revoked reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
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
