"""Which language a request is served in: English or Welsh.

A request's language is, in order: the `lang` query parameter (the `hreflang`
alternates use it), the language cookie (set by the header's English | Cymraeg
switch), the browser's `Accept-Language`, English. Once a member is signed in, the
language on their profile wins when they chose one. Anything unknown falls back to
English, never an error. The message catalogues and their tools are radicals/i18n.py.
"""

from __future__ import annotations

from gettext import GNUTranslations
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

QUERY_PARAMETER = "lang"


def supported(code: str | None) -> str | None:
    """The supported language `code` names (`cy-GB` -> `cy`), or None."""
    if not code or not isinstance(code, str) or len(code) > 20:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def notice_language(code: str | None) -> str:
    """The language a member's notices and emails are written in: theirs, else English."""
    return supported(code) or settings.LANGUAGE_CODE


def in_language_of(member):
    """`with in_language_of(member):` words written for `member` (a notice, an email) in
    their language, else English: a notice reads in its recipient's language, not in the
    language of whoever caused it."""
    return translation.override(notice_language(getattr(member, "language", "")))


def language_from_request(request: HttpRequest) -> str:
    return supported(request.GET.get(QUERY_PARAMETER)) or translation.get_language_from_request(
        request
    )


def drop_empty_fallbacks(language: str) -> None:
    """Take out of `language`'s catalogues the fallbacks that hold no message.

    For English (`en-gb`), each installed app that ships both an `en_GB` and an `en`
    catalogue adds the `en` one, which holds nothing but its header, as a fallback
    behind the rest (six with the apps installed today). Every English word the site
    writes (none is in a catalogue: the msgids are the English) walked them all, so a
    `gettext` took three times as long in English as in Welsh, some 60 a page. Taking
    them out changes no answer: a catalogue with no message gives the message back, as
    the end of the chain does. `tests/kernel/test_i18n.py` holds every message of every
    catalogue to Django's own answer."""
    from django.utils.translation import trans_real

    link = trans_real.translation(language)
    while (fallback := getattr(link, "_fallback", None)) is not None:
        if type(fallback) is GNUTranslations and set(fallback._catalog) <= {""}:
            link._fallback = fallback._fallback
        else:
            link = fallback


# How many answers a language's catalogue keeps in hand (`remember_answers`): the site's
# own messages are about two thousand; words that are not messages (a gettext of text
# from elsewhere) are answered, never kept, once it holds this many.
ANSWERS_KEPT = 10_000
NUMBERS_KEPT = 1_000  # ngettext's answers are kept for 0 to 999


class _Answers(dict):
    """A catalogue's answers to the messages asked of it, each worked out once by
    `lookup` (the catalogue's own gettext or ngettext) and then read from the dict."""

    __slots__ = ("lookup",)

    def __init__(self, lookup):
        super().__init__()
        self.lookup = lookup

    def __missing__(self, key):
        answer = self.lookup(*key) if isinstance(key, tuple) else self.lookup(key)
        if len(self) < ANSWERS_KEPT:
            self[key] = answer
        return answer


def remember_answers(language: str) -> None:
    """Let `language`'s catalogue answer each message from a dict once it has looked
    it up.

    A catalogue looks a message up in each of its apps' catalogues in turn, in Python,
    and English walks them all and gives the message back: about two microseconds a
    message, and a wall page asks some 160. A catalogue's answers never change while the
    process runs (Django keeps each language's catalogue for the process's life, and
    builds new ones when its settings change, without these dicts), so each is worked
    out once here. `gettext` answers are kept by message, `ngettext` ones by the two
    forms and the number (below `NUMBERS_KEPT`); at most `ANSWERS_KEPT` of each.
    `tests/kernel/test_i18n.py` holds every message to Django's own answer."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation(language)
    if isinstance(getattr(catalogue.__dict__.get("gettext"), "__self__", None), _Answers):
        return  # already remembering
    own_ngettext = catalogue.ngettext  # the catalogue's own, not replaced yet
    gettext_answers = _Answers(catalogue.gettext)
    ngettext_answers = _Answers(own_ngettext)
    catalogue.gettext = gettext_answers.__getitem__

    def ngettext(singular, plural, number):
        # Kept for the small whole numbers that most counts are; the rest looked up.
        if type(number) is int and 0 <= number < NUMBERS_KEPT:
            return ngettext_answers[singular, plural, number]
        return own_ngettext(singular, plural, number)

    catalogue.ngettext = ngettext


class LanguageMiddleware:
    """Django's LocaleMiddleware without language prefixes in URLs, plus `?lang=`."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Once a process, as the site starts serving (see the functions).
        for code, _name in settings.LANGUAGES:
            drop_empty_fallbacks(code)
            remember_answers(code)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        translation.deactivate()
        return response


class MemberLanguageMiddleware:
    """A signed-in member's profile language, when they chose one, unless the address
    asks for a language itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not supported(request.GET.get(QUERY_PARAMETER))
        ):
            chosen = supported(getattr(user, "language", ""))
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def html_lang(code: str | None = None) -> str:
    """The `lang` attribute for a language code (`en-gb` -> `en-GB`)."""
    language, _, region = (code or translation.get_language() or "").partition("-")
    return f"{language}-{region.upper()}" if region else language


def _path_without_lang(request: HttpRequest) -> str:
    """The page's path and query string without the language parameter. A page asks
    twice (its alternates and its language switch); the query is copied only when it
    holds the parameter, as a copy of a QueryDict is a deep one."""
    query = request.GET
    if QUERY_PARAMETER in query:
        query = query.copy()
        query.pop(QUERY_PARAMETER, None)
    encoded = query.urlencode() if query else ""
    return request.path + (f"?{encoded}" if encoded else "")


def language_links(request: HttpRequest) -> list[dict]:
    """The header's switch: one link a language, the current one marked."""
    from kernel import paths

    current = translation.get_language()
    here = _path_without_lang(request)
    return [
        {
            "code": code,
            "lang": html_lang(code),
            "name": name,
            "current": code == current,
            "href": paths.path("set-language", code) + "?" + urlencode({"next": here}),
        }
        for code, name in settings.LANGUAGES
    ]


def alternates(request: HttpRequest) -> list[dict]:
    """`<link rel="alternate" hreflang>` for each language this page is offered in."""
    here = _path_without_lang(request)
    joiner = "&" if "?" in here else "?"
    return [
        {"hreflang": html_lang(code), "href": f"{here}{joiner}{QUERY_PARAMETER}={code}"}
        for code, _name in settings.LANGUAGES
    ]
