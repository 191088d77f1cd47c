"""SPC charts on the dashboards and the network page: their context, their CSV, and
re-basing a chart at a date."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kernel.web import call_service
from reports import charts, exports, permissions, spc_selectors, spc_services
from reports.forms import FilterForm, SpcRebaseForm
from reports.models import Scope, SpcBaseline

MONTHLY = {m for m, _label, _better in spc_selectors.MONTHLY_MEASURES}
POINT_STYLES = {"": "circle", "high": "triangle", "low": "rectRot"}


def scope_object(scope: str, scope_id: int):
    """The community, campaign, organisation or region a scope names (None: platform)."""
    from communities.models import Community
    from members.models import Organisation, Region
    from pledges.models import Campaign

    models = {
        Scope.COMMUNITY: Community,
        Scope.CAMPAIGN: Campaign,
        Scope.ORGANISATION: Organisation,
        Scope.REGION: Region,
    }
    if scope == Scope.PLATFORM and scope_id == 0:
        return None
    model = models.get(scope)
    found = model.objects.filter(pk=scope_id).first() if model else None
    if found is None:
        raise Http404(_("There is no such dashboard."))
    return found


def check_can_see(user, scope: str, obj) -> None:
    community = obj if scope == Scope.COMMUNITY else None
    if not permissions.can_see_scope_reports(user, scope=scope, community=community):
        raise PermissionDenied(_("Only organisers and platform admins can see these charts."))


def back_url(scope: str, obj, measure: str = "") -> str:
    """The page that shows a scope's charts."""
    network = measure in MONTHLY
    if scope == Scope.COMMUNITY:
        name = "reports:community_network" if network else "reports:community_dashboard"
        return reverse(name, args=[obj.slug])
    base = reverse("reports:network" if network else "reports:dashboard")
    if scope == Scope.CAMPAIGN:
        return f"{base}?campaign={obj.slug}"
    if scope in (Scope.ORGANISATION, Scope.REGION) and not network:
        return f"{base}?{scope}={obj.slug}"
    return base


def island_for(element_id: str, item: spc_selectors.SpcChart):
    """The JSON a chart is drawn from: values, mean and limits per point, and each
    point's marker (a circle, or a triangle up or a diamond down for a signal)."""
    points = item.chart.points
    return charts.island(
        element_id,
        {
            "type": "spc",
            "labels": [p.label for p in points],
            "values": [p.value for p in points],
            "mean": [p.limits.mean if p.limits else None for p in points],
            "upper": [p.limits.upper if p.limits else None for p in points],
            "lower": [p.limits.lower if p.limits else None for p in points],
            "styles": [POINT_STYLES[p.side if p.special else ""] for p in points],
            "special": [p.special for p in points],
            "names": {
                "value": item.label,
                "mean": _("Mean"),
                "upper": _("Upper process limit"),
                "lower": _("Lower process limit"),
            },
        },
    )


def spc_context(request, *, scope: str, scope_id: int, items, prefix: str, query: str = "") -> dict:
    """What a page needs to show `items` (SpcChart) with their tables and re-bases."""
    obj = scope_object(scope, scope_id)
    can_rebase = permissions.can_rebase_spc(
        request.user, scope=scope, community=obj if scope == Scope.COMMUNITY else None
    )
    measures = [(item.measure, item.label) for item in items]
    return {
        "spc_items": [
            {
                "item": item,
                "id": f"{prefix}-{item.measure}",
                "rows": spc_selectors.spc_rows(item),
                "csv_url": reverse("reports:spc_csv", args=[scope, scope_id, item.measure])
                + (f"?{query}" if query else ""),
            }
            for item in items
        ],
        "spc_islands": [island_for(f"{prefix}-{item.measure}", item) for item in items],
        "spc_can_rebase": can_rebase,
        "spc_form": SpcRebaseForm(measures=measures) if can_rebase else None,
        "spc_rebase_url": reverse("reports:spc_rebase", args=[scope, scope_id]),
        "spc_baselines": [
            b
            for b in spc_selectors.baselines(scope=scope, scope_id=scope_id)
            if b.measure == SpcBaseline.ALL_MEASURES or b.measure in dict(measures)
        ],
        "spc_min_points": spc_selectors.spc.MIN_POINTS,
        "spc_measure_labels": {m: str(label) for m, label in spc_selectors.MEASURE_CHOICES},
    }


def _charts_for(request, scope: str, scope_id: int, measure: str):
    if measure in MONTHLY:
        return spc_selectors.monthly_network_charts(scope=scope, scope_id=scope_id)
    form = FilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return None
    date_from, date_to = form.period()
    return spc_selectors.weekly_charts(
        scope=scope, scope_id=scope_id, date_from=date_from, date_to=date_to
    )


@never_cache
@login_required
def spc_csv(request, scope: str, scope_id: int, measure: str):
    obj = scope_object(scope, scope_id)
    check_can_see(request.user, scope, obj)
    found = _charts_for(request, scope, scope_id, measure)
    if found is None:
        return HttpResponse(
            _("Those dates are not valid: give date_from and date_to as YYYY-MM-DD."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    item = next((c for c in found if c.measure == measure), None)
    if item is None:
        raise Http404(_("There is no chart of that name."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="spc-{scope}-{scope_id}-{measure}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Week") if measure not in MONTHLY else _("Month"),
            item.label,
            _("Mean"),
            _("Lower process limit"),
            _("Upper process limit"),
            _("Signal"),
        ]
    )
    for row in spc_selectors.spc_rows(item):
        writer.writerow(
            [
                exports.csv_cell(row[name]) if row[name] is not None else ""
                for name in ("period", "value", "mean", "lower_limit", "upper_limit", "signal")
            ]
        )
    return response


@login_required
def spc_rebase(request, scope: str, scope_id: int):
    obj = scope_object(scope, scope_id)
    spc_services.check_can_rebase(actor=request.user, scope=scope, scope_id=scope_id)
    form = SpcRebaseForm(request.POST or None, measures=spc_selectors.MEASURE_CHOICES)
    if request.method == "POST" and form.is_valid():
        baseline = call_service(
            form,
            spc_services.spc_baseline_add,
            actor=request.user,
            scope=scope,
            scope_id=scope_id,
            **form.cleaned_data,
        )
        if baseline is not None:
            messages.success(
                request,
                _("The chart's limits are now computed afresh from %(day)s.")
                % {"day": date_format(baseline.starts_on, "j F Y")},
            )
            return redirect(back_url(scope, obj, baseline.measure))
    return render(
        request,
        "reports/spc_rebase.jinja",
        {"form": form, "back": back_url(scope, obj), "scope_name": str(obj or _("the platform"))},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def spc_baseline_delete(request, pk: int):
    baseline = get_object_or_404(SpcBaseline, pk=pk)
    obj = scope_object(baseline.scope, baseline.scope_id)
    spc_services.spc_baseline_remove(actor=request.user, baseline=baseline)
    messages.success(request, _("The re-base is removed."))
    return redirect(back_url(baseline.scope, obj, baseline.measure))
