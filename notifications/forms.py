from django import forms
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.models import Kind


class PreferencesForm(forms.Form):
    """One radio group per kind: straight away, daily digest, or no email."""

    def __init__(self, *args, initial_preferences: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind.values:
            self.fields[kind] = forms.ChoiceField(
                label=kinds.label_for(kind),
                choices=kinds.DELIVERY_CHOICES,
                widget=forms.RadioSelect,
                initial=initial_preferences[kind],
                error_messages={"required": _("Choose how you want to hear about this.")},
            )

    def groups(self):
        """(heading, bound fields) in the order the page shows them."""
        return [(title, [self[kind] for kind in group]) for title, group in kinds.GROUPS]


class UnsubscribeForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[("token", _("Only what this link names")), ("all", _("All emails from Radicals"))],
        widget=forms.RadioSelect,
        initial="token",
        required=False,
    )
