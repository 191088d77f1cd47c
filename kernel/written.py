"""The language members' own words are written in, and how they are searched.

A pledge, a check-in or a story keeps the language its author wrote it in, chosen on
the form and defaulting to the language of the page. Pages mark the words with that
`lang` so a screen reader pronounces them, and the wall and the story feed filter by it.

Full-text search reads each language with its own PostgreSQL configuration. English
text uses `english` (stemming, so "walking" finds "walk"). PostgreSQL ships no Welsh
stemmer or stop-word list, and an English stemmer mangles Welsh ("cerdded" is cut to
"cerdd", which is a different word), so Welsh text uses `simple`: words lower-cased and
matched whole, nothing dropped. A search looks for its words both ways, so an English
search finds Welsh text that shares a word and the reverse; one GIN index serves both.
"""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchConfig, SearchQuery, SearchVector
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Case, When
from django.dispatch import receiver
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

from kernel import rendering

LANGUAGE_MAX_LENGTH = 8
DEFAULT_CONFIG = "english"
# Languages PostgreSQL has no stemmer for are matched word for word.
CONFIGS = {"cy": "simple"}
# Each configuration a search query is read with, in a fixed order.
QUERY_CONFIGS = (DEFAULT_CONFIG, *sorted(set(CONFIGS.values())))


def choices() -> list[tuple[str, str]]:
    """Each language by its own name ("English", "Cymraeg"), as language pickers show
    them: a reader finds their language whatever the page is in."""
    return list(settings.LANGUAGES)


def codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def default() -> str:
    return settings.LANGUAGE_CODE


def current() -> str:
    """The page's language, as one of the languages members write in (in a render,
    the language it began with: kernel.rendering)."""
    return _written_as(rendering.language())


@lru_cache(maxsize=64)
def _written_as(language: str | None) -> str:
    language = (language or "").lower()
    for code in codes():
        if language == code or language.split("-")[0] == code.split("-")[0]:
            return code
    return default()


@receiver(setting_changed)
def _forget_languages(*, setting, **kwargs) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE"):
        _written_as.cache_clear()


def known(value: str | None) -> str:
    """A language code from a query string if it is one members write in, else ""."""
    value = (value or "").strip().lower()
    return value if value in codes() else ""


def clean(value: str | None) -> str:
    """A submitted language code as stored, or the page's language when none was given.
    Check it with `errors` first: an unknown code is refused, not guessed."""
    return known(value) or current()


def errors(value: str | None) -> list[str]:
    """Why a submitted language code cannot be stored (none given is fine: the page's
    language is taken)."""
    if (value or "").strip() and not known(value):
        names = ", ".join(name for _code, name in choices())
        message = gettext("Choose the language you wrote it in: %(languages)s.")
        return [message % {"languages": names}]
    return []


def lang_attribute(item) -> Markup:
    """` lang="cy"` on the element holding an item's words when they are written in
    another language than the page's (WCAG 3.1.2, language of parts); nothing otherwise."""
    language = getattr(item, "language", "") or ""
    if not language or language == current():
        return Markup("")
    return Markup(' lang="{}"').format(language)


def own_words(item, text: str) -> Markup:
    """An item's words to set inside a sentence of the page, marked with their language
    when it is not the page's."""
    attribute = lang_attribute(item)
    if not attribute:
        return escape(text)
    return Markup("<span{}>{}</span>").format(attribute, text)


def language_field() -> models.CharField:
    return models.CharField(
        _("written in"),
        max_length=LANGUAGE_MAX_LENGTH,
        choices=choices(),
        default=default,
        help_text=_("The language the author wrote it in."),
    )


def form_field() -> forms.ChoiceField:
    """The form's "Written in" question, answered with the page's language unless the
    author says otherwise."""
    return forms.ChoiceField(
        label=_("Written in"),
        help_text=_(
            "So screen readers say your words in the right language, and people can "
            "find writing in their language."
        ),
        choices=choices,
        initial=current,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choose the language you wrote it in.")},
    )


def api_field():
    """The API's `language` of a member's words: optional, the request's language
    (Accept-Language) when left out."""
    from rest_framework import serializers

    return serializers.ChoiceField(
        choices=choices(),
        required=False,
        help_text=_("The language the words are written in; the request's language when left out."),
        error_messages={"invalid_choice": _("Choose the language you wrote it in.")},
    )


def config_expression(field: str = "language") -> Case:
    """The search configuration for a row's language, each branch a constant so the
    expression can be indexed."""
    return Case(
        *(When(**{field: code}, then=SearchConfig(config)) for code, config in CONFIGS.items()),
        default=SearchConfig(DEFAULT_CONFIG),
    )


def search_vector(*columns: str, field: str = "language") -> SearchVector:
    """A row's full-text document, read in its own language's configuration. GIN
    indexes are built on exactly this expression, so searches are answered from them."""
    return SearchVector(*columns, config=config_expression(field))


def search_query(text: str) -> SearchQuery:
    """What a search box's words match, in every configuration a row may be read in."""
    query = None
    for config in QUERY_CONFIGS:
        part = SearchQuery(text, config=config, search_type="websearch")
        query = part if query is None else query | part
    return query


def config_sql(column: str) -> str:
    """`config_expression` as SQL over a column, for queries written by hand."""
    branches = " ".join(
        f"WHEN {column} = '{code}' THEN '{config}'::regconfig" for code, config in CONFIGS.items()
    )
    return f"CASE {branches} ELSE '{DEFAULT_CONFIG}'::regconfig END"


def query_sql(placeholder: str = "%s") -> tuple[str, int]:
    """`search_query` as SQL: the text, once per configuration, fills the placeholders.
    Returns the SQL and how many times the text is to be passed."""
    parts = [f"websearch_to_tsquery('{config}', {placeholder})" for config in QUERY_CONFIGS]
    return "(" + " || ".join(parts) + ")", len(parts)
