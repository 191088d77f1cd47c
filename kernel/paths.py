"""The paths of the pages a list links to, for each of its rows.

A wall or API page links each of its twenty pledges to its page, and `reverse()` costs
about 20 µs a call (a sixth of the API list's serialising). The pattern of a path that
takes one whole-number key is the same for every key, so it is worked out once per URL
configuration and script prefix, from `reverse()` itself, and the key written into it:
what Django's own resolver keeps for its reverse look-ups, not a copy of any data.
`tests/kernel/test_paths.py` holds each path to `reverse()`'s.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# A key no row has, all digits (as an <int:…> converter takes), found once in the path.
_MARKER = 9_876_543_210_123


@functools.lru_cache(maxsize=64)
def _pattern(name: str, urlconf, script_prefix: str) -> tuple[str, str]:
    path = reverse(name, args=[_MARKER], urlconf=urlconf)
    before, found, after = path.partition(str(_MARKER))
    if not found or str(_MARKER) in after:
        raise ValueError(f"{name} does not take one whole-number key.")
    return before, after


def path_for(name: str, key: int) -> str:
    """`reverse(name, args=[key])` for a URL that takes one whole-number key."""
    before, after = _pattern(name, get_urlconf(), get_script_prefix())
    return f"{before}{int(key)}{after}"


@receiver(setting_changed)
def _forget_patterns(*, setting, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _pattern.cache_clear()
