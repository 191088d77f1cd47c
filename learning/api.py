"""The learning API: modules, lessons, enrolments, progress, quiz attempts and certificates.

Quiz questions go out without which answers are right and without explanations; the
server scores an attempt and only then returns, for that attempt, which questions were
right and why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api import StrictFieldsMixin
from kernel.markdown import render_markdown
from learning import pledge_call, selectors, services
from learning.models import (
    Certificate,
    Cohort,
    Enrolment,
    Lesson,
    Module,
    Question,
    QuizAttempt,
)
from learning.permissions import can_preview, can_see_community_progress


class CohortSerializer(serializers.ModelSerializer):
    open_for_enrolment = serializers.SerializerMethodField()
    running = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = ["id", "name", "starts_on", "ends_on", "open_for_enrolment", "running"]

    def get_open_for_enrolment(self, cohort: Cohort) -> bool:
        return cohort.is_open_for_enrolment()

    def get_running(self, cohort: Cohort) -> bool:
        return cohort.is_running()


class LessonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "title", "position", "estimated_minutes"]


class ModuleSerializer(serializers.ModelSerializer):
    learning_outcomes = serializers.ListField(
        source="outcomes", child=serializers.CharField(), read_only=True
    )
    lesson_count = serializers.IntegerField(read_only=True)
    has_quiz = serializers.BooleanField(read_only=True)
    open_cohorts = CohortSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=_("published or archived (draft: admins)")
    )
    url = serializers.SerializerMethodField()
    pledge_url = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "learning_outcomes",
            "estimated_minutes",
            "status",
            "lesson_count",
            "has_quiz",
            "quiz_pass_mark",
            "open_cohorts",
            "url",
            "pledge_url",
        ]

    def get_url(self, module: Module) -> str:
        return module.get_absolute_url()

    def get_pledge_url(self, module: Module) -> str:
        return pledge_call.href(module=module)


class ModuleDetailSerializer(ModuleSerializer):
    lessons = LessonSummarySerializer(source="ordered_lessons", many=True, read_only=True)
    cohorts = CohortSerializer(many=True, read_only=True)

    class Meta(ModuleSerializer.Meta):
        fields = [f for f in ModuleSerializer.Meta.fields if f != "open_cohorts"] + [
            "pledge_call",
            "lessons",
            "cohorts",
        ]


class CaseStudySerializer(serializers.Serializer):
    """A published change story attached to a lesson as a case study."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class LessonSerializer(serializers.ModelSerializer):
    module = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    body_html = serializers.SerializerMethodField()
    case_studies = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id",
            "module",
            "slug",
            "title",
            "position",
            "estimated_minutes",
            "body",
            "body_html",
            "case_studies",
        ]

    def get_body_html(self, lesson: Lesson) -> str:
        return str(render_markdown(lesson.body))

    @extend_schema_field(CaseStudySerializer(many=True))
    def get_case_studies(self, lesson: Lesson) -> list[dict]:
        request = self.context.get("request")
        user = request.user if request is not None else None
        stories = selectors.lesson_case_studies(lesson=lesson, user=user)
        return CaseStudySerializer(stories, many=True).data


class ChoiceSerializer(serializers.Serializer):
    """An answer to choose from: never says whether it is right."""

    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    """A quiz question before an attempt: its text and answers, no explanation."""

    id = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    choices = ChoiceSerializer(many=True, source="choices.all")


class CertificateSummarySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="display_code")
    verify_url = serializers.CharField()
    hours = serializers.CharField()
    module = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    revoked = serializers.BooleanField(source="is_revoked")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "module",
            "module_title",
            "completed_on",
            "minutes",
            "hours",
            "code",
            "verify_url",
            "pdf_url",
            "revoked",
        ]

    def get_pdf_url(self, certificate: Certificate) -> str:
        return reverse("learning:certificate_pdf", args=[certificate.pk])


class EnrolmentSerializer(serializers.ModelSerializer):
    module = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)
    cohort = CohortSerializer(read_only=True)
    status = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    lessons_total = serializers.IntegerField(read_only=True)
    lessons_done = serializers.IntegerField(read_only=True)
    has_quiz = serializers.BooleanField(read_only=True)
    quiz_passed = serializers.BooleanField(read_only=True)
    best_score = serializers.IntegerField(read_only=True, allow_null=True)
    last_lesson = serializers.PrimaryKeyRelatedField(read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "module",
            "module_title",
            "cohort",
            "enrolled_at",
            "last_activity_at",
            "completed_at",
            "status",
            "percent",
            "lessons_total",
            "lessons_done",
            "has_quiz",
            "quiz_passed",
            "best_score",
            "last_lesson",
            "certificate",
        ]

    def get_status(self, enrolment: Enrolment) -> str:
        return selectors.status_of(enrolment)

    def get_percent(self, enrolment: Enrolment) -> int:
        return selectors.percent_of(enrolment)

    @extend_schema_field(CertificateSummarySerializer(allow_null=True))
    def get_certificate(self, enrolment: Enrolment) -> dict | None:
        certificate = getattr(enrolment, "issued_certificate", None)
        return CertificateSummarySerializer(certificate).data if certificate else None


class EnrolSerializer(StrictFieldsMixin, serializers.Serializer):
    module = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Module.objects.filter(status=Module.Status.PUBLISHED),
        error_messages={"does_not_exist": _("There is no open module “{value}”.")},
    )
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text=_("A wave of the module, or null to learn at your own pace."),
    )


class LessonProgressInputSerializer(StrictFieldsMixin, serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("opened", _("Opened")), ("completed", _("Completed"))],
        help_text=_("“opened” records where to resume; “completed” marks the lesson done."),
    )


class AnswerSerializer(StrictFieldsMixin, serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=50
    )


class AttemptInputSerializer(StrictFieldsMixin, serializers.Serializer):
    answers = AnswerSerializer(many=True, max_length=200)

    def validate_answers(self, answers: list[dict]) -> list[dict]:
        questions = [answer["question"] for answer in answers]
        if len(questions) != len(set(questions)):
            raise serializers.ValidationError(gettext("Answer each question once."))
        return answers


class AttemptSerializer(serializers.ModelSerializer):
    module = serializers.SlugRelatedField(
        source="enrolment.module", slug_field="slug", read_only=True
    )

    class Meta:
        model = QuizAttempt
        fields = [
            "id",
            "module",
            "submitted_at",
            "score",
            "correct_count",
            "question_count",
            "pass_mark",
            "passed",
        ]


class AnswerResultSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    text = serializers.CharField(source="question.text")
    chosen = serializers.SerializerMethodField()
    correct = serializers.BooleanField(source="is_correct")
    explanation = serializers.CharField(source="question.explanation")
    explanation_html = serializers.SerializerMethodField()

    def get_chosen(self, answer) -> list[int]:
        return [choice.pk for choice in answer.chosen.all()]

    def get_explanation_html(self, answer) -> str:
        return str(render_markdown(answer.question.explanation))


class AttemptResultSerializer(AttemptSerializer):
    """A submitted attempt: which questions were right, with their explanations."""

    questions = AnswerResultSerializer(source="answers.all", many=True, read_only=True)
    module_completed = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = AttemptSerializer.Meta.fields + ["module_completed", "questions"]

    def get_module_completed(self, attempt: QuizAttempt) -> bool:
        return attempt.enrolment.completed_at is not None


class VerificationSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("“genuine” or “revoked”."))
    holder = serializers.CharField(allow_null=True, help_text=_("Null when the holder hides it."))
    module_title = serializers.CharField()
    completed_on = serializers.DateField()
    hours = serializers.CharField()
    code = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ProgressRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.SerializerMethodField()
    module = serializers.CharField(source="module.slug")
    module_title = serializers.CharField(source="module.title")
    cohort = serializers.CharField(source="cohort.name", default=None)
    status = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    best_score = serializers.IntegerField(allow_null=True)
    enrolled_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_member_name(self, enrolment) -> str:
        return enrolment.member.name_for(self.context["request"].user)

    def get_status(self, enrolment) -> str:
        return selectors.status_of(enrolment)

    def get_percent(self, enrolment) -> int:
        return selectors.percent_of(enrolment)


# --- Views ---------------------------------------------------------------------------


def _module(request, slug: str) -> Module:
    return selectors.module_get(user=request.user, slug=slug)


def _require_enrolment(request, module: Module) -> Enrolment | None:
    """The member's enrolment; admins may look without one. Others are refused."""
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    if enrolment is None and not can_preview(request.user):
        raise PermissionDenied(
            gettext("Enrol in “%(module)s” to open its lessons and quiz.")
            % {"module": module.title}
        )
    return enrolment


@extend_schema(summary=_("Published learning modules"))
class ModuleListView(generics.ListAPIView):
    serializer_class = ModuleSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> QuerySet[Module]:
        return selectors.modules_catalogue()


@extend_schema(summary=_("A module, with its ordered lessons and waves"))
class ModuleDetailView(generics.RetrieveAPIView):
    serializer_class = ModuleDetailSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self) -> Module:
        return _module(self.request, self.kwargs["slug"])


@extend_schema(summary=_("A lesson's text (enrolled members)"))
class LessonDetailView(generics.RetrieveAPIView):
    serializer_class = LessonSerializer

    def get_object(self) -> Lesson:
        lesson = get_object_or_404(Lesson.objects.select_related("module"), pk=self.kwargs["pk"])
        module = _module(self.request, lesson.module.slug)
        _require_enrolment(self.request, module)
        return lesson


class LessonProgressView(APIView):
    @extend_schema(
        summary=_("Record opening or finishing a lesson"),
        request=LessonProgressInputSerializer,
        responses={200: EnrolmentSerializer},
    )
    def post(self, request, pk: int):
        lesson = get_object_or_404(Lesson.objects.select_related("module"), pk=pk)
        module = _module(request, lesson.module.slug)
        serializer = LessonProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["state"] == "completed":
            services.lesson_complete(member=request.user, lesson=lesson)
        else:
            services.lesson_open(member=request.user, lesson=lesson)
        return Response(EnrolmentSerializer(_my_enrolment(request, module=module)).data)


def _my_enrolment(request, **filters) -> Enrolment:
    enrolments = selectors.my_enrolments(user=request.user, **filters)
    if not enrolments:
        raise Http404(gettext("No such enrolment."))
    return enrolments[0]


@extend_schema(summary=_("A module's quiz questions (never which answers are right)"))
class QuestionListView(generics.ListAPIView):
    serializer_class = QuestionSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        module = _module(self.request, self.kwargs["slug"])
        _require_enrolment(self.request, module)
        return selectors.quiz_questions(module=module)


@extend_schema(summary=_("Your enrolments, unfinished and most recently active first"))
class EnrolmentListView(generics.ListAPIView):
    serializer_class = EnrolmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        return selectors.my_enrolments(user=self.request.user)

    @extend_schema(
        summary=_("Enrol in a module, in a wave or at your own pace"),
        request=EnrolSerializer,
        responses={201: EnrolmentSerializer, 200: EnrolmentSerializer},
    )
    def post(self, request):
        serializer = EnrolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = Enrolment.objects.filter(
            member=request.user, module=serializer.validated_data["module"]
        ).exists()
        enrolment = services.enrol(member=request.user, **serializer.validated_data)
        return Response(
            EnrolmentSerializer(_my_enrolment(request, pk=enrolment.pk)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


@extend_schema(summary=_("One of your enrolments, with progress"))
class EnrolmentDetailView(generics.RetrieveAPIView):
    serializer_class = EnrolmentSerializer

    def get_object(self) -> Enrolment:
        return _my_enrolment(self.request, pk=self.kwargs["pk"])


class AttemptListView(APIView):
    @extend_schema(
        summary=_("Your attempts at a module's quiz (score history)"),
        responses={200: AttemptSerializer(many=True)},
    )
    def get(self, request, slug: str):
        module = _module(request, slug)
        enrolment = selectors.enrolment_of(user=request.user, module=module)
        attempts = selectors.attempts_of(enrolment=enrolment)
        for attempt in attempts:
            attempt.enrolment = enrolment
            enrolment.module = module
        return Response(AttemptSerializer(attempts, many=True).data)

    @extend_schema(
        summary=_("Submit answers to a module's quiz; the server scores them"),
        request=AttemptInputSerializer,
        responses={201: AttemptResultSerializer},
    )
    def post(self, request, slug: str):
        module = _module(request, slug)
        serializer = AttemptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = {
            answer["question"]: answer["choices"] for answer in serializer.validated_data["answers"]
        }
        attempt = services.quiz_submit(member=request.user, module=module, answers=answers)
        result = selectors.attempt_get(user=request.user, pk=attempt.pk)
        return Response(AttemptResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema(summary=_("A submitted attempt: per-question result and explanations"))
class AttemptDetailView(generics.RetrieveAPIView):
    serializer_class = AttemptResultSerializer

    def get_object(self) -> QuizAttempt:
        return selectors.attempt_get(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(summary=_("Your certificates"))
class CertificateListView(generics.ListAPIView):
    serializer_class = CertificateSummarySerializer

    def get_queryset(self) -> QuerySet[Certificate]:
        if getattr(self, "swagger_fake_view", False):
            return Certificate.objects.none()
        return (
            Certificate.objects.filter(member=self.request.user)
            .select_related("module")
            .order_by("-issued_at")
        )


class CertificateVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    # Look-ups are reads, but guessing codes one after another is what this stops.
    ratelimit_scope = "certificate_lookup"
    ratelimit_methods = frozenset({"GET", "HEAD"})

    @extend_schema(
        summary=_("Check a certificate's verification code"),
        responses={
            200: VerificationSerializer,
            404: OpenApiResponse(description=_("No certificate has this code.")),
        },
    )
    def get(self, request, code: str):
        result = selectors.certificate_verify(code=code)
        certificate = result.certificate
        if certificate is None:
            return Response(
                {"status": "unknown", "detail": gettext("No certificate has this code.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        data = {
            "status": result.status,
            "holder": selectors.holder_name(certificate=certificate, viewer=request.user),
            "module_title": certificate.module_title,
            "completed_on": certificate.completed_on,
            "hours": certificate.hours,
            "code": certificate.display_code,
            "revoked_at": certificate.revoked_at,
        }
        return Response(VerificationSerializer(data).data)


@extend_schema(summary=_("Learning progress of a community's members (organisers and admins)"))
class CommunityProgressView(generics.ListAPIView):
    serializer_class = ProgressRowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        community = selectors.community_get(slug=self.kwargs["slug"])
        if not can_see_community_progress(self.request.user, community):
            raise PermissionDenied(
                gettext("Only this community's organisers can see its members' learning.")
            )
        return selectors.community_progress(community=community)
