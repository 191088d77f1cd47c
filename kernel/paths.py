"""The paths pages link to, written without `reverse()`'s cost each time.

Every page links to a dozen fixed pages (its header, footer and language links), a
wall or API page to each of its twenty pledges, a community's page to its stories, and
`reverse()` costs about 20 µs a call: half a millisecond a page. A URL's path is the
same for every value of its arguments but for the values themselves, so its pattern is
worked out once per URL configuration, script prefix and number of arguments, from
`reverse()` itself, and the values written into it: what Django's own resolver keeps
for its reverse look-ups, not a copy of any data.

Only values that `reverse()` would write unchanged are written here: a whole number
not below zero; text of letters, digits, `-` and `_` where the URL takes a slug or any
text (and `.` and `~` where it takes any text). Anything else (a value the URL would
refuse, or one `reverse()` would quote) goes to `reverse()` itself, so the answer, or
the error, is always `reverse()`'s. `tests/kernel/test_paths.py` holds each to it.

The static files' addresses are worked out once per path as well (`static_path`): a
deployment's files and their manifest do not change while it runs.
"""

from __future__ import annotations

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from kernel import rendering

# Keys no row has, all digits (as every converter takes), each found once in the path.
_MARKER = 9_876_543_210_123
# What each argument of a URL takes, as far as writing it without reverse() goes.
_WHOLE, _SLUG, _TEXT = "whole number", "slug", "text"
_UNCHANGED = {
    _SLUG: re.compile(r"[-a-zA-Z0-9_]+"),
    _TEXT: re.compile(r"[-a-zA-Z0-9_.~]+"),
}


# Values an argument must take to be written as any text, or as a slug, here.
_PROBES = (
    (_TEXT, ("Zq.x~a-B_c", "q", "0.0", "~")),
    (_SLUG, ("Zq-x_C", "q", "0-0", "_")),
)


def _accepts(name: str, markers: list[str], position: int, value: str, urlconf) -> bool:
    tried = [*markers]
    tried[position] = value
    try:
        reverse(name, args=tried, urlconf=urlconf)
    except NoReverseMatch:
        return False
    return True


def _takes(name: str, markers: list[str], position: int, urlconf) -> str:
    """What argument `position` of `name` takes: any text, a slug, or (only digits
    written here) a whole number."""
    for kind, probes in _PROBES:
        if all(_accepts(name, markers, position, probe, urlconf) for probe in probes):
            return kind
    return _WHOLE


@functools.lru_cache(maxsize=512)
def _pattern(name: str, arguments: int, urlconf, script_prefix: str):
    """(the path's pieces between its arguments, what each argument takes), or None
    when `reverse()` is left to write it (a URL whose arguments cannot all be digits)."""
    markers = [str(_MARKER + position) for position in range(arguments)]
    try:
        path = reverse(name, args=markers or None, urlconf=urlconf)
    except NoReverseMatch:
        return None
    pieces, rest = [], path
    for marker in markers:
        before, found, rest = rest.partition(marker)
        if not found or marker in rest:
            return None
        pieces.append(before)
    pieces.append(rest)
    takes = tuple(_takes(name, markers, position, urlconf) for position in range(arguments))
    return tuple(pieces), takes


def _written(value, takes: str) -> str | None:
    """`value` as reverse() would write it in an argument that takes `takes`, or None
    when reverse() is to be asked."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and takes in _UNCHANGED:
        return value if _UNCHANGED[takes].fullmatch(value) else None
    return None


def path(name: str, *args) -> str:
    """`reverse(name, args=args)`."""
    # A render's URL configuration and prefix are looked up once (kernel.rendering).
    pattern = _pattern(name, len(args), rendering.urlconf(), rendering.script_prefix())
    if pattern is None:
        return reverse(name, args=args or None)
    pieces, takes = pattern
    written = [pieces[0]]
    for value, kind, after in zip(args, takes, pieces[1:], strict=True):
        text = _written(value, kind)
        if text is None:
            return reverse(name, args=args)
        written += (text, after)
    return "".join(written)


def path_for(name: str, key: int) -> str:
    """`reverse(name, args=[key])` for a URL that takes one whole-number key."""
    return path(name, int(key))


def static_path(name: str) -> str:
    """`static(name)`: the address of a static file, as the storage names it."""
    return _static(name, rendering.script_prefix())


@functools.lru_cache(maxsize=256)
def _static(name: str, script_prefix: str) -> str:
    return static(name)


@receiver(setting_changed)
def _forget_patterns(*, setting, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _pattern.cache_clear()
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE", "FORCE_SCRIPT_NAME"):
        _static.cache_clear()
