"""Report pages: dashboards, the movement network, exports, invitations, badges,
summary email subscriptions and open data."""

from __future__ import annotations

import csv
import datetime
import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from communities.selectors import community_for
from kernel.ratelimit import rate_limited
from kernel.replica import reads_from_replica
from kernel.web import call_service
from pledges.models import format_quantity
from reports import (
    charts,
    embeds,
    exports,
    network_picture,
    permissions,
    selectors,
    services,
    spc_selectors,
    spc_views,
)
from reports.forms import (
    BadgeSettingForm,
    DashboardFilterForm,
    ExportForm,
    FilterForm,
    InviteEmailForm,
    NetworkFilterForm,
    SubscriptionForm,
)
from reports.models import METRIC_LABELS, Export, ReportSubscription, Scope

OPEN_DATA_LICENCE = gettext_lazy("Open Government Licence v3.0")
OPEN_DATA_LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
TIMELINE_METRICS = ["pledges_made", "co_signs", "pledges_completed", "stories_published"]
LEARNING_METRICS = ["enrolments", "module_completions", "certificates"]
BREAKDOWN_TITLES = {
    "organisation": gettext_lazy("By organisation"),
    "region": gettext_lazy("By region"),
    "community": gettext_lazy("By community"),
    "campaign": gettext_lazy("By campaign"),
    "theme": gettext_lazy("By theme"),
}
# The column a breakdown's table names its rows by.
BREAKDOWN_COLUMNS = {
    "organisation": gettext_lazy("Organisation"),
    "region": gettext_lazy("Region"),
    "community": gettext_lazy("Community"),
    "campaign": gettext_lazy("Campaign"),
    "theme": gettext_lazy("Theme"),
}
# The chart and table texts of each breakdown, whole sentences in each language.
BREAKDOWN_CHART_TITLES = {
    "organisation": gettext_lazy("Pledges made and co-signs by organisation"),
    "region": gettext_lazy("Pledges made and co-signs by region"),
    "community": gettext_lazy("Pledges made and co-signs by community"),
    "campaign": gettext_lazy("Pledges made and co-signs by campaign"),
    "theme": gettext_lazy("Pledges made and co-signs by theme"),
}
BREAKDOWN_CHART_DESCRIPTIONS = {
    "organisation": gettext_lazy(
        "Bar chart of pledges made and co-signs by organisation, busiest first. "
        "The numbers are in the table below."
    ),
    "region": gettext_lazy(
        "Bar chart of pledges made and co-signs by region, busiest first. "
        "The numbers are in the table below."
    ),
    "community": gettext_lazy(
        "Bar chart of pledges made and co-signs by community, busiest first. "
        "The numbers are in the table below."
    ),
    "campaign": gettext_lazy(
        "Bar chart of pledges made and co-signs by campaign, busiest first. "
        "The numbers are in the table below."
    ),
    "theme": gettext_lazy(
        "Bar chart of pledges made and co-signs by theme, busiest first. "
        "The numbers are in the table below."
    ),
}


def person_name(member, viewer) -> str:
    """Admins see who people are; organisers see names as each member allows."""
    if permissions.is_admin(viewer):
        return member.display_name or member.email
    return member.name_for(viewer)


# --- Dashboards -----------------------------------------------------------------------------


def show(metric: str, value) -> str:
    """A metric's value as a page shows it: measured outcomes as people write them."""
    if metric == "outcome_total":
        return format_quantity(value)
    return f"{value:,}"


def _dashboard_context(data: selectors.Dashboard) -> dict:
    labels = [p.label for p in data.periods]
    context = {
        "data": data,
        "labels": METRIC_LABELS,
        "timeline_metrics": TIMELINE_METRICS,
        "learning_metrics": LEARNING_METRICS,
        "islands": [
            charts.island("chart-timeline", charts.line(labels, TIMELINE_METRICS, data.periods)),
            charts.island("chart-learning", charts.line(labels, LEARNING_METRICS, data.periods)),
            charts.island(
                "chart-funnel",
                charts.bars(
                    [step["step"] for step in data.funnel],
                    [(_("Commitments"), [step["value"] for step in data.funnel])],
                ),
            ),
        ],
        "breakdown_titles": BREAKDOWN_TITLES,
        "breakdown_columns": BREAKDOWN_COLUMNS,
        "breakdown_chart_titles": BREAKDOWN_CHART_TITLES,
        "breakdown_chart_descriptions": BREAKDOWN_CHART_DESCRIPTIONS,
        "show": show,
        "counting_since": selectors.counting_since(),
    }
    for by, rows in data.breakdowns.items():
        context["islands"].append(
            charts.island(
                f"chart-{by}",
                charts.bars(
                    [row["name"] for row in rows],
                    [
                        (_("Pledges made"), [row["pledges_made"] for row in rows]),
                        (_("Co-signs"), [row["co_signs"] for row in rows]),
                    ],
                    horizontal=True,
                ),
            )
        )
    return context


def _spc_dashboard(request, *, scope: str, scope_id: int, date_from, date_to) -> dict:
    """The weekly SPC charts of a dashboard, their tables and re-bases."""
    items = spc_selectors.weekly_charts(
        scope=scope, scope_id=scope_id, date_from=date_from, date_to=date_to
    )
    query = urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()})
    return spc_views.spc_context(
        request, scope=scope, scope_id=scope_id, items=items, prefix="spc", query=query
    )


@login_required
@reads_from_replica()
def dashboard(request):
    if not permissions.can_see_dashboard(request.user):
        raise PermissionDenied(
            _(
                "The platform dashboard is for platform admins. Organisers find their "
                "community's dashboard on the community's page."
            )
        )
    form = DashboardFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    date_from, date_to = form.period()
    scope, scope_id, title = Scope.PLATFORM, 0, _("The whole platform")
    if valid and request.GET:
        if form.cleaned_data.get("campaign"):
            campaign = form.cleaned_data["campaign"]
            scope, scope_id, title = Scope.CAMPAIGN, campaign.pk, campaign.name
        elif form.cleaned_data.get("community"):
            community = form.cleaned_data["community"]
            scope, scope_id, title = Scope.COMMUNITY, community.pk, community.name
        elif form.cleaned_data.get("organisation"):
            organisation = form.cleaned_data["organisation"]
            scope, scope_id, title = Scope.ORGANISATION, organisation.pk, organisation.name
        elif form.cleaned_data.get("region"):
            region = form.cleaned_data["region"]
            scope, scope_id, title = Scope.REGION, region.pk, region.name
    data = selectors.dashboard(
        scope=scope,
        scope_id=scope_id,
        date_from=date_from,
        date_to=date_to,
        with_breakdowns=scope == Scope.PLATFORM,
    )
    spc_part = _spc_dashboard(
        request, scope=scope, scope_id=scope_id, date_from=date_from, date_to=date_to
    )
    return render(
        request,
        "reports/dashboard.jinja",
        {**_dashboard_context(data), **spc_part, "form": form, "title": title, "community": None},
        status=200 if valid else 400,
    )


def _community_for_reports(request, slug: str):
    community = community_for(slug=slug, user=request.user)
    if not permissions.can_see_community_reports(request.user, community):
        raise PermissionDenied(
            _("Only the organisers of %(community)s and platform admins can see its reports.")
            % {"community": community.name}
        )
    return community


@login_required
@reads_from_replica()
def community_dashboard(request, slug: str):
    community = _community_for_reports(request, slug)
    form = FilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    date_from, date_to = form.period()
    data = selectors.dashboard(
        scope=Scope.COMMUNITY,
        scope_id=community.pk,
        date_from=date_from,
        date_to=date_to,
        with_breakdowns=False,
    )
    spc_part = _spc_dashboard(
        request, scope=Scope.COMMUNITY, scope_id=community.pk, date_from=date_from, date_to=date_to
    )
    return render(
        request,
        "reports/dashboard.jinja",
        {
            **_dashboard_context(data),
            **spc_part,
            "form": form,
            "title": community.name,
            "community": community,
        },
        status=200 if valid else 400,
    )


# --- The movement network -----------------------------------------------------------------


def _network_context(request, scope: str, scope_id: int) -> dict:
    stat = selectors.network_stat(scope=scope, scope_id=scope_id)
    months = selectors.network_months(scope=scope, scope_id=scope_id)
    ranked = selectors.mobilisers(scope=scope, scope_id=scope_id)
    names = {m.member_id: person_name(m.member, request.user) for m in ranked}
    recruiters = selectors.recruiters_of_mobilisers(scope=scope, scope_id=scope_id)
    names.update({m.member_id: person_name(m.member, request.user) for m in recruiters})
    lone = selectors.lone_wolves(scope=scope, scope_id=scope_id)
    names.update({w.member_id: person_name(w.member, request.user) for w in lone})
    labels = [dateformat.format(m.month, "M Y") for m in months]
    island = charts.island(
        "chart-network",
        {
            "type": "line",
            "labels": labels,
            "datasets": [
                {"label": _("Joins and co-signs"), "data": [m.events for m in months],
                 "colour": charts.COLOURS[0]},
                {"label": _("Through an invitation, a share link or a pledge"),
                 "data": [m.attributed_events for m in months], "colour": charts.COLOURS[1]},
                {"label": _("Driven by the top 3%"), "data": [m.top_events for m in months],
                 "colour": charts.COLOURS[2]},
            ],
        },
    )  # fmt: skip
    spc_part = spc_views.spc_context(
        request,
        scope=scope,
        scope_id=scope_id,
        items=spc_selectors.monthly_network_charts(scope=scope, scope_id=scope_id),
        prefix="spc-network",
    )
    return {
        **spc_part,
        "embed_arrivals": embeds.arrivals_by_host(scope=scope, scope_id=scope_id),
        "stat": stat,
        "months": months,
        "mobilisers": ranked,
        "recruiters": recruiters,
        "lone_wolves": lone,
        "names": names,
        "islands": [island],
    }


@login_required
@reads_from_replica()
def network(request):
    if not permissions.can_see_dashboard(request.user):
        raise PermissionDenied(
            _(
                "The movement network of the platform is for platform admins. Organisers "
                "find their community's network on the community's page."
            )
        )
    form = NetworkFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    campaign = form.cleaned_data.get("campaign") if valid and request.GET else None
    scope, scope_id = (Scope.CAMPAIGN, campaign.pk) if campaign else (Scope.PLATFORM, 0)
    return render(
        request,
        "reports/network.jinja",
        {
            **_network_context(request, scope, scope_id),
            "form": form,
            "title": campaign.name if campaign else _("The whole platform"),
            "community": None,
            "picture": None,
        },
        status=200 if valid else 400,
    )


@login_required
@reads_from_replica()
def community_network(request, slug: str):
    community = _community_for_reports(request, slug)
    context = _network_context(request, Scope.COMMUNITY, community.pk)
    picture = network_picture.draw(
        edges=selectors.network_edges(community=community),
        name_of=lambda member: person_name(member, request.user),
    )
    return render(
        request,
        "reports/network.jinja",
        {**context, "form": None, "title": community.name, "community": community,
         "picture": picture},
    )  # fmt: skip


# --- Exports ------------------------------------------------------------------------------


def _inline_download(result: services.ExportRequest):
    export, spec = result.export, result.spec
    disposition = f'attachment; filename="{export.download_name}"'
    if export.format == Export.Format.CSV:
        response = StreamingHttpResponse(
            exports.csv_stream(spec), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = disposition
        return response
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.write_xlsx(spec, handle, lambda done: None)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=export.download_name)


# Small exports download straight from this page: never kept by a browser or proxy.
@never_cache
@login_required
def exports_page(request):
    if not permissions.can_export(request.user):
        raise PermissionDenied(
            _("Only platform admins, and organisers for their own communities, can export data.")
        )
    community_ids = permissions.reportable_community_ids(request.user)
    form = ExportForm(request.POST or None, community_ids=community_ids)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = call_service(
                    form, services.export_request, user=request.user, **form.cleaned_data
                )
            except PermissionDenied as exc:
                form.add_error("community", str(exc))
                result, status = None, 403
            if result is not None:
                if result.inline:
                    return _inline_download(result)
                if not result.created:
                    messages.info(
                        request,
                        _("This export is already being prepared: here is how far it has got."),
                    )
                return redirect("reports:export", pk=result.export.pk)
        if status == 200:
            status = 400
    return render(
        request,
        "reports/exports.jinja",
        {"form": form, "exports": list(selectors.exports_of(request.user)[:20])},
        status=status,
    )


@login_required
def export_detail(request, pk: int):
    export = selectors.export_for(user=request.user, pk=pk)
    if export is None:
        raise Http404(_("No such export."))
    template = "reports/_export_progress.jinja" if request.htmx else "reports/export.jinja"
    return render(request, template, {"export": export})


def _still_allowed(user, export: Export) -> bool:
    if not permissions.can_export(user):
        return False
    if export.include_personal and not permissions.can_export_personal_columns(user):
        return False
    ids = permissions.reportable_community_ids(user)
    return ids is None or (export.community_id is not None and export.community_id in ids)


@never_cache
@login_required
def export_download(request, pk: int):
    export = selectors.export_for(user=request.user, pk=pk)
    if export is None:
        raise Http404(_("No such export."))
    if not _still_allowed(request.user, export):
        raise PermissionDenied(_("You can no longer download this export."))
    path = services.export_file_path(export)
    if path is None:
        raise Http404(_("This export is not ready, or it has expired. Ask for a new one."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=export.download_name)


# --- Invitations and badges ---------------------------------------------------------------


@login_required
@rate_limited("invite")
def invite(request):
    share = services.invite_ensure(member=request.user)
    form = InviteEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = call_service(
            form,
            services.invite_email_send,
            inviter=request.user,
            email=form.cleaned_data["email"],
            message=form.cleaned_data["message"],
        )
        if sent is not None:
            messages.success(
                request, _("Your invitation is on its way to %(email)s.") % {"email": sent.email}
            )
            return redirect("reports:invite")
    return render(
        request,
        "reports/invite.jinja",
        {
            "form": form,
            "share_url": services.share_url(share),
            "signup_url": services.share_url(share, reverse("account_signup")),
            "summary": selectors.invite_summary(request.user),
            "recent": selectors.recent_invited(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def badges(request):
    form = BadgeSettingForm(
        request.POST or None, initial={"hide_badges": selectors.badges_hidden(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        setting = services.badge_setting_update(
            member=request.user, hide_badges=form.cleaned_data["hide_badges"]
        )
        messages.success(
            request,
            _("Your badges are hidden from other people.")
            if setting.hide_badges
            else _("Your badges show on your profile."),
        )
        return redirect("reports:badges")
    return render(
        request,
        "reports/badges.jinja",
        {"form": form, "badges": selectors.badges_of(member=request.user, viewer=request.user)},
    )


# --- Summary emails -----------------------------------------------------------------------


def subscription_confirmation(subscription: ReportSubscription) -> str:
    weekly = subscription.frequency == ReportSubscription.Frequency.WEEKLY
    if subscription.community:
        text = (
            _("You will get a summary of %(community)s by email every week.")
            if weekly
            else _("You will get a summary of %(community)s by email every month.")
        )
        return text % {"community": subscription.community.name}
    if weekly:
        return _("You will get a summary of the platform by email every week.")
    return _("You will get a summary of the platform by email every month.")


@login_required
def subscriptions(request):
    if not permissions.can_subscribe(request.user):
        raise PermissionDenied(_("Summary emails are for platform admins."))
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = call_service(
            form,
            services.subscription_create,
            member=request.user,
            frequency=form.cleaned_data["frequency"],
            community=form.cleaned_data["community"],
        )
        if subscription is not None:
            messages.success(request, subscription_confirmation(subscription))
            return redirect("reports:subscriptions")
    return render(
        request,
        "reports/subscriptions.jinja",
        {"form": form, "subscriptions": list(selectors.subscriptions_of(request.user))},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def subscription_delete(request, pk: int):
    subscription = get_object_or_404(ReportSubscription, pk=pk, member=request.user)
    services.subscription_delete(subscription=subscription, actor=request.user)
    messages.success(request, _("You will not get that summary email any more."))
    return redirect("reports:subscriptions")


# --- Open data ----------------------------------------------------------------------------

OPEN_DATA_COLUMNS = [
    ("dimension", gettext_lazy("Counted by")),
    ("name", gettext_lazy("Name")),
    ("month", gettext_lazy("Month")),
    ("pledges_made", gettext_lazy("Pledges made")),
    ("co_signs", gettext_lazy("Co-signs")),
    ("pledges_completed", gettext_lazy("Pledges completed")),
    ("people_done", gettext_lazy("Commitments done")),
    ("check_ins", gettext_lazy("Check-ins")),
    ("stories_published", gettext_lazy("Stories published")),
]
OPEN_DATA_PAGE_MONTHS = 12


@reads_from_replica()
def open_data(request):
    rows = selectors.open_data_rows()
    first_of_month = timezone.localdate().replace(day=1)
    since = (first_of_month - datetime.timedelta(days=365)).strftime("%Y-%m")
    recent = [row for row in rows if row["month"] >= since]
    grouped = {
        dimension: [row for row in recent if row["dimension"] == dimension]
        for dimension in ("platform", "campaign", "region", "theme")
    }
    return render(
        request,
        "reports/open_data.jinja",
        {
            "grouped": grouped,
            "columns": OPEN_DATA_COLUMNS,
            "licence": str(OPEN_DATA_LICENCE),
            "licence_url": OPEN_DATA_LICENCE_URL,
            "suppress_below": selectors.SUPPRESS_BELOW,
        },
    )


def _open_data_range(request):
    """(from, to) of the query, or a 400 response saying what is wrong."""
    from django.core.exceptions import ValidationError

    from reports import open_data as package

    try:
        return package.parse_range(request.GET), None
    except ValidationError as exc:
        return (None, None), JsonResponse({"error": " ".join(exc.messages)}, status=400)


@reads_from_replica()
def open_data_csv(request):
    (date_from, date_to), refused = _open_data_range(request)
    if refused is not None:
        return refused
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="radicals-open-data.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(label) for _name, label in OPEN_DATA_COLUMNS])
    for row in selectors.open_data_rows(date_from=date_from, date_to=date_to):
        writer.writerow([exports.csv_cell(row[name]) for name, _label in OPEN_DATA_COLUMNS])
    return response


@reads_from_replica()
def open_data_json(request):
    (date_from, date_to), refused = _open_data_range(request)
    if refused is not None:
        return refused
    return JsonResponse(
        {
            "licence": str(OPEN_DATA_LICENCE),
            "licence_url": OPEN_DATA_LICENCE_URL,
            "suppressed_below": selectors.SUPPRESS_BELOW,
            "rows": selectors.open_data_rows(date_from=date_from, date_to=date_to),
        }
    )
