"""Authoring modules (lessons, quiz questions and their answers, waves) and running
enrolments and certificates from the Django admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from learning import services
from learning.forms import RevokeForm
from learning.models import (
    Certificate,
    Choice,
    Cohort,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    QuizAttempt,
)


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    fields = [("position", "estimated_minutes"), ("title", "slug"), "body", "case_studies"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["case_studies"]
    ordering = ["position", "pk"]
    show_change_link = True


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "text"]
    ordering = ["position", "pk"]
    show_change_link = True
    verbose_name_plural = _("quiz questions (open a question to write its answers and explanation)")


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0
    fields = ["name", "starts_on", "ends_on"]


class ModuleAdminForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = [
            "title",
            "slug",
            "status",
            "summary",
            "learning_outcomes",
            "estimated_minutes",
            "quiz_pass_mark",
            "campaign",
            "theme",
            "pledge_call",
        ]

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and cleaned.get("status") == Module.Status.PUBLISHED
            and self.instance.status != Module.Status.PUBLISHED
        ):
            problems = services.module_problems(module=self.instance)
            if problems:
                raise ValidationError(
                    [gettext("This module cannot be published yet."), *problems], code="not_ready"
                )
        elif not self.instance.pk and cleaned.get("status") == Module.Status.PUBLISHED:
            raise ValidationError(
                gettext("Save the module as a draft with its lessons first, then publish it.")
            )
        return cleaned


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    form = ModuleAdminForm
    list_display = ["title", "status", "estimated_minutes", "preview_link", "updated_at"]
    list_filter = ["status", "campaign", "theme"]
    search_fields = ["title", "summary", "lessons__title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "created_at", "updated_at"]
    autocomplete_fields = ["campaign", "theme"]
    list_select_related = ["campaign", "theme"]
    inlines = [LessonInline, QuestionInline, CohortInline]
    actions = ["publish", "archive"]
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "summary", "learning_outcomes")}),
        (_("Time and quiz"), {"fields": ("estimated_minutes", "quiz_pass_mark")}),
        (_("Closing call to pledge"), {"fields": ("pledge_call", "campaign", "theme")}),
        (_("Dates"), {"fields": ("published_at", "created_at", "updated_at")}),
    )

    @admin.display(description=_("Preview"))
    def preview_link(self, module: Module) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("learning:module", args=[module.slug]),
            gettext("Preview"),
        )

    @admin.action(description=_("Publish the selected modules"))
    def publish(self, request, queryset):
        for module in queryset:
            try:
                services.module_publish(module=module, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                problems = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(
                    request,
                    gettext("%(module)s: %(problems)s") % {"module": module, "problems": problems},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("%(module)s is published.") % {"module": module},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Archive the selected modules"))
    def archive(self, request, queryset):
        for module in queryset:
            services.module_archive(module=module, actor=request.user)
        self.message_user(request, gettext("The selected modules are archived."), messages.SUCCESS)


class ChoiceInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(kept) < 2:
            raise ValidationError(gettext("Give at least two answers to choose from."))
        if not any(data.get("is_correct") for data in kept):
            raise ValidationError(gettext("Mark at least one answer as right."))


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    extra = 3
    fields = ["position", "text", "is_correct"]
    ordering = ["position", "pk"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "module", "position"]
    list_filter = ["module"]
    search_fields = ["text", "module__title"]
    list_select_related = ["module"]
    autocomplete_fields = ["module"]
    inlines = [ChoiceInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "module", "position", "preview_link"]
    list_filter = ["module"]
    search_fields = ["title", "body", "module__title"]
    list_select_related = ["module"]
    autocomplete_fields = ["module", "case_studies"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description=_("Preview"))
    def preview_link(self, lesson: Lesson) -> str:
        return format_html('<a href="{}">{}</a>', lesson.get_absolute_url(), gettext("Preview"))


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "module", "starts_on", "ends_on"]
    list_filter = ["module"]
    search_fields = ["name", "module__title"]
    list_select_related = ["module"]
    autocomplete_fields = ["module"]
    date_hierarchy = "starts_on"


class LessonProgressInline(admin.TabularInline):
    model = LessonProgress
    extra = 0
    fields = ["lesson", "opened_at", "completed_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["member", "module", "cohort", "enrolled_at", "last_activity_at", "completed_at"]
    list_filter = ["module", "cohort", ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__email", "member__display_name", "module__title"]
    list_select_related = ["member", "module", "cohort"]
    readonly_fields = [
        "member",
        "module",
        "cohort",
        "enrolled_at",
        "last_activity_at",
        "last_lesson",
        "completed_at",
    ]
    inlines = [LessonProgressInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "submitted_at", "score", "passed"]
    list_filter = ["passed", "enrolment__module"]
    search_fields = ["enrolment__member__email", "enrolment__module__title"]
    list_select_related = ["enrolment__member", "enrolment__module"]
    readonly_fields = [
        "enrolment",
        "submitted_at",
        "question_count",
        "correct_count",
        "score",
        "pass_mark",
        "passed",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["display_code", "member", "module_title", "completed_on", "revoked_at"]
    list_filter = ["module", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "member__email", "member__display_name", "module_title"]
    list_select_related = ["member"]
    readonly_fields = [
        "display_code",
        "member",
        "module",
        "module_title",
        "enrolment",
        "issued_at",
        "completed_on",
        "minutes",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
    ]
    exclude = ["lookup", "code"]
    actions = ["revoke"]

    def get_search_results(self, request, queryset, search_term):
        from learning import codes

        normalised = codes.normalise(search_term)
        if normalised:
            return queryset.filter(code=normalised), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Code"))
    def display_code(self, certificate: Certificate) -> str:
        return certificate.display_code

    @admin.action(description=_("Revoke the selected certificates"))
    def revoke(self, request, queryset):
        """Asks for a reason first; the reason is kept on each certificate."""
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            count = 0
            for certificate in queryset:
                if certificate.revoked_at is None:
                    services.certificate_revoke(
                        certificate=certificate,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    self.log_change(
                        request,
                        certificate,
                        gettext("Revoked: %(reason)s") % {"reason": form.cleaned_data["reason"]},
                    )
                    count += 1
            self.message_user(
                request,
                ngettext("Revoked %(count)s certificate.", "Revoked %(count)s certificates.", count)
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/learning/certificate/revoke.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Revoke certificates"),
                "explanation": gettext(
                    "A revoked certificate shows as revoked to anyone who checks its code, and "
                    "its holder can no longer download it. This cannot be undone here."
                ),
                "already_revoked": gettext("(already revoked)"),
                "submit_label": gettext("Revoke"),
                "cancel_label": gettext("Cancel"),
                "certificates": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )
