"""Shared fixtures. Named characters: alice (a member), bob (her teammate),
charlie (an outsider), and admin (a platform admin)."""

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory


def _instrument_jinja_templates():
    """Let the test client see Jinja contexts (response.context), as it does for Django's."""
    from django.template.backends import jinja2 as jinja_backend
    from django.test.signals import template_rendered

    original = jinja_backend.Template.render
    if getattr(original, "instrumented", False):
        return

    def render(self, context=None, request=None):
        seen = dict(context or {})
        seen.setdefault("request", request)
        template_rendered.send(sender=self, template=self, context=seen)
        return original(self, context, request)

    render.instrumented = True
    jinja_backend.Template.render = render


def pytest_configure(config):
    from django.conf import settings

    _instrument_jinja_templates()

    # A fast hasher: the real one (PBKDF2) costs most of a second per member created.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # Rate limits stay on (the counting runs) but far above anything a test does; tests
    # of the limits themselves lower one scope with the settings fixture.
    settings.RATE_LIMITS = {scope: "100000/m/member,100000/m/ip" for scope in settings.RATE_LIMITS}

    # Tests get their own Redis database so clearing the cache touches nothing else.
    from radicals.settings import _redis_db

    # Under pytest-xdist each worker (gw0, gw1, …) takes the next database along, as
    # pytest-django gives each its own test PostgreSQL database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    settings.CACHES["default"]["LOCATION"] = _redis_db(
        settings.REDIS_URL, int(os.environ.get("TEST_REDIS_DB", "2")) + int(worker[2:])
    )
    # The catalogues as they are now, so a test never reads a stale .mo. The process that
    # starts the workers compiles them once, before any worker reads them.
    if "PYTEST_XDIST_WORKER" not in os.environ:
        from radicals.i18n import compile_catalogues

        compile_catalogues()

    from radicals.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clean_cache():
    from kernel import queue
    from kernel.caching import subjects
    from radicals.cache import reset_breakers

    # No test inherits an earlier test's cache or broker failure, nor the changes its
    # rolled-back test transaction left waiting for a commit.
    reset_breakers()
    queue.reset()
    cache.clear()
    subjects._pending_subjects().clear()
    yield


@pytest.fixture
def pseudo_welsh(settings, tmp_path_factory):
    """Welsh pages whose every marked string reads ⟦English⟧ (tests/pseudo_locale.py)."""
    from tests.pseudo_locale import write_catalogue

    settings.LOCALE_PATHS = [str(write_catalogue(tmp_path_factory.mktemp("pseudo")))]


@pytest.fixture(autouse=True)
def _email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.nhs.uk", display_name="Alice Ahmed")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.nhs.uk", display_name="Bob Brown")


@pytest.fixture
def charlie(db):
    return UserFactory(email="charlie@example.nhs.uk", display_name="Charlie Clarke")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@example.nhs.uk", display_name="Ada Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def client_for(client):
    """A web client logged in as the given member."""

    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_for():
    def make(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


# --- communities ---------------------------------------------------------------------


@pytest.fixture
def olivia(db):
    """Olivia organises `community`."""
    return UserFactory(email="olivia@example.nhs.uk", display_name="Olivia Organiser")


@pytest.fixture
def oscar(db):
    """Oscar organises `other_community`."""
    return UserFactory(email="oscar@example.nhs.uk", display_name="Oscar Otherorganiser")


@pytest.fixture
def community(olivia):
    """An open community, "Morecambe Bay Walkers", organised by Olivia."""
    from tests.factories import CommunityFactory, MembershipFactory

    community = CommunityFactory(name="Morecambe Bay Walkers", slug="morecambe-bay-walkers")
    MembershipFactory(community=community, member=olivia, role="organiser")
    community.refresh_from_db()
    return community


@pytest.fixture
def other_community(oscar):
    """An open community, "Leeds Listeners", organised by Oscar."""
    from tests.factories import CommunityFactory, MembershipFactory

    community = CommunityFactory(name="Leeds Listeners", slug="leeds-listeners")
    MembershipFactory(community=community, member=oscar, role="organiser")
    community.refresh_from_db()
    return community


@pytest.fixture
def alice_in_community(community, alice):
    """Alice, an ordinary member of `community` (returns her membership)."""
    from tests.factories import MembershipFactory

    membership = MembershipFactory(community=community, member=alice)
    community.refresh_from_db()
    return membership


# --- learning -----------------------------------------------------------------------


@pytest.fixture
def learning_module(db):
    """A published module with three lessons and a two-question quiz (pass mark 70%):
    question one has one right answer, question two has two."""
    from tests.factories import ChoiceFactory, LessonFactory, ModuleFactory, QuestionFactory

    module = ModuleFactory(title="Introduction to leading change", slug="intro-to-change")
    for number, title in enumerate(["Change from the edge", "What matters", "Small tests"], 1):
        LessonFactory(module=module, position=number, title=title)
    single = QuestionFactory(
        module=module,
        position=1,
        text="Where does change usually start?",
        explanation="Change usually starts *at the edge*, away from the centre of power.",
    )
    ChoiceFactory(question=single, position=1, text="At the edge", is_correct=True)
    ChoiceFactory(question=single, position=2, text="At the board")
    multi = QuestionFactory(
        module=module,
        position=2,
        text="Which of these are small tests of change?",
        explanation="A small test is quick, cheap and local: PDSA cycles and one-ward trials.",
    )
    ChoiceFactory(question=multi, position=1, text="A PDSA cycle", is_correct=True)
    ChoiceFactory(question=multi, position=2, text="A one-ward trial", is_correct=True)
    ChoiceFactory(question=multi, position=3, text="A national policy")
    return module


@pytest.fixture
def learning_enrolment(learning_module, alice):
    """Alice, enrolled in learning_module at her own pace."""
    from learning.services import enrol

    return enrol(member=alice, module=learning_module)


# --- stories -------------------------------------------------------------------------


@pytest.fixture
def story_draft(alice):
    """Alice's draft story, private to her."""
    from stories.services import story_create

    return story_create(
        author=alice,
        title="Walking a mile a day on Morecambe Bay",
        summary="Twelve of us walked a mile a day for a month, and talked on the way.",
        body="We met at the **lifeboat station** at 7:30 every morning.",
        outcome="12 colleagues walked 360 miles together",
        tags="wellbeing, walking",
    )


@pytest.fixture
def story(story_draft, alice):
    """Alice's story, published (no community, so no review)."""
    from stories.services import story_publish

    return story_publish(story=story_draft, actor=alice)


@pytest.fixture
def story_with_co_author(story, alice, bob):
    """Alice's published story, which Bob co-authors."""
    from stories.services import co_author_invite, co_author_respond

    co_author_invite(story=story, actor=alice, member=bob)
    co_author_respond(story=story, member=bob, accept=True)
    return story


# --- pledges ------------------------------------------------------------------------


@pytest.fixture
def theme(db):
    from tests.factories import ThemeFactory

    return ThemeFactory(name="Patient experience", slug="patient-experience")


@pytest.fixture
def pledge(alice, theme):
    """Alice's threshold pledge, gathering: it is on when two other people sign it."""
    import datetime

    from django.utils import timezone

    from pledges.services import pledge_create

    today = timezone.localdate()
    return pledge_create(
        author=alice,
        title="ask every patient what matters to them",
        description="Starting with *what matters to you?*",
        theme=theme,
        due_date=today + datetime.timedelta(days=30),
        threshold=2,
        threshold_deadline=today + datetime.timedelta(days=14),
    )


@pytest.fixture
def pledge_with_signers(pledge, bob):
    """The pledge with Bob signed: one of the two others it needs, still gathering."""
    from pledges.services import pledge_sign

    return pledge_sign(pledge=pledge, member=bob).pledge


@pytest.fixture
def pledge_met(pledge_with_signers, charlie):
    """The pledge with Bob and Charlie signed: its threshold is met and it is active."""
    from pledges.services import pledge_sign

    return pledge_sign(pledge=pledge_with_signers, member=charlie).pledge
