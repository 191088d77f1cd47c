"""When a nudge is sent, in one place: who is asked, how often, and what they are told.

* **Due soon**: everyone with an open commitment (not marked done) to an active pledge
  due within DUE_SOON_DAYS is reminded once per due date.
* **Gone quiet**: everyone with an open commitment to an active pledge who has not
  checked in for QUIET_DAYS (or since signing, when they never have) is asked how it
  is going, at most once a week. Its email carries a one-tap check-in link
  (pledges/check_in_links.py).

Beat runs `pledges.tasks.nudge_due_soon` and `nudge_quiet_signers` (radicals/settings.py,
CELERY_BEAT_SCHEDULE); each notice is keyed by its period, so a run that is repeated or
redelivered sends nothing twice. How a notice is delivered (straight away, in the daily
digest, or not at all; the daily cap) is the member's choice, kept by notifications.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.formats import day_text
from kernel.i18n import in_language_of
from notifications.models import Kind
from notifications.services import notify
from pledges import check_in_links
from pledges.models import Pledge, Signature

DUE_SOON_DAYS = 3
QUIET_DAYS = 14


def signatures_due_soon(*, today: date, days: int) -> QuerySet[Signature]:
    return Signature.objects.filter(
        pledge__status=Pledge.Status.ACTIVE,
        pledge__due_date__gte=today,
        pledge__due_date__lte=today + timedelta(days=days),
        done_at__isnull=True,
    ).select_related("pledge", "member")


def signatures_quiet_since(*, cutoff) -> QuerySet[Signature]:
    """Open commitments of active pledges with no check-in since `cutoff`."""
    return Signature.objects.filter(
        Q(last_check_in_at__lt=cutoff) | Q(last_check_in_at__isnull=True, signed_at__lt=cutoff),
        pledge__status=Pledge.Status.ACTIVE,
        done_at__isnull=True,
    ).select_related("pledge", "member")


def send_due_soon(*, today: date | None = None) -> int:
    """Remind everyone whose commitment falls due soon; returns how many were told."""
    today = today or timezone.localdate()
    signatures = signatures_due_soon(today=today, days=DUE_SOON_DAYS)
    return sum(nudge_due_soon(signature=s) for s in signatures.iterator(chunk_size=500))


def send_quiet(*, today: date | None = None) -> int:
    """Ask everyone who has gone quiet how it is going; returns how many were asked."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - timedelta(days=QUIET_DAYS)
    signatures = signatures_quiet_since(cutoff=cutoff)
    return sum(
        nudge_no_check_in(signature=s, today=today) for s in signatures.iterator(chunk_size=500)
    )


def nudge_due_soon(*, signature: Signature) -> bool:
    pledge = signature.pledge
    with in_language_of(signature.member):
        title = _("A pledge you made is due soon")
        body = _(
            "“%(pledge)s” is due by %(due)s. Post a check-in, or mark it done when you have "
            "done it."
        ) % {"pledge": pledge.sentence, "due": day_text(pledge.due_date)}
    _notification, created = notify(
        kind=Kind.PLEDGE_DUE_SOON,
        recipient=signature.member,
        subject=pledge,
        title=title,
        body=body,
        url=pledge.get_absolute_url(),
        period=f"due:{pledge.due_date.isoformat()}",
    )
    return created


def nudge_no_check_in(*, signature: Signature, today: date) -> bool:
    pledge = signature.pledge
    year, week, _weekday = today.isocalendar()
    with in_language_of(signature.member):
        title = _("How is your pledge going?")
        body = _(
            "You have not checked in on “%(pledge)s” for a while. A line about your progress "
            "keeps everyone going."
        ) % {"pledge": pledge.sentence}
    _notification, created = notify(
        kind=Kind.NO_CHECK_IN,
        recipient=signature.member,
        subject=pledge,
        title=title,
        body=body,
        url=pledge.get_absolute_url(),
        period=f"{year}-W{week:02d}",
        # The email's "Check in now" opens a one-tap form that needs no signing in.
        data={"email_url": check_in_links.link_url(member=signature.member, pledge=pledge)},
    )
    return created
