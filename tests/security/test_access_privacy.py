"""Access and privacy (ASVS level 2, issue 18 findings 1–6): nobody sees, flags, traces
or moderates more than the rules allow, and erasure leaves no name behind."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities import services as community_services
from communities.models import AuditEntry, Flag
from communities.moderation import ModerationStatus
from communities.selectors import can_see
from members import services as member_services
from members.models import User
from members.permissions import hides_identity_from
from notifications.models import Kind, Notification
from notifications.services import notify
from pledges import services as pledge_services
from pledges.models import Pledge
from stories import services as story_services
from stories.models import Story
from tests.factories import MembershipFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def _flag_url(item) -> str:
    return reverse("communities:flag", args=[item._meta.label_lower, item.pk])


def _community_pledge(*, author, community) -> Pledge:
    return PledgeFactory(author=author, community=community, visibility="community")


# --- 1. The flag page shows only what the reporter may see ---------------------------------


def test_a_draft_story_flag_page_is_a_404_to_others(client_for, story_draft, charlie):
    response = client_for(charlie).get(_flag_url(story_draft))
    assert response.status_code == 404
    assert story_draft.title not in response.content.decode()


def test_a_returned_story_cannot_be_flagged_by_others(
    client_for, community, alice_in_community, alice, olivia, charlie
):
    story = story_services.story_create(
        author=alice, title="A ward that listened", summary="How it went.", body="Text."
    )
    Story.objects.filter(pk=story.pk).update(status=Story.Status.RETURNED, community=community)
    client = client_for(charlie)
    assert client.get(_flag_url(story)).status_code == 404
    response = client.post(_flag_url(story), {"reason": "Spam"})
    assert response.status_code == 404
    assert not Flag.objects.exists()


def test_a_community_only_pledge_and_its_check_ins_are_not_shown_to_outsiders(
    client_for, community, alice_in_community, alice, charlie, bob
):
    pledge = _community_pledge(author=alice, community=community)
    check_in = pledge_services.check_in_create(
        pledge=pledge, author=alice, note="Secret progress on the ward"
    )
    client = client_for(charlie)
    for item in (pledge, check_in):
        response = client.get(_flag_url(item))
        assert response.status_code == 404
        assert "Secret progress" not in response.content.decode()
        assert client.post(_flag_url(item), {"reason": "Spam"}).status_code == 404
    assert not Flag.objects.exists()
    MembershipFactory(community=community, member=bob)
    assert client_for(bob).get(_flag_url(check_in)).status_code == 200


def test_the_api_flags_only_what_the_reporter_may_see(
    api_for, community, alice_in_community, alice, charlie
):
    pledge = _community_pledge(author=alice, community=community)
    hidden = api_for(charlie).post(
        "/api/flags/",
        {"target_type": "pledges.pledge", "target_id": pledge.pk, "reason": "Spam"},
        format="json",
    )
    missing = api_for(charlie).post(
        "/api/flags/",
        {"target_type": "pledges.pledge", "target_id": pledge.pk + 1000, "reason": "Spam"},
        format="json",
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert not Flag.objects.exists()


def test_the_flag_service_refuses_what_the_reporter_cannot_see(story_draft, charlie):
    from django.core.exceptions import ValidationError

    assert not can_see(member=charlie, item=story_draft)
    with pytest.raises(ValidationError):
        community_services.flag_create(reporter=charlie, target=story_draft, reason="Spam")


def test_a_member_can_still_flag_a_published_story(client_for, story, charlie):
    response = client_for(charlie).post(_flag_url(story), {"reason": "Spam"})
    assert response.status_code == 302
    assert Flag.objects.filter(reporter=charlie).count() == 1


# --- 2. Anonymous supporters cannot be traced ------------------------------------------------


@pytest.fixture
def hidden_bob(bob):
    bob.name_visibility = User.NameVisibility.HIDDEN
    bob.job_role = "Ward sister"
    bob.bio = "I run the night shift."
    bob.save()
    return bob


def test_a_hidden_signer_carries_no_id_in_the_api(
    api_for, pledge_with_signers, hidden_bob, charlie
):
    rows = api_for(charlie).get(f"/api/pledges/{pledge_with_signers.pk}/signers/").json()
    rows = rows.get("results", rows)
    bob_row = [r for r in rows if r["member"]["id"] != pledge_with_signers.author_id]
    assert bob_row and bob_row[0]["member"] == {"id": None, "name": "Anonymous supporter"}


def test_a_hidden_co_author_carries_no_id_in_the_api(api_client, story_with_co_author, hidden_bob):
    data = api_client.get(f"/api/stories/{story_with_co_author.pk}/").json()
    assert data["co_authors"] == [{"id": None, "name": "Anonymous supporter"}]
    assert data["author"]["id"] == story_with_co_author.author_id


def test_a_hidden_member_has_no_profile_for_others(client_for, api_for, hidden_bob, charlie):
    missing = api_for(charlie).get("/api/members/999999/")
    response = api_for(charlie).get(f"/api/members/{hidden_bob.pk}/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    page = client_for(charlie).get(reverse("members:profile", args=[hidden_bob.pk]))
    assert page.status_code == 404
    assert "Ward sister" not in page.content.decode()


def test_a_hidden_member_and_admins_still_see_the_profile(
    client_for, api_for, hidden_bob, admin_user
):
    assert api_for(hidden_bob).get(f"/api/members/{hidden_bob.pk}/").json()["bio"]
    assert api_for(admin_user).get(f"/api/members/{hidden_bob.pk}/").status_code == 200
    page = client_for(hidden_bob).get(reverse("members:profile", args=[hidden_bob.pk]))
    assert page.status_code == 200


def test_a_hidden_member_is_not_linked_on_the_members_page(
    client_for, community, alice_in_community, hidden_bob, alice
):
    MembershipFactory(community=community, member=hidden_bob)
    html = client_for(alice).get(reverse("communities:members", args=[community.slug]))
    html = html.content.decode()
    assert f'href="{reverse("members:profile", args=[hidden_bob.pk])}"' not in html
    assert "Ward sister" not in html


def test_hides_identity_from_follows_the_name_choice(alice, bob, admin_user):
    from django.contrib.auth.models import AnonymousUser

    bob.name_visibility = User.NameVisibility.MEMBERS
    assert hides_identity_from(member=bob, viewer=AnonymousUser())
    assert not hides_identity_from(member=bob, viewer=alice)
    bob.name_visibility = User.NameVisibility.HIDDEN
    assert hides_identity_from(member=bob, viewer=alice)
    assert not hides_identity_from(member=bob, viewer=bob)
    assert not hides_identity_from(member=bob, viewer=admin_user)


# --- 3. The review note is for the authors and organisers -----------------------------------


@pytest.fixture
def reviewed_story(community, alice_in_community, alice, olivia):
    story = story_services.story_create(
        author=alice,
        title="Night shift huddles",
        summary="Short.",
        body="Body.",
        community=community,
    )
    Story.objects.filter(pk=story.pk).update(status=Story.Status.SUBMITTED)
    story.refresh_from_db()
    story_services.story_review(
        story=story, actor=olivia, publish=True, note="Private: check the staffing figures"
    )
    story.refresh_from_db()
    return story


def test_the_review_note_is_not_in_the_api_for_readers(
    api_client, api_for, reviewed_story, charlie
):
    url = f"/api/stories/{reviewed_story.pk}/"
    assert api_client.get(url).json()["review_note"] is None
    assert api_for(charlie).get(url).json()["review_note"] is None


def test_the_review_note_is_in_the_api_for_authors_and_organisers(
    api_for, reviewed_story, alice, olivia
):
    url = f"/api/stories/{reviewed_story.pk}/"
    for reader in (alice, olivia):
        assert api_for(reader).get(url).json()["review_note"].startswith("Private")


# --- 4. Only the author moves a story -------------------------------------------------------


def test_a_co_author_cannot_move_the_story_through_the_api(
    api_for, story_draft, alice, bob, community, alice_in_community
):
    story_services.co_author_invite(story=story_draft, actor=alice, member=bob)
    story_services.co_author_respond(story=story_draft, member=bob, accept=True)
    MembershipFactory(community=community, member=bob)
    response = api_for(bob).patch(
        f"/api/stories/{story_draft.pk}/", {"community": community.slug}, format="json"
    )
    assert response.status_code == 400
    assert "Only the story's author" in str(response.json())
    story_draft.refresh_from_db()
    assert story_draft.community_id is None


def test_the_author_can_move_a_draft(api_for, alice_in_community, community, story_draft, alice):
    response = api_for(alice).patch(
        f"/api/stories/{story_draft.pk}/", {"community": community.slug}, format="json"
    )
    assert response.status_code == 200
    story_draft.refresh_from_db()
    assert story_draft.community_id == community.pk


# --- 5. Nobody moderates their own content; admins' decisions stand -------------------------


def test_an_organiser_cannot_hide_their_own_pledge(api_for, client_for, community, olivia):
    pledge = PledgeFactory(author=olivia, community=community)
    response = api_for(olivia).post(
        "/api/moderation/actions/",
        {
            "target_type": "pledges.pledge",
            "target_id": pledge.pk,
            "action": "hide",
            "reason": "Tidying",
        },
        format="json",
    )
    assert response.status_code == 403
    assert "your own" in response.json()["detail"]
    pledge.refresh_from_db()
    assert pledge.moderation_status == ModerationStatus.PUBLISHED
    page = client_for(olivia).get(
        reverse("communities:moderate", args=["pledges.pledge", pledge.pk])
    )
    assert page.status_code == 200
    assert "your own" in page.content.decode()
    assert 'name="hide-reason"' not in page.content.decode()


def test_another_organiser_can_hide_it(community, olivia, bob):
    MembershipFactory(community=community, member=bob, role="organiser")
    pledge = PledgeFactory(author=olivia, community=community)
    community_services.content_hide(item=pledge, actor=bob, reason="Off topic")
    pledge.refresh_from_db()
    assert pledge.moderation_status == ModerationStatus.HIDDEN


def test_an_organiser_cannot_restore_what_an_admin_hid(
    api_for, community, alice, olivia, admin_user
):
    pledge = PledgeFactory(author=alice, community=community)
    community_services.content_hide(item=pledge, actor=admin_user, reason="Personal data")
    pledge.refresh_from_db()
    refusal = community_services.decision_refusal(item=pledge, actor=olivia, action="restore")
    assert "platform admin" in refusal
    response = api_for(olivia).post(
        "/api/moderation/actions/",
        {
            "target_type": "pledges.pledge",
            "target_id": pledge.pk,
            "action": "restore",
            "reason": "Looks fine",
        },
        format="json",
    )
    assert response.status_code == 403
    pledge.refresh_from_db()
    assert pledge.moderation_status == ModerationStatus.HIDDEN
    community_services.content_restore(item=pledge, actor=admin_user, reason="Edited")
    pledge.refresh_from_db()
    assert pledge.moderation_status == ModerationStatus.PUBLISHED


def test_an_organiser_can_restore_what_an_organiser_hid(community, alice, olivia):
    pledge = PledgeFactory(author=alice, community=community)
    community_services.content_hide(item=pledge, actor=olivia, reason="Check")
    community_services.content_restore(item=pledge, actor=olivia, reason="Checked")
    pledge.refresh_from_db()
    assert pledge.moderation_status == ModerationStatus.PUBLISHED


# --- 6. Erasure leaves no name behind -------------------------------------------------------


def test_erasure_takes_the_name_out_of_audit_labels(community, alice_in_community, alice, olivia):
    community_services.member_ban(
        community=community, member=alice, actor=olivia, reason="Rude", until=None
    )
    assert AuditEntry.objects.filter(target_label__contains="Alice Ahmed").exists()
    member_services.account_erase(member=alice)
    labels = list(AuditEntry.objects.values_list("target_label", flat=True))
    assert labels and not [label for label in labels if "Alice" in label or "alice@" in label]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MEMBER_BANNED).count() == 1


def test_erasure_takes_the_name_out_of_other_members_notifications(alice, bob):
    notify(
        kind=Kind.NEW_CO_SIGNERS,
        recipient=bob,
        title="Alice Ahmed signed your pledge",
        body="Write to alice@example.nhs.uk to thank Alice Ahmed.",
    )
    member_services.account_erase(member=alice)
    notification = Notification.objects.get(recipient=bob)
    assert notification.title == "A former member signed your pledge"
    assert "Alice" not in notification.body and "alice@" not in notification.body
    assert "a former member" in notification.body
