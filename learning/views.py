"""Web pages of the learning app: catalogue, module, lessons, quiz, my learning,
certificates and their public verification, and organisers' progress view."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kernel.ratelimit import rate_limited
from kernel.web import call_service
from learning import pledge_call, selectors, services
from learning.forms import EnrolForm, QuizForm, VerifyForm
from learning.pdf import certificate_pdf as render_certificate_pdf
from learning.permissions import can_preview, can_see_community_progress


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def catalogue(request):
    modules = list(selectors.modules_catalogue())
    enrolments = selectors.enrolments_by_module(user=request.user, modules=modules)
    for module in modules:
        enrolment = enrolments.get(module.pk)
        module.my_status = selectors.status_of(enrolment) if enrolment else None
        module.my_percent = selectors.percent_of(enrolment) if enrolment else None
    return render(
        request,
        "learning/catalogue.jinja",
        {"modules": modules, "status_labels": selectors.STATUS_LABELS},
    )


def _enrol_form(request, module, enrolment, data=None) -> EnrolForm | None:
    """The enrol form, when the member can enrol or move to another way of taking it."""
    if not request.user.is_authenticated or module.status != module.Status.PUBLISHED:
        return None
    if enrolment is not None and (
        enrolment.completed_at is not None or not services.cohort_window_problem(enrolment.cohort)
    ):
        return None
    today = timezone.localdate()
    cohorts = [c for c in module.cohorts.all() if c.is_open_for_enrolment(today)]
    if enrolment is not None and enrolment.cohort_id:
        cohorts = [c for c in cohorts if c.pk != enrolment.cohort_id]
    return EnrolForm(data, cohorts=cohorts)


def module_detail(request, slug: str):
    module = selectors.module_get(user=request.user, slug=slug)
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    return _render_module(request, module, enrolment, _enrol_form(request, module, enrolment))


def _render_module(request, module, enrolment, enrol_form, status=200):
    progress = selectors.progress_of(enrolment=enrolment, module=module)
    certificate = None
    if enrolment is not None and enrolment.completed_at is not None:
        certificate = selectors.certificates_of(member=request.user).filter(module=module).first()
    return render(
        request,
        "learning/module.jinja",
        {
            "module": module,
            "enrolment": enrolment,
            "progress": progress,
            "attempts": selectors.attempts_of(enrolment=enrolment),
            "certificate": certificate,
            "enrol_form": enrol_form,
            "window_problem": services.cohort_window_problem(
                enrolment.cohort if enrolment else None
            ),
            "is_preview": module.status == module.Status.DRAFT,
            "pledge_href": pledge_call.href(module=module),
        },
        status=status,
    )


@login_required
@require_POST
def enrol(request, slug: str):
    module = selectors.module_get(user=request.user, slug=slug)
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    form = _enrol_form(request, module, enrolment, request.POST)
    if form is None:
        messages.info(
            request,
            _("You are already enrolled in this module.")
            if enrolment
            else _("This module is not open for enrolment."),
        )
        return redirect("learning:module", slug=module.slug)
    if form.is_valid():
        enrolment = call_service(
            form,
            services.enrol,
            member=request.user,
            module=module,
            cohort=form.chosen_cohort(),
        )
        if enrolment is not None:
            messages.success(
                request, _("You are enrolled in “%(module)s”.") % {"module": module.title}
            )
            return redirect("learning:module", slug=module.slug)
    return _render_module(request, module, enrolment, form, status=400)


def _neighbours(lessons: list, lesson) -> tuple:
    """The lesson's number (from 1), and the lessons before and after it."""
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    previous = lessons[index - 1] if index > 0 else None
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    return index + 1, previous, following


@login_required
def lesson_detail(request, slug: str, lesson_slug: str):
    module = selectors.module_get(user=request.user, slug=slug)
    lesson = selectors.lesson_get(module=module, slug=lesson_slug)
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    if enrolment is None and not can_preview(request.user):
        messages.info(
            request, _("Enrol in “%(module)s” to open its lessons.") % {"module": module.title}
        )
        return redirect("learning:module", slug=module.slug)
    if enrolment is not None and module.status != module.Status.DRAFT:
        try:
            services.lesson_open(member=request.user, lesson=lesson)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("learning:module", slug=module.slug)
        enrolment.refresh_from_db(fields=["last_lesson"])
    progress = selectors.progress_of(enrolment=enrolment, module=module)
    number, previous, following = _neighbours(progress.lessons, lesson)
    return render(
        request,
        "learning/lesson.jinja",
        {
            "module": module,
            "lesson": lesson,
            "number": number,
            "enrolment": enrolment,
            "progress": progress,
            "previous": previous,
            "next": following,
            "window_problem": services.cohort_window_problem(
                enrolment.cohort if enrolment else None
            ),
            "pledge_href": pledge_call.href(module=module),
            "case_studies": selectors.lesson_case_studies(lesson=lesson, user=request.user),
        },
    )


@login_required
@require_POST
def lesson_complete(request, slug: str, lesson_slug: str):
    module = selectors.module_get(user=request.user, slug=slug)
    lesson = selectors.lesson_get(module=module, slug=lesson_slug)
    try:
        services.lesson_complete(member=request.user, lesson=lesson)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        if selectors.enrolment_of(user=request.user, module=module) is None:
            return redirect("learning:module", slug=module.slug)
        return redirect("learning:lesson", slug=module.slug, lesson_slug=lesson.slug)
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    if enrolment.completed_at is not None:
        messages.success(
            request,
            _("You completed “%(module)s”. Your certificate is ready.") % {"module": module.title},
        )
        return redirect("learning:module", slug=module.slug)
    _number, _previous, following = _neighbours(list(module.ordered_lessons), lesson)
    if following is not None:
        return redirect("learning:lesson", slug=module.slug, lesson_slug=following.slug)
    if module.has_quiz:
        return redirect("learning:quiz", slug=module.slug)
    return redirect("learning:module", slug=module.slug)


@login_required
def quiz(request, slug: str):
    module = selectors.module_get(user=request.user, slug=slug)
    if not module.has_quiz:
        messages.info(request, _("This module has no quiz."))
        return redirect("learning:module", slug=module.slug)
    enrolment = selectors.enrolment_of(user=request.user, module=module)
    if enrolment is None:
        messages.info(
            request, _("Enrol in “%(module)s” to take its quiz.") % {"module": module.title}
        )
        return redirect("learning:module", slug=module.slug)
    questions = selectors.quiz_questions(module=module)
    form = QuizForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        attempt = call_service(
            form, services.quiz_submit, member=request.user, module=module, answers=form.answers()
        )
        if attempt is not None:
            return redirect("learning:attempt", pk=attempt.pk)
    return render(
        request,
        "learning/quiz.jinja",
        {
            "module": module,
            "form": form,
            "attempts": selectors.attempts_of(enrolment=enrolment),
            "window_problem": services.cohort_window_problem(enrolment.cohort),
        },
        status=400 if form.errors else 200,
    )


@login_required
def attempt_detail(request, pk: int):
    attempt = selectors.attempt_get(user=request.user, pk=pk)
    module = attempt.enrolment.module
    return render(
        request,
        "learning/attempt.jinja",
        {
            "attempt": attempt,
            "module": module,
            "completed": attempt.enrolment.completed_at is not None,
        },
    )


@login_required
def my_learning(request):
    enrolments = selectors.my_enrolments(user=request.user)
    for enrolment in enrolments:
        enrolment.status = selectors.status_of(enrolment)
        enrolment.percent = selectors.percent_of(enrolment)
    return render(
        request,
        "learning/my_learning.jinja",
        {"enrolments": enrolments, "status_labels": selectors.STATUS_LABELS},
    )


@login_required
def certificate_detail(request, pk: int):
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    return render(request, "learning/certificate.jinja", {"certificate": certificate})


@never_cache
@login_required
def certificate_pdf(request, pk: int):
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    if certificate.is_revoked:
        messages.error(request, _("This certificate was revoked, so it cannot be downloaded."))
        return redirect("learning:certificate", pk=certificate.pk)
    response = HttpResponse(
        render_certificate_pdf(certificate=certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="radicals-certificate-{certificate.display_code}.pdf"'
    )
    return response


def verify(request):
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("learning:verify_code", code=form.cleaned_data["code"])
    return render(
        request, "learning/verify.jinja", {"form": form}, status=400 if form.errors else 200
    )


@rate_limited("certificate_lookup", methods={"GET", "HEAD"})
def verify_code(request, code: str):
    result = selectors.certificate_verify(code=code)
    holder = None
    if result.certificate is not None:
        holder = selectors.holder_name(certificate=result.certificate, viewer=request.user)
    return render(
        request,
        "learning/verify_result.jinja",
        {"result": result, "code": code, "holder": holder, "form": VerifyForm()},
        status=200 if result.certificate is not None else 404,
    )


def _community_for_organiser(request, slug: str):
    community = selectors.community_get(slug=slug)
    if not can_see_community_progress(request.user, community):
        raise PermissionDenied(_("Only this community's organisers can see its members' learning."))
    return community


@login_required
def community_progress(request, slug: str):
    community = _community_for_organiser(request, slug)
    page = Paginator(selectors.community_progress(community=community), 50).get_page(
        request.GET.get("page")
    )
    for enrolment in page.object_list:
        enrolment.status = selectors.status_of(enrolment)
        enrolment.percent = selectors.percent_of(enrolment)
    return render(
        request,
        "learning/community_progress.jinja",
        {
            "community": community,
            "summary": selectors.community_progress_summary(community=community),
            "members_count": selectors.community_members_count(community=community),
            "page": page,
            "status_labels": selectors.STATUS_LABELS,
        },
    )


def _csv_safe(value) -> str:
    """Stop a spreadsheet reading a member's text as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@never_cache
@login_required
def community_progress_csv(request, slug: str):
    community = _community_for_organiser(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="learning-progress-{community.slug}-{timezone.localdate()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Member"),
            _("Organisation"),
            _("Module"),
            _("Wave"),
            _("Status"),
            _("Lessons done"),
            _("Lessons"),
            _("Best quiz score (%)"),
            _("Enrolled on"),
            _("Last activity"),
            _("Completed on"),
        ]
    )
    own_pace = _("Own pace")
    for enrolment in selectors.community_progress(community=community).iterator(chunk_size=500):
        member = enrolment.member
        writer.writerow(
            [
                _csv_safe(member.name_for(request.user)),
                _csv_safe(member.organisation.name if member.organisation_id else ""),
                _csv_safe(enrolment.module.title),
                _csv_safe(enrolment.cohort.name if enrolment.cohort_id else own_pace),
                str(selectors.STATUS_LABELS[selectors.status_of(enrolment)]),
                enrolment.lessons_done,
                enrolment.lessons_total,
                "" if enrolment.best_score is None else enrolment.best_score,
                timezone.localdate(enrolment.enrolled_at).isoformat(),
                timezone.localdate(enrolment.last_activity_at).isoformat(),
                timezone.localdate(enrolment.completed_at).isoformat()
                if enrolment.completed_at
                else "",
            ]
        )
    return response
