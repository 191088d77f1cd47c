"""Project-level pages: home, health check, accessibility statement and error pages."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from kernel import sections


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


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return "ok"


def _check_worker() -> str:
    from radicals.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


HEALTH_CHECKS = {"database": _check_database, "redis": _check_redis, "worker": _check_worker}


@never_cache
def healthz(request):
    """Database, Redis and a Celery worker each answer, or the platform is unhealthy (503)."""
    results = {}
    healthy = True
    for name, check in HEALTH_CHECKS.items():
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
            healthy = False
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:200]}
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": results},
        status=200 if healthy else 503,
    )


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
    """The OpenAPI schema, generated once per process (and language) rather than on every
    request: it is the same for everyone and only changes with a deployment, and
    generating it costs a noticeable slice of a second, which anyone could otherwise ask
    for again and again."""

    _cache: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        if key not in self._cache:
            self._cache[key] = super()._get_schema_response(request).data
        filename = self._get_filename(request, version)
        return Response(
            data=self._cache[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
