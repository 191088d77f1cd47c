"""Chart data for static/js/reports.js, handed over in JSON data islands.

Pages never hold inline code (the Content Security Policy forbids it): the numbers go
in a <script type="application/json"> element, which browsers do not run, and the
module reads it. Every chart also has its numbers in a table beside it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils.functional import Promise
from markupsafe import Markup, escape

from reports.models import METRIC_LABELS

# NHS.UK colour palette, in an order that stays distinguishable.
COLOURS = ["#005eb8", "#007f3b", "#ffb81c", "#d5281b", "#330072", "#00a499", "#ae2573"]


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a label marked with gettext_lazy, in today's language
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def island(element_id: str, data) -> Markup:
    """<script type="application/json" id=…> holding `data`. "<", ">" and "&" are escaped
    as unicode, so no text in the data can end the element."""
    text = (
        json.dumps(data, default=_default, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup('<script type="application/json" id="{}">{}</script>').format(
        escape(element_id),
        Markup(text),  # noqa: S704 # nosec B704 - escaped above
    )


def line(labels: list[str], metrics: list[str], periods) -> dict:
    return {
        "type": "line",
        "labels": labels,
        "datasets": [
            {
                "label": str(METRIC_LABELS[metric]),
                "data": [p.values[metric] for p in periods],
                "colour": COLOURS[n % len(COLOURS)],
            }
            for n, metric in enumerate(metrics)
        ],
    }


def bars(labels: list[str], series: list[tuple[str, list]], *, horizontal: bool = False) -> dict:
    return {
        "type": "bar",
        "horizontal": horizontal,
        "labels": labels,
        "datasets": [
            {"label": label, "data": values, "colour": COLOURS[n % len(COLOURS)]}
            for n, (label, values) in enumerate(series)
        ],
    }
