"""Dates as pages write them (kernel.formats.date): the common "j F Y" is written
without Django's format parser, and must read exactly as dateformat writes it, in
every language the site speaks."""

import datetime

import pytest
from django.conf import settings
from django.utils import dateformat, timezone, translation

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
