"""The closing call of a module: the pledge form, opened with the module's campaign and theme."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from learning.models import Module


def href(*, module: Module) -> str:
    """Where "Make a pledge" goes. Callers fetch the module with its campaign and theme
    (select_related) so this costs no query."""
    params = {}
    if module.campaign_id:
        params["campaign"] = module.campaign.slug
    if module.theme_id:
        params["theme"] = module.theme.slug
    url = reverse("pledges:create")
    return f"{url}?{urlencode(params)}" if params else url
