"""The audit log's filters, shared by its web page and its API list."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import AuditEntry, Community
from members.models import User


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterBaseForm(forms.Form):
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must be the same as or after the start date."))
        return data


def _actors(request):
    """People who appear as actors in the log the viewer can read."""
    from communities.selectors import audit_entries_for

    if request is None:
        return User.objects.none()
    return User.objects.filter(
        pk__in=audit_entries_for(request.user).order_by().values("actor_id")
    ).order_by("display_name", "email")


def _communities(request):
    from communities.selectors import moderated_community_ids

    if request is None:
        return Community.objects.none()
    ids = moderated_community_ids(request.user)
    communities = Community.objects.order_by("name")
    return communities if ids is None else communities.filter(pk__in=ids)


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditEntry.Action.choices, empty_label=_("All actions")
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("Done by"), queryset=_actors, empty_label=_("Anyone")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("Community"),
        queryset=_communities,
        to_field_name="slug",
        empty_label=_("All your communities"),
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "community", "since", "until"]
        form = AuditFilterBaseForm
