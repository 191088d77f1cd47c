"""Demo data: three change stories with a co-author, comments and reactions.

Idempotent: a story is looked up by its author and title first, so running the demo
again adds nothing. Everything is made through the services, so the stories go
through the same lifecycle (and pre-moderation) as members' own.
"""

from __future__ import annotations

from stories import services
from stories.models import Comment, Reaction, Story

WHAT_MATTERS = """\
On our ward we used to open every admission with *“What's the matter?”*. For a month we
opened with a different question: **“What matters to you?”**

## How we went about it

- We put a small card in every admission pack with the question on it.
- Each of us asked at least one patient a shift, and wrote the answer on the board by
  the bed (with the patient's permission).
- At the morning huddle we shared one answer that changed what we did that day.

## What we heard

Most answers were small and specific: a daughter's visit at 4pm, a quieter bay at
night, being able to walk to the window. Three patients asked for quieter nights,
which started [another piece of work](https://www.england.nhs.uk/).

## What we learned

Asking takes less than a minute. Acting on the answer is where the change is, and it
is usually something the team can do that day.
"""

MORECAMBE_BAY = """\
Twelve of us from the trust met at the lifeboat station at 12:30, three lunchtimes a
week, and walked a mile along the promenade and back.

## Why a mile

A mile takes about twenty minutes. That fits in a lunch break, with time to eat
afterwards, and it is short enough that nobody felt they could not do it.

## What made it stick

1. **A fixed time and place.** Nobody had to organise anything after week one.
2. **Walking in pairs from different teams.** Porters walked with consultants, and
   we heard about problems we never would have otherwise.
3. **Counting miles together** on the pledge, which kept us honest in the rain.

## What happened

By the end of the month we had walked 318 miles between us. Two teams now sort out a
discharge problem on the walk instead of by email.
"""

QUIET_NIGHTS = """\
Patients on Ward 7 told us, again and again, that they could not sleep. So we
measured: a simple sound meter on the nurses' station, every hour, for two weeks.

## What we changed

- **Soft-close bins** in every bay (the loudest single thing on the ward).
- Phones switched to vibrate after 11pm, and lights dimmed at 10:30.
- A *“quiet hours”* sign at the entrance, so visitors and staff knew.
- Earplugs and eye masks offered at the evening drug round.

## What happened

Night-time noise fell from an average of 62 dB to 45 dB. Patients' own sleep
scores went up, and the night team say the ward feels calmer for them too.

## If you try it

Start by measuring. The number made the case for the bins far better than we could.
"""


def _find(author, title: str) -> Story | None:
    return Story.objects.filter(author=author, title=title).first()


def _publish(story: Story, *, author, reviewer) -> Story:
    story = services.story_publish(story=story, actor=author)
    if story.status == Story.Status.SUBMITTED:
        story = services.story_review(
            story=story, actor=reviewer, publish=True, note="Thank you for telling this."
        )
    return story


def _pledge(loaded: dict, title: str):
    return loaded.get("pledges", {}).get("pledges", {}).get(title)


def _campaign(loaded: dict, slug: str):
    return loaded.get("pledges", {}).get("campaigns", {}).get(slug)


def _community(loaded: dict, key: str, member):
    from communities.permissions import can_post_in

    community = loaded.get("communities", {}).get("communities", {}).get(key)
    if community is not None and can_post_in(member, community):
        return community
    return None


def _comment(story: Story, author, body: str, parent: Comment | None = None) -> Comment:
    existing = Comment.objects.filter(story=story, author=author, body=body).first()
    if existing is not None:
        return existing
    return services.comment_create(story=story, author=author, body=body, parent=parent)


def _inspired(story: Story, member) -> None:
    if story.is_public and not Reaction.objects.filter(story=story, member=member).exists():
        services.reaction_add(story=story, member=member)


def load(loaded: dict) -> dict:
    users = loaded["members"]["users"]
    admin, organiser = users["admin"], users["organiser"]
    alice, bob = users["alice"], users["bob"]
    stories = []

    title = "Asking “What matters to you?” on every admission"
    what_matters = _find(alice, title)
    if what_matters is None:
        pledge = _pledge(loaded, "ask every patient on my ward what matters to them today")
        what_matters = services.story_create(
            author=alice,
            title=title,
            summary="For a month, every admission on our ward began with one question. "
            "The answers changed what we did that same day.",
            body=WHAT_MATTERS,
            outcome="42 patients asked what matters to them",
            community=_community(loaded, "leeds", alice),
            tags="patient experience, what matters to you, admissions",
            pledges=[pledge] if pledge else [],
            campaign=_campaign(loaded, "change-day-2026"),
        )
        services.co_author_invite(story=what_matters, actor=alice, member=bob)
        services.co_author_respond(story=what_matters, member=bob, accept=True)
        what_matters = _publish(what_matters, author=alice, reviewer=organiser)
    stories.append(what_matters)

    title = "Walking a mile a day on Morecambe Bay"
    walking = _find(bob, title)
    if walking is None:
        pledge = _pledge(loaded, "walk the Morecambe Bay Mile three lunchtimes a week")
        walking = services.story_create(
            author=bob,
            title=title,
            summary="Twelve colleagues, three lunchtimes a week, one mile along the "
            "promenade. What started as exercise became the best meeting in the trust.",
            body=MORECAMBE_BAY,
            outcome="12 colleagues walked 318 miles in a month",
            community=_community(loaded, "walkers", bob),
            tags="staff wellbeing, walking, teamwork",
            pledges=[pledge] if pledge else [],
            campaign=_campaign(loaded, "morecambe-bay-mile"),
        )
        walking = _publish(walking, author=bob, reviewer=organiser)
    stories.append(walking)

    title = "Quieter nights on Ward 7: how we halved the noise"
    quiet = _find(organiser, title)
    if quiet is None:
        quiet = services.story_create(
            author=organiser,
            title=title,
            summary="We measured the noise on our ward every hour for two weeks, then "
            "changed four small things. Patients are sleeping better.",
            body=QUIET_NIGHTS,
            outcome="Night-time noise fell from 62 dB to 45 dB",
            community=_community(loaded, "ward7", organiser),
            tags="nights, noise, sleep, patient experience",
        )
        quiet = _publish(quiet, author=organiser, reviewer=admin)
    stories.append(quiet)

    # Featured by the organisers of their communities (or an admin where there is none).
    for story in (walking, quiet):
        if story.is_public and not story.is_featured:
            reviewer = organiser if story.community_id else admin
            services.story_feature(story=story, actor=reviewer)

    first = _comment(
        walking,
        alice,
        "We tried this on the stroke unit and it works. What did you do in the rain?",
    )
    _comment(walking, bob, "We walked anyway! Waterproofs are now part of the kit.", parent=first)
    _comment(quiet, alice, "The soft-close bins are such a good idea. Which supplier did you use?")
    _comment(what_matters, organiser, "Thank you both. We are sharing this at the next board.")

    _inspired(walking, alice)
    _inspired(walking, organiser)
    _inspired(quiet, alice)
    _inspired(quiet, bob)
    _inspired(what_matters, organiser)

    return {"stories": {story.slug: story for story in stories}}
