"""API routes of the learning app, mounted under /api/ in the "api" namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
