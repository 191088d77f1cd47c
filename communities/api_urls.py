"""API routes of the communities app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from communities import api

urlpatterns: list = [
    path("communities/", api.CommunityListView.as_view(), name="community-list"),
    path("communities/<slug:slug>/", api.CommunityDetailView.as_view(), name="community-detail"),
    path(
        "communities/<slug:slug>/decision/",
        api.CommunityDecisionView.as_view(),
        name="community-decision",
    ),
    path(
        "communities/<slug:slug>/membership/",
        api.MembershipView.as_view(),
        name="community-membership",
    ),
    path(
        "communities/<slug:slug>/members/", api.MemberListView.as_view(), name="community-members"
    ),
    path(
        "communities/<slug:slug>/members/<int:member_id>/actions/",
        api.MemberActionView.as_view(),
        name="community-member-action",
    ),
    path(
        "communities/<slug:slug>/invitations/",
        api.InvitationListView.as_view(),
        name="community-invitations",
    ),
    path(
        "communities/<slug:slug>/invitations/<int:pk>/revoke/",
        api.InvitationRevokeView.as_view(),
        name="community-invitation-revoke",
    ),
    path(
        "invitations/<str:token>/accept/",
        api.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("flags/", api.FlagListView.as_view(), name="flags"),
    path("moderation/queue/", api.ModerationQueueView.as_view(), name="moderation-queue"),
    path("moderation/actions/", api.ModerationActionView.as_view(), name="moderation-action"),
    path("audit/", api.AuditLogView.as_view(), name="audit-log"),
]
