"""Embed cards through the API: the visits and co-signs each site's cards brought, and
the open data package's descriptor."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import embeds, open_data, spc_views
from reports.models import Scope
from reports.spc_api import ScopeSerializer

ARRIVAL_SCOPES = [Scope.PLATFORM, Scope.COMMUNITY, Scope.CAMPAIGN]


class ArrivalScopeSerializer(ScopeSerializer):
    scope = serializers.ChoiceField(choices=[s.value for s in ARRIVAL_SCOPES])


class EmbedArrivalSerializer(serializers.Serializer):
    host = serializers.CharField()
    visits = serializers.IntegerField()
    co_signs = serializers.IntegerField()


class EmbedArrivalsView(APIView):
    """People who came through embed cards, by the site that showed them: for admins,
    and for organisers, their community's."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="Arrivals through embed cards, by site",
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, enum=[s.value for s in ARRIVAL_SCOPES]),
            OpenApiParameter("scope_id", OpenApiTypes.INT, description="0 for the platform."),
        ],
        responses={200: EmbedArrivalSerializer(many=True)},
    )
    def get(self, request):
        query = ArrivalScopeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope, scope_id = query.validated_data["scope"], query.validated_data["scope_id"]
        spc_views.check_can_see(request.user, scope, spc_views.scope_object(scope, scope_id))
        rows = embeds.arrivals_by_host(scope=scope, scope_id=scope_id)
        return Response(EmbedArrivalSerializer(rows, many=True).data)


class OpenDataPackageView(APIView):
    """The open data as a Frictionless data package: its datapackage.json descriptor."""

    permission_classes = [drf_permissions.AllowAny]

    @extend_schema(
        summary="Open data: the Frictionless data package descriptor",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day counted."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day counted."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        try:
            date_from, date_to = open_data.parse_range(request.query_params)
        except ValidationError as exc:
            raise serializers.ValidationError({"detail": exc.messages}) from None
        return Response(open_data.descriptor(date_from, date_to))
