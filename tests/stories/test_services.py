from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.models import AuditEntry, Membership
from communities.moderation import ModerationStatus
from communities.services import content_hide
from notifications.models import Kind, Notification
from stories import selectors, services
from stories.models import BODY_MAX_LENGTH, CoAuthor, Comment, Reaction, Story, StoryEvent
from tests.factories import CommentFactory, MembershipFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _story_fields(**overrides):
    fields = {
        "title": "Asking patients what matters to them",
        "summary": "We asked every patient one question on admission.",
        "body": "It started with a poster.",
    }
    fields.update(overrides)
    return fields


# --- Writing ---------------------------------------------------------------------------


def test_a_new_story_is_a_private_draft(alice, bob):
    story = services.story_create(author=alice, tags="Nights, noise , nights", **_story_fields())

    assert story.status == Story.Status.DRAFT
    assert story.slug == "asking-patients-what-matters-to-them"
    assert sorted(t.name for t in story.tags.all()) == ["nights", "noise"]
    assert StoryEvent.objects.filter(story=story, action="created").exists()
    assert not selectors.stories_visible_to(bob).filter(pk=story.pk).exists()


def test_it_refuses_an_empty_body_and_saves_nothing(alice):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, **_story_fields(body="   \n  "))

    assert caught.value.message_dict["body"] == ["Write your story. It cannot be empty."]
    assert Story.objects.count() == 0


def test_it_refuses_a_one_megabyte_body_with_the_limit(alice):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, **_story_fields(body="a" * 1_048_576))

    message = caught.value.message_dict["body"][0]
    assert "1,048,576 characters" in message
    assert f"{BODY_MAX_LENGTH:,} characters or fewer" in message
    assert Story.objects.count() == 0


def test_a_body_at_the_limit_is_accepted(alice):
    story = services.story_create(author=alice, **_story_fields(body="a" * BODY_MAX_LENGTH))
    assert len(story.body) == BODY_MAX_LENGTH


def test_it_reports_every_field_problem_at_once(alice):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, title="", summary="", body="", tags=["x" * 41])

    assert set(caught.value.message_dict) == {"title", "summary", "body", "tags"}


def test_it_refuses_a_community_the_author_does_not_belong_to(alice, community):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, community=community, **_story_fields())

    assert "Join Morecambe Bay Walkers first" in caught.value.message_dict["community"][0]


def test_a_reserved_word_never_becomes_a_slug(alice):
    story = services.story_create(author=alice, **_story_fields(title="Mine"))
    assert story.slug == "mine-story"


def test_only_editors_can_change_a_story(story, charlie):
    with pytest.raises(PermissionDenied):
        services.story_update(story=story, actor=charlie, title="Taken over")
    story.refresh_from_db()
    assert story.title == "Walking a mile a day on Morecambe Bay"


def test_an_accepted_co_author_can_change_the_story(story_with_co_author, bob):
    services.story_update(story=story_with_co_author, actor=bob, outcome="14 colleagues walked")
    story_with_co_author.refresh_from_db()
    assert story_with_co_author.outcome == "14 colleagues walked"


def test_update_refuses_a_huge_body_and_keeps_the_old_one(story, alice):
    with pytest.raises(ValidationError):
        services.story_update(story=story, actor=alice, body="b" * (BODY_MAX_LENGTH + 1))
    story.refresh_from_db()
    assert story.body.startswith("We met at the")


def test_the_community_is_fixed_once_published(story, alice, community, alice_in_community):
    with pytest.raises(ValidationError) as caught:
        services.story_update(story=story, actor=alice, community=community)
    assert "only while the story is a draft" in caught.value.message_dict["community"][0]


# --- Lifecycle -------------------------------------------------------------------------


def test_publishing_without_a_community_publishes_at_once(story_draft, alice):
    story = services.story_publish(story=story_draft, actor=alice)

    assert story.status == Story.Status.PUBLISHED
    assert story.published_at is not None
    assert story.moderation_status == ModerationStatus.PUBLISHED


def test_publishing_twice_changes_nothing(story, alice):
    published_at = story.published_at
    again = services.story_publish(story=story, actor=alice)
    assert again.published_at == published_at
    assert StoryEvent.objects.filter(story=story, action="published").count() == 1


def test_only_the_author_publishes(story_draft, bob):
    with pytest.raises(PermissionDenied):
        services.story_publish(story=story_draft, actor=bob)
    story_draft.refresh_from_db()
    assert story_draft.status == Story.Status.DRAFT


@pytest.fixture
def premoderated(community):
    community.premoderate_first_posts = 1
    community.save(update_fields=["premoderate_first_posts"])
    return community


@pytest.fixture
def submitted(premoderated, alice, alice_in_community):
    story = services.story_create(author=alice, community=premoderated, **_story_fields())
    return services.story_publish(story=story, actor=alice)


def test_a_newcomer_in_a_premoderated_community_submits_for_review(submitted, olivia, bob):
    assert submitted.status == Story.Status.SUBMITTED
    assert submitted.published_at is None
    assert selectors.stories_visible_to(olivia).filter(pk=submitted.pk).exists()
    assert not selectors.stories_visible_to(bob).filter(pk=submitted.pk).exists()
    assert list(selectors.stories_to_review(user=olivia)) == [submitted]


def test_the_organiser_publishes_a_submitted_story(submitted, olivia, alice):
    story = services.story_review(story=submitted, actor=olivia, publish=True)

    assert story.status == Story.Status.PUBLISHED
    assert story.reviewed_by == olivia
    membership = Membership.objects.get(community=submitted.community, member=alice)
    assert membership.posts_approved == 1
    assert AuditEntry.objects.filter(action="content_approved", target_id=story.pk).exists()
    assert Notification.objects.filter(recipient=alice, kind=Kind.CONTENT_MODERATED).exists()


def test_returning_a_story_needs_a_note(submitted, olivia):
    with pytest.raises(ValidationError) as caught:
        services.story_review(story=submitted, actor=olivia, publish=False, note=" ")
    assert "note" in caught.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == Story.Status.SUBMITTED


def test_a_returned_story_is_private_and_can_be_submitted_again(submitted, olivia, alice):
    story = services.story_review(
        story=submitted, actor=olivia, publish=False, note="Please remove the patient's name."
    )
    assert story.status == Story.Status.RETURNED
    assert story.review_note == "Please remove the patient's name."
    assert not selectors.stories_visible_to(olivia).filter(pk=story.pk).exists()

    again = services.story_publish(story=story, actor=alice)
    assert again.status == Story.Status.SUBMITTED


def test_only_organisers_of_the_community_review(submitted, oscar, other_community, bob):
    for outsider in (oscar, bob):
        with pytest.raises(PermissionDenied):
            services.story_review(story=submitted, actor=outsider, publish=True)
    submitted.refresh_from_db()
    assert submitted.status == Story.Status.SUBMITTED


def test_a_draft_cannot_be_reviewed(story_draft, admin_user):
    with pytest.raises(ValidationError) as caught:
        services.story_review(story=story_draft, actor=admin_user, publish=True)
    assert "Only stories waiting for review" in caught.value.messages[0]


def test_an_approved_newcomer_then_publishes_directly(submitted, olivia, alice, premoderated):
    services.story_review(story=submitted, actor=olivia, publish=True)
    second = services.story_create(author=alice, community=premoderated, **_story_fields())
    assert services.story_publish(story=second, actor=alice).status == Story.Status.PUBLISHED


def test_withdrawing_makes_a_published_story_a_private_draft(story, alice, admin_user, bob):
    services.story_feature(story=story, actor=admin_user)
    story = services.story_withdraw(story=story, actor=alice)

    assert story.status == Story.Status.DRAFT
    assert not story.is_featured
    assert not selectors.stories_visible_to(bob).filter(pk=story.pk).exists()


def test_organisers_feature_published_stories_of_their_community(
    olivia, oscar, other_community, alice, alice_in_community, community
):
    story = services.story_create(author=alice, community=community, **_story_fields())
    with pytest.raises(ValidationError):
        services.story_feature(story=story, actor=olivia)
    services.story_publish(story=story, actor=alice)

    with pytest.raises(PermissionDenied):
        services.story_feature(story=story, actor=oscar)
    featured = services.story_feature(story=story, actor=olivia)
    assert featured.is_featured and featured.featured_by == olivia

    unfeatured = services.story_feature(story=story, actor=olivia, featured=False)
    assert not unfeatured.is_featured


def test_only_admins_feature_stories_without_a_community(story, olivia, admin_user):
    with pytest.raises(PermissionDenied):
        services.story_feature(story=story, actor=olivia)
    assert services.story_feature(story=story, actor=admin_user).is_featured


def test_a_hidden_story_cannot_be_featured(story, admin_user):
    content_hide(item=story, actor=admin_user, reason="Names a patient.")
    with pytest.raises(ValidationError):
        services.story_feature(story=story, actor=admin_user)


# --- Visibility ------------------------------------------------------------------------


def test_drafts_are_seen_only_by_the_author_and_accepted_co_authors(
    story_draft, alice, bob, charlie, admin_user
):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    invited_only = selectors.stories_visible_to(bob).filter(pk=story_draft.pk).exists()
    services.co_author_respond(story=story_draft, member=bob, accept=True)

    def sees(user):
        return selectors.stories_visible_to(user).filter(pk=story_draft.pk).exists()

    assert sees(alice)
    assert not invited_only
    assert sees(bob)
    assert not sees(charlie)
    assert not sees(admin_user)
    assert not sees(AnonymousUser())
    assert not selectors.story_feed(user=alice).filter(pk=story_draft.pk).exists()


def test_a_hidden_story_is_seen_by_its_authors_and_moderators_only(
    story_with_co_author, admin_user, bob, charlie
):
    content_hide(item=story_with_co_author, actor=admin_user, reason="Under review.")
    visible = {
        u.email: selectors.stories_visible_to(u).filter(pk=story_with_co_author.pk).exists()
        for u in (story_with_co_author.author, bob, charlie, admin_user)
    }
    assert visible == {
        "alice@example.nhs.uk": True,
        "bob@example.nhs.uk": True,
        "charlie@example.nhs.uk": False,
        "admin@example.nhs.uk": True,
    }
    assert not selectors.story_feed(user=charlie).exists()


def test_the_feed_searches_title_summary_and_body(alice):
    StoryFactory(title="Quiet nights on ward 4", summary="Noise at night", body="Earplugs.")
    StoryFactory(title="Walking together", summary="A mile a day", body="Morecambe Bay.")
    StoryFactory(title="Secret draft about nights", status="draft", published_at=None)

    titles = [s.title for s in selectors.story_feed(user=alice, q="night")]
    assert titles == ["Quiet nights on ward 4"]
    assert [s.title for s in selectors.story_feed(user=alice, q="earplugs")] == [
        "Quiet nights on ward 4"
    ]


# --- Co-authors ------------------------------------------------------------------------


def test_inviting_a_co_author_notifies_them(story_draft, alice, bob):
    co_author = services.co_author_invite(story=story_draft, actor=alice, member=bob)

    assert co_author.status == CoAuthor.Status.INVITED
    note = Notification.objects.get(recipient=bob, kind=Kind.CO_AUTHOR_INVITATION)
    assert "Walking a mile a day" in note.title


def test_inviting_twice_changes_nothing(story_draft, alice, bob):
    first = services.co_author_invite(story=story_draft, actor=alice, member=bob)
    second = services.co_author_invite(story=story_draft, actor=alice, member=bob)
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_only_the_author_invites(story_with_co_author, bob, charlie):
    with pytest.raises(PermissionDenied):
        services.co_author_invite(story=story_with_co_author, actor=bob, member=charlie)


def test_the_author_cannot_invite_themself(story_draft, alice):
    with pytest.raises(ValidationError):
        services.co_author_invite(story=story_draft, actor=alice, member=alice)


def test_declining_then_accepting_is_refused_until_invited_again(story_draft, alice, bob):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    declined = services.co_author_respond(story=story_draft, member=bob, accept=False)
    assert declined.status == CoAuthor.Status.DECLINED

    with pytest.raises(ValidationError) as caught:
        services.co_author_respond(story=story_draft, member=bob, accept=True)
    assert "Ask the author to invite you again" in caught.value.messages[0]

    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    accepted = services.co_author_respond(story=story_draft, member=bob, accept=True)
    assert accepted.status == CoAuthor.Status.ACCEPTED


def test_answering_without_an_invitation_is_refused(story_draft, charlie):
    with pytest.raises(ValidationError):
        services.co_author_respond(story=story_draft, member=charlie, accept=True)


def test_a_removed_co_author_loses_access_to_the_draft(story_draft, alice, bob):
    services.co_author_invite(story=story_draft, actor=alice, member=bob)
    services.co_author_respond(story=story_draft, member=bob, accept=True)
    services.co_author_remove(story=story_draft, actor=alice, member=bob)

    assert not selectors.stories_visible_to(bob).filter(pk=story_draft.pk).exists()
    with pytest.raises(PermissionDenied):
        services.story_update(story=story_draft, actor=bob, title="Mine now")


def test_a_co_author_may_leave_but_not_remove_others(story_with_co_author, bob, charlie, alice):
    services.co_author_invite(story=story_with_co_author, actor=alice, member=charlie)
    with pytest.raises(PermissionDenied):
        services.co_author_remove(story=story_with_co_author, actor=bob, member=charlie)
    left = services.co_author_remove(story=story_with_co_author, actor=bob, member=bob)
    assert left.status == CoAuthor.Status.REMOVED


# --- Reactions -------------------------------------------------------------------------


def test_a_member_is_inspired_once(story, bob, alice):
    services.reaction_add(story=story, member=bob)
    with pytest.raises(ValidationError) as caught:
        services.reaction_add(story=story, member=bob)

    assert caught.value.messages == ["You have already said this story inspired you."]
    story.refresh_from_db()
    assert story.inspired_count == 1
    assert Reaction.objects.count() == 1


def test_reacting_again_after_taking_it_back_notifies_once(story, bob, alice):
    services.reaction_add(story=story, member=bob)
    services.reaction_remove(story=story, member=bob)
    services.reaction_add(story=story, member=bob)

    story.refresh_from_db()
    assert story.inspired_count == 1
    assert Notification.objects.filter(recipient=alice, kind=Kind.STORY_REACTION).count() == 1


def test_authors_cannot_react_to_their_own_story(story_with_co_author, alice, bob):
    for member in (alice, bob):
        with pytest.raises(ValidationError):
            services.reaction_add(story=story_with_co_author, member=member)


def test_reacting_to_a_draft_or_hidden_story_is_refused(story_draft, story_factory_hidden, bob):
    for target in (story_draft, story_factory_hidden):
        with pytest.raises(ValidationError):
            services.reaction_add(story=target, member=bob)
    assert Reaction.objects.count() == 0


@pytest.fixture
def story_factory_hidden(admin_user):
    story = StoryFactory()
    return content_hide(item=story, actor=admin_user, reason="Names a patient.")


# --- Comments --------------------------------------------------------------------------


def test_commenting_notifies_the_authors(story_with_co_author, charlie, alice, bob):
    comment = services.comment_create(story=story_with_co_author, author=charlie, body="Lovely.")

    assert comment.is_published
    recipients = set(
        Notification.objects.filter(kind=Kind.STORY_COMMENT).values_list("recipient", flat=True)
    )
    assert recipients == {alice.pk, bob.pk}


def test_commenting_on_a_hidden_story_is_refused(story_factory_hidden, bob):
    with pytest.raises(ValidationError) as caught:
        services.comment_create(story=story_factory_hidden, author=bob, body="Hello")
    assert "hidden by the moderators" in caught.value.messages[0]
    assert Comment.objects.count() == 0


def test_commenting_on_a_draft_is_refused(story_draft, alice):
    with pytest.raises(ValidationError):
        services.comment_create(story=story_draft, author=alice, body="Note to self")


def test_empty_comments_are_refused(story, bob):
    with pytest.raises(ValidationError) as caught:
        services.comment_create(story=story, author=bob, body="  ")
    assert "body" in caught.value.message_dict


def test_banned_members_cannot_comment_in_their_community(
    community, alice, alice_in_community, bob, olivia
):
    story = services.story_create(author=alice, community=community, **_story_fields())
    services.story_publish(story=story, actor=alice)
    MembershipFactory(community=community, member=bob, status=Membership.Status.BANNED)

    with pytest.raises(PermissionDenied) as caught:
        services.comment_create(story=story, author=bob, body="Let me in")
    assert "Only members of Morecambe Bay Walkers" in str(caught.value)
    assert services.comment_create(story=story, author=olivia, body="Well done").is_published


def test_a_newcomers_comment_waits_for_approval_in_a_premoderated_community(
    premoderated, alice, alice_in_community, bob
):
    story = services.story_create(author=alice, community=premoderated, **_story_fields())
    Membership.objects.filter(member=alice).update(posts_approved=5)
    services.story_publish(story=story, actor=alice)
    MembershipFactory(community=premoderated, member=bob)

    comment = services.comment_create(story=story, author=bob, body="First post!")
    assert comment.moderation_status == ModerationStatus.PENDING
    assert not Notification.objects.filter(kind=Kind.STORY_COMMENT).exists()


def test_replies_to_replies_join_the_thread(story, bob, charlie):
    top = services.comment_create(story=story, author=bob, body="Top")
    reply = services.comment_create(story=story, author=charlie, body="Reply", parent=top)
    deeper = services.comment_create(story=story, author=bob, body="Deeper", parent=reply)

    assert reply.parent == top
    assert deeper.parent == top
    note = Notification.objects.get(recipient=bob, kind=Kind.STORY_COMMENT)
    assert note.title.startswith("Charlie Clarke replied to your comment")


def test_a_reply_must_be_to_a_comment_on_the_same_story(story, bob):
    elsewhere = CommentFactory()
    with pytest.raises(ValidationError):
        services.comment_create(story=story, author=bob, body="Hi", parent=elsewhere)


def test_comments_can_be_edited_within_the_window(story, bob, settings):
    settings.STORIES_COMMENT_EDIT_MINUTES = 15
    comment = services.comment_create(story=story, author=bob, body="Typo hree")
    edited = services.comment_update(comment=comment, actor=bob, body="Typo here")
    assert edited.body == "Typo here" and edited.edited_at is not None


def test_comments_cannot_be_edited_after_the_window(story, bob, settings):
    settings.STORIES_COMMENT_EDIT_MINUTES = 15
    comment = services.comment_create(story=story, author=bob, body="Original")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(ValidationError) as caught:
        services.comment_update(comment=comment, actor=bob, body="Changed")
    assert "15 minutes" in caught.value.messages[0]
    comment.refresh_from_db()
    assert comment.body == "Original"


def test_only_the_commenter_edits(story, bob, charlie):
    comment = services.comment_create(story=story, author=bob, body="Mine")
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=charlie, body="Yours")


def test_pending_and_hidden_comments_are_not_shown_to_others(story, bob, charlie, admin_user):
    comment = services.comment_create(story=story, author=bob, body="Rude words")
    content_hide(item=comment, actor=admin_user, reason="Unkind")

    assert list(selectors.comments_visible_to(user=charlie, story=story)) == []
    assert list(selectors.comments_visible_to(user=bob, story=story)) == [comment]


def test_the_feed_counts_only_published_comments(story, bob, charlie, admin_user):
    services.comment_create(story=story, author=bob, body="One")
    hidden = services.comment_create(story=story, author=charlie, body="Two")
    content_hide(item=hidden, actor=admin_user, reason="Off topic")

    assert selectors.story_feed(user=bob).get(pk=story.pk).comment_count == 1


def test_a_members_published_stories_include_co_authored_ones(story_with_co_author, bob):
    other = UserFactory()
    assert selectors.member_published_stories(member=bob, viewer=other) == [story_with_co_author]


def test_the_organiser_digest_lists_stories_to_review_and_stories_told(
    submitted, olivia, alice, alice_in_community, community
):
    from datetime import timedelta

    from notifications import digest_sections
    from stories.sections import organisers_with_stories_to_review

    told = services.story_create(author=olivia, community=community, **_story_fields(title="Told"))
    services.story_publish(story=told, actor=olivia)
    now = timezone.now()

    assert olivia.pk in organisers_with_stories_to_review()
    sections = {
        s.title: s.items
        for s in digest_sections.sections_for(
            organiser=olivia, since=now - timedelta(days=7), until=now + timedelta(minutes=1)
        )
    }
    assert sections["Stories waiting for your review"] == [
        "“Asking patients what matters to them” by Alice Ahmed"
    ]
    assert sections["Stories told in your communities"] == ["“Told” by Olivia Organiser"]
