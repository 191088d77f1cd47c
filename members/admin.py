from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kernel.admin import ReadOnlyAdmin
from members import services
from members.models import PROFILE_FIELDS, DataExport, ErasureRecord, Organisation, Region, User
from members.validators import validate_display_name


class DisplayNameCheckMixin:
    """The admin refuses the names the profile form and the API refuse: a line break in
    a name would break the header of every email that quotes it."""

    def clean_display_name(self) -> str:
        name = (self.cleaned_data.get("display_name") or "").strip()
        validate_display_name(name)
        return name


class UserCreationForm(DisplayNameCheckMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserChangeForm(DisplayNameCheckMixin, BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "organisation",
        "region",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "region", "organisation__kind"]
    search_fields = ["email", "display_name", "job_role", "organisation__name"]
    list_select_related = ["organisation", "region"]
    autocomplete_fields = ["organisation", "region"]
    readonly_fields = ["last_login", "date_joined", "erased_at"]
    actions = ["erase_accounts"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": PROFILE_FIELDS},
        ),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "erased_at")}),
    )

    @admin.action(description=_("Erase the selected accounts (keeps their pledges, anonymous)"))
    def erase_accounts(self, request, queryset):
        erased = 0
        for member in queryset:
            if not member.is_erased:
                services.account_erase(member=member)
                erased += 1
        self.message_user(
            request,
            ngettext("%(count)s account erased.", "%(count)s accounts erased.", erased)
            % {"count": erased},
        )

    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    list_display = ["user_id", "erased_at"]
    list_filter = ["erased_at"]
    search_fields = ["=user_id"]
    date_hierarchy = "erased_at"


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["member_id", "status", "created_at", "expires_at", "emailed_at", "size_bytes"]
    list_filter = ["status", "created_at"]
    search_fields = ["=member__id"]
    fields = readonly_fields = [
        "member",
        "status",
        "created_at",
        "finished_at",
        "expires_at",
        "emailed_at",
        "size_bytes",
        "error",
    ]
