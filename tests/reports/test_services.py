"""The rules of reports: the movement network's "3% drive 90%", badges, attribution,
export contents, summary periods and open-data suppression."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import Community, Membership
from pledges.models import CheckIn
from pledges.services import (
    check_in_create,
    pledge_create,
    pledge_sign,
    signature_mark_done,
)
from reports import exports, network, selectors, services
from reports.models import (
    Attribution,
    Badge,
    LoneWolf,
    Mobiliser,
    NetworkStat,
    RollupDirtyDay,
    Scope,
)
from stories.services import story_feature
from tests.factories import PledgeFactory, ThemeFactory, UserFactory
from tests.reports.conftest import at, tick

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- The top 3% --------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "top"), [(0, 0), (1, 1), (33, 1), (34, 2), (100, 3), (101, 4)])
def test_the_top_three_percent_is_rounded_up(members, top):
    assert network.top_size(members) == top


@pytest.fixture
def hand_built_network():
    """100 members of a community: Mo brought in 40 (Ann, Ben and Cat among them); Ann
    brought in 30, Ben 20 and Cat 1; 8 joined on their own, and Mo was first."""
    community = Community.objects.create(name="Bay Nurses", slug="bay-nurses")
    now = timezone.now()

    def join(name, invited_by=None):
        member = UserFactory(display_name=name)
        Membership.objects.create(
            community=community, member=member, invited_by=invited_by, joined_at=now
        )
        return member

    mo = join("Mo")
    ann, ben, cat = (join(name, invited_by=mo) for name in ("Ann", "Ben", "Cat"))
    for n in range(37):
        join(f"Mo's {n}", invited_by=mo)
    for n in range(30):
        join(f"Ann's {n}", invited_by=ann)
    for n in range(20):
        join(f"Ben's {n}", invited_by=ben)
    join("Cat's", invited_by=cat)
    for n in range(8):
        join(f"Solo {n}")
    network.refresh_scope(Scope.COMMUNITY, community.pk)
    return community, {"mo": mo, "ann": ann, "ben": ben, "cat": cat}


def test_the_top_three_percent_drive_ninety_percent_of_a_hand_built_network(hand_built_network):
    community, people = hand_built_network

    stat = NetworkStat.objects.get(scope=Scope.COMMUNITY, scope_id=community.pk)
    ranked = list(
        Mobiliser.objects.filter(scope=Scope.COMMUNITY, scope_id=community.pk).order_by("rank")
    )

    assert stat.members == 100
    assert stat.events == 100
    assert stat.attributed_events == 91
    assert stat.mobilisers == 4
    assert stat.top_size == 3
    assert stat.top_events == 90
    assert stat.top_percent == 90
    assert [(m.member_id, m.events, m.is_top) for m in ranked] == [
        (people["mo"].pk, 40, True),
        (people["ann"].pk, 30, True),
        (people["ben"].pk, 20, True),
        (people["cat"].pk, 1, False),
    ]
    # Mo's recruits Ann, Ben and Cat went on to bring others in.
    assert (ranked[0].recruits, ranked[0].recruits_mobilising) == (40, 3)
    assert (
        selectors.recruiters_of_mobilisers(scope=Scope.COMMUNITY, scope_id=community.pk)[
            0
        ].member_id
        == people["mo"].pk
    )


def test_the_network_over_time_and_a_refresh_twice_are_the_same(hand_built_network):
    community, _ = hand_built_network
    months = selectors.network_months(scope=Scope.COMMUNITY, scope_id=community.pk)
    network.refresh_scope(Scope.COMMUNITY, community.pk)

    again = selectors.network_months(scope=Scope.COMMUNITY, scope_id=community.pk)
    assert [(m.month, m.events, m.attributed_events, m.top_events) for m in again] == [
        (m.month, m.events, m.attributed_events, m.top_events) for m in months
    ]
    assert sum(m.events for m in months) == 100


def test_each_month_counts_its_mobilisers_and_those_someone_brought_in(hand_built_network):
    community, _ = hand_built_network

    (month,) = selectors.network_months(scope=Scope.COMMUNITY, scope_id=community.pk)

    # Mo, Ann, Ben and Cat brought people in this month; all but Mo were brought in.
    assert (month.mobilisers, month.recruits_mobilising) == (4, 3)


def test_top_community_mobilisers_earn_the_mobiliser_badge(hand_built_network):
    _, people = hand_built_network
    tick()

    earned = set(Badge.objects.filter(kind="mobiliser").values_list("member_id", flat=True))
    assert earned == {people["mo"].pk, people["ann"].pk, people["ben"].pk}


def test_a_co_sign_is_credited_to_the_pledges_author(pledge_met, alice, bob, charlie):
    tick()

    stat = selectors.network_stat(scope=Scope.PLATFORM)
    top = selectors.mobilisers(scope=Scope.PLATFORM)
    assert stat.events == 2 and stat.attributed_events == 2
    assert [(m.member_id, m.events) for m in top] == [(alice.pk, 2)]
    # The author's credit is read from the signatures, not stored for every co-sign.
    assert not Attribution.objects.exists()


def _reports_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"reports_' in q["sql"]]


def test_a_co_sign_costs_the_reports_no_statement_and_one_when_invited(bob, charlie):
    """The day's mark rides in the co-sign's own statement; only a credit to whoever
    invited the co-signer costs one more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel import prepared
    from reports.attribution import current_referrer

    pledge, dana = PledgeFactory(), UserFactory()
    marked = RollupDirtyDay.objects.count()
    with CaptureQueriesContext(connection) as uninvited:
        pledge_sign(pledge=pledge, member=bob)
    assert RollupDirtyDay.objects.count() == marked + 1  # the day of the co-sign
    invited_by = current_referrer.set(charlie.pk)
    try:
        with CaptureQueriesContext(connection) as invited:
            pledge_sign(pledge=pledge, member=dana)
    finally:
        current_referrer.reset(invited_by)

    assert _reports_statements(uninvited) == []
    assert [sql.split()[2] for sql in _reports_statements(invited)] == ['"reports_attribution"']
    assert Attribution.objects.get().inviter == charlie
    statements = [prepared.source(q["sql"]) for q in uninvited.captured_queries]
    marks = [sql for sql in statements if "reports_rollupdirtyday" in sql]
    assert len(marks) == 1 and marks[0].startswith("WITH signature AS"), marks


def test_lone_pledgers_are_those_long_without_a_co_signer(alice, bob, charlie, theme):
    long_ago = timezone.now() - _days(40)
    with at(long_ago):
        lonely = pledge_create(
            author=alice, title="walk", theme=theme, due_date=long_ago.date() + _days(90)
        )
        company = pledge_create(
            author=bob, title="cycle", theme=theme, due_date=long_ago.date() + _days(90)
        )
        pledge_sign(pledge=company, member=charlie)
    pledge_create(
        author=charlie, title="run", theme=theme, due_date=timezone.localdate() + _days(9)
    )
    tick()

    wolves = LoneWolf.objects.filter(scope=Scope.PLATFORM)
    assert [(w.member_id, w.pledges) for w in wolves] == [(alice.pk, 1)]
    assert lonely.author == alice


# --- Badges ----------------------------------------------------------------------------------


def test_badges_follow_what_members_did(alice, bob, admin_user, theme, learning_module, story):
    pledge = pledge_create(
        author=bob, title="smile", theme=theme, due_date=timezone.localdate() + _days(9)
    )
    signers = UserFactory.create_batch(10)
    for member in signers[:9]:
        pledge_sign(pledge=pledge, member=member)
    tick()
    assert not Badge.objects.filter(kind="ten_co_signers").exists()

    pledge_sign(pledge=pledge, member=signers[9])
    signature_mark_done(pledge=pledge, member=bob, outcome="Smiled all week")
    story_feature(story=story, actor=admin_user)
    tick()

    assert set(Badge.objects.filter(member=bob).values_list("kind", flat=True)) == {
        "first_pledge",
        "ten_co_signers",
        "pledge_done",
    }
    assert set(Badge.objects.filter(member=alice).values_list("kind", flat=True)) == {
        "story_published",
        "story_featured",
    }


def test_hidden_badges_are_seen_by_their_owner_only(pledge, alice, bob):
    tick()
    services.badge_setting_update(member=alice, hide_badges=True)

    assert selectors.badges_of(member=alice, viewer=bob) == []
    assert [b.kind for b in selectors.badges_of(member=alice, viewer=alice)] == ["first_pledge"]


# --- Email invitations -------------------------------------------------------------------------


def test_an_inviter_sends_at_most_twenty_invitations_a_day(alice):
    for n in range(services.INVITE_EMAILS_PER_DAY):
        services.invite_email_send(inviter=alice, email=f"colleague{n}@nhs.net")

    with pytest.raises(ValidationError, match="the most for one day"):
        services.invite_email_send(inviter=alice, email="one.more@nhs.net")


@pytest.mark.parametrize("email", ["", "not an email", "a@b"])
def test_an_invitation_needs_a_real_email_address(alice, email):
    with pytest.raises(ValidationError) as caught:
        services.invite_email_send(inviter=alice, email=email)
    assert "email" in caught.value.message_dict


# --- Exports -----------------------------------------------------------------------------------


def _rows(spec):
    return list(exports.rows(spec))


def test_exports_leave_out_hidden_check_ins_and_defuse_formulas(pledge_met, alice, admin_user):
    check_in_create(pledge=pledge_met, author=alice, note='=HYPERLINK("http://x")')
    hidden = check_in_create(pledge=pledge_met, author=alice, note="secret")
    CheckIn.objects.filter(pk=hidden.pk).update(moderation_status="hidden")
    spec = services.export_spec_for(user=admin_user, dataset="check_ins", format="csv")

    rows = _rows(spec)
    cells = [exports.csv_cell(cell) for cell in rows[1]]

    assert len(rows) == 2
    assert '\'=HYPERLINK("http://x")' in cells
    assert rows[0][-1] == "Author email"


@pytest.fixture
def awkward_rows(pledge_met, alice, bob, charlie, community, story):
    """Cells a CSV writer must quote or guard: commas, quotes, newlines, formulas, hidden
    names, an erased member, empty text, a measured outcome."""
    from members.services import account_erase
    from tests.factories import CampaignFactory, MembershipFactory, OrganisationFactory

    bob.name_visibility = "hidden"
    bob.organisation = OrganisationFactory(name='Leeds, "Teaching" Hospitals')
    bob.job_role = "=cmd|' /C calc'!A0"
    bob.save()
    check_in_create(pledge=pledge_met, author=bob, note='-2 wards,\r\nthen "more"\n@once')
    check_in_create(pledge=pledge_met, author=alice, note="+\t tabbed")
    signature_mark_done(pledge=pledge_met, member=charlie, outcome='Asked, "what matters"?')
    PledgeFactory(
        title="=SUM(A1:A9), then\nmore",
        campaign=CampaignFactory(unit="patients"),
        total_quantity="12.50",
        community=community,
    )
    MembershipFactory(community=community, member=bob)
    MembershipFactory(community=community, member=charlie)
    account_erase(member=charlie)


@pytest.mark.parametrize(
    ("dataset", "in_community"),
    [
        ("pledges", False),
        ("pledges", True),
        ("signatures", False),
        ("check_ins", False),
        ("stories", False),
        ("members", False),
        ("members", True),
    ],
)
@pytest.mark.parametrize("personal", [True, False])
def test_a_csv_export_is_what_the_csv_module_writes_of_the_rows(
    awkward_rows, community, tmp_path, dataset, in_community, personal
):
    spec = exports.ExportSpec(
        dataset=dataset, community=community if in_community else None, personal=personal
    )
    expected = io.StringIO()
    writer = csv.writer(expected)
    for cells in exports.rows(spec):
        writer.writerow([exports.csv_cell(cell) for cell in cells])
    expected = ("\ufeff" + expected.getvalue()).encode()
    progress = []

    written = exports.write_csv(spec, tmp_path / "export.csv", progress.append)

    assert (tmp_path / "export.csv").read_bytes() == expected
    assert b"".join(exports.csv_stream(spec)) == expected
    assert written == exports.count(spec) == len(list(exports.rows(spec))) - 1
    assert progress[-1:] == ([written] if written else [])


def test_an_export_shows_names_as_members_chose_and_defuses_formulas(
    awkward_rows, bob, charlie, admin_user
):
    spec = services.export_spec_for(user=admin_user, dataset="signatures", format="csv")
    organisers = exports.ExportSpec(dataset="signatures")
    admins_file = b"".join(exports.csv_stream(spec)).decode("utf-8-sig")
    organisers_file = b"".join(exports.csv_stream(organisers)).decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(organisers_file)))
    assert "Bob Brown" not in organisers_file and "Anonymous supporter" in organisers_file
    assert "Leeds" not in organisers_file and "@example.nhs.uk" not in organisers_file
    assert "A former member" in organisers_file and "Charlie" not in organisers_file
    assert all(len(row) == len(rows[0]) for row in rows)
    assert "Bob Brown" in admins_file and bob.email in admins_file
    assert '"Leeds, ""Teaching"" Hospitals"' in admins_file
    pledges_file = b"".join(exports.csv_stream(exports.ExportSpec(dataset="pledges")))
    assert b'"\'=SUM(A1:A9), then\nmore"' in pledges_file
    assert b",12.50,patients," in pledges_file


def test_organisers_export_only_their_communities_and_never_emails(
    community, other_community, olivia, alice_in_community
):
    spec = services.export_spec_for(
        user=olivia, dataset="members", format="csv", community=community
    )
    rows = _rows(spec)

    assert "Email" not in rows[0]
    assert {row[1] for row in rows[1:]} == {"Olivia Organiser", "Alice Ahmed"}
    with pytest.raises(PermissionDenied, match="Leeds Listeners is not one of them"):
        services.export_spec_for(
            user=olivia, dataset="members", format="csv", community=other_community
        )
    with pytest.raises(ValidationError) as caught:
        services.export_spec_for(user=olivia, dataset="members", format="csv")
    assert "community" in caught.value.message_dict


def test_members_cannot_export(alice):
    with pytest.raises(PermissionDenied):
        services.export_spec_for(user=alice, dataset="pledges", format="csv")


def test_an_export_asked_for_twice_at_once_is_the_same_export(admin_user, settings):
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory()

    first = services.export_request(user=admin_user, dataset="pledges", format="csv")
    second = services.export_request(user=admin_user, dataset="pledges", format="csv")
    other = services.export_request(user=admin_user, dataset="pledges", format="xlsx")

    assert first.created and not second.created
    assert second.export.pk == first.export.pk
    assert other.export.pk != first.export.pk


def test_an_export_runs_once_and_a_redelivered_task_changes_nothing(admin_user, settings):
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory.create_batch(3)
    request = services.export_request(user=admin_user, dataset="pledges", format="csv")

    done = services.export_run(export_id=request.export.pk)
    name = done.file_name
    again = services.export_run(export_id=request.export.pk)

    assert done.status == "done" and done.rows_done == 3
    assert again.file_name == name
    assert services.export_file_path(again).read_text(encoding="utf-8-sig").count("\n") == 4


def test_export_files_expire_after_a_week(admin_user, settings):
    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory()
    request = services.export_request(user=admin_user, dataset="pledges", format="csv")
    done = services.export_run(export_id=request.export.pk)
    path = services.export_file_path(done)

    assert services.exports_expire(now=timezone.now() + _days(8)) == 1
    assert not path.exists()


# --- Summary emails and dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "today", "key", "start", "end"),
    [
        ("weekly", datetime.date(2025, 3, 12), "2025-W10", datetime.date(2025, 3, 3),
         datetime.date(2025, 3, 9)),
        ("weekly", datetime.date(2025, 3, 10), "2025-W10", datetime.date(2025, 3, 3),
         datetime.date(2025, 3, 9)),
        ("monthly", datetime.date(2025, 3, 1), "2025-02", datetime.date(2025, 2, 1),
         datetime.date(2025, 2, 28)),
        ("monthly", datetime.date(2025, 1, 20), "2024-12", datetime.date(2024, 12, 1),
         datetime.date(2024, 12, 31)),
    ],
)  # fmt: skip
def test_a_summary_covers_the_last_whole_week_or_month(frequency, today, key, start, end):
    period = services.summary_period(frequency, today)
    assert (period.key, period.start, period.end) == (key, start, end)


def test_summaries_wait_for_the_morning(admin_user):
    services.subscription_create(member=admin_user, frequency="weekly")
    early = timezone.localtime().replace(hour=5)

    assert services.summaries_send_due(now=early) == 0


def test_only_admins_subscribe(alice):
    with pytest.raises(PermissionDenied):
        services.subscription_create(member=alice, frequency="weekly")


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (datetime.date(2025, 2, 1), datetime.date(2025, 1, 1), "date_to"),
        (datetime.date(1999, 12, 31), None, "date_from"),
        (datetime.date(2000, 1, 1), datetime.date(2025, 1, 1), "date_to"),
    ],
)
def test_reversed_or_absurd_ranges_are_refused(date_from, date_to, field):
    assert field in services.date_range_errors(date_from, date_to)


# --- Open data -------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(0, "<5"), (4, "<5"), (5, 5), (120, 120)])
def test_counts_under_five_are_suppressed(count, shown):
    assert selectors.suppress(count) == shown


def test_open_data_names_no_person(alice, bob, theme):
    for _ in range(5):
        PledgeFactory(author=alice, theme=ThemeFactory(name="Safety", slug="safety"))
    tick()

    rows = selectors.open_data_rows()
    text = repr(rows)

    assert alice.email not in text and "Alice" not in text
    assert {row["dimension"] for row in rows} >= {"platform", "theme"}


def test_the_tick_refreshes_a_network_at_most_every_few_minutes(pledge_met, settings, theme, bob):
    settings.REPORTS_NETWORK_REFRESH_MINUTES = 10
    tick()
    before = selectors.network_stat(scope=Scope.PLATFORM)
    pledge = pledge_create(
        author=bob, title="cycle in", theme=theme, due_date=timezone.localdate() + _days(9)
    )
    pledge_sign(pledge=pledge, member=UserFactory())
    tick()

    assert selectors.network_stat(scope=Scope.PLATFORM).events == before.events
    network.refresh_all()
    assert selectors.network_stat(scope=Scope.PLATFORM).events == before.events + 1


def test_an_export_asked_for_again_while_an_older_run_writes_waits_its_turn(admin_user, settings):
    from kernel.locks import job_lock
    from reports.models import Export

    settings.REPORTS_EXPORT_INLINE_ROWS = -1
    PledgeFactory.create_batch(2)
    first = services.export_request(user=admin_user, dataset="pledges", format="csv").export
    # The first run is still writing long after it started: asking again restarts it.
    Export.objects.filter(pk=first.pk).update(
        status=Export.Status.RUNNING, created_at=timezone.now() - datetime.timedelta(days=1)
    )
    second = services.export_request(user=admin_user, dataset="pledges", format="csv").export
    assert second.pk != first.pk

    with job_lock(services.export_lock_name(first)):  # the older run, still writing
        assert services.export_run(export_id=second.pk) is None
        second.refresh_from_db()
        assert second.status == Export.Status.QUEUED

    done = services.export_run(export_id=second.pk)
    assert done.status == Export.Status.DONE and done.rows_done == 2
