from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("<int:pk>/", views.profile_detail, name="profile"),
    path("<int:pk>/edit/", views.profile_edit, name="edit_profile"),
    path("me/api-token/", views.api_token_reset, name="api_token_reset"),
]
