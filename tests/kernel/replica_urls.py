"""The platform's pages plus one marked heavy read that says which database it used."""

from django.http import JsonResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from kernel.replica import read_alias, reads_from_replica
from radicals.urls import urlpatterns as platform


@reads_from_replica()
def which_database(request):
    return JsonResponse({"database": read_alias()})


@api_view(["GET"])
@permission_classes([AllowAny])
@reads_from_replica()
def which_database_api(request):
    return Response({"database": read_alias()})


urlpatterns = [
    path("heavy/which-database/", which_database),
    path("api/heavy/which-database/", which_database_api),
    *platform,
]
