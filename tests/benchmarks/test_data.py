"""The benchmark data set: right counts, consistent counters, refuses a bad scale.

No timing here: speed is measured by `make bench`, never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection

from benchmarks import data
from communities.models import Community, Membership
from learning.models import Enrolment
from members.models import Organisation, Region, User
from pledges.models import CheckIn, Pledge, Signature
from stories.models import Story

SCALE = 0.001
ANCHOR = dt.date(2026, 6, 1)


@pytest.mark.django_db
def test_it_loads_the_sizes_asked_for_with_counters_that_match_the_rows():
    sizes = data.sizes_for(SCALE)

    counts = data.load(connection, scale=SCALE, anchor=ANCHOR, log=lambda _text: None)

    assert Region.objects.count() == len(data.REGIONS)
    assert Organisation.objects.count() == sizes["organisations"]
    assert User.objects.count() == sizes["members"] == 200
    assert Community.objects.count() == sizes["communities"]
    assert Pledge.objects.count() == sizes["pledges"] == 1000
    assert Signature.objects.count() == sizes["signatures"] == 3000
    assert CheckIn.objects.count() == sizes["check_ins"] == 1000
    assert Story.objects.count() == sizes["stories"] == 100
    assert Enrolment.objects.count() == sizes["enrolments"] == 500
    assert counts["pledges_pledge"] == counts["pledges_signertally"] == 1000
    assert data.check_counters(connection) == {
        "pledge_signer_count": 0,
        "pledge_signer_tally": 0,
        "pledge_total_quantity": 0,
        "community_member_count": 0,
        "signature_without_author": 0,
    }
    # Every community has its organiser, and members can sign in with the bench password.
    assert Membership.objects.filter(role="organiser").count() == sizes["communities"]
    assert User.objects.get(pk=1).check_password(data.BENCH_PASSWORD)


@pytest.mark.django_db
def test_new_rows_after_a_load_get_fresh_ids():
    data.load(connection, scale=SCALE, anchor=ANCHOR, log=lambda _text: None)

    user = User.objects.create_user("after-the-load@example.nhs.uk", "a long password 123")

    assert user.pk == data.sizes_for(SCALE)["members"] + 1


def test_the_same_seed_and_day_give_the_same_rows():
    first = data.DataSet(scale=SCALE, seed=5, anchor=ANCHOR)
    second = data.DataSet(scale=SCALE, seed=5, anchor=ANCHOR)
    other = data.DataSet(scale=SCALE, seed=6, anchor=ANCHOR)

    sample = list(itertools.islice(first._signatures(), 500))

    assert sample == list(itertools.islice(second._signatures(), 500))
    assert sample != list(itertools.islice(other._signatures(), 500))


@pytest.mark.parametrize("scale", ["0", "-1", "abc", "nan", "inf", "-0.5", "11"])
def test_it_refuses_a_scale_that_is_not_a_positive_number(scale):
    with pytest.raises(data.ScaleError, match="SCALE"):
        data.parse_scale(scale)


def test_the_command_says_why_it_refuses_a_scale(capsys):
    assert data.main(["0"]) == 2

    error = capsys.readouterr().err
    assert "SCALE must be a positive number" in error


@pytest.mark.parametrize(("text", "scale"), [("1", 1.0), ("0.01", 0.01), ("", 1.0), (None, 1.0)])
def test_it_takes_positive_numbers_and_defaults_to_nhs_scale(text, scale):
    assert data.parse_scale(text) == scale
