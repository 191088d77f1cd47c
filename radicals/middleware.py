"""Platform-wide request and response hardening."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


# The session key holding when a signed-in member last made a request (Unix seconds).
LAST_ACTIVITY_KEY = "radicals_last_activity"
# Activity is written back at most this often, so a busy member's every request does
# not save the session row; an idle timeout is therefore exact to within this.
LAST_ACTIVITY_RESOLUTION_SECONDS = 60


def mark_active(session) -> None:
    session[LAST_ACTIVITY_KEY] = int(time.time())


def idle_limit_seconds(user) -> int:
    """How long a session may sit unused: shorter for staff and superusers."""
    if user.is_staff or user.is_superuser:
        return settings.STAFF_SESSION_IDLE_MINUTES * 60
    return settings.SESSION_IDLE_MINUTES * 60


class IdleSessionTimeoutMiddleware:
    """Log out a session left unused for SESSION_IDLE_MINUTES (STAFF_SESSION_IDLE_MINUTES
    for staff), so a computer left signed in on a ward is not an open door. The member
    sees why on the next page. Sessions that never stored an activity time (made before
    this existed) start counting now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> None:
        from django.contrib import messages
        from django.contrib.auth import logout

        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY_KEY)
        limit = idle_limit_seconds(user)
        if isinstance(last, int) and limit > 0 and now - last > limit:
            minutes = limit // 60
            logout(request)
            messages.info(
                request,
                ngettext(
                    "You were logged out because you had not used Radicals for %(minutes)s "
                    "minute. Log in again to carry on.",
                    "You were logged out because you had not used Radicals for %(minutes)s "
                    "minutes. Log in again to carry on.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return
        if not isinstance(last, int) or now - last >= LAST_ACTIVITY_RESOLUTION_SECONDS:
            mark_active(request.session)
