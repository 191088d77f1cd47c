"""Platform-wide request and response hardening."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from radicals.i18n import language_from_request

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
    """Answer 400 to a request whose query string, form data or headers hold a NUL.

    No person types a NUL, and PostgreSQL refuses it in text, so a NUL that reached a
    query would be a 500. Forms and serializers already refuse NUL in their own fields;
    this covers the parameters views read directly (search boxes, `next`, filters) for
    every app at once. A cookie holding a NUL is dropped, as if the browser had not
    sent it, so a tampered session cookie means "not logged in".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if NUL in name + value]:
            del request.COOKIES[name]
        if (
            _header_holds_nul(request)
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


class AnonymousPageCacheMiddleware:
    """Serve the pages anonymous visitors read from the cache for a few seconds.

    Most visits to the wall, a pledge, a community or the home page come from people
    who are not signed in, and all of them see the same page; rendering it once every
    ANONYMOUS_PAGE_CACHE_SECONDS instead of on every visit keeps a busy day's reads off
    the templates and the database (docs/benchmarks.md has the figures).

    A pledge's and a community's page are kept longer (ANONYMOUS_PURGED_PAGE_CACHE_SECONDS)
    and dropped the moment what they show changes (radicals/page_purge.py).

    Only a GET from a visitor with no session, no flash messages and no API credentials
    is served or stored. A page is stored only when the visitor had no CSRF cookie and
    the page set no cookie: a page that hands out a CSRF token sets that cookie, so a
    form's token is never shared. Responses that say not to cache (Cache-Control
    private, no-cache or no-store) and anything but a 200 are never stored.
    """

    SAFE_VARY = {
        "cookie",
        "accept-encoding",
        "accept-language",
        "hx-request",
        "hx-target",
        "hx-trigger",
    }
    STALE_GRACE = 30  # seconds an expired copy may still be served while it is renewed
    RENEW_LOCK = 10  # seconds one request has to render the page again
    HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER", "HTTP_HX_BOOSTED")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 0)
        if seconds <= 0 or request.method != "GET" or not self._anonymous(request):
            return self.get_response(request)
        from django.core.cache import cache

        from radicals import page_purge

        key = self._key(request)
        cached = cache.get(key)
        if cached is not None and len(cached) != 3:
            cached = None  # a copy kept by an earlier release
        if cached is not None:
            fresh_until, response, subject_generations = cached
            # A page that names its subjects (radicals.page_purge) is stale as soon as
            # one of them has changed since the copy was made.
            fresh = time.time() < fresh_until and (
                not subject_generations
                or page_purge.generations(subject_generations) == subject_generations
            )
            # Past its time, one request renders the page again while the others are
            # served the copy a little longer, so a busy page is never rendered by every
            # worker at once when it expires.
            if fresh or not cache.add(f"{key}:renewing", 1, self.RENEW_LOCK):
                return response
        request.anonymous_page_cacheable = True  # views may name their subjects
        response = self.get_response(request)
        if self._storable(request, response):
            subject_generations = getattr(request, "anonymous_cache_subjects", None) or {}
            kept = seconds
            if subject_generations:
                kept = max(seconds, getattr(settings, "ANONYMOUS_PURGED_PAGE_CACHE_SECONDS", 0))
            entry = (time.time() + kept, response, subject_generations)
            cache.set(key, entry, kept + self.STALE_GRACE)
            if cached is not None:
                cache.delete(f"{key}:renewing")
        return response

    @staticmethod
    def _anonymous(request: HttpRequest) -> bool:
        cookies = request.COOKIES
        return (
            settings.SESSION_COOKIE_NAME not in cookies
            and "messages" not in cookies
            and "HTTP_AUTHORIZATION" not in request.META
        )

    def _key(self, request: HttpRequest) -> str:
        import hashlib

        from django.utils.translation import get_language

        parts = [get_language(), request.get_host(), request.get_full_path()]
        parts += [request.META.get(name, "") for name in self.HTMX_HEADERS]
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return f"anonymous-page:{digest}"

    def _storable(self, request: HttpRequest, response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if settings.CSRF_COOKIE_NAME in request.COOKIES:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in ("private", "no-cache", "no-store")):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= self.SAFE_VARY
