from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from members import api as members_api
from radicals import views

api_patterns = [
    path("me/", members_api.MeView.as_view(), name="me"),
    path("members/<int:pk>/", members_api.MemberDetailView.as_view(), name="member-detail"),
    path("organisations/", members_api.OrganisationListView.as_view(), name="organisations"),
    path("regions/", members_api.RegionListView.as_view(), name="regions"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "radicals.views.error_400"
handler403 = "radicals.views.error_403"
handler404 = "radicals.views.error_404"
handler500 = "radicals.views.error_500"

admin.site.site_header = "Radicals administration"
admin.site.site_title = "Radicals admin"
admin.site.index_title = "Run the platform"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
