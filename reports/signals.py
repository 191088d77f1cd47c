"""Keeping rollups current: every change to a source row marks the days it touches.

Connected in ReportsConfig.ready(). Just before an existing row of a tracked model is
saved, its tracker reads what the database holds of the fields that decide what it
counts towards (pre_save, one small query by key; none when the save names only other
fields, as a sign-in's `last_login` does); after the save it compares, and when one
changed it marks the days of the old and the new timestamps dirty, in the same
transaction as the change. A new row marks its own days. Deletes (un-signing, a member
deleting their account) mark the days of the row that went. Changes that move a whole
set of rows to another scope (a pledge withdrawn, hidden or re-themed; a member moving
organisation) mark the days of every row they affect with one INSERT … SELECT.

The old values are read at the save, not remembered as each row is loaded: every page
loads tracked rows (a wall's pledges, their authors and organisations, a pledge's
signers) and few are ever saved, and a remembering listener on `post_init` cost each
loaded row some 3 µs in Django's dispatch, a tenth of building it.

Bulk writes that bypass signals (QuerySet.update, bench loading) are put right by
the nightly full recount.

Raw SQL (`# nosec B608` below): the text is assembled only from fixed fragments and
table names read from the models' metadata; every value travels as a query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_save

from reports import rollups

MISSING = object()


@dataclass
class Tracked:
    model: str  # "app_label.Model"
    timestamps: tuple[str, ...]
    # Fields whose change moves the row's events between scopes or in/out of the counts.
    fields: tuple[str, ...] = ()
    # Fields whose change also moves rows that hang off this one (see `cascade`).
    cascade_fields: tuple[str, ...] = ()
    cascade: object = None  # function(instance) marking the dependent rows' days
    after: object = None  # function(instance, created, deleted) for anything else
    watched: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.watched = tuple(dict.fromkeys((*self.timestamps, *self.fields, *self.cascade_fields)))


def _attname(model, name: str) -> str:
    return model._meta.get_field(name).attname


def _table(label: str) -> str:
    return rollups.table_of(*label.split("."))


# --- Rows hanging off another row ----------------------------------------------------------


def _cascade_pledge(pledge) -> None:
    signature, check_in = _table("pledges.Signature"), _table("pledges.CheckIn")
    rollups.mark_days_of(
        f"SELECT unnest(ARRAY[signed_at, done_at]) FROM {signature} WHERE pledge_id = %s"  # noqa: S608  # nosec B608
        f" UNION ALL SELECT created_at FROM {check_in} WHERE pledge_id = %s",
        [pledge.pk, pledge.pk],
    )


def _check_in_commitment(check_in, created: bool, deleted: bool) -> None:
    """Which check-in is a commitment's first can change when one is removed, hidden or
    restored, so every day of that commitment's check-ins is recounted."""
    if created:
        return
    table = _table("pledges.CheckIn")
    rollups.mark_days_of(
        f"SELECT created_at FROM {table} WHERE pledge_id = %s AND author_id = %s",  # noqa: S608  # nosec B608
        [check_in.pledge_id, check_in.author_id],
    )


def _cascade_module(module) -> None:
    enrolment, certificate = _table("learning.Enrolment"), _table("learning.Certificate")
    rollups.mark_days_of(
        f"SELECT unnest(ARRAY[enrolled_at, completed_at]) FROM {enrolment} WHERE module_id = %s"  # noqa: S608  # nosec B608
        f" UNION ALL SELECT issued_at FROM {certificate} WHERE module_id = %s",
        [module.pk, module.pk],
    )


def _cascade_member(user) -> None:
    rollups.mark_member_days(member_ids_sql="%s", params=[user.pk])


def _cascade_organisation(organisation) -> None:
    user = _table("members.User")
    rollups.mark_member_days(
        member_ids_sql=f"SELECT id FROM {user} WHERE organisation_id = %s AND region_id IS NULL",  # noqa: S608  # nosec B608
        params=[organisation.pk],
    )


TRACKED = [
    Tracked(
        "pledges.Pledge",
        timestamps=("created_at", "activated_at", "completed_at", "failed_at"),
        fields=("author",),
        cascade_fields=("status", "moderation_status", "campaign", "community", "theme"),
        cascade=_cascade_pledge,
    ),
    Tracked(
        "pledges.Signature",
        timestamps=("signed_at", "done_at"),
        fields=("is_author", "member", "pledge"),
    ),
    Tracked(
        "pledges.CheckIn",
        timestamps=("created_at",),
        fields=("quantity", "moderation_status", "author", "pledge"),
        after=_check_in_commitment,
    ),
    Tracked("pledges.Thanks", timestamps=("created_at",), fields=("recipient",)),
    Tracked(
        "stories.Story",
        timestamps=("published_at", "featured_at"),
        fields=("status", "moderation_status", "campaign", "community", "author", "is_featured"),
    ),
    Tracked(
        "learning.Enrolment",
        timestamps=("enrolled_at", "completed_at"),
        fields=("member", "module"),
    ),
    Tracked(
        "learning.Certificate",
        timestamps=("issued_at",),
        fields=("revoked_at", "member", "module"),
    ),
    Tracked(
        "learning.Module",
        timestamps=(),
        cascade_fields=("campaign", "theme"),
        cascade=_cascade_module,
    ),  # fmt: skip
    Tracked(
        "members.User",
        timestamps=("date_joined",),
        fields=("is_active",),
        cascade_fields=("organisation", "region"),
        cascade=_cascade_member,
    ),
    Tracked(
        "members.Organisation",
        timestamps=(),
        cascade_fields=("region",),
        cascade=_cascade_organisation,
    ),
    Tracked(
        "communities.Membership",
        timestamps=("joined_at",),
        fields=("status", "community", "member"),
    ),
    Tracked("reports.Attribution", timestamps=("created_at",), fields=("inviter", "invitee")),
]


# --- The receivers ---------------------------------------------------------------------------


class Tracker:
    def __init__(self, spec: Tracked):
        self.spec = spec
        self.model = apps.get_model(spec.model)
        self.attnames = {name: _attname(self.model, name) for name in spec.watched}
        # A save naming only fields outside these (by name or attribute) changes nothing
        # the rollups count.
        self.named = frozenset(self.attnames) | frozenset(self.attnames.values())
        self.uid = f"reports-rollups-{spec.model}"

    def connect(self) -> None:
        pre_save.connect(self.saving, sender=self.model, dispatch_uid=f"{self.uid}-before")
        post_save.connect(self.saved, sender=self.model, dispatch_uid=f"{self.uid}-save")
        post_delete.connect(self.deleted, sender=self.model, dispatch_uid=f"{self.uid}-delete")

    def _values(self, state: dict) -> dict:
        """The watched fields' values in an instance's `__dict__` (MISSING: deferred)."""
        return {name: state.get(attname, MISSING) for name, attname in self.attnames.items()}

    def saving(self, sender, instance, update_fields=None, **kwargs) -> None:
        """What the database holds of the watched fields of the row about to be saved
        (`_reports_before`): none for a new row (no key yet), and none read when the
        save names only fields outside them."""
        if instance.pk is None:
            return
        if update_fields is not None and not self.named.intersection(update_fields):
            instance.__dict__["_reports_before"] = None
            return
        # From the database being written (never a replica), in the save's transaction.
        stored = (
            self.model._base_manager.using(kwargs.get("using") or instance._state.db)
            .filter(pk=instance.pk)
            .values(*self.attnames.values())
            .first()
        )
        instance.__dict__["_reports_before"] = (
            {} if stored is None else {name: stored[a] for name, a in self.attnames.items()}
        )

    def saved(self, sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
        # {} for a new row: `saving` read nothing, or found no row to read.
        before = instance.__dict__.pop("_reports_before", {})
        if before is None:
            return  # the save named no watched field (never a new row's: it names none)
        now = self._values(instance.__dict__)
        # A field the instance did not load (deferred) is not saved, so it did not change.
        changed = {
            name
            for name in self.spec.watched
            if created
            or (
                now[name] is not MISSING
                and (before.get(name, MISSING) is MISSING or before[name] != now[name])
            )
        }
        if not changed:
            return
        self._mark(before, now)
        if not created and self.spec.cascade and changed & set(self.spec.cascade_fields):
            self.spec.cascade(instance)
        if self.spec.after:
            self.spec.after(instance, created, False)

    def deleted(self, sender, instance, **kwargs) -> None:
        # The row as it went: the collector of a delete reads it just before.
        self._mark({}, self._values(instance.__dict__))
        if self.spec.after:
            self.spec.after(instance, False, True)

    def _mark(self, before: dict, now: dict) -> None:
        days = []
        for name in self.spec.timestamps:
            for value in (before.get(name, MISSING), now.get(name, MISSING)):
                if value is not MISSING and value is not None:
                    days.append(value)
        rollups.mark_days(days)


_trackers: list[Tracker] = []


def co_sign_writes(sender, **kwargs) -> str:
    """A co-sign writes its signature with hand-written SQL, so no `post_save` marks its
    day: the co-sign's own statement does (`pledges.signals.co_sign_writes`)."""
    return rollups.MARK_CO_SIGN_DAY_SQL


def connect_all() -> None:
    if _trackers:
        return
    from pledges.signals import co_sign_writes as co_sign_writes_signal

    for spec in TRACKED:
        tracker = Tracker(spec)
        tracker.connect()
        _trackers.append(tracker)
    co_sign_writes_signal.connect(co_sign_writes, dispatch_uid="reports-rollups-co-sign")
