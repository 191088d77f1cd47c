"""Checks on what members type about themselves, shared by forms, the API and services."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def has_control_characters(value: str) -> bool:
    """Newlines, tabs, NULs and the like (Unicode category Cc): never part of a name,
    and a newline in a name would break the header of an email that quotes it."""
    return any(unicodedata.category(char) == "Cc" for char in value)


def validate_display_name(value: str) -> None:
    if has_control_characters(value or ""):
        raise ValidationError(
            _("Your name cannot contain line breaks, tabs or other control characters."),
            code="control_characters",
        )
