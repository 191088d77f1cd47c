"""The reports app in Welsh: every page's text is marked for translation (checked in
pseudo-Welsh, where a marked string reads ⟦…⟧), real Welsh pages, SPC sentences and
API errors, and emails and export files in their reader's language."""

import csv
import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Membership
from pledges.services import pledge_create
from reports import spc
from reports.models import (
    Badge,
    DailyRollup,
    EmbedArrival,
    Export,
    InviteEmail,
    NetworkMonth,
    ReportSubscription,
    Scope,
    SpcBaseline,
)
from reports.services import invite_email_deliver, summaries_send_due
from reports.spc_selectors import monday_of
from tests.factories import CampaignFactory, UserFactory
from tests.pseudo_locale import unmarked_english
from tests.reports.conftest import tick

pytestmark = pytest.mark.django_db

STEADY = [10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9]
PLEDGE_TITLE = "ask every patient what matters to them"
CAMPAIGN = "Hello my name is"


def main_of(html: str) -> str:
    """The page's own content: the chrome around <main> is checked elsewhere."""
    assert "<main" in html, html[:500]
    return html.split("<main", 1)[1].rsplit("</main>", 1)[0]


def section_of(html: str, title: str) -> str:
    """The section the reports app adds to another app's page, found by its title."""
    found = [part for part in html.split("<section")[1:] if f"⟦{title}⟧" in part]
    assert found, title
    return found[0].split("</section>", 1)[0]


def marked_away(html: str) -> str:
    """The page without its marked strings, innermost first: a chart's description
    holds its (marked) sentence, and the check reads one level of brackets. The values
    of options, radios and checkboxes are what the form sends, never shown, so they go."""
    html = re.sub(r'(<option\b[^>]*?)\svalue="[^"]*"', r"\1", html)
    html = re.sub(r'(<input\b[^>]*type="(?:radio|checkbox)"[^>]*?)\svalue="[^"]*"', r"\1", html)
    html = re.sub(r'(<input\b[^>]*?)\svalue="[^"]*"([^>]*type="(?:radio|checkbox)")', r"\1\2", html)
    while True:
        inner = re.sub("⟦[^⟦⟧]*⟧", " ", html)
        if inner == html:
            return html
        html = inner


def _spike(scope: str, scope_id: int) -> None:
    """Nineteen steady weeks of co-signs, then a week far above them."""
    last = monday_of(timezone.localdate()) - datetime.timedelta(weeks=1)
    values = [*STEADY, 40]
    mondays = [last - datetime.timedelta(weeks=n) for n in range(len(values) - 1, -1, -1)]
    DailyRollup.objects.bulk_create(
        DailyRollup(day=day, scope=scope, scope_id=scope_id, co_signs=n, pledges_made=5)
        for day, n in zip(mondays, values, strict=True)
    )


def _network_months(scope: str, scope_id: int) -> None:
    first = datetime.date(2023, 1, 1)
    NetworkMonth.objects.bulk_create(
        NetworkMonth(
            scope=scope,
            scope_id=scope_id,
            month=first.replace(year=2023 + n // 12, month=n % 12 + 1),
            events=100,
            attributed_events=60,
            top_events=90 if n < 17 else 20,
            mobilisers=3 + n % 2,
            recruits_mobilising=n % 2,
        )
        for n in range(18)
    )


@pytest.fixture
def world(community, olivia, alice, bob, charlie, admin_user, pledge_met, theme):
    """A community with members Olivia brought in, pledges and co-signs counted, weeks
    and months of SPC history, embed arrivals, badges, exports and subscriptions."""
    for member in (alice, bob):
        Membership.objects.create(
            community=community,
            member=member,
            invited_by=olivia,
            joined_at=timezone.now(),
        )
    campaign = CampaignFactory(name=CAMPAIGN, slug="hello")
    pledge_create(
        author=bob,
        title="bring the tea round",
        theme=theme,
        community=community,
        campaign=campaign,
        due_date=timezone.localdate() + datetime.timedelta(days=9),
    )
    # Before the counted days: so the tick leaves these rows alone.
    _spike(Scope.COMMUNITY, community.pk)
    _spike(Scope.PLATFORM, 0)
    tick()
    _network_months(Scope.PLATFORM, 0)
    SpcBaseline.objects.create(
        scope=Scope.COMMUNITY,
        scope_id=community.pk,
        measure="new_members",
        starts_on=timezone.localdate() - datetime.timedelta(weeks=8),
        reason="New rota",
        created_by=olivia,
    )
    SpcBaseline.objects.create(
        scope=Scope.PLATFORM,
        scope_id=0,
        measure="all",
        starts_on=timezone.localdate() - datetime.timedelta(weeks=9),
        created_by=admin_user,
    )
    for kind, count in ((EmbedArrival.Kind.VISIT, 12), (EmbedArrival.Kind.CO_SIGN, 3)):
        EmbedArrival.objects.create(
            host="intranet.example.nhs.uk",
            day=timezone.localdate(),
            kind=kind,
            pledge=pledge_met,
            count=count,
        )
    Badge.objects.get_or_create(
        member=alice, kind=Badge.Kind.MOBILISER, defaults={"awarded_at": timezone.now()}
    )
    for status, file_name, error in (
        (Export.Status.QUEUED, "", ""),
        (Export.Status.RUNNING, "", ""),
        (Export.Status.DONE, "export.csv", ""),
        (Export.Status.DONE, "", ""),
        (Export.Status.EXPIRED, "", ""),
        (Export.Status.FAILED, "", Export.WRITE_FAILED),
    ):
        Export.objects.create(
            requested_by=admin_user,
            dataset=Export.Dataset.PLEDGES,
            community=community,
            campaign=campaign,
            date_from=datetime.date(2025, 1, 1),
            date_to=datetime.date(2025, 6, 30),
            filters_key=f"{status}-{file_name}",
            status=status,
            file_name=file_name,
            error=error,
            rows_total=40,
            rows_done=10,
        )
    ReportSubscription.objects.create(
        member=admin_user, frequency="weekly", last_sent_at=timezone.now()
    )
    ReportSubscription.objects.create(member=admin_user, frequency="monthly", community=community)
    return community


def _names(*members) -> tuple[str, ...]:
    return (
        *(m.display_name for m in members),
        "Morecambe Bay Walkers",
        CAMPAIGN,
        PLEDGE_TITLE,
        "bring the tea round",
        "New rota",
        "Patient experience",
        # The shared form macros' error title (templates/jinja2/macros/forms.jinja) is the
        # project's, marked in its own catalogue, not the reports app's.
        "There is a problem",
        # A pledge's sentence ("I will …") is the pledges app's to build and translate.
        "I will",
    )


def _pages(world, community, alice, olivia, admin_user):
    """(who, url, method, data, htmx) of every reports page in each state; htmx is a
    partial, or for another app's page the title of the reports' section on it."""
    exports = {e.status + e.file_name: e for e in Export.objects.all()}
    dashboard = reverse("reports:dashboard")
    rebase = reverse("reports:spc_rebase", args=[Scope.COMMUNITY, community.pk])
    yield admin_user, dashboard, "get", {}, False
    yield admin_user, dashboard, "get", {"date_from": "2025-02-30", "nonsense": "1"}, False
    yield admin_user, dashboard, "get", {"date_from": "2020-01-01"}, False  # month by month
    yield admin_user, dashboard, "get", {"campaign": "hello", "community": community.slug}, False
    yield olivia, reverse("reports:community_dashboard", args=[community.slug]), "get", {}, False
    yield olivia, reverse("reports:community_network", args=[community.slug]), "get", {}, False
    yield admin_user, reverse("reports:network"), "get", {}, False
    yield admin_user, reverse("reports:network"), "get", {"campaign": "nope"}, False
    yield admin_user, reverse("reports:network"), "get", {"campaign": "hello"}, False
    yield admin_user, reverse("reports:exports"), "get", {}, False
    yield admin_user, reverse("reports:exports"), "post", {"dataset": "members"}, False
    yield olivia, reverse("reports:exports"), "get", {}, False
    yield olivia, reverse("reports:exports"), "post", {"format": "csv"}, False
    for export in exports.values():
        yield admin_user, reverse("reports:export", args=[export.pk]), "get", {}, False
        yield admin_user, reverse("reports:export", args=[export.pk]), "get", {}, True
    yield alice, reverse("reports:invite"), "get", {}, False
    yield alice, reverse("reports:invite"), "post", {"email": "nope", "message": "x"}, False
    yield olivia, reverse("reports:invite"), "get", {}, False  # nobody yet
    yield alice, reverse("reports:badges"), "get", {}, False
    yield olivia, reverse("reports:badges"), "get", {}, False  # no badges yet
    yield admin_user, reverse("reports:subscriptions"), "get", {}, False
    yield admin_user, reverse("reports:subscriptions"), "post", {"frequency": "daily"}, False
    yield None, reverse("reports:open_data"), "get", {}, False
    yield olivia, rebase, "get", {}, False
    yield olivia, rebase, "post", {"measure": "co_signs", "starts_on": "2999-01-01"}, False
    yield None, reverse("embed_pledge", args=[world.pledges.first().pk]), "get", {}, False
    yield None, reverse("embed_campaign", args=["hello"]), "get", {}, False
    # The reports' sections of other apps' pages: a community's achievements, badges.
    community_page = reverse("communities:detail", args=[community.slug])
    yield olivia, community_page, "get", {}, "Achievements"
    yield alice, community_page, "get", {}, "Achievements"
    yield alice, reverse("members:profile", args=[alice.pk]), "get", {}, "Badges"
    yield olivia, reverse("members:profile", args=[alice.pk]), "get", {}, "Badges"


def test_every_reports_page_has_its_text_marked_for_translation(
    client, pseudo_welsh, world, community, alice, bob, charlie, olivia, admin_user
):
    allowed = _names(alice, bob, charlie, olivia, admin_user)
    checked = 0
    for who, url, method, data, htmx in _pages(world, community, alice, olivia, admin_user):
        client.logout()
        if who is not None:
            client.force_login(who)
        headers = {"HTTP_ACCEPT_LANGUAGE": "cy"}
        if htmx is True:
            headers["HTTP_HX_REQUEST"] = "true"
        response = getattr(client, method)(url, data, **headers)
        assert response.status_code in (200, 400), (url, data, response.status_code)
        html = response.content.decode()
        if htmx is True:
            content = html
        elif htmx:
            content = section_of(html, htmx)
        else:
            content = main_of(html)
        assert "⟦" in content, url
        assert unmarked_english(marked_away(content), allowed=allowed) == [], (url, data, who)
        checked += 1
    assert checked >= 40


def test_the_pseudo_welsh_check_would_find_an_unmarked_heading(client, pseudo_welsh, world, alice):
    client.force_login(alice)
    html = client.get(reverse("reports:badges"), HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert unmarked_english(main_of(html).replace("⟦Who sees them⟧", "Who sees them")) != []


def test_a_welsh_reader_gets_the_badges_page_in_welsh(client, world, alice):
    client.force_login(alice)
    html = client.get(reverse("reports:badges"), HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert "Eich bathodynnau" in html
    assert "Ysgogwr" in html  # the mobiliser badge's name
    assert "Your badges" not in main_of(html)


def test_the_dashboard_chart_labels_reach_the_browser_in_welsh(client, world, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    island = html.split('id="chart-timeline">', 1)[1].split("</script>", 1)[0]
    assert "Addewidion a wnaed" in island
    assert "Pledges made" not in island


def test_an_spc_sentence_reads_in_welsh_with_a_welsh_month_name():
    chart = spc.chart(
        [f"week {n}" for n in range(len(STEADY))] + ["3 Mawrth 2025"],
        [*STEADY, 40],
        better=spc.Better.HIGHER,
    )
    monthly = spc.chart(
        [f"month {n}" for n in range(len(STEADY))] + ["Mawrth 2025"],
        [*STEADY, 40],
        better=spc.Better.HIGHER,
    )
    with translation.override("cy"):
        weekly_words = spc.sentence(chart, measure="Cyd-lofnodion", period="week")
        monthly_words = spc.sentence(monthly, measure="Ysgogwyr", period="month")
    assert weekly_words == (
        "Cyd-lofnodion: wedi codi uwchlaw'r ystod arferol yn ystod wythnos 3 Mawrth 2025."
    )
    assert monthly_words == "Ysgogwyr: wedi codi uwchlaw'r ystod arferol ym mis Mawrth 2025."


def test_the_community_dashboard_names_the_signal_week_in_welsh(
    client_for, world, community, olivia
):
    url = reverse("reports:community_dashboard", args=[community.slug])
    html = client_for(olivia).get(url, HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    last = monday_of(timezone.localdate()) - datetime.timedelta(weeks=1)
    with translation.override("cy"):
        from django.utils.formats import date_format

        week = date_format(last, "j M Y")
    sentence = f"Cyd-lofnodion: wedi codi uwchlaw&#39;r ystod arferol yn ystod wythnos {week}."
    assert sentence in html
    assert "Amrywiad achos arbennig: yn gwella" in html


def test_api_errors_of_the_reports_come_out_in_welsh(api_for, alice, world):
    api = api_for(alice)
    refused = api.get(reverse("api:report-dashboard"), HTTP_ACCEPT_LANGUAGE="cy")
    bad = api_for(UserFactory(is_staff=True)).get(
        reverse("api:report-dashboard"), {"date_from": "1999-01-01"}, HTTP_ACCEPT_LANGUAGE="cy"
    )
    assert refused.status_code == 403
    assert "gweinyddwyr y platfform" in str(refused.json())
    assert bad.status_code == 400
    assert "Rhowch ddyddiad o 1 Ionawr 2000 ymlaen." in str(bad.json())


def test_a_welsh_speaking_admins_summary_email_is_in_welsh_and_an_english_ones_in_english(
    world, admin_user
):
    welsh = UserFactory(email="cymraeg@example.nhs.uk", is_staff=True, language="cy")
    ReportSubscription.objects.create(member=welsh, frequency="monthly")
    mail.outbox.clear()

    summaries_send_due(now=timezone.now().replace(hour=11))

    cymraeg = next(m for m in mail.outbox if m.to == [welsh.email])
    english = next(
        m for m in mail.outbox if m.to == [admin_user.email] and "the week to" in m.subject
    )
    assert "Radicals: y mis hyd at" in cymraeg.subject
    assert "Addewidion a wnaed" in cymraeg.body
    assert "Gweld y dangosfwrdd" in cymraeg.alternatives[0][0]
    assert 'lang="cy"' in cymraeg.alternatives[0][0]
    month = cymraeg.subject.rsplit(" ", 2)[-2]
    assert month in {
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    }  # fmt: skip
    assert "Radicals: the week to" in english.subject and "Hello Ada Admin," in english.body
    assert "Pledges made" in english.body and "Addewidion" not in english.body


def test_an_invitation_goes_out_in_the_members_language_or_else_the_inviters(alice, bob):
    alice.language = "cy"
    alice.save(update_fields=["language"])
    bob.language = "en-gb"
    bob.save(update_fields=["language"])
    now = timezone.now()
    to_newcomer = InviteEmail.objects.create(
        inviter=alice, email="newcomer@nhs.net", sent_at=now, send_after=now
    )
    to_bob = InviteEmail.objects.create(inviter=alice, email=bob.email, sent_at=now, send_after=now)
    from_bob = InviteEmail.objects.create(
        inviter=bob, email="another@nhs.net", sent_at=now, send_after=now
    )

    for row in (to_newcomer, to_bob, from_bob):
        assert invite_email_deliver(invite_email_id=row.pk) == "sent"

    by_reader = {message.to[0]: message for message in mail.outbox}
    newcomer, member, from_english = (
        by_reader["newcomer@nhs.net"],
        by_reader[bob.email],
        by_reader["another@nhs.net"],
    )
    assert "Mae Alice Ahmed yn eich gwahodd i ymuno â Radicals" in newcomer.subject
    assert "Creu eich cyfrif" in newcomer.body
    assert 'lang="cy"' in newcomer.alternatives[0][0]
    assert "Alice Ahmed invites you to join Radicals" in member.subject  # Bob reads English
    assert "Create your account" in member.body
    assert "Bob Brown invites you to join Radicals" in from_english.subject


def test_an_export_file_has_its_headings_in_the_askers_language(client_for, world, admin_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("reports:exports"),
        {"dataset": "signatures", "format": "csv"},
        HTTP_ACCEPT_LANGUAGE="cy",
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "Llofnodwyd ar" in header
    assert "Signed on" not in header
    cells = {cell for row in csv.reader(io.StringIO(body)) for cell in row}
    assert "ie" in cells  # "yes": the author's own signature


def test_a_background_export_keeps_the_language_it_was_asked_in(
    client_for, world, admin_user, settings
):
    settings.REPORTS_EXPORT_INLINE_ROWS = 0
    client_for(admin_user).post(
        reverse("reports:exports"),
        {"dataset": "pledges", "format": "csv"},
        HTTP_ACCEPT_LANGUAGE="cy",
    )
    export = Export.objects.filter(dataset="pledges", filters_key__startswith="pledges").get()
    assert export.language == "cy"
    from reports.services import export_file_path, export_run

    export_run(export_id=export.pk)
    with export_file_path(Export.objects.get(pk=export.pk)).open(encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert "Rhif adnabod yr addewid" in header
