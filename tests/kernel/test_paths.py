"""A list's links to its rows' pages (kernel.paths) are the paths reverse() writes, for
every key, URL configuration and script prefix."""

import pytest
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    path,
    re_path,
    reverse,
    set_script_prefix,
)

from kernel import paths
from pledges.models import Pledge


@pytest.mark.parametrize("key", [1, 7, 42, 10**6, 2**63 - 1])
def test_a_path_is_reverses(key):
    assert paths.path_for("pledges:detail", key) == reverse("pledges:detail", args=[key])


def test_a_pledges_page_is_linked_as_reverse_writes_it():
    pledge = Pledge(pk=123)
    assert pledge.get_absolute_url() == reverse("pledges:detail", args=[123]) == "/pledges/123/"


def test_the_script_prefix_is_followed():
    set_script_prefix("/radicals/")
    try:
        assert paths.path_for("pledges:detail", 5) == "/radicals/pledges/5/"
        assert paths.path_for("pledges:detail", 5) == reverse("pledges:detail", args=[5])
    finally:
        clear_script_prefix()
    assert paths.path_for("pledges:detail", 5) == "/pledges/5/"


def _page(request, pk):
    raise AssertionError("never served")


urlpatterns = [
    path("elsewhere/<int:pk>/page/", _page, name="numbered"),
    path("named/<slug:slug>/", _page, name="named"),
    re_path(r"^letters/(?P<code>[a-z]+)/$", _page, name="letters"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_another_url_configuration_is_followed():
    assert paths.path_for("numbered", 9) == "/elsewhere/9/page/"
    assert paths.path_for("named", 3) == reverse("named", args=[3])


@override_settings(ROOT_URLCONF=__name__)
def test_a_path_that_takes_no_whole_number_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        reverse("letters", args=[3])
    with pytest.raises(NoReverseMatch):
        paths.path_for("letters", 3)
