"""Sessions left unused end: an idle timeout, shorter for staff (ASVS 3.3)."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

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
