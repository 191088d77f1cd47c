"""Closing the loop: when a pledge is over its co-signers hear how it went, and of the
story told about it, once each, in the way each chose; the pledge page and the API show
the outcome."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel import prepared
from notifications import services as notifications
from notifications.models import Kind, Notification, NotificationPreference
from pledges import services
from pledges.models import Pledge, Signature
from stories.services import story_create, story_publish, story_withdraw
from tests.factories import CampaignFactory, CoAuthorFactory

pytestmark = pytest.mark.django_db
Status = Notification.EmailStatus


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def notices(kind: str) -> dict[int, Notification]:
    return {n.recipient_id: n for n in Notification.objects.filter(kind=kind)}


def everyone_done(pledge, *members) -> Pledge:
    for member in members:
        services.signature_mark_done(
            pledge=pledge, member=member, outcome=f"{member.display_name} did it"
        )
    pledge.refresh_from_db()
    return pledge


def lapse(pledge) -> Pledge:
    return services.pledge_complete(pledge=pledge, today=pledge.due_date + datetime.timedelta(1))


def tell_story(author, pledge, *, title="How we asked what matters"):
    draft = story_create(
        author=author,
        title=title,
        summary="We asked every patient on the ward.",
        body="It took a week.",
        pledges=[pledge],
    )
    return story_publish(story=draft, actor=author)


def send_everything():
    return notifications.send_due_batch(limit=100)


def loop_mails() -> list:
    """The emails about how a pledge went or its story (not its other news)."""
    return [m for m in mail.outbox if m.subject.endswith("went") or "A story about" in m.subject]


# --- Who hears how it went ---------------------------------------------------------------


def test_when_everyone_is_done_each_co_signer_hears_how_it_went_once(
    pledge_met, alice, bob, charlie
):
    pledge = everyone_done(pledge_met, bob, charlie, alice)

    assert pledge.status == Pledge.Status.COMPLETED
    told = notices(Kind.PLEDGE_OUTCOME)
    assert set(told) == {bob.pk, charlie.pk}
    body = told[bob.pk].body
    assert "3 of the 3 people who signed did it." in body
    assert "The author said: “Alice Ahmed did it”" in body
    assert told[bob.pk].url == pledge.get_absolute_url()
    assert told[bob.pk].email_status == Status.PENDING
    # Asked again (a repair, a retried task), nobody gets a second notice.
    assert services.notify_pledge_outcome(pledge=pledge) == 0
    assert Notification.objects.filter(kind=Kind.PLEDGE_OUTCOME).count() == 2


def test_a_lapsed_pledge_tells_its_measured_total_in_the_campaigns_unit(pledge_met, bob, charlie):
    campaign = CampaignFactory(unit="miles")
    Pledge.objects.filter(pk=pledge_met.pk).update(campaign=campaign)
    pledge_met.refresh_from_db()
    services.check_in_create(pledge=pledge_met, author=bob, note="A walk", quantity="12.5")
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Walked")

    lapse(pledge_met)

    body = notices(Kind.PLEDGE_OUTCOME)[charlie.pk].body
    assert "1 of the 3 people who signed did it." in body
    assert "Together they measured 12.5 miles." in body
    assert "The author said" not in body  # Alice never said how it went


def test_the_outcome_goes_as_each_co_signer_chose(pledge_met, bob, charlie, olivia):
    services.pledge_sign(pledge=pledge_met, member=olivia)
    NotificationPreference.objects.create(user=bob, kind=Kind.PLEDGE_OUTCOME, delivery="digest")
    NotificationPreference.objects.create(user=charlie, kind=Kind.PLEDGE_OUTCOME, delivery="off")

    lapse(pledge_met)
    send_everything()

    told = notices(Kind.PLEDGE_OUTCOME)
    assert told[bob.pk].email_status == Status.DIGEST
    assert told[charlie.pk].email_status == Status.SKIPPED
    assert told[olivia.pk].email_status == Status.SENT
    assert [m.to for m in loop_mails()] == [[olivia.email]]
    assert loop_mails()[0].subject == f"How “{pledge_met.sentence}” went"


def test_the_daily_cap_holds_the_outcome_for_the_digest(pledge_met, bob, settings):
    settings.NOTIFICATIONS_EMAIL_DAILY_CAP = 0

    lapse(pledge_met)
    send_everything()

    outcome = notices(Kind.PLEDGE_OUTCOME)[bob.pk]
    assert outcome.email_status == Status.DIGEST
    assert "Daily email limit" in outcome.last_error
    assert loop_mails() == []


def test_a_failed_pledge_tells_its_outcome_in_the_threshold_notice_only(pledge_with_signers, bob):
    services.pledge_fail_threshold(pledge=pledge_with_signers, today=days(20))

    assert bob.pk in notices(Kind.THRESHOLD_FAILED)
    assert notices(Kind.PLEDGE_OUTCOME) == {}


# --- Stories, and nobody told twice -----------------------------------------------------


def test_a_story_told_while_the_outcome_waits_is_folded_into_it(pledge_met, alice, bob, charlie):
    lapse(pledge_met)

    tell_story(alice, pledge_met)
    send_everything()

    assert notices(Kind.PLEDGE_STORY) == {}
    outcome = notices(Kind.PLEDGE_OUTCOME)[bob.pk]
    assert "Read the story of how it went, “How we asked what matters”" in outcome.body
    assert sorted(m.to[0] for m in loop_mails()) == sorted([bob.email, charlie.email])
    assert all("How we asked what matters" in m.body for m in loop_mails())


def test_a_story_told_after_the_outcome_went_is_news_of_its_own_once(
    pledge_met, alice, bob, charlie
):
    lapse(pledge_met)
    send_everything()
    NotificationPreference.objects.create(user=bob, kind=Kind.PLEDGE_STORY, delivery="immediate")

    story = tell_story(alice, pledge_met)
    story_withdraw(story=story, actor=alice)
    story_publish(story=story, actor=alice)

    told = notices(Kind.PLEDGE_STORY)
    assert set(told) == {bob.pk, charlie.pk}
    assert Notification.objects.filter(kind=Kind.PLEDGE_STORY).count() == 2
    assert told[bob.pk].url == story.get_absolute_url()
    assert told[bob.pk].email_status == Status.PENDING
    assert told[charlie.pk].email_status == Status.DIGEST


def test_an_outcome_made_after_a_waiting_story_notice_stands_it_down(
    pledge_met, alice, bob, charlie
):
    tell_story(alice, pledge_met)
    assert set(notices(Kind.PLEDGE_STORY)) == {bob.pk, charlie.pk}

    lapse(pledge_met)
    send_everything()

    story_notice = notices(Kind.PLEDGE_STORY)[bob.pk]
    assert story_notice.email_status == Status.SKIPPED
    assert story_notice.read_at is not None
    outcome = notices(Kind.PLEDGE_OUTCOME)[bob.pk]
    assert "How we asked what matters" in outcome.body
    assert outcome.email_status == Status.SENT
    assert sorted(m.to[0] for m in loop_mails()) == sorted([bob.email, charlie.email])


def test_the_people_who_told_the_story_are_not_told_of_it(pledge_met, alice, bob, charlie):
    draft = story_create(
        author=bob,
        title="What we learned",
        summary="A week.",
        body="It worked.",
        pledges=[pledge_met],
    )
    CoAuthorFactory(story=draft, member=charlie, invited_by=bob)

    story_publish(story=draft, actor=bob)

    assert notices(Kind.PLEDGE_STORY) == {}


@pytest.mark.parametrize(
    ("title", "url"), [("", "/stories/x/"), ("   ", "/stories/x/"), ("A story", "https://evil")]
)
def test_a_story_notice_needs_a_title_and_an_address_here(pledge_met, title, url):
    with pytest.raises(ValidationError):
        services.pledge_story_told(pledge=pledge_met, story_id=1, title=title, url=url)

    assert Notification.objects.filter(kind=Kind.PLEDGE_STORY).count() == 0


# --- The outcome on the page and in the API --------------------------------------------


def test_the_pledge_page_shows_the_outcome_once_it_is_over(client, pledge_met, alice, bob, charlie):
    page = reverse("pledges:detail", args=[pledge_met.pk])
    assert "data-pledge-outcome" not in client.get(page).content.decode()

    everyone_done(pledge_met, alice, bob, charlie)
    story = tell_story(alice, pledge_met)
    body = client.get(page).content.decode()

    assert "data-pledge-outcome" in body
    assert "What happened" in body
    assert "Everyone who signed this pledge did it." in body
    assert "3 of the 3 people who signed" in body
    assert "“Alice Ahmed did it”" in body
    assert f'href="{story.get_absolute_url()}"' in body


def test_a_failed_pledges_page_says_nobody_was_held_to_it(client, pledge_with_signers):
    services.pledge_fail_threshold(pledge=pledge_with_signers, today=days(20))

    body = client.get(reverse("pledges:detail", args=[pledge_with_signers.pk])).content.decode()

    assert "did not reach its threshold, so nobody was held to it" in body
    assert "Nobody has told its story yet." in body


def test_the_api_pledge_detail_carries_the_outcome(api_client, pledge_met, alice, bob, charlie):
    url = reverse("api:pledge-detail", args=[pledge_met.pk])
    assert api_client.get(url).json()["outcome"] is None

    campaign = CampaignFactory(unit="miles")
    Pledge.objects.filter(pk=pledge_met.pk).update(campaign=campaign, total_quantity=Decimal("7"))
    everyone_done(pledge_met, alice, bob, charlie)
    story = tell_story(alice, pledge_met)

    outcome = api_client.get(url).json()["outcome"]
    assert outcome == {
        "status": "completed",
        "lapsed": False,
        "signers": 3,
        "done": 3,
        "total": "7",
        "unit": "miles",
        "sentence": "Alice Ahmed did it",
        "story": {"title": story.title, "url": story.get_absolute_url()},
    }
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "PledgeOutcome" in schema["components"]["schemas"]


def test_the_admin_shows_the_outcome_of_a_pledge_that_is_over(
    client_for, admin_user, pledge_met, bob
):
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Asked twelve")
    lapse(pledge_met)

    page = client_for(admin_user).get(reverse("admin:pledges_pledge_change", args=[pledge_met.pk]))

    assert "This pledge passed its due date. 1 of the 3 people who signed" in page.content.decode()


def test_an_outcome_without_a_story_asks_only_the_link_table(
    pledge_met, alice, bob, charlie, django_assert_num_queries
):
    from stories.pledge_links import story_for_outcome

    pledge = everyone_done(pledge_met, alice, bob, charlie)
    with django_assert_num_queries(1) as captured:
        assert story_for_outcome(pledge=pledge, user=bob) is None
    assert "stories_story_pledges" in prepared.source(captured.captured_queries[0]["sql"])

    story = tell_story(alice, pledge)
    found = story_for_outcome(pledge=pledge, user=bob)
    assert found is not None and found.url == story.get_absolute_url()


def _page_queries(client, pledge) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pledges:detail", args=[pledge.pk])).status_code == 200
    return [prepared.source(q["sql"]) for q in captured.captured_queries]


def test_an_over_pledges_page_reads_its_authors_sentence_with_the_pledge(
    client, pledge_met, alice, bob, charlie
):
    """The author's sentence comes with the pledge's own read: the page of a pledge
    that is over asks only whether a story is told about it (for its outcome's link)."""
    running = _page_queries(client, pledge_met)
    everyone_done(pledge_met, alice, bob, charlie)

    over = _page_queries(client, pledge_met)

    assert len(over) == len(running) + 1
    assert sum("stories_story_pledges" in sql for sql in over) == 2
    assert not [sql for sql in over if sql.startswith('SELECT "pledges_signature"."outcome"')]
    assert "“Alice Ahmed did it”" in client.get(
        reverse("pledges:detail", args=[pledge_met.pk])
    ).content.decode("utf-8")


def test_the_pledges_read_gives_the_authors_sentence_as_the_outcome_reads_it(
    pledge_met, alice, bob, charlie
):
    from pledges import outcomes, reads

    open_pledge, _signature = reads.pledge_and_signature(pledge_met.pk, member_id=None)
    assert "_author_sentence" not in open_pledge.__dict__  # not over: not read

    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="Bob did it")
    lapse(pledge_met)
    lapsed, _signature = reads.pledge_and_signature(pledge_met.pk, member_id=None)
    assert (
        outcomes.author_sentence(lapsed)
        == ""
        == outcomes.author_sentence(Pledge.objects.get(pk=pledge_met.pk))
    )

    Signature.objects.filter(pledge=pledge_met, member=alice).update(
        done_at=timezone.now(), outcome="Alice did it <b>all</b>"
    )
    done, _signature = reads.pledge_and_signature(pledge_met.pk, member_id=None)
    assert outcomes.author_sentence(done) == "Alice did it <b>all</b>"
    assert outcomes.author_sentence(Pledge.objects.get(pk=pledge_met.pk)) == (
        "Alice did it <b>all</b>"
    )
