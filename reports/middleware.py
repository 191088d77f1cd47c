"""Share links: ?ref=<token> on any page is remembered in the session, then dropped
from the address (a redirect to the same page without it). Links from an embed card
(?embed=<host>, reports.embeds) are counted for the site that showed the card the same
way."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect

from reports import embeds
from reports.attribution import (
    current_referrer,
    inviter_for_token,
    referral_from_session,
    remember_referral,
)

PARAMETER = "ref"


class ReferralMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and PARAMETER in request.GET:
            return self._arrived_through_link(request)
        if request.method == "GET" and embeds.PARAMETER in request.GET:
            embeds.arrived_through_card(request, request.GET.get(embeds.PARAMETER, ""))
            return self._without(request, embeds.PARAMETER)
        session = getattr(request, "session", None)
        referrer = referral_from_session(session) if session is not None else None
        embed_host = embeds.host_from_session(session) if session is not None else None
        token = current_referrer.set(referrer)
        embed_token = embeds.current_embed_host.set(embed_host)
        try:
            return self.get_response(request)
        finally:
            embeds.current_embed_host.reset(embed_token)
            current_referrer.reset(token)

    def _arrived_through_link(self, request):
        inviter = inviter_for_token(request.GET.get(PARAMETER, ""))
        user = getattr(request, "user", None)
        own = user is not None and user.is_authenticated and user.pk == inviter
        if inviter is not None and not own:
            remember_referral(request.session, inviter)
        return self._without(request, PARAMETER)

    @staticmethod
    def _without(request, parameter: str):
        query = request.GET.copy()
        query.pop(parameter, None)
        rest = urlencode(list(query.lists()), doseq=True)
        # One leading slash, so the address stays on this site ("//host" would not).
        path = "/" + request.path.lstrip("/")
        return HttpResponseRedirect(path + (f"?{rest}" if rest else ""))
