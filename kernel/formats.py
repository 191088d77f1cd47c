"""Dates and plurals as pages and emails write them (Jinja filters, and email text)."""

import re
from functools import lru_cache

from django.contrib.humanize.templatetags import humanize
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from markupsafe import Markup, escape

from kernel import rendering


def date(value, fmt: str = "j F Y") -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    if fmt == "j F Y":
        # What dateformat writes for it ("4 December 2026", the month in the language
        # being written), without parsing the format: cards write two dates each.
        return f"{value.day} {rendering.word(MONTHS[value.month])} {value.year:04d}"
    return dateformat.format(value, fmt)


def intcomma(value) -> str:
    """`humanize.intcomma`: a number with its thousands grouped as the language writes
    them ("1,234"). A whole number under a thousand has nothing to group and is written
    straight: most counts a card shows, where the locale's number formatting cost 4 µs
    a number, three numbers a card."""
    if type(value) is int and -1000 < value < 1000:
        return str(value)
    return humanize.intcomma(value)


def pluralize(count: int, singular: str = "", plural: str = "s") -> str:
    return singular if count == 1 else plural


def day_text(value) -> str:
    """A date as people read it, in the language being written ("31 March 2027")."""
    return date_format(value, "j F Y")


# A sentence whose every value is written as text (`%(name)s`), with `%%` for a percent
# sign and nothing else after a `%`.
_TEXT_VALUES_ONLY = re.compile(r"(?:[^%]|%%|%\([a-z_]+\)s)*")


@lru_cache(maxsize=1024)
def _text_values_only(translated: str) -> bool:
    return _TEXT_VALUES_ONLY.fullmatch(translated) is not None


def sentence(translated: str, **values) -> Markup:
    """A translated sentence with its values escaped into it, as `{{ _(message, **values)
    }}` writes it in a template. The caller calls gettext on the literal itself, outside
    any f-string, so the catalogues' extraction finds it.

    `Markup(translated) % values` does it, wrapping each value in a helper that escapes
    it as the format asks for it; a card writes five such sentences, a page a hundred.
    A sentence whose values are all written as text is given them escaped beforehand,
    which writes the same for half the cost; any other is left to Markup."""
    # Escaped by `sentence_html`.
    return Markup(sentence_html(translated, **values))  # noqa: S704 # nosec B704


def sentence_html(translated: str, **values) -> str:
    """`sentence(…)` as a plain string of HTML, for code that writes a whole fragment
    (a card) and marks it safe once: each Markup it would build on the way costs as
    much again as the sentence."""
    if type(translated) is str and _text_values_only(translated):
        return translated % {name: escape(value) for name, value in values.items()}
    return str(Markup(translated) % values)  # noqa: S704 # nosec B704 - msgids are ours
