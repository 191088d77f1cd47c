from django.urls import path

from learning import views

app_name = "learning"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("me/", views.my_learning, name="my_learning"),
    path("certificates/verify/", views.verify, name="verify"),
    path("certificates/verify/<str:code>/", views.verify_code, name="verify_code"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path(
        "communities/<slug:slug>/progress/",
        views.community_progress,
        name="community_progress",
    ),
    path(
        "communities/<slug:slug>/progress.csv",
        views.community_progress_csv,
        name="community_progress_csv",
    ),
    path("<slug:slug>/", views.module_detail, name="module"),
    path("<slug:slug>/enrol/", views.enrol, name="enrol"),
    path("<slug:slug>/quiz/", views.quiz, name="quiz"),
    path("<slug:slug>/lessons/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path(
        "<slug:slug>/lessons/<slug:lesson_slug>/complete/",
        views.lesson_complete,
        name="lesson_complete",
    ),
]
