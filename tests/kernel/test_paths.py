"""The paths pages link to (kernel.paths) are the paths reverse() writes, for every
argument, URL configuration and script prefix, and its errors where it refuses one."""

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
    path("any/<str:word>/and/<int:pk>/", _page, name="worded"),
    path("fixed/", _page, name="fixed"),
    re_path(r"^letters/(?P<code>[a-z]+)/$", _page, name="letters"),
    re_path(r"^dotted/(?P<version>[a-z0-9.]+)/$", _page, name="dotted"),
    re_path(r"^hex/(?P<key>[0-9a-f]+)/$", _page, name="hex"),
]


def _both(name, *args):
    """(reverse()'s answer or error, kernel.paths's answer or error)."""
    answers = []
    for write in (lambda: reverse(name, args=args or None), lambda: paths.path(name, *args)):
        try:
            answers.append(write())
        except NoReverseMatch as error:
            answers.append(type(error))
    return tuple(answers)


ARGUMENTS = [
    7,
    0,
    -3,
    True,
    "walk-a-mile_2",
    "Ward4",
    "cy",
    "a.b~c",
    "two words",
    "über",
    "a/b",
    "",
    "100%",
    "?x=1",
    3.5,
    None,
]


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("name", ["numbered", "named", "letters", "dotted", "hex"])
@pytest.mark.parametrize("argument", ARGUMENTS)
def test_one_argument_is_written_as_reverse_writes_it_or_refused_as_it_refuses(name, argument):
    wrote, found = _both(name, argument)
    assert found == wrote


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("word", ["pledges.pledge", "walk-a-mile", "a b", "x/y", 4])
@pytest.mark.parametrize("key", [12, -1, "12", "twelve"])
def test_two_arguments_are_written_as_reverse_writes_them(word, key):
    wrote, found = _both("worded", word, key)
    assert found == wrote


@override_settings(ROOT_URLCONF=__name__)
def test_a_path_without_arguments_and_a_wrong_number_of_them():
    assert paths.path("fixed") == reverse("fixed") == "/fixed/"
    assert _both("fixed", 3) == (NoReverseMatch, NoReverseMatch)
    assert _both("worded", "only-one") == (NoReverseMatch, NoReverseMatch)
    assert _both("no-such-page") == (NoReverseMatch, NoReverseMatch)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("home", ()),
        ("pledges:wall", ()),
        ("set-language", ("cy",)),
        ("stories:detail", ("night-shift-handover",)),
        ("communities:detail", ("ward-4",)),
        ("communities:flag", ("pledges.pledge", 12)),
        ("members:profile", (5,)),
    ],
)
def test_the_sites_own_paths_are_reverses(name, args):
    assert paths.path(name, *args) == reverse(name, args=args or None)


def test_a_static_files_address_is_statics():
    from django.templatetags.static import static

    assert paths.static_path("css/radicals.css") == static("css/radicals.css")
    set_script_prefix("/radicals/")
    try:
        assert paths.static_path("css/radicals.css") == static("css/radicals.css")
    finally:
        clear_script_prefix()
    with override_settings(STATIC_URL="/elsewhere/"):
        assert paths.static_path("css/radicals.css") == "/elsewhere/css/radicals.css"


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
