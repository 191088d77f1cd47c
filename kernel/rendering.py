"""What a template asks over and over while it renders, looked up once a render.

A page's template asks for some forty words (`{{ _("…") }}`) and a dozen or more
addresses (`url(…)`, `static(…)`). Each asks Django for the active language's
catalogue, the URL configuration or the script prefix, and Django keeps each in an
`asgiref.local.Local` (a lock, a context variable and a thread check, about 2.5 µs a
look-up): some 80 look-ups and 7% of a pledge's page, where the answer cannot change
until the render ends.

`scope()` looks the three up once, as a render starts, and keeps them in a plain
thread-local until it ends (`radicals.jinja2.Template.render`); a render within a
render (a template that renders another, in another language) has its own scope and
gives the outer one back when it ends. The words (`gettext`, `ngettext`) and addresses
(`kernel.paths`, through `urlconf()` and `script_prefix()`) a template asks for read them
from there. Outside a render, or with
translation switched off, they ask Django as before, so their answers are always
Django's: `tests/kernel/test_rendering.py` holds them to it, in both languages and in a
render of one language within another's.

Each catalogue answers a word it has answered before from a dict
(`kernel.i18n.remember_answers`). A word given lazily (`gettext_lazy`: a choice's label,
a month's name) is not asked of it straight: it asks Django's `gettext`, and so the
context-local, each time it is written, some thirty times a page. In a render its
answer is kept by the object itself (`word`, at most `MAX_ANSWERS` of them for each
catalogue, held as long as Django keeps the catalogue). The page's language
(`language()`) is kept too: each card asks whether its words are written in it
(`kernel.written.current`).

The pledge and story cards (`pledges/cards.py`, `stories/cards.py`), which only
templates call, twenty to a page, take their words from here too. Other Python code a
template calls keeps asking Django for its words: it may switch language for a moment
(`translation.override`), which a render's scope would not see.
"""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.functional import Promise

# The most lazy words kept for one catalogue: the site's own (its choices' labels, the
# months) are a few hundred.
MAX_ANSWERS = 4096


@dataclass(frozen=True, slots=True)
class Scope:
    catalogue: Any  # the active language's DjangoTranslation
    urlconf: Any  # None for settings.ROOT_URLCONF, as get_urlconf() gives it
    script_prefix: str
    answers: dict  # the catalogue's answers to lazy words so far (`_answers`)
    language: str | None  # get_language()


_local = threading.local()
# Each catalogue's answers to lazy words (`word`), by the object's id, with the object,
# for as long as Django keeps the catalogue (a reload of the translations, as in a test
# that changes LANGUAGES, makes new ones).
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _answers(catalogue) -> dict:
    if catalogue is None:
        return {}
    found = _kept.get(catalogue)
    if found is None:
        found = _kept.setdefault(catalogue, {})
    return found


def current() -> Scope | None:
    """The scope of the render running in this thread, if any."""
    return getattr(_local, "scope", None)


@contextmanager
def scope():
    """Look up, for the render it wraps, what its words and addresses need."""
    from django.utils.translation import trans_real

    outer = current()
    catalogue = trans_real.catalog() if settings.USE_I18N else None
    _local.scope = Scope(
        catalogue,
        get_urlconf(),
        get_script_prefix(),
        _answers(catalogue),
        translation.get_language(),
    )
    try:
        yield _local.scope
    finally:
        _local.scope = outer


def urlconf():
    """`django.urls.get_urlconf()`, from the render's scope when there is one."""
    found = current()
    return get_urlconf() if found is None else found.urlconf


def language() -> str | None:
    """`django.utils.translation.get_language()`, from the render's scope when there is
    one."""
    found = current()
    return translation.get_language() if found is None else found.language


def script_prefix() -> str:
    """`django.urls.get_script_prefix()`, from the render's scope when there is one."""
    found = current()
    return get_script_prefix() if found is None else found.script_prefix


def gettext(message: str) -> str:
    """`django.utils.translation.gettext(message)`, from the render's catalogue."""
    found = current()
    if found is None or found.catalogue is None or type(message) is not str:
        return translation.gettext(message)  # Django's, which keeps safe text safe
    # As Django's own gettext: line ends written as "\n", and "" for nothing.
    message = message.replace("\r\n", "\n").replace("\r", "\n")
    return found.catalogue.gettext(message) if message else ""


def word(value) -> str:
    """`str(value)` for a word given lazily (`gettext_lazy`: a choice's label, a month's
    name), which asks Django's `gettext` (and its context-local) each time it is
    written: in a render, the catalogue's answer is kept for the same word (by the
    object itself, which is kept with it, so another object cannot take its place).
    Anything else is `str(value)`."""
    if not isinstance(value, Promise):
        return str(value)
    found = current()
    if found is None or found.catalogue is None:
        return str(value)
    kept = found.answers.get(id(value))
    if kept is not None and kept[0] is value:
        return kept[1]
    text = str(value)
    if len(found.answers) < MAX_ANSWERS:
        found.answers[id(value)] = (value, text)
    return text


def ngettext(singular: str, plural: str, number) -> str:
    """`django.utils.translation.ngettext(…)`, from the render's catalogue."""
    found = current()
    if found is None or found.catalogue is None:
        return translation.ngettext(singular, plural, number)
    return found.catalogue.ngettext(singular, plural, number)


def fragment(request, template_name: str, context: dict) -> HttpResponse:
    """A piece of a page that htmx swaps in, as a response: its Jinja template rendered
    with its own context and the request, without the context processors. Those fill
    in the page's chrome (the navigation, the header's counts, messages), which a
    fragment does not draw; for the busiest swap, the co-sign's sign panel, they were
    some 0.04 ms of its 0.27 ms render.

    Nor is there a `csrf_input`: only htmx posts a fragment's forms, and it sends the
    page's token in a header with every request (static/js/radicals.js)."""
    from django.template import engines

    template = engines["jinja2"].env.get_template(template_name)
    return HttpResponse(template.render({**context, "request": request}))
