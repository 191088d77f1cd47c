"""The wall's filters, sorts and search: one FilterSet for the web page and the API list.

Filters take slugs: each chosen filter reads its id by slug first (one small query), so an
unknown slug costs nothing and a known one is a plain column test. The search
is applied when a page is read (`PledgeFilter.page`), which chooses how the full-text
index answers it; `qs` is the filtered, sorted wall before the search.
"""

from __future__ import annotations

import copy

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from kernel import written
from members.models import Organisation, Region
from pledges import selectors
from pledges.models import Campaign, Pledge, Theme


def _id_of(model, slug: str) -> int | None:
    """The id behind a filter's slug, read on its own: a slug matched through a join
    lets PostgreSQL walk the whole wall looking for a campaign or theme that does not
    exist, while an id it knows is a plain column test (or no rows at all)."""
    return model.objects.filter(slug=slug).values_list("pk", flat=True).first()


class PledgeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search pledges"), method="filter_search", max_length=selectors.SEARCH_MAX_LENGTH
    )
    campaign = django_filters.CharFilter(
        label=_("Campaign"), method="filter_campaign", max_length=120
    )
    community = django_filters.CharFilter(
        label=_("Community"), method="filter_community", max_length=120
    )
    theme = django_filters.CharFilter(label=_("Theme"), method="filter_theme", max_length=80)
    status = django_filters.ChoiceFilter(
        choices=Pledge.Status.choices,
        label=_("Status"),
        empty_label=_("Any status (except withdrawn)"),
    )
    organisation = django_filters.CharFilter(
        label=_("Organisation"), method="filter_organisation", max_length=200
    )
    region = django_filters.CharFilter(label=_("Region"), method="filter_region", max_length=100)
    language = django_filters.ChoiceFilter(
        choices=written.choices,
        label=_("Written in"),
        empty_label=_("Any language"),
    )
    author = django_filters.NumberFilter(field_name="author_id", label=_("Author (member id)"))
    sort = django_filters.ChoiceFilter(
        choices=selectors.Sort.CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Pledge
        fields: list[str] = []

    def get_form_class(self):
        """The form class, built from the filters' fields once for the class rather than
        on every request (django-filter builds a new class each time): its fields are
        the same for every request, their words translated as each form draws them, and
        each form works on copies of them (Django's `BaseForm` copies `base_fields`)."""
        built = type(self).__dict__.get("_built_form_class")
        if built is None:
            built = super().get_form_class()
            type(self)._built_form_class = built
        return built

    def filter_search(self, queryset, name, value):
        # Applied by `page`, which reads the full-text index in the cheapest way.
        return queryset

    def filter_campaign(self, queryset, name, value):
        pk = _id_of(Campaign, value)
        return queryset.none() if pk is None else queryset.filter(campaign_id=pk)

    def filter_community(self, queryset, name, value):
        pk = _id_of(Community, value)
        return queryset.none() if pk is None else queryset.filter(community_id=pk)

    def filter_theme(self, queryset, name, value):
        pk = _id_of(Theme, value)
        return queryset.none() if pk is None else queryset.filter(theme_id=pk)

    def filter_organisation(self, queryset, name, value):
        pk = _id_of(Organisation, value)
        return queryset.none() if pk is None else queryset.filter(author__organisation_id=pk)

    def filter_region(self, queryset, name, value):
        """The author's region, or their organisation's when they have not set one."""
        pk = _id_of(Region, value)
        if pk is None:
            return queryset.none()
        return queryset.filter(
            Q(author__region_id=pk)
            | Q(author__region__isnull=True, author__organisation__region_id=pk)
        )

    def filter_sort(self, queryset, name, value):
        # Applied once, last, in filter_queryset.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = getattr(self.form, "cleaned_data", {})
        if not data.get("status"):
            queryset = queryset.exclude(status=Pledge.Status.WITHDRAWN)
        return selectors.apply_sort(queryset, data.get("sort") or selectors.Sort.NEWEST)

    @property
    def search_text(self) -> str:
        data = getattr(self.form, "cleaned_data", {})
        return data.get("q") or ""

    def page(self, *, page: str | int | None, size: int) -> selectors.Page:
        """One page of the filtered wall, searched."""
        return selectors.wall_page(self.qs, page=page, size=size, search=self.search_text)


class _DeclaredFilters(dict):
    """A FilterSet's declared filters, which each request's FilterSet copies before
    setting the two attributes it sets on each (its model and itself as the parent).
    django-filter copies them deeply, and with them every label, choice and lookup they
    hold (3% of a wall page's work). A copy of each filter does, with its own caller of
    its method: what a request changes on a filter is its own attributes, never what
    they hold.
    `tests/pledges/test_filters.py` holds two requests' filters apart."""

    def __deepcopy__(self, memo) -> dict:
        copies = {}
        for name, declared in self.items():
            copies[name] = copied = copy.copy(declared)
            if declared.method is not None:
                copied.method = declared.method  # a caller of the method for the copy
        return copies


PledgeFilter.base_filters = _DeclaredFilters(PledgeFilter.base_filters)
