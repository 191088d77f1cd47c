"""Community, membership, invitation, flag and moderation services: rules, audit, notices."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import permissions, selectors, services
from communities.models import AppendOnlyError, AuditEntry, Community, Flag, Membership
from communities.moderation import moderated_types
from notifications.models import Kind, Notification
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def entries(action=None):
    found = AuditEntry.objects.all()
    return found.filter(action=action) if action else found


# --- Communities --------------------------------------------------------------------------------


def test_an_admin_creates_a_community_run_by_the_organiser_they_name(admin_user, olivia):
    community = services.community_create(
        actor=admin_user,
        name="  Ward 7   Improvement Collective ",
        description="Handovers and mealtimes.",
        joining_policy=Community.JoiningPolicy.INVITATION,
        organiser=olivia,
    )

    assert community.name == "Ward 7 Improvement Collective"
    assert community.slug == "ward-7-improvement-collective"
    assert community.status == Community.Status.ACTIVE
    assert selectors.is_organiser(olivia, community)
    assert not selectors.is_member(admin_user, community)
    assert Community.objects.get(pk=community.pk).member_count == 1
    assert entries(Action.COMMUNITY_CREATED).get().actor == admin_user


def test_only_admins_create_communities_directly(alice):
    with pytest.raises(PermissionDenied):
        services.community_create(actor=alice, name="Alice's community")

    assert not Community.objects.exists()


def test_a_community_name_is_unique_whatever_its_case(admin_user, community):
    with pytest.raises(ValidationError) as error:
        services.community_create(actor=admin_user, name="morecambe bay WALKERS")

    assert "already exists" in str(error.value.message_dict["name"])
    assert Community.objects.count() == 1


def test_a_slug_never_shadows_the_communities_own_pages(admin_user):
    community = services.community_create(actor=admin_user, name="Moderation")

    assert community.slug == "moderation-2"


def test_a_member_asks_for_a_community_and_an_admin_approves_it(alice, admin_user):
    community = services.community_request(
        requester=alice, name="Sussex Kindness", description="Calmer wards."
    )
    assert community.status == Community.Status.REQUESTED
    assert community not in selectors.communities_list()

    services.community_decide(community=community, actor=admin_user, approve=True)

    community.refresh_from_db()
    assert community.status == Community.Status.ACTIVE
    assert selectors.is_organiser(alice, community)
    assert entries(Action.COMMUNITY_APPROVED).count() == 1
    notice = Notification.objects.get(recipient=alice, kind=Kind.MEMBERSHIP_DECIDED)
    assert "you are its organiser" in notice.title


def test_declining_a_community_needs_a_reason_that_the_member_is_told(alice, admin_user):
    community = services.community_request(requester=alice, name="Sussex Kindness")

    with pytest.raises(ValidationError):
        services.community_decide(community=community, actor=admin_user, approve=False)
    community.refresh_from_db()
    assert community.status == Community.Status.REQUESTED

    services.community_decide(
        community=community, actor=admin_user, approve=False, reason="Join the Sussex one."
    )
    community.refresh_from_db()
    assert community.status == Community.Status.DECLINED
    assert Notification.objects.get(recipient=alice).body == "Join the Sussex one."
    with pytest.raises(ValidationError):
        services.community_decide(community=community, actor=admin_user, approve=True)


def test_organisers_change_settings_and_the_change_is_audited(community, olivia, alice):
    services.community_update(
        community=community,
        actor=olivia,
        joining_policy=Community.JoiningPolicy.APPROVAL,
        premoderate_first_posts=3,
    )
    services.community_update(community=community, actor=olivia, premoderate_first_posts=3)

    community.refresh_from_db()
    assert community.joining_policy == "approval"
    entry = entries(Action.SETTINGS_CHANGED).get()
    assert entry.details["premoderate_first_posts"] == {"from": 0, "to": 3}
    with pytest.raises(PermissionDenied):
        services.community_update(community=community, actor=alice, guidelines="Anything goes")


# --- Joining and leaving ------------------------------------------------------------------------


def test_a_member_joins_an_open_community(community, alice):
    membership = services.membership_join(community=community, member=alice)

    assert membership.is_active
    community.refresh_from_db()
    assert community.member_count == 2
    assert permissions.can_post_in(alice, community)


def test_joining_twice_says_so_and_changes_nothing(community, alice_in_community, alice):
    joined_at = alice_in_community.joined_at

    with pytest.raises(ValidationError, match="already a member of Morecambe Bay Walkers"):
        services.membership_join(community=community, member=alice)

    alice_in_community.refresh_from_db()
    assert alice_in_community.joined_at == joined_at
    assert Membership.objects.filter(member=alice).count() == 1


def test_an_approval_community_takes_requests_and_tells_each_organiser(community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    second = MembershipFactory(community=community, role="organiser").member

    with pytest.raises(ValidationError, match="ask to join instead"):
        services.membership_join(community=community, member=bob)
    membership = services.membership_request(
        community=community, member=bob, message="Physio on the stroke unit."
    )

    assert membership.status == Membership.Status.PENDING
    assert not permissions.can_post_in(bob, community)
    told = Notification.objects.filter(kind=Kind.MEMBERSHIP_REQUEST)
    assert {n.recipient for n in told} == {olivia, second}
    with pytest.raises(ValidationError, match="already asked to join"):
        services.membership_request(community=community, member=bob)


def test_an_organiser_approves_a_request_and_the_requester_is_told(community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    membership = services.membership_request(community=community, member=bob)

    services.membership_decide(membership=membership, actor=olivia, approve=True)
    services.membership_decide(membership=membership, actor=olivia, approve=True)

    assert selectors.is_member(bob, community)
    assert entries(Action.REQUEST_APPROVED).count() == 1
    notice = Notification.objects.get(recipient=bob, kind=Kind.MEMBERSHIP_DECIDED)
    assert "approved" in notice.title


def test_a_declined_requester_is_told_and_waits_before_asking_again(community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    membership = services.membership_request(community=community, member=bob)

    services.membership_decide(
        membership=membership, actor=olivia, approve=False, reason="Leeds staff only."
    )

    assert Notification.objects.get(recipient=bob).body == "Leeds staff only."
    with pytest.raises(ValidationError, match="declined your request"):
        services.membership_request(community=community, member=bob)
    Membership.objects.filter(pk=membership.pk).update(
        decided_at=timezone.now() - timedelta(days=31)
    )
    assert services.membership_request(community=community, member=bob).status == "pending"


def test_only_organisers_of_the_community_decide_requests(community, other_community, oscar, bob):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    membership = services.membership_request(community=community, member=bob)

    with pytest.raises(PermissionDenied, match="You do not organise Morecambe Bay Walkers"):
        services.membership_decide(membership=membership, actor=oscar, approve=True)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert not entries().exists()


def test_an_invitation_only_community_refuses_joins_without_a_link(community, bob):
    community.joining_policy = Community.JoiningPolicy.INVITATION
    community.save()

    with pytest.raises(ValidationError, match="by invitation only"):
        services.membership_join(community=community, member=bob)
    with pytest.raises(ValidationError, match="by invitation only"):
        services.membership_request(community=community, member=bob)
    assert not Membership.objects.filter(member=bob).exists()


def test_a_member_leaves_and_the_count_follows(community, alice_in_community, alice):
    services.membership_leave(community=community, member=alice)

    community.refresh_from_db()
    assert community.member_count == 1
    assert not permissions.can_post_in(alice, community)
    assert not entries().exists()  # leaving is not a moderation or role change


def test_the_last_organiser_cannot_leave(community, olivia):
    with pytest.raises(ValidationError, match="only organiser"):
        services.membership_leave(community=community, member=olivia)

    assert selectors.is_organiser(olivia, community)


def test_an_organiser_leaving_is_on_the_record(community, olivia, oscar):
    MembershipFactory(community=community, member=oscar, role="organiser")

    services.membership_leave(community=community, member=olivia)

    assert entries(Action.ORGANISER_LEFT).get().actor == olivia


# --- Invitations --------------------------------------------------------------------------------


def test_joining_through_an_invitation_records_who_invited(community, olivia, bob):
    community.joining_policy = Community.JoiningPolicy.INVITATION
    community.save()
    invitation = services.invitation_create(community=community, actor=olivia, note="Ward 7")

    membership = services.invitation_accept(token=invitation.token, member=bob)

    assert membership.is_active
    assert membership.invited_by == olivia
    assert membership.invitation == invitation
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert entries(Action.INVITATION_CREATED).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"revoked_at": timezone.now()}, "This invitation has been withdrawn"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "This invitation expired on"),
    ],
)
def test_a_revoked_or_expired_invitation_is_refused_clearly(community, bob, change, message):
    invitation = InvitationFactory(community=community, **change)

    with pytest.raises(ValidationError, match=message):
        services.invitation_accept(token=invitation.token, member=bob)

    assert not Membership.objects.filter(member=bob).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_an_unknown_invitation_token_is_refused(bob):
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(token="no-such-token", member=bob)


def test_revoking_an_invitation_is_audited_once(community, olivia, bob):
    invitation = services.invitation_create(community=community, actor=olivia)

    services.invitation_revoke(invitation=invitation, actor=olivia)
    services.invitation_revoke(invitation=invitation, actor=olivia)

    assert entries(Action.INVITATION_REVOKED).count() == 1
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(token=invitation.token, member=bob)


def test_invitation_length_is_bounded(community, olivia):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(community=community, actor=olivia, days_valid=365)

    assert "days_valid" in error.value.message_dict


# --- Organisers ---------------------------------------------------------------------------------


def test_an_organiser_appoints_and_removes_another(community, olivia, alice_in_community, alice):
    services.organiser_appoint(community=community, member=alice, actor=olivia)
    services.organiser_appoint(community=community, member=alice, actor=olivia)
    assert selectors.is_organiser(alice, community)

    services.organiser_remove(community=community, member=alice, actor=olivia, reason="Rotation")

    assert selectors.is_member(alice, community)
    assert not selectors.is_organiser(alice, community)
    assert entries(Action.ORGANISER_APPOINTED).count() == 1
    assert entries(Action.ORGANISER_REMOVED).get().reason == "Rotation"


def test_only_members_can_be_appointed(community, olivia, charlie):
    with pytest.raises(ValidationError, match="Only members can be organisers"):
        services.organiser_appoint(community=community, member=charlie, actor=olivia)


def test_removing_the_last_organiser_is_refused(community, olivia, admin_user):
    with pytest.raises(ValidationError, match="must keep at least one organiser"):
        services.organiser_remove(community=community, member=olivia, actor=olivia)
    with pytest.raises(ValidationError, match="must keep at least one organiser"):
        services.member_remove(community=community, member=olivia, actor=admin_user, reason="x")
    with pytest.raises(ValidationError, match="must keep at least one organiser"):
        services.member_ban(
            community=community, member=olivia, actor=admin_user, reason="x", until=None
        )

    assert selectors.is_organiser(olivia, community)
    assert not entries().exists()


# --- Removing and banning -----------------------------------------------------------------------


def test_removing_a_member_tells_them_why(community, olivia, alice_in_community, alice):
    services.member_remove(community=community, member=alice, actor=olivia, reason="Spam links")

    alice_in_community.refresh_from_db()
    assert alice_in_community.status == Membership.Status.REMOVED
    assert not permissions.can_post_in(alice, community)
    assert Notification.objects.get(recipient=alice).body == "Spam links"
    assert entries(Action.MEMBER_REMOVED).count() == 1
    # Removal is not a ban: she may come back to an open community.
    assert services.membership_join(community=community, member=alice).is_active


def test_moderation_actions_need_a_reason(community, olivia, alice_in_community, alice):
    with pytest.raises(ValidationError) as error:
        services.member_remove(community=community, member=alice, actor=olivia, reason="  ")

    assert "reason" in error.value.message_dict
    assert selectors.is_member(alice, community)


def test_a_banned_member_cannot_post_sign_or_rejoin_until_the_ban_ends(
    community, olivia, alice_in_community, alice
):
    until = timezone.now() + timedelta(days=7)
    services.member_ban(
        community=community, member=alice, actor=olivia, reason="Abuse", until=until
    )

    alice = type(alice).objects.get(pk=alice.pk)  # a fresh request's user
    assert selectors.is_banned(alice, community)
    assert not permissions.can_post_in(alice, community)
    with pytest.raises(ValidationError, match="banned from Morecambe Bay Walkers until"):
        services.membership_join(community=community, member=alice)
    assert "until" in Notification.objects.get(recipient=alice).title
    assert entries(Action.MEMBER_BANNED).get().details["until"] == until.isoformat()

    Membership.objects.filter(pk=alice_in_community.pk).update(
        banned_until=timezone.now() - timedelta(seconds=1)
    )
    assert not selectors.is_banned(alice, community)
    assert services.membership_join(community=community, member=alice).is_active


def test_an_indefinite_ban_lasts_until_lifted(community, olivia, alice_in_community, alice):
    services.member_ban(community=community, member=alice, actor=olivia, reason="x", until=None)
    with pytest.raises(ValidationError, match="You have been banned"):
        services.membership_join(community=community, member=alice)

    services.member_unban(community=community, member=alice, actor=olivia, reason="Apologised")

    assert entries(Action.MEMBER_UNBANNED).get().reason == "Apologised"
    assert services.membership_join(community=community, member=alice).is_active


def test_ban_length_is_checked():
    with pytest.raises(ValidationError):
        services.ban_until_from_days(0)
    assert services.ban_until_from_days(None) is None
    assert services.ban_until_from_days(7) > timezone.now() + timedelta(days=6)


def test_organisers_cannot_act_on_members_of_other_communities(
    community, alice_in_community, alice, oscar, other_community
):
    with pytest.raises(PermissionDenied, match="You do not organise Morecambe Bay Walkers"):
        services.member_ban(community=community, member=alice, actor=oscar, reason="x", until=None)
    with pytest.raises(PermissionDenied):
        services.author_warn(target=alice, community=community, actor=oscar, reason="x")

    assert selectors.is_member(alice, community)
    assert not entries().exists()
    assert not Notification.objects.filter(recipient=alice).exists()


def test_an_organiser_cannot_remove_or_ban_themselves(community, olivia):
    with pytest.raises(ValidationError, match="cannot remove yourself"):
        services.member_remove(community=community, member=olivia, actor=olivia, reason="x")
    with pytest.raises(ValidationError, match="cannot ban yourself"):
        services.member_ban(
            community=community, member=olivia, actor=olivia, reason="x", until=None
        )


# --- Flags --------------------------------------------------------------------------------------


def test_a_member_flags_another_member(community, alice_in_community, alice, bob):
    MembershipFactory(community=community, member=bob)

    flag = services.flag_create(reporter=alice, target=bob, community=community, reason="Rude")

    assert flag.status == Flag.Status.OPEN
    assert flag.community == community
    assert flag.target == bob


def test_flagging_twice_is_refused_until_the_first_is_resolved(
    community, olivia, alice_in_community, alice, bob
):
    MembershipFactory(community=community, member=bob)
    services.flag_create(reporter=alice, target=bob, community=community, reason="Rude")

    with pytest.raises(ValidationError, match="already flagged this member"):
        services.flag_create(reporter=alice, target=bob, community=community, reason="Again")
    assert Flag.objects.count() == 1

    services.flags_dismiss(target=bob, community=community, actor=olivia, reason="Banter")
    services.flag_create(reporter=alice, target=bob, community=community, reason="Rude again")
    assert Flag.objects.filter(status=Flag.Status.OPEN).count() == 1


def test_members_cannot_flag_themselves(community, alice_in_community, alice):
    with pytest.raises(ValidationError, match="cannot flag yourself"):
        services.flag_create(reporter=alice, target=alice, community=community, reason="x")


def test_only_members_flag_members_and_only_members_are_flagged(
    community, alice_in_community, alice, charlie
):
    with pytest.raises(PermissionDenied):
        services.flag_create(reporter=charlie, target=alice, community=community, reason="x")
    with pytest.raises(ValidationError, match="not a member of"):
        services.flag_create(reporter=alice, target=charlie, community=community, reason="x")
    assert not Flag.objects.exists()


def test_flagging_needs_a_reason(community, alice_in_community, alice, olivia):
    with pytest.raises(ValidationError) as error:
        services.flag_create(reporter=alice, target=olivia, community=community, reason="")

    assert "reason" in error.value.message_dict


# --- One audit entry per moderation action ------------------------------------------------------


def _banned(community, member, actor):
    services.member_ban(community=community, member=member, actor=actor, reason="x", until=None)


def _flagged(community, member, actor=None):
    reporter = MembershipFactory(community=community).member
    services.flag_create(reporter=reporter, target=member, community=community, reason="Rude")


MEMBER_ACTIONS = {
    # name: (arrange(community, member, actor), act(community, member, actor), expected action)
    "appoint": (
        None,
        lambda c, m, a: services.organiser_appoint(community=c, member=m, actor=a),
        Action.ORGANISER_APPOINTED,
    ),
    "demote": (
        lambda c, m, a: services.organiser_appoint(community=c, member=m, actor=a),
        lambda c, m, a: services.organiser_remove(community=c, member=m, actor=a, reason="r"),
        Action.ORGANISER_REMOVED,
    ),
    "remove": (
        _flagged,
        lambda c, m, a: services.member_remove(community=c, member=m, actor=a, reason="r"),
        Action.MEMBER_REMOVED,
    ),
    "ban": (
        _flagged,
        lambda c, m, a: services.member_ban(
            community=c, member=m, actor=a, reason="r", until=timezone.now() + timedelta(days=3)
        ),
        Action.MEMBER_BANNED,
    ),
    "unban": (
        _banned,
        lambda c, m, a: services.member_unban(community=c, member=m, actor=a, reason="r"),
        Action.MEMBER_UNBANNED,
    ),
    "warn": (
        _flagged,
        lambda c, m, a: services.author_warn(target=m, community=c, actor=a, reason="r"),
        Action.AUTHOR_WARNED,
    ),
    "dismiss": (
        _flagged,
        lambda c, m, a: services.flags_dismiss(target=m, community=c, actor=a, reason="r"),
        Action.FLAGS_DISMISSED,
    ),
}


@pytest.mark.parametrize("name", list(MEMBER_ACTIONS))
def test_each_member_action_writes_exactly_one_audit_entry(
    name, community, olivia, alice_in_community, alice
):
    arrange, act, expected = MEMBER_ACTIONS[name]
    if arrange:
        arrange(community, alice, olivia)
    before = AuditEntry.objects.count()

    act(community, alice, olivia)

    new = AuditEntry.objects.order_by("-id")[: AuditEntry.objects.count() - before]
    assert [e.action for e in new] == [expected]
    entry = new[0]
    assert entry.actor == olivia
    assert entry.community == community
    assert entry.target == alice
    assert entry.target_label == "Member: Alice Ahmed"
    if name in ("remove", "ban", "warn", "dismiss"):
        assert not Flag.objects.filter(status=Flag.Status.OPEN).exists()


@pytest.mark.parametrize("approve", [True, False])
def test_each_request_decision_writes_exactly_one_audit_entry(community, olivia, bob, approve):
    community.joining_policy = Community.JoiningPolicy.APPROVAL
    community.save()
    membership = services.membership_request(community=community, member=bob)

    services.membership_decide(membership=membership, actor=olivia, approve=approve, reason="r")

    assert AuditEntry.objects.count() == 1


def test_dismissing_when_nothing_is_open_writes_nothing(
    community, olivia, alice_in_community, alice
):
    assert services.flags_dismiss(target=alice, community=community, actor=olivia, reason="r") == 0
    assert not entries().exists()


# --- The audit log is append-only ---------------------------------------------------------------


def test_an_audit_entry_cannot_be_changed_or_deleted(community, olivia, alice_in_community, alice):
    services.author_warn(target=alice, community=community, actor=olivia, reason="Be kind")
    entry = AuditEntry.objects.get()

    entry.reason = "Nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()

    entry.refresh_from_db()
    assert entry.reason == "Be kind"


def test_audit_entries_are_read_by_organisers_of_their_community_and_admins(
    community, other_community, olivia, oscar, admin_user, alice_in_community, alice
):
    services.author_warn(target=alice, community=community, actor=olivia, reason="Be kind")

    assert selectors.audit_entries_for(olivia).count() == 1
    assert selectors.audit_entries_for(oscar).count() == 0
    assert selectors.audit_entries_for(oscar, community=community).count() == 0
    assert selectors.audit_entries_for(admin_user).count() == 1
    assert selectors.audit_entries_for(alice).count() == 0


# --- The moderation queue and its count ---------------------------------------------------------


def test_the_queue_groups_flags_by_what_they_flag(community, olivia, alice_in_community, alice):
    for _ in range(2):
        _flagged(community, alice)

    queue = selectors.moderation_queue(olivia)

    assert len(queue) == 1
    assert queue[0].is_member and len(queue[0].flags) == 2
    assert selectors.moderation_count(olivia) == 1


def test_organisers_only_see_their_own_communities_in_the_queue(
    community, other_community, oscar, olivia, admin_user, alice_in_community, alice
):
    _flagged(community, alice)

    assert selectors.moderation_queue(oscar) == []
    assert selectors.moderation_count(oscar) == 0
    assert selectors.moderation_queue(oscar, community=community) == []
    assert selectors.moderation_count(admin_user) == 1


def test_the_count_costs_no_query_for_members_who_organise_nothing(
    alice, django_assert_num_queries
):
    selectors.organised_community_ids(alice)  # already cached by the request, as in views

    with django_assert_num_queries(0):
        assert selectors.moderation_count(alice) == 0


def test_the_count_costs_one_query_for_an_organiser(
    community, olivia, alice_in_community, alice, django_assert_num_queries
):
    _flagged(community, alice)
    selectors.organised_community_ids(olivia)
    for mtype in moderated_types():
        ContentType.objects.get_for_model(mtype.model)  # cached per process, as in production

    with django_assert_num_queries(1):
        assert selectors.moderation_count(olivia) == 1


def test_pre_moderation_applies_to_newcomers_until_enough_posts_are_approved(community, alice):
    from communities.moderation import ModerationStatus, initial_status_for

    MembershipFactory(community=community, member=alice)
    community.premoderate_first_posts = 1
    community.save()

    assert initial_status_for(author=alice, community=community) == ModerationStatus.PENDING
    Membership.objects.filter(member=alice).update(posts_approved=1)
    assert initial_status_for(author=alice, community=community) == ModerationStatus.PUBLISHED


def test_member_count_follows_every_change(community, olivia):
    members = [UserFactory() for _ in range(3)]
    for member in members:
        services.membership_join(community=community, member=member)
    services.member_remove(community=community, member=members[0], actor=olivia, reason="x")
    services.member_ban(
        community=community, member=members[1], actor=olivia, reason="x", until=None
    )

    community.refresh_from_db()
    assert community.member_count == 2  # Olivia and members[2]


def test_erasing_a_member_keeps_the_record_without_their_name(
    community, olivia, oscar, alice_in_community, alice
):
    MembershipFactory(community=community, member=oscar, role="organiser")
    services.author_warn(target=alice, community=community, actor=olivia, reason="Be kind")

    olivia.delete()

    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.reason == "Be kind"
