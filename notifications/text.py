"""Notification words in every language: what notify() writes down, and what a reader
or an email is shown.

A notification is written once and read later, by a member whose language may not be
the one of whoever caused it (a Welsh-speaking organiser approves an English speaker's
request). So notify() takes its title and body as `Text` (or a lazy gettext string)
and writes them down in each language the site speaks: the `title` and `body` columns
hold English, `data["texts"]` the others. The page, the API and the emails then show
the words in the reader's language, one lookup and no query.

    notify(
        kind=Kind.STORY_COMMENT,
        recipient=author,
        title=Text(gettext_lazy("%(name)s commented on “%(title)s”"), name=..., title=...),
        ...
    )

Parameters are members' own words, numbers, dates (written out in each language) or
more `Text`. A plain `str` is stored as it is, for every reader.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import Promise

from kernel.i18n import notice_language

TEXTS = "texts"  # the key in Notification.data that holds the other languages' words
DATE_FORMAT = "j F Y"


class Text:
    """A translatable message and its named parameters, rendered in the language active
    when it is turned into a string. `message` is a lazy gettext string
    (gettext_lazy, ngettext_lazy, pgettext_lazy), so the words are extracted into the
    calling app's catalogue and translated at the last moment."""

    __slots__ = ("message", "params")

    def __init__(self, message, /, **params: Any):
        self.message = message
        self.params = params

    def __str__(self) -> str:
        words = str(self.message)
        if not self.params:
            return words
        return words % {name: _rendered(value) for name, value in self.params.items()}

    def __repr__(self) -> str:
        return f"Text({self.message!r}, **{self.params!r})"


def _rendered(value: Any) -> Any:
    if isinstance(value, Text | Promise):
        return str(value)
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), DATE_FORMAT)
    if isinstance(value, date):
        return formats.date_format(value, DATE_FORMAT)
    return value


def is_translatable(value: Any) -> bool:
    return isinstance(value, Text | Promise)


def language_of(member) -> str:
    """The language to write to a member in: the one they chose, else English. A stored
    code the site no longer speaks falls back to English too."""
    return notice_language(getattr(member, "language", ""))


def other_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def in_every_language(*, title, body) -> tuple[str, str, dict[str, dict[str, str]]]:
    """(English title, English body, {language: {"title", "body"}} for the others).
    Plain strings are the same in every language, so they need no copies."""
    if not (is_translatable(title) or is_translatable(body)):
        return str(title), str(body), {}
    with translation.override(settings.LANGUAGE_CODE):
        english = str(title)[:200], str(body)
    others = {}
    for language in other_languages():
        with translation.override(language):
            others[language] = {"title": str(title)[:200], "body": str(body)}
    return *english, others


def words_in(*, title: str, body: str, data: dict | None, language: str | None = None):
    """A stored notification's (title, body) in `language` (the active one by default),
    or as stored when it was not written down in that language."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    texts = (data or {}).get(TEXTS)
    if isinstance(texts, dict):
        words = texts.get(language)
        if isinstance(words, dict):
            return words.get("title", title), words.get("body", body)
    return title, body
