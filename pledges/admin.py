"""Admin for themes, campaigns, pledges, signatures and check-ins.

Pledges are made, signed and checked in on by members; the admin edits what an
author could edit and makes lifecycle changes through the same services (actions),
so the rules and the counters stay as the services keep them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kernel.admin import RecordAdmin
from pledges import outcomes, services
from pledges.models import (
    Campaign,
    CheckIn,
    CheckInLinkUse,
    CoSignersNoticeDue,
    Pledge,
    Signature,
    Thanks,
    Theme,
)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_cy", "slug", "is_active"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "name_cy", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "target", "unit"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "starts_on"
    # Set when the campaign is made; the admin's split date-time widget has no labels.
    readonly_fields = ["created_at"]


class PledgeAdminForm(forms.ModelForm):
    class Meta:
        model = Pledge
        fields = list(services.EDITABLE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            changes = {name: cleaned.get(name) for name in services.EDITABLE_FIELDS}
            try:
                services.validate_pledge_changes(
                    pledge=Pledge.objects.get(pk=self.instance.pk), changes=changes
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc) from exc
        return cleaned


def _run_on_each(modeladmin, request, queryset, action, done_message) -> None:
    """`done_message(count)`: what to say of the pledges changed."""
    changed, refused = 0, []
    for pledge in queryset:
        try:
            action(pledge)
            changed += 1
        except (ValidationError, PermissionDenied) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"#{pledge.pk}: {message}")
    if changed:
        modeladmin.message_user(request, done_message(changed), messages.SUCCESS)
    for line in refused[:20]:
        modeladmin.message_user(request, line, messages.WARNING)


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    form = PledgeAdminForm
    list_display = [
        "id",
        "title",
        "author",
        "status",
        "moderation_status",
        "theme",
        "campaign",
        "signer_count",
        "done_count",
        "due_date",
        "created_at",
    ]
    list_display_links = ["id", "title"]
    list_filter = [
        "status",
        "moderation_status",
        "visibility",
        "language",
        "theme",
        "campaign",
        ("threshold", admin.EmptyFieldListFilter),
        "due_date",
        "created_at",
    ]
    search_fields = ["title", "description", "author__email", "author__display_name"]
    list_select_related = ["author", "theme", "campaign"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [
        "author",
        "campaign",
        "community",
        "visibility",
        "threshold",
        "threshold_deadline",
        "status",
        "moderation_status",
        "moderation_reason",
        "signer_count",
        "done_count",
        "total_quantity",
        "signatures_link",
        "outcome",
        "created_at",
        "updated_at",
        "activated_at",
        "completed_at",
        "failed_at",
        "withdrawn_at",
    ]
    fieldsets = (
        (_("The pledge"), {"fields": ("title", "description", "language", "theme", "due_date")}),
        (
            _("Where and for whom"),
            {"fields": ("author", "campaign", "community", "visibility")},
        ),
        (
            _("Threshold and lifecycle"),
            {
                "fields": (
                    "threshold",
                    "threshold_deadline",
                    "status",
                    "created_at",
                    "updated_at",
                    "activated_at",
                    "completed_at",
                    "failed_at",
                    "withdrawn_at",
                )
            },
        ),
        (
            _("Counts"),
            {
                "fields": (
                    "signer_count",
                    "done_count",
                    "total_quantity",
                    "signatures_link",
                    "outcome",
                )
            },
        ),
        (_("Moderation"), {"fields": ("moderation_status", "moderation_reason")}),
    )
    actions = ["withdraw", "apply_deadlines", "recount"]

    def has_add_permission(self, request) -> bool:
        # Members make pledges (the author signs first); the admin looks after them.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return [*services.EDITABLE_FIELDS, *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("Signatures"))
    def signatures_link(self, pledge: Pledge) -> str:
        url = reverse("admin:pledges_signature_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>',
            url,
            urlencode({"pledge__id__exact": pledge.pk}),
            ngettext("See the %(num)s signature", "See the %(num)s signatures", pledge.signer_count)
            % {"num": pledge.signer_count},
        )

    @admin.display(description=_("What happened"))
    def outcome(self, pledge: Pledge) -> str:
        # The same outcome the pledge page and the API show, once the pledge is over.
        outcome = outcomes.outcome_of(pledge=pledge, user=None)
        if outcome is None:
            return ""
        return "{} {}".format(
            outcome.headline,
            ngettext(
                "%(done)s of the %(signers)s person who signed",
                "%(done)s of the %(signers)s people who signed",
                outcome.signers,
            )
            % {"done": outcome.done, "signers": outcome.signers},
        )

    def save_model(self, request, obj, form, change) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            services.pledge_update(pledge=obj, actor=request.user, **changes)

    @admin.action(description=_("Withdraw the selected pledges"))
    def withdraw(self, request, queryset) -> None:
        _run_on_each(
            self,
            request,
            queryset,
            lambda pledge: services.pledge_withdraw(pledge=pledge, actor=request.user),
            lambda count: (
                ngettext("%(num)s pledge withdrawn.", "%(num)s pledges withdrawn.", count)
                % {"num": count}
            ),
        )

    @admin.action(description=_("Apply passed deadlines and due dates now"))
    def apply_deadlines(self, request, queryset) -> None:
        _run_on_each(
            self,
            request,
            queryset,
            lambda pledge: services.pledge_apply_deadlines(pledge=pledge),
            lambda count: (
                ngettext("%(num)s pledge checked.", "%(num)s pledges checked.", count)
                % {"num": count}
            ),
        )

    @admin.action(description=_("Recount signers, done and measured totals"))
    def recount(self, request, queryset) -> None:
        with transaction.atomic():
            _run_on_each(
                self,
                request,
                queryset,
                lambda pledge: services.pledge_recount(pledge=pledge),
                lambda count: (
                    ngettext("%(num)s pledge recounted.", "%(num)s pledges recounted.", count)
                    % {"num": count}
                ),
            )


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["pledge", "member", "is_author", "signed_at", "done_at", "last_check_in_at"]
    list_filter = [
        "is_author",
        ("done_at", admin.EmptyFieldListFilter),
        "pledge__status",
        "signed_at",
    ]
    search_fields = ["member__email", "member__display_name", "pledge__title", "outcome"]
    list_select_related = ["pledge", "member"]
    raw_id_fields = ["pledge", "member"]
    show_full_result_count = False

    # Signing, un-signing and marking done go through the services so counts stay right.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CheckInAdminForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["moderation_status", "moderation_reason"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    form = CheckInAdminForm
    list_display = ["pledge", "author", "quantity", "moderation_status", "created_at"]
    list_filter = ["moderation_status", "language", "created_at", "pledge__campaign"]
    search_fields = ["note", "author__email", "author__display_name", "pledge__title"]
    list_select_related = ["pledge", "author"]
    readonly_fields = [
        "pledge",
        "author",
        "note",
        "quantity",
        "language",
        "created_at",
        "moderated_at",
    ]
    fields = [
        "pledge",
        "author",
        "note",
        "quantity",
        "language",
        "created_at",
        "moderation_status",
        "moderation_reason",
        "moderated_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # A check-in shows on no cached page (pledges.caching): nothing to drop for it.
        if "moderation_status" in form.changed_data and obj.quantity:
            # Hidden check-ins do not count toward the measured total.
            services.pledge_recount(pledge=obj.pledge_id)


class ThanksAdminForm(forms.ModelForm):
    class Meta:
        model = Thanks
        fields = ["moderation_status", "moderation_reason"]


@admin.register(Thanks)
class ThanksAdmin(admin.ModelAdmin):
    """Thanks are given by members only; admins read them and moderate the notes."""

    form = ThanksAdminForm
    list_display = ["giver", "recipient", "pledge", "moderation_status", "created_at"]
    list_filter = ["moderation_status", "created_at"]
    search_fields = ["note", "giver__email", "recipient__email", "pledge__title"]
    list_select_related = ["giver", "recipient", "pledge"]
    raw_id_fields = ["check_in", "commitment"]
    readonly_fields = [
        "giver",
        "recipient",
        "pledge",
        "check_in",
        "commitment",
        "note",
        "created_at",
        "moderated_at",
    ]
    fields = [*readonly_fields[:-1], "moderation_status", "moderation_reason", "moderated_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CheckInLinkUse)
class CheckInLinkUseAdmin(RecordAdmin):
    """One-tap check-in links already used: a record, read only."""

    list_display = ["check_in", "used_at"]
    list_select_related = ["check_in", "check_in__author"]
    readonly_fields = ["token_digest", "check_in", "used_at"]
    date_hierarchy = "used_at"


@admin.register(CoSignersNoticeDue)
class CoSignersNoticeDueAdmin(RecordAdmin):
    """Co-signs whose authors have not yet heard of them: the beat sweep takes these
    within a minute, so a long list means the workers or beat are not running."""

    list_display = ["pledge", "day", "created_at"]
    list_select_related = ["pledge"]
    readonly_fields = ["pledge", "day", "created_at"]
    date_hierarchy = "created_at"
