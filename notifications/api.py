"""The notifications API: a member's own notifications, read state and email choices."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api import StrictFieldsMixin
from notifications import kinds, selectors, services
from notifications.models import Delivery, Kind, Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    # In the language the request asks for, where the notice was written in it.
    title = serializers.CharField(source="shown_title", read_only=True)
    body = serializers.CharField(source="shown_body", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
            "is_read",
            "email_status",
        ]
        read_only_fields = fields


PreferencesSerializer = type(
    "NotificationPreferencesSerializer",
    (StrictFieldsMixin, serializers.Serializer),
    {
        kind: serializers.ChoiceField(
            choices=Delivery.choices,
            required=False,
            help_text=kinds.lazy_label_for(kind),
            error_messages={"invalid_choice": _("Choose immediate, digest or off.")},
        )
        for kind in Kind.values
    },
)

MarkedSerializer = inline_serializer(
    "NotificationsMarkedRead",
    fields={"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
)
UnreadSerializer = inline_serializer(
    "NotificationsUnreadCount", fields={"unread": serializers.IntegerField()}
)


@extend_schema(
    summary="Your notifications, newest first",
    parameters=[
        OpenApiParameter(
            "unread", OpenApiTypes.BOOL, description="Only notifications not yet read."
        )
    ],
)
class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return selectors.notifications_for(user=self.request.user, unread_only=unread)


class NotificationReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Mark one notification read", request=None, responses=NotificationSerializer
    )
    def post(self, request, pk: int):
        try:
            notification = services.notification_mark_read(member=request.user, notification_id=pk)
        except Notification.DoesNotExist as exc:
            raise Http404(_("No such notification.")) from exc
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Mark all your notifications read", request=None, responses=MarkedSerializer
    )
    def post(self, request):
        marked = services.notifications_mark_all_read(member=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})


class UnreadCountView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="How many notifications you have not read", responses=UnreadSerializer)
    def get(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})


class PreferencesView(APIView):
    """How each kind of notification is emailed to you: `immediate`, `digest` or `off`."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Your email choices, one per kind", responses=PreferencesSerializer)
    def get(self, request):
        return Response(selectors.preferences_for(user=request.user))

    @extend_schema(
        summary="Change some of your email choices",
        request=PreferencesSerializer,
        responses=PreferencesSerializer,
    )
    def patch(self, request):
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            services.preferences_update(member=request.user, changes=serializer.validated_data)
        )
