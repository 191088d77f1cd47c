"""The communities API: communities, membership, invitations, flags, the moderation queue,
moderation actions and the audit log. Bad input is a 400 naming the problem."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import AuditEntry, Community, Flag, Membership
from tests.factories import InvitationFactory, MembershipFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def test_anyone_lists_and_searches_communities(api_client, community, other_community):
    everything = api_client.get(reverse("api:community-list")).json()
    found = api_client.get(reverse("api:community-list"), {"q": "morecambe"}).json()

    assert everything["count"] == 2
    assert [c["slug"] for c in found["results"]] == ["morecambe-bay-walkers"]
    assert found["results"][0]["member_count"] == 1


def test_the_list_costs_the_same_queries_for_more_communities(api_for, alice):
    api = api_for(alice)
    MembershipFactory(member=alice)
    with CaptureQueriesContext(connection) as few:
        api.get(reverse("api:community-list"))
    for _ in range(5):
        MembershipFactory(member=alice)
    with CaptureQueriesContext(connection) as many:
        api.get(reverse("api:community-list"))

    assert len(many) == len(few)


def test_a_community_shows_its_organisers_and_your_membership(api_for, community, alice):
    MembershipFactory(community=community, member=alice)

    data = api_for(alice).get(reverse("api:community-detail", args=[community.slug])).json()

    assert [o["name"] for o in data["organisers"]] == ["Olivia Organiser"]
    assert data["my_membership"] == {"status": "active", "role": "member"}


def test_a_member_asks_for_a_community_and_an_admin_decides(api_for, alice, admin_user):
    response = api_for(alice).post(
        reverse("api:community-list"),
        {"name": "Sussex Kindness", "description": "Calmer wards.", "joining_policy": "approval"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "requested"

    decided = api_for(admin_user).post(
        reverse("api:community-decision", args=["sussex-kindness"]),
        {"decision": "approve"},
        format="json",
    )

    assert decided.json()["status"] == "active"
    assert Membership.objects.get(member=alice).is_organiser


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "description": "Y", "status": "active"}, "status"),
        ({"name": "X", "description": "Y", "member_count": 9}, "member_count"),
        ({"name": "X", "description": "Y", "organiser": 1}, "organiser"),
        ({"name": "X", "description": "Y", "joining_policy": "secret"}, "joining_policy"),
        ({"description": "Y"}, "name"),
        ({"name": "Morecambe Bay Walkers", "description": "Y"}, "name"),
    ],
)
def test_bad_community_requests_are_refused(api_for, alice, community, payload, field):
    response = api_for(alice).post(reverse("api:community-list"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Community.objects.count() == 1


def test_organisers_change_settings_with_strict_fields(api_for, community, olivia):
    api = api_for(olivia)
    url = reverse("api:community-detail", args=[community.slug])

    ok = api.patch(url, {"premoderate_first_posts": 2}, format="json")
    bad = api.patch(url, {"name": "Renamed", "premoderate_first_posts": 50}, format="json")

    assert ok.status_code == 200 and ok.json()["premoderate_first_posts"] == 2
    assert bad.status_code == 400 and set(bad.json()) == {"name"}
    community.refresh_from_db()
    assert community.name == "Morecambe Bay Walkers"


# --- Membership ---------------------------------------------------------------------------------


def test_joining_an_open_community_and_joining_twice(api_for, community, alice):
    api = api_for(alice)
    url = reverse("api:community-membership", args=[community.slug])

    first = api.post(url, {}, format="json")
    second = api.post(url, {}, format="json")

    assert first.status_code == 201 and first.json()["status"] == "active"
    assert second.status_code == 400
    assert "already a member" in second.json()["non_field_errors"][0]
    assert Membership.objects.filter(member=alice).count() == 1


def test_asking_to_join_an_approval_community(api_for, community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()

    response = api_for(bob).post(
        reverse("api:community-membership", args=[community.slug]),
        {"message": "Physio here"},
        format="json",
    )

    assert response.status_code == 201 and response.json()["status"] == "pending"
    pending = api_for(olivia).get(
        reverse("api:community-members", args=[community.slug]), {"status": "pending"}
    )
    assert [m["request_message"] for m in pending.json()["results"]] == ["Physio here"]


def test_members_cannot_list_requests_or_bans(api_for, community, alice_in_community, alice):
    response = api_for(alice).get(
        reverse("api:community-members", args=[community.slug]), {"status": "pending"}
    )

    assert response.status_code == 403


def test_joining_with_an_invitation_token(api_for, community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.INVITATION
    community.save()
    invitation = services.invitation_create(community=community, actor=olivia)

    response = api_for(bob).post(
        reverse("api:community-membership", args=[community.slug]),
        {"invitation": invitation.token},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["invited_by"] == olivia.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"revoked_at": timezone.now()}, "withdrawn"),
        ({"expires_at": timezone.now() - datetime.timedelta(days=1)}, "expired"),
    ],
)
def test_a_revoked_or_expired_invitation_is_a_400(api_for, community, bob, change, message):
    invitation = InvitationFactory(community=community, **change)

    by_membership = api_for(bob).post(
        reverse("api:community-membership", args=[community.slug]),
        {"invitation": invitation.token},
        format="json",
    )
    by_accept = api_for(bob).post(reverse("api:invitation-accept", args=[invitation.token]))

    assert by_membership.status_code == 400 and message in by_membership.json()["invitation"][0]
    assert by_accept.status_code == 400 and message in str(by_accept.json())
    assert not Membership.objects.filter(member=bob).exists()


def test_a_token_for_another_community_is_refused(api_for, community, other_community, bob):
    invitation = InvitationFactory(community=other_community)

    response = api_for(bob).post(
        reverse("api:community-membership", args=[community.slug]),
        {"invitation": invitation.token},
        format="json",
    )

    assert response.status_code == 400
    assert not Membership.objects.filter(member=bob).exists()


def test_leaving_and_the_last_organiser(api_for, community, olivia, alice_in_community, alice):
    url = reverse("api:community-membership", args=[community.slug])

    assert api_for(alice).delete(url).json()["status"] == "left"
    refused = api_for(olivia).delete(url)

    assert refused.status_code == 400
    assert "only organiser" in refused.json()["non_field_errors"][0]


# --- Organiser actions on members ---------------------------------------------------------------


def test_an_organiser_bans_a_member_for_some_days(api_for, community, olivia, alice_in_community):
    response = api_for(olivia).post(
        reverse("api:community-member-action", args=[community.slug, alice_in_community.member_id]),
        {"action": "ban", "reason": "Abuse", "days": 30},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "banned"
    assert (
        AuditEntry.objects.get()
        .details["until"]
        .startswith((timezone.now() + datetime.timedelta(days=30)).date().isoformat()[:7])
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "ban", "reason": "x", "days": 0}, "days"),
        ({"action": "ban", "reason": ""}, "reason"),
        ({"action": "explode", "reason": "x"}, "action"),
        ({"action": "warn", "reason": "x", "actor": 1}, "actor"),
    ],
)
def test_bad_member_actions_are_400s_and_change_nothing(
    api_for, community, olivia, alice_in_community, payload, field
):
    response = api_for(olivia).post(
        reverse("api:community-member-action", args=[community.slug, alice_in_community.member_id]),
        payload,
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()
    alice_in_community.refresh_from_db()
    assert alice_in_community.is_active
    assert not AuditEntry.objects.exists()


def test_removing_the_last_organiser_through_the_api_is_refused(
    api_for, community, olivia, admin_user
):
    response = api_for(admin_user).post(
        reverse("api:community-member-action", args=[community.slug, olivia.pk]),
        {"action": "demote"},
        format="json",
    )

    assert response.status_code == 400
    assert "at least one organiser" in response.json()["non_field_errors"][0]
    assert Membership.objects.get(member=olivia).is_organiser


def test_organisers_create_and_revoke_invitations(api_for, community, olivia):
    api = api_for(olivia)

    created = api.post(
        reverse("api:community-invitations", args=[community.slug]),
        {"days_valid": 7, "note": "Ward 7"},
        format="json",
    )
    revoked = api.post(
        reverse("api:community-invitation-revoke", args=[community.slug, created.json()["id"]])
    )

    assert created.status_code == 201
    assert created.json()["url"].endswith(f"/communities/invitations/{created.json()['token']}/")
    assert revoked.json()["is_usable"] is False


# --- Flags, queue and actions --------------------------------------------------------------------


def test_flagging_content_and_members(api_for, community, alice, bob):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    pledge = PledgeFactory(author=bob, community=community)
    api = api_for(alice)

    content = api.post(
        reverse("api:flags"),
        {"target_type": "pledges.pledge", "target_id": pledge.pk, "reason": "Names a patient"},
        format="json",
    )
    member = api.post(
        reverse("api:flags"),
        {
            "target_type": "members.user",
            "target_id": bob.pk,
            "community": community.slug,
            "reason": "Rude",
        },
        format="json",
    )

    assert content.status_code == 201 and member.status_code == 201
    mine = api.get(reverse("api:flags")).json()
    assert {f["target_type"] for f in mine["results"]} == {"pledges.pledge", "members.user"}


@pytest.mark.parametrize(
    ("payload", "field_or_text"),
    [
        ({"target_type": "pledges.widget", "target_id": 1, "reason": "x"}, "target_type"),
        ({"target_type": "pledges.pledge", "target_id": 999999, "reason": "x"}, "target_id"),
        ({"target_type": "members.user", "target_id": "BOB", "reason": "x"}, "community"),
        ({"target_type": "pledges.pledge", "target_id": "PLEDGE", "reason": ""}, "reason"),
        ({"target_type": "pledges.pledge", "target_id": "OWN", "reason": "x"}, "own pledge"),
        (
            {"target_type": "pledges.pledge", "target_id": "PLEDGE", "reason": "x", "status": "x"},
            "status",
        ),
    ],
)
def test_bad_flags_are_400s(api_for, community, alice, bob, payload, field_or_text):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    ids = {
        "BOB": bob.pk,
        "PLEDGE": PledgeFactory(author=bob, community=community).pk,
        "OWN": PledgeFactory(author=alice, community=community).pk,
    }
    payload = {**payload, "target_id": ids.get(payload["target_id"], payload["target_id"])}

    response = api_for(alice).post(reverse("api:flags"), payload, format="json")

    assert response.status_code == 400
    assert field_or_text in str(response.json())
    assert not Flag.objects.exists()


def test_flagging_twice_through_the_api(api_for, community, alice, bob):
    pledge = PledgeFactory(author=bob, community=community)
    api = api_for(alice)
    payload = {"target_type": "pledges.pledge", "target_id": pledge.pk, "reason": "Spam"}

    api.post(reverse("api:flags"), payload, format="json")
    again = api.post(reverse("api:flags"), payload, format="json")

    assert again.status_code == 400
    assert "already flagged" in again.json()["non_field_errors"][0]


def test_an_organiser_reads_the_queue_and_hides_a_pledge(api_for, community, olivia, alice, bob):
    pledge = PledgeFactory(author=bob, community=community)
    services.flag_create(reporter=alice, target=pledge, reason="Names a patient")
    api = api_for(olivia)

    queue = api.get(reverse("api:moderation-queue"), {"community": community.slug}).json()
    hidden = api.post(
        reverse("api:moderation-action"),
        {
            "target_type": "pledges.pledge",
            "target_id": pledge.pk,
            "action": "hide",
            "reason": "Names a patient",
        },
        format="json",
    )

    assert [(i["target_type"], len(i["flags"])) for i in queue] == [("pledges.pledge", 1)]
    assert hidden.json() == {
        "target_type": "pledges.pledge",
        "target_id": pledge.pk,
        "moderation_status": "hidden",
        "open_flags": 0,
    }
    assert api.get(reverse("api:moderation-queue")).json() == []


def test_acting_outside_ones_community_is_refused(api_for, other_community, oscar, community, bob):
    pledge = PledgeFactory(author=bob, community=community)

    response = api_for(oscar).post(
        reverse("api:moderation-action"),
        {"target_type": "pledges.pledge", "target_id": pledge.pk, "action": "hide", "reason": "x"},
        format="json",
    )

    assert response.status_code == 403
    assert "You do not organise Morecambe Bay Walkers" in response.json()["detail"]
    pledge.refresh_from_db()
    assert pledge.moderation_status == "published"


def test_hiding_without_a_reason_is_a_400(api_for, community, olivia, bob):
    pledge = PledgeFactory(author=bob, community=community)

    response = api_for(olivia).post(
        reverse("api:moderation-action"),
        {"target_type": "pledges.pledge", "target_id": pledge.pk, "action": "hide"},
        format="json",
    )

    assert response.status_code == 400
    assert "reason" in response.json()


# --- Audit log ------------------------------------------------------------------------------------


def test_the_audit_log_is_filtered_and_read_only(
    api_for, community, other_community, olivia, oscar, alice, bob, admin_user
):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=other_community, member=bob)
    services.author_warn(target=alice, community=community, actor=olivia, reason="Be kind")
    services.member_remove(community=community, member=alice, actor=olivia, reason="Spam")
    services.author_warn(target=bob, community=other_community, actor=oscar, reason="Shh")
    url = reverse("api:audit-log")

    olivias = api_for(olivia).get(url).json()
    warned = api_for(olivia).get(url, {"action": "author_warned"}).json()
    admins = api_for(admin_user).get(url, {"community": other_community.slug}).json()
    by_actor = api_for(admin_user).get(url, {"actor": oscar.pk}).json()

    assert olivias["count"] == 2
    assert [e["reason"] for e in warned["results"]] == ["Be kind"]
    assert [e["reason"] for e in admins["results"]] == ["Shh"]
    assert by_actor["count"] == 1
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api_for(admin_user), method)(url, {}).status_code == 405
    assert AuditEntry.objects.count() == 3


def test_the_schema_describes_the_communities_api(api_client):
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()

    for path in (
        "/api/communities/",
        "/api/communities/{slug}/membership/",
        "/api/communities/{slug}/members/{member_id}/actions/",
        "/api/flags/",
        "/api/moderation/queue/",
        "/api/moderation/actions/",
        "/api/audit/",
    ):
        assert path in schema["paths"]
