"""Pledges that travel: a small, script-free card of a pledge or a campaign for trust
intranets to frame, its oEmbed description, and the credit of the people who come
through it, by the host of the site that showed the card.

* Only the sites on the admin's list (`EmbedOrigin`) may frame a card: the card's
  response carries CSP frame-ancestors naming them (django-csp's csp_replace); every
  other page keeps frame-ancestors 'none' and X-Frame-Options DENY.
* Only a pledge anyone may read is embeddable: published, public, not withdrawn. Any
  other is a 404, as if it did not exist.
* The card's links carry ?embed=<host> when the browser named an allowed site as the
  page that framed it (the Referer of the card's request); ReferralMiddleware counts the
  visit and keeps the host in the session, and a co-sign made in that session is
  counted for the host too (`EmbedArrival`).
"""

from __future__ import annotations

import contextvars
import datetime
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from kernel.replica import reads_from_replica
from reports.models import EmbedArrival, EmbedOrigin

PARAMETER = "embed"
SESSION_KEY = "reports_embed_host"
SESSION_DAYS = 30
CARD_WIDTH = 360
CARD_HEIGHT = 260

current_embed_host: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "reports_current_embed_host", default=None
)


# --- Allowed sites ------------------------------------------------------------------------


def allowed_origins() -> list[str]:
    return list(
        EmbedOrigin.objects.filter(is_active=True)
        .order_by("origin")
        .values_list("origin", flat=True)
    )


def allowed_hosts() -> set[str]:
    return {urlsplit(origin).hostname or "" for origin in allowed_origins()}


def framing_host(request) -> str:
    """The allowed site whose page framed the card, from the Referer, or ""."""
    referer = request.META.get("HTTP_REFERER", "")
    host = (urlsplit(referer).hostname or "") if referer else ""
    return host if host and host in allowed_hosts() else ""


def frame_ancestors(view):
    """The card may be framed by the allowed sites only (django-csp's csp_replace with
    the list as it is now); X-Frame-Options, which cannot name sites, is left off."""

    def wrapped(request, *args, **kwargs):
        sources = allowed_origins() or ["'none'"]
        return csp_replace({"frame-ancestors": sources})(view)(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return xframe_options_exempt(wrapped)


# --- What may be embedded -----------------------------------------------------------------


def embeddable_pledge(pk: int):
    """A pledge anyone may read: published, public and not withdrawn; else a 404."""
    from communities.moderation import ModerationStatus
    from pledges.models import Pledge

    if not 0 < pk < 2**63:
        raise Http404(_("No such pledge."))
    pledge = (
        Pledge.objects.filter(
            pk=pk,
            moderation_status=ModerationStatus.PUBLISHED,
            visibility=Pledge.Visibility.PUBLIC,
            author__is_active=True,
        )
        .exclude(status=Pledge.Status.WITHDRAWN)
        .select_related("campaign")
        .first()
    )
    if pledge is None:
        raise Http404(_("No such pledge."))
    return pledge


def embeddable_campaign(slug: str):
    from pledges.selectors import campaign_get

    return campaign_get(slug=slug)


def _with_host(path: str, host: str) -> str:
    return f"{settings.SITE_URL}{path}" + (f"?{urlencode({PARAMETER: host})}" if host else "")


# --- Views --------------------------------------------------------------------------------


@require_GET
@frame_ancestors
def pledge_card(request, pk: int):
    pledge = embeddable_pledge(pk)
    host = framing_host(request)
    response = render(
        request,
        "reports/embed_card.jinja",
        {
            "pledge": pledge,
            "campaign": None,
            "link": _with_host(pledge.get_absolute_url(), host),
            "percent": (
                min(100, round(100 * pledge.co_signer_count / pledge.threshold))
                if pledge.threshold
                else None
            ),
        },
    )
    response["Vary"] = "Referer"
    return response


@require_GET
@frame_ancestors
def campaign_card(request, slug: str):
    from reports.selectors import campaign_progress

    campaign = embeddable_campaign(slug)
    host = framing_host(request)
    response = render(
        request,
        "reports/embed_card.jinja",
        {
            "pledge": None,
            "campaign": campaign,
            "progress": campaign_progress(campaign=campaign),
            "link": _with_host(campaign.get_absolute_url(), host),
        },
    )
    response["Vary"] = "Referer"
    return response


def _oembed_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _dimension(request, name: str, default: int) -> int | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or not 0 < int(value) <= 4000:
        return None
    return min(default, int(value))


@require_GET
def oembed(request):
    """oEmbed (https://oembed.com) for pledge and campaign pages: a rich type whose
    html is an iframe of the card."""
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        return _oembed_error(_("Only format=json is offered."), 501)
    target = request.GET.get("url", "")
    if not target or len(target) > 2000:
        return _oembed_error(_("Give the address of a pledge or a campaign as url=."), 400)
    width = _dimension(request, "maxwidth", CARD_WIDTH)
    height = _dimension(request, "maxheight", CARD_HEIGHT)
    if width is None or height is None:
        return _oembed_error(_("maxwidth and maxheight must be whole numbers of pixels."), 400)
    parts = urlsplit(target)
    ours = {urlsplit(settings.SITE_URL).hostname, request.get_host().split(":")[0]}
    if parts.scheme not in ("http", "https") or parts.hostname not in ours:
        return _oembed_error(_("That address is not a page of this site."), 404)
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return _oembed_error(_("That address is not a pledge or a campaign."), 404)
    if match.view_name == "pledges:detail":
        try:
            pledge = embeddable_pledge(int(match.kwargs["pk"]))
        except Http404:
            return _oembed_error(_("That pledge cannot be embedded."), 404)
        title, card = pledge.sentence, reverse("embed_pledge", args=[pledge.pk])
    elif match.view_name == "pledges:campaign":
        try:
            campaign = embeddable_campaign(match.kwargs["slug"])
        except Http404:
            return _oembed_error(_("There is no such campaign."), 404)
        title, card = campaign.name, reverse("embed_campaign", args=[campaign.slug])
    else:
        return _oembed_error(_("That address is not a pledge or a campaign."), 404)
    from markupsafe import escape

    html = (
        f'<iframe src="{escape(settings.SITE_URL + card)}" title="{escape(title)}" '
        f'width="{width}" height="{height}" loading="lazy" style="border:0"></iframe>'
    )
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Radicals",
            "provider_url": settings.SITE_URL,
            "title": title,
            "html": html,
            "width": width,
            "height": height,
        }
    )


# --- Crediting arrivals ---------------------------------------------------------------------


def _count(*, host: str, kind: str, pledge_id=None, campaign_id=None) -> None:
    day = timezone.localdate()
    with transaction.atomic():
        row, created = EmbedArrival.objects.get_or_create(
            host=host,
            day=day,
            kind=kind,
            pledge_id=pledge_id,
            campaign_id=campaign_id,
            defaults={"count": 1},
        )
        if not created:
            EmbedArrival.objects.filter(pk=row.pk).update(count=F("count") + 1)


def arrived_through_card(request, host: str) -> None:
    """A visitor followed a card's link: count the visit and remember the host."""
    host = (host or "").strip().lower()[:200]
    if not host or host not in allowed_hosts():
        return
    pledge_id = campaign_id = None
    try:
        match = resolve(request.path)
    except Resolver404:
        match = None
    if match is not None and match.view_name == "pledges:detail":
        pledge_id = match.kwargs.get("pk")
    elif match is not None and match.view_name == "pledges:campaign":
        from pledges.models import Campaign

        campaign_id = (
            Campaign.objects.filter(slug=match.kwargs.get("slug"))
            .values_list("pk", flat=True)
            .first()
        )
    if pledge_id is not None:
        from pledges.models import Pledge

        if not Pledge.objects.filter(pk=pledge_id).exists():
            pledge_id = None
    _count(host=host, kind=EmbedArrival.Kind.VISIT, pledge_id=pledge_id, campaign_id=campaign_id)
    if getattr(request, "session", None) is not None:
        request.session[SESSION_KEY] = {"host": host, "at": timezone.now().isoformat()}


def host_from_session(session) -> str | None:
    value = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(value, dict):
        return None
    try:
        since = datetime.datetime.fromisoformat(value["at"])
        host = str(value["host"])
    except (KeyError, TypeError, ValueError):
        return None
    if since + datetime.timedelta(days=SESSION_DAYS) < timezone.now():
        return None
    return host


def on_signature_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A signature saved through the ORM (a co-sign sends `co_signed` instead)."""
    if raw or not created:
        return
    on_co_signed(sender, instance)


def on_co_signed(sender, signature, **kwargs) -> None:
    """A co-sign made in a visit that came through a card is counted for its host."""
    if signature.is_author:
        return
    host = current_embed_host.get()
    if not host:
        return
    pledge = signature.pledge
    _count(
        host=host,
        kind=EmbedArrival.Kind.CO_SIGN,
        pledge_id=pledge.pk,
        campaign_id=pledge.campaign_id,
    )


def connect() -> None:
    from django.db.models.signals import post_save

    from pledges.models import Signature
    from pledges.signals import co_signed

    post_save.connect(
        on_signature_saved, sender=Signature, dispatch_uid="reports-embed-credit-co-sign"
    )
    co_signed.connect(on_co_signed, dispatch_uid="reports-embed-credit-co-signed")


# --- Reading the credit ---------------------------------------------------------------------


@reads_from_replica()
def arrivals_by_host(*, scope: str, scope_id: int = 0, limit: int = 50) -> list[dict]:
    """Visits and co-signs through embed cards, per host, in a scope (platform,
    campaign or community), busiest first."""
    rows = EmbedArrival.objects.all()
    if scope == "campaign":
        rows = rows.filter(campaign_id=scope_id)
    elif scope == "community":
        rows = rows.filter(pledge__community_id=scope_id)
    totals: dict[str, dict] = {}
    for row in rows.order_by().values("host", "kind").annotate(n=Sum("count")):
        entry = totals.setdefault(row["host"], {"host": row["host"], "visits": 0, "co_signs": 0})
        entry["visits" if row["kind"] == EmbedArrival.Kind.VISIT else "co_signs"] += row["n"]
    ranked = sorted(totals.values(), key=lambda e: (-e["co_signs"], -e["visits"], e["host"]))
    return ranked[:limit]
