"""Cache keys: a layer's prefix, a name, and a digest of everything the value varies on,
always with the active language."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import get_language


def language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def digest(*parts) -> str:
    return hashlib.sha256(repr((language(), *parts)).encode()).hexdigest()


def key(layer: str, name: str, *parts) -> str:
    """`<layer>:<name>:<digest of language and parts>`."""
    return f"{layer}:{name}:{digest(*parts)}"
