"""What the apps' admin pages share."""

from __future__ import annotations

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """Rows the platform writes for itself: admins look, and may delete, but never add
    or change one by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(RecordAdmin):
    """Rows only the platform writes or removes: admins may look, never add, change or
    delete (an audit trail, say)."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
