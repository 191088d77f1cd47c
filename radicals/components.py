"""NHS.UK components written in Python, for the few places a page draws them many
times over, where calling the component's Jinja macro (nhsuk-frontend-jinja) costs
more than the rest of the page: each writes exactly the component's markup, and
tests/radicals/test_components.py holds it to the macro's own output case by case.
Everywhere else the pages call the components' macros."""

from __future__ import annotations

from markupsafe import Markup, escape

# The tag component's colours (nhsuk/components/tag).
TAG_COLOURS = frozenset(
    {"white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange", "yellow"}
)


def tag(text, colour: str | None = None) -> Markup:
    """The NHS.UK tag (`tag({"text": text, "colour": colour})`): a pledge card shows one
    or two, twenty cards a page."""
    classes = "nhsuk-tag" + (f" nhsuk-tag--{colour}" if colour in TAG_COLOURS else "")
    # The text is escaped here.
    return Markup(f'<strong class="{classes}">\n  {escape(str(text).strip())}\n</strong>')  # noqa: S704 # nosec B704


SUMMARY_LIST_PARAMS = frozenset({"rows", "classes"})
SUMMARY_LIST_PART = frozenset({"text", "html"})


def _summary_list_part(part, row_number: int, name: str) -> str:
    if not isinstance(part, dict) or set(part) - SUMMARY_LIST_PART:
        raise ValueError(f"Row {row_number} of a summary list: its {name} takes only text or html.")
    if part.get("html") is not None:
        return str(part["html"]).strip()
    return str(escape(str(part.get("text") or "").strip()))


def summary_list(params: dict) -> Markup:
    """The NHS.UK summary list (`summaryList({"rows": …, "classes": …})`) for rows of a
    key and a value, each text or html: a pledge's and a community's page each show
    one. Rows with actions, cards and borders are the component macro's to draw, and
    are refused here rather than drawn wrongly."""
    if set(params) - SUMMARY_LIST_PARAMS:
        raise ValueError("This summary list takes only rows and classes.")
    classes = "nhsuk-summary-list" + (f" {params['classes']}" if params.get("classes") else "")
    rows = []
    for number, row in enumerate(params.get("rows") or [], start=1):
        if set(row) - {"key", "value"}:
            raise ValueError(f"Row {number} of a summary list takes only a key and a value.")
        key = _summary_list_part(row.get("key"), number, "key")
        value = _summary_list_part(row.get("value"), number, "value")
        rows.append(
            '  <div class="nhsuk-summary-list__row">\n'
            f'    <dt class="nhsuk-summary-list__key">\n      {key}\n    </dt>\n'
            f'    <dd class="nhsuk-summary-list__value">\n      {value}\n    </dd>\n'
            "  </div>"
        )
    body = "\n".join(rows)
    # Keys and values are escaped above, or html the template marked safe.
    return Markup(f'<dl class="{escape(classes)}">\n{body}\n</dl>')  # noqa: S704 # nosec B704


def filter_select(name: str, label: str, options, value, empty: str) -> Markup:
    """An NHS.UK select (`nhsuk/components/select`) with a small label, written as the
    component's template writes it, in one plain loop: the wall's filters list hundreds
    of organisations and communities, where the component's macro costs about 30 µs an
    option (15 ms a page). The first option, `empty`, has the value ""; the one equal to
    `value` is chosen. tests/radicals/test_components.py holds the markup to the
    component's."""
    chosen = None if value is None else str(value)
    options_html = [f'<option value="">{escape(empty)}</option>']
    for option_value, option_text in options:
        selected = " selected" if chosen is not None and str(option_value) == chosen else ""
        options_html.append(
            f'<option value="{escape(option_value)}"{selected}>{escape(option_text)}</option>'
        )
    select_id = escape(f"filter-{name}")
    # Every value in it is escaped above or here.
    return Markup(  # noqa: S704 # nosec B704
        '<div class="nhsuk-form-group">\n'
        f'  <label class="nhsuk-label nhsuk-label--s" for="{select_id}">\n'
        f"    {escape(label)}\n"
        "  </label>\n"
        f'  <select class="nhsuk-select radicals-filter-select" id="{select_id}" '
        f'name="{escape(name)}">\n  ' + "\n  ".join(options_html) + "\n  </select>\n</div>"
    )
