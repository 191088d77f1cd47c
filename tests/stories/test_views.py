from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Flag
from communities.moderation import ModerationStatus
from communities.services import content_hide
from reports import rollups
from stories import sections, services
from stories.models import BODY_MAX_LENGTH, CoAuthor, Comment, Story
from tests.factories import (
    CoAuthorFactory,
    CommentFactory,
    CommunityFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE_MARKDOWN = """\
# Hello

<script>alert("script-tag")</script>

[Click me](javascript:alert('js-link'))

<img src="x" onerror="alert('event-handler')">

<div onclick="alert('raw-block')"><iframe src="https://evil.example"></iframe>
<p>raw html block</p></div>

<a href="https://www.nhs.uk" onmouseover="alert('hover')">NHS</a>

**safe bold**
"""


def _assert_sanitised(html: str) -> None:
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert 'alert("script-tag")' not in html
    assert "javascript:" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered
    assert "onmouseover" not in lowered
    assert "<iframe" not in lowered
    assert "<strong>safe bold</strong>" in html


# --- Sanitisation ----------------------------------------------------------------------


def test_the_story_page_sanitises_markdown(client, alice):
    story = StoryFactory(author=alice, body=HOSTILE_MARKDOWN)

    response = client.get(reverse("stories:detail", args=[story.slug]))

    assert response.status_code == 200
    _assert_sanitised(response.content.decode())
    assert 'href="https://www.nhs.uk"' in response.content.decode()


def test_the_printable_page_and_comments_are_sanitised_too(client, alice):
    story = StoryFactory(author=alice, body=HOSTILE_MARKDOWN)
    CommentFactory(story=story, body=HOSTILE_MARKDOWN)

    for name in ("stories:print", "stories:detail"):
        _assert_sanitised(client.get(reverse(name, args=[story.slug])).content.decode())


# --- Feed ------------------------------------------------------------------------------


def test_the_feed_shows_published_stories_and_never_drafts(client, story, story_draft, alice):
    draft = services.story_create(
        author=alice, title="A private draft", summary="Shh", body="Not yet", tags="secret"
    )
    response = client.get(reverse("stories:feed"))
    html = response.content.decode()

    assert story.title in html
    assert draft.title not in html
    response = client.get(reverse("stories:feed"), {"q": "private"})
    assert draft.title not in response.content.decode()


def test_the_feed_searches_and_filters(client, alice):
    nights = TagFactory(name="nights")
    walkers = CommunityFactory(name="Bay Walkers")
    quiet = StoryFactory(title="Quiet nights on ward 4", body="Earplugs for everyone.")
    quiet.tags.add(nights)
    walking = StoryFactory(title="A mile a day", community=walkers)

    by_text = client.get(reverse("stories:feed"), {"q": "earplugs"}).context["stories"]
    by_tag = client.get(reverse("stories:feed"), {"tag": "nights"}).context["stories"]
    by_community = client.get(reverse("stories:feed"), {"community": walkers.slug})
    assert by_text == [quiet]
    assert by_tag == [quiet]
    assert by_community.context["stories"] == [walking]
    assert "1 story found" in by_community.content.decode()


def test_htmx_filtering_returns_only_the_results(client):
    StoryFactory(title="Quiet nights")
    response = client.get(
        reverse("stories:feed"),
        {"q": "quiet"},
        headers={"HX-Request": "true", "HX-Target": "story-results"},
    )
    html = response.content.decode()
    assert "Quiet nights" in html
    assert "<html" not in html


def test_featured_stories_come_first(client):
    StoryFactory(title="Newest")
    featured = StoryFactory(
        title="Featured older", is_featured=True, published_at=timezone.now() - timedelta(days=9)
    )
    assert client.get(reverse("stories:feed")).context["stories"][0] == featured


def _feed_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("stories:feed"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_stories(n: int) -> None:
    tag = TagFactory(name="teamwork")
    community = CommunityFactory()
    for _ in range(n):
        story = StoryFactory(community=community)
        story.tags.add(tag)
        CoAuthorFactory(story=story)
        CommentFactory(story=story)


def test_the_feed_query_count_does_not_grow_with_rows(client_for, alice):
    client = client_for(alice)
    _add_stories(2)
    few = _feed_queries(client)
    _add_stories(10)
    many = _feed_queries(client)
    assert few == many


def test_my_stories_query_count_does_not_grow_with_rows(client_for, alice):
    client = client_for(alice)
    StoryFactory(author=alice)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("stories:mine"))
    for _ in range(6):
        story = StoryFactory(author=alice)
        CoAuthorFactory(story=story)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("stories:mine"))
    assert len(response.context["stories"]) == 7
    assert len(few.captured_queries) == len(many.captured_queries)


# --- Draft privacy across pages --------------------------------------------------------


def test_a_draft_is_private_on_every_page(client, client_for, story_draft, bob, alice):
    detail = reverse("stories:detail", args=[story_draft.slug])
    printable = reverse("stories:print", args=[story_draft.slug])

    assert client.get(detail).status_code == 404
    assert client.get(printable).status_code == 404
    bob_client = client_for(bob)
    assert bob_client.get(detail).status_code == 404
    assert bob_client.get(reverse("stories:edit", args=[story_draft.slug])).status_code == 404
    assert story_draft.title not in bob_client.get(reverse("stories:feed")).content.decode()
    profile = bob_client.get(reverse("members:profile", args=[alice.pk]))
    assert story_draft.title not in profile.content.decode()

    alice_client = client_for(alice)
    assert alice_client.get(detail).status_code == 200
    assert story_draft.title in alice_client.get(reverse("stories:mine")).content.decode()


# --- Writing ---------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "title": "Noise at night on ward 7",
        "summary": "We cut the noise at night by half.",
        "body": "We measured it first.",
        "outcome": "Noise at night fell from 62 dB to 48 dB",
        "community": "",
        "tags": "nights, noise",
    }
    data.update(overrides)
    return data


def test_a_member_writes_a_draft_and_publishes_it(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("stories:create"), _form())
    story = Story.objects.get()
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url()
    assert story.status == Story.Status.DRAFT

    response = client.post(reverse("stories:publish", args=[story.slug]), follow=True)
    assert "Your story is published" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_an_empty_body_is_refused_and_what_was_typed_is_kept(client_for, alice):
    response = client_for(alice).post(reverse("stories:create"), _form(body=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Write your story. It cannot be empty." in html
    assert 'value="Noise at night on ward 7"' in html
    assert Story.objects.count() == 0


def test_a_one_megabyte_body_is_refused_with_the_limit(client_for, alice):
    response = client_for(alice).post(reverse("stories:create"), _form(body="x" * 1_048_576))

    assert f"Keep it to {BODY_MAX_LENGTH:,} characters or fewer" in response.content.decode()
    assert Story.objects.count() == 0


def test_only_editors_see_the_edit_page(client_for, story_with_co_author, charlie, bob):
    url = reverse("stories:edit", args=[story_with_co_author.slug])
    assert client_for(charlie).get(url).status_code == 403
    response = client_for(bob).get(url)
    assert response.status_code == 200
    assert "community" not in response.context["form"].fields


def test_an_editor_changes_the_story(client_for, story_with_co_author, bob):
    url = reverse("stories:edit", args=[story_with_co_author.slug])
    response = client_for(bob).post(url, _form(title="Walking a mile, every day"))
    assert response.status_code == 302
    story_with_co_author.refresh_from_db()
    assert story_with_co_author.title == "Walking a mile, every day"


def test_the_author_deletes_their_story(client_for, story, alice, bob):
    url = reverse("stories:delete", args=[story.slug])
    assert client_for(bob).post(url).status_code == 403
    response = client_for(alice).post(url)
    assert response.status_code == 302
    assert not Story.objects.filter(pk=story.pk).exists()


# --- Review ----------------------------------------------------------------------------


@pytest.fixture
def submitted(community, alice, alice_in_community):
    community.premoderate_first_posts = 1
    community.save(update_fields=["premoderate_first_posts"])
    story = services.story_create(
        author=alice, community=community, title="Our first week", summary="Hi", body="Story"
    )
    return services.story_publish(story=story, actor=alice)


def test_the_organiser_returns_a_story_with_a_note(client_for, submitted, olivia, alice):
    client = client_for(olivia)
    queue = client.get(reverse("stories:review_queue"))
    assert submitted.title in queue.content.decode()

    url = reverse("stories:review", args=[submitted.slug])
    refused = client.post(url, {"decision": "return", "note": ""})
    assert "Tell the author what to change" in refused.content.decode()

    response = client.post(url, {"decision": "return", "note": "Add what you measured."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Story.Status.RETURNED
    page = client_for(alice).get(reverse("stories:detail", args=[submitted.slug]))
    assert "Add what you measured." in page.content.decode()


def test_members_cannot_open_the_review_page(client_for, submitted, alice):
    assert (
        client_for(alice).get(reverse("stories:review", args=[submitted.slug])).status_code == 403
    )


def test_an_organiser_features_a_story(client_for, community, alice, alice_in_community, olivia):
    story = services.story_create(
        author=alice, community=community, title="Bay walk", summary="Walk", body="We walked."
    )
    services.story_publish(story=story, actor=alice)
    response = client_for(olivia).post(
        reverse("stories:feature", args=[story.slug]), {"featured": "1"}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_featured


def test_a_member_cannot_feature_stories(client_for, story, bob):
    response = client_for(bob).post(
        reverse("stories:feature", args=[story.slug]), {"featured": "1"}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert not story.is_featured


# --- Co-authors ------------------------------------------------------------------------


def test_the_author_invites_a_co_author_by_email(client_for, story, alice, bob):
    url = reverse("stories:co_authors", args=[story.slug])
    unknown = client_for(alice).post(url, {"email": "nobody@example.nhs.uk"})
    assert "No member has that email address" in unknown.content.decode()

    response = client_for(alice).post(url, {"email": "BOB@example.nhs.uk"})
    assert response.status_code == 302
    assert CoAuthor.objects.get(story=story).member == bob


def test_the_invited_member_accepts_from_their_stories_page(client_for, story_draft, alice, bob):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    client = client_for(bob)
    assert story_draft.title in client.get(reverse("stories:mine")).content.decode()

    response = client.post(
        reverse("stories:co_author_respond", args=[story_draft.pk]), {"answer": "accept"}
    )
    assert response.status_code == 302
    assert client.get(reverse("stories:detail", args=[story_draft.slug])).status_code == 200


def test_the_invited_member_declines(client_for, story_draft, alice, bob):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    client_for(bob).post(
        reverse("stories:co_author_respond", args=[story_draft.pk]), {"answer": "decline"}
    )
    assert CoAuthor.objects.get().status == CoAuthor.Status.DECLINED
    assert client_for(bob).get(story_draft.get_absolute_url()).status_code == 404


# --- Reactions and comments ------------------------------------------------------------


def test_reacting_with_htmx_swaps_the_count(client_for, story, bob):
    client = client_for(bob)
    url = reverse("stories:react", args=[story.slug])
    response = client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert '<span class="radicals-count">1</span>' in html
    assert "Take back" in html

    again = client.post(url, headers={"HX-Request": "true"})
    assert "You have already said this story inspired you." in again.content.decode()
    story.refresh_from_db()
    assert story.inspired_count == 1


def test_reacting_without_javascript_redirects_back(client_for, story, bob):
    response = client_for(bob).post(reverse("stories:react", args=[story.slug]))
    assert response.status_code == 302
    assert response["Location"].endswith("#reactions")


def test_a_member_comments_and_replies(client_for, story, bob, charlie):
    url = reverse("stories:comment_create", args=[story.slug])
    response = client_for(bob).post(url, {"body": "How did you start?"})
    top = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{top.pk}")

    client_for(charlie).post(url, {"body": "With a poster.", "parent": top.pk})
    page = client_for(charlie).get(story.get_absolute_url())
    assert page.context["threads"][0].visible_replies[0].body == "With a poster."


def test_an_empty_comment_is_refused_on_the_page(client_for, story, bob):
    response = client_for(bob).post(
        reverse("stories:comment_create", args=[story.slug]), {"body": ""}
    )
    assert response.status_code == 400
    assert "Write your comment" in response.content.decode()
    assert Comment.objects.count() == 0


def test_commenting_on_a_hidden_story_is_refused_with_a_message(
    client_for, story, alice, admin_user
):
    content_hide(item=story, actor=admin_user, reason="Check the names")
    response = client_for(alice).post(
        reverse("stories:comment_create", args=[story.slug]), {"body": "Fixed it"}
    )
    assert response.status_code == 400
    assert "hidden by the moderators" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_comment_cannot_be_edited_after_the_window(client_for, story, bob, settings):
    settings.STORIES_COMMENT_EDIT_MINUTES = 15
    comment = CommentFactory(
        story=story, author=bob, created_at=timezone.now() - timedelta(minutes=20)
    )
    url = reverse("stories:comment_edit", args=[comment.pk])
    assert "that time has passed" in client_for(bob).get(url).content.decode()
    response = client_for(bob).post(url, {"body": "Changed"})
    assert "Comments can be changed for 15 minutes" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body != "Changed"


def test_a_member_flags_a_comment(client_for, story, bob, charlie):
    comment = CommentFactory(story=story, author=bob)
    response = client_for(charlie).post(
        reverse("stories:flag", args=["comment", comment.pk]), {"reason": "Names a patient"}
    )
    assert response.status_code == 302
    assert Flag.objects.get().target == comment


def test_a_flag_needs_a_reason(client_for, story, charlie):
    response = client_for(charlie).post(reverse("stories:flag", args=["story", story.pk]), {})
    assert "Tell the organisers what is wrong" in response.content.decode()
    assert Flag.objects.count() == 0


def test_an_admin_hides_a_story_with_a_reason(client_for, story, admin_user, bob):
    url = reverse("stories:moderate", args=["story", story.pk, "hide"])
    assert client_for(bob).get(url).status_code == 403
    response = client_for(admin_user).post(url, {"reason": "Names a patient"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.moderation_status == ModerationStatus.HIDDEN


# --- Other pages -----------------------------------------------------------------------


def test_the_home_page_shows_featured_stories_and_the_total(client, story, admin_user):
    services.story_feature(story=story, actor=admin_user)
    rollups.rollups_tick()  # the home page's figures are the rollups'
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "Featured stories" in html
    assert story.title in html
    assert ("stories told", 1) in [(s.label, s.value) for s in response.context["stats"]]


def test_the_profile_shows_published_stories(client, story_with_co_author, bob):
    response = client.get(reverse("members:profile", args=[bob.pk]))
    assert story_with_co_author.title in response.content.decode()


def test_the_community_section_lists_featured_then_recent(rf, community, olivia):
    recent = StoryFactory(community=community)
    featured = StoryFactory(
        community=community, is_featured=True, published_at=timezone.now() - timedelta(days=30)
    )
    StoryFactory(community=community, status="draft", published_at=None)
    request = rf.get("/")
    request.user = UserFactory()
    section = sections.community_stories(request=request, community=community)
    assert section.context["stories"] == [featured, recent]


def test_the_printable_page_has_the_story_and_no_comment_form(client, story):
    response = client.get(reverse("stories:print", args=[story.slug]))
    html = response.content.decode()
    assert story.title in html
    assert "data-story-print" in html
    assert "Post your comment" not in html


def test_every_story_page_keeps_to_the_content_security_policy(
    client_for, submitted, olivia, alice, bob, story_with_co_author
):
    from tests.security.test_csp import inline_code

    comment = CommentFactory(story=story_with_co_author, author=bob)
    story = story_with_co_author
    pages = {
        alice: [
            reverse("stories:feed"),
            reverse("stories:create"),
            reverse("stories:mine"),
            story.get_absolute_url(),
            reverse("stories:edit", args=[story.slug]),
            reverse("stories:co_authors", args=[story.slug]),
            reverse("stories:print", args=[story.slug]),
            reverse("stories:delete", args=[story.slug]),
            reverse("stories:flag", args=["comment", comment.pk]),
        ],
        bob: [reverse("stories:comment_edit", args=[comment.pk])],
        olivia: [
            reverse("stories:review_queue"),
            reverse("stories:review", args=[submitted.slug]),
            submitted.get_absolute_url(),
        ],
    }
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert inline_code(response.content.decode()) == [], url


def test_a_newcomer_is_told_their_story_goes_to_the_organisers(
    client_for, community, alice, alice_in_community
):
    community.premoderate_first_posts = 1
    community.save(update_fields=["premoderate_first_posts"])
    story = services.story_create(
        author=alice, community=community, title="First", summary="Hi", body="Story"
    )
    html = client_for(alice).get(story.get_absolute_url()).content.decode()
    assert "Submit for review" in html

    response = client_for(alice).post(reverse("stories:publish", args=[story.slug]), follow=True)
    assert "Your story is with the organisers of Morecambe Bay Walkers" in (
        response.content.decode()
    )


# --- Comments come a page at a time ---------------------------------------------------


@pytest.fixture
def busy_story(story, bob):
    from tests.factories import CommentFactory

    threads = CommentFactory.create_batch(25, story=story, author=bob)
    for thread in threads[:3]:
        CommentFactory(story=story, author=bob, parent=thread, body="A reply")
    return story


def test_a_story_page_shows_the_first_comment_threads_and_a_more_comments_link(client, busy_story):
    page = client.get(busy_story.get_absolute_url())

    threads = page.context["threads"]
    assert len(threads) == 20 and threads.paginator.count == 25
    assert threads[0].visible_replies[0].body == "A reply"
    html = page.content.decode()
    assert "More comments" in html
    assert 'hx-get="' + busy_story.get_absolute_url() + '?comments=2"' in html


def test_more_comments_without_javascript_is_the_next_page_of_the_story(client, busy_story):
    page = client.get(busy_story.get_absolute_url(), {"comments": "2"})

    assert page.status_code == 200
    assert len(page.context["threads"]) == 5
    html = page.content.decode()
    assert "Earlier comments" in html and "More comments" not in html


def test_more_comments_with_htmx_sends_only_the_next_threads(client, busy_story):
    response = client.get(
        busy_story.get_absolute_url(),
        {"comments": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="comments-more",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="radicals-comment"') == 5
    assert "<h2" not in html and "More comments" not in html


@pytest.mark.parametrize("value", ["abc", "0", "-1", "999999", "1" * 40, "2.5"])
def test_an_odd_comments_page_number_still_shows_a_page(client, busy_story, value):
    response = client.get(busy_story.get_absolute_url(), {"comments": value})

    assert response.status_code == 200
    assert len(response.context["threads"]) in (20, 5)


def test_the_story_page_costs_the_same_queries_however_many_comments(
    client, story, bob, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CommentFactory

    CommentFactory.create_batch(2, story=story, author=bob)
    with CaptureQueriesContext(connection) as few:
        client.get(story.get_absolute_url())
    CommentFactory.create_batch(60, story=story, author=bob)
    with CaptureQueriesContext(connection) as many:
        response = client.get(story.get_absolute_url())

    assert len(response.context["threads"]) == 20
    assert len(many.captured_queries) <= len(few.captured_queries) + 1


def test_a_new_comment_on_a_busy_story_leads_to_the_page_that_shows_it(
    client_for, busy_story, charlie
):
    url = reverse("stories:comment_create", args=[busy_story.slug])

    response = client_for(charlie).post(url, {"body": "Late to this one."})

    comment = Comment.objects.get(body="Late to this one.")
    assert response["Location"].endswith(f"?comments=2#comment-{comment.pk}")
    page = client_for(charlie).get(response["Location"].split("#")[0])
    assert "Late to this one." in page.content.decode()
