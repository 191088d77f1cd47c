"""The communities API: communities, membership, invitations, flags, and (for organisers)
the moderation queue, moderation actions and the audit log. Every write calls a service."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from communities import permissions as community_permissions
from communities import selectors, services
from communities.filters import AuditEntryFilter
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from communities.moderation import moderated_type_by_key, moderated_type_for
from communities.selectors import can_see
from kernel.api import StrictFieldsMixin
from members.api import MemberRefSerializer
from members.models import Organisation, Region, User

# --- Serializers ---------------------------------------------------------------------------


class CommunitySerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    organisers = serializers.SerializerMethodField()
    my_membership = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "guidelines",
            "joining_policy",
            "status",
            "organisation",
            "region",
            "member_count",
            "premoderate_first_posts",
            "organisers",
            "my_membership",
            "url",
            "created_at",
        ]
        read_only_fields = fields

    def get_organisers(self, community: Community) -> list[dict]:
        if not self.context.get("detail"):
            return []
        return MemberRefSerializer(
            selectors.organisers_of(community), many=True, context=self.context
        ).data

    def get_my_membership(self, community: Community) -> dict | None:
        memberships = self.context.get("memberships")
        if memberships is None:
            membership = selectors.membership_of(self.context["request"].user, community)
        else:
            membership = memberships.get(community.pk)
        if membership is None:
            return None
        return {"status": membership.status, "role": membership.role}

    def get_url(self, community: Community) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("communities:detail", args=[community.slug])
        )


class CommunityCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000)
    guidelines = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    joining_policy = serializers.ChoiceField(
        choices=Community.JoiningPolicy.choices, default=Community.JoiningPolicy.OPEN
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    organiser = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Admins only: the first organiser (default: the admin)."),
    )


class CommunitySettingsSerializer(StrictFieldsMixin, serializers.Serializer):
    description = serializers.CharField(max_length=5000, required=False)
    guidelines = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    joining_policy = serializers.ChoiceField(
        choices=Community.JoiningPolicy.choices, required=False
    )
    premoderate_first_posts = serializers.IntegerField(min_value=0, max_value=20, required=False)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )


class DecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "decline"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MembershipSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    member = MemberRefSerializer(read_only=True)
    invited_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "community",
            "member",
            "role",
            "status",
            "banned_until",
            "requested_at",
            "joined_at",
            "invited_by",
        ]
        read_only_fields = fields


class OrganiserMembershipSerializer(MembershipSerializer):
    """What organisers see of their members: also the request message and counts, and
    the member's id to act on them with."""

    member_id = serializers.IntegerField(read_only=True)

    class Meta(MembershipSerializer.Meta):
        fields = [
            *MembershipSerializer.Meta.fields,
            "member_id",
            "request_message",
            "posts_approved",
        ]
        read_only_fields = fields


class JoinSerializer(StrictFieldsMixin, serializers.Serializer):
    message = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("For communities whose organisers approve members."),
    )
    invitation = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Invitation token."),
    )


MEMBER_ACTIONS = [
    "approve",
    "decline",
    "appoint",
    "demote",
    "warn",
    "dismiss",
    "remove",
    "ban",
    "unban",
]


class MemberActionSerializer(StrictFieldsMixin, serializers.Serializer):
    action = serializers.ChoiceField(choices=MEMBER_ACTIONS)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    days = serializers.IntegerField(
        min_value=1,
        max_value=services.MAX_BAN_DAYS,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For a ban: its length in days; empty for an indefinite ban."),
    )


class InvitationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "token",
            "url",
            "note",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "use_count",
            "is_usable",
        ]
        read_only_fields = fields

    def get_url(self, invitation: Invitation) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("communities:invitation", args=[invitation.token])
        )


class InvitationCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    days_valid = serializers.IntegerField(
        min_value=1, max_value=services.MAX_INVITATION_DAYS, default=14
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _target_key(target_type: ContentType) -> str:
    return f"{target_type.app_label}.{target_type.model}"


class FlagSerializer(serializers.ModelSerializer):
    target_type = serializers.SerializerMethodField()
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "target_type", "target_id", "community", "reason", "status", "created_at"]
        read_only_fields = fields

    def get_target_type(self, flag: Flag) -> str:
        return _target_key(flag.target_type)


class FlagCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    target_type = serializers.CharField(
        max_length=100,
        help_text=gettext_lazy('"app_label.model", e.g. "pledges.pledge" or "members.user".'),
    )
    target_id = serializers.IntegerField(min_value=1)
    community = serializers.SlugField(
        required=False, help_text=gettext_lazy("For a member: the community they are flagged in.")
    )
    reason = serializers.CharField(max_length=2000)


class ModerationActionSerializer(StrictFieldsMixin, serializers.Serializer):
    target_type = serializers.CharField(
        max_length=100, help_text=gettext_lazy('e.g. "pledges.pledge".')
    )
    target_id = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=["approve", "hide", "restore", "warn", "dismiss"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class QueueFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    reporter = serializers.IntegerField(source="reporter_id")
    created_at = serializers.DateTimeField()


class QueueItemSerializer(serializers.Serializer):
    target_type = serializers.CharField(source="key")
    target_id = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()
    url = serializers.CharField()
    community = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    status = serializers.CharField()
    flags = QueueFlagSerializer(many=True)

    def get_community(self, item) -> str | None:
        return item.community.slug if item.community else None

    def get_author(self, item) -> int | None:
        return item.author.pk if item.author else None


class AuditEntrySerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor = serializers.PrimaryKeyRelatedField(read_only=True)
    actor_name = serializers.SerializerMethodField()
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "community",
            "actor",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "reason",
            "details",
        ]
        read_only_fields = fields

    def get_actor_name(self, entry: AuditEntry) -> str:
        if entry.actor is None:
            return _("A former member")
        return entry.actor.display_name or entry.actor.email

    def get_target_type(self, entry: AuditEntry) -> str | None:
        return _target_key(entry.target_type) if entry.target_type else None


# --- Helpers ----------------------------------------------------------------------------------


def _community(request, slug: str) -> Community:
    return selectors.community_for(slug=slug, user=request.user)


def _require_moderator(request, community: Community) -> None:
    if not community_permissions.can_moderate(request.user, community):
        raise PermissionDenied(
            _("Only the organisers of %(community)s and platform admins can do this.")
            % {"community": community.name}
        )


def _resolve_target(key: str, pk: int):
    """The content or member a flag or action names, or a 400 naming the field."""
    if (key or "").lower() == "members.user":
        target = User.objects.filter(pk=pk, is_active=True).first()
        if target is None:
            raise serializers.ValidationError({"target_id": [_("No such member.")]})
        return target
    mtype = moderated_type_by_key(key)
    if mtype is None:
        raise serializers.ValidationError(
            {"target_type": [_("This kind of content cannot be flagged or moderated.")]}
        )
    target = mtype.model._base_manager.filter(pk=pk).first()
    if target is None:
        raise serializers.ValidationError(
            {"target_id": [_("No such %(what)s.") % {"what": mtype.name}]}
        )
    return target


# --- Communities ---------------------------------------------------------------------------


@extend_schema(
    parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Search names and text.")]
)
class CommunityListView(generics.ListCreateAPIView):
    """Active communities. POST: admins create one; members ask for one (it waits for an admin)."""

    serializer_class = CommunitySerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filterset_class = None

    def get_queryset(self):
        return selectors.communities_list(q=self.request.query_params.get("q", ""))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["memberships"] = selectors.memberships_for_user(self.request.user)
        return context

    @extend_schema(request=CommunityCreateSerializer, responses={201: CommunitySerializer})
    def post(self, request):
        data = CommunityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organiser = values.pop("organiser", None)
        if request.user.is_staff:
            community = services.community_create(actor=request.user, organiser=organiser, **values)
        else:
            if organiser is not None:
                raise serializers.ValidationError(
                    {"organiser": [_("This field is unknown or cannot be changed.")]}
                )
            community = services.community_request(requester=request.user, **values)
        return Response(
            CommunitySerializer(community, context={"request": request, "detail": True}).data,
            status=status.HTTP_201_CREATED,
        )


class CommunityDetailView(APIView):
    """One community. PATCH (organisers): description, guidelines, joining policy,
    pre-moderation, organisation and region."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CommunitySerializer)
    def get(self, request, slug: str):
        community = _community(request, slug)
        return Response(
            CommunitySerializer(community, context={"request": request, "detail": True}).data
        )

    @extend_schema(request=CommunitySettingsSerializer, responses=CommunitySerializer)
    def patch(self, request, slug: str):
        community = _community(request, slug)
        _require_moderator(request, community)
        data = CommunitySettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        community = services.community_update(
            community=community, actor=request.user, **data.validated_data
        )
        return Response(
            CommunitySerializer(community, context={"request": request, "detail": True}).data
        )


class CommunityDecisionView(APIView):
    """Admins approve or decline a requested community."""

    @extend_schema(request=DecisionSerializer, responses=CommunitySerializer)
    def post(self, request, slug: str):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only platform admins approve communities."))
        community = get_object_or_404(Community, slug=slug)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        community = services.community_decide(
            community=community,
            actor=request.user,
            approve=data.validated_data["decision"] == "approve",
            reason=data.validated_data["reason"],
        )
        return Response(
            CommunitySerializer(community, context={"request": request, "detail": True}).data
        )


# --- Membership ---------------------------------------------------------------------------------


class MembershipView(APIView):
    """Your membership of a community. POST joins (open, or with an invitation token) or
    asks to join (organisers approve); DELETE leaves or withdraws a request."""

    @extend_schema(responses=MembershipSerializer)
    def get(self, request, slug: str):
        community = _community(request, slug)
        membership = selectors.membership_of(request.user, community)
        if membership is None:
            raise Http404(_("You have no membership of this community."))
        return Response(MembershipSerializer(membership, context={"request": request}).data)

    @extend_schema(request=JoinSerializer, responses={201: MembershipSerializer})
    def post(self, request, slug: str):
        community = _community(request, slug)
        data = JoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = data.validated_data["invitation"]
        if token:
            invitation = selectors.invitation_by_token(token)
            if invitation is not None and invitation.community_id != community.pk:
                invitation = None
            problem = services.invitation_problem(invitation)
            if problem:
                raise serializers.ValidationError({"invitation": [problem]})
            membership = services.invitation_accept(token=token, member=request.user)
        elif community.joining_policy == Community.JoiningPolicy.APPROVAL:
            membership = services.membership_request(
                community=community, member=request.user, message=data.validated_data["message"]
            )
        else:
            membership = services.membership_join(community=community, member=request.user)
        return Response(
            MembershipSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=MembershipSerializer)
    def delete(self, request, slug: str):
        community = _community(request, slug)
        membership = services.membership_leave(community=community, member=request.user)
        return Response(MembershipSerializer(membership, context={"request": request}).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=Membership.Status.values,
            description="Organisers only: memberships with this status (default active).",
        )
    ],
    responses=OrganiserMembershipSerializer(many=True),
)
class MemberListView(generics.ListAPIView):
    """Members of a community (members and organisers see the list)."""

    filterset_class = None

    def get_community(self) -> Community:
        community = _community(self.request, self.kwargs["slug"])
        if not community_permissions.can_see_members(self.request.user, community):
            raise PermissionDenied(
                _("Only members of %(community)s can see its members.")
                % {"community": community.name}
            )
        return community

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return OrganiserMembershipSerializer
        if community_permissions.can_moderate(self.request.user, self.get_community()):
            return OrganiserMembershipSerializer
        return MembershipSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # building the schema
            return Membership.objects.none()
        community = self.get_community()
        wanted = self.request.query_params.get("status") or Membership.Status.ACTIVE
        if wanted != Membership.Status.ACTIVE:
            _require_moderator(self.request, community)
            if wanted not in Membership.Status.values:
                raise serializers.ValidationError({"status": [_("Unknown status.")]})
        return selectors.memberships_of(community, statuses=[wanted]).select_related("community")


class MemberActionView(APIView):
    """Organisers act on a member: approve or decline their request, appoint or remove
    them as organiser, warn, dismiss reports, remove, ban (with `days`) or lift a ban."""

    @extend_schema(request=MemberActionSerializer, responses=OrganiserMembershipSerializer)
    def post(self, request, slug: str, member_id: int):
        community = _community(request, slug)
        _require_moderator(request, community)
        membership = get_object_or_404(
            Membership.objects.select_related("member", "community"),
            community=community,
            member_id=member_id,
        )
        data = MemberActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        reason = data.validated_data["reason"]
        member = membership.member
        common = {"community": community, "actor": request.user}
        if action in ("approve", "decline"):
            services.membership_decide(
                membership=membership,
                actor=request.user,
                approve=action == "approve",
                reason=reason,
            )
        elif action == "appoint":
            services.organiser_appoint(member=member, reason=reason, **common)
        elif action == "demote":
            services.organiser_remove(member=member, reason=reason, **common)
        elif action == "warn":
            services.author_warn(target=member, reason=reason, **common)
        elif action == "dismiss":
            services.flags_dismiss(target=member, reason=reason, **common)
        elif action == "remove":
            services.member_remove(member=member, reason=reason, **common)
        elif action == "ban":
            until = services.ban_until_from_days(data.validated_data["days"])
            services.member_ban(member=member, reason=reason, until=until, **common)
        elif action == "unban":
            services.member_unban(member=member, reason=reason, **common)
        membership.refresh_from_db()
        return Response(
            OrganiserMembershipSerializer(membership, context={"request": request}).data
        )


# --- Invitations --------------------------------------------------------------------------------


class InvitationListView(generics.ListAPIView):
    """Organisers: the community's invitation links. POST creates one."""

    serializer_class = InvitationSerializer
    filterset_class = None

    def get_community(self) -> Community:
        community = _community(self.request, self.kwargs["slug"])
        _require_moderator(self.request, community)
        return community

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # building the schema
            return Invitation.objects.none()
        return selectors.invitations_of(self.get_community())

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def post(self, request, slug: str):
        community = self.get_community()
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            community=community, actor=request.user, **data.validated_data
        )
        return Response(
            InvitationSerializer(invitation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class InvitationRevokeView(APIView):
    @extend_schema(request=None, responses=InvitationSerializer)
    def post(self, request, slug: str, pk: int):
        community = _community(request, slug)
        _require_moderator(request, community)
        invitation = get_object_or_404(Invitation, pk=pk, community=community)
        invitation = services.invitation_revoke(invitation=invitation, actor=request.user)
        return Response(InvitationSerializer(invitation, context={"request": request}).data)


class InvitationAcceptView(APIView):
    """Join a community through an invitation link's token."""

    @extend_schema(request=None, responses={201: MembershipSerializer})
    def post(self, request, token: str):
        membership = services.invitation_accept(token=token, member=request.user)
        return Response(
            MembershipSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# --- Flags and moderation -------------------------------------------------------------------------


class FlagListView(generics.ListAPIView):
    """The flags you raised. POST flags content (any registered type) or a member."""

    ratelimit_scope = "flag"

    serializer_class = FlagSerializer
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # building the schema
            return Flag.objects.none()
        return selectors.flags_by(self.request.user)

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    def post(self, request):
        data = FlagCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target = _resolve_target(values["target_type"], values["target_id"])
        community = None
        if isinstance(target, User):
            slug = values.get("community")
            if not slug:
                raise serializers.ValidationError(
                    {"community": [_("Say which community this member is in.")]}
                )
            community = selectors.communities_active().filter(slug=slug).first()
            if community is None:
                raise serializers.ValidationError({"community": [_("No such community.")]})
        elif not can_see(member=request.user, item=target):
            # The same answer as for content that does not exist.
            raise serializers.ValidationError(
                {"target_id": [_("No such %(what)s.") % {"what": moderated_type_for(target).name}]}
            )
        flag = services.flag_create(
            reporter=request.user, target=target, reason=values["reason"], community=community
        )
        return Response(
            FlagSerializer(flag, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(
    parameters=[OpenApiParameter("community", OpenApiTypes.STR, description="A community slug.")],
    responses=QueueItemSerializer(many=True),
)
class ModerationQueueView(APIView):
    """Organisers and admins: flagged content and members, and content waiting for approval."""

    def get(self, request):
        if not community_permissions.can_use_moderation(request.user):
            raise PermissionDenied(_("The moderation queue is for organisers and platform admins."))
        community = None
        slug = request.query_params.get("community")
        if slug:
            community = _community(request, slug)
            _require_moderator(request, community)
        items = selectors.moderation_queue(request.user, community=community)
        return Response(QueueItemSerializer(items, many=True, context={"request": request}).data)


class ModerationActionView(APIView):
    """Organisers and admins act on content: approve, hide, restore, warn the author or
    dismiss its flags. Each needs a reason (optional for approve)."""

    @extend_schema(
        request=ModerationActionSerializer,
        responses=inline_serializer(
            "ModerationActionResult",
            {
                "target_type": serializers.CharField(),
                "target_id": serializers.IntegerField(),
                "moderation_status": serializers.CharField(),
                "open_flags": serializers.IntegerField(),
            },
        ),
    )
    def post(self, request):
        if not community_permissions.can_use_moderation(request.user):
            raise PermissionDenied(_("Moderation is for organisers and platform admins."))
        data = ModerationActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["target_type"].lower() == "members.user":
            raise serializers.ValidationError(
                {"target_type": [_("Act on members through their community's members endpoint.")]}
            )
        item = _resolve_target(values["target_type"], values["target_id"])
        action, reason = values["action"], values["reason"]
        if action == "approve":
            item = services.content_approve(item=item, actor=request.user, reason=reason)
        elif action == "hide":
            item = services.content_hide(item=item, actor=request.user, reason=reason)
        elif action == "restore":
            item = services.content_restore(item=item, actor=request.user, reason=reason)
        elif action == "warn":
            services.author_warn(target=item, actor=request.user, reason=reason)
        else:
            services.flags_dismiss(target=item, actor=request.user, reason=reason)
        item.refresh_from_db()
        return Response(
            {
                "target_type": values["target_type"].lower(),
                "target_id": item.pk,
                "moderation_status": item.moderation_status,
                "open_flags": selectors.open_flags_on(item).count(),
            }
        )


class AuditLogView(generics.ListAPIView):
    """Organisers (their communities) and admins (everything): the append-only audit log,
    filterable by action, actor, community and date range. Read-only."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # building the schema
            return AuditEntry.objects.none()
        if not community_permissions.can_use_moderation(self.request.user):
            raise PermissionDenied(_("The audit log is for organisers and platform admins."))
        return selectors.audit_entries_for(self.request.user)
