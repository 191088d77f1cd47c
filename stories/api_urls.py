"""API routes of the stories app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from stories import api

urlpatterns = [
    path("stories/", api.StoryListCreateView.as_view(), name="story-list"),
    path("stories/mine/", api.MyStoriesView.as_view(), name="story-mine"),
    path("stories/review/", api.ReviewQueueView.as_view(), name="story-review-queue"),
    path("stories/invitations/", api.InvitationListView.as_view(), name="story-invitations"),
    path("stories/<int:pk>/", api.StoryDetailView.as_view(), name="story-detail"),
    path("stories/<int:pk>/publish/", api.StoryPublishView.as_view(), name="story-publish"),
    path("stories/<int:pk>/withdraw/", api.StoryWithdrawView.as_view(), name="story-withdraw"),
    path("stories/<int:pk>/review/", api.StoryReviewView.as_view(), name="story-review"),
    path("stories/<int:pk>/feature/", api.StoryFeatureView.as_view(), name="story-feature"),
    path("stories/<int:pk>/co-authors/", api.CoAuthorListView.as_view(), name="story-co-authors"),
    path(
        "stories/<int:pk>/co-authors/<int:member_id>/",
        api.CoAuthorDetailView.as_view(),
        name="story-co-author",
    ),
    path(
        "stories/<int:pk>/invitation/",
        api.InvitationAnswerView.as_view(),
        name="story-invitation-answer",
    ),
    path("stories/<int:pk>/reactions/", api.ReactionView.as_view(), name="story-reactions"),
    path("stories/<int:pk>/comments/", api.CommentListCreateView.as_view(), name="story-comments"),
    path("stories/<int:pk>/flag/", api.StoryFlagView.as_view(), name="story-flag"),
    path("stories/comments/<int:pk>/", api.CommentDetailView.as_view(), name="story-comment"),
    path(
        "stories/comments/<int:pk>/flag/", api.CommentFlagView.as_view(), name="story-comment-flag"
    ),
]
