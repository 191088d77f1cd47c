import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.services import content_hide
from stories import services
from stories.models import BODY_MAX_LENGTH, CoAuthor, Comment, Reaction, Story
from tests.factories import CoAuthorFactory, CommentFactory, StoryFactory, TagFactory

pytestmark = pytest.mark.django_db

NEW_STORY = {
    "title": "What matters to you",
    "summary": "We asked every patient one question.",
    "body": "It began with a *poster* in the day room.",
    "outcome": "42 patients asked what matters to them",
    "tags": ["patient experience", "listening"],
}


def test_a_member_creates_a_draft(api_for, alice):
    response = api_for(alice).post("/api/stories/", NEW_STORY, format="json")

    assert response.status_code == 201, response.data
    assert response.data["status"] == "draft"
    assert response.data["tags"] == ["listening", "patient experience"]
    assert response.data["author"]["id"] == alice.pk
    assert "<em>poster</em>" in response.data["body_html"]


def test_anonymous_visitors_cannot_create(api_client):
    assert api_client.post("/api/stories/", NEW_STORY, format="json").status_code in (401, 403)


def test_unknown_or_privileged_fields_are_refused(api_for, alice):
    response = api_for(alice).post(
        "/api/stories/", {**NEW_STORY, "status": "published", "is_featured": True}, format="json"
    )
    assert response.status_code == 400
    assert set(response.data) == {"status", "is_featured"}
    assert Story.objects.count() == 0


def test_an_empty_body_is_a_400(api_for, alice):
    response = api_for(alice).post("/api/stories/", {**NEW_STORY, "body": ""}, format="json")
    assert response.status_code == 400
    assert response.data["body"] == ["Write your story. It cannot be empty."]


def test_a_one_megabyte_body_is_a_400_with_the_limit(api_for, alice):
    response = api_for(alice).post(
        "/api/stories/", {**NEW_STORY, "body": "z" * 1_048_576}, format="json"
    )
    assert response.status_code == 400
    assert f"{BODY_MAX_LENGTH:,} characters or fewer" in response.data["body"][0]
    assert Story.objects.count() == 0


def test_the_api_renders_sanitised_html(api_client):
    story = StoryFactory(
        body='<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror="alert(3)">'
    )
    html = api_client.get(f"/api/stories/{story.pk}/").data["body_html"]
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_drafts_stay_private_in_the_api(api_client, api_for, story_draft, bob, alice):
    assert api_client.get(f"/api/stories/{story_draft.pk}/").status_code == 404
    assert api_for(bob).get(f"/api/stories/{story_draft.pk}/").status_code == 404
    assert api_for(bob).get("/api/stories/", {"q": "Morecambe"}).data["count"] == 0
    assert api_for(alice).get("/api/stories/").data["count"] == 0
    mine = api_for(alice).get("/api/stories/mine/").data
    assert [s["id"] for s in mine["results"]] == [story_draft.pk]


def test_the_feed_is_public_and_searchable(api_client, story):
    StoryFactory(title="Quiet nights", body="Earplugs on ward 7.")
    everything = api_client.get("/api/stories/").data
    found = api_client.get("/api/stories/", {"q": "earplugs"}).data
    assert everything["count"] == 2
    assert [s["title"] for s in found["results"]] == ["Quiet nights"]
    tagged = api_client.get("/api/stories/", {"tag": "walking"}).data
    assert [s["id"] for s in tagged["results"]] == [story.pk]


def test_the_feed_query_count_does_not_grow_with_rows(api_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get("/api/stories/").status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        tag = TagFactory(name="teams")
        for _ in range(n):
            story = StoryFactory()
            story.tags.add(tag)
            CoAuthorFactory(story=story)
            CommentFactory(story=story)

    add(2)
    few = queries()
    add(8)
    assert queries() == few


def test_the_lifecycle_through_the_api(api_for, alice, community, alice_in_community, olivia):
    community.premoderate_first_posts = 2
    community.save(update_fields=["premoderate_first_posts"])
    alice_api = api_for(alice)
    created = alice_api.post(
        "/api/stories/", {**NEW_STORY, "community": community.slug}, format="json"
    ).data
    pk = created["id"]

    submitted = alice_api.post(f"/api/stories/{pk}/publish/")
    assert submitted.data["status"] == "submitted"
    refused = alice_api.post(f"/api/stories/{pk}/review/", {"decision": "publish"}, format="json")
    assert refused.status_code == 403

    olivia_api = api_for(olivia)
    assert [s["id"] for s in olivia_api.get("/api/stories/review/").data["results"]] == [pk]
    no_note = olivia_api.post(f"/api/stories/{pk}/review/", {"decision": "return"}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.data
    returned = olivia_api.post(
        f"/api/stories/{pk}/review/",
        {"decision": "return", "note": "Add a photo caption."},
        format="json",
    )
    assert returned.data["status"] == "returned"
    assert alice_api.get(f"/api/stories/{pk}/").data["review_note"] == "Add a photo caption."

    alice_api.post(f"/api/stories/{pk}/publish/")
    published = olivia_api.post(
        f"/api/stories/{pk}/review/", {"decision": "publish"}, format="json"
    )
    assert published.data["status"] == "published"
    featured = olivia_api.post(f"/api/stories/{pk}/feature/", {"featured": True}, format="json")
    assert featured.data["is_featured"] is True

    withdrawn = alice_api.post(f"/api/stories/{pk}/withdraw/")
    assert withdrawn.data["status"] == "draft" and withdrawn.data["is_featured"] is False


def test_editing_through_the_api(api_for, story_with_co_author, bob, charlie):
    url = f"/api/stories/{story_with_co_author.pk}/"
    assert api_for(charlie).patch(url, {"title": "Mine"}, format="json").status_code == 403
    response = api_for(bob).patch(url, {"outcome": "15 walkers"}, format="json")
    assert response.status_code == 200
    assert response.data["outcome"] == "15 walkers"
    assert response.data["title"] == story_with_co_author.title
    huge = api_for(bob).patch(url, {"body": "y" * (BODY_MAX_LENGTH + 1)}, format="json")
    assert huge.status_code == 400


def test_co_authors_through_the_api(api_for, story_draft, alice, bob, charlie):
    url = f"/api/stories/{story_draft.pk}/co-authors/"
    assert api_for(bob).post(url, {"member": charlie.pk}, format="json").status_code == 404
    invited = api_for(alice).post(url, {"member": bob.pk}, format="json")
    assert invited.status_code == 201 and invited.data["status"] == "invited"

    invitations = api_for(bob).get("/api/stories/invitations/").data
    assert [i["story"]["id"] for i in invitations] == [story_draft.pk]
    answer = api_for(bob).post(
        f"/api/stories/{story_draft.pk}/invitation/", {"accept": True}, format="json"
    )
    assert answer.data["status"] == "accepted"
    assert api_for(bob).get(f"/api/stories/{story_draft.pk}/").status_code == 200

    listed = api_for(bob).get(url).data
    assert [(c["member"]["id"], c["status"]) for c in listed] == [(bob.pk, "accepted")]
    removed = api_for(alice).delete(f"{url}{bob.pk}/")
    assert removed.status_code == 204
    assert CoAuthor.objects.get().status == "removed"


def test_declining_through_the_api(api_for, story_draft, alice, bob):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    url = f"/api/stories/{story_draft.pk}/invitation/"
    assert api_for(bob).post(url, {"accept": False}, format="json").data["status"] == "declined"
    again = api_for(bob).post(url, {"accept": True}, format="json")
    assert again.status_code == 400
    assert "invite you again" in again.data["non_field_errors"][0]


def test_reacting_twice_is_a_400_and_counts_once(api_for, story, bob):
    url = f"/api/stories/{story.pk}/reactions/"
    first = api_for(bob).post(url)
    assert first.status_code == 201
    assert first.data == {"inspired_count": 1, "has_reacted": True}

    second = api_for(bob).post(url)
    assert second.status_code == 400
    assert second.data == {"non_field_errors": ["You have already said this story inspired you."]}
    assert Reaction.objects.count() == 1

    undone = api_for(bob).delete(url)
    assert undone.data == {"inspired_count": 0, "has_reacted": False}


def test_comments_through_the_api(api_for, api_client, story, bob, charlie, settings):
    url = f"/api/stories/{story.pk}/comments/"
    top = api_for(bob).post(url, {"body": "Brilliant"}, format="json")
    assert top.status_code == 201
    reply = api_for(charlie).post(url, {"body": "Agreed", "parent": top.data["id"]}, format="json")
    assert reply.data["parent"] == top.data["id"]
    listed = api_client.get(url).data
    assert [c["body"] for c in listed["results"]] == ["Brilliant", "Agreed"]

    edited = api_for(bob).patch(
        f"/api/stories/comments/{top.data['id']}/", {"body": "Brilliant!"}, format="json"
    )
    assert edited.data["body"] == "Brilliant!"
    other = api_for(charlie).patch(
        f"/api/stories/comments/{top.data['id']}/", {"body": "Hijack"}, format="json"
    )
    assert other.status_code == 403

    empty = api_for(bob).post(url, {"body": ""}, format="json")
    assert empty.status_code == 400 and "body" in empty.data
    bad_parent = api_for(bob).post(url, {"body": "x", "parent": 999999}, format="json")
    assert bad_parent.status_code == 400 and "parent" in bad_parent.data


def test_commenting_on_a_hidden_story_is_refused(api_for, story, alice, charlie, admin_user):
    content_hide(item=story, actor=admin_user, reason="Names a patient")
    url = f"/api/stories/{story.pk}/comments/"

    assert api_for(charlie).post(url, {"body": "Hi"}, format="json").status_code == 404
    response = api_for(alice).post(url, {"body": "Fixed"}, format="json")
    assert response.status_code == 400
    assert "hidden by the moderators" in response.data["non_field_errors"][0]
    assert Comment.objects.count() == 0


def test_flagging_through_the_api(api_for, story, bob, alice):
    comment = CommentFactory(story=story, author=bob)
    assert (
        api_for(bob)
        .post(f"/api/stories/{story.pk}/flag/", {"reason": "Identifies a patient"}, format="json")
        .status_code
        == 201
    )
    again = api_for(bob).post(f"/api/stories/{story.pk}/flag/", {"reason": "Still"}, format="json")
    assert again.status_code == 400
    own = api_for(bob).post(
        f"/api/stories/comments/{comment.pk}/flag/", {"reason": "Oops"}, format="json"
    )
    assert own.status_code == 400
    assert (
        api_for(alice)
        .post(f"/api/stories/comments/{comment.pk}/flag/", {"reason": "Unkind"}, format="json")
        .status_code
        == 201
    )


def test_the_author_deletes_through_the_api(api_for, story, alice, bob):
    assert api_for(bob).delete(f"/api/stories/{story.pk}/").status_code == 403
    assert api_for(alice).delete(f"/api/stories/{story.pk}/").status_code == 204
    assert not Story.objects.exists()


def test_the_schema_documents_the_stories_api(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    for path in (
        "/api/stories/",
        "/api/stories/{id}/",
        "/api/stories/{id}/co-authors/",
        "/api/stories/{id}/reactions/",
        "/api/stories/{id}/comments/",
        "/api/stories/{id}/review/",
    ):
        assert path in paths


def test_a_storys_comments_come_a_page_at_a_time_in_the_api(api_client, story, bob):
    CommentFactory.create_batch(25, story=story, author=bob)

    first = api_client.get(f"/api/stories/{story.pk}/comments/").json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 25 and len(first["results"]) == 20
    assert len(second["results"]) == 5 and second["next"] is None
