"""The reports API: dashboard data, the movement network, badges, invitations, exports,
summary email subscriptions and open data. Every write calls a service."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.models import Community
from communities.selectors import community_for
from kernel.api import StrictFieldsMixin
from members.selectors import member_profile_for
from pledges.models import Campaign
from reports import permissions, selectors, services
from reports.forms import DEFAULT_DAYS
from reports.models import (
    METRIC_NAMES,
    Badge,
    DailyRollup,
    Export,
    ReportSubscription,
    Scope,
)
from reports.selectors import OPEN_DATA_METRICS, SUPPRESS_BELOW
from reports.views import OPEN_DATA_LICENCE, OPEN_DATA_LICENCE_URL, person_name

# --- Shared pieces -------------------------------------------------------------------------


def _metric_field(name: str) -> serializers.Field:
    if name == "outcome_total":
        return serializers.DecimalField(max_digits=18, decimal_places=2)
    return serializers.IntegerField()


MetricsSerializer = type(
    "MetricsSerializer",
    (serializers.Serializer,),
    {name: _metric_field(name) for name in METRIC_NAMES},
)


class SlugOf(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no such {slug_name}: “{value}”."),
        "invalid": gettext_lazy("Give the slug as text."),
    }


class PeriodFilterSerializer(StrictFieldsMixin, serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        errors = services.date_range_errors(data.get("date_from"), data.get("date_to"))
        if errors:
            raise serializers.ValidationError(errors)
        return data


class DashboardFilterSerializer(PeriodFilterSerializer):
    campaign = SlugOf(slug_field="slug", queryset=Campaign.objects.all(), required=False)
    community = SlugOf(slug_field="slug", queryset=Community.objects.all(), required=False)

    def validate(self, data):
        data = super().validate(data)
        if data.get("campaign") and data.get("community"):
            raise serializers.ValidationError(
                {"community": [_("Choose a campaign or a community, not both.")]}
            )
        return data


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    label = serializers.CharField()
    values = MetricsSerializer()


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    meaning = serializers.CharField()
    value = serializers.IntegerField()
    percent_of_signed = serializers.IntegerField()


class BreakdownRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    pledges_made = serializers.IntegerField()
    co_signs = serializers.IntegerField()
    people_done = serializers.IntegerField()
    stories_published = serializers.IntegerField()


class BreakdownsSerializer(serializers.Serializer):
    organisation = BreakdownRowSerializer(many=True, required=False)
    region = BreakdownRowSerializer(many=True, required=False)
    community = BreakdownRowSerializer(many=True, required=False)
    campaign = BreakdownRowSerializer(many=True, required=False)
    theme = BreakdownRowSerializer(many=True, required=False)


class DashboardSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    scope_id = serializers.IntegerField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    bucket = serializers.ChoiceField(choices=["day", "month"])
    totals = MetricsSerializer()
    periods = PeriodSerializer(many=True)
    funnel = FunnelStepSerializer(many=True)
    breakdowns = BreakdownsSerializer()


def _query(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


DATE_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (default 90 days ago)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (default today)"),
]


# --- Dashboards ------------------------------------------------------------------------------


class DashboardView(APIView):
    """Figures for a period, from the rollups: the platform (or one campaign or community)
    for admins; organisers ask for their own community."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="Dashboard figures",
        parameters=[
            *DATE_PARAMETERS,
            OpenApiParameter("campaign", OpenApiTypes.STR, description="A campaign's slug."),
            OpenApiParameter("community", OpenApiTypes.STR, description="A community's slug."),
        ],
        responses={200: DashboardSerializer},
    )
    def get(self, request):
        data = _query(DashboardFilterSerializer, request)
        community, campaign = data.get("community"), data.get("campaign")
        if community is not None:
            if not permissions.can_see_community_reports(request.user, community):
                raise PermissionDenied(
                    _(
                        "Only the organisers of %(community)s and platform admins can see "
                        "its figures."
                    )
                    % {"community": community.name}
                )
            scope, scope_id = Scope.COMMUNITY, community.pk
        elif not permissions.can_see_dashboard(request.user):
            raise PermissionDenied(
                _(
                    "The platform's figures are for platform admins. Organisers ask for "
                    "their own community's (?community=<slug>)."
                )
            )
        elif campaign is not None:
            scope, scope_id = Scope.CAMPAIGN, campaign.pk
        else:
            scope, scope_id = Scope.PLATFORM, 0
        today = selectors.today()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - datetime.timedelta(days=DEFAULT_DAYS - 1)
        date_from = min(date_from, date_to)
        dashboard = selectors.dashboard(
            scope=scope,
            scope_id=scope_id,
            date_from=date_from,
            date_to=date_to,
            with_breakdowns=scope == Scope.PLATFORM,
        )
        return Response(
            DashboardSerializer(
                {
                    "scope": dashboard.scope,
                    "scope_id": dashboard.scope_id,
                    "date_from": dashboard.date_from,
                    "date_to": dashboard.date_to,
                    "bucket": dashboard.bucket,
                    "totals": dashboard.totals,
                    "periods": dashboard.periods,
                    "funnel": dashboard.funnel,
                    "breakdowns": dashboard.breakdowns,
                }
            ).data
        )


# --- Open data -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": SUPPRESS_BELOW},
            {"type": "string", "enum": [f"<{SUPPRESS_BELOW}"]},
        ]
    }  # noqa: E501
)
class SuppressedCountField(serializers.Field):
    def to_representation(self, value):
        return value


OpenDataRowSerializer = type(
    "OpenDataRowSerializer",
    (serializers.Serializer,),
    {
        "dimension": serializers.ChoiceField(choices=["platform", "campaign", "region", "theme"]),
        "name": serializers.CharField(),
        "month": serializers.CharField(help_text="YYYY-MM"),
        **{name: SuppressedCountField() for name in OPEN_DATA_METRICS},
    },
)


class OpenDataFilterSerializer(StrictFieldsMixin, serializers.Serializer):
    dimension = serializers.ChoiceField(
        choices=["platform", "campaign", "region", "theme"], required=False
    )
    page = serializers.CharField(required=False)
    page_size = serializers.CharField(required=False)


class OpenDataView(generics.ListAPIView):
    """Monthly counts per campaign, region and theme, and for the whole platform, under
    the Open Government Licence v3.0. No personal data; counts under 5 are shown as "<5"."""

    permission_classes = [drf_permissions.AllowAny]
    serializer_class = OpenDataRowSerializer

    @extend_schema(
        summary="Open data: anonymised monthly counts",
        parameters=[
            OpenApiParameter(
                "dimension", OpenApiTypes.STR, enum=["platform", "campaign", "region", "theme"]
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["X-Licence"] = f"{OPEN_DATA_LICENCE} <{OPEN_DATA_LICENCE_URL}>"
        return response

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailyRollup.objects.none()
        data = _query(OpenDataFilterSerializer, self.request)
        return selectors.open_data_rows(dimension=data.get("dimension"))


# --- Badges ----------------------------------------------------------------------------------


class BadgeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()

    class Meta:
        model = Badge
        fields = ["kind", "name", "description", "awarded_at"]


class MemberBadgesView(generics.ListAPIView):
    """A member's badges, unless they hide them."""

    permission_classes = [drf_permissions.AllowAny]
    serializer_class = BadgeSerializer
    pagination_class = None

    @extend_schema(summary="A member's badges")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Badge.objects.none()
        member = member_profile_for(pk=self.kwargs["pk"], viewer=self.request.user)
        return selectors.badges_of(member=member, viewer=self.request.user)


class BadgeSettingSerializer(StrictFieldsMixin, serializers.Serializer):
    hide_badges = serializers.BooleanField()


class BadgeSettingView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(summary="Your badge setting", responses={200: BadgeSettingSerializer})
    def get(self, request):
        return Response({"hide_badges": selectors.badges_hidden(request.user)})

    @extend_schema(
        summary="Hide or show your badges",
        request=BadgeSettingSerializer,
        responses={200: BadgeSettingSerializer},
    )
    def patch(self, request):
        serializer = BadgeSettingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        setting = services.badge_setting_update(
            member=request.user, hide_badges=serializer.validated_data["hide_badges"]
        )
        return Response({"hide_badges": setting.hide_badges})


# --- Invitations -----------------------------------------------------------------------------


class InviteSerializer(serializers.Serializer):
    token = serializers.CharField()
    share_url = serializers.URLField()
    signup_url = serializers.URLField()
    signups = serializers.IntegerField()
    joins = serializers.IntegerField()
    co_signs = serializers.IntegerField()


class InviteView(APIView):
    """Your share link, and how many people came through it."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(summary="Your share link", responses={200: InviteSerializer})
    def get(self, request):
        invite = services.invite_ensure(member=request.user)
        summary = selectors.invite_summary(request.user)
        return Response(
            InviteSerializer(
                {
                    "token": invite.token,
                    "share_url": services.share_url(invite),
                    "signup_url": services.share_url(invite, reverse("account_signup")),
                    "signups": summary.signups,
                    "joins": summary.joins,
                    "co_signs": summary.co_signs,
                }
            ).data
        )


class InviteEmailSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    message = serializers.CharField(
        max_length=services.INVITE_MESSAGE_MAX_LENGTH, required=False, allow_blank=True
    )


class InviteEmailSentSerializer(serializers.Serializer):
    email = serializers.EmailField()
    sent_at = serializers.DateTimeField()


class InviteEmailView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]
    ratelimit_scope = "invite"

    @extend_schema(
        summary="Invite a colleague by email",
        request=InviteEmailSerializer,
        responses={201: InviteEmailSentSerializer},
    )
    def post(self, request):
        serializer = InviteEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sent = services.invite_email_send(inviter=request.user, **serializer.validated_data)
        return Response(InviteEmailSentSerializer(sent).data, status=status.HTTP_201_CREATED)


# --- The movement network --------------------------------------------------------------------


class NetworkStatSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    events = serializers.IntegerField()
    attributed_events = serializers.IntegerField()
    mobilisers = serializers.IntegerField()
    top_size = serializers.IntegerField()
    top_events = serializers.IntegerField()
    top_share = serializers.FloatField()
    computed_at = serializers.DateTimeField()


class NetworkMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    events = serializers.IntegerField()
    attributed_events = serializers.IntegerField()
    top_events = serializers.IntegerField()


class NetworkPersonSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField(required=False)
    events = serializers.IntegerField(required=False)
    recruits = serializers.IntegerField(required=False)
    recruits_mobilising = serializers.IntegerField(required=False)
    is_top = serializers.BooleanField(required=False)
    pledges = serializers.IntegerField(required=False)
    first_pledged_at = serializers.DateTimeField(required=False)


class NetworkSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    scope_id = serializers.IntegerField()
    stat = NetworkStatSerializer(allow_null=True)
    months = NetworkMonthSerializer(many=True)
    mobilisers = NetworkPersonSerializer(many=True)
    recruiters_of_mobilisers = NetworkPersonSerializer(many=True)
    lone_wolves = NetworkPersonSerializer(many=True)


class NetworkFilterSerializer(StrictFieldsMixin, serializers.Serializer):
    campaign = SlugOf(slug_field="slug", queryset=Campaign.objects.all(), required=False)
    community = SlugOf(slug_field="slug", queryset=Community.objects.all(), required=False)


class NetworkView(APIView):
    """The "3% drive 90%" figures, mobilisers, their recruiters and lone pledgers: the
    platform or a campaign for admins, a community for its organisers."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="The movement network",
        parameters=[
            OpenApiParameter("campaign", OpenApiTypes.STR, description="A campaign's slug."),
            OpenApiParameter("community", OpenApiTypes.STR, description="A community's slug."),
        ],
        responses={200: NetworkSerializer},
    )
    def get(self, request):
        data = _query(NetworkFilterSerializer, request)
        community, campaign = data.get("community"), data.get("campaign")
        if community is not None:
            community = community_for(slug=community.slug, user=request.user)
            if not permissions.can_see_community_reports(request.user, community):
                raise PermissionDenied(
                    _(
                        "Only the organisers of %(community)s and platform admins can see "
                        "its network."
                    )
                    % {"community": community.name}
                )
            scope, scope_id = Scope.COMMUNITY, community.pk
        elif not permissions.can_see_dashboard(request.user):
            raise PermissionDenied(_("The platform's network is for platform admins."))
        elif campaign is not None:
            scope, scope_id = Scope.CAMPAIGN, campaign.pk
        else:
            scope, scope_id = Scope.PLATFORM, 0
        stat = selectors.network_stat(scope=scope, scope_id=scope_id)
        user = request.user

        def person(row, **extra):
            return {"member_id": row.member_id, "name": person_name(row.member, user), **extra}

        return Response(
            NetworkSerializer(
                {
                    "scope": scope,
                    "scope_id": scope_id,
                    "stat": None
                    if stat is None
                    else {**{f: getattr(stat, f) for f in NetworkStatSerializer().fields}},
                    "months": selectors.network_months(scope=scope, scope_id=scope_id),
                    "mobilisers": [
                        person(
                            m,
                            rank=m.rank,
                            events=m.events,
                            recruits=m.recruits,
                            recruits_mobilising=m.recruits_mobilising,
                            is_top=m.is_top,
                        )
                        for m in selectors.mobilisers(scope=scope, scope_id=scope_id)
                    ],
                    "recruiters_of_mobilisers": [
                        person(m, rank=m.rank, recruits_mobilising=m.recruits_mobilising)
                        for m in selectors.recruiters_of_mobilisers(scope=scope, scope_id=scope_id)
                    ],
                    "lone_wolves": [
                        person(w, pledges=w.pledges, first_pledged_at=w.first_pledged_at)
                        for w in selectors.lone_wolves(scope=scope, scope_id=scope_id)
                    ],
                }
            ).data
        )


# --- Exports ---------------------------------------------------------------------------------


class ExportSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "dataset",
            "format",
            "community",
            "campaign",
            "date_from",
            "date_to",
            "include_personal",
            "status",
            "rows_total",
            "rows_done",
            "percent",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export: Export) -> str | None:
        if export.status != Export.Status.DONE or not export.file_name:
            return None
        return reverse("api:report-export-download", args=[export.pk])


class ExportRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    dataset = serializers.ChoiceField(choices=Export.Dataset.choices)
    format = serializers.ChoiceField(choices=Export.Format.choices, default=Export.Format.CSV)
    community = SlugOf(slug_field="slug", queryset=Community.objects.all(), required=False)
    campaign = SlugOf(slug_field="slug", queryset=Campaign.objects.all(), required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class ExportListView(generics.ListAPIView):
    """Your exports. POST asks for a new one, prepared in the background; asking again
    while the same export is being prepared gives back that one (200, not 202)."""

    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = ExportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Export.objects.none()
        return selectors.exports_of(self.request.user).order_by("-created_at", "-id")

    @extend_schema(summary="Your exports")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ask for an export",
        request=ExportRequestSerializer,
        responses={202: ExportSerializer, 200: ExportSerializer},
    )
    def post(self, request):
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.export_request(
            user=request.user, allow_inline=False, **serializer.validated_data
        )
        return Response(
            ExportSerializer(result.export).data,
            status=status.HTTP_202_ACCEPTED if result.created else status.HTTP_200_OK,
        )


class ExportDetailView(generics.RetrieveAPIView):
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = ExportSerializer

    @extend_schema(summary="One of your exports, with its progress")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Export:
        export = selectors.export_for(user=self.request.user, pk=self.kwargs["pk"])
        if export is None:
            raise Http404(_("No such export."))
        return export


class ExportDownloadView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="Download a finished export",
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk: int):
        from reports.views import _still_allowed

        export = selectors.export_for(user=request.user, pk=pk)
        if export is None:
            raise Http404(_("No such export."))
        if not _still_allowed(request.user, export):
            raise PermissionDenied(_("You can no longer download this export."))
        path = services.export_file_path(export)
        if path is None:
            raise Http404(_("This export is not ready, or it has expired."))
        response = FileResponse(path.open("rb"), as_attachment=True, filename=export.download_name)
        add_never_cache_headers(response)
        return response


# --- Summary email subscriptions -------------------------------------------------------------


class SubscriptionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    community = SlugOf(
        slug_field="slug", queryset=Community.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ReportSubscription
        fields = ["id", "frequency", "community", "last_period", "last_sent_at", "created_at"]
        read_only_fields = ["id", "last_period", "last_sent_at", "created_at"]


class SubscriptionListView(generics.ListCreateAPIView):
    """Your weekly or monthly summary emails (platform admins)."""

    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = SubscriptionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportSubscription.objects.none()
        if not permissions.can_subscribe(self.request.user):
            raise PermissionDenied(_("Summary emails are for platform admins."))
        return selectors.subscriptions_of(self.request.user).order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.subscription_create(
            member=self.request.user,
            frequency=serializer.validated_data["frequency"],
            community=serializer.validated_data.get("community"),
        )


class SubscriptionDetailView(generics.DestroyAPIView):
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = SubscriptionSerializer

    def get_object(self) -> ReportSubscription:
        subscription = (
            selectors.subscriptions_of(self.request.user).filter(pk=self.kwargs["pk"]).first()
        )
        if subscription is None:
            raise Http404(_("No such subscription."))
        return subscription

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance, actor=self.request.user)
