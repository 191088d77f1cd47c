"""Hostile and odd input to the pledge, story, community and learning endpoints and
forms: NUL characters, null for fields that cannot be empty, huge numbers, 4,000
characters, right-to-left and emoji text, other members' ids, replayed posts and pages
past the end. Each gets a clear 4xx (or the form again with the message) and changes
nothing it should not; nothing is ever a 500. (test_bad_input.py does the same for
accounts and profiles.)"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Flag, Membership
from learning.models import Enrolment, LessonProgress
from pledges.models import CheckIn, Pledge, Signature
from stories.models import CoAuthor, Comment, Reaction, Story
from tests.factories import PledgeFactory, StoryFactory

pytestmark = pytest.mark.django_db

HUGE = 10**30
BIGINT_PAST = 2**63
LONG = "x" * 4000
RTL_AND_EMOJI = "مريم الحسيني تسأل كل مريض 🩺🌍 Ōkafor"
SCRIPT = "<script>alert('pwned')</script>"


def due(days: int = 30) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def counts() -> dict:
    models = [Pledge, Signature, CheckIn, Story, Comment, CoAuthor, Reaction, Community]
    models += [Membership, Flag, Enrolment, LessonProgress]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def world(alice, bob, pledge, story, community, alice_in_community, learning_module, theme):
    """Alice's pledge and published story, her community and a module she may take."""
    return {
        "pledge": pledge,
        "story": story,
        "community": community,
        "module": learning_module,
        "theme": theme,
        "bobs_story": StoryFactory(author=bob, status="published", published_at=timezone.now()),
    }


# Each case: (method, path from the world, a valid body, the field to spoil).
API_TEXT_FIELDS = {
    "pledge title": ("post", lambda w: "/api/pledges/", "title"),
    "pledge description": ("post", lambda w: "/api/pledges/", "description"),
    "story title": ("post", lambda w: "/api/stories/", "title"),
    "story body": ("post", lambda w: "/api/stories/", "body"),
    "community name": ("post", lambda w: "/api/communities/", "name"),
    "check-in note": ("post", lambda w: f"/api/pledges/{w['pledge'].pk}/check-ins/", "note"),
    "comment body": ("post", lambda w: f"/api/stories/{w['story'].pk}/comments/", "body"),
    "flag reason": ("post", lambda w: f"/api/stories/{w['bobs_story'].pk}/flag/", "reason"),
    "enrolment module": ("post", lambda w: "/api/learning/enrolments/", "module"),
}


def valid_body(case: str, w: dict) -> dict:
    return {
        "pledge title": {"title": "learn names", "theme": w["theme"].slug, "due_date": due()},
        "pledge description": {
            # Its own pledge: the same pledge sent twice is refused as a replay.
            "title": "learn everyone's names",
            "description": "Every one.",
            "theme": w["theme"].slug,
            "due_date": due(),
        },
        "story title": {"title": "A walk", "summary": "We walked.", "body": "Daily."},
        "story body": {"title": "A walk", "summary": "We walked.", "body": "Daily."},
        "community name": {"name": "Calmer Wards", "description": "Quiet nights."},
        "check-in note": {"note": "Asked ten patients."},
        "comment body": {"body": "Lovely."},
        "flag reason": {"reason": "It names a patient."},
        "enrolment module": {"module": w["module"].slug},
    }[case]


def spoil(case: str, w: dict, value) -> tuple[str, str, dict]:
    method, path, field = API_TEXT_FIELDS[case]
    body = valid_body(case, w)
    body[field] = value
    return method, path(w), body


def test_every_valid_body_is_accepted_so_the_cases_below_test_one_field(api_for, alice, world):
    """The spoiled cases differ from these in one field only."""
    for case in API_TEXT_FIELDS:
        method, path, _ = API_TEXT_FIELDS[case]
        response = getattr(api_for(alice), method)(
            path(world), valid_body(case, world), format="json"
        )
        assert response.status_code in (200, 201), (case, response.json())


# --- NUL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", API_TEXT_FIELDS)
def test_a_nul_in_any_text_field_is_a_400_naming_the_field(api_for, alice, world, case):
    before = counts()
    method, path, body = spoil(case, world, "Ali\x00ce")

    response = getattr(api_for(alice), method)(path, body, format="json")

    assert response.status_code == 400
    assert API_TEXT_FIELDS[case][2] in response.json()
    assert counts() == before


WEB_FORMS = {
    "pledge": (lambda w: reverse("pledges:create"), "title", 200),
    "story": (lambda w: reverse("stories:create"), "title", 200),
    "community": (lambda w: reverse("communities:create"), "name", 200),
    "check-in": (lambda w: reverse("pledges:check_in", args=[w["pledge"].pk]), "note", 200),
    "comment": (lambda w: reverse("stories:comment_create", args=[w["story"].slug]), "body", 400),
}


def web_form(case: str, w: dict) -> dict:
    return {
        "pledge": {"title": "learn names", "theme": w["theme"].pk, "due_date": due()},
        "story": {"title": "A walk", "summary": "We walked.", "body": "Daily."},
        "community": {"name": "Calmer Wards", "description": "Quiet.", "joining_policy": "open"},
        "check-in": {"note": "Asked ten patients."},
        "comment": {"body": "Lovely."},
    }[case]


@pytest.mark.parametrize(
    ("case", "value", "message"),
    [
        *[(case, "Ali\x00ce", "Null characters are not allowed") for case in WEB_FORMS],
        # Comments may be 5,000 characters long, so 4,000 is fine there.
        *[(case, LONG, "") for case in WEB_FORMS if case != "comment"],
    ],
)
def test_a_form_refuses_nul_or_4000_characters_and_keeps_what_was_typed(
    client_for, alice, world, case, value, message
):
    url, field, status = WEB_FORMS[case]
    data = {**web_form(case, world), field: value}
    before = counts()

    response = client_for(alice).post(url(world), data)

    html = response.content.decode()
    form = response.context.get("form") or response.context.get("comment_form")
    assert response.status_code == status
    assert field in form.errors
    assert message in html
    if value == LONG:
        assert LONG in html  # the text is kept for the member to shorten
    assert counts() == before


# --- Null for fields that cannot be empty -----------------------------------------------------


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("pledge title", "title"),
        ("pledge title", "theme"),
        ("pledge title", "due_date"),
        ("story title", "title"),
        ("story title", "body"),
        ("community name", "name"),
        ("check-in note", "note"),
        ("comment body", "body"),
        ("flag reason", "reason"),
        ("enrolment module", "module"),
    ],
)
def test_null_for_a_field_that_cannot_be_empty_is_a_400(api_for, alice, world, case, field):
    method, path, _ = API_TEXT_FIELDS[case]
    body = {**valid_body(case, world), field: None}
    before = counts()

    response = getattr(api_for(alice), method)(path(world), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (lambda w: f"/api/learning/modules/{w['module'].slug}/attempts/", {"answers": None}),
        (lambda w: f"/api/stories/{w['story'].pk}/feature/", {"featured": None}),
        (lambda w: f"/api/pledges/{w['pledge'].pk}/done/", {"outcome": None}),
        (lambda w: f"/api/stories/{w['story'].pk}/invitation/", {"accept": None}),
    ],
)
def test_null_where_an_answer_is_needed_is_a_400(api_for, alice, world, path, body):
    before = counts()

    response = api_for(alice).post(path(world), body, format="json")

    assert response.status_code in (400, 403)
    assert counts() == before


# --- Huge numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            lambda w: "/api/pledges/",
            lambda w: {
                "title": "a",
                "theme": w["theme"].slug,
                "due_date": due(),
                "threshold": HUGE,
            },
            "threshold",
        ),
        (
            lambda w: "/api/pledges/",
            lambda w: {"title": "a", "theme": w["theme"].slug, "due_date": due(), "threshold": -1},
            "threshold",
        ),
        (
            lambda w: f"/api/pledges/{w['pledge'].pk}/check-ins/",
            lambda w: {"note": "n", "quantity": HUGE},
            "quantity",
        ),
        (
            lambda w: f"/api/stories/{w['story'].pk}/co-authors/",
            lambda w: {"member": BIGINT_PAST},
            "member",
        ),
        (
            lambda w: "/api/stories/",
            lambda w: {"title": "a", "summary": "b", "body": "c", "pledges": [BIGINT_PAST]},
            "pledges",
        ),
        (
            lambda w: f"/api/stories/{w['story'].pk}/comments/",
            lambda w: {"body": "hi", "parent": BIGINT_PAST},
            "parent",
        ),
        (
            lambda w: "/api/flags/",
            lambda w: {"target_type": "pledges.pledge", "target_id": HUGE, "reason": "r"},
            "target_id",
        ),
        (
            lambda w: f"/api/learning/modules/{w['module'].slug}/attempts/",
            lambda w: {"answers": [{"question": HUGE, "choices": [HUGE]}]},
            "answers",
        ),
        (
            lambda w: "/api/communities/",
            lambda w: {"name": "Calmer", "description": "d", "organisation": HUGE},
            "organisation",
        ),
    ],
    ids=[
        "threshold",
        "negative-threshold",
        "quantity",
        "co-author",
        "story-pledges",
        "comment-parent",
        "flag-target",
        "quiz-answers",
        "community-organisation",
    ],
)
def test_a_huge_or_impossible_number_in_a_body_is_a_400(
    api_for, alice, world, learning_enrolment, path, body, field
):
    before = counts()

    response = api_for(alice).post(path(world), body(world), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json() or "non_field_errors" in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/pledges/{HUGE}/",
        f"/api/pledges/{BIGINT_PAST}/signers/",
        f"/api/stories/{HUGE}/",
        f"/api/stories/comments/{BIGINT_PAST}/",
        f"/api/learning/lessons/{HUGE}/",
        f"/api/learning/attempts/{HUGE}/",
        f"/api/learning/enrolments/{BIGINT_PAST}/",
        "/api/communities/no-such-community/",
    ],
)
def test_a_huge_id_in_an_api_address_is_a_404_with_a_json_error(api_for, alice, path):
    response = api_for(alice).get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/pledges/{HUGE}/",
        f"/pledges/{BIGINT_PAST}/edit/",
        f"/stories/comments/{HUGE}/edit/",
        f"/stories/report/comment/{BIGINT_PAST}/",
        f"/learning/certificates/{HUGE}/",
        f"/learning/attempts/{BIGINT_PAST}/",
        f"/notifications/{HUGE}/",
        f"/communities/morecambe-bay-walkers/members/{HUGE}/flag/",
    ],
)
def test_a_huge_id_in_a_page_address_is_a_404_page(client_for, alice, alice_in_community, path):
    response = client_for(alice).get(path)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"theme": HUGE},
        {"community": BIGINT_PAST},
        {"campaign": HUGE},
        {"author": HUGE},
        {"status": HUGE},
        {"q": LONG},
        {"tag": LONG},
        {"page_size": HUGE},
    ],
)
@pytest.mark.parametrize("path", ["/api/pledges/", "/api/stories/", "/pledges/", "/stories/"])
def test_huge_or_long_filters_on_a_list_are_an_answer_never_a_500(client, path, query):
    response = client.get(path, query)

    assert response.status_code in (200, 400)


# --- Long text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["pledge title", "story title", "community name", "check-in note", "flag reason"]
)
def test_4000_characters_is_a_400_with_a_clear_message(api_for, alice, world, case):
    before = counts()
    method, path, body = spoil(case, world, LONG)

    response = getattr(api_for(alice), method)(path, body, format="json")

    field = API_TEXT_FIELDS[case][2]
    assert response.status_code == 400
    message = " ".join(response.json()[field]).lower()
    assert "characters" in message or "no more than" in message
    assert counts() == before


# --- Any script, kept and shown as text -------------------------------------------------------


def test_right_to_left_and_emoji_text_is_kept_exactly_and_shown_escaped(
    api_for, client_for, alice, world
):
    api = api_for(alice)
    made = api.post(
        "/api/pledges/",
        {
            "title": RTL_AND_EMOJI,
            "description": f"{RTL_AND_EMOJI} {SCRIPT}",
            "theme": world["theme"].slug,
            "due_date": due(),
        },
        format="json",
    ).json()
    told = api.post(
        "/api/stories/",
        {"title": RTL_AND_EMOJI, "summary": SCRIPT, "body": RTL_AND_EMOJI},
        format="json",
    ).json()
    said = api.post(
        f"/api/stories/{world['story'].pk}/comments/", {"body": f"{RTL_AND_EMOJI} {SCRIPT}"}
    ).json()

    pledge = Pledge.objects.get(pk=made["id"])
    assert pledge.title == RTL_AND_EMOJI
    assert Story.objects.get(pk=told["id"]).title == RTL_AND_EMOJI
    assert Comment.objects.get(pk=said["id"]).body == f"{RTL_AND_EMOJI} {SCRIPT}"
    for url in [
        reverse("pledges:detail", args=[pledge.pk]),
        reverse("stories:detail", args=[Story.objects.get(pk=told["id"]).slug]),
        reverse("stories:detail", args=[world["story"].slug]),
    ]:
        html = client_for(alice).get(url).content.decode()
        assert RTL_AND_EMOJI in html
        assert SCRIPT not in html


# --- Other members' ids --------------------------------------------------------------------


def test_other_members_things_cannot_be_changed_through_their_ids(
    api_for, client_for, alice, bob, world
):
    bobs_pledge = PledgeFactory(author=bob, title="learn everyone's name")
    bobs_story = StoryFactory(author=bob, status="published", published_at=timezone.now())
    api = api_for(alice)
    before = counts()

    responses = [
        api.patch(f"/api/pledges/{bobs_pledge.pk}/", {"title": "hacked"}, format="json"),
        api.post(f"/api/pledges/{bobs_pledge.pk}/withdraw/"),
        api.patch(f"/api/stories/{bobs_story.pk}/", {"title": "hacked"}, format="json"),
        api.delete(f"/api/stories/{bobs_story.pk}/"),
        api.post(f"/api/stories/{bobs_story.pk}/co-authors/", {"member": alice.pk}),
        client_for(alice).post(reverse("pledges:withdraw", args=[bobs_pledge.pk])),
        client_for(alice).post(reverse("stories:delete", args=[bobs_story.slug])),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403, 403, 403, 403]
    assert counts() == before
    bobs_pledge.refresh_from_db()
    bobs_story.refresh_from_db()
    assert bobs_pledge.title == "learn everyone's name" and bobs_pledge.status == "active"
    assert bobs_story.title != "hacked"


def test_a_story_cannot_link_a_pledge_its_author_may_not_see(api_for, alice, bob, oscar):
    from tests.factories import CommunityFactory, MembershipFactory

    private = CommunityFactory(name="Closed Ward", joining_policy="request")
    MembershipFactory(community=private, member=bob)
    hidden = PledgeFactory(author=bob, community=private, visibility="community")

    response = api_for(alice).post(
        "/api/stories/",
        {"title": "Mine", "summary": "s", "body": "b", "pledges": [hidden.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "pledges" in response.json()
    assert not Story.objects.filter(title="Mine").exists()


# --- Replayed posts ----------------------------------------------------------------------------


def test_replaying_one_click_actions_changes_nothing_more(
    client_for, alice, bob, charlie, pledge, story, community, learning_module
):
    bobs = client_for(bob)
    lesson = learning_module.lessons.first()
    actions = [
        reverse("pledges:sign", args=[pledge.pk]),
        reverse("stories:react", args=[story.slug]),
        reverse("communities:join", args=[community.slug]),
    ]
    for url in actions:
        bobs.post(url)
    bobs.post(reverse("learning:enrol", args=[learning_module.slug]), {"cohort": "self"})
    bobs.post(reverse("learning:lesson_complete", args=[learning_module.slug, lesson.slug]))
    first = counts()

    for url in actions:
        bobs.post(url)
    bobs.post(reverse("learning:enrol", args=[learning_module.slug]), {"cohort": "self"})
    bobs.post(reverse("learning:lesson_complete", args=[learning_module.slug, lesson.slug]))

    assert counts() == first
    pledge.refresh_from_db()
    story.refresh_from_db()
    community.refresh_from_db()
    assert pledge.signer_count == Signature.objects.filter(pledge=pledge).count() == 2
    assert story.inspired_count == Reaction.objects.filter(story=story).count() == 1
    assert (
        community.member_count
        == Membership.objects.filter(community=community, status="active").count()
    )


def test_replaying_a_flag_or_a_co_author_invitation_makes_one(client_for, alice, bob, story):
    owner = client_for(alice)
    for _ in range(2):
        owner.post(reverse("stories:co_authors", args=[story.slug]), {"email": bob.email})
    reporter = client_for(bob)
    for _ in range(2):
        reporter.post(
            reverse("stories:flag", args=["story", story.pk]), {"reason": "It is unkind."}
        )

    assert CoAuthor.objects.filter(story=story, member=bob).count() == 1
    assert Flag.objects.filter(reporter=bob, target_id=story.pk, status="open").count() == 1


# --- Pages past the end --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/stories/",
        "/api/communities/",
        "/api/learning/modules/",
        "/api/learning/enrolments/",
        "/api/flags/",
        "/api/notifications/",
    ],
)
@pytest.mark.parametrize("page", ["2", str(HUGE), "0", "x"])
def test_a_page_past_the_end_of_an_api_list_is_a_404_with_a_json_error(
    api_for, alice, world, path, page
):
    response = api_for(alice).get(path, {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize("page", ["2", "50"])
def test_a_page_past_the_end_of_the_pledge_wall_is_empty_with_no_next_page(
    api_client, pledge, page
):
    """The wall does not count its rows (it may hold millions), so a page past the end is
    simply empty."""
    response = api_client.get("/api/pledges/", {"page": page})

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["results"] == []


@pytest.mark.parametrize("page", ["51", "999", str(HUGE), "0", "-1", "x"])
def test_a_page_outside_the_pledge_walls_pages_is_a_404_that_names_them(api_client, pledge, page):
    """Pages stop at 50 (pledges.selectors.MAX_PAGE): past it, a search or a filter is
    the way to older pledges, and every page stays a short walk along an index."""
    response = api_client.get("/api/pledges/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page. Pages run from 1 to 50."}


@pytest.mark.parametrize(
    "path",
    ["/pledges/", "/stories/", "/communities/", "/learning/", "/pledges/mine/", "/stories/mine/"],
)
@pytest.mark.parametrize("page", [str(HUGE), "x"])
def test_a_page_past_the_end_of_a_list_page_is_still_a_page(client_for, alice, world, path, page):
    response = client_for(alice).get(path, {"page": page})

    assert response.status_code == 200
