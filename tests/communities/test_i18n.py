"""Communities in English and Welsh: every page, message and notification of the app is
marked for translation, and Welsh readers get Welsh."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from communities import services
from communities.models import Membership
from notifications.models import Kind, Notification
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    PledgeFactory,
    UserFactory,
)
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}


def _readable(html: str) -> str:
    """The part of a page the communities app writes (the back link and <main>, without
    the sections other apps add to a community's page), without the machine values of
    hidden inputs, options and radios, which nobody reads."""
    before, main = html.split("<main", 1)
    main = main.split("</main>", 1)[0]
    main = main.split('<section aria-labelledby="section-', 1)[0]
    back = before.rsplit('<div class="nhsuk-width-container">', 1)[-1]
    text = back + main
    text = re.sub(r'<input type="hidden"[^>]*>', "", text)
    text = re.sub(r'(<(?:option|input)\b[^>]*?)\svalue="[^"]*"', r"\1", text)
    return _outermost_only(text)


def _outermost_only(text: str) -> str:
    """A translated word inside a translated sentence ("Moderate this %(what)s" with
    what="pledge") reads ⟦…⟦…⟧…⟧ in pseudo-Welsh: keep only the outer brackets."""
    out, depth = [], 0
    for char in text:
        if char == "⟦":
            depth += 1
            if depth > 1:
                continue
        elif char == "⟧" and depth:
            depth -= 1
            if depth:
                continue
        out.append(char)
    return "".join(out)


@pytest.fixture
def world(community, olivia, alice, bob, charlie, admin_user):
    """A community with members, a ban, requests, invitations, flags and content in
    every moderation state; the people in it acted in Welsh."""
    dave = UserFactory(email="dave@example.nhs.uk", display_name="Dafydd Davies")
    erin = UserFactory(email="erin@example.nhs.uk", display_name="Eirlys Evans")
    community.premoderate_first_posts = 2
    community.save()
    for member in (alice, bob, dave):
        MembershipFactory(community=community, member=member)
    approval = CommunityFactory(name="Tîm Ward 7", slug="tim-ward-7", joining_policy="approval")
    MembershipFactory(community=approval, member=olivia, role="organiser")
    invited_only = CommunityFactory(
        name="Tîm Bangor", slug="tim-bangor", joining_policy="invitation"
    )
    MembershipFactory(community=invited_only, member=olivia, role="organiser")
    published = PledgeFactory(author=alice, community=community, title="cerdded i'r gwaith")
    pending = PledgeFactory(
        author=dave, community=community, title="canu yn y coridor", moderation_status="pending"
    )
    hidden = PledgeFactory(author=dave, community=community, title="dawnsio ar y ward")
    gone = PledgeFactory(author=dave, community=community, title="nofio yn y môr")
    with translation.override("cy"):
        MembershipFactory(community=community, member=charlie)
        services.member_ban(
            community=community,
            member=charlie,
            actor=olivia,
            reason="Rheswm",
            until=timezone.now() + datetime.timedelta(days=30),
        )
        services.membership_request(community=approval, member=bob, message="Helo")
        services.flag_create(reporter=bob, target=published, reason="Anghwrtais")
        services.flag_create(reporter=bob, target=alice, community=community, reason="Anfoesgar")
        services.flag_create(reporter=bob, target=gone, reason="Hen")
        services.content_hide(item=hidden, actor=olivia, reason="Cudd")
        services.community_request(
            requester=alice, name="Caredigrwydd Sussex", description="Disgrifiad"
        )
        usable = services.invitation_create(community=community, actor=olivia, note="Tîm e-bost")
        revoked = services.invitation_create(community=community, actor=olivia)
        services.invitation_revoke(invitation=revoked, actor=olivia)
    gone_pk = gone.pk
    gone.delete()
    expired = InvitationFactory(
        community=community,
        created_by=olivia,
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    for n in range(20):
        CommunityFactory(name=f"Tîm {n}", slug=f"tim-{n}", description="Disgrifiad")
    people = [alice, bob, charlie, dave, erin, olivia, admin_user]
    allowed = (
        *(person.display_name for person in people),
        *(person.email for person in people),
        *(
            f"http://testserver{reverse('communities:invitation', args=[i.token])}"
            for i in (usable, revoked, expired)
        ),
        community.description,
        community.guidelines,
        "Staff who want to change one thing together.",
        *(f"I will {p.title}" for p in (published, pending, hidden)),
    )
    return {
        "community": community,
        "approval": approval,
        "invited_only": invited_only,
        "published": published,
        "pending": pending,
        "hidden": hidden,
        "gone_pk": gone_pk,
        "usable": usable,
        "expired": expired,
        "revoked": revoked,
        "dave": dave,
        "erin": erin,
        "allowed": allowed,
    }


def _check(client, world, method, path, *, status=200, data=None, follow=False):
    call = client.post if method == "post" else client.get
    response = call(path, data or {}, follow=follow, **WELSH)
    assert response.status_code == status, (method, path, response.status_code)
    html = response.content.decode()
    assert '<html lang="cy">' in html
    assert unmarked_english(_readable(html), allowed=world["allowed"]) == [], (method, path)
    return html


def test_every_page_a_visitor_sees_is_in_welsh(client, world, pseudo_welsh):
    community = world["community"]
    _check(client, world, "get", reverse("communities:list"))
    _check(client, world, "get", reverse("communities:list") + "?page=2")
    _check(client, world, "get", reverse("communities:list") + "?q=Walkers")
    _check(client, world, "get", reverse("communities:list") + "?q=zzzz")
    _check(client, world, "get", reverse("communities:detail", args=[community.slug]))
    _check(client, world, "get", reverse("communities:detail", args=[world["approval"].slug]))


def test_every_page_a_member_sees_is_in_welsh(client_for, world, alice, bob, charlie, pseudo_welsh):
    community, approval = world["community"], world["approval"]
    erin = world["erin"]
    pledge = world["published"]
    key = pledge._meta.label_lower

    client = client_for(erin)
    _check(client, world, "get", reverse("communities:detail", args=[world["invited_only"].slug]))
    _check(client, world, "get", reverse("communities:detail", args=[approval.slug]))
    _check(client, world, "get", reverse("communities:request", args=[approval.slug]))
    _check(
        client,
        world,
        "post",
        reverse("communities:request", args=[approval.slug]),
        data={"message": "Helo"},
        follow=True,
    )
    _check(client, world, "get", reverse("communities:leave", args=[approval.slug]))
    _check(client, world, "post", reverse("communities:leave", args=[approval.slug]), follow=True)
    _check(client, world, "get", reverse("communities:invitation", args=[world["usable"].token]))
    _check(
        client,
        world,
        "get",
        reverse("communities:invitation", args=[world["expired"].token]),
        status=410,
    )
    _check(
        client,
        world,
        "get",
        reverse("communities:invitation", args=[world["revoked"].token]),
        status=410,
    )
    _check(
        client, world, "get", reverse("communities:invitation", args=["no-such-token"]), status=404
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:invitation", args=[world["usable"].token]),
        follow=True,
    )
    _check(client, world, "get", reverse("communities:invitation", args=[world["usable"].token]))
    _check(client, world, "post", reverse("communities:leave", args=[community.slug]), follow=True)
    _check(client, world, "post", reverse("communities:join", args=[community.slug]), follow=True)
    _check(client, world, "post", reverse("communities:join", args=[community.slug]), follow=True)
    _check(client, world, "get", reverse("communities:create"))
    _check(client, world, "post", reverse("communities:create"), status=200, data={"name": ""})
    _check(
        client,
        world,
        "post",
        reverse("communities:create"),
        data={"name": "Tîm Newydd", "description": "Disgrifiad", "joining_policy": "open"},
        follow=True,
    )

    client = client_for(bob)
    _check(client, world, "get", reverse("communities:detail", args=[approval.slug]))
    _check(client, world, "get", reverse("communities:members", args=[community.slug]))
    _check(
        client, world, "get", reverse("communities:flag_member", args=[community.slug, alice.pk])
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:flag_member", args=[community.slug, alice.pk]),
        data={"reason": ""},
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:flag_member", args=[community.slug, world["dave"].pk]),
        data={"reason": "Rheswm"},
        follow=True,
    )
    _check(client, world, "get", reverse("communities:flag", args=[key, pledge.pk]))
    _check(
        client,
        world,
        "post",
        reverse("communities:flag", args=[key, pledge.pk]),
        data={"reason": "Eto"},
    )

    client = client_for(alice)
    _check(client, world, "get", reverse("communities:detail", args=[community.slug]))
    _check(client, world, "get", reverse("communities:detail", args=["caredigrwydd-sussex"]))
    _check(client, world, "get", reverse("communities:list"))
    _check(client, world, "get", reverse("communities:leave", args=[community.slug]))
    _check(
        client,
        world,
        "post",
        reverse("communities:flag", args=[key, pledge.pk]),
        data={"reason": "Fy un i"},
    )

    client = client_for(charlie)
    _check(client, world, "get", reverse("communities:detail", args=[community.slug]))
    _check(client, world, "post", reverse("communities:join", args=[community.slug]), follow=True)


def test_every_page_an_organiser_sees_is_in_welsh(
    client_for, world, olivia, alice, charlie, pseudo_welsh
):
    community, approval = world["community"], world["approval"]
    slug = community.slug
    request = Membership.objects.get(community=approval, status="pending")
    client = client_for(olivia)

    _check(client, world, "get", reverse("communities:detail", args=[slug]))
    _check(client, world, "get", reverse("communities:manage", args=[slug]))
    _check(client, world, "get", reverse("communities:manage", args=[approval.slug]))
    _check(
        client,
        world,
        "post",
        reverse("communities:invitation_create", args=[slug]),
        data={"days_valid": "500"},
        status=400,
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:invitation_create", args=[slug]),
        data={"days_valid": "7"},
        follow=True,
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:invitation_revoke", args=[slug, world["usable"].pk]),
        follow=True,
    )
    _check(client, world, "get", reverse("communities:edit", args=[slug]))
    _check(
        client,
        world,
        "post",
        reverse("communities:edit", args=[slug]),
        data={"joining_policy": "open", "premoderate_first_posts": "99"},
    )
    _check(
        client,
        world,
        "get",
        reverse("communities:decide_request", args=[approval.slug, request.pk]),
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:decide_request", args=[approval.slug, request.pk]),
        data={"decision": "decline"},
    )
    _check(client, world, "get", reverse("communities:manage_member", args=[slug, alice.pk]))
    _check(client, world, "get", reverse("communities:manage_member", args=[slug, charlie.pk]))
    _check(client, world, "get", reverse("communities:manage_member", args=[slug, olivia.pk]))
    _check(
        client,
        world,
        "post",
        reverse("communities:manage_member", args=[slug, alice.pk]),
        data={"action": "warn", "warn-reason": ""},
        status=400,
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:manage_member", args=[slug, alice.pk]),
        data={"action": "appoint"},
        follow=True,
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:decide_request", args=[approval.slug, request.pk]),
        data={"decision": "approve"},
        follow=True,
    )
    _check(client, world, "get", reverse("communities:members", args=[slug]))


def test_every_moderation_page_is_in_welsh(
    client_for, world, olivia, admin_user, oscar, other_community, pseudo_welsh
):
    community = world["community"]
    key = world["published"]._meta.label_lower
    for user in (olivia, admin_user):
        client = client_for(user)
        _check(client, world, "get", reverse("communities:moderation"))
        _check(client, world, "get", reverse("communities:community_queue", args=[community.slug]))
        _check(client, world, "get", reverse("communities:audit"))
        _check(client, world, "get", reverse("communities:community_audit", args=[community.slug]))
        _check(
            client,
            world,
            "get",
            reverse("communities:audit") + "?since=2026-12-31&until=2026-01-01",
            status=400,
        )
        for name in ("published", "pending", "hidden"):
            _check(
                client, world, "get", reverse("communities:moderate", args=[key, world[name].pk])
            )
    client = client_for(olivia)
    missing = reverse("communities:moderate", args=[key, world["gone_pk"]])
    _check(client, world, "get", missing)
    _check(client, world, "post", missing, data={"dismiss-reason": ""})
    _check(client, world, "post", missing, data={"dismiss-reason": "Wedi mynd"}, follow=True)
    published = reverse("communities:moderate", args=[key, world["published"].pk])
    _check(client, world, "post", published, data={"action": "hide", "hide-reason": ""}, status=400)
    _check(
        client,
        world,
        "post",
        published,
        data={"action": "hide", "hide-reason": "Rheswm"},
        follow=True,
    )
    pending = reverse("communities:moderate", args=[key, world["pending"].pk])
    _check(client, world, "post", pending, data={"action": "approve"}, follow=True)
    _check(
        client_for(oscar),
        world,
        "get",
        reverse("communities:community_queue", args=[other_community.slug]),
    )


def test_every_page_an_admin_uses_to_approve_communities_is_in_welsh(
    client_for, world, admin_user, pseudo_welsh
):
    client = client_for(admin_user)
    _check(client, world, "get", reverse("communities:requested"))
    _check(
        client, world, "get", reverse("communities:decide_community", args=["caredigrwydd-sussex"])
    )
    _check(
        client,
        world,
        "post",
        reverse("communities:decide_community", args=["caredigrwydd-sussex"]),
        data={"decision": "decline"},
    )
    _check(client, world, "get", reverse("communities:detail", args=["caredigrwydd-sussex"]))
    _check(client, world, "get", reverse("communities:create"))
    _check(
        client,
        world,
        "post",
        reverse("communities:decide_community", args=["caredigrwydd-sussex"]),
        data={"decision": "approve"},
        follow=True,
    )
    _check(client, world, "get", reverse("communities:requested"))


def test_a_welsh_reader_gets_the_communities_pages_in_welsh(client, community):
    html = client.get(
        reverse("communities:detail", args=[community.slug]), **WELSH
    ).content.decode()
    assert "Pwy all ymuno" in html and "Canllawiau'r gymuned" in html
    assert "Who can join" not in html
    listing = client.get(reverse("communities:list"), **WELSH).content.decode()
    assert "Chwilio cymunedau" in listing


def test_an_english_reader_still_gets_english(client, community):
    html = client.get(reverse("communities:detail", args=[community.slug])).content.decode()
    assert "Who can join" in html and "Pwy all ymuno" not in html


def test_the_copied_link_text_comes_from_the_page_in_the_readers_language(
    client_for, community, olivia
):
    services.invitation_create(community=community, actor=olivia)
    html = (
        client_for(olivia)
        .get(reverse("communities:manage", args=[community.slug]), **WELSH)
        .content.decode()
    )
    assert (
        'data-copied-text="Dolen wedi&#39;i chopïo"' in html
        or 'data-copied-text="Dolen wedi\'i chopïo"' in html
    )


def test_the_apis_refusals_come_in_the_readers_language(
    api_for, community, alice_in_community, alice, bob
):
    api = api_for(alice)
    joined = api.post(
        reverse("api:community-membership", args=[community.slug]),
        {},
        format="json",
        HTTP_ACCEPT_LANGUAGE="cy",
    )
    assert joined.status_code == 400
    assert "Rydych chi eisoes yn aelod o Morecambe Bay Walkers." in joined.content.decode()

    refused = api_for(bob).get(
        reverse("api:community-members", args=[community.slug]), HTTP_ACCEPT_LANGUAGE="cy"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Dim ond aelodau Morecambe Bay Walkers all weld ei haelodau."

    audit = api.get(reverse("api:audit-log"), HTTP_ACCEPT_LANGUAGE="cy")
    assert audit.status_code == 403
    assert "log archwilio" in audit.json()["detail"]


def test_notifications_go_out_in_the_recipients_language(community, olivia, alice, bob, charlie):
    approval = CommunityFactory(name="Tîm Ward 7", slug="tim-ward-7", joining_policy="approval")
    MembershipFactory(community=approval, member=olivia, role="organiser")
    alice.language = "cy"
    alice.save(update_fields=["language"])
    type(charlie).objects.filter(pk=charlie.pk).update(language="xx")
    charlie.refresh_from_db()
    for member in (alice, bob, charlie):
        membership = services.membership_request(community=approval, member=member)
        services.membership_decide(membership=membership, actor=olivia, approve=True)

    welsh = Notification.objects.get(recipient=alice, kind=Kind.MEMBERSHIP_DECIDED)
    english = Notification.objects.get(recipient=bob, kind=Kind.MEMBERSHIP_DECIDED)
    unknown = Notification.objects.get(recipient=charlie, kind=Kind.MEMBERSHIP_DECIDED)
    assert unknown.title == english.title
    assert welsh.title == "Croeso i Tîm Ward 7: mae eich cais i ymuno wedi'i gymeradwyo"
    assert english.title == "Welcome to Tîm Ward 7: your request to join was approved"


def test_a_moderators_notice_names_the_content_in_the_authors_language(community, olivia, alice):
    alice.language = "cy"
    alice.save(update_fields=["language"])
    MembershipFactory(community=community, member=alice)
    pledge = PledgeFactory(author=alice, community=community, title="cerdded")
    services.content_hide(item=pledge, actor=olivia, reason="Rheswm")

    notice = Notification.objects.get(recipient=alice, kind=Kind.CONTENT_MODERATED)
    assert notice.title == "Mae'r cymedrolwyr wedi cuddio eich addewid"
