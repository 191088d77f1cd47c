"""One rendering of a page shared by every signed-in member who would see the same page.

Most members who open a pledge's or a community's page have no part in it: they have
not signed the pledge, do not organise the community, and see exactly what every other
such member sees, apart from the page header (their name and counts) and their forms'
CSRF tokens. The views ask `serve()` for those members, with a *variant* naming all
that can still differ between them (may they sign; are they a member of the community)
and the *subjects* the page shows (radicals.page_purge: `pledge:<id>`,
`community:<id>`). The page is rendered once per variant with a hole where the header
goes and a mark where each CSRF field goes, kept for SHARED_PAGE_CACHE_SECONDS, and
dropped the moment one of its subjects changes (a signature, a check-in, a story, a
membership…). Each member is then served the copy with their own header and CSRF
field filled in.

Members with a part in the page (its author and signers, the community's organisers,
admins) and requests carrying flash messages always get a page rendered for them. So
does a member to whom a section of the page shows something of their own differently
from everyone else (their story about the pledge with their own name on it, their
pledge waiting for a moderator): the app owning that section registers a *source* with
`register_own_content(source)`, where `source(user)` gives the subjects of the pages
that show the member something of their own. `shows_own_content(user, subject)` asks
the union, which is worked out once per member and kept for OWN_CONTENT_SECONDS under
the member's generation (radicals.member_cache), so every change the member makes is
seen at once; a change someone else makes to the member's content (an admin moving
their story) within those seconds.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from markupsafe import Markup

from radicals import member_cache, page_purge
from radicals.member_cache import has_flash_messages
from radicals.memo import CSRF_SENTINEL, csrf_fill

HEADER_HOLE = Markup("<!--radicals:header-->")
CSRF_FIELD = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


# How long a member's own subjects are kept (see the module docstring).
OWN_CONTENT_SECONDS = 60

_own_content_sources: list[Callable[[object], Iterable[str]]] = []


def register_own_content(source: Callable[[object], Iterable[str]]) -> None:
    """`source(user)` gives the subjects (`pledge:<id>`, `community:<id>`) of the pages
    that show `user` something of their own that other members see differently or not
    at all."""
    if source not in _own_content_sources:
        _own_content_sources.append(source)


def _own_key(user_id: int) -> str:
    return f"shared-pages:own:{user_id}"


member_cache.register_member_key(_own_key)


def own_subjects(user) -> frozenset[str]:
    """Every subject whose page shows `user` something of their own: one cache read,
    or each source's query once per OWN_CONTENT_SECONDS and after each of their changes."""
    known = getattr(user, "_own_subjects", None)
    if known is not None:
        return known
    subjects = member_cache.kept_for_member(
        user,
        _own_key(user.pk),
        OWN_CONTENT_SECONDS,
        lambda: frozenset(s for source in _own_content_sources for s in source(user)),
    )
    user._own_subjects = subjects
    return subjects


def shows_own_content(user, subject: str) -> bool:
    return subject in own_subjects(user)


def _seconds() -> int:
    return getattr(settings, "SHARED_PAGE_CACHE_SECONDS", 0)


def enabled(request: HttpRequest) -> bool:
    """Whether this request may be served a shared copy (views ask before working out
    the variant, which costs queries of its own)."""
    return _seconds() > 0 and request.user.is_authenticated and not has_flash_messages(request)


def serve(
    request: HttpRequest,
    *,
    name: str,
    variant: tuple,
    subjects: Iterable[str],
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    """The shared copy of page `name` for `variant`, filled in for this member; or
    `render()` itself when copies are off or this request cannot share one."""
    if not enabled(request):
        return render()
    seconds = _seconds()
    subjects = list(subjects)
    parts = repr((name, variant, request.get_host(), request.get_full_path()))
    key = "shared-page:" + hashlib.sha256(parts.encode()).hexdigest()
    found = cache.get_many([key] + [page_purge.generation_key(s) for s in subjects])
    # Read before rendering, so a change committed meanwhile leaves the copy stale.
    current = {s: found.get(page_purge.generation_key(s)) for s in subjects}
    cached = found.get(key)
    if cached is not None and cached[0] == current and time.time() < cached[1]:
        html, content_type = cached[2], cached[3]
    else:
        request.shared_page = True
        try:
            response = render()
        finally:
            request.shared_page = False
        if response.status_code != 200 or response.streaming:
            return response
        content_type = response["Content-Type"]
        # Each CSRF field becomes the mark the header's memo uses, filled per member.
        html = CSRF_FIELD.sub(str(CSRF_SENTINEL), response.content.decode(response.charset))
        cache.set(key, (current, time.time() + seconds, html, content_type), seconds)
    return HttpResponse(_fill(html, request), content_type=content_type)


def _fill(html: str, request: HttpRequest) -> str:
    from django.template.loader import render_to_string

    header = render_to_string("layouts/_header.jinja", request=request, using="jinja2")
    return str(csrf_fill(html.replace(str(HEADER_HOLE), header, 1), request))
