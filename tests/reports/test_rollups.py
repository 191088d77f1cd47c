"""Achievement rollups: the incremental tick and the full recount land on the same numbers,
running either again changes nothing, and a crash in the middle loses nothing."""

import contextlib
import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.models import Community, Membership
from communities.services import content_hide, content_restore, membership_join, membership_leave
from learning.services import enrol, lesson_complete
from members.services import profile_update
from pledges.models import Campaign, CheckIn, Pledge, Signature
from pledges.services import (
    check_in_create,
    pledge_apply_deadlines,
    pledge_create,
    pledge_sign,
    pledge_unsign,
    pledge_withdraw,
    signature_mark_done,
)
from reports import follow_ups, rollups, selectors
from reports.models import (
    Badge,
    DailyRollup,
    NetworkStat,
    RollupDirtyDay,
    RollupFollowUp,
    Scope,
    ScopeTotal,
)
from stories.services import story_create, story_publish
from tests.factories import (
    LessonFactory,
    ModuleFactory,
    OrganisationFactory,
    RegionFactory,
    ThemeFactory,
    UserFactory,
)
from tests.reports.conftest import at, rollup_rows, scope_totals_and_sums, tick

pytestmark = pytest.mark.django_db

# The evening before the clocks go forward (30 March 2025, 01:00 UTC): steps of the
# random walk below cross midnight in GMT and in BST.
BASE = datetime.datetime(2025, 3, 29, 20, 0, tzinfo=datetime.UTC)


def _platform(day) -> DailyRollup | None:
    return DailyRollup.objects.filter(day=day, scope=Scope.PLATFORM, scope_id=0).first()


# --- Days, in Europe/London --------------------------------------------------------------


def test_an_event_late_on_a_summer_evening_utc_counts_on_the_next_london_day(alice, bob):
    theme = ThemeFactory()
    late = datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 00:30 BST, 1 July
    with at(late):
        pledge = pledge_create(
            author=alice, title="say hello", theme=theme, due_date=datetime.date(2025, 8, 1)
        )
    winter = datetime.datetime(2025, 12, 1, 23, 30, tzinfo=datetime.UTC)  # 23:30 GMT
    with at(winter):
        pledge_sign(pledge=pledge, member=bob)
    tick()

    assert _platform(datetime.date(2025, 7, 1)).pledges_made == 1
    assert _platform(datetime.date(2025, 6, 30)) is None
    assert _platform(datetime.date(2025, 12, 1)).co_signs == 1


def test_a_change_marks_its_day_dirty_and_the_tick_clears_it(alice, theme, clock):
    with at(clock):
        pledge_create(author=alice, title="smile", theme=theme, due_date=clock.date() + _days(9))

    assert set(RollupDirtyDay.objects.values_list("day", flat=True)) >= {clock.date()}
    tick()

    assert not RollupDirtyDay.objects.exists()
    assert _platform(clock.date()).pledges_made == 1


def _days(n):
    return datetime.timedelta(days=n)


# --- What counts -------------------------------------------------------------------------


def test_unsigning_takes_the_co_sign_off_the_day_it_was_made(pledge, bob, clock):
    with at(clock):
        pledge_sign(pledge=pledge, member=bob)
    tick()
    assert _platform(clock.date()).co_signs == 1

    with at(clock + _days(2)):
        pledge_unsign(pledge=pledge, member=bob)
    tick()

    # Nothing else happened that day, so its row is gone.
    assert _platform(clock.date()) is None


def test_withdrawing_or_hiding_a_pledge_takes_it_and_its_co_signs_out(
    alice, bob, admin_user, theme, clock
):
    with at(clock):
        pledge = pledge_create(
            author=alice, title="walk to work", theme=theme, due_date=clock.date() + _days(20)
        )
    with at(clock + _days(1)):
        pledge_sign(pledge=pledge, member=bob)
    tick()
    assert _platform(clock.date()).pledges_made == 1
    assert _platform(clock.date() + _days(1)).co_signs == 1

    content_hide(item=Pledge.objects.get(pk=pledge.pk), actor=admin_user, reason="Off topic")
    tick()

    # Both days had nothing else, so their rows went.
    assert _platform(clock.date()) is None
    assert _platform(clock.date() + _days(1)) is None

    content_restore(item=Pledge.objects.get(pk=pledge.pk), actor=admin_user, reason="Fine")
    with at(clock + _days(3)):
        pledge_withdraw(pledge=pledge, actor=alice)
    tick()
    assert _platform(clock.date()) is None


def test_a_member_moving_organisation_moves_their_past_pledges(alice, theme, clock):
    leeds, york = OrganisationFactory(), OrganisationFactory()
    profile_update(member=alice, actor=alice, organisation=leeds)
    with at(clock):
        pledge_create(
            author=alice, title="say thanks", theme=theme, due_date=clock.date() + _days(5)
        )
    tick()
    on_the_day = DailyRollup.objects.filter(day=clock.date(), scope=Scope.ORGANISATION)
    assert on_the_day.get(scope_id=leeds.pk).pledges_made == 1

    profile_update(member=alice, actor=alice, organisation=york)
    tick()

    assert not DailyRollup.objects.filter(scope=Scope.ORGANISATION, scope_id=leeds.pk).exists()
    assert on_the_day.get(scope_id=york.pk).pledges_made == 1


def test_a_members_region_is_their_own_or_their_organisations(alice, bob, theme, clock):
    north, south = RegionFactory(), RegionFactory()
    alice.organisation = OrganisationFactory(region=north)
    alice.save()
    bob.organisation = OrganisationFactory(region=north)
    bob.region = south
    bob.save()
    with at(clock):
        for author in (alice, bob):
            pledge_create(author=author, title="try", theme=theme, due_date=clock.date() + _days(5))
    tick()

    by_region = dict(
        DailyRollup.objects.filter(scope=Scope.REGION, day=clock.date()).values_list(
            "scope_id", "pledges_made"
        )
    )
    assert by_region == {north.pk: 1, south.pk: 1}


def test_measured_outcomes_add_up_exactly(alice, theme, clock):
    campaign = Campaign.objects.create(
        name="Miles",
        slug="miles",
        starts_on=clock.date() - _days(5),
        ends_on=clock.date() + _days(50),
        unit="miles",
    )
    with at(clock):
        pledge = pledge_create(
            author=alice,
            title="walk",
            theme=theme,
            campaign=campaign,
            due_date=clock.date() + _days(9),
        )
        for quantity in ("0.10", "0.20", "12.35"):
            check_in_create(pledge=pledge, author=alice, note="walked", quantity=quantity)
    tick()

    row = DailyRollup.objects.get(scope=Scope.CAMPAIGN, scope_id=campaign.pk)
    assert row.outcome_total == Decimal("12.65")
    assert row.check_ins == 3
    assert row.commitments_checked_in == 1


def test_hiding_the_first_check_in_moves_the_commitment_to_the_next_one(
    alice, admin_user, theme, clock
):
    with at(clock):
        pledge = pledge_create(
            author=alice, title="walk", theme=theme, due_date=clock.date() + _days(30)
        )
        first = check_in_create(pledge=pledge, author=alice, note="day one")
    with at(clock + _days(2)):
        check_in_create(pledge=pledge, author=alice, note="day three")
    tick()
    assert _platform(clock.date()).commitments_checked_in == 1
    assert _platform(clock.date() + _days(2)).commitments_checked_in == 0

    content_hide(item=CheckIn.objects.get(pk=first.pk), actor=admin_user, reason="Names a patient")
    tick()

    assert _platform(clock.date()).commitments_checked_in == 0
    assert _platform(clock.date() + _days(2)).commitments_checked_in == 1
    assert rollup_rows() == _full_recount()


def _full_recount():
    rollups.rollups_recount_days(None)
    return rollup_rows()


def test_community_joins_count_as_new_members_of_the_community(community, alice, bob):
    membership_join(community=community, member=alice)
    membership_join(community=community, member=bob)
    tick()

    totals = selectors.stored_totals(scope=Scope.COMMUNITY, scope_id=community.pk)
    # Olivia, the organiser, joined through the factory (no joined_at), so she is not counted.
    assert (
        totals["new_members"]
        == Membership.objects.filter(
            community=community, status="active", joined_at__isnull=False
        ).count()
    )

    membership_leave(community=community, member=bob)
    tick()

    assert selectors.stored_totals(scope=Scope.COMMUNITY, scope_id=community.pk)["new_members"] == (
        totals["new_members"] - 1
    )


# --- Recomputable ---------------------------------------------------------------------------


def test_running_the_tick_or_the_full_recount_twice_changes_nothing(pledge_met, story, clock):
    tick()
    once = rollup_rows()
    tick()
    assert rollup_rows() == once

    call_command("rollups", "--full")
    assert rollup_rows() == once
    call_command("rollups", "--full")
    assert rollup_rows() == once
    call_command("rollups")
    assert rollup_rows() == once


def test_a_crash_in_the_middle_of_a_tick_loses_nothing(pledge_with_signers, charlie, clock):
    tick()
    before = rollup_rows()
    with at(clock):
        pledge_sign(pledge=pledge_with_signers, member=charlie)
    marks = RollupDirtyDay.objects.count()

    with (
        mock.patch.object(rollups, "_record_follow_ups", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        tick()

    # The recount had already written its rows in the transaction; they rolled back,
    # and the marks are still there for the next run.
    assert rollup_rows() == before
    assert RollupDirtyDay.objects.count() == marks
    tick()
    after = rollup_rows()
    assert after != before
    assert after == _full_recount()


def test_a_tick_skips_while_another_recount_holds_the_lock(pledge):
    with mock.patch.object(rollups, "_try_lock", return_value=False):
        result = rollups.rollups_tick()

    assert result.skipped
    assert RollupDirtyDay.objects.exists()


def test_the_tick_works_through_the_marks_in_batches(pledge_met):
    marks = RollupDirtyDay.objects.count()
    with mock.patch.object(rollups, "TICK_BATCH", 1):
        result = rollups.rollups_tick()

    assert marks > 1 and result.batches == marks
    assert not RollupDirtyDay.objects.exists()
    assert rollup_rows() == _full_recount()


def test_the_tick_only_recounts_and_the_badge_and_network_jobs_follow_it(pledge):
    result = rollups.rollups_tick()

    assert result.days and not RollupDirtyDay.objects.exists()
    assert not Badge.objects.exists() and not NetworkStat.objects.exists()
    assert set(RollupFollowUp.objects.values_list("job", flat=True)) == {"badges", "network"}

    assert follow_ups.badges_follow_up() == result.days
    assert Badge.objects.filter(member=pledge.author, kind="first_pledge").exists()
    assert follow_ups.network_follow_up() == result.days
    assert NetworkStat.objects.filter(scope=Scope.PLATFORM).exists()
    assert not RollupFollowUp.objects.exists()
    assert follow_ups.badges_follow_up() == [] and follow_ups.network_follow_up() == []


def test_a_badge_job_skips_while_another_run_of_it_holds_the_days(pledge):
    rollups.rollups_tick()
    with mock.patch.object(follow_ups, "_claim_follow_ups", return_value=None):
        assert follow_ups.badges_follow_up() == []

    assert not Badge.objects.exists()
    assert RollupFollowUp.objects.filter(job="badges").exists()


def test_the_pages_totals_are_the_rollups_once_the_tick_has_counted(pledge_met):
    """The home, campaign and community pages' totals are the scope's kept total: a
    change still waiting for the tick is not counted from its rows on a page's request."""
    assert selectors.scope_totals(scope=Scope.PLATFORM)["pledges_made"] == 0
    tick()

    counted = selectors.scope_totals(scope=Scope.PLATFORM)
    assert counted["pledges_made"] == 1 and counted["co_signs"] == 2
    assert counted == selectors.stored_totals(scope=Scope.PLATFORM)


def test_a_scopes_total_is_read_in_one_statement_and_is_zero_without_rows(
    django_assert_num_queries,
):
    with django_assert_num_queries(1):
        totals = selectors.scope_totals(scope=Scope.COMMUNITY, scope_id=10**9)

    assert totals == selectors.stored_totals(scope=Scope.COMMUNITY, scope_id=10**9)
    assert set(totals.values()) == {0}


def test_the_full_recount_mends_a_total_changed_by_hand(pledge_met):
    tick()
    ScopeTotal.objects.filter(scope=Scope.PLATFORM).update(pledges_made=99)
    ScopeTotal.objects.create(scope=Scope.THEME, scope_id=10**9, co_signs=5)

    rollups.rollups_full()

    kept, summed = scope_totals_and_sums()
    assert kept == summed
    assert selectors.scope_totals(scope=Scope.PLATFORM)["pledges_made"] == 1
    assert selectors.scope_totals(scope=Scope.THEME, scope_id=10**9)["co_signs"] == 0


def test_a_tick_that_takes_a_row_away_takes_it_off_the_total(community, alice, bob):
    membership_join(community=community, member=alice)
    membership_join(community=community, member=bob)
    tick()
    joined = selectors.scope_totals(scope=Scope.COMMUNITY, scope_id=community.pk)["new_members"]

    membership_leave(community=community, member=bob)
    tick()

    assert selectors.scope_totals(scope=Scope.COMMUNITY, scope_id=community.pk)["new_members"] == (
        joined - 1
    )
    kept, summed = scope_totals_and_sums()
    assert kept == summed


# --- The property: incremental equals full --------------------------------------------------

ACTIONS = [
    "pledge",
    "threshold_pledge",
    "sign",
    "sign",
    "sign",
    "unsign",
    "check_in",
    "done",
    "withdraw",
    "deadlines",
    "hide",
    "story",
    "module",
    "join",
    "leave",
    "move",
    # The tick runs often between steps: a change the incremental count misses shows only
    # when a day was counted before the change and nothing else marks it again.
    "tick",
    "tick",
    "tick",
]
STEPS = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(min_value=0, max_value=3),  # who
        st.integers(min_value=0, max_value=9),  # which of the rows the action applies to
        st.integers(min_value=0, max_value=40),  # hours later
    ),
    min_size=10,
    max_size=40,
)


@pytest.fixture
def world(admin_user):
    leeds = OrganisationFactory(region=RegionFactory())
    york = OrganisationFactory(region=RegionFactory())
    people = [UserFactory(organisation=leeds if n % 2 else york) for n in range(4)]
    community = Community.objects.create(name="Ward 9", slug="ward-9")
    for person in people[:2]:
        Membership.objects.create(community=community, member=person, joined_at=BASE)
    campaign = Campaign.objects.create(
        name="Spring", slug="spring", starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31), unit="miles",
    )  # fmt: skip
    module = ModuleFactory()
    lessons = [LessonFactory(module=module, position=n) for n in (1, 2)]
    return {
        "people": people,
        "admin": admin_user,
        "theme": ThemeFactory(),
        "campaign": campaign,
        "community": community,
        "module": module,
        "lessons": lessons,
        "organisations": (leeds, york),
    }


def _pick(queryset, which):
    """One of the rows an action applies to, so most steps do something."""
    rows = list(queryset.order_by("id"))
    return rows[which % len(rows)] if rows else None


def _step(world, pledges, action, who, which, now):
    person = world["people"][who]
    open_pledges = Pledge.objects.filter(status__in=Pledge.OPEN_STATUSES)
    if action in ("pledge", "threshold_pledge"):
        in_community = who < 2 and which % 2 == 0
        threshold = action == "threshold_pledge"
        pledges.append(
            pledge_create(
                author=person,
                title=f"change {len(pledges)}",
                theme=world["theme"],
                due_date=now.date() + _days(4 + which),
                campaign=world["campaign"] if which % 3 else None,
                community=world["community"] if in_community else None,
                threshold=1 if threshold else None,
                threshold_deadline=now.date() + _days(2) if threshold else None,
            )
        )
    elif action == "sign":
        pledge = _pick(open_pledges.exclude(signatures__member=person), which)
        if pledge:
            pledge_sign(pledge=pledge, member=person)
    elif action == "unsign":
        signature = _pick(Signature.objects.filter(is_author=False, pledge__in=open_pledges), which)
        if signature:
            pledge_unsign(pledge=signature.pledge, member=signature.member)
    elif action == "check_in":
        signature = _pick(Signature.objects.filter(pledge__in=open_pledges), which)
        if signature:
            quantity = which if signature.pledge.campaign_id else None
            check_in_create(
                pledge=signature.pledge, author=signature.member, note="going", quantity=quantity
            )
    elif action == "done":
        signature = _pick(
            Signature.objects.filter(done_at__isnull=True, pledge__status="active"), which
        )
        if signature:
            signature_mark_done(pledge=signature.pledge, member=signature.member, outcome="did it")
    elif action == "withdraw":
        pledge = _pick(open_pledges, which)
        if pledge:
            pledge_withdraw(pledge=pledge, actor=pledge.author)
    elif action == "deadlines":
        for each in pledges:
            pledge_apply_deadlines(pledge=each)
    elif action == "hide":
        items = [*Pledge.objects.order_by("id"), *CheckIn.objects.order_by("id")]
        item = items[which % len(items)] if items else None
        if item is not None and item.moderation_status == "hidden":
            content_restore(item=item, actor=world["admin"], reason="Fine after all")
        elif item is not None:
            content_hide(item=item, actor=world["admin"], reason="Off topic")
    elif action == "story":
        story = story_create(
            author=person, title=f"What changed {which}", summary="It worked.",
            body="We tried it.", campaign=world["campaign"] if which % 2 else None,
        )  # fmt: skip
        story_publish(story=story, actor=person)
    elif action == "module":
        enrol(member=person, module=world["module"])
        for lesson in world["lessons"]:
            lesson_complete(member=person, lesson=lesson)
    elif action == "join":
        membership_join(community=world["community"], member=person)
    elif action == "leave":
        membership_leave(community=world["community"], member=person)
    elif action == "move":
        leeds, york = world["organisations"]
        person.refresh_from_db()
        new = york if person.organisation_id == leeds.pk else leeds
        profile_update(member=person, actor=person, organisation=new)
    elif action == "tick":
        rollups.rollups_tick()


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_incremental_rollup_after_random_activity_equals_the_full_recount(world, steps):
    with transaction.atomic():
        now, pledges = BASE, []
        for action, who, which, hours in steps:
            now = now + datetime.timedelta(hours=hours)
            # A refusal (checking in on a withdrawn pledge…) changes nothing.
            with at(now), contextlib.suppress(ValidationError, PermissionDenied):
                _step(world, pledges, action, who, which, now)
        rollups.rollups_tick()
        incremental = rollup_rows()
        assert not RollupDirtyDay.objects.exists()
        # Each scope's total, kept tick by tick, is the sum of its rows.
        kept, summed = scope_totals_and_sums()
        assert kept == summed

        rollups.rollups_recount_days(None)
        assert rollup_rows() == incremental
        assert scope_totals_and_sums() == (kept, summed)

        # And the figures are the rows: pledges made equals a direct count.
        counted = Pledge.objects.filter(moderation_status="published").exclude(status="withdrawn")
        assert selectors.stored_totals(scope=Scope.PLATFORM)["pledges_made"] == counted.count()
        co_signs = Signature.objects.filter(is_author=False, pledge__in=counted).count()
        assert selectors.stored_totals(scope=Scope.PLATFORM)["co_signs"] == co_signs
        transaction.set_rollback(True)


def test_a_module_moving_campaign_moves_its_completions(alice, clock):
    spring = Campaign.objects.create(
        name="Spring", slug="spring", starts_on=clock.date(), ends_on=clock.date() + _days(60)
    )
    autumn = Campaign.objects.create(
        name="Autumn", slug="autumn", starts_on=clock.date(), ends_on=clock.date() + _days(60)
    )
    module = ModuleFactory(campaign=spring)
    lesson = LessonFactory(module=module)
    enrol(member=alice, module=module)
    with at(clock):
        lesson_complete(member=alice, lesson=lesson)
    tick()
    completions = DailyRollup.objects.filter(day=clock.date(), scope=Scope.CAMPAIGN)
    assert completions.get(scope_id=spring.pk).module_completions == 1

    module.campaign = autumn
    module.save()
    tick()

    assert not completions.filter(scope_id=spring.pk).exists()
    assert completions.get(scope_id=autumn.pk).module_completions == 1
    assert rollup_rows() == _full_recount()


def test_an_organisation_moving_region_moves_its_members_without_a_region(alice, bob, theme, clock):
    north, south = RegionFactory(), RegionFactory()
    trust = OrganisationFactory(region=north)
    for member in (alice, bob):
        member.organisation, member.region = trust, None
        member.save()
    bob.region = south
    bob.save()
    with at(clock):
        for author in (alice, bob):
            pledge_create(author=author, title="try", theme=theme, due_date=clock.date() + _days(5))
    tick()

    trust.region = south
    trust.save()
    tick()

    by_region = DailyRollup.objects.filter(day=clock.date(), scope=Scope.REGION)
    assert dict(by_region.values_list("scope_id", "pledges_made")) == {south.pk: 2}
    assert rollup_rows() == _full_recount()


def test_the_full_recount_alone_leaves_badges_and_the_network_to_their_jobs(
    pledge_met, story, clock
):
    tick()
    once = rollup_rows()
    with (
        mock.patch.object(follow_ups, "follow_ups_full") as full,
        mock.patch("sys.stdout"),
    ):
        call_command("rollups", "--full", "--recount-only")
        assert not full.called
        call_command("rollups", "--full")
        assert full.called
    assert rollup_rows() == once


def test_the_nightly_recount_counts_rows_no_change_marked_and_draws_badges_and_network(pledge, bob):
    # Rows written in bulk (the demo's movement) mark no day for the tick.
    RollupDirtyDay.objects.all().delete()
    Signature.objects.bulk_create([Signature(pledge=pledge, member=bob)])

    follow_ups.nightly_recount()

    day = _platform(timezone.localdate())
    assert day.pledges_made == 1 and day.co_signs == 1
    assert Badge.objects.filter(member=pledge.author, kind="first_pledge").exists()
    stat = NetworkStat.objects.get(scope=Scope.PLATFORM, scope_id=0)
    assert stat.events == 1 and stat.mobilisers == 1


# --- Watching for changes ----------------------------------------------------------------


def test_loading_a_tracked_row_costs_no_listener():
    """The old values are read when a row is saved, not remembered as it is loaded:
    nothing listens to post_init for any tracked model (reports/signals.py)."""
    from django.apps import apps
    from django.db.models.signals import post_init

    from reports.signals import TRACKED

    listened = [
        spec.model for spec in TRACKED if post_init.has_listeners(apps.get_model(spec.model))
    ]
    assert listened == []


def test_a_change_marks_the_day_the_database_held_not_the_day_first_loaded(pledge, bob, clock):
    with at(clock):
        pledge_sign(pledge=pledge, member=bob)
    signature = Signature.objects.get(pledge=pledge, member=bob)
    # Moved by a bulk update while the instance was in hand (no signal).
    moved = clock - _days(5)
    Signature.objects.filter(pk=signature.pk).update(signed_at=moved)
    tick()
    RollupDirtyDay.objects.all().delete()

    signature.signed_at = clock + _days(1)
    signature.save()

    marked = set(RollupDirtyDay.objects.values_list("day", flat=True))
    assert rollups.day_of(moved) in marked and rollups.day_of(clock + _days(1)) in marked


def test_a_save_naming_no_watched_field_reads_and_marks_nothing(alice, django_assert_num_queries):
    RollupDirtyDay.objects.all().delete()
    alice.last_login = timezone.now()

    with django_assert_num_queries(1):  # the UPDATE alone
        alice.save(update_fields=["last_login"])

    assert not RollupDirtyDay.objects.exists()
