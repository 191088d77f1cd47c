"""Embed cards of pledges and campaigns, their oEmbed, who may frame them, and the
credit of the people who come through them."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from pledges.services import pledge_sign
from reports import rollups
from reports.embeds import arrivals_by_host
from reports.models import EmbedArrival, EmbedOrigin
from tests.factories import CampaignFactory, PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db

INTRANET = "https://intranet.example.nhs.uk"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.fixture
def intranet(db):
    return EmbedOrigin.objects.create(origin=INTRANET, name="Example trust intranet")


def test_a_pledge_card_shows_the_sentence_counts_progress_and_a_link_to_sign(
    client, pledge_with_signers, intranet
):
    response = client.get(reverse("embed_pledge", args=[pledge_with_signers.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert pledge_with_signers.sentence in body
    assert "2 people have signed." in body
    assert "1 of the 2 co-signers it needs." in body
    assert '<progress class="radicals-progress-bar" max="100" value="50"' in body
    assert "Sign this pledge on Radicals" in body
    assert "<script" not in body


def test_only_the_allowed_sites_may_frame_a_card(client, pledge, intranet):
    EmbedOrigin.objects.create(origin="https://old.example.nhs.uk", is_active=False)

    response = client.get(reverse("embed_pledge", args=[pledge.pk]))

    assert _policy(response)["frame-ancestors"] == [INTRANET]
    assert "X-Frame-Options" not in response
    # A site not on the list (or switched off) is not among the frame ancestors.
    assert "https://evil.example.com" not in response["Content-Security-Policy"]
    assert "old.example.nhs.uk" not in response["Content-Security-Policy"]


def test_with_no_site_allowed_nobody_may_frame_a_card(client, pledge):
    response = client.get(reverse("embed_pledge", args=[pledge.pk]))
    assert _policy(response)["frame-ancestors"] == ["'none'"]


def test_every_other_page_still_refuses_to_be_framed(client, pledge, intranet):
    response = client.get(pledge.get_absolute_url())

    assert _policy(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "change",
    [
        {"moderation_status": "pending"},
        {"moderation_status": "hidden"},
        {"status": "withdrawn"},
    ],
)
def test_a_pledge_not_for_everyone_has_no_card(client, intranet, change):
    pledge = PledgeFactory(**change)
    assert client.get(reverse("embed_pledge", args=[pledge.pk])).status_code == 404


def test_a_community_only_pledge_has_no_card(client, community, intranet):
    pledge = PledgeFactory(community=community, visibility="community")

    response = client.get(reverse("embed_pledge", args=[pledge.pk]))

    assert response.status_code == 404
    assert _policy(response)["frame-ancestors"] == ["'none'"]


def test_a_campaign_card_shows_its_progress_to_the_target(client, intranet):
    campaign = CampaignFactory(name="Change Day", slug="change-day", target=10)
    for _ in range(3):
        PledgeFactory(campaign=campaign)
    rollups.rollups_tick()  # the card's figures are the rollups'

    response = client.get(reverse("embed_campaign", args=["change-day"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Change Day" in body
    assert "3 of the 10 pledges it hopes for." in body
    assert client.get(reverse("embed_campaign", args=["no-such"])).status_code == 404


# --- oEmbed -------------------------------------------------------------------------------------


def test_oembed_describes_a_pledge_as_a_rich_iframe(client, pledge):
    page = f"{settings.SITE_URL}{pledge.get_absolute_url()}"

    response = client.get(reverse("oembed"), {"url": page, "format": "json"})

    data = response.json()
    assert response.status_code == 200
    assert (data["version"], data["type"], data["title"]) == ("1.0", "rich", pledge.sentence)
    assert f'src="{settings.SITE_URL}/embed/pledges/{pledge.pk}/"' in data["html"]


def test_pledge_and_campaign_pages_carry_the_oembed_discovery_tag(client, pledge):
    campaign = CampaignFactory(slug="change-day")
    for response in (
        client.get(pledge.get_absolute_url()),
        client.get(campaign.get_absolute_url()),
    ):
        assert 'type="application/json+oembed"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "https://elsewhere.example.com/pledges/1/"}, 404),
        ({"url": ""}, 400),
        ({"format": "xml"}, 501),
        ({"maxwidth": "wide"}, 400),
        ({"url": f"{settings.SITE_URL}/about-nothing/"}, 404),
    ],
)
def test_oembed_refuses_bad_requests_clearly(client, pledge, params, status):
    query = {"url": f"{settings.SITE_URL}{pledge.get_absolute_url()}", "format": "json", **params}

    response = client.get(reverse("oembed"), query)

    assert response.status_code == status
    assert response.json()["error"]


def test_oembed_of_a_community_only_pledge_is_a_404(client, community):
    pledge = PledgeFactory(community=community, visibility="community")
    page = f"{settings.SITE_URL}{pledge.get_absolute_url()}"
    assert client.get(reverse("oembed"), {"url": page}).status_code == 404


# --- Credit -----------------------------------------------------------------------------------


def test_the_card_links_carry_the_host_of_the_allowed_site_that_framed_it(client, pledge, intranet):
    framed = client.get(reverse("embed_pledge", args=[pledge.pk]), HTTP_REFERER=f"{INTRANET}/news/")
    stranger = client.get(
        reverse("embed_pledge", args=[pledge.pk]), HTTP_REFERER="https://evil.example.com/"
    )

    assert "?embed=intranet.example.nhs.uk" in framed.content.decode()
    assert "?embed=" not in stranger.content.decode()


def test_a_visit_and_a_co_sign_through_a_card_are_credited_to_its_site(client, pledge, intranet):
    dora = UserFactory(email="dora@example.nhs.uk")
    client.force_login(dora)

    arrived = client.get(pledge.get_absolute_url(), {"embed": "intranet.example.nhs.uk"})
    client.post(reverse("pledges:sign", args=[pledge.pk]))

    assert arrived.status_code == 302 and arrived.url == pledge.get_absolute_url()
    assert pledge.signatures.filter(member=dora).exists()
    assert arrivals_by_host(scope="platform") == [
        {"host": "intranet.example.nhs.uk", "visits": 1, "co_signs": 1}
    ]
    assert arrivals_by_host(scope="community", scope_id=999) == []


def test_a_host_not_on_the_list_is_not_credited(client, pledge, intranet):
    client.get(pledge.get_absolute_url(), {"embed": "evil.example.com"})
    pledge_sign(pledge=pledge, member=UserFactory())
    assert not EmbedArrival.objects.exists()


def test_an_allowed_site_must_be_a_plain_origin():
    with pytest.raises(ValidationError):
        EmbedOrigin(origin="https://intranet.example.nhs.uk/path; script-src *").full_clean()
    site = EmbedOrigin(origin="HTTPS://Intranet.Example.nhs.uk/")
    site.full_clean()
    assert site.origin == "https://intranet.example.nhs.uk"
