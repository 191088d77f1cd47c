"""The demo communities load once: running the loader again adds nothing."""

import pytest

from communities import demo
from communities.models import AuditEntry, Community, Invitation, Membership
from members import demo as members_demo
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_demo_communities_cover_each_joining_policy_and_load_once():
    loaded = {"members": members_demo.load({})}
    first = demo.load(loaded)
    counts = [
        model.objects.count()
        for model in (Community, Membership, Invitation, AuditEntry, Notification)
    ]

    second = demo.load(loaded)

    assert counts == [
        model.objects.count()
        for model in (Community, Membership, Invitation, AuditEntry, Notification)
    ]
    users = loaded["members"]["users"]
    walkers, leeds, ward7 = (second["communities"][k] for k in ("walkers", "leeds", "ward7"))
    assert {c.joining_policy for c in (walkers, leeds, ward7)} == {"open", "approval", "invitation"}
    for community in (walkers, leeds, ward7):
        assert Membership.objects.get(community=community, member=users["organiser"]).is_organiser
    assert Membership.objects.get(community=walkers, member=users["alice"]).is_active
    assert Membership.objects.get(community=leeds, member=users["bob"]).status == "pending"
    assert (
        Membership.objects.get(community=ward7, member=users["alice"]).invited_by
        == (users["organiser"])
    )
    assert first["communities"]["requested"].status == "requested"
