"""Thanking a colleague for a check-in or a commitment done: once, never oneself, only
for what one can see; the colleague is notified, counted on their profile and, at the
fifth, given the Appreciated badge."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from communities.moderation import ModerationStatus
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from notifications.services import deliver_notification
from pledges import services
from pledges.models import CheckIn, Thanks
from reports import badges
from reports.models import Badge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_check_in(active_pledge, bob):
    services.pledge_sign(pledge=active_pledge, member=bob)
    return services.check_in_create(pledge=active_pledge, author=bob, note="Took the stairs.")


@pytest.fixture
def bobs_done(bobs_check_in, active_pledge, bob):
    return services.signature_mark_done(
        pledge=active_pledge, member=bob, outcome="Stairs every day for a month."
    )


def thank_url(check_in) -> str:
    return reverse("pledges:thank_check_in", args=[check_in.pk])


# --- The service ---------------------------------------------------------------------------


def test_alice_thanks_bob_for_his_check_in_with_a_note(alice, bob, bobs_check_in):
    thanks = services.thanks_give(giver=alice, check_in=bobs_check_in, note="  Great  work! ")
    assert thanks.recipient == bob
    assert thanks.pledge_id == bobs_check_in.pledge_id
    assert thanks.note == "Great work!"


def test_alice_thanks_bob_for_his_commitment_done(alice, bob, bobs_done):
    thanks = services.thanks_give(giver=alice, commitment=bobs_done)
    assert thanks.recipient == bob
    assert thanks.commitment == bobs_done


def test_the_pledge_page_counts_thanks_and_knows_whose_in_one_query(
    alice, bob, charlie, bobs_done, bobs_check_in, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    from pledges import selectors

    services.thanks_give(giver=alice, check_in=bobs_check_in)
    services.thanks_give(giver=charlie, check_in=bobs_check_in)
    services.thanks_give(giver=charlie, commitment=bobs_done)
    pledge = bobs_check_in.pledge

    with django_assert_num_queries(1):
        for_alice = selectors.thanks_on(pledge=pledge, user=alice)
    for_visitor = selectors.thanks_on(pledge=pledge, user=AnonymousUser())

    assert for_alice.check_in_counts == {bobs_check_in.pk: 2}
    assert for_alice.commitment_counts == {bobs_done.pk: 1}
    assert for_alice.thanked_check_ins == {bobs_check_in.pk}
    assert for_alice.thanked_commitments == set()
    assert for_visitor.check_in_counts == for_alice.check_in_counts
    assert for_visitor.thanked_check_ins == set() == for_visitor.thanked_commitments


def test_it_refuses_a_second_thanks_for_the_same_thing(alice, bobs_check_in):
    services.thanks_give(giver=alice, check_in=bobs_check_in)
    with pytest.raises(ValidationError, match="already thanked"):
        services.thanks_give(giver=alice, check_in=bobs_check_in, note="again")
    assert Thanks.objects.count() == 1


def test_bob_cannot_thank_himself(bob, bobs_check_in, bobs_done):
    with pytest.raises(ValidationError, match="cannot thank yourself"):
        services.thanks_give(giver=bob, check_in=bobs_check_in)
    with pytest.raises(ValidationError, match="cannot thank yourself"):
        services.thanks_give(giver=bob, commitment=bobs_done)
    assert not Thanks.objects.exists()


def test_a_commitment_not_done_cannot_be_thanked(alice, bob, bobs_check_in, active_pledge):
    signature = active_pledge.signatures.get(member=bob)
    with pytest.raises(ValidationError, match="mark their commitment done"):
        services.thanks_give(giver=alice, commitment=signature)
    assert not Thanks.objects.exists()


def test_a_hidden_check_in_does_not_exist_for_charlie(charlie, bobs_check_in):
    CheckIn.objects.filter(pk=bobs_check_in.pk).update(moderation_status=ModerationStatus.HIDDEN)
    with pytest.raises(Http404):
        services.thanks_give(giver=charlie, check_in=bobs_check_in)
    assert not Thanks.objects.exists()


def test_a_note_of_ten_thousand_characters_is_refused_and_nothing_changes(alice, bobs_check_in):
    with pytest.raises(ValidationError) as caught:
        services.thanks_give(giver=alice, check_in=bobs_check_in, note="x" * 10_000)
    assert "280 characters or fewer" in str(caught.value)
    assert not Thanks.objects.exists()
    assert not Notification.objects.filter(kind=Kind.THANKS).exists()


# --- Notification, profile and badge -------------------------------------------------------


def test_bob_is_told_in_his_daily_digest_by_default(alice, bob, bobs_check_in):
    services.thanks_give(giver=alice, check_in=bobs_check_in, note="Inspiring.")
    notice = Notification.objects.get(recipient=bob, kind=Kind.THANKS)
    assert notice.email_status == Notification.EmailStatus.DIGEST
    assert "Alice Ahmed thanked you for your check-in" in notice.title
    assert notice.body == "Inspiring."


def test_bob_who_chose_straight_away_is_emailed_at_once(alice, bob, bobs_done):
    NotificationPreference.objects.create(user=bob, kind=Kind.THANKS, delivery=Delivery.IMMEDIATE)
    services.thanks_give(giver=alice, commitment=bobs_done)
    notice = Notification.objects.get(recipient=bob, kind=Kind.THANKS)
    assert notice.email_status == Notification.EmailStatus.PENDING
    deliver_notification(notification_id=notice.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [bob.email]


def test_bob_who_turned_thanks_off_sees_it_on_the_site_only(alice, bob, bobs_check_in):
    NotificationPreference.objects.create(user=bob, kind=Kind.THANKS, delivery=Delivery.OFF)
    services.thanks_give(giver=alice, check_in=bobs_check_in)
    notice = Notification.objects.get(recipient=bob, kind=Kind.THANKS)
    assert notice.email_status == Notification.EmailStatus.SKIPPED


def test_bobs_public_profile_shows_how_often_he_was_thanked(
    client, alice, charlie, bob, bobs_check_in, bobs_done
):
    services.thanks_give(giver=alice, check_in=bobs_check_in)
    services.thanks_give(giver=charlie, check_in=bobs_check_in)
    services.thanks_give(giver=alice, commitment=bobs_done)
    page = client.get(reverse("members:profile", args=[bob.pk])).content.decode()
    assert "Thanked by colleagues 3 times." in page


def test_the_fifth_thanks_earns_bob_the_appreciated_badge(bob, bobs_check_in):
    colleagues = UserFactory.create_batch(5)
    for colleague in colleagues[:4]:
        services.thanks_give(giver=colleague, check_in=bobs_check_in)
    badges.award(days=None)
    assert not Badge.objects.filter(member=bob, kind=Badge.Kind.APPRECIATED).exists()
    services.thanks_give(giver=colleagues[4], check_in=bobs_check_in)
    badges.award(days=None)
    badge = Badge.objects.get(member=bob, kind=Badge.Kind.APPRECIATED)
    assert badge.awarded_at == Thanks.objects.order_by("-created_at").first().created_at


# --- The pages ----------------------------------------------------------------------------


def test_alice_thanks_without_javascript_and_comes_back_to_the_check_in(
    client_for, alice, bobs_check_in
):
    response = client_for(alice).post(thank_url(bobs_check_in))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#check-in-{bobs_check_in.pk}")
    assert Thanks.objects.filter(giver=alice, check_in=bobs_check_in).exists()
    page = client_for(alice).get(response["Location"]).content.decode()
    assert "Thanked" in page


def test_with_htmx_the_button_swaps_to_thanked(client_for, alice, bobs_check_in):
    response = client_for(alice).post(thank_url(bobs_check_in), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="thanks-check_in-{bobs_check_in.pk}"' in body
    assert "Thanked" in body
    assert "Thanked 1 time" in body


def test_the_pledge_page_offers_alice_a_thank_button_and_bob_none(
    client_for, alice, bob, bobs_check_in, active_pledge
):
    url = reverse("pledges:detail", args=[active_pledge.pk])
    assert thank_url(bobs_check_in) in client_for(alice).get(url).content.decode()
    assert thank_url(bobs_check_in) not in client_for(bob).get(url).content.decode()


def test_a_long_note_on_the_page_is_refused_with_a_clear_message(client_for, alice, bobs_check_in):
    response = client_for(alice).post(thank_url(bobs_check_in), {"note": "x" * 10_000})
    assert response.status_code == 400
    assert "Keep your note to 280 characters or fewer." in response.content.decode()
    assert not Thanks.objects.exists()


def test_thanking_twice_on_the_page_says_so(client_for, alice, bobs_check_in):
    client_for(alice).post(thank_url(bobs_check_in))
    response = client_for(alice).post(thank_url(bobs_check_in), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "already thanked" in response.content.decode()
    assert Thanks.objects.count() == 1


def test_a_hidden_check_in_is_a_404_on_the_page(client_for, charlie, bobs_check_in):
    CheckIn.objects.filter(pk=bobs_check_in.pk).update(moderation_status=ModerationStatus.HIDDEN)
    assert client_for(charlie).get(thank_url(bobs_check_in)).status_code == 404
    assert client_for(charlie).post(thank_url(bobs_check_in)).status_code == 404
    assert not Thanks.objects.exists()


def test_a_hidden_note_is_not_shown_on_the_pledge_page(
    client_for, alice, charlie, bobs_check_in, active_pledge
):
    thanks = services.thanks_give(giver=charlie, check_in=bobs_check_in, note="Rude words here")
    url = reverse("pledges:detail", args=[active_pledge.pk])
    assert "Rude words here" in client_for(alice).get(url).content.decode()
    Thanks.objects.filter(pk=thanks.pk).update(moderation_status=ModerationStatus.HIDDEN)
    assert "Rude words here" not in client_for(alice).get(url).content.decode()


def test_a_note_can_be_flagged_through_the_moderation_registry(
    client_for, alice, bob, bobs_check_in
):
    thanks = services.thanks_give(giver=alice, check_in=bobs_check_in, note="Well done")
    url = reverse("communities:flag", args=["pledges.thanks", thanks.pk])
    assert client_for(bob).get(url).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, bobs_check_in):
    response = client.post(thank_url(bobs_check_in))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Thanks.objects.exists()


# --- The API ------------------------------------------------------------------------------


def test_alice_thanks_bob_through_the_api_and_bob_lists_it(api_for, alice, bob, bobs_check_in):
    response = api_for(alice).post(
        "/api/thanks/", {"check_in": bobs_check_in.pk, "note": "Thanks!"}, format="json"
    )
    assert response.status_code == 201, response.content
    listed = api_for(bob).get("/api/thanks/").json()
    assert [row["note"] for row in listed["results"]] == ["Thanks!"]


def test_the_api_refuses_bad_thanks_with_clear_messages(api_for, alice, bob, bobs_check_in):
    api = api_for(alice)
    long_note = api.post(
        "/api/thanks/", {"check_in": bobs_check_in.pk, "note": "x" * 10_000}, format="json"
    )
    assert long_note.status_code == 400
    assert "280 characters" in long_note.content.decode()
    assert api.post("/api/thanks/", {}, format="json").status_code == 400
    assert api.post("/api/thanks/", {"check_in": 999999}, format="json").status_code == 404
    own = api_for(bob).post("/api/thanks/", {"check_in": bobs_check_in.pk}, format="json")
    assert own.status_code == 400
    assert not Thanks.objects.exists()


def test_the_api_needs_a_signed_in_member(api_client, bobs_check_in):
    assert api_client.get("/api/thanks/").status_code in (401, 403)
    response = api_client.post("/api/thanks/", {"check_in": bobs_check_in.pk}, format="json")
    assert response.status_code in (401, 403)
    assert not Thanks.objects.exists()
