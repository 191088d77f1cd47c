"""Reads of members' records."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from members.models import DataExport, Organisation, Region, User
from members.permissions import hides_identity_from


def member_get(*, pk: int) -> User:
    return get_object_or_404(
        User.objects.select_related("organisation", "region", "organisation__region"),
        pk=pk,
        is_active=True,
        erased_at__isnull=True,
    )


def member_profile_for(*, pk: int, viewer) -> User:
    """A member's profile as `viewer` may see it, or 404: a member who hides their
    identity from `viewer` is answered exactly as one who does not exist."""
    member = (
        User.objects.select_related("organisation", "region", "organisation__region")
        .filter(pk=pk, is_active=True, erased_at__isnull=True)
        .first()
    )
    if member is None or hides_identity_from(member=member, viewer=viewer):
        raise Http404(_("No such member."))
    return member


def organisations_list() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("region").order_by("name")


def regions_list() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def members_count() -> int:
    return User.objects.filter(is_active=True).count()


def data_exports_of(member: User, *, limit: int = 5) -> list[DataExport]:
    """The member's latest requests for a copy of their data, newest first."""
    return list(DataExport.objects.filter(member=member).order_by("-created_at", "-pk")[:limit])


def data_export_for_download(*, member: User, token: str) -> DataExport:
    """The member's own export with this token; anyone else's is a 404."""
    return get_object_or_404(DataExport, token=token, member=member)


def data_exports_stuck(*, older_than_minutes: int = 15) -> list[int]:
    """Exports still queued long after they were asked for (the queue was down when the
    request committed): the hourly job builds them."""
    from datetime import timedelta

    from django.utils import timezone

    before = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        DataExport.objects.filter(status=DataExport.Status.QUEUED, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
