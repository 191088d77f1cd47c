"""Admin for the reports app. Rollups, the network tables and badges are written by the
jobs, so they are read-only here; admins can recount from the rollup list."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyAdmin, RecordAdmin
from reports import follow_ups, rollups
from reports.models import (
    Attribution,
    Badge,
    BadgeSetting,
    DailyRollup,
    EmbedArrival,
    EmbedOrigin,
    Export,
    Invite,
    InviteEmail,
    LoneWolf,
    Mobiliser,
    NetworkMonth,
    NetworkStat,
    ReportSubscription,
    RollupDirtyDay,
    RollupFollowUp,
    ScopeTotal,
    SpcBaseline,
)

# The metrics the rollup lists show, of a day's row and of a scope's total.
LISTED_METRICS = [
    "pledges_made",
    "co_signs",
    "people_done",
    "check_ins",
    "stories_published",
    "module_completions",
    "new_members",
]


@admin.register(ScopeTotal)
class ScopeTotalAdmin(ReadOnlyAdmin):
    """Each scope's all-time totals, kept by the recount: read-only, and mended by
    recounting everything from the rollup list."""

    list_display = ["scope", "scope_id", *LISTED_METRICS]
    list_filter = ["scope"]
    search_fields = ["scope_id"]


@admin.register(DailyRollup)
class DailyRollupAdmin(RecordAdmin):
    list_display = ["day", "scope", "scope_id", *LISTED_METRICS]
    list_filter = ["scope", "day"]
    search_fields = ["scope_id"]
    date_hierarchy = "day"
    actions = ["recount_everything"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Recount every day now (the nightly full recount)"))
    def recount_everything(self, request, queryset):
        rollups.rollups_full()
        follow_ups.follow_ups_full()
        messages.success(
            request, gettext("Every day has been recounted, and every badge and network.")
        )


@admin.register(RollupDirtyDay)
class RollupDirtyDayAdmin(RecordAdmin):
    list_display = ["day", "created_at"]
    list_filter = ["day"]
    search_fields = ["day"]


@admin.register(RollupFollowUp)
class RollupFollowUpAdmin(RecordAdmin):
    list_display = ["day", "job", "created_at"]
    list_filter = ["job", "day"]
    search_fields = ["day"]


@admin.register(Invite)
class InviteAdmin(RecordAdmin):
    list_display = ["member", "token", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["member__email", "member__display_name", "token"]
    list_select_related = ["member"]


@admin.register(InviteEmail)
class InviteEmailAdmin(RecordAdmin):
    list_display = ["inviter", "email", "sent_at", "email_status", "emailed_at"]
    list_filter = ["email_status", "sent_at"]
    search_fields = ["inviter__email", "email"]
    list_select_related = ["inviter"]


@admin.register(Attribution)
class AttributionAdmin(RecordAdmin):
    list_display = ["inviter", "invitee", "kind", "via", "community", "campaign", "created_at"]
    list_filter = ["kind", "via", "created_at"]
    search_fields = ["inviter__email", "invitee__email", "community__name"]
    list_select_related = ["inviter", "invitee", "community", "campaign"]
    raw_id_fields = ["inviter", "invitee", "membership", "signature"]


@admin.register(NetworkStat)
class NetworkStatAdmin(RecordAdmin):
    list_display = [
        "scope",
        "scope_id",
        "members",
        "events",
        "top_size",
        "top_events",
        "top_percent",
        "computed_at",
    ]
    list_filter = ["scope"]
    search_fields = ["scope_id"]


@admin.register(NetworkMonth)
class NetworkMonthAdmin(RecordAdmin):
    list_display = ["scope", "scope_id", "month", "events", "attributed_events", "top_events"]
    list_filter = ["scope", "month"]
    search_fields = ["scope_id"]


@admin.register(Mobiliser)
class MobiliserAdmin(RecordAdmin):
    list_display = ["rank", "member", "scope", "scope_id", "events", "recruits", "is_top"]
    list_filter = ["scope", "is_top"]
    search_fields = ["member__email", "member__display_name"]
    list_select_related = ["member"]


@admin.register(LoneWolf)
class LoneWolfAdmin(RecordAdmin):
    list_display = ["member", "scope", "scope_id", "pledges", "first_pledged_at"]
    list_filter = ["scope"]
    search_fields = ["member__email", "member__display_name"]
    list_select_related = ["member"]


@admin.register(Badge)
class BadgeAdmin(RecordAdmin):
    list_display = ["member", "kind", "awarded_at"]
    list_filter = ["kind", "awarded_at"]
    search_fields = ["member__email", "member__display_name"]
    list_select_related = ["member"]


@admin.register(BadgeSetting)
class BadgeSettingAdmin(RecordAdmin):
    list_display = ["member", "hide_badges", "updated_at"]
    list_filter = ["hide_badges"]
    search_fields = ["member__email"]
    list_select_related = ["member"]


@admin.register(Export)
class ExportAdmin(RecordAdmin):
    list_display = [
        "requested_by",
        "dataset",
        "format",
        "community",
        "campaign",
        "include_personal",
        "status",
        "rows_total",
        "created_at",
    ]
    list_filter = ["dataset", "format", "status", "include_personal", "created_at"]
    search_fields = ["requested_by__email", "community__name"]
    list_select_related = ["requested_by", "community", "campaign"]


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "frequency", "community", "last_period", "last_sent_at"]
    list_filter = ["frequency", "last_sent_at"]
    search_fields = ["member__email", "community__name"]
    list_select_related = ["member", "community"]
    raw_id_fields = ["member", "community"]


class SpcBaselineAdminForm(forms.ModelForm):
    class Meta:
        model = SpcBaseline
        fields = ["scope", "scope_id", "measure", "starts_on", "reason"]

    def clean(self):
        from reports.spc_services import check_baseline

        cleaned = super().clean()
        if not self.errors:
            check_baseline(
                scope=cleaned["scope"],
                scope_id=cleaned["scope_id"],
                measure=cleaned["measure"],
                starts_on=cleaned["starts_on"],
            )
        return cleaned


@admin.register(SpcBaseline)
class SpcBaselineAdmin(admin.ModelAdmin):
    """Re-base dates of SPC charts. Checked and added through the same service as the
    dashboards' form, so the same date rules apply."""

    form = SpcBaselineAdminForm
    list_display = ["scope", "scope_id", "measure", "starts_on", "reason", "created_by"]
    list_filter = ["scope", "measure"]
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        from reports.spc_services import spc_baseline_add

        saved = spc_baseline_add(
            actor=request.user,
            scope=obj.scope,
            scope_id=obj.scope_id,
            measure=obj.measure,
            starts_on=obj.starts_on,
            reason=obj.reason,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        from reports.spc_services import spc_baseline_remove

        spc_baseline_remove(actor=request.user, baseline=obj)


@admin.register(EmbedOrigin)
class EmbedOriginAdmin(admin.ModelAdmin):
    """Sites (trust intranets) allowed to frame the embed cards of pledges and campaigns."""

    list_display = ["origin", "name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["origin", "name"]


@admin.register(EmbedArrival)
class EmbedArrivalAdmin(RecordAdmin):
    list_display = ["day", "host", "kind", "pledge", "campaign", "count"]
    list_filter = ["kind"]
    search_fields = ["host"]
    raw_id_fields = ["pledge", "campaign"]
