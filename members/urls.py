from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("<int:pk>/", views.profile_detail, name="profile"),
    path("<int:pk>/edit/", views.profile_edit, name="edit_profile"),
    path("me/api-token/", views.api_token_reset, name="api_token_reset"),
    path("me/data/", views.data_export_request, name="data_export_request"),
    path("me/data/<str:token>/", views.data_export_download, name="data_export"),
    path("me/delete/", views.account_delete, name="account_delete"),
]
