"""The SPC charts of a scope, and their re-base dates, through the API."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api import StrictFieldsMixin
from reports import spc_selectors, spc_services, spc_views
from reports.forms import DEFAULT_DAYS
from reports.models import Scope, SpcBaseline
from reports.services import date_range_errors

SCOPES = [Scope.PLATFORM, Scope.COMMUNITY, Scope.CAMPAIGN, Scope.ORGANISATION, Scope.REGION]


class ScopeSerializer(StrictFieldsMixin, serializers.Serializer):
    scope = serializers.ChoiceField(choices=[s.value for s in SCOPES])
    scope_id = serializers.IntegerField(min_value=0, max_value=2**63 - 1, default=0)


class SpcQuerySerializer(ScopeSerializer):
    series = serializers.ChoiceField(choices=["weekly", "monthly"], default="weekly")
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        errors = date_range_errors(data.get("date_from"), data.get("date_to"))
        if errors:
            raise serializers.ValidationError(errors)
        return data


class SpcPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.FloatField()
    mean = serializers.FloatField(allow_null=True)
    lower_limit = serializers.FloatField(allow_null=True)
    upper_limit = serializers.FloatField(allow_null=True)
    signal = serializers.CharField(help_text=_("The special-cause rules the point breaks."))


class SpcChartSerializer(serializers.Serializer):
    measure = serializers.CharField()
    label = serializers.CharField()
    better = serializers.ChoiceField(choices=["higher", "lower", "neither"])
    variation = serializers.ChoiceField(
        choices=["no_limits", "common_cause", "improving", "concerning", "neither"]
    )
    variation_label = serializers.CharField()
    sentence = serializers.CharField()
    rebased_on = serializers.ListField(child=serializers.DateField())
    points = SpcPointSerializer(many=True)


class SpcChartsSerializer(serializers.Serializer):
    scope = serializers.CharField()
    scope_id = serializers.IntegerField()
    minimum_points = serializers.IntegerField()
    charts = SpcChartSerializer(many=True)


def _scope_checked(request, scope: str, scope_id: int):
    obj = spc_views.scope_object(scope, scope_id)
    spc_views.check_can_see(request.user, scope, obj)
    return obj


class SpcChartsView(APIView):
    """XmR charts of one scope, read by the Making Data Count rules: weekly measures
    from the rollups, or the movement network by month."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="SPC charts of a scope",
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, enum=[s.value for s in SCOPES]),
            OpenApiParameter("scope_id", OpenApiTypes.INT, description="0 for the platform."),
            OpenApiParameter("series", OpenApiTypes.STR, enum=["weekly", "monthly"]),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
        ],
        responses={200: SpcChartsSerializer},
    )
    def get(self, request):
        query = SpcQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope, scope_id = data["scope"], data["scope_id"]
        _scope_checked(request, scope, scope_id)
        if data["series"] == "monthly":
            items = spc_selectors.monthly_network_charts(scope=scope, scope_id=scope_id)
        else:
            date_to = data.get("date_to") or timezone.localdate()
            date_from = data.get("date_from") or date_to - datetime.timedelta(days=DEFAULT_DAYS - 1)
            items = spc_selectors.weekly_charts(
                scope=scope, scope_id=scope_id, date_from=min(date_from, date_to), date_to=date_to
            )
        charts = [
            {
                "measure": item.measure,
                "label": item.label,
                "better": item.better.value,
                "variation": item.chart.variation.value,
                "variation_label": item.variation_label,
                "sentence": item.sentence,
                "rebased_on": item.rebased_on,
                "points": spc_selectors.spc_rows(item),
            }
            for item in items
        ]
        return Response(
            SpcChartsSerializer(
                {
                    "scope": scope,
                    "scope_id": scope_id,
                    "minimum_points": spc_selectors.spc.MIN_POINTS,
                    "charts": charts,
                }
            ).data
        )


class SpcBaselineSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    measure = serializers.ChoiceField(
        choices=[SpcBaseline.ALL_MEASURES, *(m for m, _label in spc_selectors.MEASURE_CHOICES)]
    )

    class Meta:
        model = SpcBaseline
        fields = ["id", "scope", "scope_id", "measure", "starts_on", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service decides whether a re-base is new; the database's uniqueness is
        # not a validation error for a repeated request.
        validators: list = []


class SpcBaselineListView(generics.ListCreateAPIView):
    """The re-base dates of a scope's charts. Organisers re-base their community's;
    admins any scope's."""

    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = SpcBaselineSerializer
    pagination_class = None

    @extend_schema(
        summary="Re-base dates of a scope's SPC charts",
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, enum=[s.value for s in SCOPES]),
            OpenApiParameter("scope_id", OpenApiTypes.INT, description="0 for the platform."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SpcBaseline.objects.none()
        query = ScopeSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        scope, scope_id = query.validated_data["scope"], query.validated_data["scope_id"]
        _scope_checked(self.request, scope, scope_id)
        return spc_selectors.baselines(scope=scope, scope_id=scope_id)

    @extend_schema(summary="Re-base a scope's SPC chart at a date")
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {"scope_id": 0, **serializer.validated_data}
        if data["scope"] not in SCOPES:
            raise serializers.ValidationError({"scope": [_("There are no charts of that scope.")]})
        spc_views.scope_object(data["scope"], data["scope_id"])
        baseline = spc_services.spc_baseline_add(actor=request.user, **data)
        return Response(self.get_serializer(baseline).data, status=status.HTTP_201_CREATED)


class SpcBaselineDetailView(generics.DestroyAPIView):
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = SpcBaselineSerializer

    def get_object(self) -> SpcBaseline:
        baseline = SpcBaseline.objects.filter(pk=self.kwargs["pk"]).first()
        if baseline is None:
            raise Http404(_("No such re-base."))
        spc_views.check_can_see(
            self.request.user,
            baseline.scope,
            spc_views.scope_object(baseline.scope, baseline.scope_id),
        )
        return baseline

    @extend_schema(summary="Remove a re-base date")
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance):
        spc_services.spc_baseline_remove(actor=self.request.user, baseline=instance)
