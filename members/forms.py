from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import PROFILE_FIELDS, User
from members.validators import validate_display_name


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("How other members will see you. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        validate_display_name(name)
        return name

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = list(PROFILE_FIELDS)
        labels = {
            "display_name": _("Your name"),
            "name_visibility": _("Who can see your name"),
            "organisation": _("Organisation"),
            "job_role": _("Job role or profession"),
            "region": _("Region"),
            "bio": _("Short bio"),
            "language": _("Language"),
        }
        help_texts = {
            "organisation": _("The NHS trust or other body you work for."),
            "region": _("Leave empty to use your organisation's region."),
            "bio": _("A few sentences about you and what you want to change."),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "name_visibility": forms.RadioSelect,
        }

    def clean_display_name(self) -> str:
        name = (self.cleaned_data.get("display_name") or "").strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        validate_display_name(name)
        return name


class AccountDeleteForm(forms.Form):
    """Re-enter the password to delete the account (SSO-only accounts type their email)."""

    password = forms.CharField(
        label=_("Your password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        if not member.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your email address"),
                max_length=254,
                help_text=_(
                    "You sign in through your organisation, so type your email address to confirm."
                ),
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            )
