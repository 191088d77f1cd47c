"""Who may use every communities URL, on the web and in the API.

One row per (URL name, method): the status code each of six people gets. The last
tests fail when a URL is added to the communities namespace or to the communities
API routes without a row here, so no page or endpoint ships without its permissions
being decided and checked.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse

import communities.api_urls
import communities.urls
from communities import services
from communities.models import Community, Membership
from tests.factories import InvitationFactory, MembershipFactory, PledgeFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "non_member", "organiser", "other_organiser", "admin"]


@dataclass
class World:
    """Morecambe Bay Walkers (organised by Olivia; Alice and Pat are members, Bob has asked
    to join), Leeds Listeners (organised by Oscar), a community Bob asked for, one of Pat's
    pledges in Morecambe Bay Walkers, another only its members may see, one of Olivia's
    pledges there and an invitation link to it."""

    community: Community
    other_community: Community
    requested: Community
    people: dict
    pat: object
    bob_request: Membership
    pledge: object
    invitation: object
    members_pledge: object
    organiser_pledge: object


@pytest.fixture
def world(
    community, other_community, olivia, oscar, alice_in_community, alice, charlie, bob, admin_user
):
    pat = UserFactory(email="pat@example.nhs.uk", display_name="Pat Porter")
    MembershipFactory(community=community, member=pat)
    bob_request = MembershipFactory(community=community, member=bob, status="pending")
    requested = services.community_request(requester=bob, name="Sussex Kindness")
    return World(
        community=community,
        other_community=other_community,
        requested=requested,
        people={
            "anonymous": None,
            "member": alice,
            "non_member": charlie,
            "organiser": olivia,
            "other_organiser": oscar,
            "admin": admin_user,
        },
        pat=pat,
        bob_request=bob_request,
        pledge=PledgeFactory(author=pat, community=community),
        invitation=InvitationFactory(community=community, created_by=olivia),
        members_pledge=PledgeFactory(author=pat, community=community, visibility="community"),
        organiser_pledge=PledgeFactory(author=olivia, community=community),
    )


@dataclass(frozen=True)
class Row:
    name: str  # "communities:detail" or "api:community-list"
    method: str
    expected: tuple  # one status per role, in ROLES order
    args: object = None  # callable(world) -> list
    data: object = None  # callable(world) -> dict


def slug(w):
    return [w.community.slug]


def key_and_pledge(w):
    return ["pledges.pledge", w.pledge.pk]


def key_and_members_pledge(w):
    return ["pledges.pledge", w.members_pledge.pk]


def key_and_organiser_pledge(w):
    return ["pledges.pledge", w.organiser_pledge.pk]


def as_dict(row: Row) -> dict:
    return dict(zip(ROLES, row.expected, strict=True))


R = Row
#        anonymous, member, non-member, organiser, other organiser, admin
WEB = [
    R("communities:list", "get", (200, 200, 200, 200, 200, 200)),
    R("communities:create", "get", (302, 200, 200, 200, 200, 200)),
    R(
        "communities:create",
        "post",
        (302, 302, 302, 302, 302, 302),
        data=lambda w: {
            "name": "Calmer Wards",
            "description": "Quiet nights.",
            "joining_policy": "open",
        },
    ),
    R("communities:requested", "get", (302, 403, 403, 403, 403, 200)),
    R(
        "communities:decide_community",
        "get",
        (302, 403, 403, 403, 403, 200),
        args=lambda w: [w.requested.slug],
    ),
    R(
        "communities:decide_community",
        "post",
        (302, 403, 403, 403, 403, 302),
        args=lambda w: [w.requested.slug],
        data=lambda w: {"decision": "approve", "reason": ""},
    ),
    R("communities:moderation", "get", (302, 403, 403, 200, 200, 200)),
    R("communities:moderate", "get", (302, 403, 403, 200, 403, 200), args=key_and_pledge),
    R(
        "communities:moderate",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=key_and_pledge,
        data=lambda w: {"action": "hide", "hide-reason": "Names a patient."},
    ),
    # Nobody moderates their own content: Olivia's pledge goes to another organiser or an admin.
    R(
        "communities:moderate",
        "post",
        (302, 403, 403, 403, 403, 302),
        args=key_and_organiser_pledge,
        data=lambda w: {"action": "hide", "hide-reason": "Names a patient."},
    ),
    R("communities:audit", "get", (302, 403, 403, 200, 200, 200)),
    R("communities:flag", "get", (302, 200, 200, 200, 200, 200), args=key_and_pledge),
    R(
        "communities:flag",
        "post",
        (302, 302, 302, 302, 302, 302),
        args=key_and_pledge,
        data=lambda w: {"reason": "It names a patient."},
    ),
    # Content only a community's members see cannot be seen, or flagged, from outside it.
    R("communities:flag", "get", (302, 200, 404, 200, 404, 200), args=key_and_members_pledge),
    R(
        "communities:flag",
        "post",
        (302, 302, 404, 302, 404, 302),
        args=key_and_members_pledge,
        data=lambda w: {"reason": "It names a patient."},
    ),
    R(
        "communities:invitation",
        "get",
        (302, 200, 200, 200, 200, 200),
        args=lambda w: [w.invitation.token],
    ),
    R(
        "communities:invitation",
        "post",
        (302, 400, 302, 400, 302, 302),
        args=lambda w: [w.invitation.token],
    ),
    R("communities:detail", "get", (200, 200, 200, 200, 200, 200), args=slug),
    R("communities:join", "get", (302, 405, 405, 405, 405, 405), args=slug),
    R("communities:join", "post", (302, 302, 302, 302, 302, 302), args=slug),
    R("communities:request", "get", (302, 200, 200, 200, 200, 200), args=slug),
    R(
        "communities:request",
        "post",
        (302, 200, 200, 200, 200, 200),  # open community: the form explains to join instead
        args=slug,
        data=lambda w: {"message": "Hello"},
    ),
    R("communities:leave", "get", (302, 200, 302, 200, 302, 302), args=slug),
    R("communities:leave", "post", (302, 302, 302, 302, 302, 302), args=slug),
    R("communities:members", "get", (302, 200, 403, 200, 403, 200), args=slug),
    R(
        "communities:flag_member",
        "get",
        (302, 200, 403, 200, 403, 200),
        args=lambda w: [w.community.slug, w.pat.pk],
    ),
    R(
        "communities:flag_member",
        "post",
        (302, 302, 403, 302, 403, 403),  # admins act directly; they are not members
        args=lambda w: [w.community.slug, w.pat.pk],
        data=lambda w: {"reason": "Rude to a colleague."},
    ),
    R("communities:manage", "get", (302, 403, 403, 200, 403, 200), args=slug),
    R("communities:edit", "get", (302, 403, 403, 200, 403, 200), args=slug),
    R(
        "communities:edit",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=slug,
        data=lambda w: {
            "description": "New",
            "guidelines": "Kind",
            "joining_policy": "open",
            "premoderate_first_posts": "0",
        },
    ),
    R(
        "communities:decide_request",
        "get",
        (302, 403, 403, 200, 403, 200),
        args=lambda w: [w.community.slug, w.bob_request.pk],
    ),
    R(
        "communities:decide_request",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=lambda w: [w.community.slug, w.bob_request.pk],
        data=lambda w: {"decision": "approve", "reason": ""},
    ),
    R(
        "communities:manage_member",
        "get",
        (302, 403, 403, 200, 403, 200),
        args=lambda w: [w.community.slug, w.pat.pk],
    ),
    R(
        "communities:manage_member",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=lambda w: [w.community.slug, w.pat.pk],
        data=lambda w: {"action": "warn", "warn-reason": "Please be kinder."},
    ),
    R("communities:invitation_create", "get", (302, 405, 405, 405, 405, 405), args=slug),
    R(
        "communities:invitation_create",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=slug,
        data=lambda w: {"days_valid": "14", "note": "Ward 7"},
    ),
    R(
        "communities:invitation_revoke",
        "get",
        (302, 405, 405, 405, 405, 405),
        args=lambda w: [w.community.slug, w.invitation.pk],
    ),
    R(
        "communities:invitation_revoke",
        "post",
        (302, 403, 403, 302, 403, 302),
        args=lambda w: [w.community.slug, w.invitation.pk],
    ),
    R("communities:community_queue", "get", (302, 403, 403, 200, 403, 200), args=slug),
    R("communities:community_audit", "get", (302, 403, 403, 200, 403, 200), args=slug),
]

API = [
    R("api:community-list", "get", (200, 200, 200, 200, 200, 200)),
    R(
        "api:community-list",
        "post",
        (403, 201, 201, 201, 201, 201),
        data=lambda w: {"name": "Calmer Wards", "description": "Quiet nights."},
    ),
    R("api:community-detail", "get", (200, 200, 200, 200, 200, 200), args=slug),
    R(
        "api:community-detail",
        "patch",
        (403, 403, 403, 200, 403, 200),
        args=slug,
        data=lambda w: {"guidelines": "Be kind."},
    ),
    R(
        "api:community-decision",
        "post",
        (403, 403, 403, 403, 403, 200),
        args=lambda w: [w.requested.slug],
        data=lambda w: {"decision": "approve"},
    ),
    R("api:community-membership", "get", (403, 200, 404, 200, 404, 404), args=slug),
    R("api:community-membership", "post", (403, 400, 201, 400, 201, 201), args=slug),
    R("api:community-membership", "delete", (403, 200, 400, 400, 400, 400), args=slug),
    R("api:community-members", "get", (403, 200, 403, 200, 403, 200), args=slug),
    R(
        "api:community-member-action",
        "post",
        (403, 403, 403, 200, 403, 200),
        args=lambda w: [w.community.slug, w.pat.pk],
        data=lambda w: {"action": "warn", "reason": "Please be kinder."},
    ),
    R("api:community-invitations", "get", (403, 403, 403, 200, 403, 200), args=slug),
    R(
        "api:community-invitations",
        "post",
        (403, 403, 403, 201, 403, 201),
        args=slug,
        data=lambda w: {"days_valid": 7},
    ),
    R(
        "api:community-invitation-revoke",
        "post",
        (403, 403, 403, 200, 403, 200),
        args=lambda w: [w.community.slug, w.invitation.pk],
    ),
    R(
        "api:invitation-accept",
        "post",
        (403, 400, 201, 400, 201, 201),
        args=lambda w: [w.invitation.token],
    ),
    R("api:flags", "get", (403, 200, 200, 200, 200, 200)),
    R(
        "api:flags",
        "post",
        (403, 201, 201, 201, 201, 201),
        data=lambda w: {
            "target_type": "pledges.pledge",
            "target_id": w.pledge.pk,
            "reason": "It names a patient.",
        },
    ),
    R(
        "api:flags",
        "post",
        (403, 201, 400, 201, 400, 201),
        data=lambda w: {
            "target_type": "pledges.pledge",
            "target_id": w.members_pledge.pk,
            "reason": "It names a patient.",
        },
    ),
    R("api:moderation-queue", "get", (403, 403, 403, 200, 200, 200)),
    R(
        "api:moderation-action",
        "post",
        (403, 403, 403, 200, 403, 200),
        data=lambda w: {
            "target_type": "pledges.pledge",
            "target_id": w.pledge.pk,
            "action": "hide",
            "reason": "Names a patient.",
        },
    ),
    R(
        "api:moderation-action",
        "post",
        (403, 403, 403, 403, 403, 200),
        data=lambda w: {
            "target_type": "pledges.pledge",
            "target_id": w.organiser_pledge.pk,
            "action": "hide",
            "reason": "Names a patient.",
        },
    ),
    R("api:audit-log", "get", (403, 403, 403, 200, 200, 200)),
]


def _cases(rows):
    return [
        pytest.param(row, role, id=f"{row.name}-{row.method}-{role}")
        for row in rows
        for role in ROLES
    ]


@pytest.mark.parametrize(("row", "role"), _cases(WEB))
def test_web_permissions(row, role, world, client):
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    url = reverse(row.name, args=row.args(world) if row.args else None)
    data = row.data(world) if row.data else {}

    response = getattr(client, row.method)(url, data)

    assert response.status_code == as_dict(row)[role], response.content.decode()[:2000]
    if response.status_code == 302 and person is None:
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("row", "role"), _cases(API))
def test_api_permissions(row, role, world, api_client):
    person = world.people[role]
    if person is not None:
        api_client.force_authenticate(person)
    url = reverse(row.name, args=row.args(world) if row.args else None)
    data = row.data(world) if row.data else {}

    response = getattr(api_client, row.method)(url, data, format="json")

    assert response.status_code == as_dict(row)[role], response.content.decode()[:2000]


# --- Every URL has rows ---------------------------------------------------------------------


def _names(patterns, prefix):
    return {f"{prefix}:{p.name}": p for p in patterns if isinstance(p, URLPattern)}


def test_every_communities_page_has_rows_in_the_matrix():
    covered = {row.name for row in WEB}
    missing = sorted(set(_names(communities.urls.urlpatterns, "communities")) - covered)

    assert not missing, f"Add rows to WEB in {__file__} for: {missing}"


def test_every_communities_api_route_and_method_has_rows_in_the_matrix():
    covered = {(row.name, row.method) for row in API}
    missing = []
    for name, pattern in _names(communities.api_urls.urlpatterns, "api").items():
        view = pattern.callback.view_class
        methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        if "put" in methods and "patch" in methods and (name, "put") not in covered:
            methods.discard("put")  # update views offer both; PATCH stands for them
        missing += [(name, m) for m in sorted(methods) if (name, m) not in covered]

    assert not missing, f"Add rows to API in {__file__} for: {missing}"


def test_every_row_names_a_real_route():
    web = set(_names(communities.urls.urlpatterns, "communities"))
    api = set(_names(communities.api_urls.urlpatterns, "api"))

    assert {row.name for row in WEB} <= web
    assert {row.name for row in API} <= api
