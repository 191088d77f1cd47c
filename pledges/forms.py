"""Web forms. They parse what people type; the rules live in services.py."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.selectors import member_community_ids
from kernel import written
from pledges import selectors, services
from pledges.models import (
    OUTCOME_MAX_LENGTH,
    THANKS_NOTE_MAX_LENGTH,
    THRESHOLD_MAX,
    Campaign,
    Pledge,
    Theme,
)


def _with_values(message, **values) -> str:
    """A translated message with its placeholders filled in when it is read, in the
    language of the request (form labels are made once, at import)."""
    return lazy(lambda: str(message) % values, str)()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PledgeForm(forms.Form):
    title = forms.CharField(
        label=_("I will …"),
        help_text=_(
            "What you will do, in a sentence. For example: “ask every patient what "
            "matters to them today”."
        ),
        # The service measures the length and says so clearly, so the browser must
        # not cut off what was typed.
        widget=forms.TextInput(attrs={"data-pledge-title": ""}),
        required=False,
    )
    description = forms.CharField(
        label=_("Tell people more (optional)"),
        help_text=_("Why it matters and how you will do it. You can use Markdown."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    language = written.form_field()
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        label=_("Theme"),
        empty_label=_("Choose a theme"),
        error_messages={"required": _("Choose a theme.")},
    )
    due_date = forms.DateField(
        label=_("I will do it by"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the date you will do it by."),
            "invalid": _("Enter the due date as a real date, for example 31/3/2027."),
        },
    )
    threshold = forms.IntegerField(
        label=_("…but only if this many other people will too (optional)"),
        help_text=_with_values(
            _(
                "Leave empty to start at once. With a number, your pledge starts when "
                "that many others sign it (1 to %(max)s)."
            ),
            max=f"{THRESHOLD_MAX:,}",
        ),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-pledge-threshold": ""}),
        error_messages={"invalid": _("Enter the number of other people as a whole number.")},
    )
    threshold_deadline = forms.DateField(
        label=_("Deadline for others to join (optional)"),
        help_text=_(
            "If not enough people have signed by then, the pledge does not go ahead. "
            "Leave empty to use the due date."
        ),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter the deadline as a real date, for example 28/2/2027.")},
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        label=_("Campaign (optional)"),
        required=False,
        empty_label=_("No campaign"),
    )
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(),
        label=_("Community (optional)"),
        required=False,
        empty_label=_("No community"),
        help_text=_("A community you belong to, whose organisers look after the pledge."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see your pledge"),
        choices=Pledge.Visibility.choices,
        initial=Pledge.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who can see your pledge.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = selectors.themes_active()
        self.fields["campaign"].queryset = selectors.campaigns_open()
        self.fields["community"].queryset = Community.objects.filter(
            pk__in=member_community_ids(user)
        ).order_by("name")
        if not self.fields["community"].queryset.exists():
            del self.fields["community"]
            self.fields["visibility"].choices = [
                c for c in Pledge.Visibility.choices if c[0] == Pledge.Visibility.PUBLIC
            ]
            self.fields["visibility"].widget = forms.HiddenInput()

    def clean_title(self) -> str:
        return _clean_title(self.cleaned_data.get("title"))


def _clean_title(value: str | None) -> str:
    """Checked here too, so a missing or over-long title shows with the other errors."""
    errors = services.title_errors(services.clean_title(value))
    if errors:
        raise forms.ValidationError(errors)
    return value or ""


class PledgeEditForm(forms.Form):
    title = PledgeForm.base_fields["title"]
    description = PledgeForm.base_fields["description"]
    language = written.form_field()
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        label=_("Theme"),
        empty_label=_("Choose a theme"),
        error_messages={"required": _("Choose a theme.")},
    )
    due_date = PledgeForm.base_fields["due_date"]

    def clean_title(self) -> str:
        return _clean_title(self.cleaned_data.get("title"))


class CheckInForm(forms.Form):
    note = forms.CharField(
        label=_("How is it going?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"invalid": _("Enter the quantity as a number.")},
    )
    language = written.form_field()

    def __init__(self, *args, unit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["quantity"].label = gettext("How many %(unit)s (optional)") % {"unit": unit}
        else:
            del self.fields["quantity"]


class DoneForm(forms.Form):
    outcome = forms.CharField(
        label=_("What happened?"),
        help_text=_with_values(
            _("One sentence about what you did and what changed (up to %(max)s characters)."),
            max=OUTCOME_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class ThanksForm(forms.Form):
    note = forms.CharField(
        label=_("Add a note (optional)"),
        help_text=_with_values(
            _("A few words to say what it meant to you (up to %(max)s characters)."),
            max=THANKS_NOTE_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
