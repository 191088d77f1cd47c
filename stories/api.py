"""The stories API: stories, co-authors, reactions, comments, review and flags.

Every write calls the same service the web pages call; services' ValidationError and
PermissionDenied become 400 and 403 in `kernel.api.exception_handler`.
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from communities import services as community_services
from communities.models import Community
from kernel import written
from kernel.api import StrictFieldsMixin
from kernel.markdown import render_markdown
from members.api import MemberRefSerializer
from members.models import User
from pledges.models import Campaign
from pledges.selectors import pledges_visible_to
from stories import permissions as story_permissions
from stories import selectors, services
from stories.models import COMMENT_MAX_LENGTH, REVIEW_NOTE_MAX_LENGTH, CoAuthor, Comment, Story

# --- Serializers -----------------------------------------------------------------------


class StorySerializer(serializers.ModelSerializer):
    author = MemberRefSerializer(read_only=True)
    co_authors = serializers.SerializerMethodField()
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    comment_count = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    pledges = serializers.SerializerMethodField()
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    review_note = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = [
            "id",
            "slug",
            "url",
            "title",
            "summary",
            "body",
            "body_html",
            "language",
            "outcome",
            "status",
            "moderation_status",
            "review_note",
            "is_featured",
            "community",
            "tags",
            "pledges",
            "campaign",
            "author",
            "co_authors",
            "inspired_count",
            "comment_count",
            "created_at",
            "updated_at",
            "published_at",
        ]
        read_only_fields = fields

    def _people(self, story: Story) -> list:
        people = getattr(story, "accepted_co_authors", None)
        if people is None:
            people = list(
                story.co_authors.filter(status=CoAuthor.Status.ACCEPTED).select_related("member")
            )
        return [c.member for c in people]

    def get_co_authors(self, story: Story) -> list[dict]:
        return MemberRefSerializer(self._people(story), many=True, context=self.context).data

    @extend_schema_field(
        inline_serializer(
            "StoryPledge",
            {"id": serializers.IntegerField(), "sentence": serializers.CharField()},
            many=True,
        )
    )
    def get_pledges(self, story: Story) -> list[dict]:
        """The pledges the story tells about that the reader may see."""
        pledges = getattr(story, "visible_pledges", None)
        if pledges is None:
            request = self.context.get("request")
            pledges = list(
                story.pledges.filter(
                    pk__in=pledges_visible_to(request.user if request else None).values("pk")
                )
            )
        return [{"id": p.pk, "sentence": p.sentence} for p in pledges]

    def get_review_note(self, story: Story) -> str | None:
        """The organiser's note on a review: for the authors and organisers only."""
        request = self.context.get("request")
        if story_permissions.can_read_review_note(request.user if request else None, story):
            return story.review_note
        return None

    def get_tags(self, story: Story) -> list[str]:
        return [t.name for t in story.tags.all()]

    def get_body_html(self, story: Story) -> str:
        """The body rendered from Markdown and sanitised, as the story page shows it."""
        return str(render_markdown(story.body))

    def get_comment_count(self, story: Story) -> int:
        count = getattr(story, "comment_count", None)
        if count is None:
            count = selectors.comments_visible_to(user=None, story=story).count()
        return count

    def get_url(self, story: Story) -> str:
        return story.get_absolute_url()


def _field_errors(exc, field: str) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict.get(field, exc.messages))


class StoryWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    language = written.api_field()
    outcome = serializers.CharField(allow_blank=True, required=False, default="")
    community = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Community.objects.all(),
        allow_null=True,
        required=False,
        default=None,
    )
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, default=list
    )
    pledges = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text=gettext_lazy(
            "Ids of pledges the story tells about; each must be one you can see."
        ),
    )
    campaign = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Campaign.objects.all(),
        allow_null=True,
        required=False,
        default=None,
    )

    def validate_body(self, value: str) -> str:
        """The same limit and message as the service, before anything is saved."""
        from django.core.exceptions import ValidationError

        try:
            return services.clean_body(value)
        except ValidationError as exc:
            raise _field_errors(exc, "body") from exc


class StoryUpdateSerializer(StoryWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
            f.default = serializers.empty


class ReviewSerializer(StrictFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["publish", "return"])
    note = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=REVIEW_NOTE_MAX_LENGTH
    )


class FeatureSerializer(StrictFieldsMixin, serializers.Serializer):
    featured = serializers.BooleanField()


class CoAuthorSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = CoAuthor
        fields = ["member", "status", "invited_at", "responded_at"]
        read_only_fields = fields


class CoAuthorInviteSerializer(StrictFieldsMixin, serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class InvitationAnswerSerializer(StrictFieldsMixin, serializers.Serializer):
    accept = serializers.BooleanField()


class ReactionStateSerializer(serializers.Serializer):
    inspired_count = serializers.IntegerField()
    has_reacted = serializers.BooleanField()


class CommentSerializer(serializers.ModelSerializer):
    author = MemberRefSerializer(read_only=True)
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "story",
            "parent",
            "author",
            "body",
            "body_html",
            "moderation_status",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields

    def get_body_html(self, comment: Comment) -> str:
        return str(render_markdown(comment.body))


class CommentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(allow_blank=True, max_length=COMMENT_MAX_LENGTH)
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)


class CommentUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(allow_blank=True, max_length=COMMENT_MAX_LENGTH)


class FlagSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


# --- Helpers ---------------------------------------------------------------------------


class ReadOrSignedIn(permissions.BasePermission):
    """Published stories are for everyone to read; writing needs an account."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


def _story(request, pk: int) -> Story:
    return selectors.story_get_for(user=request.user, pk=pk)


def _story_data(request, story: Story) -> dict:
    """The story as the member now sees it; an organiser who just returned a story (now
    private to its authors) gets it as it was after their action."""
    with contextlib.suppress(Http404):
        story = selectors.story_get_for(user=request.user, pk=story.pk)
    return StorySerializer(story, context={"request": request}).data


def _language_param(value: str | None) -> str | None:
    """The feed's language filter; an unknown code is a clear 400, not an empty feed."""
    if not value:
        return None
    if value not in written.codes():
        raise serializers.ValidationError({"language": written.errors(value)})
    return value


FEED_PARAMETERS = [
    OpenApiParameter("q", str, description="Full-text search of title, summary and body."),
    OpenApiParameter("community", str, description="A community's slug."),
    OpenApiParameter("tag", str, description="A tag's slug."),
    OpenApiParameter("campaign", str, description="A campaign's slug."),
    OpenApiParameter(
        "language",
        str,
        enum=sorted(written.codes()),
        description="The language stories are written in.",
    ),
]


# --- Stories ---------------------------------------------------------------------------


@extend_schema(parameters=FEED_PARAMETERS)
class StoryListCreateView(generics.ListCreateAPIView):
    """Published stories (featured first, then newest), or start a new draft."""

    permission_classes = [ReadOrSignedIn]
    serializer_class = StorySerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.story_feed(
            user=self.request.user,
            q=params.get("q"),
            community=params.get("community"),
            tag=params.get("tag"),
            campaign=params.get("campaign"),
            language=_language_param(params.get("language")),
        )

    @extend_schema(request=StoryWriteSerializer, responses={201: StorySerializer})
    def post(self, request, *args, **kwargs):
        serializer = StoryWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        story = services.story_create(author=request.user, **serializer.validated_data)
        return Response(_story_data(request, story), status=status.HTTP_201_CREATED)


class MyStoriesView(generics.ListAPIView):
    """The signed-in member's stories and those they co-author, in every state."""

    serializer_class = StorySerializer

    def get_queryset(self):
        return selectors.stories_of(user=self.request.user)


class ReviewQueueView(generics.ListAPIView):
    """Submitted stories in the communities the member organises (admins: all)."""

    serializer_class = StorySerializer

    def get_queryset(self):
        return selectors.stories_to_review(user=self.request.user)


class StoryDetailView(APIView):
    permission_classes = [ReadOrSignedIn]

    @extend_schema(responses=StorySerializer)
    def get(self, request, pk: int):
        return Response(_story_data(request, _story(request, pk)))

    @extend_schema(request=StoryUpdateSerializer, responses=StorySerializer)
    def patch(self, request, pk: int):
        story = _story(request, pk)
        serializer = StoryUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        story = services.story_update(story=story, actor=request.user, **serializer.validated_data)
        return Response(_story_data(request, story))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.story_delete(story=_story(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoryPublishView(APIView):
    """Publish a draft, or submit it for review where the community pre-moderates."""

    @extend_schema(request=None, responses=StorySerializer)
    def post(self, request, pk: int):
        story = services.story_publish(story=_story(request, pk), actor=request.user)
        return Response(_story_data(request, story))


class StoryWithdrawView(APIView):
    """Take a submitted or published story back to a private draft."""

    @extend_schema(request=None, responses=StorySerializer)
    def post(self, request, pk: int):
        story = services.story_withdraw(story=_story(request, pk), actor=request.user)
        return Response(_story_data(request, story))


class StoryReviewView(APIView):
    """An organiser publishes a submitted story or returns it with a note."""

    @extend_schema(request=ReviewSerializer, responses=StorySerializer)
    def post(self, request, pk: int):
        story = _story(request, pk)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_review(
            story=story,
            actor=request.user,
            publish=serializer.validated_data["decision"] == "publish",
            note=serializer.validated_data["note"],
        )
        return Response(_story_data(request, story))


class StoryFeatureView(APIView):
    """Organisers feature a published story, or stop featuring it."""

    @extend_schema(request=FeatureSerializer, responses=StorySerializer)
    def post(self, request, pk: int):
        story = _story(request, pk)
        serializer = FeatureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_feature(
            story=story, actor=request.user, featured=serializer.validated_data["featured"]
        )
        return Response(_story_data(request, story))


# --- Co-authors ------------------------------------------------------------------------


class CoAuthorListView(APIView):
    """Everyone invited to co-author (for the story's editors); the author invites more."""

    ratelimit_scope = "coauthor_invite"

    @extend_schema(responses=CoAuthorSerializer(many=True))
    def get(self, request, pk: int):
        story = _story(request, pk)
        if not story_permissions.can_edit_story(request.user, story):
            raise PermissionDenied(_("Only the story's author and co-authors can see invitations."))
        data = CoAuthorSerializer(
            selectors.co_authors_of(story=story), many=True, context={"request": request}
        ).data
        return Response(data)

    @extend_schema(request=CoAuthorInviteSerializer, responses={201: CoAuthorSerializer})
    def post(self, request, pk: int):
        story = _story(request, pk)
        serializer = CoAuthorInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        co_author = services.co_author_invite(
            story=story, actor=request.user, member=serializer.validated_data["member"]
        )
        return Response(
            CoAuthorSerializer(co_author, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CoAuthorDetailView(APIView):
    """The author removes a co-author (or withdraws an invitation); a co-author leaves."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, member_id: int):
        story = _story(request, pk)
        member = User.objects.filter(pk=member_id).first()
        if member is None:
            raise Http404(_("No such member."))
        services.co_author_remove(story=story, actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAnswerView(APIView):
    """The invited member accepts or declines an invitation to co-author."""

    @extend_schema(request=InvitationAnswerSerializer, responses=CoAuthorSerializer)
    def post(self, request, pk: int):
        story = Story.objects.filter(pk=pk).first()
        if story is None:
            raise Http404(_("No such story."))
        serializer = InvitationAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        co_author = services.co_author_respond(
            story=story, member=request.user, accept=serializer.validated_data["accept"]
        )
        return Response(CoAuthorSerializer(co_author, context={"request": request}).data)


class InvitationListView(APIView):
    """The signed-in member's open invitations to co-author."""

    @extend_schema(
        responses=inline_serializer(
            "StoryInvitation",
            {
                "story": StorySerializer(),
                "invited_at": serializers.DateTimeField(),
            },
            many=True,
        )
    )
    def get(self, request):
        invitations = selectors.invitations_for(user=request.user)
        return Response(
            [
                {
                    "story": {
                        "id": i.story.pk,
                        "slug": i.story.slug,
                        "title": i.story.title,
                        "summary": i.story.summary,
                    },
                    "invited_at": i.invited_at,
                }
                for i in invitations
            ]
        )


# --- Reactions -------------------------------------------------------------------------


class ReactionView(APIView):
    """Say a story inspired you (once), or take it back."""

    def _state(self, request, story: Story) -> dict:
        story.refresh_from_db(fields=["inspired_count"])
        return {
            "inspired_count": story.inspired_count,
            "has_reacted": selectors.has_reacted(user=request.user, story=story),
        }

    @extend_schema(request=None, responses={201: ReactionStateSerializer})
    def post(self, request, pk: int):
        story = _story(request, pk)
        services.reaction_add(story=story, member=request.user)
        return Response(self._state(request, story), status=status.HTTP_201_CREATED)

    @extend_schema(responses=ReactionStateSerializer)
    def delete(self, request, pk: int):
        story = _story(request, pk)
        services.reaction_remove(story=story, member=request.user)
        return Response(self._state(request, story))


# --- Comments --------------------------------------------------------------------------


class CommentListCreateView(generics.ListAPIView):
    """A story's comments, oldest first (replies carry their parent's id); post one."""

    permission_classes = [ReadOrSignedIn]
    serializer_class = CommentSerializer
    ratelimit_scope = "comment"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no story
            return Comment.objects.none()
        story = _story(self.request, self.kwargs["pk"])
        return (
            selectors.comments_visible_to(user=self.request.user, story=story)
            .select_related("author")
            .order_by("created_at", "id")
        )

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, pk: int):
        story = _story(request, pk)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        parent_id = serializer.validated_data["parent"]
        if parent_id is not None:
            parent = (
                selectors.comments_visible_to(user=request.user, story=story)
                .filter(pk=parent_id)
                .first()
            )
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("There is no such comment on this story.")]}
                )
        comment = services.comment_create(
            story=story, author=request.user, body=serializer.validated_data["body"], parent=parent
        )
        return Response(
            CommentSerializer(comment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CommentDetailView(APIView):
    permission_classes = [ReadOrSignedIn]

    @extend_schema(responses=CommentSerializer)
    def get(self, request, pk: int):
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        return Response(CommentSerializer(comment, context={"request": request}).data)

    @extend_schema(request=CommentUpdateSerializer, responses=CommentSerializer)
    def patch(self, request, pk: int):
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_update(
            comment=comment, actor=request.user, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(comment, context={"request": request}).data)


# --- Flags -----------------------------------------------------------------------------

FLAG_RESPONSE = inline_serializer("StoryFlagResult", {"detail": serializers.CharField()})


class StoryFlagView(APIView):
    """Ask the organisers to look at a story."""

    ratelimit_scope = "flag"

    @extend_schema(request=FlagSerializer, responses={201: FLAG_RESPONSE})
    def post(self, request, pk: int):
        story = _story(request, pk)
        serializer = FlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community_services.flag_create(
            reporter=request.user, target=story, reason=serializer.validated_data["reason"]
        )
        return Response(
            {"detail": _("Thank you. The organisers will look at it.")},
            status=status.HTTP_201_CREATED,
        )


class CommentFlagView(APIView):
    """Ask the organisers to look at a comment."""

    ratelimit_scope = "flag"

    @extend_schema(request=FlagSerializer, responses={201: FLAG_RESPONSE})
    def post(self, request, pk: int):
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        serializer = FlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community_services.flag_create(
            reporter=request.user, target=comment, reason=serializer.validated_data["reason"]
        )
        return Response(
            {"detail": _("Thank you. The organisers will look at it.")},
            status=status.HTTP_201_CREATED,
        )
