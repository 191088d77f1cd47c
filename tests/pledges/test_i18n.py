"""The pledge pages in Welsh: every word the app shows is marked for translation, the
Welsh catalogue is used, and the API answers in the reader's language.

Alice makes pledges and organises Ward 4; Bob co-signs them; Charlie is a member with no
part in them; Ada is an admin.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.pseudo_locale import unmarked_english, visible_text

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}
HTMX = {"HTTP_HX_REQUEST": "true"}

ALICE_TITLE = "walk the stairs instead of the lift"
THRESHOLD_TITLE = "walk the Morecambe Bay Mile every lunchtime"
CHECK_IN_NOTE = "Walked the mile three times this week."
OUTCOME = "Walked every day and the ward joined me."


def _soon(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def story(alice, bob, charlie, admin_user, community):
    """Pledges in every state the pages show, with members' own words throughout."""
    from communities.models import Membership
    from pledges import services
    from pledges.models import Pledge
    from tests.factories import CampaignFactory, OrganisationFactory, ThemeFactory

    Membership.objects.create(community=community, member=charlie, role="member", status="active")
    alice.organisation = OrganisationFactory(name="Bay Health Board")
    alice.save(update_fields=["organisation"])
    theme = ThemeFactory(name="Staff wellbeing", slug="staff-wellbeing")
    campaign = CampaignFactory(
        name="Bay Mile", slug="bay-mile", description="Walk a mile a day.", unit="miles"
    )
    campaign.target = 200
    campaign.save(update_fields=["target"])
    active = services.pledge_create(
        author=alice, title=ALICE_TITLE, theme=theme, due_date=_soon(10), description="Less lift."
    )
    gathering = services.pledge_create(
        author=alice,
        title=THRESHOLD_TITLE,
        theme=theme,
        campaign=campaign,
        due_date=_soon(40),
        threshold=3,
        threshold_deadline=_soon(20),
    )
    services.pledge_sign(pledge=gathering, member=bob)
    services.check_in_create(pledge=gathering, author=bob, note=CHECK_IN_NOTE, quantity="3")
    measured = services.pledge_create(
        author=alice, title="cycle to work", theme=theme, campaign=campaign, due_date=_soon(30)
    )
    services.pledge_sign(pledge=measured, member=bob)
    services.signature_mark_done(pledge=measured, member=bob, outcome=OUTCOME)
    withdrawn = services.pledge_create(
        author=alice, title="switch off the screens", theme=theme, due_date=_soon(5)
    )
    services.pledge_withdraw(pledge=withdrawn, actor=alice)
    failed = services.pledge_create(
        author=alice,
        title="learn sign language",
        theme=theme,
        due_date=_soon(30),
        threshold=2,
        threshold_deadline=_soon(3),
    )
    Pledge.objects.filter(pk=failed.pk).update(threshold_deadline=_soon(-1))
    services.pledge_fail_threshold(pledge=failed)
    completed = services.pledge_create(
        author=alice, title="thank the porters", theme=theme, due_date=_soon(2)
    )
    Pledge.objects.filter(pk=completed.pk).update(due_date=_soon(-1))
    services.pledge_complete(pledge=completed)
    in_community = services.pledge_create(
        author=alice,
        title="bring the tea round",
        theme=theme,
        community=community,
        visibility="community",
        due_date=_soon(20),
    )
    return {
        "active": active,
        "gathering": gathering,
        "measured": measured,
        "withdrawn": withdrawn,
        "failed": failed,
        "completed": completed,
        "community": in_community,
        "campaign": campaign,
        "theme": theme,
    }


def own_words(story, *people):
    """What the test's members typed themselves, and their names: never translated."""
    words = [
        ALICE_TITLE,
        THRESHOLD_TITLE,
        CHECK_IN_NOTE,
        OUTCOME,
        "cycle to work",
        "switch off the screens",
        "learn sign language",
        "thank the porters",
        "bring the tea round",
        "Less lift.",
        "Walk a mile a day.",
        "Bay Health Board",
        "Ward 4 radicals",
        "Staff wellbeing",
        "Bay Mile",
        "nothing matches this",  # a search typed in the box
    ]
    links = [
        f"{settings.SITE_URL}{item.get_absolute_url()}"
        for item in story.values()
        if hasattr(item, "get_absolute_url")
    ]
    # Theme names are words admins choose (the defaults come with the migrations).
    from pledges.models import Theme

    themes = list(Theme.objects.values_list("name", flat=True))
    return tuple(words + links + themes) + tuple(person.display_name for person in people)


def _without_choice_values(html: str) -> str:
    """The values of options, radios and hidden fields are parameters, never shown."""

    def strip(match):
        tag = match.group(0)
        if tag.startswith("<option") or re.search(r'type="(radio|checkbox|hidden)"', tag):
            return re.sub(r'\svalue="[^"]*"', "", tag)
        return tag

    return re.sub(r"<(?:option|input)\b[^>]*>", strip, html)


def content(html: str) -> str:
    """The page's title and everything between the header and the footer."""
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    main = html.index("<main")
    start = html.rfind('<div class="nhsuk-width-container">', 0, main)
    return f"<title>{title}</title>" + html[start : html.rindex("</main>")]


def _without_other_apps(html: str) -> str:
    """What other apps put on a pledge's page (stories' sections) and the project's form
    macro's summary title are marked and tested with those apps and the project pages."""
    html = re.sub(
        r'<section aria-labelledby="pledge-section-\d+">.*?</section>', "", html, flags=re.S
    )
    return re.sub(r'(class="nhsuk-error-summary__heading"[^>]*>\s*)There is a problem', r"\1", html)


# The NHS.UK components' own English, shown unless a page passes its words (visually
# hidden "Information: " on inset text, "Important: " on a warning, the pager's links).
COMPONENT_DEFAULTS = re.compile(r"\b(Information|Important|Previous|Next|Back|Pagination)\b")


def assert_all_marked(response, allowed, *, partial=False):
    assert response.status_code == 200, response.status_code
    html = _without_other_apps(_without_choice_values(response.content.decode()))
    found = unmarked_english(html if partial else content(html), allowed=allowed)
    assert found == [], found
    text = re.sub("⟦[^⟧]*⟧", " ", visible_text(html if partial else content(html)))
    for words in allowed:
        text = text.replace(words, " ")
    assert not COMPONENT_DEFAULTS.search(text), COMPONENT_DEFAULTS.findall(text)


def test_the_wall_has_every_string_marked(client, pseudo_welsh, story, alice, bob, charlie):
    allowed = own_words(story, alice, bob, charlie)
    wall = reverse("pledges:wall")
    from tests.factories import PledgeFactory

    PledgeFactory.create_batch(20, author=bob, theme=story["theme"])  # two pages, a pager
    # An English reader first: a card remembered in English is not shown to a Welsh one.
    assert "By Bob Brown" in client.get(wall).content.decode()
    queries = [
        {},
        {"status": "active", "theme": "staff-wellbeing", "sort": "most_signed"},
        {"campaign": "bay-mile", "sort": "ending_soon"},
        {"q": "stairs"},
        {"q": "nothing matches this"},
        {"q": "x" * 300},
        {"page": "2"},
        {"page": "51"},
        {"q": "walk", "page": "11"},
        {"sort": "most_signed", "page": "2"},
    ]
    for signed_in in (None, charlie):
        if signed_in:
            client.force_login(signed_in)
        for query in queries:
            assert_all_marked(client.get(wall, query, **WELSH), allowed)
        partial = client.get(
            wall, {"q": "stairs"}, HTTP_HX_TARGET="pledge-results", **HTMX, **WELSH
        )
        assert_all_marked(partial, allowed, partial=True)


def test_a_pledges_page_has_every_string_marked_for_everyone_who_reads_it(
    client, pseudo_welsh, story, alice, bob, charlie, admin_user
):
    allowed = own_words(story, alice, bob, charlie, admin_user)
    pages = [
        story[name].get_absolute_url()
        for name in ("active", "gathering", "measured", "withdrawn", "failed", "completed")
    ]
    for reader in (None, alice, bob, charlie, admin_user):
        client.logout()
        if reader:
            client.force_login(reader)
        for path in pages:
            assert_all_marked(client.get(path, **WELSH), allowed)
    client.force_login(alice)
    assert_all_marked(client.get(story["community"].get_absolute_url(), **WELSH), allowed)


def test_co_signing_and_taking_it_back_answer_in_welsh(client, pseudo_welsh, story, charlie):
    allowed = own_words(story, charlie)
    client.force_login(charlie)
    for name in ("active", "gathering"):
        sign = reverse("pledges:sign", args=[story[name].pk])
        assert_all_marked(client.post(sign, **HTMX, **WELSH), allowed, partial=True)
        unsign = reverse("pledges:unsign", args=[story[name].pk])
        assert_all_marked(client.post(unsign, **HTMX, **WELSH), allowed, partial=True)
    # A pledge that cannot be signed says why, in Welsh.
    refused = client.post(reverse("pledges:sign", args=[story["withdrawn"].pk]), **HTMX, **WELSH)
    assert "⟦This pledge was withdrawn by its author.⟧ ⟦You cannot sign it.⟧" in (
        refused.content.decode()
    )
    assert_all_marked(refused, allowed, partial=True)
    # Without JavaScript, the page it returns to says what happened.
    followed = client.post(reverse("pledges:sign", args=[story["active"].pk]), follow=True, **WELSH)
    assert "⟦You have signed this pledge. Thank you for joining in.⟧" in followed.content.decode()
    assert_all_marked(followed, allowed)


def test_the_forms_have_every_string_marked_with_and_without_errors(
    client, pseudo_welsh, story, alice, bob
):
    allowed = own_words(story, alice, bob)
    client.force_login(alice)
    create = reverse("pledges:create")
    assert_all_marked(client.get(create, {"campaign": "bay-mile"}, **WELSH), allowed)
    empty = client.post(create, {"threshold": "many", "due_date": "soon"}, **WELSH)
    assert "⟦Enter the due date as a real date, for example 31/3/2027.⟧" in empty.content.decode()
    assert_all_marked(empty, allowed)
    refused = client.post(
        create,
        {
            "title": "x" * 201,
            "theme": story["theme"].pk,
            "due_date": _soon(-1).isoformat(),
            "threshold": "20000",
            "visibility": "public",
        },
        **WELSH,
    )
    assert_all_marked(refused, allowed)
    repeated = {
        "title": ALICE_TITLE,
        "theme": story["theme"].pk,
        "due_date": _soon(10).isoformat(),
        "visibility": "public",
    }
    assert_all_marked(client.post(create, repeated, **WELSH), allowed)

    edit = reverse("pledges:edit", args=[story["gathering"].pk])
    assert_all_marked(client.get(edit, **WELSH), allowed)
    assert_all_marked(client.post(edit, {"title": "", "due_date": "x"}, **WELSH), allowed)
    withdraw = reverse("pledges:withdraw", args=[story["gathering"].pk])
    assert_all_marked(client.get(withdraw, **WELSH), allowed)

    client.force_login(bob)
    check_in = reverse("pledges:check_in", args=[story["gathering"].pk])
    assert_all_marked(client.get(check_in, **WELSH), allowed)
    assert_all_marked(client.post(check_in, {"note": "", "quantity": "-2"}, **WELSH), allowed)
    done = reverse("pledges:done", args=[story["gathering"].pk])
    assert_all_marked(client.get(done, **WELSH), allowed)
    assert_all_marked(client.post(done, {"outcome": ""}, **WELSH), allowed)
    done_active = reverse("pledges:done", args=[story["active"].pk])
    client.post(reverse("pledges:sign", args=[story["active"].pk]), **WELSH)
    assert_all_marked(client.post(done_active, {"outcome": "y" * 600}, **WELSH), allowed)


def test_my_pledges_and_the_campaigns_have_every_string_marked(
    client, pseudo_welsh, story, alice, bob, charlie
):
    allowed = own_words(story, alice, bob, charlie)
    for reader in (None, charlie):
        if reader:
            client.force_login(reader)
        assert_all_marked(client.get(reverse("pledges:campaigns"), **WELSH), allowed)
        campaign = reverse("pledges:campaign", args=["bay-mile"])
        assert_all_marked(client.get(campaign, **WELSH), allowed)
    for reader in (alice, bob, charlie):
        client.force_login(reader)
        for show in ("made", "signed", "done"):
            mine = client.get(reverse("pledges:mine"), {"show": show}, **WELSH)
            assert_all_marked(mine, allowed)


def test_an_empty_campaign_list_has_every_string_marked(client, pseudo_welsh, db):
    assert_all_marked(client.get(reverse("pledges:campaigns"), **WELSH), ())


def test_a_welsh_reader_sees_the_pledge_pages_in_welsh(client, story):
    wall = client.get(reverse("pledges:wall"), **WELSH).content.decode()
    assert "Dod o hyd i addewidion" in wall and "Find pledges" not in wall
    page = client.get(story["gathering"].get_absolute_url(), **WELSH).content.decode()
    assert "Byddaf i’n walk the Morecambe Bay Mile every lunchtime" in page
    assert "Rhannu’r addewid hon" in page and "Share this pledge" not in page
    assert 'data-copy-text="Copïo’r ddolen"' in page
    english = client.get(story["gathering"].get_absolute_url()).content.decode()
    assert "Share this pledge" in english and 'data-copy-text="Copy link"' in english


def test_the_preview_gives_the_script_each_plural_form_in_welsh(client, alice):
    client.force_login(alice)
    html = client.get(reverse("pledges:create"), **WELSH).content.decode()
    texts = re.search(r"data-threshold-texts='([^']*)'", html).group(1)
    import json

    forms = json.loads(texts)
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert all("{n}" in text for text in forms.values())
    assert forms["one"] != forms["other"]


def test_the_api_answers_in_the_readers_language(story, alice, charlie):
    api = APIClient()
    missing = api.get("/api/pledges/", {"page": "999"}, **WELSH)
    assert missing.status_code == 404
    assert "Tudalen annilys" in missing.json()["detail"]
    api.force_authenticate(alice)
    refused = api.post(
        "/api/pledges/",
        {"title": "", "theme": "staff-wellbeing", "due_date": _soon(-3).isoformat()},
        format="json",
        **WELSH,
    )
    assert refused.status_code == 400
    body = refused.json()
    assert "Rhowch beth fyddwch chi’n ei wneud" in str(body["title"])
    assert "yn y dyfodol" in str(body["due_date"])
    api.force_authenticate(charlie)
    withdrawn = api.post(f"/api/pledges/{story['withdrawn'].pk}/sign/", **WELSH)
    assert withdrawn.status_code == 400
    assert "Ni allwch ei llofnodi." in str(withdrawn.json())
    english = api.post(f"/api/pledges/{story['withdrawn'].pk}/sign/")
    assert "You cannot sign it." in str(english.json())


def test_notices_go_out_in_each_recipients_language(alice, bob, charlie, theme):
    from notifications.models import Kind, Notification
    from pledges import nudges, services

    type(bob).objects.filter(pk=bob.pk).update(language="cy")
    pledge = services.pledge_create(
        author=alice,
        title="ask every patient what matters",
        theme=theme,
        due_date=_soon(30),
        threshold=2,
        threshold_deadline=_soon(20),
    )
    services.pledge_sign(pledge=pledge, member=bob)
    services.pledge_sign(pledge=pledge, member=charlie)

    reached = {n.recipient_id: n for n in Notification.objects.filter(kind=Kind.THRESHOLD_REACHED)}
    assert set(reached) == {alice.pk, bob.pk, charlie.pk}
    assert reached[bob.pk].title == "Mae addewid a lofnodwyd gennych yn digwydd"
    assert "Byddaf i’n ask every patient what matters" in reached[bob.pk].body
    assert reached[charlie.pk].title == "A pledge you signed is on"
    assert "I will ask every patient what matters" in reached[charlie.pk].body

    signature = pledge.signatures.select_related("member", "pledge").get(member=bob)
    assert nudges.nudge_no_check_in(signature=signature, today=timezone.localdate())
    nudge = Notification.objects.get(kind=Kind.NO_CHECK_IN, recipient=bob)
    assert nudge.title == "Sut mae eich addewid yn mynd?"

    type(alice).objects.filter(pk=alice.pk).update(language="cy")
    assert services.tell_author_about_co_signers(pledge=pledge.pk, day=timezone.localdate())
    told = Notification.objects.get(kind=Kind.NEW_CO_SIGNERS, recipient=alice)
    assert told.title == "Cyd-lofnodwyr newydd ar eich addewid"
    assert told.body.startswith("Mae 2 o bobl wedi cyd-lofnodi")
