"""The SPC charts, their re-base dates, embed arrivals and the data package in the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import EmbedArrival, EmbedOrigin, Scope, SpcBaseline
from tests.reports.test_spc_views import STEADY, _weeks

pytestmark = pytest.mark.django_db

CHARTS = reverse("api:report-spc")
BASELINES = reverse("api:report-spc-baselines")


@pytest.fixture
def spike(community):
    return _weeks(Scope.COMMUNITY, community.pk, [*STEADY, 40])


def test_an_organiser_reads_their_communitys_charts(api_for, olivia, community, spike):
    response = api_for(olivia).get(CHARTS, {"scope": "community", "scope_id": community.pk})

    data = response.json()
    assert response.status_code == 200
    assert data["minimum_points"] == 15
    co_signs = next(c for c in data["charts"] if c["measure"] == "co_signs")
    assert (co_signs["variation"], co_signs["better"]) == ("improving", "higher")
    assert co_signs["points"][-1]["signal"] == "beyond a limit"
    assert co_signs["points"][-1]["upper_limit"] < 40


def test_the_charts_of_another_community_or_the_platform_are_refused(
    api_for, olivia, other_community, spike
):
    api = api_for(olivia)
    assert (
        api.get(CHARTS, {"scope": "community", "scope_id": other_community.pk}).status_code == 403
    )
    assert api.get(CHARTS, {"scope": "platform"}).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "theme"},
        {"scope": "community", "scope_id": "x"},
        {"scope": "platform", "series": "daily"},
        {"scope": "platform", "date_from": "2025-02-30"},
        {"scope": "platform", "colour": "red"},
    ],
)
def test_bad_chart_queries_get_a_400(api_for, admin_user, params):
    assert api_for(admin_user).get(CHARTS, params).status_code == 400


def test_a_missing_community_is_a_404(api_for, admin_user):
    assert (
        api_for(admin_user).get(CHARTS, {"scope": "community", "scope_id": 999999}).status_code
        == 404
    )


def test_the_monthly_series_charts_the_network(api_for, admin_user):
    response = api_for(admin_user).get(CHARTS, {"scope": "platform", "series": "monthly"})

    measures = [c["measure"] for c in response.json()["charts"]]
    assert measures == ["top_share", "mobilisers", "recruits_mobilising"]
    assert all(c["variation"] == "no_limits" for c in response.json()["charts"])


def test_an_organiser_rebases_through_the_api_and_a_repeat_returns_the_same(
    api_for, olivia, community, spike
):
    api = api_for(olivia)
    body = {"scope": "community", "scope_id": community.pk, "measure": "co_signs",
            "starts_on": spike[10].isoformat(), "reason": "Launch"}  # fmt: skip

    first = api.post(BASELINES, body, format="json")
    again = api.post(BASELINES, body, format="json")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = api.get(BASELINES, {"scope": "community", "scope_id": community.pk}).json()
    assert [b["starts_on"] for b in listed] == [spike[10].isoformat()]
    charts = api.get(CHARTS, {"scope": "community", "scope_id": community.pk}).json()["charts"]
    co_signs = next(c for c in charts if c["measure"] == "co_signs")
    assert co_signs["rebased_on"] == [spike[10].isoformat()]


@pytest.mark.parametrize(
    ("starts_on", "words"),
    [
        (lambda spike: timezone.localdate() + datetime.timedelta(days=3), "has passed"),
        (lambda spike: spike[0] - datetime.timedelta(days=1), "after the data begins"),
    ],
)
def test_a_rebase_outside_the_data_is_refused_with_a_reason(
    api_for, olivia, community, spike, starts_on, words
):
    body = {"scope": "community", "scope_id": community.pk, "measure": "all",
            "starts_on": starts_on(spike).isoformat()}  # fmt: skip

    response = api_for(olivia).post(BASELINES, body, format="json")

    assert response.status_code == 400
    assert words in str(response.json()["starts_on"])
    assert not SpcBaseline.objects.exists()


def test_an_organiser_cannot_rebase_the_platform_through_the_api(api_for, olivia, spike):
    body = {"scope": "platform", "scope_id": 0, "measure": "all", "starts_on": spike[5].isoformat()}
    assert api_for(olivia).post(BASELINES, body, format="json").status_code == 403


def test_a_rebase_is_removed_by_an_organiser_and_not_by_a_member(
    api_for, olivia, alice, community, spike
):
    baseline = SpcBaseline.objects.create(
        scope="community", scope_id=community.pk, measure="all", starts_on=spike[5]
    )
    url = reverse("api:report-spc-baseline", args=[baseline.pk])

    assert api_for(alice).delete(url).status_code == 403
    assert api_for(olivia).delete(url).status_code == 204
    assert not SpcBaseline.objects.exists()


def test_embed_arrivals_by_site_for_admins(api_for, admin_user, alice):
    EmbedOrigin.objects.create(origin="https://intranet.example.nhs.uk")
    EmbedArrival.objects.create(
        host="intranet.example.nhs.uk", day=timezone.localdate(), kind="visit", count=4
    )
    url = reverse("api:report-embed-arrivals")

    response = api_for(admin_user).get(url, {"scope": "platform"})

    assert response.json() == [{"host": "intranet.example.nhs.uk", "visits": 4, "co_signs": 0}]
    assert api_for(alice).get(url, {"scope": "platform"}).status_code == 403


def test_the_package_descriptor_is_in_the_api_and_refuses_bad_dates(api_client):
    url = reverse("api:report-open-data-package")
    assert api_client.get(url).json()["profile"] == "tabular-data-package"
    assert api_client.get(url, {"from": "2025-13-01"}).status_code == 400


def test_the_schema_documents_the_new_endpoints(api_client):
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()
    for path in (
        "/api/reports/spc/",
        "/api/reports/spc/baselines/",
        "/api/reports/spc/baselines/{id}/",
        "/api/reports/embeds/arrivals/",
        "/api/reports/open-data/package/",
    ):
        assert path in schema["paths"]
