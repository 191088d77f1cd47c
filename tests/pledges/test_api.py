"""The pledges API: lists with the wall's filters, making and editing pledges, signing,
check-ins and done, with visibility, permissions and clear 400s for bad input."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pledges import services
from pledges.models import CheckIn, Pledge, Signature
from tests.factories import CampaignFactory, PledgeFactory, ThemeFactory

pytestmark = pytest.mark.django_db

PLEDGES = reverse("api:pledges")


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def url(name: str, pledge) -> str:
    return reverse(f"api:pledge-{name}", args=[pledge.pk])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Reading -------------------------------------------------------------------------


def test_anyone_lists_public_pledges(api_client, pledge, community_pledge):
    response = api_client.get(PLEDGES)

    assert response.status_code == 200
    assert ids(response) == [pledge.pk]
    row = response.json()["results"][0]
    assert row["sentence"] == "I will ask every patient what matters to them"
    assert row["status"] == "gathering"
    assert row["signer_count"] == 1
    assert row["author"] == {"id": pledge.author_id, "name": "Alice Ahmed"}
    assert response.json()["next"] is None


def test_community_only_pledges_are_hidden_from_outsiders_everywhere(
    api_for, community_pledge, bob, charlie
):
    outsider, member = api_for(charlie), api_for(bob)

    assert ids(outsider.get(PLEDGES)) == []
    assert ids(outsider.get(PLEDGES, {"q": "tea"})) == []
    assert outsider.get(url("detail", community_pledge)).status_code == 404
    assert outsider.get(url("signers", community_pledge)).status_code == 404
    assert outsider.post(url("sign", community_pledge)).status_code == 404
    assert ids(member.get(PLEDGES, {"q": "tea"})) == [community_pledge.pk]
    assert member.get(url("detail", community_pledge)).status_code == 200


def test_the_list_filters_searches_and_sorts_like_the_wall(api_client, alice):
    campaign = CampaignFactory(slug="change-day")
    theme = ThemeFactory(name="Safety", slug="safety")
    in_campaign = PledgeFactory(campaign=campaign, description="huddles at handover")
    safety = PledgeFactory(theme=theme)
    Pledge.objects.filter(pk=safety.pk).update(signer_count=5)

    assert ids(api_client.get(PLEDGES, {"campaign": "change-day"})) == [in_campaign.pk]
    assert ids(api_client.get(PLEDGES, {"theme": "safety"})) == [safety.pk]
    assert ids(api_client.get(PLEDGES, {"q": "handover"})) == [in_campaign.pk]
    assert ids(api_client.get(PLEDGES, {"sort": "most_signed"}))[0] == safety.pk
    assert api_client.get(PLEDGES, {"status": "sideways"}).status_code == 400


def test_the_list_pages_without_counting(api_client):
    PledgeFactory.create_batch(5)

    first = api_client.get(PLEDGES, {"page_size": 2})
    last = api_client.get(PLEDGES, {"page_size": 2, "page": 3})

    assert len(first.json()["results"]) == 2
    assert "page=2" in first.json()["next"]
    assert "count" not in first.json()
    assert len(last.json()["results"]) == 1
    assert last.json()["next"] is None


def test_the_list_query_count_does_not_grow_with_pledges(api_for, alice):
    api = api_for(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(PLEDGES).status_code == 200
        return len(captured.captured_queries)

    PledgeFactory.create_batch(3, campaign=CampaignFactory())
    queries()  # the member's communities are remembered on the user from here on
    few = queries()
    PledgeFactory.create_batch(27, campaign=CampaignFactory())
    queries()  # a new campaign: the kept themes and campaigns are read again, once

    assert queries() == few <= 6


def test_a_pledge_shows_my_signature(api_for, pledge_with_signers, bob, charlie):
    mine = api_for(bob).get(url("detail", pledge_with_signers)).json()["my_signature"]
    none = api_for(charlie).get(url("detail", pledge_with_signers)).json()["my_signature"]

    assert mine["is_author"] is False and mine["done_at"] is None
    assert none is None


def test_signers_are_named_as_each_allows(api_client, pledge_with_signers, bob):
    bob.name_visibility = "hidden"
    bob.save()

    names = [
        s["member"]["name"]
        for s in api_client.get(url("signers", pledge_with_signers)).json()["results"]
    ]

    assert names == ["Alice Ahmed", "Anonymous supporter"]


def test_themes_and_campaigns_with_their_totals(api_client, alice, theme):
    campaign = CampaignFactory(slug="mile", unit="miles", target=10)
    services.pledge_create(
        author=alice,
        title="walk",
        theme=theme,
        campaign=campaign,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )

    themes = api_client.get(reverse("api:themes")).json()
    campaigns = api_client.get(reverse("api:campaigns")).json()["results"]
    one = api_client.get(reverse("api:campaign-detail", args=["mile"])).json()

    assert "patient-experience" in [t["slug"] for t in themes]
    assert campaigns[0]["slug"] == "mile"
    assert one["pledge_count"] == 1 and one["unit"] == "miles" and one["target"] == 10


# --- Making and changing -----------------------------------------------------------------


def _body(**overrides) -> dict:
    body = {"title": "learn everyone's name", "theme": "patient-experience", "due_date": days(20)}
    body.update(overrides)
    return body


def test_a_member_makes_a_threshold_pledge(api_for, alice, theme):
    response = api_for(alice).post(
        PLEDGES, _body(threshold=4, threshold_deadline=days(10)), format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "gathering"
    assert response.json()["threshold"] == 4
    assert Pledge.objects.get().author == alice


def test_making_a_pledge_needs_a_login(api_client, theme):
    response = api_client.post(PLEDGES, _body(), format="json")

    assert response.status_code in (401, 403)
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"due_date": days(-3)}, "due_date", "must be in the future"),
        ({"threshold": 0}, "threshold", "at least 1"),
        ({"threshold": 50_000}, "threshold", "10,000 or fewer"),
        ({"threshold": 2, "threshold_deadline": days(30)}, "threshold_deadline", "on or before"),
        ({"title": ""}, "title", "Enter what you will do"),
        ({"title": "z" * 2000}, "title", "200 characters or fewer"),
        ({"theme": "no-such-theme"}, "theme", "does not exist"),
        ({"author": 1}, "author", "unknown or cannot be changed"),
        ({"status": "active"}, "status", "unknown or cannot be changed"),
        ({"signer_count": 9000}, "signer_count", "unknown or cannot be changed"),
    ],
)
def test_bad_pledges_get_a_400_with_field_errors(api_for, alice, theme, overrides, field, message):
    response = api_for(alice).post(PLEDGES, _body(**overrides), format="json")

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Pledge.objects.exists()


def test_the_author_updates_and_others_cannot(api_for, pledge, alice, bob):
    denied = api_for(bob).patch(url("detail", pledge), {"title": "x"}, format="json")
    unknown = api_for(alice).patch(url("detail", pledge), {"threshold": 1}, format="json")
    bad = api_for(alice).patch(url("detail", pledge), {"due_date": days(-1)}, format="json")
    changed = api_for(alice).patch(
        url("detail", pledge), {"title": "ask what matters"}, format="json"
    )

    assert denied.status_code == 403
    assert unknown.status_code == 400
    assert bad.status_code == 400 and "in the future" in bad.json()["due_date"][0]
    assert changed.status_code == 200
    assert changed.json()["sentence"] == "I will ask what matters"


def test_the_author_withdraws(api_for, pledge, alice, bob):
    assert api_for(bob).post(url("withdraw", pledge)).status_code == 403

    response = api_for(alice).post(url("withdraw", pledge))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    again = api_for(alice).post(url("withdraw", pledge))
    assert again.status_code == 200


# --- Signing, check-ins and done -------------------------------------------------------------


def test_signing_reaches_the_threshold_and_twice_is_harmless(api_for, pledge_with_signers, charlie):
    api = api_for(charlie)

    first = api.post(url("sign", pledge_with_signers))
    second = api.post(url("sign", pledge_with_signers))

    assert first.status_code == 200
    assert first.json() == {
        "signed": True,
        "status": "active",
        "signer_count": 3,
        "signers_still_needed": 0,
    }
    assert second.json()["signer_count"] == 3


def test_unsigning(api_for, pledge_with_signers, bob, alice):
    response = api_for(bob).post(url("unsign", pledge_with_signers))
    author = api_for(alice).post(url("unsign", pledge_with_signers))

    assert response.json() == {
        "signed": False,
        "status": "gathering",
        "signer_count": 1,
        "signers_still_needed": 2,
    }
    assert author.status_code == 400
    assert "withdraw the pledge instead" in author.json()["non_field_errors"][0]


def test_signing_a_failed_pledge_is_refused(api_for, pledge_with_signers, charlie):
    Pledge.objects.filter(pk=pledge_with_signers.pk).update(
        threshold_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    services.pledge_fail_threshold(pledge=pledge_with_signers)

    response = api_for(charlie).post(url("sign", pledge_with_signers))

    assert response.status_code == 400
    assert "did not reach its threshold" in response.json()["non_field_errors"][0]
    assert not Signature.objects.filter(member=charlie).exists()


def test_check_ins_from_signers_with_quantities(api_for, alice, bob, theme):
    pledge = services.pledge_create(
        author=alice,
        title="walk the mile",
        theme=theme,
        campaign=CampaignFactory(unit="miles"),
        due_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    check_ins = url("check-ins", pledge)

    created = api_for(alice).post(check_ins, {"note": "Walked", "quantity": "1.5"}, format="json")
    negative = api_for(alice).post(check_ins, {"note": "Oops", "quantity": "-2"}, format="json")
    outsider = api_for(bob).post(check_ins, {"note": "Hi"}, format="json")
    listed = api_for(bob).get(check_ins)

    assert created.status_code == 201 and created.json()["quantity"] == "1.50"
    assert negative.status_code == 400 and "more than 0" in negative.json()["quantity"][0]
    assert outsider.status_code == 400 and "Sign it first" in outsider.json()["non_field_errors"][0]
    assert [c["note"] for c in listed.json()["results"]] == ["Walked"]
    assert CheckIn.objects.count() == 1
    pledge.refresh_from_db()
    assert str(pledge.total_quantity) == "1.50"


def test_marking_done(api_for, pledge_met, bob, pledge):
    empty = api_for(bob).post(url("done", pledge_met), {"outcome": ""}, format="json")
    done = api_for(bob).post(
        url("done", pledge_met), {"outcome": "Asked 30 people."}, format="json"
    )

    assert empty.status_code == 400 and "Say in a sentence" in empty.json()["outcome"][0]
    assert done.status_code == 200
    assert done.json()["outcome"] == "Asked 30 people."
    assert done.json()["done_at"] is not None


# --- Schema ------------------------------------------------------------------------------


def test_every_pledges_endpoint_is_in_the_schema_with_examples(api_client):
    response = api_client.get(reverse("api-schema"), {"format": "json"})

    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/pledges/",
        "/api/pledges/{id}/",
        "/api/pledges/{id}/sign/",
        "/api/pledges/{id}/unsign/",
        "/api/pledges/{id}/withdraw/",
        "/api/pledges/{id}/check-ins/",
        "/api/pledges/{id}/done/",
        "/api/pledges/{id}/signers/",
        "/api/campaigns/",
        "/api/campaigns/{slug}/",
        "/api/themes/",
    ]:
        assert path in paths, path
    create = paths["/api/pledges/"]["post"]["requestBody"]["content"]["application/json"]
    assert "examples" in create
    parameters = {p["name"] for p in paths["/api/pledges/"]["get"]["parameters"]}
    assert {
        "q",
        "campaign",
        "community",
        "theme",
        "status",
        "organisation",
        "region",
        "sort",
    } <= parameters
