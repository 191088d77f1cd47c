"""Re-basing SPC charts: a date from which a chart's limits are computed afresh."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports import permissions, spc_selectors
from reports.models import Scope, SpcBaseline

MEASURES = {m for m, _label in spc_selectors.MEASURE_CHOICES} | {SpcBaseline.ALL_MEASURES}


def _community(scope: str, scope_id: int):
    from communities.models import Community

    return Community.objects.filter(pk=scope_id).first() if scope == Scope.COMMUNITY else None


def check_can_rebase(*, actor, scope: str, scope_id: int) -> None:
    if not permissions.can_rebase_spc(actor, scope=scope, community=_community(scope, scope_id)):
        raise PermissionDenied(
            _(
                "Only the organisers of a community, or platform admins, can re-base its "
                "charts; the charts of the platform, campaigns, organisations and regions "
                "are re-based by platform admins."
            )
        )


@transaction.atomic
def spc_baseline_add(
    *,
    actor,
    scope: str,
    scope_id: int,
    measure: str,
    starts_on: datetime.date,
    reason: str = "",
) -> SpcBaseline:
    """Re-base one chart (or every chart, measure "all") of a scope from `starts_on`.
    Adding the same re-base twice returns the one already there."""
    if scope not in Scope.values:
        raise ValidationError({"scope": [_("There is no such scope.")]})
    check_can_rebase(actor=actor, scope=scope, scope_id=scope_id)
    check_baseline(scope=scope, scope_id=scope_id, measure=measure, starts_on=starts_on)
    baseline, _created = SpcBaseline.objects.get_or_create(
        scope=scope,
        scope_id=scope_id,
        measure=measure,
        starts_on=starts_on,
        defaults={"reason": reason[:200], "created_by": actor},
    )
    return baseline


def check_baseline(*, scope: str, scope_id: int, measure: str, starts_on: datetime.date) -> None:
    """A re-base names a chart and a day that has passed, after the data begins."""
    if measure not in MEASURES:
        raise ValidationError({"measure": [_("There is no chart of that name.")]})
    today = timezone.localdate()
    if starts_on > today:
        raise ValidationError(
            {"starts_on": [_("A chart can only be re-based at a date that has passed.")]}
        )
    first = spc_selectors.first_data_day(scope=scope, scope_id=scope_id)
    if first is None or starts_on <= first:
        raise ValidationError(
            {
                "starts_on": [
                    _("Choose a date after the data begins (%(first)s), so there is data "
                      "before and after it.")
                    % {"first": date_format(first, "j F Y") if first else _("no data yet")}
                ]
            }
        )  # fmt: skip


@transaction.atomic
def spc_baseline_remove(*, actor, baseline: SpcBaseline) -> None:
    check_can_rebase(actor=actor, scope=baseline.scope, scope_id=baseline.scope_id)
    SpcBaseline.objects.filter(pk=baseline.pk).delete()
