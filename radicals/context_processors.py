"""What every page's chrome needs: navigation and the header's account links."""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property, lazy
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.selectors import unread_count
from radicals.jinja2 import csrf_hidden, csrf_token

_NAV = [
    (_("Pledges"), "pledges:wall", False),
    (_("Communities"), "communities:list", False),
    (_("Stories"), "stories:feed", False),
    (_("Learning"), "learning:catalogue", False),
    (_("Reports"), "reports:dashboard", True),
]


@functools.lru_cache(maxsize=16)
def _nav_links(urlconf, script_prefix: str, staff: bool) -> tuple[tuple[str, str], ...]:
    """The header's links, worked out once per URL configuration and prefix (reverse()
    cost more than the rest of a small htmx response)."""
    links = []
    for text, name, staff_only in _NAV:
        if staff_only and not staff:
            continue
        try:
            links.append((text, reverse(name, urlconf=urlconf)))
        except NoReverseMatch:  # an app whose pages are switched off in this deployment
            continue
    return tuple(links)


@receiver(setting_changed)
def _forget_nav_links(*, setting, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _nav_links.cache_clear()


def _nav_items(request):
    path = request.path
    user = getattr(request, "user", None)
    staff = bool(user is not None and user.is_authenticated and user.is_staff)
    links = _nav_links(get_urlconf(), get_script_prefix(), staff)
    return [{"text": text, "href": href, "current": path.startswith(href)} for text, href in links]


class HeaderCounts:
    """The header's unread-notification and moderation counts for a signed-in member,
    counted once per request and only when the header asks. Neither is cached: the
    unread count is an index-only scan of (recipient, read_at), no dearer than a Redis
    round trip (docs/benchmarks.md, "Design decisions measured")."""

    def __init__(self, request):
        self._user = getattr(request, "user", None)

    @cached_property
    def values(self) -> dict[str, int]:
        user = self._user
        if user is None or not user.is_authenticated:
            return {"unread": 0, "moderation": 0}
        return self._count()

    def _count(self) -> dict[str, int]:
        from communities.permissions import can_use_moderation
        from communities.selectors import moderation_count

        user = self._user
        return {
            "unread": _unread_with_memberships(user),
            "moderation": moderation_count(user) if can_use_moderation(user) else 0,
        }


def _unread_with_memberships(user) -> int:
    """`unread_count` for the header. A page that has not yet asked about the member's
    communities (whether to show "Moderation" asks) reads them now, with the count in
    the same statement (`communities.selectors.load_community_ids`); one that has
    read the count with them already."""
    from communities.selectors import community_ids_known, load_community_ids

    if not community_ids_known(user):
        load_community_ids(user)
    return unread_count(user=user)


class ModerationNav:
    """The "Moderation (N)" navigation item, worked out only when the header asks.

    Members who organise nothing cost no query beyond `organised_community_ids`
    (cached on the user); organisers and admins cost one more, a UNION count
    (`HeaderCounts`).
    """

    def __init__(self, request, counts: HeaderCounts):
        self._user = getattr(request, "user", None)
        self._path = request.path
        self._counts = counts

    @cached_property
    def show(self) -> bool:
        from communities.permissions import can_use_moderation

        return can_use_moderation(self._user)

    @cached_property
    def count(self) -> int:
        return self._counts.values["moderation"] if self.show else 0

    def item(self) -> dict:
        href = reverse("communities:moderation")
        return {
            "text": gettext("Moderation (%(count)s)") % {"count": self.count},
            "href": href,
            "current": self._path.startswith(href),
        }


# `{{ csrf_input }}` and `{{ csrf_token }}` as Django gives them (worked out only when a
# template writes them), from the request's one masked token (`radicals.jinja2`).
_csrf_input = lazy(csrf_hidden, SafeString, str)
_csrf_token = lazy(csrf_token, str)


def chrome(request):
    counts = HeaderCounts(request)
    return {
        "csrf_input": _csrf_input(request),
        "csrf_token": _csrf_token(request),
        "service_name": "Radicals",
        "nav_items": _nav_items(request),
        "moderation_nav": ModerationNav(request, counts),
        "oidc_enabled": getattr(settings, "OIDC_ENABLED", False),
        # Called by the header only for signed-in members.
        "unread_notifications": lambda: counts.values["unread"],
    }
