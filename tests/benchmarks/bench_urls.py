"""The site's URLs with the benchmark floors mounted, as BENCHMARK_VIEWS=true mounts them."""

from django.urls import include, path

from radicals.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("bench/", include("benchmarks.urls"))]
