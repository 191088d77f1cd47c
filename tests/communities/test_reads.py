"""A community's page reads the community and its organisers with hand-written SQL
(communities/reads.py): the same instances the ORM gives, and the same answers from
`community_for` and `community_page_for` for every kind of viewer."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from communities import reads, selectors
from communities.models import Community, Membership
from members.models import User
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _fields(instance) -> tuple:
    if instance is None:
        return None
    return tuple(getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields)


def _community_shape(community: Community) -> tuple:
    return (
        _fields(community),
        _fields(community.organisation),
        _fields(community.region),
        _fields(community.requested_by),
    )


@pytest.mark.parametrize("placed", [True, False])
def test_a_community_is_the_orms(placed, alice):
    extra = (
        {"organisation": OrganisationFactory(), "region": RegionFactory(), "requested_by": alice}
        if placed
        else {}
    )
    made = CommunityFactory(**extra)
    expected = Community.objects.select_related("organisation", "region", "requested_by").get(
        slug=made.slug
    )
    for found in (
        reads.community_by_slug(made.slug),
        reads.community_page(made.slug, member_id=alice.pk)[0],
    ):
        assert _community_shape(found) == _community_shape(expected)
        with CaptureQueriesContext(connection) as queries:
            names = [found.organisation.name, found.region.name] if placed else []
        assert len(queries) == 0
        assert all(names)


@pytest.mark.parametrize("slug", ["no-such-community", "", "x" * 500, "' OR 1=1 --"])
def test_an_unknown_address_finds_nothing(slug, community):
    assert reads.community_by_slug(slug) is None
    assert reads.community_page(slug, member_id=None) == (None, [])
    with pytest.raises(Http404):
        selectors.community_for(slug=slug, user=AnonymousUser())
    with pytest.raises(Http404):
        selectors.community_page_for(slug=slug, user=AnonymousUser())


@pytest.mark.parametrize("status", ["requested", "declined"])
def test_a_community_not_yet_active_is_shown_only_to_its_requester_and_admins(
    status, alice, bob, admin_user
):
    made = CommunityFactory(status=status, requested_by=alice)
    for viewer in (alice, admin_user):
        assert selectors.community_for(slug=made.slug, user=viewer).pk == made.pk
        assert selectors.community_page_for(slug=made.slug, user=viewer)[0].pk == made.pk
    for viewer in (bob, AnonymousUser(), None):
        with pytest.raises(Http404):
            selectors.community_for(slug=made.slug, user=viewer)
        with pytest.raises(Http404):
            selectors.community_page_for(slug=made.slug, user=viewer)


@pytest.fixture
def people(community, olivia, alice, bob, charlie):
    """Olivia organises `community`; Zed organises it too, Alice is a member, Bob asked
    to join, Charlie was banned, and Ann left."""
    MembershipFactory(
        community=community, member=UserFactory(display_name="Zed Zimmer"), role="organiser"
    )
    MembershipFactory(community=community, member=UserFactory(display_name="Al Aston"))
    MembershipFactory(community=community, member=alice)
    MembershipFactory(community=community, member=bob, status="pending")
    MembershipFactory(community=community, member=charlie, status="banned")
    MembershipFactory(
        community=community, member=UserFactory(display_name="Ann Away"), status="left"
    )
    MembershipFactory(community=CommunityFactory(), member=alice, role="organiser")
    return community


def _orm_membership_and_organisers(user, community):
    signed_in = user is not None and user.is_authenticated
    membership = (
        Membership.objects.filter(community=community, member=user).first() if signed_in else None
    )
    organisers = [
        m.member
        for m in Membership.objects.filter(community=community, role="organiser", status="active")
        .select_related("member")
        .order_by("member__display_name", "member_id")
    ]
    return membership, organisers


@pytest.mark.parametrize(
    "who", ["visitor", "olivia", "alice", "bob", "charlie", "admin_user", "stranger"]
)
def test_each_viewer_gets_their_membership_and_the_organisers(request, people, who):
    if who == "visitor":
        viewer = AnonymousUser()
    elif who == "stranger":
        viewer = UserFactory()
    else:
        viewer = request.getfixturevalue(who)
    expected_membership, expected_organisers = _orm_membership_and_organisers(viewer, people)
    community, membership, organisers = selectors.community_page_for(slug=people.slug, user=viewer)
    assert community == people
    assert _fields(membership) == _fields(expected_membership)
    assert [_fields(u) for u in organisers] == [_fields(u) for u in expected_organisers]
    assert [u.display_name for u in organisers] == ["Olivia Organiser", "Zed Zimmer"]
    if membership is not None:
        assert isinstance(membership.member, User)
        assert membership.member.pk == viewer.pk


def test_the_page_reads_them_in_one_statement(people, alice):
    with CaptureQueriesContext(connection) as queries:
        community, membership, organisers = selectors.community_page_for(
            slug=people.slug, user=alice
        )
        names = [organiser.name_for(alice) for organiser in organisers]
        membership.member.name_for(alice)
    assert len(queries) == 1
    assert community.pk == people.pk and len(names) == 2
