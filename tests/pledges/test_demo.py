"""The demo data: themes, both campaigns and pledges in several states, loaded twice
without adding anything the second time."""

import pytest

from pledges.models import Campaign, CheckIn, Pledge, Signature, Theme

pytestmark = pytest.mark.django_db


def _load() -> dict:
    from communities import demo as communities_demo
    from members import demo as members_demo
    from pledges import demo as pledges_demo

    loaded = {"members": members_demo.load({})}
    loaded["communities"] = communities_demo.load(loaded)
    return pledges_demo.load(loaded)


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Theme, Campaign, Pledge, Signature, CheckIn))


def test_the_demo_loads_once_and_again_adds_nothing():
    result = _load()
    first = _counts()
    _load()

    assert _counts() == first
    assert {"patient-experience", "staff-wellbeing", "sustainability", "safety", "digital"} <= set(
        result["themes"]
    )
    assert Campaign.objects.get(slug="change-day-2026").target == 1000
    assert Campaign.objects.get(slug="morecambe-bay-mile").unit == "miles"
    statuses = set(Pledge.objects.values_list("status", flat=True))
    assert {"gathering", "active", "completed"} <= statuses
    walking = Pledge.objects.get(campaign__slug="morecambe-bay-mile")
    assert str(walking.total_quantity) == "5.50"
    assert Pledge.objects.filter(visibility="community", community__isnull=False).exists()
