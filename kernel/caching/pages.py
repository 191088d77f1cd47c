"""The anonymous page cache: whole pages kept for visitors who are not signed in.

Only the pages named in `PAGES` are kept, under a normalised key (`page_key`). A page
that names its subjects (`kernel.caching.page_shows`) is kept for
ANONYMOUS_PURGED_PAGE_CACHE_SECONDS and dropped the moment one of them changes; any
other for ANONYMOUS_PAGE_CACHE_SECONDS. The middleware also sets the HTTP caching
headers: `public, max-age` with `Vary: Cookie, Accept-Language` on a copy anonymous
visitors share, `private` on every page for a signed-in member or holding a CSRF token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from kernel.caching import keys, stats, subjects, switch


@dataclass(frozen=True)
class CachedPage:
    url_name: str
    # Query parameters the page reads; any other is left out of the key, and a copy is
    # stored only from a request that carried none.
    params: tuple[str, ...] = ()


PAGES: dict[str, CachedPage] = {
    page.url_name: page
    for page in (
        CachedPage("home"),
        CachedPage("communities:detail"),
    )
}

# A longer value of a known parameter makes the request uncached.
MAX_VALUE_LENGTH = 64
# Parameters acted on before the page is reached (a share link's `ref` is remembered
# and redirected by reports.middleware): a request carrying one is never served a copy.
NEVER_CACHED_PARAMETERS = frozenset({"ref"})
HTMX_FLAGS = ("HTTP_HX_REQUEST", "HTTP_HX_BOOSTED")
HTMX_TARGETS = ("HTTP_HX_TARGET", "HTTP_HX_TRIGGER")
SAFE_VARY = {"cookie", "accept-encoding", "accept-language"}
STALE_GRACE = 30  # seconds an expired copy may still be served while it is renewed
RENEW_LOCK = 10  # seconds one request has to render the page again


def cached_page_for(request: HttpRequest) -> CachedPage | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return PAGES.get(match.view_name)


def is_anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
    )


def page_key(request: HttpRequest, page: CachedPage) -> tuple[str | None, bool]:
    """(key, clean): the key of this request's copy, None when it must not use one;
    `clean` when the request carried nothing left out of the key (only then may its
    rendering be stored)."""
    clean = True
    known = []
    for name in sorted(request.GET):
        if name in NEVER_CACHED_PARAMETERS:
            return None, False
        if name not in page.params:
            clean = False
            continue
        values = request.GET.getlist(name)
        if len(values) != 1 or len(values[0]) > MAX_VALUE_LENGTH:
            return None, False
        known.append((name, values[0]))
    if any(request.META.get(header) for header in HTMX_TARGETS):
        return None, False  # none of these pages has a part swapped in by target
    flags = tuple(bool(request.META.get(header)) for header in HTMX_FLAGS)
    parts = (request.get_host(), request.path, known, flags, _request_language(request))
    return keys.key("anonymous-page", page.url_name, *parts), clean


def _request_language(request: HttpRequest) -> str:
    """The language the page will be rendered in: kernel.i18n.LanguageMiddleware,
    which runs before this one, has chosen and activated it."""
    return keys.language()


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if settings.CSRF_COOKIE_NAME in request.COOKIES or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page holds a CSRF token
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= SAFE_VARY


def _shared_headers(response: HttpResponse) -> None:
    max_age = max(int(getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 0)), 0)
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))


def _private_headers(request: HttpRequest, response: HttpResponse) -> None:
    """`private` on a page for a signed-in member or an API client with credentials,
    or holding a CSRF token."""
    user = getattr(request, "user", None)
    personal = (
        (user is not None and user.is_authenticated)
        or "HTTP_AUTHORIZATION" in request.META
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
    if personal and "public" in response.get("Cache-Control", ""):
        del response["Cache-Control"]  # nothing personal is ever marked for sharing
    if personal and "private" not in response.get("Cache-Control", ""):
        patch_cache_control(response, private=True)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = switch.begin(request)
        try:
            return self._respond(request)
        finally:
            switch.end(token)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        seconds = getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 0)
        page = None
        if (
            seconds > 0
            and request.method == "GET"
            and not switch.bypassed()
            and is_anonymous(request)
        ):
            page = cached_page_for(request)
        key, clean = page_key(request, page) if page is not None else (None, False)
        if key is None:
            response = self.get_response(request)
            _private_headers(request, response)
            return response
        return self._cached(request, key, clean, seconds)

    def _cached(self, request: HttpRequest, key: str, clean: bool, seconds: int) -> HttpResponse:
        from django.core.cache import cache

        cached = cache.get(key)
        if cached is not None:
            fresh_until, response, generations = cached
            fresh = time.time() < fresh_until and (
                not generations or subjects.generations(generations) == generations
            )
            # Past its time, one request renders the page again while the others are
            # served the copy a little longer, so a busy page is never rendered by every
            # worker at once when it expires. A request that may not store (it carried
            # parameters left out of the key) never takes that turn.
            if fresh or (clean and not cache.add(f"{key}:renewing", 1, RENEW_LOCK)):
                stats.count("anonymous-page", hit=True)
                return response
        stats.count("anonymous-page", hit=False)
        request.anonymous_page_cacheable = True  # views may name their subjects
        response = self.get_response(request)
        if clean and _storable(request, response):
            generations = getattr(request, "anonymous_page_subjects", None) or {}
            kept = seconds
            if generations:
                kept = max(seconds, getattr(settings, "ANONYMOUS_PURGED_PAGE_CACHE_SECONDS", 0))
            _shared_headers(response)
            cache.set(key, (time.time() + kept, response, generations), kept + STALE_GRACE)
            if cached is not None:
                cache.delete(f"{key}:renewing")
        else:
            _private_headers(request, response)
        return response
