"""The pledges API: campaigns, themes, pledges, co-signing, check-ins and marking done.

Serializers parse and present; every write goes through services.py, whose
ValidationError / PermissionDenied become 400 / 403 in kernel.api.exception_handler.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, pagination, permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from communities.models import Community
from communities.moderation import ModerationStatus
from kernel import written
from kernel.api import Rows, StrictFieldsMixin
from members.api import MemberRefSerializer
from pledges import outcomes, selectors, services
from pledges.filters import PledgeFilter
from pledges.models import Campaign, CheckIn, Pledge, Signature, Thanks, Theme


class NoCountPagination(pagination.BasePagination):
    """Page numbers without counting the whole list: the wall may hold millions of
    pledges, so one row more than the page is read to know if there is a next page."""

    page_size = 20
    max_page_size = 100

    def _size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            size = self.page_size
        return min(max(size, 1), self.max_page_size)

    def _number(self, request) -> int:
        """A whole number from 1 to MAX_PAGE, or a 404 that says which pages exist."""
        value = request.query_params.get("page", "1")
        if not value.isdecimal() or not 1 <= int(value) <= selectors.MAX_PAGE:
            raise NotFound(
                _("Invalid page. Pages run from 1 to %(max)s.") % {"max": selectors.MAX_PAGE}
            )
        return int(value)

    def paginate_queryset(self, queryset, request, view=None):
        number = self._number(request)
        self.request = request
        self.page = selectors.page_of(queryset, page=number, size=self._size(request))
        return self.page.items

    def paginate_filterset(self, filterset, request):
        """A page of the wall: the filterset reads its search from the full-text index."""
        number = self._number(request)
        self.request = request
        self.page = filterset.page(page=number, size=self._size(request))
        if self.page.past_last_page:
            raise NotFound(
                _("Invalid page. A search shows pages 1 to %(max)s: narrow it to see more.")
                % {"max": self.page.last_page}
            )
        return self.page.items

    def _link(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.page.number + 1) if self.page.has_next else None,
                "previous": self._link(self.page.number - 1) if self.page.has_previous else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://radicals.example.nhs.uk/api/pledges/?page=3",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://radicals.example.nhs.uk/api/pledges/?page=1",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": (
                    f"Page number, from 1 to {selectors.MAX_PAGE} ({selectors.SEARCH_MAX_PAGE} "
                    "for a search); any other value is a 404 that says so."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": selectors.MAX_PAGE},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Results per page, up to {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]


# --- Serializers -------------------------------------------------------------------------


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "name", "name_cy", "slug", "description"]


class CampaignSerializer(serializers.ModelSerializer):
    pledge_count = serializers.IntegerField(read_only=True)
    total_quantity = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "starts_on",
            "ends_on",
            "target",
            "unit",
            "pledge_count",
            "total_quantity",
        ]


class PledgeSerializer(serializers.ModelSerializer):
    sentence = serializers.CharField(read_only=True)
    author = MemberRefSerializer(read_only=True)
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    unit = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = [
            "id",
            "url",
            "title",
            "sentence",
            "description",
            "language",
            "author",
            "theme",
            "campaign",
            "community",
            "visibility",
            "due_date",
            "threshold",
            "threshold_deadline",
            "status",
            "signer_count",
            "done_count",
            "total_quantity",
            "unit",
            "moderation_status",
            "created_at",
            "activated_at",
            "completed_at",
            "failed_at",
            "withdrawn_at",
        ]
        read_only_fields = fields

    def get_url(self, pledge) -> str:
        request = self.context.get("request")
        path = pledge.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


# The list's rows, as PledgeSerializer writes them (kernel.api.Rows).
PLEDGE_ROWS = Rows(PledgeSerializer)


class MySignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signature
        fields = ["is_author", "signed_at", "done_at", "outcome", "last_check_in_at"]


class OutcomeStorySerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(help_text="The story's address on this site.")


class PledgeOutcomeSerializer(serializers.Serializer):
    """What happened, once a pledge is over (completed or failed)."""

    status = serializers.ChoiceField(choices=Pledge.Status.choices)
    lapsed = serializers.BooleanField(help_text="Completed because its due date passed.")
    signers = serializers.IntegerField(help_text="Everyone who signed, the author included.")
    done = serializers.IntegerField(help_text="How many of them did it.")
    total = serializers.CharField(help_text="The measured total, in the campaign's unit.")
    unit = serializers.CharField(allow_blank=True)
    sentence = serializers.CharField(allow_blank=True, help_text="What the author said happened.")
    story = OutcomeStorySerializer(allow_null=True)


class PledgeDetailSerializer(PledgeSerializer):
    my_signature = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta(PledgeSerializer.Meta):
        fields = [*PledgeSerializer.Meta.fields, "my_signature", "outcome"]
        read_only_fields = fields

    @extend_schema_field(PledgeOutcomeSerializer(allow_null=True))
    def get_outcome(self, pledge) -> dict | None:
        request = self.context.get("request")
        outcome = outcomes.outcome_of(pledge=pledge, user=request.user if request else None)
        return PledgeOutcomeSerializer(outcome.as_dict()).data if outcome else None

    @extend_schema_field(MySignatureSerializer(allow_null=True))
    def get_my_signature(self, pledge) -> dict | None:
        request = self.context.get("request")
        signature = selectors.signature_of(user=request.user if request else None, pledge=pledge)
        return MySignatureSerializer(signature).data if signature else None


class PledgeCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(
        allow_blank=True,
        trim_whitespace=True,
        help_text=gettext_lazy('What you will do; the pledge reads "I will <title>".'),
    )
    description = serializers.CharField(allow_blank=True, required=False, default="")
    language = written.api_field()
    theme = serializers.SlugRelatedField(slug_field="slug", queryset=Theme.objects.all())
    campaign = serializers.SlugRelatedField(
        slug_field="slug", queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    community = serializers.SlugRelatedField(
        slug_field="slug", queryset=Community.objects.all(), required=False, allow_null=True
    )
    visibility = serializers.ChoiceField(
        choices=Pledge.Visibility.choices, required=False, default=Pledge.Visibility.PUBLIC
    )
    due_date = serializers.DateField()
    threshold = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "How many OTHER people must sign before the pledge is on (1 to 10,000)."
        ),
    )
    threshold_deadline = serializers.DateField(required=False, allow_null=True)


class PledgeUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    language = written.api_field()
    theme = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), required=False
    )
    due_date = serializers.DateField(required=False)


class SignatureSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Signature
        fields = ["id", "member", "is_author", "signed_at", "done_at", "outcome"]
        read_only_fields = fields


class SignStateSerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Pledge.Status.choices)
    signer_count = serializers.IntegerField()
    signers_still_needed = serializers.IntegerField()


class CheckInSerializer(serializers.ModelSerializer):
    author = MemberRefSerializer(read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "author",
            "note",
            "quantity",
            "language",
            "moderation_status",
            "created_at",
        ]
        read_only_fields = fields


class CheckInCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(allow_blank=True)
    language = written.api_field()
    quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "A measured amount in the campaign's unit (for example miles), more than 0."
        ),
    )


class DoneSerializer(StrictFieldsMixin, serializers.Serializer):
    outcome = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("One sentence about what you did and what changed."),
    )


def _sign_state(pledge: Pledge, signed: bool) -> dict:
    return {
        "signed": signed,
        "status": pledge.status,
        "signer_count": pledge.signer_count,
        "signers_still_needed": pledge.signers_still_needed,
    }


CREATE_EXAMPLE = OpenApiExample(
    "A threshold pledge",
    value={
        "title": "walk the Morecambe Bay Mile every lunchtime in March",
        "description": "Fresh air and a break away from the ward.",
        "theme": "staff-wellbeing",
        "campaign": "morecambe-bay-mile",
        "visibility": "public",
        "due_date": "2027-03-31",
        "threshold": 5,
        "threshold_deadline": "2027-02-28",
    },
    request_only=True,
)
PLEDGE_EXAMPLE = OpenApiExample(
    "A pledge",
    value={
        "id": 42,
        "url": "https://radicals.example.nhs.uk/pledges/42/",
        "title": "ask every patient what matters to them",
        "sentence": "I will ask every patient what matters to them",
        "description": "",
        "author": {"id": 7, "name": "Alice Ahmed"},
        "theme": "patient-experience",
        "campaign": "change-day-2026",
        "community": None,
        "visibility": "public",
        "due_date": "2027-03-31",
        "threshold": 2,
        "threshold_deadline": "2027-02-28",
        "status": "gathering",
        "signer_count": 2,
        "done_count": 0,
        "total_quantity": "0.00",
        "unit": "",
        "moderation_status": "published",
        "created_at": "2026-11-24T09:30:00Z",
        "activated_at": None,
        "completed_at": None,
        "failed_at": None,
        "withdrawn_at": None,
    },
    response_only=True,
)
SIGN_EXAMPLE = OpenApiExample(
    "Signed; one more person needed",
    value={"signed": True, "status": "gathering", "signer_count": 2, "signers_still_needed": 1},
    response_only=True,
)


# --- Campaigns and themes ---------------------------------------------------------------


def _campaigns_with_totals():
    counted = Q(pledges__moderation_status=ModerationStatus.PUBLISHED) & ~Q(
        pledges__status=Pledge.Status.WITHDRAWN
    )
    return selectors.campaigns_list().annotate(
        pledge_count=Count("pledges", filter=counted),
        total_quantity=Sum("pledges__total_quantity", filter=counted),
    )


@extend_schema(summary="Themes pledges can have", tags=["pledges"])
class ThemeListView(generics.ListAPIView):
    serializer_class = ThemeSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.themes_active()


@extend_schema(summary="Campaigns, newest first, with their pledge totals", tags=["pledges"])
class CampaignListView(generics.ListAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        return _campaigns_with_totals()


@extend_schema(summary="A campaign and its pledge totals", tags=["pledges"])
class CampaignDetailView(generics.RetrieveAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"

    def get_queryset(self):
        return _campaigns_with_totals()


# --- Pledges -------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="Pledges you may see, filtered, searched and sorted like the wall",
        tags=["pledges"],
        examples=[PLEDGE_EXAMPLE],
    ),
    post=extend_schema(
        summary="Make a pledge",
        tags=["pledges"],
        request=PledgeCreateSerializer,
        responses={201: PledgeSerializer},
        examples=[CREATE_EXAMPLE, PLEDGE_EXAMPLE],
    ),
)
class PledgeListCreateView(generics.ListCreateAPIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filterset_class = PledgeFilter
    pagination_class = NoCountPagination

    def get_queryset(self):
        return selectors.pledge_wall(user=self.request.user)

    def get_serializer_class(self):
        return PledgeCreateSerializer if self.request.method == "POST" else PledgeSerializer

    def list(self, request, *args, **kwargs):
        # The filterset is read here rather than by the filter backend, so the page can
        # apply its search (filters.PledgeFilter.page); the backend still documents it.
        filterset = PledgeFilter(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        items = self.paginator.paginate_filterset(filterset, request)
        return self.get_paginated_response(
            PLEDGE_ROWS.write(items, context=self.get_serializer_context())
        )

    def create(self, request, *args, **kwargs):
        serializer = PledgeCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        pledge = services.pledge_create(author=request.user, **serializer.validated_data)
        return Response(
            PledgeSerializer(pledge, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    get=extend_schema(summary="A pledge you may see", tags=["pledges"]),
    patch=extend_schema(
        summary="Change your pledge's words, theme or due date",
        tags=["pledges"],
        request=PledgeUpdateSerializer,
        responses={200: PledgeDetailSerializer},
        examples=[
            OpenApiExample(
                "A new due date",
                value={"due_date": "2027-04-30"},
                request_only=True,
            )
        ],
    ),
)
class PledgeDetailView(generics.RetrieveUpdateAPIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = PledgeDetailSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Pledge:
        return selectors.pledge_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def update(self, request, *args, **kwargs):
        pledge = self.get_object()
        serializer = PledgeUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        pledge = services.pledge_update(
            pledge=pledge, actor=request.user, **serializer.validated_data
        )
        pledge = selectors.pledge_get_for(user=request.user, pk=pledge.pk)
        return Response(PledgeDetailSerializer(pledge, context={"request": request}).data)


class _PledgeActionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def pledge(self) -> Pledge:
        return selectors.pledge_get_for(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(
    summary="Withdraw your pledge (it stays, shown as withdrawn)",
    tags=["pledges"],
    request=None,
    responses={200: PledgeSerializer},
)
class PledgeWithdrawView(_PledgeActionView):
    def post(self, request, pk: int):
        pledge = services.pledge_withdraw(pledge=self.pledge(), actor=request.user)
        return Response(PledgeSerializer(pledge, context={"request": request}).data)


@extend_schema(
    summary="“I’ll do it too”: co-sign a pledge (signing twice changes nothing)",
    tags=["pledges"],
    request=None,
    responses={200: SignStateSerializer},
    examples=[SIGN_EXAMPLE],
)
class PledgeSignView(_PledgeActionView):
    def post(self, request, pk: int):
        signature = services.pledge_sign(pledge=self.pledge(), member=request.user)
        return Response(_sign_state(signature.pledge, signed=True))


@extend_schema(
    summary="Take back your signature while the pledge is open",
    tags=["pledges"],
    request=None,
    responses={200: SignStateSerializer},
    examples=[
        OpenApiExample(
            "Signature removed",
            value={
                "signed": False,
                "status": "gathering",
                "signer_count": 1,
                "signers_still_needed": 2,
            },
            response_only=True,
        )
    ],
)
class PledgeUnsignView(_PledgeActionView):
    def post(self, request, pk: int):
        pledge = services.pledge_unsign(pledge=self.pledge(), member=request.user)
        return Response(_sign_state(pledge, signed=False))


@extend_schema(summary="Who has signed a pledge, in signing order", tags=["pledges"])
class PledgeSignersView(generics.ListAPIView):
    serializer_class = SignatureSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = NoCountPagination
    filter_backends: list = []

    def get_queryset(self):
        pledge = selectors.pledge_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return (
            Signature.objects.filter(pledge=pledge)
            .select_related("member")
            .order_by("signed_at", "id")
        )


@extend_schema_view(
    get=extend_schema(summary="Check-ins on a pledge, newest first", tags=["pledges"]),
    post=extend_schema(
        summary="Check in on a pledge you signed",
        tags=["pledges"],
        request=CheckInCreateSerializer,
        responses={201: CheckInSerializer},
        examples=[
            OpenApiExample(
                "Progress with a measured quantity",
                value={"note": "Walked the mile three times this week.", "quantity": "3"},
                request_only=True,
            )
        ],
    ),
)
class PledgeCheckInsView(generics.ListCreateAPIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = NoCountPagination
    filter_backends: list = []

    def get_serializer_class(self):
        return CheckInCreateSerializer if self.request.method == "POST" else CheckInSerializer

    def pledge(self) -> Pledge:
        return selectors.pledge_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_queryset(self):
        return selectors.check_ins_visible_to(user=self.request.user, pledge=self.pledge())

    def create(self, request, *args, **kwargs):
        pledge = self.pledge()
        serializer = CheckInCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        check_in = services.check_in_create(
            pledge=pledge, author=request.user, **serializer.validated_data
        )
        return Response(
            CheckInSerializer(check_in, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(
    summary="Mark your own commitment done, with what happened",
    tags=["pledges"],
    request=DoneSerializer,
    responses={200: SignatureSerializer},
    examples=[
        OpenApiExample(
            "Done",
            value={"outcome": "Every patient on Ward 4 was asked what matters to them."},
            request_only=True,
        )
    ],
)
class PledgeDoneView(_PledgeActionView):
    def post(self, request, pk: int):
        pledge = self.pledge()
        serializer = DoneSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        signature = services.signature_mark_done(
            pledge=pledge, member=request.user, outcome=serializer.validated_data["outcome"]
        )
        return Response(SignatureSerializer(signature, context={"request": request}).data)


# --- Thanks ----------------------------------------------------------------------------


class ThanksSerializer(serializers.ModelSerializer):
    giver = MemberRefSerializer(read_only=True)
    recipient = MemberRefSerializer(read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = Thanks
        fields = [
            "id",
            "giver",
            "recipient",
            "pledge",
            "check_in",
            "commitment",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_note(self, thanks: Thanks) -> str:
        """A note a moderator hid (or holds back) reads only to the one who wrote it."""
        request = self.context.get("request")
        if thanks.is_published or (request and request.user.pk == thanks.giver_id):
            return thanks.note
        return ""


class ThanksCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    check_in = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("The check-in you thank them for.")
    )
    commitment = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("The commitment marked done you thank them for."),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("An optional short note, up to 280 characters."),
    )


@extend_schema_view(
    get=extend_schema(summary="Thanks you received, newest first", tags=["pledges"]),
    post=extend_schema(
        summary="Thank a colleague for a check-in or a commitment marked done",
        tags=["pledges"],
        request=ThanksCreateSerializer,
        responses={201: ThanksSerializer},
        examples=[
            OpenApiExample(
                "Thanks for a check-in",
                value={"check_in": 42, "note": "This made my week."},
                request_only=True,
            )
        ],
    ),
)
class ThanksListCreateView(generics.ListCreateAPIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = NoCountPagination
    filter_backends: list = []

    def get_serializer_class(self):
        return ThanksCreateSerializer if self.request.method == "POST" else ThanksSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no member
            return Thanks.objects.none()
        return selectors.thanks_received(member=self.request.user).select_related("recipient")

    def create(self, request, *args, **kwargs):
        serializer = ThanksCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        thanks = services.thanks_give(giver=request.user, **serializer.validated_data)
        return Response(
            ThanksSerializer(thanks, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
