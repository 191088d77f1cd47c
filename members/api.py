from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from kernel.api import StrictFieldsMixin
from members import selectors, services
from members.models import PROFILE_FIELDS, Organisation, Region, User
from members.permissions import hides_identity_from
from members.validators import has_control_characters


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "slug"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "kind", "region"]


class MeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), allow_null=True, required=False
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = User
        fields = ["id", "email", *PROFILE_FIELDS, "is_staff", "date_joined"]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]

    def validate_display_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Enter your name."))
        if has_control_characters(value):
            raise serializers.ValidationError(
                _("Your name cannot contain line breaks, tabs or other control characters.")
            )
        return value


class MemberRefSerializer(serializers.Serializer):
    """A member named in a row (a signer, an author, a co-author, a member of a
    community), as the viewer may know them: the name follows the member's choice, and
    the id is null for a member who hides their identity from the viewer
    (`members.permissions.hides_identity_from`), so they cannot be traced."""

    id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    def _viewer(self):
        request = self.context.get("request")
        return request.user if request else None

    def get_id(self, member: User) -> int | None:
        if hides_identity_from(member=member, viewer=self._viewer()):
            return None
        return member.pk

    def get_name(self, member: User) -> str:
        return member.name_for(self._viewer())


class PublicMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", default=None)
    job_role = serializers.CharField()
    bio = serializers.CharField()

    def get_name(self, member: User) -> str:
        return member.name_for(self.context["request"].user)


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in member's own profile: read it, or change it (PATCH for some fields)."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self) -> User:
        return selectors.member_get(pk=self.request.user.pk)

    def perform_update(self, serializer: MeSerializer) -> None:
        serializer.instance = services.profile_update(
            member=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


@extend_schema(summary="A member's public profile")
class MemberDetailView(generics.RetrieveAPIView):
    serializer_class = PublicMemberSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self) -> User:
        return selectors.member_profile_for(pk=self.kwargs["pk"], viewer=self.request.user)


class OrganisationListView(generics.ListAPIView):
    serializer_class = OrganisationSerializer
    permission_classes = [permissions.AllowAny]
    queryset = selectors.organisations_list()
    filterset_fields = ["region", "kind"]


class RegionListView(generics.ListAPIView):
    serializer_class = RegionSerializer
    permission_classes = [permissions.AllowAny]
    queryset = selectors.regions_list()
    pagination_class = None
