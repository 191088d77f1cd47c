"""Pledge -> do -> tell: stories linked to pledges, the invitation to tell a finished
pledge, the story started from it, and the stories shown on the pledge's page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel import prepared
from notifications.models import Kind, Notification
from pledges.services import check_in_create, signature_mark_done
from stories import services
from stories.models import Story
from tests.factories import CampaignFactory, PledgeFactory, StoryFactory

pytestmark = pytest.mark.django_db

FIELDS = {"title": "Bedside handover", "summary": "We moved handover.", "body": "It worked."}


@pytest.fixture
def hidden_pledge(other_community):
    """A pledge only members of Leeds Listeners (Oscar's community) may see."""
    return PledgeFactory(
        author=other_community.memberships.get().member,
        community=other_community,
        visibility="community",
        title="play quiet music on nights",
    )


def test_a_story_links_pledges_its_author_can_see(alice):
    pledge = PledgeFactory(author=alice)
    campaign = CampaignFactory()
    story = services.story_create(author=alice, pledges=[pledge.pk], campaign=campaign, **FIELDS)
    assert list(story.pledges.all()) == [pledge]
    assert story.campaign == campaign


def test_linking_a_pledge_one_cannot_see_is_refused(alice, hidden_pledge):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, pledges=[hidden_pledge.pk], **FIELDS)
    message = caught.value.message_dict["pledges"][0]
    assert message.startswith("You can only link pledges you can see.")
    assert str(hidden_pledge.pk) in message
    assert Story.objects.count() == 0


def test_linking_a_pledge_that_does_not_exist_is_refused(alice):
    with pytest.raises(ValidationError) as caught:
        services.story_create(author=alice, pledges=[987654], **FIELDS)
    assert "987654" in caught.value.message_dict["pledges"][0]


def test_the_api_refuses_links_to_pledges_one_cannot_see(api_for, alice, hidden_pledge):
    response = api_for(alice).post(
        "/api/stories/", {**FIELDS, "pledges": [hidden_pledge.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "You can only link pledges you can see" in response.data["pledges"][0]
    assert Story.objects.count() == 0


def test_links_a_co_author_cannot_see_survive_their_edit(
    alice, bob, hidden_pledge, other_community, oscar
):
    story = services.story_create(author=oscar, pledges=[hidden_pledge.pk], **FIELDS)
    services.co_author_invite(story=story, actor=oscar, member=bob)
    services.co_author_respond(story=story, member=bob, accept=True)
    mine = PledgeFactory(author=bob)

    services.story_update(story=story, actor=bob, pledges=[mine])
    assert set(story.pledges.all()) == {mine, hidden_pledge}


def test_readers_see_only_the_linked_pledges_they_may_see(
    client_for, api_for, oscar, bob, hidden_pledge
):
    public = PledgeFactory(author=oscar, title="walk to work on Fridays")
    story = StoryFactory(author=oscar)
    story.pledges.add(public, hidden_pledge)

    html = client_for(bob).get(story.get_absolute_url()).content.decode()
    assert "I will walk to work on Fridays" in html
    assert "play quiet music" not in html
    data = api_for(bob).get(f"/api/stories/{story.pk}/").data
    assert data["pledges"] == [{"id": public.pk, "sentence": "I will walk to work on Fridays"}]
    assert len(api_for(oscar).get(f"/api/stories/{story.pk}/").data["pledges"]) == 2


def test_finishing_a_commitment_invites_the_member_to_tell_it(
    pledge_met, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signature_mark_done(pledge=pledge_met, member=bob, outcome="42 patients asked")

    note = Notification.objects.get(recipient=bob, kind=Kind.STORY_INVITATION)
    assert note.url == f"{reverse('stories:create')}?pledge={pledge_met.pk}"
    assert "Tell the story of your pledge" in note.title


def test_the_story_form_starts_from_the_pledge_and_check_ins(client_for, pledge_met, bob):
    check_in_create(pledge=pledge_met, author=bob, note="Asked 10 patients on Monday.")
    check_in_create(pledge=pledge_met, author=bob, note="Put up a *poster* in the day room.")
    signature_mark_done(pledge=pledge_met, member=bob, outcome="42 patients asked")
    campaign_less = client_for(bob).get(f"{reverse('stories:create')}?pledge={pledge_met.pk}")

    form = campaign_less.context["form"]
    assert form.initial["title"] == "Ask every patient what matters to them"
    assert form.initial["summary"].startswith("I pledged to ask every patient")
    assert "I will ask every patient what matters to them." in form.initial["body"]
    assert "Asked 10 patients on Monday." in form.initial["body"]
    assert "Put up a *poster* in the day room." in form.initial["body"]
    assert form.initial["outcome"] == "42 patients asked"
    assert form.initial["pledges"] == [pledge_met.pk]
    assert "We started your story from your pledge" in campaign_less.content.decode()


def test_saving_the_started_story_links_the_pledge(client_for, pledge_met, bob):
    url = f"{reverse('stories:create')}?pledge={pledge_met.pk}"
    response = client_for(bob).post(
        url, {**FIELDS, "outcome": "", "tags": "", "pledges": [pledge_met.pk]}
    )
    assert response.status_code == 302
    assert list(Story.objects.get().pledges.all()) == [pledge_met]


def test_a_pledge_one_cannot_see_prefills_nothing(client_for, alice, hidden_pledge):
    response = client_for(alice).get(f"{reverse('stories:create')}?pledge={hidden_pledge.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial == {}
    assert "play quiet music" not in response.content.decode()


def test_the_pledge_page_invites_a_member_whose_commitment_is_done(client_for, pledge_met, bob):
    signature_mark_done(pledge=pledge_met, member=bob, outcome="Done it")
    page = client_for(bob).get(reverse("pledges:detail", args=[pledge_met.pk]))
    html = page.content.decode()
    assert "Tell the story of your pledge" in html
    assert f"?pledge={pledge_met.pk}" in html


def test_the_pledge_page_lists_its_stories(client, pledge_met, bob):
    story = StoryFactory(author=bob, title="What mattered on ward 5")
    story.pledges.add(pledge_met)
    StoryFactory(author=bob, title="A draft about it", status="draft", published_at=None)
    Story.objects.get(title="A draft about it").pledges.add(pledge_met)

    html = client.get(reverse("pledges:detail", args=[pledge_met.pk])).content.decode()
    assert "Stories about this pledge" in html
    assert "What mattered on ward 5" in html
    assert "A draft about it" not in html


def test_the_feed_filters_by_campaign(client):
    campaign = CampaignFactory(name="Change Day 2027")
    in_campaign = StoryFactory(campaign=campaign)
    StoryFactory()
    response = client.get(reverse("stories:feed"), {"campaign": campaign.slug})
    assert response.context["stories"] == [in_campaign]
    assert "Change Day 2027" in response.content.decode()


def test_a_pledge_with_no_story_reads_only_its_links_for_the_section(rf, pledge_met):
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stories.pledge_links import pledge_section

    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert pledge_section(request=request, pledge=pledge_met) is None
    assert len(queries) == 1
    sql = prepared.source(queries[0]["sql"])  # a prepared read's own SQL
    assert "stories_story_pledges" in sql
    assert 'stories_story"' not in sql.split("FROM", 1)[1]
