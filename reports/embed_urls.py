"""Embed cards and oEmbed, mounted at the site's root (/embed/…, /oembed)."""

from django.urls import path

from reports import embeds

urlpatterns = [
    path("embed/pledges/<int:pk>/", embeds.pledge_card, name="embed_pledge"),
    path("embed/campaigns/<slug:slug>/", embeds.campaign_card, name="embed_campaign"),
    path("oembed", embeds.oembed, name="oembed"),
]
