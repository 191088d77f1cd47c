"""Reads for notifications: a member sees only their own."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, time

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from kernel import prepared
from notifications.models import (
    DEFAULT_DELIVERY,
    Digest,
    Kind,
    Notification,
    NotificationPreference,
)


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notification_get(*, user, pk: int) -> Notification:
    """One of the member's own notifications (Notification.DoesNotExist otherwise)."""
    return Notification.objects.get(recipient=user, pk=pk)


def unread_count(*, user) -> int:
    """How many of `user`'s notifications are unread: an index-only count on (recipient,
    read_at), written by hand (the page header asks on every signed-in page, and the
    ORM's building of it cost more than the count). A count read earlier in the request
    with the member's memberships (`remember_unread_count`) is given without a query."""
    if user is None or not user.is_authenticated:
        return 0
    known = getattr(user, "_unread_count", None)
    if known is not None:
        return known
    with connection.cursor() as cursor:
        prepared.execute(cursor, "unread_count", unread_count_sql(), {"member": user.pk})
        return cursor.fetchone()[0]


def remember_unread_count(user, count: int) -> None:
    """Keep `user`'s unread count for the rest of the request: read in the same
    statement as their memberships (communities.selectors), which a page asks for
    before its header asks for the count."""
    user._unread_count = count


def forget_unread_count(user) -> None:
    """Drop a kept count (`remember_unread_count`): the member's notifications were
    just marked read, and the header must count again."""
    if getattr(user, "_unread_count", None) is not None:
        user._unread_count = None


@functools.cache
def unread_count_sql() -> str:
    """`unread_count` as SQL, one row of one column, for the member `%(member)s`: the
    page header reads it inside its own statement too."""
    # The table's name from the model; the member is a parameter.
    table = Notification._meta.db_table
    return f"SELECT count(*) FROM {table} WHERE recipient_id = %(member)s AND read_at IS NULL"  # noqa: S608  # nosec B608


def preferences_for(*, user) -> dict[str, str]:
    """How the member wants each kind emailed: their choice, or the default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}


def delivery_for(*, user, kind: str) -> str:
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or DEFAULT_DELIVERY[kind]


def deliveries_for(*, user_ids: Iterable[int], kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """The members' own choices for the kinds, by (member id, kind); a pair without an
    entry takes DEFAULT_DELIVERY. One query for a whole batch of members."""
    rows = NotificationPreference.objects.filter(
        user_id__in=list(user_ids), kind__in=list(kinds)
    ).values_list("user_id", "kind", "delivery")
    return {(user_id, kind): delivery for user_id, kind, delivery in rows}


def start_of_day(moment: datetime) -> datetime:
    """Local midnight (settings.TIME_ZONE) of the day `moment` falls in."""
    local = timezone.localtime(moment)
    return timezone.make_aware(datetime.combine(local.date(), time.min))


def emails_sent_today(*, user, now: datetime | None = None) -> int:
    """Emails sent to the member since local midnight: single nudges and digests."""
    now = now or timezone.now()
    since = start_of_day(now)
    singles = Notification.objects.filter(
        recipient=user,
        email_status=Notification.EmailStatus.SENT,
        digest__isnull=True,
        emailed_at__gte=since,
    ).count()
    digests = user.notification_digests.filter(sent_at__gte=since).count()
    return singles + digests


def emails_sent_today_by_member(*, user_ids: Iterable[int], now: datetime) -> dict[int, int]:
    """emails_sent_today() for many members in one query; members with none are left
    out."""
    since = start_of_day(now)
    user_ids = list(user_ids)
    singles = (
        Notification.objects.filter(
            recipient_id__in=user_ids,
            email_status=Notification.EmailStatus.SENT,
            digest__isnull=True,
            emailed_at__gte=since,
        )
        .values_list("recipient_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    digests = (
        Digest.objects.filter(recipient_id__in=user_ids, sent_at__gte=since)
        .values_list("recipient_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, int] = {}
    for user_id, n in singles.union(digests, all=True):
        counts[user_id] = counts.get(user_id, 0) + n
    return counts
