"""What every page's chrome needs: navigation and the header's account links."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property

from notifications.selectors import unread_count


def _nav_items(request):
    path = request.path
    items = [
        ("Pledges", "pledges:wall"),
        ("Communities", "communities:list"),
        ("Stories", "stories:feed"),
        ("Learning", "learning:catalogue"),
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        items.append(("Reports", "reports:dashboard"))
    nav = []
    for text, name in items:
        try:
            href = reverse(name)
        except NoReverseMatch:  # an app whose pages are switched off in this deployment
            continue
        nav.append({"text": text, "href": href, "current": path.startswith(href)})
    return nav


class ModerationNav:
    """The "Moderation (N)" navigation item, worked out only when the header asks.

    Members who organise nothing cost no query beyond `organised_community_ids`
    (cached on the user); organisers and admins cost one more, a UNION count.
    """

    def __init__(self, request):
        self._user = getattr(request, "user", None)
        self._path = request.path

    @cached_property
    def show(self) -> bool:
        from communities.permissions import can_use_moderation

        return can_use_moderation(self._user)

    @cached_property
    def count(self) -> int:
        from communities.selectors import moderation_count

        return moderation_count(self._user) if self.show else 0

    def item(self) -> dict:
        href = reverse("communities:moderation")
        return {
            "text": f"Moderation ({self.count})",
            "href": href,
            "current": self._path.startswith(href),
        }


def chrome(request):
    return {
        "service_name": "Radicals",
        "nav_items": _nav_items(request),
        "moderation_nav": ModerationNav(request),
        "oidc_enabled": getattr(settings, "OIDC_ENABLED", False),
        # Called by the header only for signed-in members: one COUNT on an index.
        "unread_notifications": lambda: unread_count(user=getattr(request, "user", None)),
    }
