"""The demo's movement: a few hundred members over 90 days, counted at load, so every
report has a picture on a fresh first run. One demo is loaded for the whole module."""

import datetime
import math

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from learning.models import Certificate, Enrolment
from members.models import User
from pledges.models import CheckIn, Pledge, Signature
from reports import demo_movement
from reports.models import Attribution, Badge, DailyRollup, Mobiliser, NetworkStat
from stories.models import Story
from tests.reports.conftest import rollup_rows

pytestmark = pytest.mark.django_db

MODELS = [User, Membership, Pledge, Signature, CheckIn, Story, Enrolment, Certificate, Attribution]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, loaded once inside a transaction rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("demo_data", "--quiet")
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def admin_client(demo, client):
    client.force_login(User.objects.get(email="admin@radicals.local"))
    return client


def _movement():
    return User.objects.filter(email__endswith=f"@{demo_movement.EMAIL_DOMAIN}")


def test_loading_the_demo_again_adds_nothing(demo):
    counts = {model: model.objects.count() for model in MODELS}
    rows = rollup_rows()
    badges = Badge.objects.count()

    call_command("demo_data", "--quiet")

    assert {model: model.objects.count() for model in MODELS} == counts
    assert rollup_rows() == rows
    assert Badge.objects.count() == badges


def test_the_movement_has_a_few_hundred_members_across_organisations_and_regions(demo):
    members = _movement()
    now = timezone.now()

    assert members.count() == demo_movement.MEMBERS
    assert members.values("organisation").distinct().count() == 8
    assert members.values("region").distinct().count() >= 6
    assert members.filter(date_joined__lt=now - datetime.timedelta(days=60)).exists()
    assert members.filter(date_joined__gt=now - datetime.timedelta(days=7)).exists()
    assert not members.filter(date_joined__lt=now - datetime.timedelta(days=91)).exists()
    assert 200 <= Membership.objects.filter(member__in=members, status="active").count() <= 400


def test_the_movement_has_pledges_in_every_state_with_check_ins_and_outcomes(demo):
    pledges = Pledge.objects.filter(author__email__endswith=f"@{demo_movement.EMAIL_DOMAIN}")

    assert 80 <= pledges.count() <= 200
    assert {"gathering", "active", "completed", "failed"} <= set(
        pledges.values_list("status", flat=True)
    )
    met = pledges.filter(threshold__isnull=False, activated_at__isnull=False)
    assert met.exists()
    assert pledges.filter(threshold__isnull=False, status="failed").exists()
    assert Signature.objects.filter(is_author=False).count() >= 500
    assert Signature.objects.exclude(outcome="").count() >= 50
    assert CheckIn.objects.count() >= 100
    mile = Pledge.objects.filter(campaign__slug="morecambe-bay-mile")
    assert sum(p.total_quantity for p in mile) >= 100
    assert Pledge.objects.filter(campaign__slug="change-day-2026").count() >= 20
    for pledge in Pledge.objects.all():
        assert pledge.signer_count == pledge.signatures.count()


def test_the_movement_tells_stories_and_completes_modules(demo):
    assert Story.objects.filter(status="published", pledges__isnull=False).count() >= 10
    assert Enrolment.objects.filter(completed_at__isnull=False).count() >= 50
    assert Certificate.objects.count() >= 50


def test_the_dashboards_have_figures_over_the_last_90_days(admin_client):
    since = timezone.localdate() - datetime.timedelta(days=89)
    platform = DailyRollup.objects.filter(scope="platform", day__gte=since)

    assert platform.filter(co_signs__gt=0).values("day").distinct().count() >= 45
    assert platform.filter(new_members__gt=0).values("day").distinct().count() >= 45
    assert DailyRollup.objects.filter(scope="campaign", outcome_total__gt=0).exists()
    organisations = DailyRollup.objects.filter(scope="organisation").values("scope_id")
    assert organisations.distinct().count() == 8
    response = admin_client.get(reverse("reports:dashboard"))
    assert response.status_code == 200


def test_the_network_page_names_mobilisers_and_shows_the_top_3_percent_share(admin_client):
    stat = NetworkStat.objects.get(scope="platform", scope_id=0)
    top = Mobiliser.objects.filter(scope="platform", is_top=True).select_related("member")

    response = admin_client.get(reverse("reports:network"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "No joins or co-signs yet." not in content
    assert stat.top_size == math.ceil(0.03 * stat.members)
    assert stat.top_events * 100 >= 25 * stat.events
    assert top.count() == stat.top_size
    assert "(top 3%)" in content
    first = top.get(rank=1).member
    assert first.display_name in content
    assert Mobiliser.objects.filter(scope="platform", recruits_mobilising__gt=0).exists()


def test_the_demo_awards_badges_of_every_kind(demo):
    kinds = set(Badge.objects.values_list("kind", flat=True))

    assert set(Badge.Kind.values) <= kinds


def test_the_demo_pages_show_the_movement(admin_client):
    completed = (
        Pledge.objects.filter(status="completed", signatures__outcome__gt="").order_by("pk").first()
    )
    outcome = completed.signatures.exclude(outcome="").first().outcome
    story = Story.objects.filter(pledges=completed).first() or Story.objects.order_by("pk").last()
    top = Mobiliser.objects.get(scope="platform", rank=1).member
    pages = {
        reverse("pledges:detail", args=[completed.pk]): outcome,
        reverse("pledges:campaign", args=["morecambe-bay-mile"]): "miles",
        reverse("pledges:wall"): "",
        reverse("stories:detail", args=[story.slug]): story.title,
        reverse("members:profile", args=[top.pk]): top.display_name,
        reverse("reports:community_network", args=["morecambe-bay-walkers"]): "(top 3%)",
        reverse("reports:badges"): "",
    }

    for url, text in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
