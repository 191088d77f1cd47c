"""Pledge pages: the wall, a pledge, co-signing with and without JavaScript, making,
editing, checking in, marking done, withdrawing, "My pledges" and campaigns."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.moderation import ModerationStatus
from kernel import prepared
from kernel.sections import Section
from members.models import User
from pledges import sections, services
from pledges.models import CheckIn, Pledge, Signature
from pledges.sections import community_pledges
from reports import rollups
from tests.factories import (
    CampaignFactory,
    OrganisationFactory,
    PledgeFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WALL = reverse("pledges:wall")


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def detail_url(pledge) -> str:
    return reverse("pledges:detail", args=[pledge.pk])


def page(response) -> str:
    return response.content.decode()


def wall_titles(response) -> list[str]:
    return [p.title for p in response.context["page"].items]


# --- The wall ------------------------------------------------------------------------


def test_the_wall_shows_public_pledges_to_everyone(client, pledge, community_pledge):
    response = client.get(WALL)

    assert response.status_code == 200
    assert wall_titles(response) == [pledge.title]
    assert "I will ask every patient what matters to them" in page(response)
    assert community_pledge.title not in page(response)


def test_community_only_pledges_show_to_members_but_not_outsiders(
    client_for, community_pledge, bob, charlie
):
    assert community_pledge.title in wall_titles(client_for(bob).get(WALL))
    assert community_pledge.title not in wall_titles(client_for(charlie).get(WALL))
    searched = client_for(charlie).get(WALL, {"q": "tea night staff"})
    assert wall_titles(searched) == []


def test_the_wall_searches_titles_and_descriptions(client, pledge, active_pledge):
    by_description = client.get(WALL, {"q": "matters"})
    by_stem = client.get(WALL, {"q": "walking stairs"})
    none = client.get(WALL, {"q": "helicopter"})

    assert wall_titles(by_description) == [pledge.title]
    assert wall_titles(by_stem) == [active_pledge.title]
    assert wall_titles(none) == []
    assert "No pledges match" in page(none)


def test_the_wall_filters_by_campaign_theme_status_organisation_and_region(client, alice, bob):
    campaign = CampaignFactory(slug="change-day")
    theme = ThemeFactory(name="Safety", slug="safety")
    organisation = OrganisationFactory()
    bob.organisation = organisation
    bob.save()
    in_campaign = PledgeFactory(campaign=campaign, author=alice)
    safety = PledgeFactory(theme=theme, author=alice, status="completed")
    bobs = PledgeFactory(author=bob)

    assert wall_titles(client.get(WALL, {"campaign": "change-day"})) == [in_campaign.title]
    assert wall_titles(client.get(WALL, {"theme": "safety"})) == [safety.title]
    assert wall_titles(client.get(WALL, {"status": "completed"})) == [safety.title]
    assert wall_titles(client.get(WALL, {"organisation": organisation.slug})) == [bobs.title]
    assert wall_titles(client.get(WALL, {"region": organisation.region.slug})) == [bobs.title]
    assert wall_titles(client.get(WALL, {"author": alice.pk})) == [safety.title, in_campaign.title]


def test_the_wall_filters_by_community(client_for, community_pledge, pledge, bob):
    response = client_for(bob).get(WALL, {"community": "ward-4-radicals"})

    assert wall_titles(response) == [community_pledge.title]


def test_withdrawn_pledges_leave_the_wall_unless_asked_for(client, pledge, active_pledge, alice):
    services.pledge_withdraw(pledge=pledge, actor=alice)

    assert wall_titles(client.get(WALL)) == [active_pledge.title]
    assert wall_titles(client.get(WALL, {"status": "withdrawn"})) == [pledge.title]


def test_the_wall_sorts_by_most_signed_and_ending_soon(client, bob):
    quiet = PledgeFactory(due_date=days(5))
    popular = PledgeFactory(due_date=days(50))
    Pledge.objects.filter(pk=popular.pk).update(signer_count=9)
    PledgeFactory(due_date=days(2), status="completed")  # closed: not "ending soon"

    assert wall_titles(client.get(WALL, {"sort": "most_signed"}))[0] == popular.title
    assert wall_titles(client.get(WALL, {"sort": "ending_soon"})) == [quiet.title, popular.title]
    assert wall_titles(client.get(WALL))[0] != quiet.title  # newest first by default


def test_the_wall_pages_without_overlap(client):
    PledgeFactory.create_batch(25)

    first = client.get(WALL)
    second = client.get(first.context["next_url"])

    assert len(first.context["page"].items) == 20
    assert len(second.context["page"].items) == 5
    assert second.context["next_url"] is None
    assert not set(wall_titles(first)) & set(wall_titles(second))
    assert 'rel="next"' in page(first)


def test_bad_filter_values_are_ignored_not_errors(client, pledge):
    response = client.get(WALL, {"status": "nonsense", "sort": "sideways", "page": "x"})

    assert response.status_code == 200
    assert wall_titles(response) == [pledge.title]


def test_htmx_filtering_returns_only_the_results(client, pledge):
    response = client.get(
        WALL, {"q": "patient"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pledge-results"
    )

    assert response.status_code == 200
    assert "<html" not in page(response)
    assert "I will ask every patient" in page(response)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_wall_query_count_does_not_grow_with_pledges(client_for, alice, community):
    client = client_for(alice)
    for _ in range(3):
        PledgeFactory(campaign=CampaignFactory(), community=community)
    client.get(WALL)  # the filter choices are cached from here on
    few = _queries(client, WALL)
    for _ in range(27):
        PledgeFactory(campaign=CampaignFactory(), community=community)
    client.get(WALL)  # new campaigns: the kept themes and campaigns are read again, once
    many = _queries(client, WALL)

    assert many == few
    assert many <= 10


def test_the_wall_with_a_search_stays_within_ten_queries(
    client_for, alice, django_assert_max_num_queries
):
    PledgeFactory.create_batch(30, description="huddle every shift")
    client = client_for(alice)
    with django_assert_max_num_queries(10):
        response = client.get(WALL, {"q": "huddle", "sort": "most_signed", "theme": "x"})
    assert response.status_code == 200


# --- A pledge --------------------------------------------------------------------------


def test_the_pledge_page_shows_the_pledge_signers_and_share_tags(client, pledge_with_signers):
    response = client.get(detail_url(pledge_with_signers))

    body = page(response)
    assert response.status_code == 200
    assert "<h1" in body and "I will ask every patient what matters to them" in body
    assert "but only if 2 other people will too" in body
    assert "1 more needed" in body
    assert "Bob Brown" in body  # Bob lets everyone see his name
    assert '<meta property="og:title" content="I will ask every patient' in body
    assert f"/pledges/{pledge_with_signers.pk}/" in re.search(r'og:url" content="([^"]+)', body)[1]
    assert "<script>" not in body and "style=" not in body


def test_signer_names_show_as_each_signer_allows(client, client_for, pledge, bob, charlie):
    bob.name_visibility = User.NameVisibility.HIDDEN
    bob.save()
    charlie.name_visibility = User.NameVisibility.MEMBERS
    charlie.save()
    for member in (bob, charlie):
        services.pledge_sign(pledge=pledge, member=member)

    anonymous = page(client.get(detail_url(pledge)))
    as_bob = page(client_for(bob).get(detail_url(pledge)))

    assert "Bob Brown" not in anonymous and "Charlie Clarke" not in anonymous
    assert anonymous.count("Anonymous supporter") == 2
    assert "Charlie Clarke" in as_bob


def test_a_community_only_pledge_is_not_found_by_outsiders(
    client, client_for, community_pledge, bob, charlie
):
    assert client.get(detail_url(community_pledge)).status_code == 404
    assert client_for(charlie).get(detail_url(community_pledge)).status_code == 404
    assert client_for(bob).get(detail_url(community_pledge)).status_code == 200


def test_a_pending_pledge_shows_only_to_its_author_and_moderators(
    client_for, bob, charlie, alice, theme, community
):
    community.premoderate_first_posts = 1
    community.save()
    pending = services.pledge_create(
        author=bob, title="tidy the sluice", theme=theme, community=community, due_date=days(9)
    )

    assert pending.moderation_status == ModerationStatus.PENDING
    assert client_for(bob).get(detail_url(pending)).status_code == 200
    assert client_for(alice).get(detail_url(pending)).status_code == 200  # she organises it
    assert client_for(charlie).get(detail_url(pending)).status_code == 404
    assert pending.title not in wall_titles(client_for(charlie).get(WALL))


def test_the_pledge_page_query_count_does_not_grow_with_signers_or_check_ins(
    client_for, alice, theme
):
    pledge = services.pledge_create(
        author=alice, title="take the stairs", theme=theme, due_date=days(20)
    )
    client = client_for(alice)

    def add(n):
        for _ in range(n):
            member = UserFactory()
            services.pledge_sign(pledge=pledge, member=member)
            services.check_in_create(pledge=pledge, author=member, note="Going well")

    add(3)
    client.get(detail_url(pledge))  # the themes and campaigns are kept from here on
    few = _queries(client, detail_url(pledge))
    add(27)
    many = _queries(client, detail_url(pledge))

    assert many == few
    assert many <= 12


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_the_pledge_page_reads_the_pledge_once(request, client_for, pledge, viewer):
    """The author, a signer and a member with no part each get the page from one read
    of the pledge's row (with its author, community and their signature)."""
    services.pledge_sign(pledge=pledge, member=request.getfixturevalue("bob"))
    client = client_for(request.getfixturevalue(viewer))

    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail_url(pledge)).status_code == 200

    # A prepared read is captured as `EXECUTE name(values)`: its SQL is its source's.
    sent = [(prepared.source(q["sql"]), q["sql"]) for q in captured.captured_queries]
    reads = [
        sql
        for sql, as_sent in sent
        if sql.startswith(('SELECT "pledges_pledge"."id"', 'SELECT p."id"'))
        and (
            f'WHERE "pledges_pledge"."id" = {pledge.pk}' in sql
            or ("WHERE p.id = %(pk)s" in sql and str(pledge.pk) in as_sent)
        )
    ]
    assert len(reads) == 1
    # The viewer's signature comes with it (pledges.reads.pledge_and_signature).
    assert "pledges_signature s" in reads[0]
    assert not [
        q for q in captured.captured_queries if q["sql"].startswith('SELECT "pledges_signature"')
    ]


def test_registered_page_sections_show_on_the_pledge_page(client, pledge):
    def stories(*, request, pledge, signature):
        return Section(
            title="Stories about this pledge",
            template="pledges/_community_section.jinja",
            context={"community": pledge.theme, "pledges": []},
        )

    sections.pledge_page.register(stories)
    try:
        body = page(client.get(detail_url(pledge)))
    finally:
        sections.pledge_page._functions.remove(stories)

    assert "Stories about this pledge" in body


# --- Co-signing -----------------------------------------------------------------------


def test_signing_without_javascript_comes_back_to_the_pledge(client_for, pledge, bob):
    client = client_for(bob)

    response = client.post(reverse("pledges:sign", args=[pledge.pk]), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(pledge)
    assert "You have signed this pledge" in page(response)
    assert "Remove my signature" in page(response)
    pledge.refresh_from_db()
    assert pledge.signer_count == 2


def test_signing_with_htmx_updates_the_count_in_place(client_for, pledge, bob):
    client = client_for(bob)
    url = reverse("pledges:sign", args=[pledge.pk])

    response = client.post(url, HTTP_HX_REQUEST="true")
    again = client.post(url, HTTP_HX_REQUEST="true")

    body = page(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="sign-panel"' in body
    assert 'data-signer-count="2"' in body
    assert "Remove my signature" in body
    assert 'data-signer-count="2"' in page(again)
    assert 'id="pledge-progress" hx-swap-oob="true"' in body
    assert "0</span> of the 2 people who signed have done it" in body
    assert Signature.objects.filter(pledge=pledge).count() == 2


def test_a_swapped_sign_panel_posts_with_the_pages_csrf_token(pledge, bob):
    """The panel htmx swaps in has no CSRF field and sets no CSRF cookie: htmx sends the
    token of the page it was loaded in (static/js/radicals.js), which signs and unsigns."""
    from django.conf import settings
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    body = page(client.get(detail_url(pledge)))
    panel = body[body.index('id="sign-panel"') :]
    assert 'name="csrfmiddlewaretoken"' in panel[: panel.index("</form>")]  # without htmx
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    sign_url = reverse("pledges:sign", args=[pledge.pk])
    unsign_url = reverse("pledges:unsign", args=[pledge.pk])

    signed = client.post(sign_url, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    unsigned = client.post(unsign_url, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    refused = client.post(sign_url, HTTP_HX_REQUEST="true")

    assert signed.status_code == 200 and "Remove my signature" in page(signed)
    assert "csrfmiddlewaretoken" not in page(signed)
    assert settings.CSRF_COOKIE_NAME not in signed.cookies
    assert unsigned.status_code == 200 and "I’ll do it too" in page(unsigned)
    assert "csrfmiddlewaretoken" not in page(unsigned)
    assert refused.status_code == 403  # the header is what lets it through
    assert not Signature.objects.filter(pledge=pledge, member=bob).exists()


def test_a_co_sign_reads_the_pledge_its_community_and_campaign_once(
    client_for, community_pledge, bob
):
    """The sign panel names the campaign's unit and the checks the community: both come
    with the co-sign's one statement, not a query each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel import prepared

    campaign = CampaignFactory(unit="miles")
    Pledge.objects.filter(pk=community_pledge.pk).update(campaign=campaign)
    client = client_for(bob)
    url = reverse("pledges:sign", args=[community_pledge.pk])

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "miles in total" in page(response)
    read = [prepared.source(q["sql"]) for q in queries]
    assert not [sql for sql in read if 'FROM "pledges_campaign"' in sql], read
    assert not [sql for sql in read if 'FROM "communities_community"' in sql], read
    assert len([sql for sql in read if "pledges_pledge" in sql]) == 1, read  # the co-sign


def test_the_sign_button_posts_with_htmx_and_as_a_plain_form(client_for, pledge, bob):
    body = page(client_for(bob).get(detail_url(pledge)))

    sign_url = reverse("pledges:sign", args=[pledge.pk])
    assert f'action="{sign_url}"' in body
    assert f'hx-post="{sign_url}"' in body
    assert "I’ll do it too" in body


def test_unsigning_with_htmx_and_without(client_for, pledge_with_signers, bob):
    client = client_for(bob)
    url = reverse("pledges:unsign", args=[pledge_with_signers.pk])

    response = client.post(url, HTTP_HX_REQUEST="true")

    assert 'data-signer-count="1"' in page(response)
    assert "I’ll do it too" in page(response)
    assert client.post(url).status_code == 302
    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.signer_count == 1


def test_signing_a_closed_pledge_says_why_and_changes_nothing(
    client_for, pledge_with_signers, alice, charlie
):
    services.pledge_withdraw(pledge=pledge_with_signers, actor=alice)
    client = client_for(charlie)
    url = reverse("pledges:sign", args=[pledge_with_signers.pk])

    htmx = client.post(url, HTTP_HX_REQUEST="true")
    plain = client.post(url, follow=True)

    assert "was withdrawn by its author" in page(htmx)
    assert 'role="alert"' in page(htmx)
    assert "was withdrawn by its author" in page(plain)
    pledge_with_signers.refresh_from_db()
    assert pledge_with_signers.signer_count == 2


def test_signing_needs_a_login(client, pledge):
    url = reverse("pledges:sign", args=[pledge.pk])

    plain = client.post(url)
    htmx = client.post(url, HTTP_HX_REQUEST="true")

    assert plain.status_code == 302 and reverse("account_login") in plain.url
    assert reverse("account_login") in htmx["HX-Redirect"]
    assert Signature.objects.filter(pledge=pledge).count() == 1


def test_outsiders_cannot_sign_a_community_pledge_through_the_web(
    client_for, community_pledge, charlie
):
    response = client_for(charlie).post(reverse("pledges:sign", args=[community_pledge.pk]))

    assert response.status_code == 404
    assert Signature.objects.filter(pledge=community_pledge).count() == 1


# --- Making and changing ----------------------------------------------------------------


def _form(theme, **overrides) -> dict:
    data = {
        "title": "learn the names of the domestic team",
        "description": "",
        "theme": theme.pk,
        "due_date": days(30).isoformat(),
        "threshold": "",
        "threshold_deadline": "",
        "campaign": "",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def test_the_create_page_has_a_live_preview_from_a_script_file(client_for, alice, theme):
    body = page(client_for(alice).get(reverse("pledges:create")))

    assert "data-pledge-preview" in body
    assert "js/pledges.js" in body
    assert re.search(r"<script>(?!\s*</script>)", body) is None


def test_a_member_makes_a_pledge(client_for, alice, theme):
    response = client_for(alice).post(
        reverse("pledges:create"), _form(theme, threshold="3", title="I will learn their names")
    )

    pledge = Pledge.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(pledge)
    assert pledge.title == "learn their names"
    assert pledge.status == Pledge.Status.GATHERING
    assert pledge.threshold == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due_date": "2001-01-01"}, "The due date must be in the future."),
        ({"threshold": "0"}, "at least 1"),
        ({"threshold": "1000000"}, "10,000 or fewer"),
        ({"threshold": "2", "threshold_deadline": days(60).isoformat()}, "on or before the due"),
        ({"title": ""}, "Enter what you will do"),
        ({"title": "y" * 2000}, "200 characters or fewer"),
        ({"due_date": "31/02/2027"}, "real date"),
    ],
)
def test_bad_pledges_re_render_with_the_message_and_what_was_typed(
    client_for, alice, theme, overrides, message
):
    data = _form(theme, description="Keep this text", **overrides)

    response = client_for(alice).post(reverse("pledges:create"), data)

    body = page(response)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert message in body
    assert "Keep this text" in body
    assert not Pledge.objects.exists()


def test_the_form_is_prefilled_from_links(client_for, alice, theme, community):
    campaign = CampaignFactory(slug="change-day")

    response = client_for(alice).get(
        reverse("pledges:create"),
        {"campaign": "change-day", "theme": theme.slug, "community": community.slug},
    )

    initial = response.context["form"].initial
    assert initial["campaign"] == campaign.pk
    assert initial["theme"] == theme.pk
    assert initial["community"] == community.pk


def test_prefill_ignores_what_the_member_cannot_choose(client_for, charlie, theme, community):
    response = client_for(charlie).get(
        reverse("pledges:create"), {"community": community.slug, "campaign": "nope"}
    )

    assert "community" not in response.context["form"].fields
    assert "campaign" not in response.context["form"].initial


def test_the_author_edits_and_others_cannot(client_for, pledge, alice, bob, theme):
    url = reverse("pledges:edit", args=[pledge.pk])
    data = {"title": "ask what matters", "description": "", "theme": theme.pk}
    data["due_date"] = days(20).isoformat()

    assert client_for(bob).post(url, data).status_code == 403
    response = client_for(alice).post(url, data)

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.title == "ask what matters"


def test_withdrawing_asks_first_then_keeps_the_pledge(client_for, pledge, alice):
    client = client_for(alice)
    url = reverse("pledges:withdraw", args=[pledge.pk])

    confirm = client.get(url)
    done = client.post(url, follow=True)

    assert "You cannot undo this" in page(confirm)
    assert "The author withdrew this pledge" in page(done)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.WITHDRAWN


# --- Check-ins and done ----------------------------------------------------------------


def test_a_signer_checks_in_with_miles(client_for, alice, theme):
    pledge = services.pledge_create(
        author=alice,
        title="walk a mile at lunch",
        theme=theme,
        campaign=CampaignFactory(unit="miles"),
        due_date=days(10),
    )
    client = client_for(alice)

    response = client.post(
        reverse("pledges:check_in", args=[pledge.pk]), {"note": "Did two", "quantity": "2"}
    )
    body = page(client.get(detail_url(pledge)))

    assert response.status_code == 302
    assert "Did two" in body
    assert "2</span> miles in total" in body


def test_bad_check_ins_are_refused_with_a_message(client_for, alice, bob, theme):
    pledge = services.pledge_create(
        author=alice,
        title="walk a mile at lunch",
        theme=theme,
        campaign=CampaignFactory(unit="miles"),
        due_date=days(10),
    )
    url = reverse("pledges:check_in", args=[pledge.pk])

    negative = client_for(alice).post(url, {"note": "Backwards", "quantity": "-3"})
    not_signed = client_for(bob).post(url, {"note": "Hello"})

    assert "Enter a number of miles more than 0" in page(negative)
    assert "Backwards" in page(negative)
    assert "Sign it first" in page(not_signed)
    assert not CheckIn.objects.exists()


def test_a_signer_marks_their_commitment_done(client_for, pledge_met, bob):
    client = client_for(bob)

    empty = client.post(reverse("pledges:done", args=[pledge_met.pk]), {"outcome": ""})
    response = client.post(
        reverse("pledges:done", args=[pledge_met.pk]), {"outcome": "Asked everyone."}, follow=True
    )

    assert "Say in a sentence what happened" in page(empty)
    assert "Asked everyone." in page(response)
    pledge_met.refresh_from_db()
    assert pledge_met.done_count == 1


def test_done_is_offered_only_once_the_pledge_is_on(client_for, pledge_with_signers, bob):
    body = page(client_for(bob).get(detail_url(pledge_with_signers)))

    assert "Mark my commitment done" not in body
    assert "once the pledge has started" in body
    assert "Post a check-in" in body


# --- Mine, campaigns and other pages ------------------------------------------------------


def test_my_pledges_lists_made_signed_and_done(client_for, pledge_met, active_pledge, bob):
    services.signature_mark_done(pledge=pledge_met, member=bob, outcome="All asked.")
    client = client_for(bob)
    mine = reverse("pledges:mine")

    made = client.get(mine)
    signed = client.get(mine, {"show": "signed"})
    done = client.get(mine, {"show": "done"})

    assert made.context["page"].items == []
    assert "You have not made a pledge yet" in page(made)
    assert [s.pledge for s in signed.context["page"].items] == [pledge_met]
    assert "All asked." in page(done)


def test_a_campaign_shows_progress_toward_its_target(client, alice, theme):
    campaign = CampaignFactory(name="Change Day 2026", slug="change-day-2026", target=4)
    services.pledge_create(
        author=alice, title="smile more", theme=theme, campaign=campaign, due_date=days(5)
    )
    rollups.rollups_tick()  # a campaign's progress is the rollups'

    listing = client.get(reverse("pledges:campaigns"))
    response = client.get(reverse("pledges:campaign", args=["change-day-2026"]))

    assert "Change Day 2026" in page(listing)
    progress = next(
        section.context["progress"]
        for section in response.context["sections"]
        if "progress" in section.context
    )
    assert progress.pledges == 1
    assert progress.percent == 25
    assert 'max="4" value="1"' in page(response)
    assert "I will smile more" in page(response)
    assert client.get(reverse("pledges:campaign", args=["nope"])).status_code == 404


def test_the_home_page_offers_making_a_pledge_and_counts_them(client_for, pledge_met, alice):
    body = page(client_for(alice).get(reverse("home")))

    assert "Make a pledge" in body
    assert reverse("pledges:create") in body
    assert "pledges made" in body and "co-signs" in body and "commitments done" in body


def test_a_profile_shows_the_members_pledges(client, pledge, alice):
    body = page(client.get(reverse("members:profile", args=[alice.pk])))

    assert "I will ask every patient what matters to them" in body


def test_a_community_page_section_lists_its_pledges_for_members_only(
    rf, community_pledge, community, bob, charlie
):
    for viewer, expected in ((bob, [community_pledge]), (charlie, [])):
        request = rf.get("/")
        request.user = viewer
        assert community_pledges(request=request, community=community).context["pledges"] == (
            expected
        )


def test_an_anonymous_author_is_not_placed_by_organisation_or_linked(client, alice, theme):
    alice.name_visibility = User.NameVisibility.HIDDEN
    alice.organisation = OrganisationFactory(name="Morecambe Bay Hospitals")
    alice.save()
    pledge = services.pledge_create(
        author=alice, title="learn sign language", theme=theme, due_date=days(9)
    )

    detail = page(client.get(detail_url(pledge)))
    wall = page(client.get(WALL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pledge-results"))

    for body in (detail, wall):
        assert "Morecambe Bay Hospitals" not in body
        assert "Alice Ahmed" not in body
    assert reverse("members:profile", args=[alice.pk]) not in detail


def test_the_community_page_lists_its_pledges(client_for, community_pledge, community, bob):
    body = page(client_for(bob).get(reverse("communities:detail", args=[community.slug])))

    assert "I will bring the ward&#39;s tea round to night staff" in body
    assert f"/pledges/new/?community={community.slug}" in body


def test_members_can_report_a_pledge_and_its_check_ins_but_not_their_own(
    client_for, pledge_with_signers, charlie
):
    from communities.moderation import flag_url

    pledge = pledge_with_signers
    check_in = services.check_in_create(
        pledge=pledge, author=pledge.author, note="Walked my first mile."
    )
    url = reverse("pledges:detail", args=[pledge.pk])

    page = client_for(charlie).get(url).content.decode()
    assert flag_url(pledge) in page
    assert flag_url(check_in) in page

    own = client_for(pledge.author).get(url).content.decode()
    assert flag_url(pledge) not in own


@pytest.mark.parametrize("pk", [999_999, 2**63, 10**30])
def test_signing_a_pledge_that_does_not_exist_is_a_404(client_for, bob, pk):
    # Ids past what the column holds too (the lock is hand-written SQL): no pledge.
    response = client_for(bob).post(f"/pledges/{pk}/sign/")

    assert response.status_code == 404


def test_a_signer_who_may_no_longer_see_the_pledge_gets_a_404(client_for, bob):
    from communities.models import Membership
    from pledges.services import pledge_sign
    from tests.factories import CommunityFactory, MembershipFactory, PledgeFactory

    community = CommunityFactory()
    MembershipFactory(community=community, member=bob)
    pledge = PledgeFactory(community=community, visibility="community")
    pledge_sign(pledge=pledge, member=bob)
    Membership.objects.filter(community=community, member=bob).update(status="left")

    response = client_for(bob).post(reverse("pledges:sign", args=[pledge.pk]))

    assert response.status_code == 404
