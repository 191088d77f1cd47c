from django.urls import path

from reports import open_data, spc_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("communities/<slug:slug>/", views.community_dashboard, name="community_dashboard"),
    path("communities/<slug:slug>/network/", views.community_network, name="community_network"),
    path("network/", views.network, name="network"),
    path("exports/", views.exports_page, name="exports"),
    path("exports/<int:pk>/", views.export_detail, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("invite/", views.invite, name="invite"),
    path("badges/", views.badges, name="badges"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data.csv", views.open_data_csv, name="open_data_csv"),
    path("open-data.json", views.open_data_json, name="open_data_json"),
]

urlpatterns += [
    path("spc/<str:scope>/<int:scope_id>/<str:measure>.csv", spc_views.spc_csv, name="spc_csv"),
    path("spc/<str:scope>/<int:scope_id>/rebase/", spc_views.spc_rebase, name="spc_rebase"),
    path(
        "spc/baselines/<int:pk>/delete/",
        spc_views.spc_baseline_delete,
        name="spc_baseline_delete",
    ),
]

urlpatterns += [
    path("open-data/datapackage.json", open_data.package, name="open_data_package"),
    path("open-data/<str:dimension>.csv", open_data.resource_csv, name="open_data_resource"),
]
