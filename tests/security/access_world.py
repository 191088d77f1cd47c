"""The small world the access matrix runs in (tests/security/test_access_matrix.py).

Morecambe Bay Walkers is organised by Olivia; Alice and Bob are members. Leeds
Listeners is organised by Oscar. Charlie belongs to no community. Ada is a platform
admin. In Morecambe Bay Walkers Alice has made a pledge (Bob signed it) and checked in,
told a story (Bob co-authors it) and commented on it; she is learning a module (done,
with a certificate), has a notification, a copy of her data and an invitation link.
Olivia has a community export and Ada a summary subscription.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import (
    CampaignFactory,
    ChoiceFactory,
    CommunityFactory,
    LessonFactory,
    MembershipFactory,
    ModuleFactory,
    QuestionFactory,
    ThemeFactory,
    UserFactory,
)

ACTORS = ("anonymous", "member", "outsider", "organiser", "other_organiser", "admin")


@dataclass
class World:
    people: dict
    alice: object
    bob: object
    charlie: object
    olivia: object
    oscar: object
    admin: object
    community: object
    other_community: object
    campaign: object
    theme: object
    pledge: object
    check_in: object
    story: object
    comment: object
    module: object
    lesson: object
    enrolment: object
    attempt: object
    certificate: object
    notification: object
    unsubscribe_token: str
    data_export: object
    invitation: object
    extra: dict = field(default_factory=dict)

    def actor(self, name: str):
        return self.people[name]


def build_world() -> World:
    from communities.services import flag_create, invitation_create
    from learning.services import enrol, lesson_complete, quiz_submit
    from members.services import data_export_build, data_export_request
    from notifications.services import notify
    from notifications.tokens import ALL_SCOPE, make_token
    from pledges.services import check_in_create, pledge_create, pledge_sign
    from stories.services import (
        co_author_invite,
        co_author_respond,
        comment_create,
        story_create,
        story_publish,
    )

    def person(email: str, name: str, **extra):
        return UserFactory(email=email, display_name=name, **extra)

    alice = person("alice@example.nhs.uk", "Alice Ahmed")
    bob = person("bob@example.nhs.uk", "Bob Brown")
    charlie = person("charlie@example.nhs.uk", "Charlie Clarke")
    olivia = person("olivia@example.nhs.uk", "Olivia Organiser")
    oscar = person("oscar@example.nhs.uk", "Oscar Otherorganiser")
    admin = person("admin@example.nhs.uk", "Ada Admin", is_staff=True, is_superuser=True)
    for member in (alice, bob, charlie, olivia, oscar, admin):
        Token.objects.create(user=member)

    community = CommunityFactory(name="Morecambe Bay Walkers", slug="morecambe-bay-walkers")
    MembershipFactory(community=community, member=olivia, role="organiser")
    MembershipFactory(community=community, member=alice, posts_approved=5)
    MembershipFactory(community=community, member=bob, posts_approved=5)
    other_community = CommunityFactory(name="Leeds Listeners", slug="leeds-listeners")
    MembershipFactory(community=other_community, member=oscar, role="organiser")
    community.refresh_from_db()
    other_community.refresh_from_db()

    theme = ThemeFactory(name="Patient experience", slug="patient-experience")
    campaign = CampaignFactory(name="Change Day 2027", slug="change-day-2027")
    today = timezone.localdate()
    pledge = pledge_create(
        author=alice,
        title="ask every patient what matters to them",
        theme=theme,
        campaign=campaign,
        community=community,
        due_date=today + datetime.timedelta(days=30),
    )
    pledge_sign(pledge=pledge, member=bob)
    check_in = check_in_create(pledge=pledge, author=alice, note="Asked 12 patients today.")

    story = story_create(
        author=alice,
        title="Walking a mile a day on Morecambe Bay",
        summary="Twelve of us walked a mile a day for a month.",
        body="We met at the lifeboat station at 7:30 every morning.",
        community=community,
    )
    story = story_publish(story=story, actor=alice)
    co_author_invite(story=story, actor=alice, member=bob)
    co_author_respond(story=story, member=bob, accept=True)
    comment = comment_create(story=story, author=alice, body="Thank you, walkers!")
    flag_create(reporter=bob, target=comment, reason="Off topic.")

    module = ModuleFactory(title="Leading change", slug="leading-change")
    lesson = LessonFactory(module=module, position=1, title="Change from the edge")
    question = QuestionFactory(module=module, position=1, text="Where does change start?")
    right = ChoiceFactory(question=question, position=1, text="At the edge", is_correct=True)
    ChoiceFactory(question=question, position=2, text="At the board")
    enrolment = enrol(member=alice, module=module)
    lesson_complete(member=alice, lesson=lesson)
    attempt = quiz_submit(member=alice, module=module, answers={question.pk: [right.pk]})
    enrolment.refresh_from_db()
    certificate = enrolment.certificate

    notification, _ = notify(
        kind="story_comment", recipient=alice, title="A comment on your story", url="/"
    )
    data_export = data_export_build(export_id=data_export_request(member=alice).pk)
    invitation = invitation_create(community=community, actor=olivia, days_valid=14)

    world = World(
        people={
            "anonymous": None,
            "member": alice,
            "outsider": charlie,
            "organiser": olivia,
            "other_organiser": oscar,
            "admin": admin,
        },
        alice=alice,
        bob=bob,
        charlie=charlie,
        olivia=olivia,
        oscar=oscar,
        admin=admin,
        community=community,
        other_community=other_community,
        campaign=campaign,
        theme=theme,
        pledge=pledge,
        check_in=check_in,
        story=story,
        comment=comment,
        module=module,
        lesson=lesson,
        enrolment=enrolment,
        attempt=attempt,
        certificate=certificate,
        notification=notification,
        unsubscribe_token=make_token(user_id=alice.pk, scope=ALL_SCOPE),
        data_export=data_export,
        invitation=invitation,
    )
    if apps.is_installed("reports"):
        export_model = apps.get_model("reports", "Export")
        subscription_model = apps.get_model("reports", "ReportSubscription")
        from reports.exports import exports_dir

        export = export_model.objects.create(
            requested_by=olivia,
            dataset="pledges",
            community=community,
            filters_key=f"community={community.pk}",
            status="done",
            file_name="olivias-pledges.csv",
            finished_at=timezone.now(),
        )
        exports_dir().mkdir(parents=True, exist_ok=True)
        (exports_dir() / export.file_name).write_text("id,title\n1,ask every patient\n")
        world.extra["export"] = export
        world.extra["subscription"] = subscription_model.objects.create(
            member=admin, frequency="weekly"
        )
        # A month of the community's rollups, so its SPC charts can be re-based.
        apps.get_model("reports", "DailyRollup").objects.create(
            day=today - datetime.timedelta(days=30),
            scope="community",
            scope_id=community.pk,
            pledges_made=1,
        )
        world.extra["spc_baseline"] = apps.get_model("reports", "SpcBaseline").objects.create(
            scope="community",
            scope_id=community.pk,
            measure="all",
            starts_on=today - datetime.timedelta(days=20),
            created_by=olivia,
        )
    return world


# --- The world as a module-wide fixture ---------------------------------------------------

# Tables whose rows change on every request whatever it does (the session and its list).
NOISE_TABLES = {"django_session", "usersessions_usersession"}
FINGERPRINTED_APPS = {
    "members",
    "communities",
    "pledges",
    "stories",
    "learning",
    "notifications",
    "reports",
    "account",
    "socialaccount",
    "authtoken",
}


def _fingerprinted_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in FINGERPRINTED_APPS and not model._meta.proxy
        }
        - NOISE_TABLES
    )


def fingerprint() -> dict[str, int]:
    """How many rows of each table the apps own were written so far: equal, no writes.

    PostgreSQL counts, per table, the rows this transaction inserted, updated and
    deleted; if no count moves during a request, the request wrote nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t::regclass::text, pg_stat_get_xact_tuples_inserted(t)"
            " + pg_stat_get_xact_tuples_updated(t) + pg_stat_get_xact_tuples_deleted(t)"
            " FROM unnest(%s::regclass[]) AS t",
            [_TABLES],
        )
        return dict(cursor.fetchall())


_TABLES: list[str] = []
SESSIONS: dict[str, str] = {}  # actor -> session key, logged in once for the module


def open_world(media_root: str):
    """Build the world inside a transaction left open (and log each person in once);
    `close_world` rolls it all back."""
    overrides = override_settings(
        MEDIA_ROOT=media_root, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    )
    overrides.enable()
    atomic = transaction.atomic()
    atomic.__enter__()
    _open.extend([overrides, atomic])
    cache.clear()
    built = build_world()
    _TABLES[:] = _fingerprinted_tables()
    SESSIONS.clear()
    for actor, person in built.people.items():
        if person is not None:
            client = Client()
            client.force_login(person)
            SESSIONS[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return built


def close_world() -> None:

    overrides, atomic = _open
    _open.clear()
    transaction.set_rollback(True)
    atomic.__exit__(None, None, None)
    overrides.disable()


_open: list = []


def in_savepoint(function):
    """Run `function` in a savepoint that is always rolled back, and forget the cache."""
    with transaction.atomic():
        try:
            return function()
        finally:
            transaction.set_rollback(True)
            cache.clear()
