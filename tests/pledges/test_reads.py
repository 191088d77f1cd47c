"""A community's newest pledges read with hand-written SQL (pledges/reads.py) are the
ones `pledges_visible_to` lets each viewer see, in the same order, with the same fields,
author, organisation, theme, campaign and community."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import User
from pledges import reads, selectors
from pledges.cards import pledge_card
from pledges.models import Pledge
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    OrganisationFactory,
    PledgeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer():
    """The author of most of the pledges: not a member of the community."""
    return UserFactory(display_name="Wyn Writer", organisation=OrganisationFactory())


@pytest.fixture
def pledges(community, writer):
    """The writer's pledges in `community` (organised by Alice, Bob a member) in every
    state the rule tells apart, and one elsewhere."""
    start = timezone.now() - datetime.timedelta(days=30)
    kinds = [
        {},
        {"visibility": "community"},
        {"moderation_status": "pending"},
        {"moderation_status": "hidden", "visibility": "community"},
        {"status": "withdrawn"},
        {"campaign": CampaignFactory()},
        {"author": UserFactory(organisation=None)},
        {"status": "completed"},
    ]
    made = []
    for day, kind in enumerate(kinds * 2):
        made.append(
            PledgeFactory(
                **({"author": writer} | kind),
                community=community,
                created_at=start + datetime.timedelta(days=day // 2),
            )
        )
    PledgeFactory(community=CommunityFactory())
    return made


def _shape(pledge: Pledge) -> tuple:
    return (
        tuple(getattr(pledge, f.attname) for f in Pledge._meta.concrete_fields),
        tuple(getattr(pledge.author, f.attname) for f in User._meta.concrete_fields),
        pledge.author.organisation.name if pledge.author.organisation_id else None,
        pledge.theme.name,
        pledge.campaign.name if pledge.campaign_id else None,
        pledge.community.pk if pledge.community_id else None,
    )


@pytest.mark.parametrize("who", ["visitor", "alice", "bob", "charlie", "writer", "admin_user"])
@pytest.mark.parametrize("limit", [3, 10, 20])
def test_each_viewer_gets_what_the_visibility_rule_lets_them_see(
    request, pledges, community, who, limit
):
    viewer = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    expected = list(
        selectors.pledges_visible_to(viewer)
        .filter(community=community)
        .exclude(status=Pledge.Status.WITHDRAWN)
        .select_related("author", "author__organisation", "theme", "campaign", "community")
        .order_by("-created_at", "-id")[:limit]
    )
    found = reads.community_pledges(community=community, viewer=viewer, limit=limit)

    assert [_shape(pledge) for pledge in found] == [_shape(pledge) for pledge in expected]
    assert found, "every viewer sees some of the community's pledges"


def test_the_selector_reads_them_so(pledges, community, alice):
    found = selectors.community_pledges(community=community, viewer=alice, limit=10)

    assert [p.pk for p in found] == [
        p.pk for p in reads.community_pledges(community=community, viewer=alice, limit=10)
    ]


def test_the_cards_need_no_further_query(pledges, community, alice):
    reads.community_pledges(community=community, viewer=alice, limit=10)  # keeps the themes
    with CaptureQueriesContext(connection) as captured:
        found = reads.community_pledges(community=community, viewer=alice, limit=10)
        for pledge in found:
            pledge_card(pledge, alice)

    assert len(captured.captured_queries) == 1


# --- A pledge's page ---------------------------------------------------------------------


@pytest.fixture
def busy_pledge(community, writer, alice, bob, charlie):
    """A pledge in `community` (organised by Alice) with signers, check-ins and thanks
    in every moderation state, some of them Charlie's own."""
    from pledges.models import CheckIn, Signature, Thanks

    pledge = PledgeFactory(author=writer, community=community, campaign=CampaignFactory())
    signatures = [Signature.objects.get(pledge=pledge, member=writer)]
    for member in (bob, charlie, UserFactory(organisation=None)):
        signatures.append(Signature.objects.create(pledge=pledge, member=member))
    check_ins = [
        CheckIn.objects.create(pledge=pledge, author=author, note=f"note {n}", **state)
        for n, (author, state) in enumerate(
            [
                (writer, {}),
                (bob, {}),
                (charlie, {"moderation_status": "pending"}),
                (bob, {"moderation_status": "hidden"}),
            ]
        )
    ]
    Thanks.objects.create(
        giver=bob, recipient=writer, pledge=pledge, check_in=check_ins[0], note="Brilliant"
    )
    Thanks.objects.create(giver=charlie, recipient=writer, pledge=pledge, check_in=check_ins[0])
    Thanks.objects.create(
        giver=charlie,
        recipient=bob,
        pledge=pledge,
        check_in=check_ins[1],
        note="Waiting",
        moderation_status="pending",
    )
    Thanks.objects.create(
        giver=writer,
        recipient=bob,
        pledge=pledge,
        commitment=signatures[1],
        note="Hidden note",
        moderation_status="hidden",
    )
    return pledge


def _fields(item) -> tuple:
    return tuple(getattr(item, f.attname) for f in type(item)._meta.concrete_fields)


@pytest.mark.parametrize("who", ["visitor", "alice", "bob", "charlie", "writer", "admin_user"])
def test_a_pledges_page_lists_what_each_selector_gives(request, busy_pledge, who):
    viewer = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    lists = selectors.pledge_page_lists(pledge=busy_pledge, user=viewer)

    assert [(_fields(s), _fields(s.member)) for s in lists.signatures] == [
        (_fields(s), _fields(s.member)) for s in selectors.pledge_signatures(pledge=busy_pledge)
    ]
    expected_check_ins = selectors.check_ins_visible_to(user=viewer, pledge=busy_pledge)[
        : selectors.CHECK_INS_SHOWN
    ]
    assert [(_fields(c), _fields(c.author)) for c in lists.check_ins] == [
        (_fields(c), _fields(c.author)) for c in expected_check_ins
    ]
    expected_notes = selectors.thanks_notes_visible_to(user=viewer, pledge=busy_pledge)
    assert [(_fields(t), _fields(t.giver)) for t in lists.thanks_notes] == [
        (_fields(t), _fields(t.giver)) for t in expected_notes
    ]
    assert lists.thanks == selectors.thanks_on(pledge=busy_pledge, user=viewer)
    assert len(lists.signatures) == 4 and lists.check_ins and lists.thanks.check_in_counts


def test_the_page_lists_hold_to_their_limits(busy_pledge, alice, monkeypatch):
    monkeypatch.setattr(selectors, "SIGNERS_SHOWN", 2)
    monkeypatch.setattr(selectors, "CHECK_INS_SHOWN", 3)

    lists = selectors.pledge_page_lists(pledge=busy_pledge, user=alice)

    assert [s.member_id for s in lists.signatures] == [
        s.member_id for s in selectors.pledge_signatures(pledge=busy_pledge, limit=2)
    ]
    assert len(lists.check_ins) == 3


def test_a_pledges_page_reads_its_lists_in_four_statements(busy_pledge, bob):
    selectors.pledge_page_lists(pledge=busy_pledge, user=bob)  # bob's communities, kept
    with CaptureQueriesContext(connection) as captured:
        lists = selectors.pledge_page_lists(pledge=busy_pledge, user=bob)
        names = [c.author.name_for(bob) for c in lists.check_ins]
        names += [t.giver.name_for(bob) for t in lists.thanks_notes]
        names += [s.member.name_for(bob) for s in lists.signatures]
        pledges = {id(item.pledge) for item in (*lists.check_ins, *lists.signatures)}

    assert len(captured.captured_queries) == 4
    assert names and pledges == {id(busy_pledge)}
    # Only a member's name's fields are read: a password or an email is left out.
    people = [
        *(s.member for s in lists.signatures),
        *(c.author for c in lists.check_ins),
        *(t.giver for t in lists.thanks_notes),
    ]
    for person in people:
        assert {"password", "email", "bio"} <= person.get_deferred_fields()


# --- A page of the wall ---------------------------------------------------------------


def _orm_rows(ids, ordering) -> list[Pledge]:
    return list(
        Pledge.objects.select_related(*selectors.WALL_SELECT_RELATED)
        .with_theme_and_campaign()
        .order_by(*ordering)
        .filter(pk__in=ids)
    )


@pytest.fixture
def wall_pledges(pledges):
    """The community's pledges, and one with no community whose author has no
    organisation."""
    return [*pledges, PledgeFactory(community=None, author=UserFactory(organisation=None))]


@pytest.mark.parametrize("sort", list(selectors.Sort.ORDERS))
@pytest.mark.parametrize("as_list", [True, False])
def test_a_wall_pages_rows_are_the_orms(wall_pledges, sort, as_list):
    ordering = selectors.Sort.ORDERS[sort]
    chosen = Pledge.objects.order_by(*ordering).values("id")[2:14]
    ids = [row["id"] for row in chosen] if as_list else chosen
    expected = _orm_rows(ids, ordering)
    # As the wall asks for them: in the pledge's own columns.
    found = reads.wall_rows(ids, ordering=selectors.own_ordering(ordering))
    assert len(expected) == 12
    assert [_shape(p) for p in found] == [_shape(p) for p in expected]


def test_a_wall_pages_rows_follow_the_default_order(wall_pledges):
    ids = [p.pk for p in wall_pledges]
    found = reads.wall_rows(ids, ordering=Pledge._meta.ordering)
    assert [p.pk for p in found] == [p.pk for p in Pledge.objects.filter(pk__in=ids)]


@pytest.mark.parametrize("ordering", [("?",), ("author__display_name", "id"), ("nonsense",)])
def test_an_order_it_cannot_write_is_left_to_the_orm(wall_pledges, ordering):
    assert reads.wall_rows([wall_pledges[0].pk], ordering=ordering) is None


def test_the_wall_reads_its_rows_by_hand_and_each_card_needs_no_further_query(
    wall_pledges, monkeypatch, bob
):
    calls = []
    real = reads.wall_rows
    monkeypatch.setattr(reads, "wall_rows", lambda *a, **k: calls.append(1) or real(*a, **k))
    queryset = selectors.apply_sort(selectors.pledge_wall(user=bob), selectors.Sort.NEWEST)
    expected = list(queryset[:20])
    page = selectors.wall_page(queryset, page=1, size=20)
    assert calls == [1]
    assert [_shape(p) for p in page.items] == [_shape(p) for p in expected]
    with CaptureQueriesContext(connection) as queries:
        for pledge in page.items:
            pledge_card(pledge, bob)
    assert len(queries) == 0


def test_the_wall_asks_the_orm_when_its_rows_are_not_a_cards(wall_pledges, monkeypatch, bob):
    calls = []
    monkeypatch.setattr(reads, "wall_rows", lambda *a, **k: calls.append(1))
    queryset = selectors.pledges_visible_to(bob).order_by("-created_at", "-id")
    page = selectors.wall_page(queryset, page=1, size=5)
    assert calls == []
    assert [p.pk for p in page.items] == [p.pk for p in queryset[:5]]


# --- A pledge's page: the pledge and the viewer's signature -------------------------------


def _signature_shape(signature) -> tuple | None:
    if signature is None:
        return None
    from pledges.models import Signature

    return tuple(getattr(signature, f.attname) for f in Signature._meta.concrete_fields)


def _orm_answer(viewer, pk):
    from django.http import Http404

    try:
        pledge = selectors.pledge_get_for(user=viewer, pk=pk)
    except Http404:
        return "404"
    return _shape(pledge), _signature_shape(selectors.signature_of(user=viewer, pledge=pledge))


def _read_answer(viewer, pk):
    from django.http import Http404

    try:
        pledge, signature = selectors.pledge_and_signature_for(user=viewer, pk=pk)
    except Http404:
        return "404"
    if signature is not None:
        assert signature.pledge is pledge
    return _shape(pledge), _signature_shape(signature)


@pytest.mark.parametrize("who", ["visitor", "alice", "bob", "charlie", "writer", "admin_user"])
def test_a_pledge_and_the_viewers_signature_are_what_the_orm_gives(request, wall_pledges, who):
    from pledges.models import Signature

    viewer = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    if who in ("bob", "charlie"):
        for pledge in wall_pledges[::3]:
            Signature.objects.get_or_create(pledge=pledge, member=viewer)
    answers = [(_read_answer(viewer, p.pk), _orm_answer(viewer, p.pk)) for p in wall_pledges]
    assert all(ours == theirs for ours, theirs in answers)
    seen = [ours for ours, _theirs in answers if ours != "404"]
    assert seen
    if who in ("visitor", "bob", "charlie"):
        assert len(seen) < len(wall_pledges)  # some are pending, hidden or for members
    if who in ("bob", "charlie", "writer"):
        assert any(signature is not None for _pledge, signature in seen)


@pytest.mark.parametrize("pk", [0, -1, 10**6, 2**63, 10**30])
def test_no_such_pledge_is_not_found(wall_pledges, bob, pk):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.pledge_and_signature_for(user=bob, pk=pk)
    assert reads.pledge_and_signature(pk, member_id=bob.pk) == (None, None)


def test_a_pledges_page_reads_the_pledge_and_signature_in_one_statement(wall_pledges, writer):
    pledge = wall_pledges[0]
    selectors.pledge_and_signature_for(user=writer, pk=pledge.pk)  # keeps the themes
    with CaptureQueriesContext(connection) as queries:
        found, signature = selectors.pledge_and_signature_for(user=writer, pk=pledge.pk)
        pledge_card(found, writer)
    assert len(queries) == 1
    assert signature.member_id == writer.pk and signature.is_author


# --- What a list reads --------------------------------------------------------------------


LEFT_OUT = {"search_document", "moderation_reason", "moderated_at", "updated_at"}
CARDS_LEAVE_OUT = {
    "description", "visibility", "total_quantity", "created_at", "activated_at",
    "completed_at", "failed_at", "withdrawn_at",
}  # fmt: skip


def test_a_lists_rows_leave_out_what_no_card_or_api_row_shows(wall_pledges, community, alice):
    walled = reads.wall_rows([p.pk for p in wall_pledges], ordering=Pledge._meta.ordering)
    listed = reads.community_pledges(community=community, viewer=alice, limit=10)

    assert walled and listed
    for pledge in walled:
        assert pledge.get_deferred_fields() == LEFT_OUT
    # A community's page shows its pledges as cards only: it reads what a card shows.
    for pledge in listed:
        assert pledge.get_deferred_fields() == LEFT_OUT | CARDS_LEAVE_OUT
    for pledge in [*walled, *listed]:
        assert {"password", "email", "bio"} <= pledge.author.get_deferred_fields()
    # A community's own page has its community in hand; the wall reads a card's part.
    in_communities = [pledge for pledge in walled if pledge.community_id]
    assert in_communities
    for pledge in in_communities:
        assert {"description", "guidelines"} <= pledge.community.get_deferred_fields()


def test_the_api_lists_rows_need_no_further_query(api_for, wall_pledges, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(alice)
    client.get("/api/pledges/")  # the lookups' first reads
    with CaptureQueriesContext(connection) as few:
        client.get("/api/pledges/?page_size=1")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/pledges/?page_size=50")

    assert response.status_code == 200
    assert len(response.json()["results"]) > 5
    assert len(many) == len(few)
