"""Dates as pages write them (kernel.formats.date): the common "j F Y" is written
without Django's format parser, and must read exactly as dateformat writes it, in
every language the site speaks. A sentence with its values (kernel.formats.sentence)
writes exactly what Markup's own formatting writes."""

import datetime

import pytest
from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_lazy
from markupsafe import Markup

from kernel import formats
from kernel.formats import date

DAYS = [datetime.date(2027, month, day) for month in range(1, 13) for day in (1, 9, 28)]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_day_reads_as_dateformat_writes_it(language):
    with translation.override(language):
        for day in [*DAYS, datetime.date(999, 3, 4)]:
            assert date(day) == dateformat.format(day, "j F Y")


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_moment_is_dated_where_the_site_is(language, settings):
    settings.TIME_ZONE = "Europe/London"
    late = datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 00:30 on 1 July
    with translation.override(language), timezone.override("Europe/London"):
        assert date(late) == dateformat.format(timezone.localtime(late), "j F Y")
        assert date(late).startswith("1 ")


def test_other_formats_and_nothing():
    day = datetime.date(2027, 2, 3)
    assert date(day, "Y-m-d") == "2027-02-03"
    assert date(None) == ""


NUMBERS = [
    *range(-1001, 1002),
    999_999,
    1_000_000,
    -12_345,
    True,
    1.5,
    "1234",
    "not a number",
    None,
]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_number_is_grouped_as_humanize_groups_it(language):
    from django.contrib.humanize.templatetags import humanize

    from kernel.formats import intcomma

    with translation.override(language):
        for number in NUMBERS:
            assert intcomma(number) == humanize.intcomma(number), number
    assert intcomma(1234) == "1,234"


@pytest.mark.parametrize(
    ("translated", "values"),
    [
        ("By %(name)s, %(organisation)s.", {"name": "Ann <b>", "organisation": "A&E"}),
        ("%(count)s more needed by %(date)s", {"count": 3, "date": "1 May 2027"}),
        ("By %(name)s.", {"name": Markup("<em>Ann</em>")}),
        ("Due by %(date)s.", {"date": gettext_lazy("March")}),
        ("100%% sure, %(name)s", {"name": 'O\'Brien "Bo"'}),
        ("%(count)d done, %(name)s", {"count": 7, "name": "<i>"}),
        ("%(share).1f%% of %(name)s", {"share": 12.345, "name": "<x>"}),
        ("No values at all", {}),
    ],
)
def test_a_sentence_writes_what_markup_formatting_writes(translated, values):
    written = formats.sentence(translated, **values)

    assert written == Markup(translated) % values  # noqa: S704 # nosec B704 - the reference
    assert isinstance(written, Markup)
    # The same HTML as a plain string, for a card that marks its whole markup safe once.
    html = formats.sentence_html(translated, **values)
    assert html == str(written)
    assert type(html) is str


def test_a_sentence_still_refuses_a_value_it_is_not_given():
    with pytest.raises(KeyError):
        formats.sentence("By %(name)s.", organisation="NHS")
