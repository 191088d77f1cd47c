from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from members.models import Organisation, Region
from pledges.models import Campaign
from reports.models import Export, ReportSubscription
from reports.services import INVITE_MESSAGE_MAX_LENGTH, date_range_errors

DEFAULT_DAYS = 90


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


DATE_ERRORS = {"invalid": _("Enter a real date, for example 2025-03-31.")}


class SlugChoiceField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _("There is no such choice. Pick one from the list."),
    }


class FilterForm(forms.Form):
    """Filters read from the query string; any parameter the form does not know is an
    error, so a mistyped filter is never silently ignored."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    allowed_extra: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        unknown = sorted(set(self.data.keys()) - set(self.fields) - set(self.allowed_extra))
        if unknown:
            raise forms.ValidationError(
                _("These filters are not known: %(names)s. Use the form to choose filters.")
                % {"names": ", ".join(f"“{name[:40]}”" for name in unknown[:5])}
            )
        for name, messages in date_range_errors(
            cleaned.get("date_from"), cleaned.get("date_to")
        ).items():
            for message in messages:
                self.add_error(name, message)
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen dates, or the last 90 days."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or (date_to - datetime.timedelta(days=DEFAULT_DAYS - 1))
        if date_from > date_to:
            date_from = date_to
        return date_from, date_to


class DashboardFilterForm(FilterForm):
    campaign = SlugChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        to_field_name="slug",
        label=_("Campaign"),
        required=False,
        empty_label=_("All campaigns"),
    )
    community = SlugChoiceField(
        queryset=Community.objects.filter(status=Community.Status.ACTIVE).order_by("name"),
        to_field_name="slug",
        label=_("Community"),
        required=False,
        empty_label=_("All communities"),
    )

    organisation = SlugChoiceField(
        queryset=Organisation.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All organisations"),
        label=_("Organisation"),
    )
    region = SlugChoiceField(
        queryset=Region.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All regions"),
        label=_("Region"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("campaign") and cleaned.get("community"):
            self.add_error(
                "community",
                _(
                    "Choose a campaign or a community, not both: the figures are counted for "
                    "each on its own."
                ),
            )
        chosen = [n for n in ("campaign", "community", "organisation", "region") if cleaned.get(n)]
        if len(chosen) > 1 and not (set(chosen) <= {"campaign", "community"}):
            self.add_error(
                chosen[-1],
                _(
                    "Choose one of a campaign, a community, an organisation or a region: "
                    "the figures are counted for each on its own."
                ),
            )
        return cleaned


class NetworkFilterForm(forms.Form):
    campaign = SlugChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        to_field_name="slug",
        label=_("Campaign"),
        required=False,
        empty_label=_("The whole platform"),
    )

    def clean(self):
        cleaned = super().clean()
        unknown = sorted(set(self.data.keys()) - set(self.fields))
        if unknown:
            raise forms.ValidationError(
                _("These filters are not known: %(names)s.")
                % {"names": ", ".join(f"“{n[:40]}”" for n in unknown[:5])}
            )
        return cleaned


class ExportForm(forms.Form):
    dataset = forms.ChoiceField(
        label=_("What to export"), choices=Export.Dataset.choices, widget=forms.RadioSelect
    )
    format = forms.ChoiceField(
        label=_("File format"),
        choices=Export.Format.choices,
        initial=Export.Format.CSV,
        widget=forms.RadioSelect,
    )
    community = SlugChoiceField(
        queryset=Community.objects.none(),
        to_field_name="slug",
        label=_("Community"),
        required=False,
        empty_label=_("Every community"),
    )
    campaign = SlugChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        to_field_name="slug",
        label=_("Campaign"),
        required=False,
        empty_label=_("Every campaign"),
        help_text=_("Members are not part of a campaign, so leave this empty for members."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    def __init__(self, *args, community_ids: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.filter(status=Community.Status.ACTIVE).order_by("name")
        if community_ids is not None:
            # Organisers choose among the communities they run. Any community is still
            # accepted here, so asking for another one gets the service's clear refusal.
            field = self.fields["community"]
            field.queryset = Community.objects.order_by("name")
            field.required = True
            field.help_text = _("You can export the communities you organise.")
            field.choices = [("", _("Choose a community"))] + [
                (c.slug, c.name) for c in communities.filter(pk__in=community_ids)
            ]
        else:
            self.fields["community"].queryset = communities


class InviteEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your colleague's email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    message = forms.CharField(
        label=_("A note from you (optional)"),
        required=False,
        max_length=INVITE_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BadgeSettingForm(forms.Form):
    hide_badges = forms.BooleanField(label=_("Hide my badges from other people"), required=False)


class SubscriptionForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("How often"), choices=ReportSubscription.Frequency.choices, widget=forms.RadioSelect
    )
    community = SlugChoiceField(
        queryset=Community.objects.filter(status=Community.Status.ACTIVE).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("The whole platform"),
        label=_("Summary of"),
    )


class SpcRebaseForm(forms.Form):
    """Re-base an SPC chart: its limits are computed afresh from this date."""

    measure = forms.ChoiceField(label=_("Chart"))
    starts_on = forms.DateField(
        label=_("New limits from"),
        widget=DateInput(),
        error_messages={"invalid": _("Enter a real date, for example 2025-03-31.")},
        help_text=_("For example the day a campaign launched. It must have passed."),
    )
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=200)

    def __init__(self, *args, measures: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("all", _("Every chart")), *measures]
