"""Report pages: dashboards, the network, exports, invitations, badges, summary emails
and open data, for each role, with bad input."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse

from communities.models import Membership
from pledges.models import Pledge, Signature
from pledges.services import pledge_create, pledge_withdraw
from reports import rollups
from reports.models import Attribution, Badge, BadgeSetting, Export, Invite, Scope
from reports.services import invite_ensure
from tests.factories import CampaignFactory, PledgeFactory, UserFactory
from tests.reports.conftest import tick
from tests.security.test_csp import assert_keeps_to_the_policy

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
EXPORTS = reverse("reports:exports")


def page(response) -> str:
    return response.content.decode()


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def busy(pledge_met, theme, alice, bob):
    """Two pledges and two co-signs, counted."""
    pledge_create(
        author=bob,
        title="bring the tea round",
        theme=theme,
        due_date=datetime.date.today() + datetime.timedelta(days=9),
    )
    tick()
    return pledge_met


# --- The dashboard -------------------------------------------------------------------------


def test_the_dashboard_shows_an_admin_the_numbers_a_direct_count_gives(
    client_for, admin_user, busy
):
    response = client_for(admin_user).get(DASHBOARD)

    totals = response.context["data"].totals
    counted = Pledge.objects.filter(moderation_status="published").exclude(status="withdrawn")
    assert response.status_code == 200
    assert totals["pledges_made"] == counted.count() == 2
    assert totals["co_signs"] == Signature.objects.filter(is_author=False).count() == 2
    assert response.context["data"].funnel[1]["value"] == 4  # every commitment
    assert "chart-timeline" in page(response)
    assert_keeps_to_the_policy(response)


def test_the_dashboard_narrows_to_a_campaign(client_for, admin_user, alice, theme):
    campaign = CampaignFactory(slug="change-day")
    pledge_create(
        author=alice,
        title="smile",
        theme=theme,
        campaign=campaign,
        due_date=datetime.date.today() + datetime.timedelta(days=9),
    )
    PledgeFactory()
    tick()

    response = client_for(admin_user).get(DASHBOARD, {"campaign": "change-day"})

    assert response.status_code == 200
    assert response.context["title"] == campaign.name
    assert response.context["data"].totals["pledges_made"] == 1
    assert response.context["data"].breakdowns == {}


def test_members_and_visitors_cannot_see_the_dashboard(client, client_for, alice):
    assert client_for(alice).get(DASHBOARD).status_code == 403
    client.logout()
    assert client.get(DASHBOARD).status_code == 302


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2025-05-01", "date_to": "2025-04-01"}, "must be on or after the start"),
        ({"date_from": "1066-10-14"}, "from 1 January 2000 onwards"),
        ({"date_to": "3025-01-01"}, "no more than a year from today"),
        ({"date_from": "yesterday"}, "Enter a real date"),
        ({"sort": "best"}, "These filters are not known: “sort”"),
        ({"campaign": "no-such-campaign"}, "There is no such choice"),
    ],
)
def test_bad_filters_get_a_clear_message_and_the_default_period(
    client_for, admin_user, query, message
):
    response = client_for(admin_user).get(DASHBOARD, query)

    assert response.status_code == 400
    assert message in page(response)
    assert "There is a problem" in page(response)
    assert response.context["data"].scope == Scope.PLATFORM


def test_a_campaign_and_a_community_together_are_refused(client_for, admin_user, community):
    campaign = CampaignFactory()

    response = client_for(admin_user).get(
        DASHBOARD, {"campaign": campaign.slug, "community": community.slug}
    )

    assert response.status_code == 400
    assert "Choose a campaign or a community, not both" in page(response)


def test_the_dashboards_query_count_does_not_grow_with_the_days(
    client_for, admin_user, theme, django_assert_max_num_queries
):
    client = client_for(admin_user)
    PledgeFactory()
    tick()
    client.get(DASHBOARD)
    with django_assert_max_num_queries(40) as few:
        client.get(DASHBOARD)
    for _ in range(20):
        PledgeFactory(created_at=PledgeFactory().created_at - datetime.timedelta(days=_ + 1))
    tick()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(DASHBOARD)


def test_an_organiser_sees_their_communitys_dashboard_and_no_other(
    client_for, community, other_community, olivia, alice
):
    url = reverse("reports:community_dashboard", args=[community.slug])
    other = reverse("reports:community_dashboard", args=[other_community.slug])

    response = client_for(olivia).get(url)
    refused = client_for(olivia).get(other)

    assert response.status_code == 200
    assert response.context["community"] == community
    assert reverse("learning:community_progress", args=[community.slug]) in page(response)
    assert_keeps_to_the_policy(response)
    assert refused.status_code == 403
    assert "Only the organisers of Leeds Listeners" in page(refused)
    assert client_for(alice).get(url).status_code == 403


# --- Home, campaign and community pages read the rollups -----------------------------------


def test_the_home_page_reads_its_totals_from_the_rollups_in_few_queries(
    client, busy, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(reverse("home"))

    stats = {s.label: s.value for s in response.context["stats"]}
    assert stats["pledges made"] == 2
    assert stats["co-signs"] == 2
    assert stats["members"] == 3


def test_the_campaign_page_counts_from_the_rollups(client, alice, theme):
    campaign = CampaignFactory(slug="spring", target=4)
    for title in ("walk", "cycle"):
        pledge = pledge_create(
            author=alice,
            title=title,
            theme=theme,
            campaign=campaign,
            due_date=datetime.date.today() + datetime.timedelta(days=9),
        )
    pledge_withdraw(pledge=pledge, actor=alice)
    rollups.rollups_tick()

    response = client.get(reverse("pledges:campaign", args=["spring"]))

    progress = next(
        section.context["progress"]
        for section in response.context["sections"]
        if "progress" in section.context
    )
    assert progress.pledges == 1
    assert progress.percent == 25


def test_a_community_page_shows_its_achievements_and_organisers_get_the_reports(
    client_for, community, olivia, alice_in_community, alice, theme
):
    pledge_create(
        author=alice,
        title="hold a huddle",
        theme=theme,
        community=community,
        due_date=datetime.date.today() + datetime.timedelta(days=9),
    )
    url = reverse("communities:detail", args=[community.slug])
    rollups.rollups_tick()  # the achievements are the rollups'

    as_member = page(client_for(alice).get(url))
    as_organiser = page(client_for(olivia).get(url))

    assert "Achievements" in as_member
    assert '<span class="radicals-stat">1</span> pledges made' in as_member
    assert reverse("reports:community_dashboard", args=[community.slug]) not in as_member
    assert reverse("reports:community_dashboard", args=[community.slug]) in as_organiser


def test_staff_see_reports_in_the_navigation(client_for, admin_user, alice):
    assert f'href="{DASHBOARD}"' in page(client_for(admin_user).get(reverse("home")))
    assert f'href="{DASHBOARD}"' not in page(client_for(alice).get(reverse("home")))


# --- The movement network ------------------------------------------------------------------


def test_admins_see_the_platform_network_with_names(client_for, admin_user, busy, bob):
    tick()
    response = client_for(admin_user).get(reverse("reports:network"))

    assert response.status_code == 200
    assert response.context["stat"].events == 2
    assert "Alice Ahmed" in page(response)  # her pledge brought both co-signs
    assert_keeps_to_the_policy(response)


def test_organisers_see_their_communitys_network_and_members_see_nothing(
    client_for, community, olivia, oscar, alice, bob, theme
):
    for member in (alice, bob):
        Membership.objects.create(
            community=community,
            member=member,
            invited_by=olivia,
            joined_at=datetime.datetime.now(tz=datetime.UTC),
        )
    tick()
    url = reverse("reports:community_network", args=[community.slug])

    response = client_for(olivia).get(url)

    assert response.status_code == 200
    assert "<svg" in page(response) and '<title id="network-title">' in page(response)
    assert "Olivia Organiser" in page(response)
    assert_keeps_to_the_policy(response)
    assert client_for(oscar).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 403
    assert client_for(alice).get(reverse("reports:network")).status_code == 403


# --- Exports -------------------------------------------------------------------------------


def _export(client, **data):
    return client.post(EXPORTS, {"format": "csv", **data})


def test_an_admin_downloads_a_small_export_straight_away_with_emails(
    client_for, admin_user, busy, alice
):
    response = _export(client_for(admin_user), dataset="pledges")

    rows = _csv(response)
    assert response["Content-Disposition"].startswith('attachment; filename="radicals-pledges-')
    assert "no-store" in response["Cache-Control"]
    assert rows[0][-1] == "Author email"
    assert alice.email in {row[-1] for row in rows[1:]}
    assert len(rows) == 3
    export = Export.objects.get()
    assert export.status == Export.Status.DONE and export.include_personal


def test_hidden_pledges_never_appear_in_an_export(client_for, admin_user, busy):
    Pledge.objects.filter(pk=busy.pk).update(moderation_status="hidden")

    rows = _csv(_export(client_for(admin_user), dataset="pledges"))

    assert str(busy.pk) not in {row[0] for row in rows[1:]}


def test_an_organiser_exports_their_community_without_emails(
    client_for, community, olivia, alice_in_community, alice, theme
):
    alice.name_visibility = "hidden"
    alice.save()
    pledge_create(
        author=alice,
        title="hold a huddle",
        theme=theme,
        community=community,
        due_date=datetime.date.today() + datetime.timedelta(days=9),
    )
    PledgeFactory()  # not in the community

    rows = _csv(_export(client_for(olivia), dataset="pledges", community=community.slug))

    assert "Author email" not in rows[0]
    assert len(rows) == 2
    assert "Anonymous supporter" in rows[1]
    assert alice.email not in ",".join(rows[1])


def test_an_organiser_cannot_export_another_community(
    client_for, community, other_community, olivia
):
    response = _export(client_for(olivia), dataset="members", community=other_community.slug)

    assert response.status_code == 403
    assert "Leeds Listeners is not one of them" in page(response)
    assert not Export.objects.exists()
    assert "attachment" not in response.get("Content-Disposition", "")


def test_members_cannot_export(client_for, alice):
    assert client_for(alice).get(EXPORTS).status_code == 403
    assert _export(client_for(alice), dataset="pledges").status_code == 403


def test_a_bad_export_request_keeps_what_was_chosen(client_for, admin_user):
    response = _export(
        client_for(admin_user),
        dataset="members",
        campaign=CampaignFactory(slug="winter").slug,
        date_from="2025-02-01",
        date_to="2025-01-01",
    )

    assert response.status_code == 400
    assert "Members are not part of a campaign" in page(response)
    assert "must be on or after the start date" in page(response)
    assert 'value="2025-02-01"' in page(response)


def test_a_large_export_runs_in_the_background_with_progress_then_downloads(
    client_for, admin_user, busy, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_INLINE_ROWS = 0
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _export(client, dataset="signatures", format="xlsx")
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export", args=[export.pk])

    again = _export(client, dataset="signatures", format="xlsx")
    assert again["Location"] == response["Location"]
    assert Export.objects.count() == 1  # the second request returned the running one

    waiting = client.get(response["Location"])
    assert 'hx-trigger="every 2s"' in page(waiting)
    assert_keeps_to_the_policy(waiting)

    for callback in callbacks:
        callback()
    done = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in page(done)
    assert "Your file is ready: 4 rows" in page(done)

    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a zip: the XLSX workbook


def test_only_the_requester_downloads_an_export(client_for, admin_user, busy, settings):
    settings.REPORTS_EXPORT_INLINE_ROWS = 0
    _export(client_for(admin_user), dataset="pledges")
    export = Export.objects.get()
    other_admin = UserFactory(is_staff=True)

    assert (
        client_for(other_admin).get(reverse("reports:export", args=[export.pk])).status_code == 404
    )
    url = reverse("reports:export_download", args=[export.pk])
    assert client_for(other_admin).get(url).status_code == 404


# --- Invitations and attribution -------------------------------------------------------------


def test_a_member_emails_an_invitation_with_their_share_link(
    client_for, alice, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    share = invite_ensure(member=alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:invite"), {"email": "Colleague@NHS.net", "message": "Join us!"}
        )
    again = client.post(reverse("reports:invite"), {"email": "colleague@nhs.net"})
    own = client.post(reverse("reports:invite"), {"email": alice.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["colleague@nhs.net"]
    assert f"?ref={share.token}" in message.body and "Join us!" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert again.status_code == 400 and "You invited colleague@nhs.net on" in page(again)
    assert own.status_code == 400 and "your own email address" in page(own)
    assert_keeps_to_the_policy(client.get(reverse("reports:invite")))


def test_a_share_link_is_remembered_and_credits_a_co_sign(client_for, client, pledge, bob, charlie):
    token = invite_ensure(member=charlie).token
    client.force_login(bob)

    arrived = client.get(reverse("pledges:detail", args=[pledge.pk]), {"ref": token, "x": "1"})
    client.post(reverse("pledges:sign", args=[pledge.pk]))

    assert arrived.status_code == 302
    assert arrived["Location"] == reverse("pledges:detail", args=[pledge.pk]) + "?x=1"
    credits = set(
        Attribution.objects.filter(invitee=bob).values_list("inviter__email", "via", "kind")
    )
    # The pledge's author is credited too, read from the signature rather than stored.
    assert credits == {(charlie.email, "share_link", "co_sign")}


def test_a_share_link_credits_a_sign_up(client):
    inviter = UserFactory()
    token = invite_ensure(member=inviter).token
    client.get("/", {"ref": token})

    client.post(
        reverse("account_signup"),
        {
            "display_name": "Nina New",
            "email": "nina@example.nhs.uk",
            "password1": "a long enough password 42",
            "password2": "a long enough password 42",
        },
    )

    attribution = Attribution.objects.get(kind="signup")
    assert attribution.inviter == inviter
    assert attribution.invitee.email == "nina@example.nhs.uk"


def test_a_bad_or_own_share_link_is_dropped_quietly(client_for, alice):
    client = client_for(alice)
    own = invite_ensure(member=alice).token

    for token in (own, "nope", "x" * 500, "../../etc"):
        response = client.get("/pledges/", {"ref": token})
        assert response.status_code == 302
        assert response["Location"] == "/pledges/"
    assert "reports_referral" not in client.session
    assert not Invite.objects.exclude(member=alice).exists()


def test_joining_through_an_organisers_invitation_credits_them(client_for, community, olivia, bob):
    from communities.services import invitation_create

    invitation = invitation_create(community=community, actor=olivia, note="", days_valid=7)
    from communities.services import membership_join

    membership_join(community=community, member=bob, invitation=invitation)

    assert Attribution.objects.get(invitee=bob).via == "community_invitation"


# --- Badges ------------------------------------------------------------------------------


def test_badges_show_on_a_profile_unless_hidden(client_for, client, pledge, alice, bob):
    tick()
    assert Badge.objects.filter(member=alice, kind="first_pledge").exists()
    profile = reverse("members:profile", args=[alice.pk])

    assert "First pledge" in page(client.get(profile))
    client_for(alice).post(reverse("reports:badges"), {"hide_badges": "on"})
    assert BadgeSetting.objects.get(member=alice).hide_badges

    client.logout()
    assert "First pledge" not in page(client.get(profile))
    assert "First pledge" not in page(client_for(bob).get(profile))
    own = page(client_for(alice).get(profile))
    assert "First pledge" in own and "Only you can see your badges" in own


# --- Summary emails --------------------------------------------------------------------------


def test_an_admin_subscribes_and_gets_one_weekly_summary(client_for, admin_user, busy, alice):
    from reports.services import summaries_send_due

    client = client_for(admin_user)
    response = client.post(reverse("reports:subscriptions"), {"frequency": "weekly"})
    assert response.status_code == 302
    assert client_for(alice).get(reverse("reports:subscriptions")).status_code == 403

    sent = summaries_send_due(now=datetime.datetime.now(tz=datetime.UTC).replace(hour=11))
    again = summaries_send_due(now=datetime.datetime.now(tz=datetime.UTC).replace(hour=12))

    assert (sent, again) == (1, 0)
    message = mail.outbox[-1]
    assert message.to == [admin_user.email]
    assert "Pledges made" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_an_admin_stops_a_summary(client_for, admin_user):
    client = client_for(admin_user)
    client.post(reverse("reports:subscriptions"), {"frequency": "monthly"})
    subscription = admin_user.reports_subscriptions.get()

    client.post(reverse("reports:subscription_delete", args=[subscription.pk]))

    assert not admin_user.reports_subscriptions.exists()


# --- Open data -----------------------------------------------------------------------------


def test_open_data_is_public_suppresses_small_counts_and_names_its_licence(client, theme):
    for _ in range(6):
        PledgeFactory(theme=theme)
    tick()

    response = client.get(reverse("reports:open_data"))
    rows = _csv(client.get(reverse("reports:open_data_csv")))
    data = client.get(reverse("reports:open_data_json")).json()

    assert response.status_code == 200
    assert "Open Government Licence v3.0" in page(response)
    assert_keeps_to_the_policy(response)
    theme_rows = [row for row in data["rows"] if row["dimension"] == "theme"]
    assert theme_rows[0]["pledges_made"] == 6
    assert theme_rows[0]["co_signs"] == "<5"
    assert ["theme", theme.name] == rows[[r[1] for r in rows].index(theme.name)][:2]
    assert data["licence"] == "Open Government Licence v3.0"
    assert "@" not in response.content.decode().split("<main")[1]


@pytest.mark.parametrize(
    "model",
    [
        "dailyrollup",
        "scopetotal",
        "rollupdirtyday",
        "invite",
        "inviteemail",
        "attribution",
        "networkstat",
        "networkmonth",
        "mobiliser",
        "lonewolf",
        "badge",
        "badgesetting",
        "export",
        "reportsubscription",
    ],
)
def test_the_admin_lists_every_reports_model(client_for, admin_user, busy, model):
    response = client_for(admin_user).get(reverse(f"admin:reports_{model}_changelist"), {"q": "1"})

    assert response.status_code == 200
    assert_keeps_to_the_policy(response)


def test_an_admin_recounts_everything_from_the_rollup_list(client_for, admin_user, busy):
    from reports.models import DailyRollup

    DailyRollup.objects.all().delete()
    response = client_for(admin_user).post(
        reverse("admin:reports_dailyrollup_changelist"),
        {"action": "recount_everything", "_selected_action": ["0"]},
    )

    assert response.status_code == 302
    assert DailyRollup.objects.filter(scope="platform").exists()
