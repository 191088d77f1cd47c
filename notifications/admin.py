from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Digest, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-mostly: the outbox is written by notify() and the workers. An admin can
    put a failed or skipped email back in the outbox."""

    list_display = [
        "title",
        "recipient",
        "kind",
        "email_status",
        "created_at",
        "send_after",
        "emailed_at",
        "email_attempts",
        "read_at",
    ]
    list_filter = ["kind", "email_status", "created_at"]
    search_fields = ["recipient__email", "recipient__display_name", "title", "idempotency_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [
        "recipient",
        "kind",
        "idempotency_key",
        "subject_type",
        "subject_id",
        "title",
        "body",
        "url",
        "data",
        "created_at",
        "send_after",
        "email_status",
        "emailed_at",
        "email_attempts",
        "last_error",
        "digest",
        "read_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the email again"))
    def resend(self, request, queryset):
        count = 0
        for notification in queryset:
            if notification.email_status in (
                Notification.EmailStatus.FAILED,
                Notification.EmailStatus.SKIPPED,
            ):
                services.notification_resend(notification=notification, actor=request.user)
                count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)s email put back in the outbox.",
                "%(count)s emails put back in the outbox.",
                count,
            )
            % {"count": count},
            level=messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["recipient", "day", "sent_at", "item_count", "attempts"]
    list_filter = ["day"]
    search_fields = ["recipient__email", "recipient__display_name"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "day", "sent_at", "item_count", "attempts", "last_error"]

    def has_add_permission(self, request) -> bool:
        return False
