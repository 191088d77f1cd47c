"""The reports API: dashboard data, the network, badges, invitations, exports, summary
subscriptions and open data, with permissions and bad input."""

import datetime

import pytest
from django.urls import reverse

from pledges.models import Pledge
from pledges.services import pledge_create
from reports.models import Export
from tests.factories import PledgeFactory, UserFactory
from tests.reports.conftest import tick

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("api:report-dashboard")
EXPORTS = reverse("api:report-exports")


@pytest.fixture
def counted(pledge_met):
    tick()
    return pledge_met


def test_the_dashboard_api_gives_admins_the_direct_counts(api_for, admin_user, counted):
    response = api_for(admin_user).get(DASHBOARD)

    body = response.json()
    assert response.status_code == 200
    assert body["scope"] == "platform"
    assert body["totals"]["pledges_made"] == Pledge.objects.count() == 1
    assert body["totals"]["co_signs"] == 2
    assert body["funnel"][0] == {
        "step": "Pledged",
        "meaning": "pledges made",
        "value": 1,
        "percent_of_signed": 33,
    }
    assert sum(p["values"]["co_signs"] for p in body["periods"]) == 2
    assert {row["name"] for row in body["breakdowns"]["theme"]} == {"Patient experience"}


def test_organisers_get_their_communitys_figures_only(
    api_for, community, other_community, olivia, alice
):
    api = api_for(olivia)

    assert api.get(DASHBOARD, {"community": community.slug}).status_code == 200
    refused = api.get(DASHBOARD, {"community": other_community.slug})
    assert refused.status_code == 403
    assert "Leeds Listeners" in refused.json()["detail"]
    assert api.get(DASHBOARD).status_code == 403
    assert api_for(alice).get(DASHBOARD).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2025-05-02", "date_to": "2025-05-01"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_from": "not a date"}, "date_from"),
        ({"colour": "blue"}, "colour"),
        ({"community": "nowhere"}, "community"),
    ],
)
def test_bad_dashboard_queries_are_a_400_with_field_errors(api_for, admin_user, query, field):
    response = api_for(admin_user).get(DASHBOARD, query)

    assert response.status_code == 400
    assert field in response.json()


def test_open_data_is_public_and_suppresses_small_counts(api_client):
    PledgeFactory.create_batch(5)
    tick()

    response = api_client.get(reverse("api:report-open-data"), {"dimension": "platform"})

    assert response.status_code == 200
    assert "Open Government Licence v3.0" in response["X-Licence"]
    row = response.json()["results"][0]
    assert row["pledges_made"] == 5
    assert row["co_signs"] == "<5"
    assert api_client.get(reverse("api:report-open-data"), {"dimension": "x"}).status_code == 400


def test_badges_and_the_setting_to_hide_them(api_client, api_for, counted, alice):
    url = reverse("api:report-member-badges", args=[alice.pk])
    setting = reverse("api:report-badge-setting")

    assert [b["kind"] for b in api_client.get(url).json()] == ["first_pledge"]
    assert api_for(alice).patch(setting, {"hide_badges": True}, format="json").json() == {
        "hide_badges": True
    }
    assert api_client.get(url).json() == []
    assert api_for(alice).get(url).json()[0]["name"] == "First pledge"
    refused = api_for(alice).patch(setting, {"hide_badges": True, "is_staff": True}, format="json")
    assert refused.status_code == 400 and "is_staff" in refused.json()
    assert api_client.get(reverse("api:report-member-badges", args=[10**9])).status_code == 404


def test_a_member_reads_their_share_link_and_emails_an_invitation(api_for, alice):
    api = api_for(alice)

    invite = api.get(reverse("api:report-invite")).json()
    sent = api.post(reverse("api:report-invite-emails"), {"email": "friend@nhs.net"}, format="json")
    bad = api.post(reverse("api:report-invite-emails"), {"email": "friend"}, format="json")

    assert invite["share_url"].endswith(f"/?ref={invite['token']}")
    assert sent.status_code == 201 and sent.json()["email"] == "friend@nhs.net"
    assert bad.status_code == 400 and "email" in bad.json()


def test_the_network_api_follows_who_may_see_what(api_for, admin_user, counted, alice, olivia,
                                                  community):  # fmt: skip
    tick()
    platform = api_for(admin_user).get(reverse("api:report-network")).json()

    assert platform["stat"]["events"] == 3  # two co-signs, and Olivia joining her community
    assert platform["mobilisers"][0]["name"] == "Alice Ahmed"
    assert api_for(alice).get(reverse("api:report-network")).status_code == 403
    own = api_for(olivia).get(reverse("api:report-network"), {"community": community.slug})
    assert own.status_code == 200 and own.json()["scope"] == "community"


def test_an_export_through_the_api_runs_once_and_downloads(
    api_for, admin_user, counted, django_capture_on_commit_callbacks
):
    api = api_for(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = api.post(EXPORTS, {"dataset": "pledges", "format": "csv"}, format="json")
    second = api.post(EXPORTS, {"dataset": "pledges", "format": "csv"}, format="json")
    for callback in callbacks:
        callback()
    status = api.get(reverse("api:report-export", args=[first.json()["id"]])).json()
    download = api.get(status["download_url"])

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["id"] == first.json()["id"]
    assert status["status"] == "done" and status["percent"] == 100
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert b"Author email" in b"".join(download.streaming_content)


def test_organisers_cannot_export_another_community_through_the_api(
    api_for, olivia, community, other_community, alice
):
    refused = api_for(olivia).post(
        EXPORTS, {"dataset": "members", "community": other_community.slug}, format="json"
    )

    assert refused.status_code == 403
    assert "not one of them" in refused.json()["detail"]
    assert not Export.objects.exists()
    assert api_for(alice).post(EXPORTS, {"dataset": "pledges"}, format="json").status_code == 403
    unknown = api_for(olivia).post(EXPORTS, {"dataset": "pledges", "owner": 1}, format="json")
    assert unknown.status_code == 400


def test_another_members_export_is_not_found(api_for, admin_user, settings):
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory()
    created = api_for(admin_user).post(EXPORTS, {"dataset": "pledges"}, format="json").json()

    other = api_for(UserFactory(is_staff=True))
    assert other.get(reverse("api:report-export", args=[created["id"]])).status_code == 404
    assert other.get(EXPORTS).json()["results"] == []


def test_admins_manage_summary_subscriptions(api_for, admin_user, community, alice):
    api = api_for(admin_user)

    created = api.post(
        reverse("api:report-subscriptions"),
        {"frequency": "weekly", "community": community.slug},
        format="json",
    )
    listed = api.get(reverse("api:report-subscriptions")).json()["results"]
    deleted = api.delete(reverse("api:report-subscription", args=[created.json()["id"]]))

    assert created.status_code == 201
    assert listed[0]["community"] == community.slug
    assert deleted.status_code == 204
    assert api_for(alice).get(reverse("api:report-subscriptions")).status_code == 403
    assert (
        api.post(reverse("api:report-subscriptions"), {"frequency": "daily"}, format="json")
    ).status_code == 400


def test_the_dashboard_api_narrows_to_a_period(api_for, admin_user, alice, theme):
    today = datetime.date.today()
    pledge_create(author=alice, title="smile", theme=theme, due_date=today + datetime.timedelta(9))
    tick()

    body = (
        api_for(admin_user)
        .get(DASHBOARD, {"date_from": "2025-01-01", "date_to": "2025-01-31"})
        .json()
    )

    assert body["totals"]["pledges_made"] == 0
    assert body["bucket"] == "day" and len(body["periods"]) == 31
