from django.urls import path

from pledges import views

app_name = "pledges"

urlpatterns = [
    path("", views.wall, name="wall"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/unsign/", views.unsign, name="unsign"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/done/", views.done, name="done"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("check-in-link/<str:token>/", views.check_in_link, name="check_in_link"),
    path("check-ins/<int:pk>/thank/", views.thank_check_in, name="thank_check_in"),
    path("commitments/<int:pk>/thank/", views.thank_commitment, name="thank_commitment"),
]
