"""API routes of the notifications app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from notifications import api

urlpatterns: list = [
    path("notifications/", api.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/<int:pk>/read/",
        api.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllView.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/unread-count/",
        api.UnreadCountView.as_view(),
        name="notifications-unread-count",
    ),
    path(
        "notifications/preferences/",
        api.PreferencesView.as_view(),
        name="notification-preferences",
    ),
]
