"""Reads of members' records."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from members.models import Organisation, Region, User


def member_get(*, pk: int) -> User:
    return get_object_or_404(
        User.objects.select_related("organisation", "region", "organisation__region"),
        pk=pk,
        is_active=True,
    )


def organisations_list() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("region").order_by("name")


def regions_list() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def members_count() -> int:
    return User.objects.filter(is_active=True).count()
