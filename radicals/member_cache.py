"""A few seconds' cache of the busiest pages, kept per member and per browser.

A signed-in member's wall, pledge, community and home pages differ from everyone
else's (their own name, their signature, the communities they belong to, their unread
count), so they cannot share the anonymous visitors' copy. But a member who reloads a
page, goes back to it, or has it polled, is shown the same page again: `member_page_cache`
keeps each member's copy of a decorated view for MEMBER_PAGE_CACHE_SECONDS and serves it
again while it is fresh.

A member never sees a copy older than their own last change: `MemberWriteMiddleware`
gives the member a new *generation* after every request that may change something
(POST, PUT, PATCH, DELETE), and a copy made under an earlier generation is never served.
Others' changes (a new co-signer, a moderator's decision, a new notification) reach the
page when the copy expires, within MEMBER_PAGE_CACHE_SECONDS.

A copy is keyed on the member, their session and CSRF cookie (so a form's token is only
ever shown to the browser it belongs to), the host, the full path and the htmx and
Accept headers. Only a 200 that sets no cookie is kept, never one that carried flash
messages or asked not to be stored.
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
VARY_HEADERS = (
    "HTTP_HX_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_BOOSTED",
    "HTTP_ACCEPT",
)
GENERATION_SECONDS = 24 * 60 * 60  # far longer than any copy lives


def _seconds() -> int:
    return getattr(settings, "MEMBER_PAGE_CACHE_SECONDS", 0)


def generation_key(user_id: int) -> str:
    return f"member-pages:generation:{user_id}"


def new_generation(user_id: int) -> None:
    """Retire every copy kept for this member (called after each change they make)."""
    cache.set(generation_key(user_id), uuid.uuid4().hex, GENERATION_SECONDS)


# Other per-member entries kept under the member's generation (the header's counts,
# radicals.shared_pages' own subjects): read in the same round trip as the generation.
_member_keys: list = []


def register_member_key(key_of) -> None:
    """`key_of(user_id)` names a cache entry kept per member under their generation;
    `member_values()` reads it with the generation, once per request."""
    if key_of not in _member_keys:
        _member_keys.append(key_of)


def _member_key_names(user_id: int) -> list[str]:
    return [generation_key(user_id)] + [key_of(user_id) for key_of in _member_keys]


def member_values(user, *, found: dict | None = None) -> dict:
    """The member's generation and registered entries (None for one not kept), read
    once per request (the user object lives as long as the request) in one round trip.
    `found`: what the caller's own get_many already read of them."""
    names = _member_key_names(user.pk)
    values = getattr(user, "_member_cache_values", None)
    if values is None:
        got = found if found is not None else cache.get_many(names)
        values = user._member_cache_values = {name: got.get(name) for name in names}
    else:
        missing = [name for name in names if name not in values]
        if missing:  # registered after this request's first read
            got = cache.get_many(missing)
            values.update({name: got.get(name) for name in missing})
    return values


def kept_for_member(user, key: str, seconds: int, compute):
    """A value kept `seconds` for one member under their generation (its key registered
    with `register_member_key`, so it is read with the generation): worked out again by
    `compute()` when it has expired or the member has changed something since."""
    found = member_values(user)
    generation, cached = found.get(generation_key(user.pk)), found.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    value = compute()
    cache.set(key, (generation, value), seconds)
    return value


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def has_flash_messages(request: HttpRequest) -> bool:
    if "messages" in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get("_messages"))


def _page_key(request: HttpRequest) -> str:
    parts = [
        str(request.user.pk),
        request.session.session_key or "",
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.get_host(),
        request.get_full_path(),
    ]
    parts += [request.META.get(name, "") for name in VARY_HEADERS]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"member-pages:page:{digest}"


def _storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return "no-store" not in cache_control


def member_page_cache(view):
    """Serve a signed-in member's fresh copy of this view's page (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        seconds = _seconds()
        if (
            seconds <= 0
            or request.method not in ("GET", "HEAD")
            or not _signed_in(request)
            or has_flash_messages(request)
        ):
            return view(request, *args, **kwargs)
        page_key = _page_key(request)
        found = cache.get_many([page_key, *_member_key_names(request.user.pk)])
        generation = member_values(request.user, found=found).get(generation_key(request.user.pk))
        cached = found.get(page_key)
        if cached is not None:
            stored_generation, fresh_until, response = cached
            if stored_generation == generation and time.time() < fresh_until:
                return response
        response = view(request, *args, **kwargs)

        def store(rendered: HttpResponse) -> None:
            if _storable(rendered) and not has_flash_messages(request):
                entry = (generation, time.time() + seconds, rendered)
                cache.set(page_key, entry, seconds)

        if hasattr(response, "render") and callable(response.render):
            response.add_post_render_callback(store)
        else:
            store(response)
        return response

    return wrapped


class MemberWriteMiddleware:
    """After any request that may change something, start a new generation for the
    member who made it, so none of their cached pages (nor the header counts kept by
    radicals.context_processors.HeaderCounts, nor what radicals.shared_pages knows of
    their own content) is served again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        keeps_copies = any(
            getattr(settings, name, 0) > 0
            for name in (
                "MEMBER_PAGE_CACHE_SECONDS",
                "HEADER_COUNTS_CACHE_SECONDS",
                "SHARED_PAGE_CACHE_SECONDS",
            )
        )
        if keeps_copies and request.method in UNSAFE_METHODS and _signed_in(request):
            new_generation(request.user.pk)
        return response
