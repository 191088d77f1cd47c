"""The demo data: reports count what the other apps loaded, and loading again adds nothing."""

import pytest
from django.core.management import call_command

from reports import demo_movement
from reports.models import DailyRollup, Invite, ReportSubscription
from tests.reports.conftest import rollup_rows

pytestmark = pytest.mark.django_db


def test_the_demo_data_is_counted_and_loads_once():
    call_command("demo_data", "--quiet")
    rows = rollup_rows()
    invites = Invite.objects.count()

    call_command("demo_data", "--quiet")

    assert DailyRollup.objects.filter(scope="platform", pledges_made__gt=0).exists()
    assert rollup_rows() == rows
    # The four demo accounts' share links, and those of the movement's mobilisers.
    assert Invite.objects.count() == invites == 4 + demo_movement.MOBILISERS
    assert ReportSubscription.objects.count() == 1
