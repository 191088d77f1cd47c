"""The wall's FilterSet builds its form class once (pledges.filters.PledgeFilter.
get_form_class); each request's form still validates its own query string, on fields
of its own, in the language it is served in."""

import pytest
from django.utils import translation

from pledges.filters import PledgeFilter
from pledges.models import Pledge

pytestmark = pytest.mark.django_db


def _filterset(data) -> PledgeFilter:
    return PledgeFilter(data, queryset=Pledge.objects.all())


def test_every_request_shares_one_form_class():
    assert _filterset({}).get_form_class() is _filterset({"status": "active"}).get_form_class()


def test_each_form_validates_its_own_query_string_on_fields_of_its_own():
    too_long = _filterset({"q": "x" * 600, "status": "nonsense"})
    fine = _filterset({"q": "stairs", "status": "active"})

    assert set(too_long.errors) == {"q", "status"}
    assert not fine.errors
    assert fine.form.cleaned_data["status"] == "active"
    assert too_long.form.fields["status"] is not fine.form.fields["status"]


def test_the_shared_form_speaks_the_language_of_each_request():
    with translation.override("en"):
        english = _filterset({"status": "nonsense"}).errors["status"][0]
        english_empty = str(dict(_filterset({}).form.fields["language"].choices)[""])
    with translation.override("cy"):
        welsh = _filterset({"status": "nonsense"}).errors["status"][0]
        welsh_empty = str(dict(_filterset({}).form.fields["language"].choices)[""])

    assert english.startswith("Select a valid choice")
    assert welsh != english
    assert str(english_empty) == "Any language"
    assert str(welsh_empty) != str(english_empty)


def test_each_filterset_works_on_filters_of_its_own_that_call_it():
    first, second = _filterset({"q": "stairs"}), _filterset({"campaign": "none-such"})

    for name, declared in PledgeFilter.base_filters.items():
        assert first.filters[name] is not declared
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].model is Pledge
        assert not hasattr(declared, "parent")  # the declared ones are never a request's
        assert first.filters[name].extra is declared.extra  # what it holds is not copied
        if declared.method is not None:
            assert first.filters[name].filter.f is first.filters[name]
    # A filter's method is its own FilterSet's: an unknown campaign reads nothing.
    assert not second.qs.exists()
    assert first.qs.query is not second.qs.query
