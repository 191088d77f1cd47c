"""API routes of the reports app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from reports import api, embed_api, spc_api

urlpatterns: list = [
    path("reports/dashboard/", api.DashboardView.as_view(), name="report-dashboard"),
    path("reports/network/", api.NetworkView.as_view(), name="report-network"),
    path("reports/open-data/", api.OpenDataView.as_view(), name="report-open-data"),
    path(
        "reports/members/<int:pk>/badges/",
        api.MemberBadgesView.as_view(),
        name="report-member-badges",
    ),
    path("reports/me/badge-setting/", api.BadgeSettingView.as_view(), name="report-badge-setting"),
    path("reports/me/invite/", api.InviteView.as_view(), name="report-invite"),
    path(
        "reports/me/invite/emails/",
        api.InviteEmailView.as_view(),
        name="report-invite-emails",
    ),
    path("reports/exports/", api.ExportListView.as_view(), name="report-exports"),
    path("reports/exports/<int:pk>/", api.ExportDetailView.as_view(), name="report-export"),
    path(
        "reports/exports/<int:pk>/download/",
        api.ExportDownloadView.as_view(),
        name="report-export-download",
    ),
    path("reports/subscriptions/", api.SubscriptionListView.as_view(), name="report-subscriptions"),
    path(
        "reports/subscriptions/<int:pk>/",
        api.SubscriptionDetailView.as_view(),
        name="report-subscription",
    ),
    path("reports/spc/", spc_api.SpcChartsView.as_view(), name="report-spc"),
    path(
        "reports/spc/baselines/",
        spc_api.SpcBaselineListView.as_view(),
        name="report-spc-baselines",
    ),
    path(
        "reports/spc/baselines/<int:pk>/",
        spc_api.SpcBaselineDetailView.as_view(),
        name="report-spc-baseline",
    ),
    path(
        "reports/embeds/arrivals/",
        embed_api.EmbedArrivalsView.as_view(),
        name="report-embed-arrivals",
    ),
    path(
        "reports/open-data/package/",
        embed_api.OpenDataPackageView.as_view(),
        name="report-open-data-package",
    ),
]
