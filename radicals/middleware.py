"""Platform-wide request and response hardening."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from kernel.i18n import language_from_request

NUL = "\x00"


class PermissionsPolicyMiddleware:
    """Switch off browser features (camera, microphone, location…) that no page uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class RejectNulBytesMiddleware:
    """Answer 400 to a request whose path, query string, form data or headers hold a NUL.

    No person types a NUL, and PostgreSQL refuses it in text, so a NUL that reached a
    query would be a 500. Forms and serializers already refuse NUL in their own fields;
    this covers the parameters views read directly (search boxes, `next`, filters, tokens
    and slugs in the path) for every app at once. A cookie holding a NUL is dropped, as
    if the browser had not sent it, so a tampered session cookie means "not logged in".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if NUL in name + value]:
            del request.COOKIES[name]
        if (
            NUL in request.path
            or _header_holds_nul(request)
            or _holds_nul(request.GET)
            or (
                request.content_type == "application/x-www-form-urlencoded"
                and _holds_nul(request.POST)
            )
        ):
            return _bad_request(request)
        return self.get_response(request)


def _header_holds_nul(request: HttpRequest) -> bool:
    """A NUL in a header other than Cookie (an API token, for one)."""
    return any(
        NUL in value
        for key, value in request.META.items()
        if key.startswith("HTTP_") and key != "HTTP_COOKIE" and isinstance(value, str)
    )


def _holds_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in data.getlist(key)) for key in data)


def _bad_request(request: HttpRequest) -> HttpResponse:
    # Refused before LanguageMiddleware has run: the answer is in the reader's language
    # all the same.
    with translation.override(language_from_request(request)):
        if request.path.startswith("/api/"):
            message = _("The request holds a character that is not allowed (NUL).")
            return JsonResponse({"detail": message}, status=400)
        return render(request, "errors/400.jinja", status=400)
