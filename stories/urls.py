from django.urls import path

from stories import views

app_name = "stories"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("invitations/<int:pk>/", views.co_author_respond, name="co_author_respond"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("report/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("moderate/<str:kind>/<int:pk>/<str:action>/", views.moderate, name="moderate"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/print/", views.print_view, name="print"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/publish/", views.publish, name="publish"),
    path("<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/delete/", views.delete, name="delete"),
    path("<slug:slug>/review/", views.review, name="review"),
    path("<slug:slug>/feature/", views.feature, name="feature"),
    path("<slug:slug>/co-authors/", views.co_authors, name="co_authors"),
    path(
        "<slug:slug>/co-authors/<int:member_id>/remove/",
        views.co_author_remove,
        name="co_author_remove",
    ),
    path("<slug:slug>/inspired/", views.react, name="react"),
    path("<slug:slug>/comments/", views.comment_create, name="comment_create"),
]
