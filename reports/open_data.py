"""Open data as a Frictionless data package (https://specs.frictionlessdata.io/).

`datapackage.json` describes one CSV resource per dimension (the whole platform,
campaigns, NHS regions, themes): each field's name, title, type and description, the
licence, and the small-number rule. A suppressed count ("<5") is declared as a missing
value of its integer field, so a validator reads it as "not published", not as a
malformed number. Every URL takes optional `from` and `to` dates (YYYY-MM-DD); the
resource paths in the package carry them, so the package describes exactly the files
it names.
"""

from __future__ import annotations

import csv
import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kernel.replica import reads_from_replica
from reports import exports, selectors, services
from reports.selectors import OPEN_DATA_METRICS, SUPPRESS_BELOW

LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
DIMENSIONS = {
    "platform": gettext_lazy("The whole platform, month by month"),
    "campaign": gettext_lazy("Each campaign, month by month"),
    "region": gettext_lazy("Each NHS region, month by month"),
    "theme": gettext_lazy("Each theme, month by month"),
}
METRIC_DESCRIPTIONS = {
    "pledges_made": gettext_lazy(
        "Pledges published in the month (hidden and withdrawn ones not counted)."
    ),
    "co_signs": gettext_lazy("People who co-signed someone else's pledge in the month."),
    "pledges_completed": gettext_lazy("Pledges whose due date came with the commitment done."),
    "people_done": gettext_lazy("Commitments (authors' and co-signers') marked done in the month."),
    "check_ins": gettext_lazy("Check-ins recorded against pledges in the month."),
    "stories_published": gettext_lazy("Change stories published in the month."),
}
MISSING = [f"<{SUPPRESS_BELOW}"]
PARAMETERS = ("from", "to")


def schema() -> dict:
    """The Table Schema every resource shares."""
    fields = [
        {
            "name": "dimension",
            "title": _("Counted by"),
            "type": "string",
            "constraints": {"required": True, "enum": list(DIMENSIONS)},
        },
        {
            "name": "name",
            "title": _("Name"),
            "type": "string",
            "description": _("The campaign, region or theme (All of Radicals for the platform)."),
            "constraints": {"required": True},
        },
        {
            "name": "month",
            "title": _("Month"),
            "type": "yearmonth",
            "constraints": {"required": True},
        },
    ]
    for metric in OPEN_DATA_METRICS:
        fields.append(
            {
                "name": metric,
                "title": str(selectors.METRIC_LABELS[metric]),
                "type": "integer",
                "description": str(METRIC_DESCRIPTIONS[metric])
                + " "
                + _("Counts under %(n)s are published as “<%(n)s”.") % {"n": SUPPRESS_BELOW},
                "constraints": {"minimum": SUPPRESS_BELOW},
            }
        )
    return {
        "fields": fields,
        "missingValues": MISSING,
        "primaryKey": ["dimension", "name", "month"],
    }


def parse_range(query) -> tuple[datetime.date | None, datetime.date | None]:
    """`from` and `to` as dates, or a ValidationError in words people act on."""
    unknown = sorted(set(query.keys()) - set(PARAMETERS))
    if unknown:
        raise ValidationError(
            _("These parameters are not known: %(names)s. Use from and to (YYYY-MM-DD).")
            % {"names": ", ".join(name[:40] for name in unknown[:5])}
        )
    found: dict[str, datetime.date | None] = {}
    for name in PARAMETERS:
        value = query.get(name, "")
        if not value:
            found[name] = None
            continue
        try:
            found[name] = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _("“%(name)s” must be a real date written YYYY-MM-DD, for example 2025-03-31.")
                % {"name": name}
            ) from None
    errors = services.date_range_errors(found["from"], found["to"])
    if errors:
        raise ValidationError(" ".join(m for messages in errors.values() for m in messages))
    return found["from"], found["to"]


def _query_string(date_from, date_to) -> str:
    params = {}
    if date_from:
        params["from"] = date_from.isoformat()
    if date_to:
        params["to"] = date_to.isoformat()
    return f"?{urlencode(params)}" if params else ""


def descriptor(date_from=None, date_to=None) -> dict:
    query = _query_string(date_from, date_to)
    shared = schema()
    period = ""
    if date_from or date_to:
        period = " " + _("Days from %(start)s to %(end)s.") % {
            "start": date_from or _("the start"),
            "end": date_to or _("today"),
        }
    return {
        "profile": "tabular-data-package",
        "name": "radicals-open-data",
        "title": _("Radicals open data: what members pledged and did, month by month"),
        "description": _(
            "Counts only, with no personal data. Any count under %(n)s is published as "
            "“<%(n)s” (a missing value in the schema) so that nobody can be picked out. "
            "Hidden and withdrawn pledges are not counted."
        )
        % {"n": SUPPRESS_BELOW}
        + period,
        "homepage": f"{settings.SITE_URL}{reverse('reports:open_data')}",
        "licenses": [LICENCE],
        "sources": [{"title": "Radicals", "path": settings.SITE_URL}],
        "resources": [
            {
                "name": f"open-data-{dimension}",
                "title": str(title),
                "path": f"{settings.SITE_URL}"
                f"{reverse('reports:open_data_resource', args=[dimension])}{query}",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "licenses": [LICENCE],
                "schema": shared,
            }
            for dimension, title in DIMENSIONS.items()
        ],
    }


def _bad_request(exc: ValidationError) -> HttpResponse:
    return JsonResponse({"error": " ".join(exc.messages)}, status=400)


@require_GET
@reads_from_replica()
def package(request):
    try:
        date_from, date_to = parse_range(request.GET)
    except ValidationError as exc:
        return _bad_request(exc)
    return JsonResponse(descriptor(date_from, date_to), json_dumps_params={"ensure_ascii": False})


@require_GET
@reads_from_replica()
def resource_csv(request, dimension: str):
    if dimension not in DIMENSIONS:
        return JsonResponse({"error": _("There is no such resource.")}, status=404)
    try:
        date_from, date_to = parse_range(request.GET)
    except ValidationError as exc:
        return _bad_request(exc)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="radicals-open-data-{dimension}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    names = [field["name"] for field in schema()["fields"]]
    writer.writerow(names)
    for row in selectors.open_data_rows(dimension=dimension, date_from=date_from, date_to=date_to):
        writer.writerow([exports.csv_cell(row[name]) for name in names])
    return response
