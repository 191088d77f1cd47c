"""SPC charts on the dashboards and the network page, their CSVs, and re-basing."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import DailyRollup, NetworkMonth, Scope, SpcBaseline
from reports.spc_selectors import monday_of
from tests.security.test_csp import assert_keeps_to_the_policy

pytestmark = pytest.mark.django_db

STEADY = [10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9]


def _last_complete_monday() -> datetime.date:
    return monday_of(timezone.localdate()) - datetime.timedelta(weeks=1)


def _weeks(scope: str, scope_id: int, co_signs: list[int]) -> list[datetime.date]:
    """One rollup row on the Monday of each of the last len(co_signs) complete weeks."""
    last = _last_complete_monday()
    mondays = [last - datetime.timedelta(weeks=n) for n in range(len(co_signs) - 1, -1, -1)]
    DailyRollup.objects.bulk_create(
        DailyRollup(day=day, scope=scope, scope_id=scope_id, co_signs=n, pledges_made=5)
        for day, n in zip(mondays, co_signs, strict=True)
    )
    return mondays


@pytest.fixture
def spike(community):
    """Nineteen steady weeks of co-signs in the community, then a week far above them."""
    return _weeks(Scope.COMMUNITY, community.pk, [*STEADY, 40])


def _dashboard(client, community):
    return client.get(reverse("reports:community_dashboard", args=[community.slug]))


def test_the_community_dashboard_shows_a_signal_in_words_with_its_icon(
    client_for, olivia, community, spike
):
    response = _dashboard(client_for(olivia), community)

    body = response.content.decode()
    co_signs = next(e for e in response.context["spc_items"] if e["item"].measure == "co_signs")
    assert response.status_code == 200
    assert co_signs["item"].chart.variation == "improving"
    week = spike[-1].strftime("%-d %b %Y")
    assert f"Co-signs rose above their usual range in the week of {week}." in body
    assert "Special cause variation: improving" in body
    assert "Higher is better." in body
    assert 'id="spc-co_signs"' in body  # the data island the chart is drawn from
    assert_keeps_to_the_policy(response)


def test_a_chart_with_too_few_weeks_says_so_instead_of_drawing_limits(
    client_for, olivia, community
):
    _weeks(Scope.COMMUNITY, community.pk, STEADY[:10])

    response = _dashboard(client_for(olivia), community)

    body = response.content.decode()
    assert "Co-signs: too few points for process limits yet; at least 15 are needed." in body
    assert "Too few points for process limits" in body
    item = next(e for e in response.context["spc_items"] if e["item"].measure == "co_signs")
    assert all(row["upper_limit"] is None for row in item["rows"])


def test_the_csv_of_a_chart_holds_each_week_with_its_limits_and_signal(
    client_for, olivia, community, spike
):
    url = reverse("reports:spc_csv", args=["community", community.pk, "co_signs"])

    response = client_for(olivia).get(url)

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response.status_code == 200
    assert rows[0] == [
        "Week", "Co-signs", "Mean", "Lower process limit", "Upper process limit", "Signal",
    ]  # fmt: skip
    assert len(rows) == 1 + len(spike)
    assert rows[-1][1] == "40.0" and rows[-1][5] == "beyond a limit"
    assert rows[1][5] == ""


def test_the_csv_refuses_bad_dates_with_a_clear_400(client_for, olivia, community, spike):
    url = reverse("reports:spc_csv", args=["community", community.pk, "co_signs"])

    response = client_for(olivia).get(url, {"date_from": "31/02/2025"})

    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_someone_who_does_not_organise_the_community_cannot_read_its_charts(
    client_for, charlie, community, spike
):
    url = reverse("reports:spc_csv", args=["community", community.pk, "co_signs"])
    assert client_for(charlie).get(url).status_code == 403


def test_an_unknown_scope_or_chart_is_a_404(client_for, admin_user, community, spike):
    client = client_for(admin_user)
    assert client.get(reverse("reports:spc_csv", args=["theme", 1, "co_signs"])).status_code == 404
    url = reverse("reports:spc_csv", args=["community", community.pk, "nonsense"])
    assert client.get(url).status_code == 404


# --- Re-basing --------------------------------------------------------------------------------


def _rebase(client, scope, scope_id, **data):
    return client.post(reverse("reports:spc_rebase", args=[scope, scope_id]), data)


def test_an_organiser_rebases_their_community_chart_and_the_signal_goes(
    client_for, olivia, community, spike
):
    client = client_for(olivia)

    response = _rebase(
        client, "community", community.pk, measure="co_signs", starts_on=spike[-1].isoformat()
    )

    assert response.status_code == 302
    assert response.url == reverse("reports:community_dashboard", args=[community.slug])
    baseline = SpcBaseline.objects.get()
    assert (baseline.measure, baseline.starts_on, baseline.created_by) == (
        "co_signs",
        spike[-1],
        olivia,
    )
    page = _dashboard(client, community)
    item = next(e for e in page.context["spc_items"] if e["item"].measure == "co_signs")
    # The week after the re-base stands alone: too short for limits of its own.
    assert item["item"].chart.segments[-1][2] is None
    assert item["item"].chart.variation == "no_limits"
    assert "new limits from" in page.content.decode()


def test_a_rebase_in_the_future_is_refused_clearly(client_for, olivia, community, spike):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = _rebase(
        client_for(olivia), "community", community.pk, measure="all", starts_on=tomorrow
    )

    assert response.status_code == 400
    assert "A chart can only be re-based at a date that has passed." in response.content.decode()
    assert not SpcBaseline.objects.exists()


def test_a_rebase_before_the_data_begins_is_refused_clearly(client_for, olivia, community, spike):
    before = spike[0] - datetime.timedelta(days=3)

    response = _rebase(
        client_for(olivia), "community", community.pk, measure="all", starts_on=before
    )

    assert response.status_code == 400
    assert "Choose a date after the data begins" in response.content.decode()


def test_a_rebase_of_an_unknown_chart_is_refused(client_for, olivia, community, spike):
    response = _rebase(
        client_for(olivia), "community", community.pk, measure="bogus", starts_on=spike[5]
    )
    assert response.status_code == 400


def test_an_organiser_cannot_rebase_the_platform_or_another_community(
    client_for, olivia, other_community, spike
):
    _weeks(Scope.PLATFORM, 0, [*STEADY, 40])
    client = client_for(olivia)

    assert _rebase(client, "platform", 0, measure="all", starts_on=spike[5]).status_code == 403
    assert (
        _rebase(
            client, "community", other_community.pk, measure="all", starts_on=spike[5]
        ).status_code
        == 403
    )
    assert not SpcBaseline.objects.exists()


def test_an_admin_rebases_the_platform_and_can_remove_it(client_for, admin_user, spike):
    mondays = _weeks(Scope.PLATFORM, 0, [*STEADY, 40])
    client = client_for(admin_user)

    assert _rebase(client, "platform", 0, measure="all", starts_on=mondays[8]).status_code == 302
    baseline = SpcBaseline.objects.get(scope="platform")
    response = client.post(reverse("reports:spc_baseline_delete", args=[baseline.pk]))

    assert response.status_code == 302
    assert not SpcBaseline.objects.exists()


# --- The movement over time -------------------------------------------------------------------


def test_the_network_page_charts_the_top_share_mobilisers_and_recruits_by_month(
    client_for, admin_user
):
    first = datetime.date(2023, 1, 1)
    months = [(first.replace(year=2023 + n // 12, month=n % 12 + 1)) for n in range(18)]
    NetworkMonth.objects.bulk_create(
        NetworkMonth(
            scope=Scope.PLATFORM,
            scope_id=0,
            month=month,
            events=100,
            top_events=90 if n < 17 else 20,
            mobilisers=3 + n % 2,
            recruits_mobilising=n % 2,
        )
        for n, month in enumerate(months)
    )

    response = client_for(admin_user).get(reverse("reports:network"))

    items = {e["item"].measure: e["item"] for e in response.context["spc_items"]}
    assert set(items) == {"top_share", "mobilisers", "recruits_mobilising"}
    # The top 3% drove far less in the last month: lower is better, so improving.
    assert items["top_share"].chart.variation == "improving"
    assert "The movement over time" in response.content.decode()


# --- The admin ---------------------------------------------------------------------------------


def test_the_admin_adds_a_rebase_through_the_same_rules(client_for, admin_user, community, spike):
    client = client_for(admin_user)
    url = reverse("admin:reports_spcbaseline_add")
    base = {"scope": "community", "scope_id": community.pk, "measure": "co_signs", "reason": ""}

    future = client.post(
        url, {**base, "starts_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}
    )
    added = client.post(url, {**base, "starts_on": spike[8].isoformat()})

    assert future.status_code == 200
    assert "A chart can only be re-based at a date that has passed." in future.content.decode()
    assert added.status_code == 302
    assert SpcBaseline.objects.get().created_by == admin_user


def test_the_admin_lists_the_sites_allowed_to_embed(client_for, admin_user):
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:reports_embedorigin_add"),
        {"origin": "https://intranet.example.nhs.uk/news", "name": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "Give only the scheme and host" in response.content.decode()


# --- Organisation and region dashboards ----------------------------------------------------


def test_an_admin_sees_an_organisations_dashboard_with_its_charts(client_for, admin_user):
    from tests.factories import OrganisationFactory

    trust = OrganisationFactory(name="Bay Hospitals", slug="bay-hospitals")
    mondays = _weeks(Scope.ORGANISATION, trust.pk, [*STEADY, 40])

    response = client_for(admin_user).get(
        reverse("reports:dashboard"), {"organisation": trust.slug}
    )

    assert response.status_code == 200
    assert response.context["title"] == "Bay Hospitals"
    co_signs = next(e for e in response.context["spc_items"] if e["item"].measure == "co_signs")
    assert co_signs["item"].chart.variation == "improving"
    rebase = _rebase(
        client_for(admin_user), "organisation", trust.pk, measure="all", starts_on=mondays[5]
    )
    assert rebase.status_code == 302
    assert rebase.url == reverse("reports:dashboard") + "?organisation=bay-hospitals"


def test_a_region_and_a_community_at_once_are_refused(client_for, admin_user, community):
    from tests.factories import RegionFactory

    region = RegionFactory(name="North West", slug="north-west")

    response = client_for(admin_user).get(
        reverse("reports:dashboard"), {"region": region.slug, "community": community.slug}
    )

    assert response.status_code == 400
    assert "Choose one of a campaign, a community, an organisation or a region" in (
        response.content.decode()
    )
