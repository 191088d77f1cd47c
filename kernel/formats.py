"""Dates and plurals as pages and emails write them (Jinja filters, and email text)."""

from django.utils import dateformat, timezone


def date(value, fmt: str = "j F Y") -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return dateformat.format(value, fmt)


def pluralize(count: int, singular: str = "", plural: str = "s") -> str:
    return singular if count == 1 else plural
