"""What every page's chrome needs: navigation and the header's account links."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse


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


def chrome(request):
    return {
        "service_name": "Radicals",
        "nav_items": _nav_items(request),
        "oidc_enabled": getattr(settings, "OIDC_ENABLED", False),
    }
