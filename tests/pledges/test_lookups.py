"""A pledge's theme and campaign are put on it from a kept copy of both small tables
(pledges.lookups), not joined: a change to either shows on the next read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges import selectors
from tests.factories import CampaignFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def _read(pledge, user):
    return selectors.pledge_get_for(user=user, pk=pledge.pk)


def test_a_pledge_is_read_without_joining_its_theme_or_campaign(alice):
    pledge = PledgeFactory(campaign=CampaignFactory(name="Change Day"))
    _read(pledge, alice)  # the kept copy is made here
    with CaptureQueriesContext(connection) as captured:
        read = _read(pledge, alice)
        names = (read.theme.name, read.campaign.name)

    assert names == (pledge.theme.name, "Change Day")
    assert len(captured.captured_queries) == 1
    assert "pledges_theme" not in captured.captured_queries[0]["sql"]
    assert "pledges_campaign" not in captured.captured_queries[0]["sql"]


def test_a_renamed_theme_or_campaign_shows_on_the_next_read(alice):
    pledge = PledgeFactory(campaign=CampaignFactory(name="Change Day"))
    _read(pledge, alice)
    pledge.theme.name = "Patient safety"
    pledge.theme.save()
    pledge.campaign.name = "Change Week"
    pledge.campaign.save()

    read = _read(pledge, alice)

    assert (read.theme.name, read.campaign.name) == ("Patient safety", "Change Week")


def test_a_theme_the_kept_copy_does_not_hold_is_read(alice):
    from pledges.models import Theme

    first = PledgeFactory()
    _read(first, alice)  # the kept copy is made here, without the theme below
    # Made behind the models' back, as a data migration's own models or a script would.
    (theme,) = Theme.objects.bulk_create([Theme(name="Theatre recovery", slug="theatre")])
    newer = PledgeFactory(theme=theme)

    assert _read(newer, alice).theme.name == "Theatre recovery"
    assert _read(first, alice).theme.name == first.theme.name


def test_a_pledge_without_a_campaign_has_none(alice):
    pledge = PledgeFactory()

    assert _read(pledge, alice).campaign is None
