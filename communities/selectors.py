"""Reads about communities and who belongs to them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import BigIntegerField, Q, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from communities import reads
from communities.models import AuditEntry, Community, Flag, Invitation, Membership
from communities.moderation import (
    ModeratedType,
    ModerationStatus,
    content_name,
    moderated_type_by_key,
    moderated_type_for,
    moderated_types,
)
from kernel import prepared
from members.models import User
from notifications.selectors import remember_unread_count, unread_count_sql


def membership_of(user, community: Community) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, member=user).first()


def is_member(user, community: Community) -> bool:
    membership = membership_of(user, community)
    return bool(membership and membership.is_active)


def is_organiser(user, community: Community) -> bool:
    membership = membership_of(user, community)
    return bool(membership and membership.is_organiser)


def is_banned(user, community: Community) -> bool:
    return membership_is_banned(membership_of(user, community))


def membership_is_banned(membership: Membership | None) -> bool:
    if membership is None or membership.status != Membership.Status.BANNED:
        return False
    return membership.banned_until is None or membership.banned_until > timezone.now()


def load_community_ids(user) -> None:
    """One query for the per-request caches: every community `user` has a membership
    row in, with its status (so asking about a community they never joined costs
    nothing), the ones they are an active member of (organisers included) and the ones
    they organise; and, in the same statement, their count of unread notifications,
    which every page's header asks for next (`notifications.selectors`): one round trip
    where a page asking about communities before its header (a community's page, the
    wall) made two. An API request that asks pays the count, an index-only scan."""
    # One short statement on the (member, community) index, written by hand: through
    # the ORM, building it cost more than running it, on every signed-in page.
    with connection.cursor() as cursor:
        prepared.execute(cursor, "page_header", memberships_and_unread_sql(), {"member": user.pk})
        found = cursor.fetchall()
    remember_community_ids(user, [row[1:] for row in found if row[1] is not None])
    remember_unread_count(user, found[0][0])


@functools.cache
def membership_rows_sql() -> str:
    """The (community id, status, role) rows `remember_community_ids` keeps, as SQL, for
    the member `%(member)s`."""
    # The table's name from the model; the member is a parameter.
    table = Membership._meta.db_table
    return f"SELECT community_id, status, role FROM {table} WHERE member_id = %(member)s"  # noqa: S608  # nosec B608


@functools.cache
def memberships_and_unread_sql() -> str:
    """The unread count (`notifications.selectors.unread_count_sql`) beside each of
    the member's membership rows (`membership_rows_sql`), or alone when they have none:
    rows of (unread, community id, status, role)."""
    # The two reads' own SQL, one beside the other; the member is a parameter.
    return (
        f"SELECT n.unread, m.community_id, m.status, m.role FROM ({unread_count_sql()}) "  # noqa: S608  # nosec B608
        f"AS n(unread) LEFT JOIN ({membership_rows_sql()}) AS m ON true"
    )


def community_ids_known(user) -> bool:
    """Whether `user`'s memberships are already read for this request."""
    return hasattr(user, "_membership_statuses")


def remember_community_ids(user, rows) -> None:
    """Keep `user`'s (community id, status, role) membership rows, all of them, for the
    request (`load_community_ids`)."""
    rows = list(rows)
    user._membership_statuses = {community_id: status for community_id, status, _ in rows}
    active = [(c, role) for c, status, role in rows if status == Membership.Status.ACTIVE]
    user._member_community_ids = [community_id for community_id, _role in active]
    user._organised_community_ids = [
        community_id for community_id, role in active if role == Membership.Role.ORGANISER
    ]


def membership_status(user, community_id: int) -> str | None:
    """The status of `user`'s membership row in the community, or None for none (from
    the per-request cache)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_membership_statuses"):
        load_community_ids(user)
    return user._membership_statuses.get(community_id)


def member_community_ids(user) -> list[int]:
    """Ids of the communities where `user` is an active member (organisers included)."""
    if user is None or not user.is_authenticated:
        return []
    if not hasattr(user, "_member_community_ids"):
        load_community_ids(user)
    return user._member_community_ids


def organised_community_ids(user) -> list[int]:
    """Ids of the communities `user` organises."""
    if user is None or not user.is_authenticated:
        return []
    if not hasattr(user, "_organised_community_ids"):
        load_community_ids(user)
    return user._organised_community_ids


def visible_q(
    user, *, author_field: str = "author", community_field: str | None = "community"
) -> Q:
    """Published content, plus what `user` wrote, plus (for moderators) everything in
    the communities they organise; admins see everything."""
    published = Q(moderation_status=ModerationStatus.PUBLISHED)
    if user is None or not user.is_authenticated:
        return published
    if user.is_staff:
        return Q()
    condition = published | Q(**{author_field: user})
    if community_field:
        organised = organised_community_ids(user)
        if organised:
            condition |= Q(**{f"{community_field}__in": organised})
    return condition


def can_see(*, member, item) -> bool:
    """Whether `member` may see `item`, by the rule of the app that owns it (drafts,
    returned stories, community-only pledges and their check-ins stay with their
    audience). Without a registered rule, the moderation rule alone: published, or the
    member wrote it, or they moderate it. What a member cannot see they cannot flag."""
    mtype = moderated_type_for(item)
    if mtype is not None and mtype.visible_to is not None:
        return bool(mtype.visible_to(member, item))
    if member is None or not member.is_authenticated:
        return item.moderation_status == ModerationStatus.PUBLISHED
    if member.is_staff or item.moderation_status == ModerationStatus.PUBLISHED:
        return True
    author = item.moderation_author
    if author is not None and author.pk == member.pk:
        return True
    community = item.moderation_community
    return community is not None and community.pk in organised_community_ids(member)


def communities_active() -> QuerySet[Community]:
    return Community.objects.filter(status=Community.Status.ACTIVE)


# --- Community pages ---------------------------------------------------------------


def communities_list(*, q: str = "") -> QuerySet[Community]:
    """Active communities, optionally matching `q` in their name or description."""
    communities = communities_active().select_related("organisation", "region")
    q = (q or "").strip()
    if q:
        communities = communities.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(organisation__name__icontains=q)
        )
    return communities.order_by("name")


def community_for(*, slug: str, user) -> Community:
    """An active community, or (for its requester and admins) one waiting or declined.
    Read with its organisation, region and requester by one hand-written statement
    (`communities.reads`): every community page starts here."""
    return _shown(reads.community_by_slug(slug), user)


def _shown(community: Community | None, user) -> Community:
    """`community` when `user` may see its page (`community_for`), else a 404."""
    if community is None:
        raise Http404(gettext("No such community."))
    if community.status == Community.Status.ACTIVE:
        return community
    if (
        user is not None
        and user.is_authenticated
        and (user.is_staff or community.requested_by_id == user.pk)
    ):
        return community
    raise Http404(gettext("No such community."))


def communities_requested() -> QuerySet[Community]:
    return (
        Community.objects.filter(status=Community.Status.REQUESTED)
        .select_related("requested_by", "organisation", "region")
        .order_by("created_at")
    )


def communities_requested_by(user) -> QuerySet[Community]:
    if user is None or not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(requested_by=user).exclude(status=Community.Status.ACTIVE)


def community_page_for(*, slug: str, user) -> tuple[Community, Membership | None, list[User]]:
    """What a community's page starts with: the community as `community_for` gives it
    (or a 404), the viewer's own membership (any status, or None) and its active
    organisers (each with their name), by their names. One hand-written statement
    (`communities.reads.community_page`)."""
    signed_in = user is not None and user.is_authenticated
    community, rows = reads.community_page(slug, member_id=user.pk if signed_in else None)
    community = _shown(community, user)
    membership = next((m for m in rows if signed_in and m.member_id == user.pk), None)
    organisers = [
        m.member
        for m in rows
        if m.role == Membership.Role.ORGANISER and m.status == Membership.Status.ACTIVE
    ]
    return community, membership, organisers


def organisers_of(community: Community) -> list[User]:
    return [
        m.member
        for m in Membership.objects.filter(
            community=community,
            role=Membership.Role.ORGANISER,
            status=Membership.Status.ACTIVE,
        )
        .select_related("member")
        .order_by("member__display_name")
    ]


def memberships_of(community: Community, *, statuses=None) -> QuerySet[Membership]:
    statuses = statuses or [Membership.Status.ACTIVE]
    return (
        Membership.objects.filter(community=community, status__in=statuses)
        .select_related("member", "member__organisation", "invited_by")
        .order_by("-role", "member__display_name", "member__email")
    )


def pending_requests(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, status=Membership.Status.PENDING)
        .select_related("member", "member__organisation")
        .order_by("requested_at")
    )


def invitations_of(community: Community) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(community=community)
        .select_related("created_by", "revoked_by")
        .order_by("-created_at")
    )


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("community", "created_by")
        .filter(token=token or "")
        .first()
    )


def memberships_for_user(user) -> dict[int, Membership]:
    """The user's memberships keyed by community id (one query), for list pages."""
    if user is None or not user.is_authenticated:
        return {}
    return {m.community_id: m for m in Membership.objects.filter(member=user)}


# --- Moderation ------------------------------------------------------------------------


def moderated_community_ids(user) -> list[int] | None:
    """Communities `user` moderates: None means every community (an admin)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_staff:
        return None
    return organised_community_ids(user)


def _pending_querysets(community_ids: list[int] | None) -> list[tuple[ModeratedType, QuerySet]]:
    """Pending content per registered type in the given communities (None: everywhere)."""
    result = []
    for mtype in moderated_types():
        items = mtype.model._default_manager.filter(moderation_status=ModerationStatus.PENDING)
        if community_ids is not None:
            if not mtype.community_field:
                continue  # platform-wide content: admins moderate it
            items = items.filter(**{f"{mtype.community_field}__in": community_ids})
        result.append((mtype, items))
    return result


def _open_flags(community_ids: list[int] | None) -> QuerySet[Flag]:
    flags = Flag.objects.filter(status=Flag.Status.OPEN)
    if community_ids is not None:
        flags = flags.filter(community_id__in=community_ids)
    return flags


def moderation_count(user) -> int:
    """Items waiting for `user` as a moderator: flagged targets plus pending content.

    No query for members who organise nothing (beyond `organised_community_ids`,
    which is cached on the user); one UNION query for organisers and admins.
    """
    community_ids = moderated_community_ids(user)
    if community_ids == []:
        return 0
    parts = [_open_flags(community_ids).order_by().values_list("target_type_id", "target_id")]
    for mtype, items in _pending_querysets(community_ids):
        type_id = ContentType.objects.get_for_model(mtype.model).pk
        parts.append(
            items.order_by()
            .annotate(queue_type=Value(type_id, output_field=BigIntegerField()))
            .values_list("queue_type", "pk")
        )
    first, *others = parts
    return first.union(*others).count() if others else first.distinct().count()


@dataclass
class QueueItem:
    """One thing for a moderator to look at: a flagged target and/or pending content."""

    key: str  # "app_label.model"
    target_id: int
    target: object | None
    label: str
    text: str
    url: str
    community: Community | None
    author: User | None
    status: str = ""
    flags: list = field(default_factory=list)
    oldest: datetime | None = None

    @property
    def name(self) -> str:
        """The label in the reader's language."""
        return content_name(self.label)

    @property
    def is_member(self) -> bool:
        return self.key == "members.user"

    @property
    def is_pending(self) -> bool:
        return self.status == ModerationStatus.PENDING


def moderation_queue(user, *, community: Community | None = None) -> list[QueueItem]:
    """What waits for `user`: open flags grouped by what they flag, then pending content.

    Optionally narrowed to one community. Queries: one for the flags, one per
    content type flagged, one per pending type.
    """
    community_ids = moderated_community_ids(user)
    if community is not None:
        if community_ids is not None and community.pk not in community_ids:
            return []
        community_ids = [community.pk]
    if community_ids == []:
        return []
    flags = list(
        _open_flags(community_ids)
        .select_related("reporter", "community", "target_type")
        .prefetch_related(GenericPrefetch("target", _target_querysets()))
        .order_by("created_at")
    )
    items: dict[tuple[int, int], QueueItem] = {}
    for flag in flags:
        key = (flag.target_type_id, flag.target_id)
        item = items.get(key)
        if item is None:
            item = _queue_item(flag.target_type, flag.target_id, flag.target, flag.community)
            items[key] = item
        item.flags.append(flag)
        item.oldest = item.oldest or flag.created_at
    for mtype, pending in _pending_querysets(community_ids):
        pending = pending.select_related(*_related_paths(mtype))
        type_id = ContentType.objects.get_for_model(mtype.model).pk
        for obj in pending.order_by("pk")[:200]:
            key = (type_id, obj.pk)
            if key in items:
                items[key].status = ModerationStatus.PENDING
                continue
            item = _queue_item(
                ContentType.objects.get_for_id(type_id), obj.pk, obj, obj.moderation_community
            )
            item.oldest = getattr(obj, "created_at", None)
            items[key] = item
    return sorted(
        items.values(),
        key=lambda i: (i.oldest is None, i.oldest or timezone.now()),
    )


def _related_paths(mtype: ModeratedType) -> list[str]:
    """What the queue reads of an item (its author, its community), fetched with it."""
    return [path for path in (mtype.author_field, mtype.community_field) if path]


def _target_querysets() -> list[QuerySet]:
    """One queryset per kind of flag target, so prefetching targets brings their authors
    and communities along instead of a query per item."""
    querysets = [User.objects.all()]
    for mtype in moderated_types():
        querysets.append(mtype.model._base_manager.select_related(*_related_paths(mtype)))
    return querysets


def _queue_item(target_type, target_id: int, target, community) -> QueueItem:
    key = f"{target_type.app_label}.{target_type.model}"
    if isinstance(target, User):
        return QueueItem(
            key=key,
            target_id=target_id,
            target=target,
            label="member",
            text=target.display_name or target.email,
            url=reverse("communities:manage_member", args=[community.slug, target.pk])
            if community
            else "",
            community=community,
            author=target,
        )
    mtype = moderated_type_by_key(key)
    if target is None or mtype is None:
        return QueueItem(
            key=key,
            target_id=target_id,
            target=None,
            label=mtype.label if mtype else target_type.model,
            text=gettext("This no longer exists."),
            url="",
            community=community,
            author=None,
        )
    return QueueItem(
        key=key,
        target_id=target_id,
        target=target,
        label=mtype.label,
        text=str(mtype.text_of(target)),
        url=mtype.url_of(target),
        community=community,
        author=target.moderation_author,
        status=target.moderation_status,
    )


def open_flags_on(target, *, community: Community | None = None) -> QuerySet[Flag]:
    flags = Flag.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        status=Flag.Status.OPEN,
    ).select_related("reporter")
    if isinstance(target, User):
        flags = flags.filter(community=community)
    return flags.order_by("created_at")


def flags_by(user) -> QuerySet[Flag]:
    return (
        Flag.objects.filter(reporter=user)
        .select_related("target_type", "community")
        .order_by("-created_at")
    )


# --- Audit log --------------------------------------------------------------------------


def audit_entries_for(user, *, community: Community | None = None) -> QuerySet[AuditEntry]:
    """Entries `user` may read: their communities' (organisers), everything (admins)."""
    entries = AuditEntry.objects.select_related("actor", "community", "target_type")
    community_ids = moderated_community_ids(user)
    if community is not None:
        if community_ids is not None and community.pk not in community_ids:
            return entries.none()
        return entries.filter(community=community)
    if community_ids is None:
        return entries
    return entries.filter(community_id__in=community_ids)
