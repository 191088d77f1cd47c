"""The pledge lifecycle, co-signing, check-ins and marking done: each transition, and
each refusal with its message, leaving nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.moderation import ModerationStatus
from notifications.models import Kind, Notification
from pledges import services, tasks
from pledges.models import CheckIn, CoSignersNoticeDue, Pledge, Signature
from pledges.signals import commitment_done
from tests.factories import CampaignFactory, PledgeFactory, ThemeFactory, UserFactory
from tests.pledges.conftest import join

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def make(author, theme, **fields):
    fields.setdefault("title", "say hello, my name is, to every patient")
    fields.setdefault("due_date", days(30))
    return services.pledge_create(author=author, theme=theme, **fields)


def counts(pledge) -> tuple[int, int, Decimal]:
    pledge.refresh_from_db()
    return pledge.signer_count, pledge.done_count, pledge.total_quantity


# --- Making a pledge ---------------------------------------------------------------


def test_a_pledge_without_a_threshold_is_active_at_once(alice, theme):
    pledge = make(alice, theme, title="I will say hello to every patient …")

    assert pledge.status == Pledge.Status.ACTIVE
    assert pledge.activated_at is not None
    assert pledge.title == "say hello to every patient"
    assert pledge.sentence == "I will say hello to every patient"
    assert pledge.signer_count == 1
    assert Signature.objects.get(pledge=pledge).is_author


def test_a_threshold_pledge_gathers_and_uses_the_due_date_as_deadline_by_default(alice, theme):
    pledge = make(alice, theme, threshold=3)

    assert pledge.status == Pledge.Status.GATHERING
    assert pledge.activated_at is None
    assert pledge.threshold_deadline == pledge.due_date
    assert pledge.signers_still_needed == 3
    assert pledge.threshold_sentence == "but only if 3 other people will too"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"due_date": days(-1)}, "due_date", "The due date must be in the future."),
        ({"due_date": TODAY()}, "due_date", "The due date must be in the future."),
        ({"due_date": days(365 * 4)}, "due_date", "within 3 years"),
        ({"threshold": 0}, "threshold", "at least 1"),
        ({"threshold": -5}, "threshold", "at least 1"),
        ({"threshold": 10_001}, "threshold", "10,000 or fewer"),
        ({"threshold": 10**12}, "threshold", "10,000 or fewer"),
        (
            {"threshold": 2, "threshold_deadline": days(40)},
            "threshold_deadline",
            "on or before the due date",
        ),
        (
            {"threshold": 2, "threshold_deadline": days(-2)},
            "threshold_deadline",
            "must be in the future",
        ),
        ({"threshold_deadline": days(5)}, "threshold_deadline", "how many other people"),
        ({"title": ""}, "title", "Enter what you will do"),
        ({"title": "   I will   "}, "title", "Enter what you will do"),
        ({"title": "x" * 2000}, "title", "200 characters or fewer (it has 2,000)"),
        ({"description": "d" * 5001}, "description", "5,000 characters or fewer"),
        ({"visibility": "community"}, "visibility", "Choose the community"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_made(
    alice, theme, fields, field, message
):
    with pytest.raises(ValidationError) as refused:
        make(alice, theme, **fields)

    assert message in " ".join(refused.value.message_dict[field])
    assert not Pledge.objects.exists()
    assert not Signature.objects.exists()


def test_an_inactive_theme_or_a_finished_campaign_is_refused(alice):
    old_theme = ThemeFactory(name="Old theme", is_active=False)
    finished = CampaignFactory(starts_on=days(-60), ends_on=days(-1))

    with pytest.raises(ValidationError) as refused:
        make(alice, old_theme, campaign=finished)

    assert "no longer offered" in refused.value.message_dict["theme"][0]
    assert "only while it runs" in refused.value.message_dict["campaign"][0]
    assert not Pledge.objects.exists()


def test_only_members_pledge_in_a_community(charlie, theme, community):
    with pytest.raises(ValidationError) as refused:
        make(charlie, theme, community=community, visibility="community")

    assert "communities you belong to" in refused.value.message_dict["community"][0]
    assert not Pledge.objects.exists()


def test_a_newcomer_pledge_in_a_premoderated_community_waits_for_approval(bob, theme, community):
    community.premoderate_first_posts = 2
    community.save()

    pledge = make(bob, theme, community=community)

    assert pledge.moderation_status == ModerationStatus.PENDING


# --- Co-signing and the threshold --------------------------------------------------


def test_the_threshold_is_met_when_enough_other_people_sign(pledge_with_signers, charlie):
    assert pledge_with_signers.status == Pledge.Status.GATHERING
    assert pledge_with_signers.signer_count == 2
    assert pledge_with_signers.signers_still_needed == 1

    pledge = services.pledge_sign(pledge=pledge_with_signers, member=charlie).pledge

    assert pledge.status == Pledge.Status.ACTIVE
    assert pledge.activated_at is not None
    assert pledge.signer_count == 3
    assert pledge.co_signer_count == 2


def test_everyone_who_signed_hears_when_the_threshold_is_met(
    pledge_with_signers, alice, bob, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_sign(pledge=pledge_with_signers, member=charlie)

    told = Notification.objects.filter(kind=Kind.THRESHOLD_REACHED)
    assert {n.recipient for n in told} == {alice, bob, charlie}
    assert all(n.url == pledge_with_signers.get_absolute_url() for n in told)


def test_the_author_gets_one_new_co_signers_notification_a_day_which_grows(
    pledge, alice, bob, charlie
):
    services.pledge_sign(pledge=pledge, member=bob)
    services.tell_authors_about_co_signers()
    services.pledge_sign(pledge=pledge, member=charlie)
    services.tell_authors_about_co_signers()

    notification = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS)
    assert notification.recipient == alice
    today = timezone.localdate()
    assert notification.body == (
        f"2 people have co-signed “{pledge.sentence}” on {today:%-d %B %Y}."
    )
    assert not Notification.objects.filter(kind=Kind.NEW_CO_SIGNERS, recipient=bob).exists()


def test_the_author_hears_about_co_signers_from_the_sweep_not_the_co_sign(
    pledge, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_sign(pledge=pledge, member=bob)
    assert not Notification.objects.filter(kind=Kind.NEW_CO_SIGNERS).exists()
    assert list(CoSignersNoticeDue.objects.values_list("pledge_id", "day")) == [
        (pledge.pk, timezone.localdate())
    ]

    assert tasks.tell_authors_about_co_signers.run() == 1
    assert Notification.objects.filter(kind=Kind.NEW_CO_SIGNERS).count() == 1
    assert not CoSignersNoticeDue.objects.exists()
    assert tasks.tell_authors_about_co_signers.run() == 0  # nothing left due


def test_a_co_sign_asks_nothing_of_the_broker(
    pledge, bob, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import Task

    def refuse(*args, **kwargs):
        raise AssertionError("A co-sign queued a task.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_sign(pledge=pledge, member=bob)
    assert Signature.objects.filter(pledge=pledge, member=bob).exists()


def test_a_burst_of_co_signs_is_counted_once_by_the_sweep(pledge, alice, bob, charlie, monkeypatch):
    counted = []
    count = services.tell_author_about_co_signers
    monkeypatch.setattr(
        services,
        "tell_author_about_co_signers",
        lambda **kwargs: counted.append(kwargs) or count(**kwargs),
    )
    services.pledge_sign(pledge=pledge, member=bob)
    services.pledge_sign(pledge=pledge, member=charlie)

    assert services.tell_authors_about_co_signers() == 1
    assert counted == [{"pledge": pledge.pk, "day": timezone.localdate()}]
    notification = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS)
    assert notification.body.startswith("2 people have co-signed")

    # The next co-sign is counted by the next sweep.
    services.pledge_sign(pledge=pledge, member=UserFactory(display_name="Dave Davies"))
    assert services.tell_authors_about_co_signers() == 1
    notification.refresh_from_db()
    assert notification.body.startswith("3 people have co-signed")


def test_the_sweep_takes_every_waiting_co_sign_a_batch_at_a_time(pledge, bob, charlie):
    other = PledgeFactory()
    services.pledge_sign(pledge=pledge, member=bob)
    services.pledge_sign(pledge=pledge, member=charlie)
    services.pledge_sign(pledge=other, member=bob)

    assert services.tell_authors_about_co_signers(batch=1) == 3  # pledge counted twice
    assert not CoSignersNoticeDue.objects.exists()
    assert Notification.objects.filter(kind=Kind.NEW_CO_SIGNERS).count() == 2


def test_the_sweep_deletes_only_the_rows_it_claimed(pledge, bob, monkeypatch):
    """A co-sign committed while the sweep counts leaves a row the next sweep finds."""
    services.pledge_sign(pledge=pledge, member=bob)
    count = services.tell_author_about_co_signers

    def count_then_another_co_sign(**kwargs):
        told = count(**kwargs)
        CoSignersNoticeDue.objects.create(pledge=pledge, day=timezone.localdate())
        return told

    monkeypatch.setattr(services, "tell_author_about_co_signers", count_then_another_co_sign)
    assert services.tell_authors_about_co_signers() == 1
    assert CoSignersNoticeDue.objects.count() == 1


def test_the_notice_counts_the_day_it_is_for_not_the_day_it_runs(pledge, bob, charlie):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Signature.objects.create(pledge=pledge, member=bob, signed_at=yesterday)
    Signature.objects.create(pledge=pledge, member=charlie, signed_at=timezone.now())

    assert services.tell_author_about_co_signers(
        pledge=pledge.pk, day=timezone.localdate(yesterday)
    )
    notification = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS)
    assert notification.body.startswith("1 person has co-signed")
    assert notification.body.endswith(f"on {timezone.localdate(yesterday):%-d %B %Y}.")


def test_no_notice_when_nobody_co_signed_that_day_or_the_pledge_is_gone(pledge):
    assert not services.tell_author_about_co_signers(pledge=pledge.pk, day=timezone.localdate())
    assert not services.tell_author_about_co_signers(pledge=10**9, day=timezone.localdate())
    assert not Notification.objects.filter(kind=Kind.NEW_CO_SIGNERS).exists()


def test_telling_the_author_about_co_signers_costs_three_statements(
    pledge, bob, charlie, django_assert_num_queries
):
    Signature.objects.create(pledge=pledge, member=bob, signed_at=timezone.now())
    Signature.objects.create(pledge=pledge, member=charlie, signed_at=timezone.now())

    # The pledge's row, the day's count, then notify()'s one statement.
    with django_assert_num_queries(3):
        services.tell_author_about_co_signers(pledge=pledge.pk, day=timezone.localdate())

    notification = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS)
    assert notification.body.startswith("2 people have co-signed")


def test_a_co_sign_is_one_prepared_statement(pledge, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel import prepared

    with CaptureQueriesContext(connection) as queries:
        signature = services.pledge_sign(pledge=pledge.pk, member=bob)

    # The test's own transaction makes the service's atomic block a savepoint; in a
    # request it is the transaction itself. Beyond that, one statement: the signature,
    # the notice left due, the rollups' dirty-day mark (which the reports app adds) and
    # the counter, answering the pledge as counted.
    captured = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(captured) == 1, captured
    assert "radicals_write_co_sign_" in captured[0]
    statement = prepared.source(captured[0])
    assert statement.startswith("WITH signature AS (INSERT INTO pledges_signature")
    assert "INSERT INTO reports_rollupdirtyday" in statement
    assert signature.pledge.signer_count == 2
    assert signature.pledge.community is None
    assert counts(pledge)[0] == 2
    assert CoSignersNoticeDue.objects.filter(pledge=pledge).count() == 1


def test_a_co_sign_the_statement_refuses_is_read_to_say_why(pledge, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel import prepared

    Pledge.objects.filter(pk=pledge.pk).update(moderation_status=ModerationStatus.PENDING)

    with CaptureQueriesContext(connection) as queries, pytest.raises(PermissionDenied):
        services.pledge_sign(pledge=pledge.pk, member=bob)

    # The statement that wrote nothing, then the pledge read under its lock to say why.
    statements = [prepared.source(q["sql"]) for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements[0].startswith("WITH signature AS (INSERT INTO pledges_signature")
    assert statements[1].endswith("FOR NO KEY UPDATE OF p")
    assert counts(pledge)[0] == 1
    assert not CoSignersNoticeDue.objects.exists()


def test_a_co_sign_the_statement_missed_but_the_checks_allow_is_made_once_read(
    pledge, bob, monkeypatch
):
    # Say a moderator approved the pledge between the statement and the read: the read
    # finds it signable, and the same statement, without its own conditions, makes it.
    from pledges import reads

    sign_at_once = reads.sign_at_once
    calls = []

    def missed_once(**values):
        calls.append(values.get("checked", False))
        return (None, None) if len(calls) == 1 else sign_at_once(**values)

    monkeypatch.setattr(reads, "sign_at_once", missed_once)

    signature = services.pledge_sign(pledge=pledge.pk, member=bob)

    assert calls == [False, True]
    assert signature.pledge.signer_count == 2
    assert counts(pledge)[0] == 2
    assert CoSignersNoticeDue.objects.filter(pledge=pledge).count() == 1


def test_a_co_sign_the_checks_refuse_after_the_statement_leaves_nothing_written(
    pledge, bob, monkeypatch
):
    from reports.models import RollupDirtyDay

    marks = RollupDirtyDay.objects.count()
    monkeypatch.setattr(services.selectors, "can_see_pledge", lambda user, pledge: False)

    with pytest.raises(PermissionDenied):
        services.pledge_sign(pledge=pledge.pk, member=bob)

    assert counts(pledge)[0] == 1
    assert not Signature.objects.filter(pledge=pledge, member=bob).exists()
    assert not CoSignersNoticeDue.objects.exists()
    assert RollupDirtyDay.objects.count() == marks


def test_the_one_statement_co_sign_of_a_community_pledge_brings_its_community(
    community_pledge, bob
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The member's communities were read with their session, as every request does.
    from communities.selectors import member_community_ids

    member_community_ids(bob)
    with CaptureQueriesContext(connection) as queries:
        signature = services.pledge_sign(pledge=community_pledge.pk, member=bob)

    captured = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(captured) == 1, captured
    assert signature.pledge.community.pk == community_pledge.community_id
    assert counts(community_pledge)[0] == 2


def test_signing_twice_changes_nothing(pledge_with_signers, bob):
    first = Signature.objects.get(pledge=pledge_with_signers, member=bob)

    again = services.pledge_sign(pledge=pledge_with_signers, member=bob)

    assert again.pk == first.pk
    assert counts(pledge_with_signers)[0] == 2


def test_a_member_takes_back_their_signature(pledge_with_signers, bob):
    pledge = services.pledge_unsign(pledge=pledge_with_signers, member=bob)

    assert pledge.signer_count == 1
    assert not Signature.objects.filter(pledge=pledge, member=bob).exists()
    # Un-signing again, or without having signed, is harmless.
    services.pledge_unsign(pledge=pledge, member=bob)
    assert counts(pledge)[0] == 1


def test_the_author_cannot_unsign_their_own_pledge(pledge, alice):
    with pytest.raises(ValidationError, match="withdraw the pledge instead"):
        services.pledge_unsign(pledge=pledge, member=alice)

    assert counts(pledge)[0] == 1


def test_unsigning_after_the_threshold_keeps_the_pledge_active(pledge_met, charlie):
    pledge = services.pledge_unsign(pledge=pledge_met, member=charlie)

    assert pledge.status == Pledge.Status.ACTIVE
    assert pledge.signer_count == 2


def test_a_done_commitment_cannot_be_unsigned(pledge_met, bob):
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Asked them all.")

    with pytest.raises(ValidationError, match="marked your commitment done"):
        services.pledge_unsign(pledge=pledge_met, member=bob)

    assert counts(pledge_met)[:2] == (3, 1)


def _fail(pledge):
    Pledge.objects.filter(pk=pledge.pk).update(threshold_deadline=days(-1))
    return services.pledge_fail_threshold(pledge=pledge)


def _complete(pledge):
    Pledge.objects.filter(pk=pledge.pk).update(due_date=days(-1))
    return services.pledge_complete(pledge=pledge)


@pytest.mark.parametrize(
    ("finish", "message"),
    [
        (_fail, "did not reach its threshold"),
        (lambda p: services.pledge_withdraw(pledge=p, actor=p.author), "was withdrawn"),
    ],
)
def test_a_closed_gathering_pledge_cannot_be_signed_or_unsigned(
    pledge_with_signers, bob, charlie, finish, message
):
    finish(pledge_with_signers)

    with pytest.raises(ValidationError, match=message):
        services.pledge_sign(pledge=pledge_with_signers, member=charlie)
    with pytest.raises(ValidationError, match=message):
        services.pledge_unsign(pledge=pledge_with_signers, member=bob)

    assert counts(pledge_with_signers)[0] == 2
    assert not Signature.objects.filter(member=charlie).exists()


def test_a_completed_pledge_cannot_be_signed(active_pledge, charlie):
    _complete(active_pledge)

    with pytest.raises(ValidationError, match="has been completed"):
        services.pledge_sign(pledge=active_pledge, member=charlie)

    assert counts(active_pledge)[0] == 1


def test_outsiders_cannot_sign_a_community_only_pledge(community_pledge, charlie, bob):
    with pytest.raises(PermissionDenied):
        services.pledge_sign(pledge=community_pledge, member=charlie)

    services.pledge_sign(pledge=community_pledge, member=bob)
    assert counts(community_pledge)[0] == 2


def test_a_banned_member_cannot_sign_a_community_pledge(alice, theme, community, charlie):
    public_in_community = make(alice, theme, community=community, visibility="public")
    join(community, charlie, status="banned")

    with pytest.raises(PermissionDenied, match="Join Ward 4 radicals"):
        services.pledge_sign(pledge=public_in_community, member=charlie)

    assert counts(public_in_community)[0] == 1


def test_a_pledge_waiting_for_moderation_cannot_be_signed(pledge, bob):
    Pledge.objects.filter(pk=pledge.pk).update(moderation_status=ModerationStatus.PENDING)

    with pytest.raises(PermissionDenied):
        services.pledge_sign(pledge=pledge, member=bob)

    assert counts(pledge)[0] == 1


# --- Failing, completing and withdrawing ---------------------------------------------


def test_a_gathering_pledge_fails_once_its_deadline_passes(
    pledge_with_signers, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pledge = _fail(pledge_with_signers)

    assert pledge.status == Pledge.Status.FAILED
    assert pledge.failed_at is not None
    told = Notification.objects.filter(kind=Kind.THRESHOLD_FAILED)
    assert {n.recipient for n in told} == {alice, bob}
    # Failing again changes nothing.
    assert services.pledge_fail_threshold(pledge=pledge).failed_at == pledge.failed_at


def test_a_pledge_does_not_fail_before_its_deadline_or_once_active(pledge_with_signers, charlie):
    with pytest.raises(ValidationError, match="has not passed yet"):
        services.pledge_fail_threshold(pledge=pledge_with_signers)
    assert counts(pledge_with_signers)[0] == 2

    services.pledge_sign(pledge=pledge_with_signers, member=charlie)
    with pytest.raises(ValidationError, match="is active"):
        services.pledge_fail_threshold(pledge=pledge_with_signers, today=days(60))
    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.status == Pledge.Status.ACTIVE


def test_an_active_pledge_completes_when_its_due_date_passes(
    pledge_met, bob, charlie, alice, django_capture_on_commit_callbacks
):
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Asked them all.")

    with django_capture_on_commit_callbacks(execute=True):
        pledge = _complete(pledge_met)

    assert pledge.status == Pledge.Status.COMPLETED
    assert pledge.completed_at is not None
    lapsed = Notification.objects.filter(kind=Kind.PLEDGE_LAPSED)
    assert {n.recipient for n in lapsed} == {alice, charlie}  # Bob already said how it went


def test_a_pledge_is_not_completed_early_or_from_gathering(pledge, active_pledge):
    with pytest.raises(ValidationError, match="due date has passed or everyone"):
        services.pledge_complete(pledge=active_pledge)
    with pytest.raises(ValidationError, match="still gathering"):
        services.pledge_complete(pledge=pledge, today=days(90))

    active_pledge.refresh_from_db()
    pledge.refresh_from_db()
    assert (active_pledge.status, pledge.status) == (Pledge.Status.ACTIVE, Pledge.Status.GATHERING)


def test_the_pledge_completes_when_everyone_who_signed_is_done(pledge_met, alice, bob, charlie):
    for member in (alice, bob):
        services.signature_mark_done(pledge=pledge_met, member=member, outcome="Done it.")
    pledge_met.refresh_from_db()
    assert pledge_met.status == Pledge.Status.ACTIVE

    services.signature_mark_done(pledge=pledge_met, member=charlie, outcome="Done it too.")

    pledge_met.refresh_from_db()
    assert pledge_met.status == Pledge.Status.COMPLETED
    assert pledge_met.done_count == 3


def test_the_author_withdraws_and_the_pledge_is_kept(pledge_with_signers, alice):
    pledge = services.pledge_withdraw(pledge=pledge_with_signers, actor=alice)

    assert pledge.status == Pledge.Status.WITHDRAWN
    assert pledge.withdrawn_at is not None
    assert Pledge.objects.filter(pk=pledge.pk).exists()
    assert services.pledge_withdraw(pledge=pledge, actor=alice).withdrawn_at == pledge.withdrawn_at


def test_only_the_author_or_an_admin_withdraws(pledge, bob, admin_user):
    with pytest.raises(PermissionDenied):
        services.pledge_withdraw(pledge=pledge, actor=bob)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.GATHERING

    assert services.pledge_withdraw(pledge=pledge, actor=admin_user).status == "withdrawn"


def test_a_completed_or_failed_pledge_cannot_be_withdrawn(active_pledge, pledge, alice):
    _complete(active_pledge)
    _fail(pledge)

    for closed, status in ((active_pledge, "completed"), (pledge, "failed")):
        with pytest.raises(ValidationError, match="cannot withdraw it"):
            services.pledge_withdraw(pledge=closed, actor=alice)
        closed.refresh_from_db()
        assert closed.status == status


# --- Editing --------------------------------------------------------------------------


def test_the_author_edits_the_words_and_due_date(pledge, alice):
    pledge = services.pledge_update(
        pledge=pledge, actor=alice, title="ask what matters", due_date=days(20)
    )

    assert (pledge.title, pledge.due_date) == ("ask what matters", days(20))


def test_edits_are_checked_and_others_cannot_edit(pledge, alice, bob):
    with pytest.raises(PermissionDenied):
        services.pledge_update(pledge=pledge, actor=bob, title="hacked")
    with pytest.raises(ValidationError) as refused:
        services.pledge_update(pledge=pledge, actor=alice, title="", due_date=days(7))
    with pytest.raises(ValidationError, match="cannot be changed after"):
        services.pledge_update(pledge=pledge, actor=alice, threshold=1)

    assert "Enter what you will do" in refused.value.message_dict["title"][0]
    assert "deadline for others to join" in refused.value.message_dict["due_date"][0]
    pledge.refresh_from_db()
    assert pledge.title == "ask every patient what matters to them"


# --- Check-ins and done ------------------------------------------------------------------


def test_signers_check_in_with_a_measured_quantity(alice, bob, theme):
    mile = CampaignFactory(name="Morecambe Bay Mile", unit="miles")
    pledge = make(alice, theme, campaign=mile)
    services.pledge_sign(pledge=pledge, member=bob)

    services.check_in_create(pledge=pledge, author=alice, note="Walked it.", quantity="1.5")
    check_in = services.check_in_create(pledge=pledge, author=bob, note="Me too", quantity=2)

    assert counts(pledge)[2] == Decimal("3.50")
    assert check_in.moderation_status == ModerationStatus.PUBLISHED
    assert Signature.objects.get(pledge=pledge, member=bob).last_check_in_at == check_in.created_at


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "more than 0"),
        ("0", "more than 0"),
        ("10000000", "no more than 1,000,000"),
        ("1.234", "at most 2 decimal places"),
        ("lots", "as a number"),
        ("NaN", "as a number"),
    ],
)
def test_bad_quantities_are_refused(alice, theme, quantity, message):
    pledge = make(alice, theme, campaign=CampaignFactory(unit="miles"))

    with pytest.raises(ValidationError) as refused:
        services.check_in_create(pledge=pledge, author=alice, note="Walked", quantity=quantity)

    assert message in refused.value.message_dict["quantity"][0]
    assert not CheckIn.objects.exists()
    assert counts(pledge)[2] == 0


def test_a_quantity_needs_a_campaign_unit_and_a_note_is_needed(active_pledge, alice):
    with pytest.raises(ValidationError) as refused:
        services.check_in_create(pledge=active_pledge, author=alice, note=" ", quantity=1)

    assert "no measured unit" in refused.value.message_dict["quantity"][0]
    assert "Write a few words" in refused.value.message_dict["note"][0]
    assert not CheckIn.objects.exists()


def test_only_signers_check_in_and_only_on_open_pledges(active_pledge, bob, alice):
    with pytest.raises(ValidationError, match="Sign it first"):
        services.check_in_create(pledge=active_pledge, author=bob, note="Hello")
    services.pledge_withdraw(pledge=active_pledge, actor=alice)
    with pytest.raises(ValidationError, match="was withdrawn"):
        services.check_in_create(pledge=active_pledge, author=alice, note="Still going")

    assert not CheckIn.objects.exists()


def test_marking_done_records_the_outcome_and_tells_listeners_after_commit(
    pledge_met, bob, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, signature, **kwargs):
        heard.append(signature)

    commitment_done.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            signature = services.signature_mark_done(
                pledge=pledge_met, member=bob, outcome="  Asked all   28 patients.  "
            )
            assert heard == []
        for callback in callbacks:
            callback()
    finally:
        commitment_done.disconnect(listener)

    assert heard == [signature]
    assert signature.outcome == "Asked all 28 patients."
    assert counts(pledge_met)[1] == 1
    # Marking done again changes nothing.
    again = services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Other words")
    assert again.outcome == "Asked all 28 patients."
    assert counts(pledge_met)[1] == 1


def test_marking_done_is_refused_while_gathering_without_a_signature_or_an_outcome(
    pledge_with_signers, pledge_met, bob, charlie
):
    Pledge.objects.filter(pk=pledge_met.pk).update(status=Pledge.Status.GATHERING)
    with pytest.raises(ValidationError, match="still gathering signers"):
        services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Did it")
    Pledge.objects.filter(pk=pledge_met.pk).update(status=Pledge.Status.ACTIVE)
    outsider = UserFactory()
    with pytest.raises(ValidationError, match="Sign it first"):
        services.signature_mark_done(pledge=pledge_met, member=outsider, outcome="Did it")
    with pytest.raises(ValidationError) as refused:
        services.signature_mark_done(pledge=pledge_met, member=charlie, outcome="   ")
    with pytest.raises(ValidationError) as too_long:
        services.signature_mark_done(pledge=pledge_met, member=charlie, outcome="x" * 501)

    assert "Say in a sentence" in refused.value.message_dict["outcome"][0]
    assert "500 characters" in too_long.value.message_dict["outcome"][0]
    assert not Signature.objects.filter(done_at__isnull=False).exists()


def test_after_completion_people_can_still_say_how_it_went(active_pledge, alice):
    _complete(active_pledge)

    signature = services.signature_mark_done(
        pledge=active_pledge, member=alice, outcome="Took the stairs every day."
    )

    assert signature.is_done
    assert counts(active_pledge)[1] == 1


# --- Counters --------------------------------------------------------------------------


def test_the_counters_match_a_recount(alice, bob, charlie, theme):
    pledge = make(alice, theme, campaign=CampaignFactory(unit="miles"))
    for member in (bob, charlie):
        services.pledge_sign(pledge=pledge, member=member)
    services.pledge_unsign(pledge=pledge, member=charlie)
    services.check_in_create(pledge=pledge, author=bob, note="Two", quantity="2")
    services.signature_mark_done(pledge=pledge, member=bob, outcome="Did it")

    before = counts(pledge)
    services.pledge_recount(pledge=pledge)

    assert counts(pledge) == before == (2, 1, Decimal("2.00"))


def test_deleting_a_member_recounts_the_pledges_they_signed(
    pledge_met, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        charlie.delete()

    assert counts(pledge_met)[0] == 2


# --- Scheduled tasks -------------------------------------------------------------------


def test_the_scheduled_tasks_fail_and_complete_what_is_due(pledge_with_signers, active_pledge):
    Pledge.objects.filter(pk=pledge_with_signers.pk).update(threshold_deadline=days(-1))
    Pledge.objects.filter(pk=active_pledge.pk).update(due_date=days(-1))

    assert tasks.expire_threshold_deadlines() == 1
    assert tasks.complete_due_pledges() == 1
    assert tasks.expire_threshold_deadlines() == 0  # nothing more to do the second time
    assert tasks.complete_due_pledges() == 0

    pledge_with_signers.refresh_from_db()
    active_pledge.refresh_from_db()
    assert pledge_with_signers.status == Pledge.Status.FAILED
    assert active_pledge.status == Pledge.Status.COMPLETED


def test_signers_are_nudged_once_when_a_pledge_is_due_soon(pledge_met, bob):
    Pledge.objects.filter(pk=pledge_met.pk).update(due_date=days(2))
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Done")

    assert tasks.nudge_due_soon() == 2  # Alice and Charlie; Bob is done
    assert tasks.nudge_due_soon() == 0
    assert Notification.objects.filter(kind=Kind.PLEDGE_DUE_SOON).count() == 2


def test_quiet_signers_are_nudged_at_most_once_a_week(pledge_met, alice, bob):
    long_ago = timezone.now() - datetime.timedelta(days=20)
    Signature.objects.filter(pledge=pledge_met).update(signed_at=long_ago)
    services.check_in_create(pledge=pledge_met, author=bob, note="Going well")

    assert tasks.nudge_quiet_signers() == 2  # Alice and Charlie; Bob just checked in
    assert tasks.nudge_quiet_signers() == 0
    nudged = Notification.objects.filter(kind=Kind.NO_CHECK_IN)
    assert bob not in {n.recipient for n in nudged}


def test_the_same_pledge_sent_twice_makes_one_pledge(alice, theme):
    from django.core.exceptions import ValidationError

    from pledges.models import Pledge

    due = timezone.localdate() + datetime.timedelta(days=9)
    services.pledge_create(author=alice, title="walk a mile a day", theme=theme, due_date=due)

    with pytest.raises(ValidationError) as refused:
        services.pledge_create(author=alice, title="walk a mile a day", theme=theme, due_date=due)

    assert "already made this pledge" in str(refused.value)
    assert Pledge.objects.filter(author=alice).count() == 1
    services.pledge_create(author=alice, title="walk two miles a day", theme=theme, due_date=due)
    assert Pledge.objects.filter(author=alice).count() == 2
