"""Helpers for the web views: one way to turn a service's domain error into a form error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def call_service(form: forms.BaseForm, service: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a service for a valid form; on ValidationError put the messages on the form.

    Returns the service's result, or None when the form now carries errors (the
    view re-renders it, and the user's input is kept).
    """
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            known = {name: errs for name, errs in exc.error_dict.items() if name in form.fields}
            unknown = [
                e for name, errs in exc.error_dict.items() if name not in known for e in errs
            ]
            for name, errs in known.items():
                form.add_error(name, errs)
            if unknown:
                form.add_error(None, unknown)
        else:
            form.add_error(None, exc)
        return None
