"""Reads of the learning app, with who-may-see-what built in."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Membership
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
from learning.permissions import can_preview

VISIBLE_STATUSES = (Module.Status.PUBLISHED, Module.Status.ARCHIVED)


def _lesson_count() -> Subquery:
    return Coalesce(
        Subquery(
            Lesson.objects.filter(module=OuterRef("pk"))
            .order_by()
            .values("module")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def _has_quiz() -> Exists:
    return Exists(Question.objects.filter(module=OuterRef("pk")))


def _open_cohorts() -> Prefetch:
    return Prefetch(
        "cohorts",
        queryset=Cohort.objects.filter(ends_on__gte=timezone.localdate()).order_by("starts_on"),
        to_attr="open_cohorts",
    )


def modules_catalogue() -> QuerySet[Module]:
    """Published modules, each with lesson_count, has_quiz and open_cohorts."""
    return (
        Module.objects.filter(status=Module.Status.PUBLISHED)
        .select_related("campaign", "theme")
        .annotate(lesson_count=_lesson_count(), has_quiz=_has_quiz())
        .prefetch_related(_open_cohorts())
        .order_by("title")
    )


def module_get(*, user, slug: str) -> Module:
    """A module `user` may see (drafts only for admins, as a preview), with its ordered
    lessons (without their bodies), all its cohorts, lesson_count and has_quiz; else 404."""
    queryset = (
        Module.objects.all()
        if can_preview(user)
        else Module.objects.filter(status__in=VISIBLE_STATUSES)
    )
    module = (
        queryset.filter(slug=slug)
        .select_related("campaign", "theme")
        .annotate(lesson_count=_lesson_count(), has_quiz=_has_quiz())
        .prefetch_related(
            Prefetch(
                "lessons",
                queryset=Lesson.objects.defer("body").order_by("position", "pk"),
                to_attr="ordered_lessons",
            ),
            Prefetch("cohorts", queryset=Cohort.objects.order_by("starts_on", "pk")),
        )
        .first()
    )
    if module is None:
        raise Http404(gettext("No such module."))
    return module


def lesson_case_studies(*, lesson: Lesson, user) -> list:
    """The lesson's case-study stories that `user` may read (published, not hidden)."""
    from stories.models import Story
    from stories.selectors import stories_visible_to

    return list(
        stories_visible_to(user)
        .filter(case_study_lessons=lesson, status=Story.Status.PUBLISHED)
        .select_related("author")
        .order_by("-published_at", "pk")
    )


def lesson_get(*, module: Module, slug: str) -> Lesson:
    lesson = Lesson.objects.filter(module=module, slug=slug).first()
    if lesson is None:
        raise Http404(gettext("No such lesson."))
    return lesson


def enrolment_of(*, user, module: Module) -> Enrolment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Enrolment.objects.select_related("cohort", "last_lesson")
        .filter(member=user, module=module)
        .first()
    )


def enrolments_by_module(*, user, modules: list[Module]) -> dict[int, Enrolment]:
    """The user's enrolments in `modules`, keyed by module id, annotated as in
    `_annotate_progress`."""
    if not getattr(user, "is_authenticated", False):
        return {}
    enrolments = _annotate_progress(
        Enrolment.objects.filter(member=user, module__in=[m.pk for m in modules])
    )
    return {e.module_id: e for e in enrolments}


def _annotate_progress(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """lessons_total, lessons_opened, lessons_done, has_quiz, quiz_passed, best_score."""
    return queryset.annotate(
        lessons_total=Coalesce(
            Subquery(
                Lesson.objects.filter(module=OuterRef("module"))
                .order_by()
                .values("module")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
        lessons_opened=Coalesce(
            Subquery(
                LessonProgress.objects.filter(enrolment=OuterRef("pk"))
                .order_by()
                .values("enrolment")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
        lessons_done=Coalesce(
            Subquery(
                LessonProgress.objects.filter(enrolment=OuterRef("pk"), completed_at__isnull=False)
                .order_by()
                .values("enrolment")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
        has_quiz=Exists(Question.objects.filter(module=OuterRef("module"))),
        quiz_passed=Exists(QuizAttempt.objects.filter(enrolment=OuterRef("pk"), passed=True)),
        attempts_made=Exists(QuizAttempt.objects.filter(enrolment=OuterRef("pk"))),
        best_score=Subquery(
            QuizAttempt.objects.filter(enrolment=OuterRef("pk"))
            .order_by()
            .values("enrolment")
            .annotate(best=Max("score"))
            .values("best")[:1]
        ),
    )


def status_of(enrolment: Enrolment) -> str:
    """ "completed", "in_progress" or "enrolled" (not started), for an annotated enrolment."""
    if enrolment.completed_at is not None:
        return "completed"
    if getattr(enrolment, "lessons_opened", 0) or getattr(enrolment, "attempts_made", False):
        return "in_progress"
    return "enrolled"


STATUS_LABELS = {
    "completed": _("Completed"),
    "in_progress": _("In progress"),
    "enrolled": _("Enrolled"),
}


def percent_of(enrolment: Enrolment) -> int:
    """How far through an annotated enrolment is: lessons done plus the quiz as one step."""
    if enrolment.completed_at is not None:
        return 100
    steps = enrolment.lessons_total + (1 if enrolment.has_quiz else 0)
    done = enrolment.lessons_done + (1 if enrolment.has_quiz and enrolment.quiz_passed else 0)
    return done * 100 // steps if steps else 0


@dataclass
class Progress:
    """Where a member is in a module, for the module and lesson pages."""

    lessons: list[Lesson]
    has_quiz: bool
    completed_ids: set[int] = field(default_factory=set)
    opened_ids: set[int] = field(default_factory=set)
    quiz_passed: bool = False
    last_lesson_id: int | None = None

    @property
    def lessons_total(self) -> int:
        return len(self.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.completed_ids)

    @property
    def steps_total(self) -> int:
        return self.lessons_total + (1 if self.has_quiz else 0)

    @property
    def steps_done(self) -> int:
        return self.lessons_done + (1 if self.has_quiz and self.quiz_passed else 0)

    @property
    def percent(self) -> int:
        return self.steps_done * 100 // self.steps_total if self.steps_total else 0

    @property
    def lessons_all_done(self) -> bool:
        return self.lessons_done == self.lessons_total

    @property
    def started(self) -> bool:
        return bool(self.opened_ids)

    def status_of(self, lesson: Lesson) -> str:
        if lesson.pk in self.completed_ids:
            return "completed"
        if lesson.pk in self.opened_ids:
            return "opened"
        return "not_started"

    @property
    def resume_lesson(self) -> Lesson | None:
        """Where to carry on: the last lesson opened if it is not done, else the next lesson
        not done after it (wrapping round), else None (every lesson done)."""
        if not self.lessons:
            return None
        start = 0
        for index, lesson in enumerate(self.lessons):
            if lesson.pk == self.last_lesson_id:
                start = index
                break
        ordered = self.lessons[start:] + self.lessons[:start]
        return next((lesson for lesson in ordered if lesson.pk not in self.completed_ids), None)


def progress_of(*, enrolment: Enrolment | None, module: Module) -> Progress:
    """Progress in a module fetched with `module_get` (two queries when enrolled, none if not)."""
    progress = Progress(lessons=list(module.ordered_lessons), has_quiz=bool(module.has_quiz))
    if enrolment is None:
        return progress
    for lesson_id, completed_at in LessonProgress.objects.filter(enrolment=enrolment).values_list(
        "lesson_id", "completed_at"
    ):
        progress.opened_ids.add(lesson_id)
        if completed_at is not None:
            progress.completed_ids.add(lesson_id)
    progress.quiz_passed = (
        progress.has_quiz and QuizAttempt.objects.filter(enrolment=enrolment, passed=True).exists()
    )
    progress.last_lesson_id = enrolment.last_lesson_id
    return progress


def attempts_of(*, enrolment: Enrolment | None) -> list[QuizAttempt]:
    if enrolment is None:
        return []
    return list(QuizAttempt.objects.filter(enrolment=enrolment).order_by("-submitted_at", "-pk"))


def quiz_questions(*, module: Module) -> list[Question]:
    return list(
        Question.objects.filter(module=module)
        .order_by("position", "pk")
        .prefetch_related("choices")
    )


def attempt_get(*, user, pk: int) -> QuizAttempt:
    """One of the user's own attempts, with its answers, chosen choices and questions."""
    attempt = (
        QuizAttempt.objects.select_related("enrolment__module", "enrolment__member")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=AttemptAnswer.objects.select_related("question")
                .prefetch_related("chosen")
                .order_by("question__position", "question__pk"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if attempt is None or not getattr(user, "is_authenticated", False):
        raise Http404(gettext("No such attempt."))
    if attempt.enrolment.member_id != user.pk and not user.is_staff:
        raise Http404(gettext("No such attempt."))
    return attempt


def my_enrolments(*, user, pk: int | None = None, module: Module | None = None) -> list[Enrolment]:
    """The user's enrolments (or the one with `pk` or in `module`), unfinished and most
    recently active first, with progress annotations and `issued_certificate`."""
    queryset = Enrolment.objects.filter(member=user)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    if module is not None:
        queryset = queryset.filter(module=module)
    enrolments = list(
        _annotate_progress(queryset.select_related("module", "cohort", "last_lesson")).order_by(
            "completed_at", "-last_activity_at"
        )
    )
    certificates = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__in=enrolments)}
    for enrolment in enrolments:
        enrolment.issued_certificate = certificates.get(enrolment.pk)
    return enrolments


def certificates_of(*, member) -> QuerySet[Certificate]:
    return Certificate.objects.filter(member=member, revoked_at__isnull=True).order_by("-issued_at")


def certificate_get(*, user, pk: int) -> Certificate:
    """A certificate for its holder or an admin; 404 for anyone else."""
    certificate = (
        Certificate.objects.select_related("member", "module", "revoked_by").filter(pk=pk).first()
    )
    if (
        certificate is None
        or not getattr(user, "is_authenticated", False)
        or (certificate.member_id != user.pk and not user.is_staff)
    ):
        raise Http404(gettext("No such certificate."))
    return certificate


@dataclass(frozen=True)
class Verification:
    status: str  # "genuine", "revoked", "unknown" or "malformed"
    certificate: Certificate | None = None

    @property
    def is_genuine(self) -> bool:
        return self.status == "genuine"


def holder_name(*, certificate: Certificate, viewer) -> str | None:
    """The holder's name as they let `viewer` see it, or None where they keep it hidden."""
    name = certificate.member.name_for(viewer)
    hidden = type(certificate.member)(name_visibility="hidden").name_for(None)
    return None if name == hidden else name


def certificate_verify(*, code: str) -> Verification:
    """Whether a typed or linked code belongs to a certificate we issued. The lookup key
    finds the row; the whole code is then compared in constant time."""
    normalised = codes.normalise(code)
    if normalised is None:
        return Verification("malformed")
    certificate = (
        Certificate.objects.select_related("member")
        .filter(lookup=normalised[: codes.LOOKUP_LENGTH])
        .first()
    )
    if certificate is None or not hmac.compare_digest(certificate.code, normalised):
        return Verification("unknown")
    if certificate.revoked_at is not None:
        return Verification("revoked", certificate)
    return Verification("genuine", certificate)


# --- Organisers ---------------------------------------------------------------------


def community_get(*, slug: str) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404(gettext("No such community."))
    return community


def community_progress(*, community: Community) -> QuerySet[Enrolment]:
    """Every enrolment of the community's active members, with member, module, cohort and
    progress annotations; callers check `permissions.can_see_community_progress` first."""
    members = Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE
    ).values("member_id")
    return _annotate_progress(
        Enrolment.objects.filter(member__in=members, member__is_active=True).select_related(
            "member", "member__organisation", "module", "cohort"
        )
    ).order_by("module__title", "member__display_name", "member__email")


def community_members_count(*, community: Community) -> int:
    return Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE, member__is_active=True
    ).count()


def community_progress_summary(*, community: Community) -> list[dict]:
    """Per module: how many of the community's members are enrolled (not started yet),
    in progress, and completed."""
    rows: dict[int, dict] = {}
    for enrolment in community_progress(community=community):
        row = rows.setdefault(
            enrolment.module_id,
            {"module": enrolment.module, "enrolled": 0, "in_progress": 0, "completed": 0},
        )
        row[status_of(enrolment)] += 1
    return sorted(rows.values(), key=lambda r: r["module"].title)


# --- Totals -------------------------------------------------------------------------


def completed_count_of(*, member) -> int:
    return Enrolment.objects.filter(member=member, completed_at__isnull=False).count()
