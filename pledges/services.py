"""Every write to pledges: make, edit, co-sign, check in, mark done, and the lifecycle.

    gathering ──(N others signed)──> active ──(due date passed, or everyone done)──> completed
        │                              │
        └─(deadline passed)─> failed   └─(author withdraws)─> withdrawn  (also from gathering)

Each transition happens in exactly one function here (`_activate`, `pledge_fail_threshold`,
`pledge_complete`, `pledge_withdraw`); views, the API, the admin and the scheduled tasks
all call them. Every function locks the pledge row while it changes it, returns early
when the state it brings about already holds, and raises ValidationError (a clear
message, keyed by field where it is about one) or PermissionDenied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from communities.moderation import ModerationStatus, initial_status_for
from communities.permissions import can_post_in
from kernel import caching, written
from kernel.formats import day_text
from kernel.i18n import in_language_of, notice_language
from notifications.models import Kind, Notification
from notifications.services import notify, notify_many
from notifications.text import Text
from pledges import caching as pledge_caching
from pledges import check_in_links, outcomes, selectors
from pledges.models import (
    OUTCOME_MAX_LENGTH,
    QUANTITY_MAX,
    THANKS_NOTE_MAX_LENGTH,
    THRESHOLD_MAX,
    TITLE_MAX_LENGTH,
    Campaign,
    CheckIn,
    CheckInLinkUse,
    CoSignersNoticeDue,
    Pledge,
    Signature,
    SignerTally,
    Thanks,
    Theme,
)
from pledges.signals import co_sign_writes, co_signed, commitment_done

MAX_DUE_YEARS = 3
DESCRIPTION_MAX_LENGTH = 5000
# The same pledge sent again within this time (Back and submit, a double click, a
# replayed post) is the one already made, not a second pledge.
REPLAY_WINDOW = timedelta(minutes=10)
NOTE_MAX_LENGTH = 2000


# --- Validation shared by making and editing ---------------------------------------


_SAYS_I_WILL = re.compile(r"^(i will|i'll|i’ll)\b[\s.…]*", re.IGNORECASE)


def clean_title(title: str | None) -> str:
    """The part after "I will": people often type the words themselves, so drop them."""
    text = " ".join((title or "").split())
    text = _SAYS_I_WILL.sub("", text)
    return text.rstrip(" …").strip()


def title_errors(title: str) -> list[str]:
    if not title:
        return [_("Enter what you will do, for example “ask every patient what matters to them”.")]
    if len(title) > TITLE_MAX_LENGTH:
        return [
            _(
                "Keep what you will do to %(max)s characters or fewer (it has %(count)s). "
                "Put the detail in the description."
            )
            % {"max": TITLE_MAX_LENGTH, "count": f"{len(title):,}"}
        ]
    return []


def _due_date_errors(due_date: date | None, today: date) -> list[str]:
    if due_date is None:
        return [_("Enter the date you will do it by.")]
    if due_date <= today:
        return [_("The due date must be in the future.")]
    if due_date > today + timedelta(days=365 * MAX_DUE_YEARS + 1):
        return [_("The due date must be within %(years)s years.") % {"years": MAX_DUE_YEARS}]
    return []


def _threshold_errors(
    threshold: int | None, deadline: date | None, due_date: date | None, today: date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if threshold is None:
        if deadline is not None:
            errors["threshold_deadline"] = [
                _("Say how many other people must join you, or leave the deadline empty.")
            ]
        return errors
    if threshold < 1:
        errors["threshold"] = [_("The number of other people must be at least 1.")]
    elif threshold > THRESHOLD_MAX:
        errors["threshold"] = [
            _("The number of other people must be %(max)s or fewer.")
            % {"max": f"{THRESHOLD_MAX:,}"}
        ]
    if deadline is not None:
        if deadline <= today:
            errors["threshold_deadline"] = [
                _("The deadline for others to join must be in the future.")
            ]
        elif due_date is not None and deadline > due_date:
            errors["threshold_deadline"] = [
                _("The deadline for others to join must be on or before the due date.")
            ]
    return errors


def _raise_if(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def _lock(pledge: Pledge | int) -> Pledge:
    pk = pledge.pk if isinstance(pledge, Pledge) else pledge
    return Pledge.objects.select_for_update().get(pk=pk)


def _status_refusal(pledge: Pledge, action: str) -> str:
    """Why the pledge's status stops `action` (a whole sentence: "You cannot sign it."),
    in two sentences, so each translates whole."""
    reasons = {
        Pledge.Status.GATHERING: _("This pledge is still gathering signers."),
        Pledge.Status.ACTIVE: _("This pledge is active."),
        Pledge.Status.COMPLETED: _("This pledge has been completed."),
        Pledge.Status.FAILED: _("This pledge did not reach its threshold in time."),
        Pledge.Status.WITHDRAWN: _("This pledge was withdrawn by its author."),
    }
    return f"{reasons[pledge.status]} {action}"


# --- Making and editing ------------------------------------------------------------


def _new_pledge_errors(
    *,
    author,
    title: str,
    description: str,
    theme: Theme | None,
    due_date: date,
    campaign: Campaign | None,
    community,
    visibility: str,
    threshold: int | None,
    threshold_deadline: date | None,
    language: str | None,
    today: date,
) -> dict[str, list[str]]:
    """What is wrong with a new pledge, by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {
        "title": title_errors(title),
        "due_date": _due_date_errors(due_date, today),
        "language": written.errors(language),
    }
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            _("Keep the description to %(max)s characters or fewer.")
            % {"max": f"{DESCRIPTION_MAX_LENGTH:,}"}
        ]
    if theme is None:
        errors["theme"] = [_("Choose a theme.")]
    elif not theme.is_active:
        errors["theme"] = [
            _("The theme “%(theme)s” is no longer offered: choose another.") % {"theme": theme}
        ]
    if campaign is not None and not campaign.is_open(today):
        errors["campaign"] = [
            _(
                "%(campaign)s runs from %(start)s to %(end)s: pledges can join it only "
                "while it runs."
            )
            % {
                "campaign": campaign,
                "start": day_text(campaign.starts_on),
                "end": day_text(campaign.ends_on),
            }
        ]
    if visibility not in Pledge.Visibility.values:
        errors["visibility"] = [_("Choose who can see your pledge.")]
    elif visibility == Pledge.Visibility.COMMUNITY and community is None:
        errors["visibility"] = [_("Choose the community whose members can see this pledge.")]
    if community is not None and not can_post_in(author, community):
        errors["community"] = [
            _("You can only pledge in communities you belong to (%(community)s).")
            % {"community": community}
        ]
    errors.update(_threshold_errors(threshold, threshold_deadline, due_date, today))
    return errors


def _refuse_a_repeat(*, author, title: str, theme: Theme, due_date: date, community, now) -> None:
    """Refuse the same pledge made again within REPLAY_WINDOW (a form sent twice)."""
    # One pledge-making at a time per author, so two copies sent at once cannot both pass.
    get_user_model().objects.select_for_update().filter(pk=author.pk).exists()
    if (
        Pledge.objects.filter(
            author=author,
            title=title,
            theme=theme,
            due_date=due_date,
            community=community,
            created_at__gte=now - REPLAY_WINDOW,
        )
        .exclude(status=Pledge.Status.WITHDRAWN)
        .exists()
    ):
        raise ValidationError(
            {"title": [_("You have already made this pledge: it is on the wall, with your name.")]}
        )


@transaction.atomic
def pledge_create(
    *,
    author,
    title: str,
    theme: Theme,
    due_date: date,
    description: str = "",
    campaign: Campaign | None = None,
    community=None,
    visibility: str = Pledge.Visibility.PUBLIC,
    threshold: int | None = None,
    threshold_deadline: date | None = None,
    language: str | None = None,
) -> Pledge:
    """Make a pledge. Without a threshold it is active at once; with one it gathers
    signers until `threshold` other people have signed, by `threshold_deadline`
    (the due date when none is given). The author is signer one. It is written in
    `language`, or the language of the page it was made on."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied(_("Sign in to make a pledge."))
    today = timezone.localdate()
    title = clean_title(title)
    description = (description or "").strip()
    _raise_if(
        _new_pledge_errors(
            author=author,
            title=title,
            description=description,
            theme=theme,
            due_date=due_date,
            campaign=campaign,
            community=community,
            visibility=visibility,
            threshold=threshold,
            threshold_deadline=threshold_deadline,
            language=language,
            today=today,
        )
    )

    now = timezone.now()
    _refuse_a_repeat(
        author=author, title=title, theme=theme, due_date=due_date, community=community, now=now
    )
    gathering = threshold is not None
    pledge = Pledge.objects.create(
        author=author,
        title=title,
        description=description,
        language=written.clean(language),
        theme=theme,
        campaign=campaign,
        community=community,
        visibility=visibility,
        due_date=due_date,
        threshold=threshold,
        threshold_deadline=(threshold_deadline or due_date) if gathering else None,
        status=Pledge.Status.GATHERING if gathering else Pledge.Status.ACTIVE,
        activated_at=None if gathering else now,
        signer_count=1,
        moderation_status=initial_status_for(author=author, community=community),
        created_at=now,
        updated_at=now,
    )
    Signature.objects.create(pledge=pledge, member=author, is_author=True, signed_at=now)
    _pages_changed(pledge)
    return pledge


def _pages_changed(pledge: Pledge) -> None:
    """Drop the cached pages that show the pledge once this transaction commits: its
    community's (kernel.caching; its own page is never copied)."""
    caching.changed(*pledge_caching.pages_of_pledge(pledge))


EDITABLE_FIELDS = ("title", "description", "language", "theme", "due_date")


def validate_pledge_changes(*, pledge: Pledge, changes: dict) -> dict:
    """Check edits to an open pledge and return them cleaned; raises ValidationError.
    pledge_update runs it under the lock; the admin form runs it to show errors."""
    if not pledge.is_open:
        raise ValidationError(_status_refusal(pledge, _("You cannot change it.")))
    changes = dict(changes)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if "title" in changes:
        changes["title"] = clean_title(changes["title"])
        errors["title"] = title_errors(changes["title"])
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
        if len(changes["description"]) > DESCRIPTION_MAX_LENGTH:
            errors["description"] = [
                _("Keep the description to %(max)s characters or fewer.")
                % {"max": f"{DESCRIPTION_MAX_LENGTH:,}"}
            ]
    if "language" in changes:
        errors["language"] = written.errors(changes["language"])
        changes["language"] = written.clean(changes["language"])
    if "theme" in changes:
        theme = changes["theme"]
        if theme is None:
            errors["theme"] = [_("Choose a theme.")]
        elif not theme.is_active and theme.pk != pledge.theme_id:
            errors["theme"] = [
                _("The theme “%(theme)s” is no longer offered: choose another.") % {"theme": theme}
            ]
    if "due_date" in changes and changes["due_date"] != pledge.due_date:
        due_date = changes["due_date"]
        errors["due_date"] = _due_date_errors(due_date, today)
        if (
            not errors["due_date"]
            and pledge.threshold_deadline
            and pledge.status == Pledge.Status.GATHERING
            and due_date < pledge.threshold_deadline
        ):
            errors["due_date"] = [
                _(
                    "The due date must be on or after the deadline for others to join "
                    "(%(deadline)s)."
                )
                % {"deadline": day_text(pledge.threshold_deadline)}
            ]
    _raise_if(errors)
    return changes


@transaction.atomic
def pledge_update(*, pledge: Pledge, actor, **changes) -> Pledge:
    """The author (or an admin) changes the words, theme or due date of an open pledge."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: [_("This cannot be changed after the pledge is made.")]
                for name in sorted(unknown)
            }
        )
    pledge = _lock(pledge)
    if (
        actor is None
        or not actor.is_authenticated
        or (actor.pk != pledge.author_id and not actor.is_staff)
    ):
        raise PermissionDenied(_("Only the author can change this pledge."))
    changes = validate_pledge_changes(pledge=pledge, changes=changes)
    changed = [name for name, value in changes.items() if getattr(pledge, name) != value]
    if not changed:
        return pledge
    for name in changed:
        setattr(pledge, name, changes[name])
    pledge.updated_at = timezone.now()
    pledge.save(update_fields=[*changed, "updated_at"])
    _pages_changed(pledge)
    return pledge


# --- Co-signing ----------------------------------------------------------------------


# What a co-sign writes beside its signature and counter (`reads.sign_at_once`): the
# author's notice left due, by hand in that statement (the table name from the model;
# every value is a parameter).
_NOTICE_DUE_SQL = (
    f"INSERT INTO {CoSignersNoticeDue._meta.db_table} (pledge_id, day, created_at) "  # noqa: S608  # nosec B608
    "SELECT %(pledge)s, %(day)s, %(now)s FROM signature"
)


def _sign_writes() -> tuple[str, ...]:
    """What a co-sign writes beside the signature and the counter: the author's notice
    left due, and what other apps add (`co_sign_writes`)."""
    return (_NOTICE_DUE_SQL, *(sql for _, sql in co_sign_writes.send(sender=Signature)))


@transaction.atomic
def pledge_sign(*, pledge: Pledge | int, member) -> Signature:
    """ "I'll do it too": sign a pledge once. Signing again changes nothing. Reaching
    the threshold makes the pledge active for everyone who signed.

    The usual co-sign is one prepared statement (`reads.sign_at_once`): when the pledge
    is published and open and the member may post where it is, the new signature, the
    author's notice left due (a row the beat sweep `tell_authors_about_co_signers`
    finds), what other apps write with it (`co_sign_writes`: the rollups' mark of the
    day) and the counter, answering the pledge as counted. The checks below then run on
    that row, as they would on a row read first; should one refuse, the exception
    undoes the transaction, writes and all. `co_signed` is sent in the transaction;
    after the commit its community's page copy is dropped (`_pages_changed`).

    When that statement wrote nothing (no such pledge, a signature already, a pledge
    the member may not sign), the pledge is read under its lock with the member's
    signature, to say why; and should the checks let it through after all, the
    signature is made by the same statement without its own conditions. That read's
    signature can be out of date: when it waited for the lock, PostgreSQL gives the
    pledge as it is now but the joined signature as it was when the statement began. So
    the statement makes the signature only if none exists by then, and a member whose
    other co-sign got there first gets that one."""
    from pledges import reads

    if member is None or not member.is_authenticated:
        raise PermissionDenied(_("Sign in to co-sign a pledge."))
    pk = pledge.pk if isinstance(pledge, Pledge) else pledge
    now = timezone.now()
    day = timezone.localdate(now)
    values = {"pk": pk, "member_id": member.pk, "now": now, "day": day, "writes": _sign_writes()}
    pledge, signature_id = reads.sign_at_once(**values)
    if pledge is not None:
        _check_signing(pledge, member)
    else:
        read, signature_id = reads.pledge_to_sign(pk, member_id=member.pk)
        if read is None:
            raise Pledge.DoesNotExist(_("No such pledge."))
        if signature_id is not None:
            return _signed_already(read, member)
        _check_signing(read, member)
        pledge, signature_id = reads.sign_at_once(**values, checked=True)
        if pledge is None:  # signed meanwhile, by the same member in another request
            return _signed_already(read, member)
    signature = Signature(
        pk=signature_id, pledge=pledge, member=member, is_author=False, signed_at=now, outcome=""
    )
    signature._state.adding = False
    signature._state.db = connection.alias
    co_signed.send(sender=Signature, signature=signature)
    # The community's page shows its pledges' counts too.
    _pages_changed(pledge)
    if (
        pledge.status == Pledge.Status.GATHERING
        and pledge.threshold
        and pledge.co_signer_count >= pledge.threshold
    ):
        _activate(pledge, at=now)
    return signature


def _check_signing(pledge: Pledge, member) -> None:
    """Refuse a co-sign the member may not make: a pledge they may not see, one waiting
    for a moderator or no longer open, or a community's they do not belong to."""
    if not selectors.can_see_pledge(member, pledge):
        raise PermissionDenied(_("This pledge is only for members of its community."))
    if pledge.moderation_status != ModerationStatus.PUBLISHED:
        raise ValidationError(
            _("This pledge is waiting for a moderator, so it cannot be signed yet.")
        )
    if not pledge.is_open:
        raise ValidationError(_status_refusal(pledge, _("You cannot sign it.")))
    if pledge.community_id and not can_post_in(member, pledge.community):
        raise PermissionDenied(
            _("Join %(community)s to sign its pledges.") % {"community": pledge.community}
        )


def _signed_already(pledge: Pledge, member) -> Signature:
    """Signing again changes nothing: the member's signature, on the pledge in hand."""
    signature = Signature.objects.get(pledge=pledge, member=member)
    signature.pledge = pledge
    return signature


# How many waiting co-signs one transaction of the sweep claims.
CO_SIGNERS_SWEEP_BATCH = 1000


def tell_authors_about_co_signers(*, batch: int = CO_SIGNERS_SWEEP_BATCH) -> int:
    """The beat sweep (every minute): each pledge co-signed since the last sweep has its
    author's notice of that day made or brought up to date, one count for however many
    co-signed. Rows are claimed with SKIP LOCKED, so two sweeps never count the same,
    and deleted in the claim's transaction; a co-sign committed meanwhile left a row of
    its own for the next sweep. Answers how many notices it wrote."""
    told = 0
    while True:
        with transaction.atomic():
            claimed = list(
                CoSignersNoticeDue.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "pledge_id", "day")[:batch]
            )
            for pledge_id, day in sorted({(pledge_id, day) for _, pledge_id, day in claimed}):
                told += tell_author_about_co_signers(pledge=pledge_id, day=day)
            CoSignersNoticeDue.objects.filter(id__in=[row[0] for row in claimed]).delete()
        if len(claimed) < batch:
            return told


def tell_author_about_co_signers(*, pledge: Pledge | int, day: date) -> bool:
    """One notification a day to the author, its body rewritten as more people sign:
    today's count, then notify()'s one statement that makes the day's row or rewrites
    its body. False when nobody (still) co-signed that day."""
    pk = pledge.pk if isinstance(pledge, Pledge) else pledge
    pledge = (
        Pledge.objects.filter(pk=pk)
        .select_related("author")
        .only("pk", "title", "author_id", "author__language")
        .first()
    )
    if pledge is None:
        return False
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    count = Signature.objects.filter(
        pledge=pledge, is_author=False, signed_at__gte=start, signed_at__lt=end
    ).count()
    if count == 0:
        return False
    with in_language_of(pledge.author):
        title = _("New co-signers on your pledge")
        body = ngettext(
            "%(num)s person has co-signed “%(pledge)s” on %(day)s.",
            "%(num)s people have co-signed “%(pledge)s” on %(day)s.",
            count,
        ) % {"num": count, "pledge": pledge.sentence, "day": day_text(day)}
    notify(
        kind=Kind.NEW_CO_SIGNERS,
        recipient=get_user_model()(pk=pledge.author_id),
        subject=pledge,
        title=title,
        body=body,
        url=pledge.get_absolute_url(),
        period=day.isoformat(),
        update_body=True,
    )
    return True


@transaction.atomic
def pledge_unsign(*, pledge: Pledge, member) -> Pledge:
    """Take back a signature while the pledge is open. The author withdraws instead."""
    if member is None or not member.is_authenticated:
        raise PermissionDenied(_("Sign in to change your signature."))
    pledge = _lock(pledge)
    signature = Signature.objects.filter(pledge=pledge, member=member).first()
    if signature is None:
        return pledge
    if signature.is_author:
        raise ValidationError(
            _("You made this pledge, so you are its first signer: withdraw the pledge instead.")
        )
    if not pledge.is_open:
        raise ValidationError(_status_refusal(pledge, _("You cannot remove your signature.")))
    if signature.is_done:
        raise ValidationError(
            _("You have marked your commitment done, so your signature stays on the pledge.")
        )
    signature.delete()
    pledge.signer_count -= 1
    pledge.updated_at = timezone.now()
    pledge.save(update_fields=["signer_count", "updated_at"])
    if _everyone_done(pledge):
        _complete(pledge, at=timezone.now(), lapsed=False)
    _pages_changed(pledge)
    return pledge


# --- Lifecycle transitions -------------------------------------------------------------


def _activate(pledge: Pledge, *, at: datetime) -> None:
    """gathering -> active, the moment the threshold is reached (pledge is locked)."""
    pledge.status = Pledge.Status.ACTIVE
    pledge.activated_at = at
    pledge.updated_at = at
    pledge.save(update_fields=["status", "activated_at", "updated_at"])
    _pages_changed(pledge)
    # Written to the outbox with the change, so no outage after the commit can lose it.
    _notify_threshold_reached(pledge)


@transaction.atomic
def pledge_fail_threshold(*, pledge: Pledge | int, today: date | None = None) -> Pledge:
    """gathering -> failed, once the deadline has passed without enough signers."""
    today = today or timezone.localdate()
    pledge = _lock(pledge)
    if pledge.status == Pledge.Status.FAILED:
        return pledge
    if pledge.status != Pledge.Status.GATHERING:
        raise ValidationError(_status_refusal(pledge, _("You cannot mark it as failed.")))
    if pledge.threshold_deadline is None or pledge.threshold_deadline >= today:
        raise ValidationError(
            _("The deadline for others to join (%(deadline)s) has not passed yet.")
            % {"deadline": day_text(pledge.threshold_deadline) if pledge.threshold_deadline else ""}
        )
    now = timezone.now()
    pledge.status = Pledge.Status.FAILED
    pledge.failed_at = now
    pledge.updated_at = now
    pledge.save(update_fields=["status", "failed_at", "updated_at"])
    _pages_changed(pledge)
    _notify_threshold_failed(pledge)
    return pledge


def _everyone_done(pledge: Pledge) -> bool:
    return (
        pledge.status == Pledge.Status.ACTIVE
        and pledge.done_count > 0
        and pledge.done_count >= pledge.signer_count
    )


def _complete(pledge: Pledge, *, at: datetime, lapsed: bool) -> None:
    pledge.status = Pledge.Status.COMPLETED
    pledge.completed_at = at
    pledge.updated_at = at
    pledge.save(update_fields=["status", "completed_at", "updated_at"])
    _pages_changed(pledge)
    if lapsed:
        _notify_pledge_lapsed(pledge)
    _notify_pledge_outcome(pledge)


@transaction.atomic
def pledge_complete(*, pledge: Pledge | int, today: date | None = None) -> Pledge:
    """active -> completed, when its due date has passed or everyone who signed is done."""
    today = today or timezone.localdate()
    pledge = _lock(pledge)
    if pledge.status == Pledge.Status.COMPLETED:
        return pledge
    if pledge.status != Pledge.Status.ACTIVE:
        raise ValidationError(_status_refusal(pledge, _("You cannot complete it.")))
    lapsed = pledge.due_date < today
    if not lapsed and not _everyone_done(pledge):
        raise ValidationError(
            _(
                "This pledge is complete when its due date has passed or everyone who signed "
                "has marked it done."
            )
        )
    _complete(pledge, at=timezone.now(), lapsed=lapsed)
    return pledge


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, actor) -> Pledge:
    """The author (or an admin) withdraws an open pledge. It stays, shown as withdrawn."""
    pledge = _lock(pledge)
    if (
        actor is None
        or not actor.is_authenticated
        or (actor.pk != pledge.author_id and not actor.is_staff)
    ):
        raise PermissionDenied(_("Only the author can withdraw this pledge."))
    if pledge.status == Pledge.Status.WITHDRAWN:
        return pledge
    if not pledge.is_open:
        raise ValidationError(_status_refusal(pledge, _("You cannot withdraw it.")))
    now = timezone.now()
    pledge.status = Pledge.Status.WITHDRAWN
    pledge.withdrawn_at = now
    pledge.updated_at = now
    pledge.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _pages_changed(pledge)
    return pledge


def pledge_apply_deadlines(*, pledge: Pledge | int, today: date | None = None) -> Pledge:
    """Make whichever time-based transition is due: failed past the threshold deadline,
    completed past the due date. Used by the scheduled tasks and the admin."""
    today = today or timezone.localdate()
    pk = pledge.pk if isinstance(pledge, Pledge) else pledge
    current = Pledge.objects.only("status", "threshold_deadline", "due_date").get(pk=pk)
    if current.status == Pledge.Status.GATHERING and (
        current.threshold_deadline and current.threshold_deadline < today
    ):
        return pledge_fail_threshold(pledge=pk, today=today)
    if current.status == Pledge.Status.ACTIVE and current.due_date < today:
        return pledge_complete(pledge=pk, today=today)
    return Pledge.objects.get(pk=pk)


# --- Check-ins and marking done -------------------------------------------------------


def _parse_quantity(quantity) -> Decimal | None:
    if quantity is None or quantity == "":
        return None
    try:
        value = Decimal(str(quantity))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": [_("Enter the quantity as a number.")]}) from exc
    if not value.is_finite():
        raise ValidationError({"quantity": [_("Enter the quantity as a number.")]})
    return value


@transaction.atomic
def check_in_create(
    *, pledge: Pledge, author, note: str, quantity=None, language: str | None = None
) -> CheckIn:
    """A signer posts progress, optionally with a measured quantity in the campaign's unit,
    written in `language` (the page's language when none is given)."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied(_("Sign in to check in."))
    pledge = _lock(pledge)
    signature = Signature.objects.select_for_update().filter(pledge=pledge, member=author).first()
    if signature is None:
        raise ValidationError(_("Only people who signed this pledge can check in. Sign it first."))
    if not pledge.is_open:
        raise ValidationError(_status_refusal(pledge, _("You cannot check in on it.")))
    if pledge.community_id and not can_post_in(author, pledge.community):
        raise PermissionDenied(
            _("Only members of %(community)s can post there.") % {"community": pledge.community}
        )
    note = (note or "").strip()
    errors: dict[str, list[str]] = {"language": written.errors(language)}
    if not note:
        errors["note"] = [_("Write a few words about your progress.")]
    elif len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [
            _("Keep your check-in to %(max)s characters or fewer.")
            % {"max": f"{NOTE_MAX_LENGTH:,}"}
        ]
    value = _parse_quantity(quantity)
    if value is not None:
        unit = pledge.campaign.unit if pledge.campaign_id else ""
        if not unit:
            errors["quantity"] = [
                _("This pledge has no measured unit, so leave the quantity empty.")
            ]
        elif value <= 0:
            errors["quantity"] = [
                _("Enter a number of %(unit)s more than 0, or leave it empty.") % {"unit": unit}
            ]
        elif value > QUANTITY_MAX:
            errors["quantity"] = [
                _("Enter a number of %(unit)s no more than %(max)s.")
                % {"unit": unit, "max": f"{QUANTITY_MAX:,}"}
            ]
        elif value != value.quantize(Decimal("0.01")):
            errors["quantity"] = [_("Enter the quantity with at most 2 decimal places.")]
    _raise_if(errors)
    now = timezone.now()
    check_in = CheckIn.objects.create(
        pledge=pledge,
        author=author,
        note=note,
        quantity=value,
        language=written.clean(language),
        created_at=now,
        moderation_status=initial_status_for(author=author, community=pledge.community),
    )
    signature.last_check_in_at = now
    signature.save(update_fields=["last_check_in_at"])
    update_fields = ["updated_at"]
    if value is not None:
        pledge.total_quantity += value
        update_fields.append("total_quantity")
    pledge.updated_at = now
    pledge.save(update_fields=update_fields)
    check_in.pledge = pledge
    # Nothing a cached page shows changed: a pledge's card shows no check-in or total.
    return check_in


@transaction.atomic
def signature_mark_done(*, pledge: Pledge, member, outcome: str) -> Signature:
    """A signer marks their own commitment done, in a sentence. When everyone who signed
    is done, the pledge is completed."""
    if member is None or not member.is_authenticated:
        raise PermissionDenied(_("Sign in to mark your commitment done."))
    pledge = _lock(pledge)
    signature = Signature.objects.select_for_update().filter(pledge=pledge, member=member).first()
    if signature is None:
        raise ValidationError(
            _("Only people who signed this pledge can mark it done. Sign it first.")
        )
    signature.pledge = pledge
    if signature.is_done:
        return signature
    if pledge.status == Pledge.Status.GATHERING:
        needed = pledge.signers_still_needed
        raise ValidationError(
            ngettext(
                "This pledge is still gathering signers: it starts when %(num)s more person signs.",
                "This pledge is still gathering signers: it starts when %(num)s more people sign.",
                needed,
            )
            % {"num": needed}
        )
    if pledge.status not in (Pledge.Status.ACTIVE, Pledge.Status.COMPLETED):
        raise ValidationError(_status_refusal(pledge, _("You cannot mark it done.")))
    outcome = " ".join((outcome or "").split())
    if not outcome:
        raise ValidationError({"outcome": [_("Say in a sentence what happened.")]})
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ValidationError(
            {
                "outcome": [
                    _("Keep what happened to %(max)s characters or fewer.")
                    % {"max": OUTCOME_MAX_LENGTH}
                ]
            }
        )
    now = timezone.now()
    signature.done_at = now
    signature.outcome = outcome
    signature.save(update_fields=["done_at", "outcome"])
    pledge.done_count += 1
    pledge.updated_at = now
    pledge.save(update_fields=["done_count", "updated_at"])
    if _everyone_done(pledge):
        _complete(pledge, at=now, lapsed=False)
    _pages_changed(pledge)
    transaction.on_commit(
        lambda: commitment_done.send(sender=Signature, signature=signature), robust=True
    )
    return signature


# --- Thanks ----------------------------------------------------------------------------


def _clean_thanks_note(note: str | None) -> str:
    note = " ".join((note or "").split())
    if len(note) > THANKS_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": [
                    _("Keep your note to %(max)s characters or fewer.")
                    % {"max": THANKS_NOTE_MAX_LENGTH}
                ]
            }
        )
    return note


@transaction.atomic
def thanks_give(
    *,
    giver,
    check_in: CheckIn | int | None = None,
    commitment: Signature | int | None = None,
    note: str = "",
) -> Thanks:
    """`giver` thanks a colleague for one check-in or one commitment marked done, once,
    with an optional short note. What the giver cannot see does not exist for them
    (404); the colleague is told in their notifications."""
    if giver is None or not giver.is_authenticated:
        raise PermissionDenied(_("Sign in to thank a colleague."))
    if (check_in is None) == (commitment is None):
        raise ValidationError(_("Choose one check-in or one commitment to thank someone for."))
    if check_in is not None:
        pk = check_in.pk if isinstance(check_in, CheckIn) else check_in
        item = CheckIn.objects.select_for_update().filter(pk=pk).first()
        if item is None or not selectors.can_see_check_in(giver, item):
            raise Http404(_("No such check-in."))
        if item.moderation_status != ModerationStatus.PUBLISHED:
            raise ValidationError(_("This check-in is waiting for a moderator or hidden."))
        recipient_id, pledge_id = item.author_id, item.pledge_id
        already = Thanks.objects.filter(giver=giver, check_in=item)
        fields = {"check_in": item}
    else:
        pk = commitment.pk if isinstance(commitment, Signature) else commitment
        item = Signature.objects.select_for_update().filter(pk=pk).first()
        if item is None or not selectors.can_see_pledge(giver, item.pledge):
            raise Http404(_("No such commitment."))
        if not item.is_done:
            raise ValidationError(_("You can thank someone once they mark their commitment done."))
        recipient_id, pledge_id = item.member_id, item.pledge_id
        already = Thanks.objects.filter(giver=giver, commitment=item)
        fields = {"commitment": item}
    if recipient_id == giver.pk:
        raise ValidationError(_("You cannot thank yourself."))
    if already.exists():
        raise ValidationError(_("You have already thanked them for this."))
    note = _clean_thanks_note(note)
    thanks = Thanks.objects.create(
        giver=giver, recipient_id=recipient_id, pledge_id=pledge_id, note=note, **fields
    )
    pledge = Pledge.objects.get(pk=pledge_id)
    recipient = thanks.recipient
    name = giver.name_for(recipient)
    sentence = Text(gettext_lazy("I will %(title)s"), title=pledge.title)
    if check_in is not None:
        title = Text(
            gettext_lazy("%(name)s thanked you for your check-in on “%(pledge)s”"),
            name=name,
            pledge=sentence,
        )
    else:
        title = Text(
            gettext_lazy("%(name)s thanked you for doing “%(pledge)s”"),
            name=name,
            pledge=sentence,
        )
    notify(
        kind=Kind.THANKS,
        recipient=recipient,
        subject=thanks,
        title=title,
        body=note,
        url=thanks.get_absolute_url(),
    )
    return thanks  # thanks show on no cached page (pledges.caching)


# --- Counters ------------------------------------------------------------------------


@transaction.atomic
def pledge_recount(*, pledge: Pledge | int) -> Pledge:
    """Recompute the denormalised counters from the rows (tests, repairs, the admin)."""
    pledge = _lock(pledge)
    signatures = Signature.objects.filter(pledge=pledge).aggregate(
        signers=Count("id"), done=Count("id", filter=Q(done_at__isnull=False))
    )
    total = CheckIn.objects.filter(pledge=pledge).exclude(
        moderation_status=ModerationStatus.HIDDEN
    ).aggregate(total=Sum("quantity"))["total"] or Decimal("0")
    pledge.signer_count = signatures["signers"]
    pledge.done_count = signatures["done"]
    pledge.total_quantity = total
    pledge.save(update_fields=["signer_count", "done_count", "total_quantity"])
    _pages_changed(pledge)
    return pledge


def signer_tallies_repair() -> int:
    """Make every pledge's tally (SignerTally) its own signer count again: a row for each
    pledge without one, and the count where it differs. PostgreSQL's triggers keep the
    tallies; this is for pledges written while triggers were off (a bulk load run as a
    replica). Returns how many tallies it wrote."""
    tally_table = SignerTally._meta.db_table
    with connection.cursor() as cursor:
        # Table names from the models; no value comes from outside.
        cursor.execute(
            f"INSERT INTO {tally_table} AS t (pledge_id, signer_count) "  # noqa: S608  # nosec B608
            f"SELECT p.id, p.signer_count FROM {Pledge._meta.db_table} p "
            "ON CONFLICT (pledge_id) DO UPDATE SET signer_count = EXCLUDED.signer_count "
            "WHERE t.signer_count <> EXCLUDED.signer_count"
        )
        return cursor.rowcount


# --- Notifications to everyone who signed ---------------------------------------------


def _signer_ids_by_language(pledge: Pledge, *, only_open: bool = False) -> dict[str, list[int]]:
    """Everyone who signed, grouped by the language their notices are written in."""
    signatures = Signature.objects.filter(pledge=pledge)
    if only_open:
        signatures = signatures.filter(done_at__isnull=True)
    groups: dict[str, list[int]] = {}
    for member_id, language in signatures.values_list("member_id", "member__language"):
        groups.setdefault(notice_language(language), []).append(member_id)
    return groups


# The notices of a change of status are written to the outbox in the transaction that
# makes the change (by _activate, pledge_fail_threshold and _complete). The public
# functions and their tasks make them again for a pledge already changed (tasks queued
# before, repairs); notify_many() is keyed, so nobody is told twice. One statement
# writes them all, however many signed.


def notify_threshold_reached(*, pledge: Pledge | int) -> int:
    return _notify_threshold_reached(_pledge_of(pledge))


def notify_threshold_failed(*, pledge: Pledge | int) -> int:
    return _notify_threshold_failed(_pledge_of(pledge))


def notify_pledge_lapsed(*, pledge: Pledge | int) -> int:
    """Everyone who has not said how it went is asked to, once the due date has passed."""
    return _notify_pledge_lapsed(_pledge_of(pledge))


def _pledge_of(pledge: Pledge | int) -> Pledge:
    return Pledge.objects.get(pk=pledge.pk if isinstance(pledge, Pledge) else pledge)


def _notify_signers(pledge: Pledge, *, kind: str, words, only_open: bool = False) -> int:
    """Tell the pledge's signers (only those not done, with `only_open`), each in their
    own language: `words()` gives the (title, body) in the language active when called."""
    made = 0
    for language, ids in _signer_ids_by_language(pledge, only_open=only_open).items():
        with translation.override(language):
            title, body = words()
            made += notify_many(
                kind=kind,
                recipient_ids=ids,
                subject=pledge,
                title=title,
                body=body,
                url=pledge.get_absolute_url(),
            )
    return made


def _notify_threshold_reached(pledge: Pledge) -> int:
    if pledge.status == Pledge.Status.GATHERING:
        return 0
    return _notify_signers(
        pledge,
        kind=Kind.THRESHOLD_REACHED,
        words=lambda: (
            _("A pledge you signed is on"),
            _(
                "Enough people signed “%(pledge)s”: it is active for everyone who signed. "
                "It is due by %(due)s."
            )
            % {"pledge": pledge.sentence, "due": day_text(pledge.due_date)},
        ),
    )


def _notify_threshold_failed(pledge: Pledge) -> int:
    if pledge.status != Pledge.Status.FAILED:
        return 0
    return _notify_signers(
        pledge,
        kind=Kind.THRESHOLD_FAILED,
        words=lambda: (
            _("A pledge you signed did not reach its threshold"),
            ngettext(
                "“%(pledge)s” needed %(num)s other person by %(deadline)s and %(signed)s signed.",
                "“%(pledge)s” needed %(num)s other people by %(deadline)s and %(signed)s signed.",
                pledge.threshold,
            )
            % {
                "pledge": pledge.sentence,
                "num": pledge.threshold,
                "deadline": day_text(pledge.threshold_deadline),
                "signed": pledge.co_signer_count,
            },
        ),
    )


def _notify_pledge_lapsed(pledge: Pledge) -> int:
    if pledge.status != Pledge.Status.COMPLETED:
        return 0
    return _notify_signers(
        pledge,
        kind=Kind.PLEDGE_LAPSED,
        only_open=True,
        words=lambda: (
            _("A pledge you made passed its due date"),
            _(
                "“%(pledge)s” was due by %(due)s. Tell everyone how it went by marking "
                "your commitment done."
            )
            % {"pledge": pledge.sentence, "due": day_text(pledge.due_date)},
        ),
    )


def recount_after_member_deleted(sender, instance, **kwargs) -> None:
    """When a member's account is deleted their signatures go with it; the pledges
    they co-signed then recount, so no counter keeps a person who is gone."""
    pledge_ids = list(
        Signature.objects.filter(member=instance, is_author=False).values_list(
            "pledge_id", flat=True
        )
    )
    if not pledge_ids:
        return

    def recount() -> None:
        for pledge_id in Pledge.objects.filter(pk__in=pledge_ids).values_list("pk", flat=True):
            pledge_recount(pledge=pledge_id)

    transaction.on_commit(recount)


# --- Closing the loop: what happened, and the story told about it ----------------------
#
# Everyone who co-signed hears once how the pledge went, and once of each story told
# about it; never twice about the same thing. The rule, for each co-signer:
#
# * The outcome notice (kind pledge_outcome, one per member and pledge) is written to
#   the outbox with the completion, carrying the story's link if one is already told.
#   A story notice of theirs still waiting to go (not emailed, not read) is stood down
#   then: the outcome notice says all it said.
# * A story published later folds into their outcome notice while that is still
#   waiting (for the send, or for tonight's digest) and unread: its words gain the
#   story's link and no story notice is made. Once the outcome notice has gone, the
#   story is news of its own: a pledge_story notice, once per story.
#
# A pledge that fails its threshold tells its outcome (who signed, that nobody is held
# to it) in its threshold_failed notice, sent at that moment; a second notice about
# the same failure would tell the same people the same thing twice.
#
# Both the completion and pledge_story_told() lock the pledge row, so the two cannot
# interleave. One window is left: an outcome email a sender has claimed and is sending
# at the very moment the story folds in goes with its old words; the member still sees
# the story in the notice on the site. Delivery (straight away, digest, off) and the
# daily cap are the notifications app's, as for every kind.

_WAITING = (Notification.EmailStatus.PENDING, Notification.EmailStatus.DIGEST)
STOOD_DOWN = "Told in the pledge's outcome notice."


def _co_signer_ids(pledge: Pledge, *, leaving_out: Iterable[int] = ()) -> list[int]:
    return list(
        Signature.objects.filter(pledge=pledge, is_author=False)
        .exclude(member_id__in=list(leaving_out))
        .values_list("member_id", flat=True)
    )


def _notices_waiting(*, pledge: Pledge, kind: str, recipient_ids: list[int]):
    return Notification.objects.select_for_update(of=("self",)).filter(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(Pledge),
        subject_id=pledge.pk,
        recipient_id__in=recipient_ids,
        email_status__in=_WAITING,
        read_at__isnull=True,
    )


def _outcome_words(pledge: Pledge, story: outcomes.StoryLink | None) -> tuple[Text, Text]:
    """The outcome notice's title and body, in every language."""
    sentence = Text(gettext_lazy("I will %(title)s"), title=pledge.title)
    title = Text(gettext_lazy("How “%(pledge)s” went"), pledge=sentence)
    parts = [
        Text(
            ngettext_lazy(
                "%(done)s of the %(signers)s person who signed did it.",
                "%(done)s of the %(signers)s people who signed did it.",
                pledge.signer_count,
            ),
            done=pledge.done_count,
            signers=pledge.signer_count,
        )
    ]
    if pledge.total_quantity > 0:
        parts.append(
            Text(
                gettext_lazy("Together they measured %(total)s %(unit)s."),
                total=pledge.total_quantity_text,
                unit=pledge.unit,
            )
            if pledge.unit
            else Text(
                gettext_lazy("Together they measured %(total)s."), total=pledge.total_quantity_text
            )
        )
    said = outcomes.author_sentence(pledge)
    if said:
        parts.append(Text(gettext_lazy("The author said: “%(outcome)s”"), outcome=said))
    if story is not None:
        parts.append(
            Text(
                gettext_lazy("Read the story of how it went, “%(title)s”: %(url)s"),
                title=story.title,
                url=f"{settings.SITE_URL}{story.url}",
            )
        )
    names = [f"part{number}" for number in range(len(parts))]
    body = Text(
        "\n\n".join(f"%({name})s" for name in names), **dict(zip(names, parts, strict=True))
    )
    return title, body


def _notify_pledge_outcome(pledge: Pledge) -> int:
    """Tell every co-signer how the pledge went (the pledge is locked)."""
    if pledge.status != Pledge.Status.COMPLETED:
        return 0
    ids = _co_signer_ids(pledge)
    if not ids:
        return 0
    story = outcomes.story_told_about(pledge=pledge)
    title, body = _outcome_words(pledge, story)
    made = notify_many(
        kind=Kind.PLEDGE_OUTCOME,
        recipient_ids=ids,
        subject=pledge,
        title=title,
        body=body,
        url=pledge.get_absolute_url(),
        data={
            "done": pledge.done_count,
            "signers": pledge.signer_count,
            "total": pledge.total_quantity_text,
            "unit": pledge.unit,
        },
    )
    if story is not None:
        _notices_waiting(pledge=pledge, kind=Kind.PLEDGE_STORY, recipient_ids=ids).update(
            email_status=Notification.EmailStatus.SKIPPED,
            read_at=timezone.now(),
            last_error=STOOD_DOWN,
        )
    return made


def notify_pledge_outcome(*, pledge: Pledge | int) -> int:
    """The outcome notices again for a completed pledge (repairs): keyed, so nobody who
    has one gets another."""
    with transaction.atomic():
        return _notify_pledge_outcome(_lock(pledge))


@transaction.atomic
def pledge_story_told(
    *, pledge: Pledge | int, story_id: int, title: str, url: str, teller_ids: Iterable[int] = ()
) -> int:
    """A story about `pledge` was published: tell its co-signers (but the people who
    told it), once per story, folding it into an outcome notice still waiting (see the
    rule above). Returns how many members it reached, folded or not."""
    title = " ".join((title or "").split())
    if not title or not url.startswith("/"):
        raise ValidationError(_("A story needs a title and an address on this site."))
    pledge = _lock(pledge)
    ids = _co_signer_ids(pledge, leaving_out=teller_ids)
    if not ids:
        return 0
    story = outcomes.StoryLink(title=title, url=url)
    folded = sorted(
        _notices_waiting(pledge=pledge, kind=Kind.PLEDGE_OUTCOME, recipient_ids=ids).values_list(
            "recipient_id", flat=True
        )
    )
    if folded:
        outcome_title, outcome_body = _outcome_words(pledge, story)
        for member in get_user_model().objects.filter(pk__in=folded):
            notify(
                kind=Kind.PLEDGE_OUTCOME,
                recipient=member,
                subject=pledge,
                title=outcome_title,
                body=outcome_body,
                url=pledge.get_absolute_url(),
                update_body=True,
            )
    others = [pk for pk in ids if pk not in set(folded)]
    if others:
        notify_many(
            kind=Kind.PLEDGE_STORY,
            recipient_ids=others,
            subject=pledge,
            title=Text(
                gettext_lazy("A story about “%(pledge)s”"),
                pledge=Text(gettext_lazy("I will %(title)s"), title=pledge.title),
            ),
            body=Text(
                gettext_lazy("“%(title)s” tells how the pledge you co-signed went."), title=title
            ),
            url=url,
            period=f"story:{story_id}",
        )
    return len(ids)


@transaction.atomic
def check_in_by_link(
    *, token: str, note: str, quantity=None, language: str | None = None
) -> CheckIn:
    """Use the link once: a check-in on its pledge, as its member, through the check-in
    service (whose rules and messages apply). The pledge row is locked first, so two
    posts of the same link one after the other make one check-in."""
    link = check_in_links.read(token)
    Pledge.objects.select_for_update().filter(pk=link.pledge.pk).first()
    if CheckInLinkUse.objects.filter(token_digest=link.digest).exists():
        raise check_in_links.LinkRefused(check_in_links.LinkRefused.USED)
    check_in = check_in_create(
        pledge=link.pledge, author=link.member, note=note, quantity=quantity, language=language
    )
    CheckInLinkUse.objects.create(token_digest=link.digest, check_in=check_in)
    return check_in
