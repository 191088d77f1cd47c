"""Stories in Welsh: every page of the app marked for translation, the Welsh catalogue
shown, the API's messages in the reader's language and notifications in the
recipient's."""

import re

import pytest
from django.urls import reverse

from communities.services import content_hide
from notifications.models import Notification
from stories import services
from stories.models import Comment
from tests.factories import CampaignFactory, MembershipFactory, UserFactory
from tests.pseudo_locale import unmarked_english

pytestmark = pytest.mark.django_db

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy"}

# The error summary's title comes from the shared forms macro (templates/jinja2/macros),
# which the project's catalogue covers, not this app's.
SHARED_MACRO_TEXT = ("There is a problem",)


def main_of(html: str) -> str:
    """The page's <main> (the chrome around it is tested with the project's pages),
    without the CSRF token, whose random letters could spell an English word."""
    found = re.search(r"<main\b.*</main>", html, re.S)
    main = found.group(0) if found else html
    return re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">', "", main)


@pytest.fixture
def world(alice, bob, charlie, olivia, community, alice_in_community, pledge):
    """A community where Alice told a featured story with Bob (Charlie invited too),
    about her pledge and in a campaign, with comments and a reply; Dan, a newcomer
    whose stories the organiser Olivia reviews (one waiting, one returned); a hidden
    comment and a hidden story."""
    community.premoderate_first_posts = 1
    community.save(update_fields=["premoderate_first_posts"])
    MembershipFactory(community=community, member=bob, posts_approved=5)
    MembershipFactory(community=community, member=charlie, posts_approved=5)
    dan = UserFactory(email="dan@example.nhs.uk", display_name="Dan Davies")
    MembershipFactory(community=community, member=dan)
    alice_in_community.posts_approved = 5
    alice_in_community.save(update_fields=["posts_approved"])
    campaign = CampaignFactory(name="Change Day Cymru", slug="change-day-cymru")

    story = services.story_create(
        author=alice,
        title="Walking a mile a day on Morecambe Bay",
        summary="Twelve of us walked a mile a day for a month, and talked on the way.",
        body="We met at the **lifeboat station** at 7:30 every morning.",
        outcome="12 colleagues walked 360 miles together",
        community=community,
        tags="wellbeing, walking",
        pledges=[pledge],
        campaign=campaign,
    )
    services.story_publish(story=story, actor=alice)
    services.co_author_invite(story=story, actor=alice, member=bob)
    services.co_author_respond(story=story, member=bob, accept=True)
    services.co_author_invite(story=story, actor=alice, member=charlie)
    services.story_feature(story=story, actor=olivia)
    comment = services.comment_create(story=story, author=charlie, body="Lovely idea, Alice.")
    reply = services.comment_create(
        story=story, author=bob, body="Come along on Monday.", parent=comment
    )
    rude = services.comment_create(story=story, author=charlie, body="Walking is silly.")
    content_hide(item=rude, actor=olivia, reason="Unkind words")

    waiting = services.story_publish(
        story=services.story_create(
            author=dan,
            title="Our first week of quiet hours",
            summary="We dimmed the lights at ten.",
            body="Patients slept better.",
            community=community,
        ),
        actor=dan,
    )
    returned = services.story_publish(
        story=services.story_create(
            author=dan,
            title="Tea trolley Tuesdays",
            summary="A tea trolley for night staff.",
            body="It worked.",
            community=community,
        ),
        actor=dan,
    )
    services.story_review(story=returned, actor=olivia, publish=False, note="Add a number.")
    hidden = services.story_publish(
        story=services.story_create(
            author=bob,
            title="Bins by the beds",
            summary="Fewer trips.",
            body="Yes.",
            community=community,
        ),
        actor=bob,
    )
    content_hide(item=hidden, actor=olivia, reason="Off topic")
    draft = services.story_create(
        author=alice, title="Night handovers", summary="Still writing.", body="Draft."
    )
    return {
        "story": story,
        "comment": comment,
        "reply": reply,
        "rude": rude,
        "waiting": waiting,
        "returned": returned,
        "hidden": hidden,
        "draft": draft,
        "dan": dan,
        "campaign": campaign,
        "pledge": pledge,
    }


def members_words(world, *people) -> tuple[str, ...]:
    """What members wrote and their names: never translated."""
    words = [
        "Morecambe Bay Walkers",
        "Change Day Cymru",
        "wellbeing",
        "walking",
        world["pledge"].sentence,
        world["pledge"].title,
        "Unkind words",
        "Off topic",
        "Add a number.",
        "http://testserver/stories/",
    ]
    title = world["pledge"].title
    words += [title[:1].upper() + title[1:], "change-day-cymru", "morecambe-bay-walkers"]
    for key in ("story", "waiting", "returned", "hidden", "draft"):
        s = world[key]
        words += [s.title, s.summary, s.body, s.outcome, *s.body.split("**")]
    for key in ("comment", "reply", "rude"):
        words.append(world[key].body)
    words += [p.display_name for p in people]
    return tuple(w for w in sorted(words, key=len, reverse=True) if w)


def pages(world, alice, bob, charlie, olivia, admin_user):
    """(who, method, url, data, headers) for every page of the app, as each kind of
    reader sees it, with forms' errors and htmx partials."""
    story, waiting, returned = world["story"], world["waiting"], world["returned"]
    comment, reply, rude = world["comment"], world["reply"], world["rude"]
    dan = world["dan"]
    slug = story.slug
    feed = reverse("stories:feed")
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "story-results"}
    return [
        (None, "get", feed, None, {}),
        (None, "get", feed + "?q=walked&community=morecambe-bay-walkers", None, {}),
        (None, "get", feed + "?q=zzzzqqq", None, {}),
        (None, "get", feed + "?tag=walking", None, htmx),
        (None, "get", reverse("stories:detail", args=[slug]), None, {}),
        (None, "get", reverse("stories:print", args=[slug]), None, {}),
        (alice, "get", feed, None, {}),
        (alice, "get", reverse("stories:mine"), None, {}),
        (alice, "get", reverse("stories:create"), None, {}),
        (alice, "get", reverse("stories:create") + f"?pledge={world['pledge'].pk}", None, {}),
        (alice, "post", reverse("stories:create"), {"title": "", "body": ""}, {}),
        (alice, "get", reverse("stories:detail", args=[slug]), None, {}),
        (alice, "get", reverse("stories:detail", args=[world["draft"].slug]), None, {}),
        (alice, "get", reverse("stories:edit", args=[slug]), None, {}),
        (alice, "post", reverse("stories:edit", args=[slug]), {"title": ""}, {}),
        (alice, "get", reverse("stories:delete", args=[slug]), None, {}),
        (alice, "get", reverse("stories:co_authors", args=[slug]), None, {}),
        (alice, "post", reverse("stories:co_authors", args=[slug]), {"email": "nobody"}, {}),
        (bob, "get", reverse("stories:detail", args=[slug]), None, {}),
        (bob, "get", reverse("stories:co_authors", args=[slug]), None, {}),
        (bob, "get", reverse("stories:comment_edit", args=[reply.pk]), None, {}),
        (bob, "post", reverse("stories:comment_edit", args=[reply.pk]), {"body": ""}, {}),
        (bob, "get", reverse("stories:detail", args=[world["hidden"].slug]), None, {}),
        (charlie, "get", reverse("stories:mine"), None, {}),
        (charlie, "get", reverse("stories:detail", args=[slug]), None, {}),
        (charlie, "get", reverse("stories:comment_edit", args=[comment.pk]), None, {}),
        (charlie, "get", reverse("stories:flag", args=["story", story.pk]), None, {}),
        (charlie, "get", reverse("stories:flag", args=["comment", reply.pk]), None, {}),
        (charlie, "post", reverse("stories:comment_create", args=[slug]), {"body": ""}, {}),
        (
            charlie,
            "post",
            reverse("stories:react", args=[slug]),
            {},
            {"HTTP_HX_REQUEST": "true"},
        ),
        (dan, "get", reverse("stories:mine"), None, {}),
        (dan, "get", reverse("stories:detail", args=[waiting.slug]), None, {}),
        (dan, "get", reverse("stories:detail", args=[returned.slug]), None, {}),
        (olivia, "get", reverse("stories:review_queue"), None, {}),
        (olivia, "get", reverse("stories:review", args=[waiting.slug]), None, {}),
        (olivia, "post", reverse("stories:review", args=[waiting.slug]), {"note": ""}, {}),
        (olivia, "get", reverse("stories:review", args=[slug]), None, {}),
        (olivia, "get", reverse("stories:detail", args=[slug]), None, {}),
        (olivia, "get", reverse("stories:moderate", args=["story", story.pk, "hide"]), None, {}),
        (
            olivia,
            "get",
            reverse("stories:moderate", args=["comment", rude.pk, "restore"]),
            None,
            {},
        ),
        (admin_user, "get", reverse("stories:detail", args=[world["hidden"].slug]), None, {}),
        (admin_user, "get", reverse("stories:review_queue"), None, {}),
    ]


def test_every_page_of_stories_is_marked_for_translation(
    pseudo_welsh, client, world, alice, bob, charlie, olivia, admin_user
):
    allowed = members_words(world, alice, bob, charlie, olivia, admin_user, world["dan"])
    left = {}
    for who, method, url, data, headers in pages(world, alice, bob, charlie, olivia, admin_user):
        client.logout()
        if who is not None:
            client.force_login(who)
        response = getattr(client, method)(url, data or {}, **WELSH, **headers)
        assert response.status_code in (200, 400), (url, response.status_code)
        found = unmarked_english(
            main_of(response.content.decode()), allowed=allowed + SHARED_MACRO_TEXT
        )
        if found:
            left[f"{getattr(who, 'display_name', 'anonymous')} {method} {url}"] = found
    assert left == {}


def test_the_empty_feed_and_lists_are_marked_for_translation(pseudo_welsh, client, alice):
    pages = [reverse("stories:feed"), reverse("stories:mine"), reverse("stories:review_queue")]
    client.force_login(alice)
    for url in pages:
        html = client.get(url, **WELSH).content.decode()
        assert unmarked_english(main_of(html), allowed=("Alice Ahmed",)) == [], url


def test_sections_on_other_apps_pages_are_marked_for_translation(
    pseudo_welsh, client, world, alice, charlie
):
    """The home page's featured stories, the community page's and a pledge page's."""
    community = world["story"].community
    allowed = members_words(world, alice, charlie) + ("Morecambe Bay Walkers",)
    client.force_login(charlie)
    for url in (
        "/",
        reverse("communities:detail", args=[community.slug]),
        world["pledge"].get_absolute_url(),
    ):
        html = client.get(url, **WELSH).content.decode()
        section = re.findall(
            r"<section\b(?:(?!<section\b).)*?radicals-story-list.*?</section>", html, re.S
        )
        assert section, url
        assert unmarked_english("\n".join(section), allowed=allowed) == [], url


def test_a_story_page_reads_in_welsh(client, story):
    html = client.get(reverse("stories:feed"), **WELSH).content.decode()

    assert "Straeon newid" in html
    assert "Change stories" not in html
    detail = client.get(story.get_absolute_url(), **WELSH).content.decode()
    assert "Fersiwn i&#39;w argraffu" in detail or "Fersiwn i'w argraffu" in detail


def test_english_stays_the_default(client, story):
    html = client.get(reverse("stories:feed")).content.decode()

    assert "Change stories" in html


def test_the_print_button_label_comes_from_the_page_in_its_language(client, story):
    html = client.get(reverse("stories:print", args=[story.slug]), **WELSH).content.decode()

    assert "Argraffu&#39;r stori hon" in html or "Argraffu'r stori hon" in html


def test_api_errors_come_out_in_the_readers_language(api_for, alice, bob, story):
    api = api_for(alice)
    response = api.post(
        "/api/stories/",
        {"title": "", "summary": "", "body": "Hi"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="cy",
    )
    assert response.status_code == 400
    assert response.json()["title"] == ["Rhowch deitl i'ch stori."]

    refused = api_for(bob).post(
        f"/api/stories/{story.pk}/publish/", format="json", HTTP_ACCEPT_LANGUAGE="cy"
    )
    assert refused.status_code == 403
    assert "Dim ond awdur y stori" in str(refused.json())

    english = api.post("/api/stories/", {"title": "", "summary": "", "body": "Hi"}, format="json")
    assert english.json()["title"] == ["Give your story a title."]


def test_notifications_go_out_in_the_recipients_language(client, story, alice, bob, charlie):
    alice.language = "cy"
    alice.save(update_fields=["language"])

    services.reaction_add(story=story, member=bob)
    services.co_author_invite(story=story, actor=alice, member=charlie)

    to_alice = Notification.objects.get(recipient=alice)
    assert to_alice.title == f"Cafodd {bob.name_for(alice)} ei ysbrydoli gan “{story.title}”"
    to_charlie = Notification.objects.get(recipient=charlie)
    assert to_charlie.title.endswith(f"invited you to co-author “{story.title}”")


def test_a_comment_notification_follows_each_recipient(story_with_co_author, alice, bob, charlie):
    bob.language = "cy"
    bob.save(update_fields=["language"])

    comment = services.comment_create(story=story_with_co_author, author=charlie, body="Great.")

    assert Comment.objects.filter(pk=comment.pk).exists()
    titles = dict(
        Notification.objects.filter(kind="story_comment").values_list("recipient_id", "title")
    )
    assert titles[bob.pk].startswith(f"Mae {charlie.name_for(bob)} wedi rhoi sylw ar")
    assert titles[alice.pk].startswith(f"{charlie.name_for(alice)} commented on")


def test_the_admin_names_stories_fields_in_welsh(client, admin_user, story):
    admin_user.language = "cy"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    html = client.get(reverse("admin:stories_story_changelist")).content.decode()

    assert "Teitl" in html
    assert "Amser cyhoeddi" in html
