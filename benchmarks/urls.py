"""Benchmark reference views, mounted at /bench/ only when BENCHMARK_VIEWS=true."""

from django.urls import path

from benchmarks import views

app_name = "bench"

urlpatterns = [
    path("bare/", views.bare, name="bare"),
    path("sql/wall/", views.wall, name="wall"),
    path("sql/api/pledges/", views.wall, name="api-pledges"),
    path("sql/pledges/<int:pk>/", views.pledge_detail, name="pledge"),
    path("sql/communities/<slug:slug>/", views.community, name="community"),
    path("sql/home/", views.home, name="home"),
    path("sql/pledges/<int:pk>/sign/", views.co_sign, name="sign"),
]
