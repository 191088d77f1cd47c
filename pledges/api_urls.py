"""API routes of the pledges app, mounted under /api/ in the "api" namespace."""

from django.urls import path

from pledges import api

urlpatterns = [
    path("themes/", api.ThemeListView.as_view(), name="themes"),
    path("campaigns/", api.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/<slug:slug>/", api.CampaignDetailView.as_view(), name="campaign-detail"),
    path("pledges/", api.PledgeListCreateView.as_view(), name="pledges"),
    path("pledges/<int:pk>/", api.PledgeDetailView.as_view(), name="pledge-detail"),
    path("pledges/<int:pk>/withdraw/", api.PledgeWithdrawView.as_view(), name="pledge-withdraw"),
    path("pledges/<int:pk>/sign/", api.PledgeSignView.as_view(), name="pledge-sign"),
    path("pledges/<int:pk>/unsign/", api.PledgeUnsignView.as_view(), name="pledge-unsign"),
    path("pledges/<int:pk>/signers/", api.PledgeSignersView.as_view(), name="pledge-signers"),
    path("pledges/<int:pk>/check-ins/", api.PledgeCheckInsView.as_view(), name="pledge-check-ins"),
    path("pledges/<int:pk>/done/", api.PledgeDoneView.as_view(), name="pledge-done"),
    path("thanks/", api.ThanksListCreateView.as_view(), name="thanks"),
]
