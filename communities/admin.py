"""Django admin for communities. Changes of role, membership and moderation go through the
product's pages (so they are checked and audited); the admin shows them and can approve
requested communities. The audit log is read-only here as everywhere."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from communities import services
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from kernel import caching
from kernel.admin import ReadOnlyAdmin


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "joining_policy", "member_count", "organisation", "region"]
    list_filter = ["status", "joining_policy", "region"]
    search_fields = ["name", "slug", "description", "organisation__name"]
    list_select_related = ["organisation", "region"]
    autocomplete_fields = ["organisation", "region"]
    readonly_fields = ["status", "requested_by", "member_count", "created_at"]
    actions = ["approve_requested"]

    def has_add_permission(self, request):
        # Created on the communities pages, so it gets its first organiser and an audit entry.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead: the audit log keeps pointing at the community

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        caching.changed(caching.community(obj.pk))

    @admin.action(description=gettext_lazy("Approve the selected requested communities"))
    def approve_requested(self, request, queryset):
        approved = 0
        for community in queryset.filter(status=Community.Status.REQUESTED):
            try:
                services.community_decide(community=community, actor=request.user, approve=True)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                approved += 1
        self.message_user(
            request,
            ngettext("Approved %(count)s community.", "Approved %(count)s communities.", approved)
            % {"count": approved},
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "community", "role", "status", "banned_until", "joined_at"]
    list_filter = ["role", "status", "community"]
    search_fields = ["member__email", "member__display_name", "community__name"]
    list_select_related = ["member", "community"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "community",
        "note",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "use_count",
    ]
    list_filter = ["community"]
    search_fields = ["community__name", "note"]
    list_select_related = ["community", "created_by"]
    exclude = ["token"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["target_type", "target_id", "community", "reporter", "status", "created_at"]
    list_filter = ["status", "target_type", "community"]
    search_fields = ["reason", "reporter__email", "reporter__display_name"]
    list_select_related = ["target_type", "community", "reporter"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "community", "target_label", "reason"]
    list_filter = ["action", "community", "created_at"]
    search_fields = ["target_label", "reason", "actor__email", "actor__display_name"]
    list_select_related = ["actor", "community"]
    date_hierarchy = "created_at"
