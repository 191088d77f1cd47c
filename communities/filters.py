"""The audit log's filters, shared by its web page and its API list."""

import django_filters
from django import forms

from communities.models import AuditEntry, Community
from members.models import User


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterBaseForm(forms.Form):
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be the same as or after the start date.")
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
        label="Action", choices=AuditEntry.Action.choices, empty_label="All actions"
    )
    actor = django_filters.ModelChoiceFilter(
        label="Done by", queryset=_actors, empty_label="Anyone"
    )
    community = django_filters.ModelChoiceFilter(
        label="Community",
        queryset=_communities,
        to_field_name="slug",
        empty_label="All your communities",
    )
    since = django_filters.DateFilter(
        label="From", field_name="created_at", lookup_expr="date__gte", widget=DateInput
    )
    until = django_filters.DateFilter(
        label="To", field_name="created_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "community", "since", "until"]
        form = AuditFilterBaseForm
