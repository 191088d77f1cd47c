"""Mass assignment: no API request can set a field its serializer does not offer.

Every operation of the OpenAPI schema that takes a body (walked from the schema, so a
new endpoint is tested the day it appears) is sent the privilege fields — is_staff,
is_superuser, role, author, user, member, recipient, status, signer_count,
moderation_status, featured, verified … — that it does not document as writable, by
Alice (a member who wrote the content), Olivia (the community's organiser) and Ada (an
admin). An operation with a body must refuse them by name (400), or refuse the person
(403/404); either way nothing is written. An operation
that takes no body must behave exactly as it does with an empty one: the same status,
the same rows written, and the same privileges afterwards.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.security.access_world import World, fingerprint, in_savepoint

pytestmark = pytest.mark.django_db

ACTORS = ("member", "organiser", "admin")


def privilege_fields(world: World) -> dict:
    other = world.bob.pk
    return {
        "id": 999_999,
        "pk": 999_999,
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "role": "organiser",
        "author": other,
        "author_id": other,
        "user": other,
        "user_id": other,
        "member": other,
        "member_id": other,
        "recipient": other,
        "reporter": other,
        "requested_by": other,
        "created_by": other,
        "email": "mallory@example.nhs.uk",
        "status": "published",
        "signer_count": 999,
        "done_count": 999,
        "inspired_count": 999,
        "member_count": 999,
        "moderation_status": "published",
        "featured": True,
        "is_featured": True,
        "verified": True,
        "is_correct": True,
        "score": 100,
        "passed": True,
        "include_personal": True,
        "created_at": "2000-01-01T00:00:00Z",
    }


# The state a privilege field would change: flags, roles, owners, counters, moderation.
PRIVILEGED_COLUMNS = {
    "members.User": ("id", "is_staff", "is_superuser", "is_active", "email", "display_name"),
    "communities.Community": ("id", "status", "member_count", "requested_by_id"),
    "communities.Membership": ("community_id", "member_id", "role", "status"),
    "pledges.Pledge": ("author_id", "status", "signer_count", "moderation_status", "visibility"),
    "pledges.Signature": ("pledge_id", "member_id", "is_author"),
    "pledges.CheckIn": ("pledge_id", "author_id", "moderation_status"),
    "stories.Story": ("author_id", "status", "is_featured", "moderation_status", "inspired_count"),
    "stories.CoAuthor": ("story_id", "member_id", "status"),
    "stories.Comment": ("story_id", "author_id", "moderation_status"),
    "stories.Reaction": ("story_id", "member_id"),
    "communities.Flag": ("reporter_id", "status"),
    "learning.Enrolment": ("member_id", "module_id"),
    "learning.Certificate": ("member_id", "module_id", "revoked_at"),
    "learning.QuizAttempt": ("enrolment_id", "score", "passed"),
    "notifications.Notification": ("recipient_id", "read_at"),
    "reports.Export": ("requested_by_id", "dataset", "community_id", "include_personal"),
    "reports.ReportSubscription": ("member_id", "frequency"),
}


def privileges() -> dict[str, list]:
    state = {}
    for label, columns in PRIVILEGED_COLUMNS.items():
        model = apps.get_model(label)
        rows = [
            tuple(
                value is not None if column.endswith("_at") else value
                for column, value in zip(columns, row, strict=True)
            )
            for row in model._default_manager.values_list(*columns)
        ]
        state[label] = sorted(rows, key=lambda row: [str(v) for v in row])
    return state


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def body_operations() -> list[tuple[str, str, set[str] | None]]:
    """(method, path template, writable fields or None when it takes no body) for every
    operation of the schema that changes something."""
    schema = _schema()
    components = schema["components"]["schemas"]
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            writable = None
            if body:
                reference = body["schema"].get("$ref", "")
                properties = components[reference.split("/")[-1]].get("properties", {})
                writable = {name for name, spec in properties.items() if not spec.get("readOnly")}
            found.append((method, path, writable))
    return found


OPERATIONS = body_operations()


def concrete(path: str, world: World) -> str:
    """The template's parameters filled from the world: Alice's pledge, story, comment…"""
    ids = [
        (r"^/api/pledges/", world.pledge.pk),
        (r"^/api/stories/comments/", world.comment.pk),
        (r"^/api/stories/", world.story.pk),
        (r"^/api/learning/lessons/", world.lesson.pk),
        (r"^/api/notifications/", world.notification.pk),
        (r"^/api/communities/[^/]+/invitations/", world.invitation.pk),
        (
            r"^/api/reports/subscriptions/",
            world.extra.get("subscription") and world.extra["subscription"].pk,
        ),
        (
            r"^/api/reports/spc/baselines/",
            world.extra.get("spc_baseline") and world.extra["spc_baseline"].pk,
        ),
    ]
    slugs = [(r"^/api/learning/modules/", world.module.slug), (r"^/api/", world.community.slug)]
    for pattern, value in ids:
        if re.match(pattern, path) and "{id}" in path:
            path = path.replace("{id}", str(value))
    for pattern, value in slugs:
        if re.match(pattern, path):
            path = path.replace("{slug}", value)
    path = path.replace("{member_id}", str(world.bob.pk)).replace("{token}", world.invitation.token)
    assert "{" not in path, f"fill {path} in concrete()"
    return path


def _send(
    world: World, actor: str, method: str, path: str, body: dict
) -> tuple[int, dict, dict, dict]:
    client = APIClient()
    client.force_authenticate(world.people[actor])
    before = fingerprint()
    response = getattr(client, method)(concrete(path, world), body, format="json")
    after = fingerprint()
    written = {
        table: after[table] - before.get(table, 0)
        for table in after
        if after[table] != before.get(table, 0)
    }
    payload = response.json() if "json" in response.get("Content-Type", "") else {}
    return response.status_code, payload if isinstance(payload, dict) else {}, written, privileges()


def test_the_schema_offers_operations_with_and_without_bodies():
    with_body = [op for op in OPERATIONS if op[2] is not None]
    without = [op for op in OPERATIONS if op[2] is None]

    assert len(with_body) >= 30
    assert ("patch", "/api/me/") in {(m, p) for m, p, _ in with_body}
    assert ("post", "/api/pledges/{id}/sign/") in {(m, p) for m, p, _ in without}


@pytest.mark.parametrize(
    ("method", "path", "writable"),
    [pytest.param(*op, id=f"{op[0].upper()} {op[1]}") for op in OPERATIONS if op[2] is not None],
)
@pytest.mark.parametrize("actor", ACTORS)
def test_privilege_fields_are_refused_by_name_and_nothing_is_written(
    world, method, path, writable, actor
):
    sent = {name: value for name, value in privilege_fields(world).items() if name not in writable}
    before = privileges()

    status, payload, written, after = in_savepoint(lambda: _send(world, actor, method, path, sent))

    assert status in (400, 403, 404), (status, payload)
    if status == 400:
        assert set(sent) <= set(payload), f"not refused by name: {sorted(set(sent) - set(payload))}"
    assert not written, f"wrote {written}"
    assert after == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param(op[0], op[1], id=f"{op[0].upper()} {op[1]}")
        for op in OPERATIONS
        if op[2] is None
    ],
)
@pytest.mark.parametrize("actor", ACTORS)
def test_privilege_fields_sent_where_no_body_is_taken_change_nothing(world, method, path, actor):
    plain = in_savepoint(lambda: _send(world, actor, method, path, {}))
    loaded = in_savepoint(lambda: _send(world, actor, method, path, privilege_fields(world)))

    assert loaded[0] == plain[0], "a privilege field changed the answer"
    assert loaded[2] == plain[2], "a privilege field changed what was written"
    assert loaded[3] == plain[3], "a privilege field changed someone's privileges"


def test_a_member_cannot_name_someone_else_organiser_of_a_community_she_asks_for(world):
    """`organiser` is writable on POST /api/communities/, for admins creating one."""
    from communities.models import Membership

    def ask():
        client = APIClient()
        client.force_authenticate(world.alice)
        response = client.post(
            "/api/communities/",
            {"name": "Calmer Wards", "description": "Quiet nights.", "organiser": world.bob.pk},
            format="json",
        )
        return response.status_code, Membership.objects.filter(
            member=world.bob, role="organiser"
        ).count()

    status, bob_organises = in_savepoint(ask)

    assert status in (201, 400, 403)
    assert bob_organises == 0


def test_a_member_cannot_make_herself_staff_or_another_member_through_me(world):
    def patch(body):
        client = APIClient()
        client.force_authenticate(world.alice)
        response = client.put("/api/me/", body, format="json")
        world.alice.refresh_from_db()
        return response.status_code, world.alice.is_staff, world.alice.email

    status, is_staff, email = in_savepoint(
        lambda: patch({"display_name": "Alice", "is_staff": True, "email": "bob@example.nhs.uk"})
    )

    assert status == 400
    assert not is_staff
    assert email == "alice@example.nhs.uk"
