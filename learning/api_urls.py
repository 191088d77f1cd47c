"""API routes of the learning app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from learning import api

urlpatterns = [
    path("learning/modules/", api.ModuleListView.as_view(), name="learning-modules"),
    path("learning/modules/<slug:slug>/", api.ModuleDetailView.as_view(), name="learning-module"),
    path(
        "learning/modules/<slug:slug>/questions/",
        api.QuestionListView.as_view(),
        name="learning-questions",
    ),
    path(
        "learning/modules/<slug:slug>/attempts/",
        api.AttemptListView.as_view(),
        name="learning-attempts",
    ),
    path("learning/lessons/<int:pk>/", api.LessonDetailView.as_view(), name="learning-lesson"),
    path(
        "learning/lessons/<int:pk>/progress/",
        api.LessonProgressView.as_view(),
        name="learning-lesson-progress",
    ),
    path("learning/enrolments/", api.EnrolmentListView.as_view(), name="learning-enrolments"),
    path(
        "learning/enrolments/<int:pk>/",
        api.EnrolmentDetailView.as_view(),
        name="learning-enrolment",
    ),
    path("learning/attempts/<int:pk>/", api.AttemptDetailView.as_view(), name="learning-attempt"),
    path("learning/certificates/", api.CertificateListView.as_view(), name="learning-certificates"),
    path(
        "learning/certificates/verify/<str:code>/",
        api.CertificateVerifyView.as_view(),
        name="learning-verify",
    ),
    path(
        "learning/communities/<slug:slug>/progress/",
        api.CommunityProgressView.as_view(),
        name="learning-community-progress",
    ),
]
