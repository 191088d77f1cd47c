"""Community pages end to end: browse, join, run a community, moderate, read the audit log.
Bad input gets a clear message on the page and changes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from notifications.models import Kind, Notification
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    PledgeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# --- Browsing ------------------------------------------------------------------------------


def test_the_list_shows_active_communities_and_searches_them(client, community, other_community):
    services.community_request(requester=UserFactory(), name="Waiting Room")

    everything = page(client.get(reverse("communities:list")))
    found = page(client.get(reverse("communities:list"), {"q": "leeds"}))

    assert "Morecambe Bay Walkers" in everything and "Leeds Listeners" in everything
    assert "Waiting Room" not in everything
    assert "Leeds Listeners" in found and "Morecambe Bay Walkers" not in found
    assert "1 community matching" in found


def test_the_list_costs_the_same_queries_for_more_communities(client_for, alice):
    client = client_for(alice)
    for _ in range(3):
        MembershipFactory(member=alice)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("communities:list"))
    for _ in range(6):
        MembershipFactory(member=alice)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("communities:list"))

    assert len(many) == len(few)


def test_the_community_page_shows_about_guidelines_organisers_and_count(
    client, community, alice_in_community
):
    community.guidelines = "**Be kind.**"
    community.save()

    html = page(client.get(reverse("communities:detail", args=[community.slug])))

    assert "Olivia Organiser" in html
    assert "<strong>Be kind.</strong>" in html
    assert "Members" in html and ">2<" in html.replace(" ", "").replace("\n", "")
    assert "Log in</a> or" in html


def test_a_requested_community_is_seen_only_by_its_requester_and_admins(
    client_for, alice, bob, admin_user
):
    community = services.community_request(requester=alice, name="Sussex Kindness")
    url = reverse("communities:detail", args=[community.slug])

    assert client_for(bob).get(url).status_code == 404
    assert "Not open yet" in page(client_for(alice).get(url))
    assert client_for(admin_user).get(url).status_code == 200


# --- Creating and approving communities -------------------------------------------------------


def test_a_member_asks_for_a_community_and_an_admin_approves_it(client_for, alice, admin_user):
    response = client_for(alice).post(
        reverse("communities:create"),
        {"name": "Sussex Kindness", "description": "Calmer wards.", "joining_policy": "approval"},
    )
    assert response.status_code == 302
    community = Community.objects.get(name="Sussex Kindness")
    assert community.status == Community.Status.REQUESTED
    assert "Sussex Kindness" in page(client_for(alice).get(reverse("communities:list")))

    admin = client_for(admin_user)
    assert "Sussex Kindness" in page(admin.get(reverse("communities:requested")))
    response = admin.post(
        reverse("communities:decide_community", args=[community.slug]),
        {"decision": "approve", "reason": ""},
    )

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.status == Community.Status.ACTIVE
    assert Membership.objects.get(community=community, member=alice).is_organiser


def test_declining_a_community_without_a_reason_shows_an_error(client_for, alice, admin_user):
    community = services.community_request(requester=alice, name="Sussex Kindness")

    response = client_for(admin_user).post(
        reverse("communities:decide_community", args=[community.slug]),
        {"decision": "decline", "reason": ""},
    )

    assert response.status_code == 200
    assert "Give a reason for declining" in page(response)
    community.refresh_from_db()
    assert community.status == Community.Status.REQUESTED


def test_an_admin_creates_a_community_with_its_first_organiser(client_for, admin_user, olivia):
    response = client_for(admin_user).post(
        reverse("communities:create"),
        {
            "name": "Ward 7 Improvement Collective",
            "description": "Handovers.",
            "joining_policy": "invitation",
            "organiser_email": "OLIVIA@example.nhs.uk",
        },
    )

    assert response.status_code == 302
    community = Community.objects.get()
    assert response.url == reverse("communities:detail", args=[community.slug])
    assert Membership.objects.get(community=community).member == olivia


def test_bad_community_input_keeps_what_was_typed(client_for, admin_user, community):
    response = client_for(admin_user).post(
        reverse("communities:create"),
        {
            "name": "Morecambe Bay Walkers",
            "description": "Our own walking group",
            "joining_policy": "open",
            "organiser_email": "nobody@example.nhs.uk",
        },
    )

    html = page(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "No member has this email address" in html
    assert "Our own walking group" in html
    assert Community.objects.count() == 1


# --- Joining, requests, invitations and leaving -----------------------------------------------


def test_a_member_joins_an_open_community_from_its_page(client_for, alice, community):
    client = client_for(alice)
    url = reverse("communities:detail", args=[community.slug])
    assert "Join Morecambe Bay Walkers" in page(client.get(url))

    response = client.post(reverse("communities:join", args=[community.slug]), follow=True)

    assert "Welcome to Morecambe Bay Walkers" in page(response)
    assert "You are a member of Morecambe Bay Walkers" in page(response)
    assert Membership.objects.get(member=alice).is_active


def test_joining_twice_says_so(client_for, alice, community, alice_in_community):
    response = client_for(alice).post(
        reverse("communities:join", args=[community.slug]), follow=True
    )

    assert "already a member of Morecambe Bay Walkers" in page(response)
    assert Membership.objects.filter(member=alice).count() == 1


def test_asking_to_join_and_the_organiser_deciding(client_for, community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    response = client_for(bob).post(
        reverse("communities:request", args=[community.slug]),
        {"message": "Physio on the stroke unit."},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(member=bob)

    manage = page(client_for(olivia).get(reverse("communities:manage", args=[community.slug])))
    assert "Physio on the stroke unit." in manage
    response = client_for(olivia).post(
        reverse("communities:decide_request", args=[community.slug, membership.pk]),
        {"decision": "decline", "reason": ""},
    )
    assert "Give a reason for declining" in page(response)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING

    client_for(olivia).post(
        reverse("communities:decide_request", args=[community.slug, membership.pk]),
        {"decision": "approve", "reason": ""},
    )
    membership.refresh_from_db()
    assert membership.is_active
    assert Notification.objects.filter(recipient=bob, kind=Kind.MEMBERSHIP_DECIDED).exists()


def test_asking_twice_shows_a_clear_message(client_for, community, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    client = client_for(bob)
    url = reverse("communities:request", args=[community.slug])
    client.post(url, {"message": "Hello"})

    response = client.post(url, {"message": "Hello again"})

    assert response.status_code == 200
    assert "You have already asked to join" in page(response)
    assert Membership.objects.get(member=bob).request_message == "Hello"


def test_an_organiser_makes_an_invitation_link_that_brings_a_member_in(
    client_for, community, olivia, bob
):
    community.joining_policy = Community.JoiningPolicy.INVITATION
    community.save()
    organiser = client_for(olivia)
    response = organiser.post(
        reverse("communities:invitation_create", args=[community.slug]),
        {"days_valid": "7", "note": "Ward 7 team"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    link = reverse("communities:invitation", args=[invitation.token])
    assert link in page(organiser.get(reverse("communities:manage", args=[community.slug])))

    guest = client_for(bob)
    assert "Olivia Organiser invited you" in page(guest.get(link))
    response = guest.post(link)

    assert response.status_code == 302
    membership = Membership.objects.get(member=bob)
    assert (membership.invited_by, membership.invitation) == (olivia, invitation)


def test_a_revoked_invitation_link_explains_itself(client_for, community, olivia, bob):
    invitation = services.invitation_create(community=community, actor=olivia)
    client_for(olivia).post(
        reverse("communities:invitation_revoke", args=[community.slug, invitation.pk])
    )
    link = reverse("communities:invitation", args=[invitation.token])

    response = client_for(bob).post(link)

    assert response.status_code == 410
    assert "This invitation has been withdrawn" in page(response)
    assert not Membership.objects.filter(member=bob).exists()


def test_an_expired_invitation_link_explains_itself(client_for, community, bob):
    invitation = InvitationFactory(
        community=community, expires_at=timezone.now() - datetime.timedelta(days=1)
    )

    response = client_for(bob).get(reverse("communities:invitation", args=[invitation.token]))

    assert response.status_code == 410
    assert "This invitation expired on" in page(response)


def test_an_unknown_invitation_link_is_not_found(client_for, bob):
    response = client_for(bob).get(reverse("communities:invitation", args=["nope"]))

    assert response.status_code == 404
    assert "This invitation link is not valid" in page(response)


def test_invalid_invitation_settings_show_on_the_manage_page(client_for, community, olivia):
    response = client_for(olivia).post(
        reverse("communities:invitation_create", args=[community.slug]),
        {"days_valid": "365", "note": ""},
    )

    assert response.status_code == 400
    assert "There is a problem" in page(response)
    assert not Invitation.objects.exists()


def test_the_last_organiser_is_told_to_appoint_another_before_leaving(
    client_for, community, olivia
):
    response = client_for(olivia).post(
        reverse("communities:leave", args=[community.slug]), follow=True
    )

    assert "only organiser of Morecambe Bay Walkers" in page(response)
    assert Membership.objects.get(member=olivia).is_organiser


def test_a_member_leaves(client_for, community, alice, alice_in_community):
    client = client_for(alice)
    assert "Leave Morecambe Bay Walkers?" in page(
        client.get(reverse("communities:leave", args=[community.slug]))
    )

    client.post(reverse("communities:leave", args=[community.slug]))

    alice_in_community.refresh_from_db()
    assert alice_in_community.status == Membership.Status.LEFT


# --- Running a community --------------------------------------------------------------------


def test_an_organiser_appoints_another_organiser(client_for, community, olivia, alice):
    MembershipFactory(community=community, member=alice)
    url = reverse("communities:manage_member", args=[community.slug, alice.pk])

    response = client_for(olivia).post(url, {"action": "appoint", "appoint-reason": ""})

    assert response.status_code == 302
    assert Membership.objects.get(member=alice).is_organiser
    assert AuditEntry.objects.get().action == "organiser_appointed"


def test_removing_the_last_organiser_shows_a_clear_message(client_for, community, olivia):
    url = reverse("communities:manage_member", args=[community.slug, olivia.pk])

    response = client_for(olivia).post(url, {"action": "demote", "demote-reason": ""})

    assert response.status_code == 400
    assert "must keep at least one organiser" in page(response)
    assert Membership.objects.get(member=olivia).is_organiser
    assert not AuditEntry.objects.exists()


def test_an_organiser_bans_a_member_for_a_week(client_for, community, olivia, alice):
    MembershipFactory(community=community, member=alice)
    url = reverse("communities:manage_member", args=[community.slug, alice.pk])

    response = client_for(olivia).post(
        url, {"action": "ban", "ban-duration": "7", "ban-reason": "Abusive messages"}
    )

    assert response.status_code == 302
    membership = Membership.objects.get(member=alice)
    assert membership.status == Membership.Status.BANNED
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs((membership.banned_until - expected).total_seconds()) < 60
    assert "Banned" in page(client_for(olivia).get(url))
    banned_page = page(client_for(alice).get(reverse("communities:detail", args=[community.slug])))
    assert "You are banned from this community" in banned_page


def test_a_ban_without_a_reason_is_refused_and_keeps_the_chosen_length(
    client_for, community, olivia, alice
):
    MembershipFactory(community=community, member=alice)
    url = reverse("communities:manage_member", args=[community.slug, alice.pk])

    response = client_for(olivia).post(
        url, {"action": "ban", "ban-duration": "90", "ban-reason": ""}
    )

    html = page(response)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert 'value="90" checked' in html
    assert Membership.objects.get(member=alice).is_active


def test_the_settings_page_switches_pre_moderation_on(client_for, community, olivia):
    response = client_for(olivia).post(
        reverse("communities:edit", args=[community.slug]),
        {
            "description": community.description,
            "guidelines": community.guidelines,
            "joining_policy": "approval",
            "premoderate_first_posts": "3",
            "organisation": "",
            "region": "",
        },
    )

    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.premoderate_first_posts, community.joining_policy) == (3, "approval")
    assert AuditEntry.objects.get().action == "settings_changed"


def test_organisers_of_another_community_cannot_manage_this_one(client_for, community, oscar):
    response = client_for(oscar).get(reverse("communities:manage", args=[community.slug]))

    assert response.status_code == 403
    assert "Only the organisers of Morecambe Bay Walkers" in page(response)


# --- Flags and moderation ----------------------------------------------------------------------


def test_a_member_reports_another_member_once(client_for, community, alice, bob, olivia):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    client = client_for(alice)
    url = reverse("communities:flag_member", args=[community.slug, bob.pk])
    assert "Report" in page(client.get(reverse("communities:members", args=[community.slug])))

    assert client.post(url, {"reason": "Rude to a colleague"}).status_code == 302
    again = client.post(url, {"reason": "Still rude"})

    assert again.status_code == 200
    assert "You have already flagged this member" in page(again)
    assert Flag.objects.count() == 1
    queue = page(client_for(olivia).get(reverse("communities:moderation")))
    assert "Member: Bob Brown" in queue and "Rude to a colleague" in queue


def test_flagging_ones_own_pledge_shows_a_clear_message(client_for, community, alice):
    MembershipFactory(community=community, member=alice)
    pledge = PledgeFactory(author=alice, community=community)

    response = client_for(alice).post(
        reverse("communities:flag", args=["pledges.pledge", pledge.pk]), {"reason": "Oops"}
    )

    assert response.status_code == 200
    assert "You cannot flag your own pledge" in page(response)
    assert not Flag.objects.exists()


def test_an_unknown_content_type_cannot_be_flagged(client_for, alice):
    response = client_for(alice).get(reverse("communities:flag", args=["members.user", alice.pk]))

    assert response.status_code == 404


def test_hiding_needs_a_reason_and_acting_outside_ones_community_is_refused(
    client_for, community, olivia, oscar, other_community, alice
):
    pledge = PledgeFactory(author=alice, community=community)
    url = reverse("communities:moderate", args=["pledges.pledge", pledge.pk])

    no_reason = client_for(olivia).post(url, {"action": "hide", "hide-reason": ""})
    outsider = client_for(oscar).post(url, {"action": "hide", "hide-reason": "Not mine"})

    assert no_reason.status_code == 400 and "There is a problem" in page(no_reason)
    assert outsider.status_code == 403
    assert "Only the organisers of Morecambe Bay Walkers" in page(outsider)
    pledge.refresh_from_db()
    assert pledge.moderation_status == "published"
    assert not AuditEntry.objects.exists()


def test_the_moderation_page_hides_a_pledge_and_tells_the_author(
    client_for, community, olivia, alice
):
    pledge = PledgeFactory(author=alice, community=community)
    url = reverse("communities:moderate", args=["pledges.pledge", pledge.pk])
    client = client_for(olivia)
    assert "Hide the pledge" in page(client.get(url))

    response = client.post(url, {"action": "hide", "hide-reason": "Names a patient"})

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.moderation_status == "hidden"
    assert Notification.objects.get(recipient=alice).body == "Names a patient"
    assert "Restore the pledge" in page(client.get(url))


def test_the_navigation_shows_the_moderation_count_to_organisers_only(
    client_for, community, olivia, alice, bob
):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    services.flag_create(reporter=alice, target=bob, community=community, reason="Rude")

    assert "Moderation (1)" in page(client_for(olivia).get(reverse("home")))
    assert "Moderation (" not in page(client_for(alice).get(reverse("home")))


def test_the_moderation_count_costs_members_nothing_and_organisers_one_query(
    client_for, community, olivia, alice, bob
):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    services.flag_create(reporter=alice, target=bob, community=community, reason="Rude")

    def flag_queries(user):
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("accessibility"))
        return [q["sql"] for q in queries if "communities_flag" in q["sql"]]

    assert flag_queries(alice) == []
    assert len(flag_queries(olivia)) == 1


# --- Audit log ------------------------------------------------------------------------------------


@pytest.fixture
def audited(community, olivia, alice, bob, oscar, other_community):
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob)
    MembershipFactory(community=community, member=oscar)
    services.organiser_appoint(community=community, member=oscar, actor=olivia)
    services.author_warn(target=alice, community=community, actor=olivia, reason="Be kind")
    services.member_remove(community=community, member=bob, actor=oscar, reason="Spam")
    return community


def test_the_audit_log_filters_by_action_actor_and_date(client_for, audited, olivia, oscar):
    client = client_for(olivia)
    url = reverse("communities:community_audit", args=[audited.slug])

    everything = page(client.get(url))
    warned = page(client.get(url, {"action": "author_warned"}))
    by_oscar = page(client.get(url, {"actor": oscar.pk}))
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    assert "3 entries" in everything
    assert "1 entry" in warned and "Be kind" in warned
    assert "1 entry" in by_oscar and "Spam" in by_oscar
    assert "3 entries" in page(client.get(url, {"since": today, "until": today}))
    assert "0 entries" in page(client.get(url, {"since": tomorrow}))


def test_a_backwards_date_range_is_explained(client_for, audited, olivia):
    response = client_for(olivia).get(
        reverse("communities:community_audit", args=[audited.slug]),
        {"since": "2030-01-02", "until": "2030-01-01"},
    )

    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in page(response)


def test_the_audit_log_costs_the_same_queries_for_more_entries(
    client_for, community, olivia, alice
):
    MembershipFactory(community=community, member=alice)
    client = client_for(olivia)
    url = reverse("communities:community_audit", args=[community.slug])
    services.author_warn(target=alice, community=community, actor=olivia, reason="1")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        services.author_warn(target=alice, community=community, actor=olivia, reason=str(n))
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_the_manage_page_costs_the_same_queries_for_more_members(client_for, community, olivia):
    client = client_for(olivia)
    url = reverse("communities:manage", args=[community.slug])
    MembershipFactory(community=community)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        MembershipFactory(community=community, invited_by=olivia)
        MembershipFactory(community=community, status="pending")
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_the_audit_log_has_no_way_to_change_an_entry(client_for, audited, admin_user):
    entry = AuditEntry.objects.first()
    client = client_for(admin_user)

    assert client.get(reverse("admin:communities_auditentry_changelist")).status_code == 200
    change = client.post(
        reverse("admin:communities_auditentry_change", args=[entry.pk]), {"reason": "Edited"}
    )
    delete = client.post(
        reverse("admin:communities_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    assert client.get(reverse("admin:communities_auditentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.reason != "Edited"
