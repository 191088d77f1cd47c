"""Many rows written from a plan (kernel.api.Rows) are what their serializer writes:
the API pledge list's rows for every kind of pledge and viewer, and every path of DRF's
own look-up (a missing attribute with a default, null or skipped, a method, a dotted
source, a nested serializer); a field the plan cannot know is refused."""

import datetime
import types
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from kernel.api import Rows
from pledges.api import PLEDGE_ROWS, PledgeSerializer
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    PledgeFactory,
    UserFactory,
)


def _context(user) -> dict:
    request = APIRequestFactory().get("/api/pledges/", HTTP_HOST="testserver")
    request.user = user
    wrapped = Request(request)
    wrapped.user = user
    return {"request": wrapped}


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member", "author", "admin"])
def test_the_pledge_lists_rows_are_the_serializers(viewer):
    hidden = UserFactory(name_visibility="anonymous")
    members_only = UserFactory(name_visibility="members")
    pledges = [
        PledgeFactory(),
        PledgeFactory(author=hidden, campaign=CampaignFactory(), community=CommunityFactory()),
        PledgeFactory(
            author=members_only,
            status="gathering",
            threshold=4,
            threshold_deadline=timezone.localdate() + datetime.timedelta(days=9),
            activated_at=None,
        ),
        PledgeFactory(
            status="completed",
            completed_at=timezone.now(),
            done_count=3,
            signer_count=7,
            total_quantity=Decimal("12.50"),
            description="A longer <b>account</b>.",
        ),
        PledgeFactory(status="withdrawn", withdrawn_at=timezone.now(), moderation_status="hidden"),
    ]
    user = {
        "anonymous": AnonymousUser(),
        "member": UserFactory(),
        "author": hidden,
        "admin": UserFactory(is_staff=True),
    }[viewer]
    context = _context(user)

    written = PLEDGE_ROWS.write(pledges, context=context)

    assert written == PledgeSerializer(pledges, many=True, context=context).data
    assert written[1]["author"]["id"] == (None if viewer in ("anonymous", "member") else hidden.pk)


class _Inner(serializers.Serializer):
    code = serializers.CharField()
    shout = serializers.SerializerMethodField()

    def get_shout(self, row) -> str:
        return f"{row.code.upper()} for {self.context['who']}"


class _Everything(serializers.Serializer):
    plain = serializers.CharField()
    number = serializers.IntegerField()
    missing_with_default = serializers.CharField(default="unset")
    missing_nullable = serializers.CharField(allow_null=True)
    missing_skipped = serializers.CharField(required=False)
    called = serializers.CharField(source="method")
    dotted = serializers.CharField(source="inner.code")
    when = serializers.DateTimeField()
    day = serializers.DateField()
    price = serializers.DecimalField(max_digits=6, decimal_places=2)
    inner = _Inner()
    nothing = _Inner(allow_null=True)
    greeting = serializers.SerializerMethodField()

    def get_greeting(self, row) -> str:
        return f"hello {self.context['who']}"


def _row(number: int):
    return types.SimpleNamespace(
        plain=f"row {number}",
        number=number,
        method=lambda: f"called {number}",
        inner=types.SimpleNamespace(code=f"c{number}"),
        when=timezone.now() - datetime.timedelta(hours=number),
        day=datetime.date(2026, 12, number + 1),
        price=Decimal(number) / 3,
        nothing=None,
    )


def test_every_path_of_drfs_look_up_is_written_as_drf_writes_it():
    rows = [_row(number) for number in range(4)]
    context = {"who": "Sam"}

    written = Rows(_Everything).write(rows, context=context)

    assert written == _Everything(rows, many=True, context=context).data
    assert written[0]["missing_with_default"] == "unset"
    assert "missing_skipped" not in written[0]
    assert written[2]["inner"]["shout"] == "C2 for Sam"


class _Linked(serializers.Serializer):
    link = serializers.HyperlinkedIdentityField(view_name="pledges:detail")


class _Many(serializers.Serializer):
    rows = _Inner(many=True)


@pytest.mark.parametrize("serializer_class", [_Linked, _Many])
def test_a_field_the_plan_cannot_know_is_refused(serializer_class):
    with pytest.raises(TypeError, match="Rows does not"):
        Rows(serializer_class).write([], context={})
