from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView

import communities.api_urls
import learning.api_urls
import notifications.api_urls
import pledges.api_urls
import reports.api_urls
import stories.api_urls
from members import api as members_api
from members import views as members_views
from radicals import views

# Admins sign in through the same login page as everyone else, so the admin site has
# allauth's rate limits (failed logins lock an email address) and email verification.
# Set before admin.site.urls is read below, which captures the login view.
admin.site.login = secure_admin_login(admin.site.login)

# One "api" namespace; each app contributes its routes from its api_urls module.
api_patterns = [
    path("me/", members_api.MeView.as_view(), name="me"),
    path("members/<int:pk>/", members_api.MemberDetailView.as_view(), name="member-detail"),
    path("organisations/", members_api.OrganisationListView.as_view(), name="organisations"),
    path("regions/", members_api.RegionListView.as_view(), name="regions"),
    *communities.api_urls.urlpatterns,
    *pledges.api_urls.urlpatterns,
    *stories.api_urls.urlpatterns,
    *learning.api_urls.urlpatterns,
    *notifications.api_urls.urlpatterns,
    *reports.api_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    # Embed cards of pledges and campaigns for intranets, and their oEmbed.
    path("", include("reports.embed_urls")),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("language/<str:code>/", members_views.set_language, name="set-language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # The NHS.UK stylesheet names its icons by absolute /assets/ paths.
    path("assets/<path:path>", views.nhsuk_asset, name="nhsuk-asset"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("communities/", include("communities.urls")),
    path("pledges/", include("pledges.urls")),
    path("stories/", include("stories.urls")),
    path("learning/", include("learning.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("api/schema/", views.CachedSchemaView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

handler400 = "radicals.views.error_400"
handler403 = "radicals.views.error_403"
handler404 = "radicals.views.error_404"
handler500 = "radicals.views.error_500"

admin.site.site_header = _("Radicals administration")
admin.site.site_title = _("Radicals admin")
admin.site.index_title = _("Run the platform")

if settings.BENCHMARK_VIEWS:
    urlpatterns.append(path("bench/", include("benchmarks.urls")))


def debug_media_patterns() -> list:
    """Uploaded files for the development server, never MEDIA_ROOT/exports/: members'
    copies of their data and report exports are handed out only by their own views,
    which check who is asking."""
    from django.urls import re_path
    from django.views.static import serve

    prefix = settings.MEDIA_URL.lstrip("/")
    return [
        re_path(
            rf"^{prefix}(?!exports/)(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]


if settings.DEBUG:
    urlpatterns += debug_media_patterns()
