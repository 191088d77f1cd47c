from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("requests/", views.communities_requested, name="requested"),
    path("requests/<slug:slug>/", views.community_decide, name="decide_community"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<str:key>/<int:pk>/", views.moderate_content, name="moderate"),
    path("audit/", views.audit_log, name="audit"),
    path("flag/<str:key>/<int:pk>/", views.flag_content, name="flag"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/request/", views.request_to_join, name="request"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<int:member_id>/flag/", views.flag_member, name="flag_member"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/manage/settings/", views.edit, name="edit"),
    path(
        "<slug:slug>/manage/requests/<int:membership_id>/",
        views.decide_request,
        name="decide_request",
    ),
    path(
        "<slug:slug>/manage/members/<int:member_id>/",
        views.manage_member,
        name="manage_member",
    ),
    path("<slug:slug>/manage/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "<slug:slug>/manage/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<slug:slug>/moderation/", views.community_queue, name="community_queue"),
    path("<slug:slug>/audit/", views.community_audit_log, name="community_audit"),
]
