"""Project-level pages: home, health check, accessibility statement and error pages."""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.response import Response

from kernel import sections
from radicals import readiness


def home(request):
    return render(
        request,
        "home.jinja",
        {
            "stats": sections.home_figures.collect(request=request),
            "sections": sections.home.collect(request=request),
        },
    )


def nhsuk_asset(request, path: str):
    """Send the NHS.UK stylesheet's /assets/… icon requests to the served static copy."""
    from django.contrib.staticfiles import finders
    from django.http import Http404, HttpResponsePermanentRedirect
    from django.templatetags.static import static

    name = f"nhsuk/assets/{path}"
    if ".." in path or finders.find(name) is None:
        raise Http404(_("No such NHS.UK asset."))
    return HttpResponsePermanentRedirect(static(name))


def accessibility(request):
    return render(request, "accessibility.jinja")


@never_cache
def healthz(request):
    """Liveness: the process is up and answering. Cheap and public, it touches no
    database, cache, broker or worker (that is /readyz), so a load balancer or container
    check can call it as often as it likes."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness for operators: database, replica, cache, broker and worker, each in one
    fixed word. 200 when ready, 503 when not. With READINESS_TOKEN set only staff or a
    caller sending `Authorization: Bearer <token>` is answered (others get 404, as if
    there were nothing here)."""
    if not _may_see_readiness(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    ready, checks = readiness.report()
    return JsonResponse(
        {"status": "ready" if ready else "unready", "checks": checks},
        status=200 if ready else 503,
    )


def _may_see_readiness(request) -> bool:
    token = settings.READINESS_TOKEN
    if not token:
        return True
    if request.user.is_authenticated and request.user.is_staff:
        return True
    given = request.headers.get("Authorization", "")
    return constant_time_compare(given, f"Bearer {token}")


def error_400(request, exception=None):
    return render(request, "errors/400.jinja", status=400)


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else None
    return render(request, "errors/403.jinja", {"message": message}, status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.jinja", status=404)


def error_500(request):
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.jinja").render({}))


class CachedSchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process for each known version and
    language rather than on every request: it is the same for everyone and only changes
    with a deployment, and generating it costs a noticeable slice of a second.

    Only the versions and languages the platform has are answered (anything else is a
    clear 404 / 400), so the copies kept are few and bounded: a stranger cannot make the
    process build and hold a new schema for every value they invent, nor put their own
    text into the Content-Disposition header.
    """

    max_cached_schemas = 8
    _cache: dict = {}
    _lock = threading.Lock()

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        lang = request.GET.get("lang")
        if lang and lang not in dict(settings.LANGUAGES):
            raise ParseError(
                _("Unknown language “%(lang)s”: use one of %(known)s.")
                % {"lang": lang[:20], "known": ", ".join(dict(settings.LANGUAGES))}
            )
        return super().get(request, *args, **kwargs)

    def _get_schema_response(self, request):
        version = self.api_version or request.version or request.GET.get("version") or None
        if version is not None and version not in known_schema_versions():
            raise NotFound(
                _("Unknown API version: the schema is published for version %(known)s.")
                % {"known": ", ".join(known_schema_versions())}
            )
        key = (version, translation.get_language())
        cache = self._cache  # insertion-ordered: the least recently used comes first
        with self._lock:
            data = cache.pop(key, None)
            if data is not None:
                cache[key] = data
        if data is None:
            data = super()._get_schema_response(request).data
            with self._lock:
                cache[key] = data
                while len(cache) > self.max_cached_schemas:
                    del cache[next(iter(cache))]
        filename = self._get_filename(request, version)
        return Response(
            data=data, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


def known_schema_versions() -> tuple[str, ...]:
    """The API versions the schema is published for: today the one in SPECTACULAR_SETTINGS."""
    from drf_spectacular.settings import spectacular_settings

    return (str(spectacular_settings.VERSION),)
