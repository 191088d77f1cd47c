"""NHS.UK components written in Python, for the few places a page draws them many
times over, or the busiest pages draw them on every visit, where calling the
component's Jinja macro (nhsuk-frontend-jinja) costs more than the rest of the page:
each writes exactly the component's markup, for the parameters those places give, and
refuses the rest; tests/kernel/test_components.py holds it to the macro's own output
case by case. Everywhere else the pages call the components' macros."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from kernel import rendering

# The tag component's colours (nhsuk/components/tag).
TAG_COLOURS = frozenset(
    {"white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange", "yellow"}
)


def tag(text, colour: str | None = None) -> Markup:
    """The NHS.UK tag (`tag({"text": text, "colour": colour})`): a pledge card shows one
    or two, twenty cards a page."""
    classes = "nhsuk-tag" + (f" nhsuk-tag--{colour}" if colour in TAG_COLOURS else "")
    text = escape(rendering.word(text).strip())
    # The text is escaped above.
    return Markup(f'<strong class="{classes}">\n  {text}\n</strong>')  # noqa: S704 # nosec B704


def _refuse_unknown(given, allowed, message: str) -> None:
    """What only the component's macro draws is refused, not drawn wrongly."""
    if not isinstance(given, dict) or set(given) - set(allowed):
        raise ValueError(message)


def _text_or_html(part: dict) -> str:
    """A part given as `text` (escaped here) or `html` (marked safe by the template),
    html first, as the components' templates choose."""
    if part.get("html"):
        return str(part["html"]).strip()
    return str(escape(rendering.word(part.get("text") or "").strip()))


def _summary_list_part(part, row_number: int, name: str) -> str:
    _refuse_unknown(
        part,
        {"text", "html"},
        f"Row {row_number} of a summary list: its {name} takes only text or html.",
    )
    return _text_or_html(part)


def summary_list(params: dict) -> Markup:
    """The NHS.UK summary list (`summaryList({"rows": …, "classes": …})`) for rows of a
    key and a value, each text or html: a pledge's and a community's page each show
    one. Rows with actions, cards and borders are the component macro's to draw, and
    are refused here rather than drawn wrongly."""
    _refuse_unknown(params, {"rows", "classes"}, "This summary list takes only rows and classes.")
    classes = "nhsuk-summary-list" + (f" {params['classes']}" if params.get("classes") else "")
    rows = []
    for number, row in enumerate(params.get("rows") or [], start=1):
        _refuse_unknown(
            row, {"key", "value"}, f"Row {number} of a summary list takes only a key and a value."
        )
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


NHS_LOGO = (
    '<svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80"'
    ' height="40" width="100" focusable="false" role="img" aria-label="NHS">\n'
    "          <title>NHS</title>\n"
    '          <path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0'
    " 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5"
    "L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5"
    " 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5"
    "l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129"
    "l13.5-65H125L119.5 32h-20l5"
    '-24.5Z"/>\n'
    "        </svg>"
)
USER_ICON = (
    '<svg class="nhsuk-icon nhsuk-icon--user" xmlns="http://www.w3.org/2000/svg"'
    ' viewBox="0 0 24 24" width="16" height="16" focusable="false" aria-hidden="true">'
    '<path d="M12 1a11 11 0 1 1 0 22 11 11 0 0 1 0-22Zm0 2a9 9 0 0 0-5 16.5V18a4 4 0 0 1 4-4h2a4'
    ' 4 0 0 1 4 4v1.5A9 9 0 0 0 12 3Zm0 3a3.5 3.5 0 1 1-3.5 3.5A3.4 3.4 0 0 1 12 6Z"/></svg>'
)
HEADER_PARAMS = {
    "": {"service", "logo", "account", "navigation"},
    "service": {"text", "href"},
    "logo": {"ariaLabel"},
    "account": {"items", "ariaLabel"},
    "navigation": {"items", "ariaLabel", "toggleMenuVisuallyHiddenText", "toggleMenuText"},
    "account item": {"href", "text", "html", "icon"},
    "navigation item": {"href", "text", "html", "current", "active"},
}


def _header_part(kind: str, given) -> None:
    unknown = sorted(set(given or {}) - HEADER_PARAMS[kind])
    _refuse_unknown(
        given or {},
        HEADER_PARAMS[kind],
        f"This header does not draw {kind or 'the'} {unknown}.",
    )


def header(params: dict) -> Markup:
    """The NHS.UK header (`header({...})`) as the page chrome uses it: the NHS logo and
    the service name as one link home, the account links and the navigation with its
    "More" toggle. On every page; its macro costs 2-4 ms. Search, organisations,
    colours and account forms are the macro's to draw, and are refused here."""
    _header_part("", params)
    service, logo = params.get("service") or {}, params.get("logo") or {}
    account, navigation = params.get("account") or {}, params.get("navigation") or {}
    for kind, given in (
        ("service", service),
        ("logo", logo),
        ("account", account),
        ("navigation", navigation),
    ):
        _header_part(kind, given)
    if not (service.get("text") and service.get("href")):
        raise ValueError("This header draws the service name as the link home.")
    label = logo.get("ariaLabel") or f"NHS {service['text']} homepage"
    parts = [
        '<header class="nhsuk-header" data-module="nhsuk-header" role="banner">\n'
        '  <div class="nhsuk-header__container nhsuk-width-container">\n'
        '    <div class="nhsuk-header__service">\n'
        f'      <a class="nhsuk-header__service-logo" href="{escape(service["href"])}"'
        f' aria-label="{escape(label)}">\n'
        f"        {NHS_LOGO}\n"
        f'<span class="nhsuk-header__service-name">{escape(str(service["text"]).strip())}</span>\n'
        "      </a>\n"
        "    </div>\n"
    ]
    if account:
        account_label = escape(account.get("ariaLabel") or "Account")
        parts.append(
            f'    <nav class="nhsuk-header__account" aria-label="{account_label}">\n'
            '      <ul class="nhsuk-header__account-list">\n'
        )
        for item in account.get("items") or []:
            if not item:
                continue
            _header_part("account item", item)
            content = (USER_ICON + "\n            " if item.get("icon") else "") + _text_or_html(
                item
            )
            if item.get("href"):
                content = (
                    f'<a class="nhsuk-header__account-link" href="{escape(item["href"])}">\n'
                    f"            {content}\n          </a>"
                )
            parts.append(
                '        <li class="nhsuk-header__account-item">\n'
                f"          {content}\n        </li>\n"
            )
        parts.append("      </ul>\n    </nav>\n")
    parts.append("  </div>\n")
    items = [item for item in navigation.get("items") or [] if item]
    if items:
        navigation_label = escape(navigation.get("ariaLabel") or "Menu")
        parts.append(
            f'  <nav class="nhsuk-header__navigation" aria-label="{navigation_label}">\n'
            '    <div class="nhsuk-header__navigation-container nhsuk-width-container">\n'
            '      <ul class="nhsuk-header__navigation-list">\n'
        )
        for item in items:
            _header_part("navigation item", item)
            marked = item.get("active") or item.get("current")
            content = _text_or_html(item)
            if marked:
                fallback = "nhsuk-header__navigation-item-current-fallback"
                content = f'<strong class="{fallback}">{content}</strong>'
            current = (
                ' aria-current="page"'
                if item.get("current")
                else (' aria-current="true"' if marked else "")
            )
            if item.get("href"):
                inner = (
                    f'<a class="nhsuk-header__navigation-link" href="{escape(item["href"])}"'
                    f"{current}>{content}</a>"
                )
            else:
                inner = f'<span class="nhsuk-header__navigation-text"{current}>{content}</span>'
            item_class = "nhsuk-header__navigation-item" + (
                " nhsuk-header__navigation-item--current" if marked else ""
            )
            parts.append(f'        <li class="{item_class}">\n          {inner}\n        </li>\n')
        hidden_text = navigation.get("toggleMenuVisuallyHiddenText") or "Browse"
        parts.append(
            '        <li class="nhsuk-header__menu" hidden>\n'
            '          <button class="nhsuk-header__menu-toggle nhsuk-header__navigation-link"'
            ' id="toggle-menu" aria-expanded="false">\n'
            f'            <span class="nhsuk-u-visually-hidden">{escape(hidden_text)} </span>'
            f"{escape(navigation.get('toggleMenuText') or 'More')}\n"
            "          </button>\n        </li>\n      </ul>\n    </div>\n  </nav>\n"
        )
    parts.append("</header>")
    # Every value in it is escaped above, or html the template marked safe.
    return Markup("".join(parts))  # noqa: S704 # nosec B704


def _escaped_options(options) -> list[tuple]:
    """(value, value escaped, text escaped) for each (value, text) option: escaped in
    one pass over them all, joined by a NUL (which no text from the database holds),
    where escaping each of the wall's 500 options in turn cost half a millisecond."""
    options = list(options)
    parts = [str(part) for option in options for part in option[:2]]
    escaped = str(escape("\0".join(parts))).split("\0")
    if len(escaped) != len(parts):  # a NUL in a value or text: escape each instead
        escaped = [str(escape(part)) for part in parts]
    return [
        (option[0], escaped[2 * index], escaped[2 * index + 1])
        for index, option in enumerate(options)
    ]


@dataclass(frozen=True)
class DrawnOptions:
    """A select's options drawn once, escaped, none of them chosen (`draw_options`):
    the wall's filters list five hundred and more, the same for every visitor, and
    drawing them took about a third of a millisecond a page."""

    html: str


def draw_options(options) -> DrawnOptions:
    """(value, text) options drawn as `filter_select` draws them, to be given to it."""
    return DrawnOptions(
        "\n  ".join(
            f'<option value="{escaped_value}">{escaped_text}</option>'
            for _value, escaped_value, escaped_text in _escaped_options(options)
        )
    )


def _chosen_in(drawn: DrawnOptions, chosen: str | None) -> str:
    """The drawn options with the one whose value is `chosen` marked selected: each
    value is written escaped, and escaping gives two values the same text only when
    they are the same, so the mark matches only that option (a text's `<` is escaped
    too, so no text holds it)."""
    if chosen is None:
        return drawn.html
    mark = f'<option value="{escape(chosen)}">'
    return drawn.html.replace(mark, mark[:-1] + " selected>")


def filter_select(name: str, label: str, options, value, empty: str) -> Markup:
    """An NHS.UK select (`nhsuk/components/select`) with a small label, written as the
    component's template writes it, in one plain loop: the wall's filters list hundreds
    of organisations and communities, where the component's macro costs about 30 µs an
    option (15 ms a page). The first option, `empty`, has the value ""; the one equal to
    `value` is chosen. `options` are (value, text) pairs, or the same drawn once
    (`draw_options`). tests/kernel/test_components.py holds the markup to the
    component's."""
    if not isinstance(options, DrawnOptions):
        options = draw_options(options)
    drawn = _chosen_in(options, None if value is None else str(value))
    options_html = f'<option value="">{escape(empty)}</option>' + ("\n  " + drawn if drawn else "")
    select_id = escape(f"filter-{name}")
    # Every value in it is escaped above or here.
    return Markup(  # noqa: S704 # nosec B704
        '<div class="nhsuk-form-group">\n'
        f'  <label class="nhsuk-label nhsuk-label--s" for="{select_id}">\n'
        f"    {escape(label)}\n"
        "  </label>\n"
        f'  <select class="nhsuk-select radicals-filter-select" id="{select_id}" '
        f'name="{escape(name)}">\n  ' + options_html + "\n  </select>\n</div>"
    )


ARROW_PATHS = {
    "left": "M10.7 6.3c.4.4.4 1 0 1.4L7.4 11H19a1 1 0 0 1 0 2H7.4l3.3 3.3c.4.4.4 1 0 1.4a1 1"
    " 0 0 1-1.4 0l-5-5A1 1 0 0 1 4 12c0-.3.1-.5.3-.7l5-5a1 1 0 0 1 1.4 0Z",
    "right": "m14.7 6.3 5 5c.2.2.3.4.3.7 0 .3-.1.5-.3.7l-5 5a1 1 0 0 1-1.4-1.4l3.3-3.3H5a1 1 0 0 1"
    " 0-2h11.6l-3.3-3.3a1 1 0 1 1 1.4-1.4Z",
}


def _arrow(direction: str) -> str:
    return (
        f'<svg class="nhsuk-icon nhsuk-icon--arrow-{direction}" xmlns="http://www.w3.org/2000/svg"'
        ' viewBox="0 0 24 24" width="16" height="16" focusable="false" aria-hidden="true">'
        f'<path d="{ARROW_PATHS[direction]}"/></svg>'
    )


def pagination(params: dict) -> Markup:
    """The NHS.UK pagination (`pagination({...})`) as lists use it: a previous and a next
    link, each text or html, either left out when it has no `href`. Every paged list
    draws it; its macro costs about 1.5 ms. Numbered pages and page labels are the
    macro's to draw, and are refused here."""
    _refuse_unknown(
        params, {"previous", "next", "ariaLabel"}, "This pagination draws previous and next."
    )
    label = params.get("ariaLabel") or "Pagination"
    items = []
    for name, rel, modifier, arrow, fallback in (
        ("previous", "prev", "prev", "left", "Previous"),
        ("next", "next", "next", "right", "Next"),
    ):
        link = params.get(name) or {}
        _refuse_unknown(
            link, {"href", "text", "html"}, f"The {name} link takes href, text or html."
        )
        if not link.get("href"):
            continue
        title = _text_or_html(link) or (
            f'{fallback}<span class="nhsuk-u-visually-hidden"> page</span>'
        )
        items.append(
            f'    <li class="nhsuk-pagination-item--{name}">\n'
            f'      <a class="nhsuk-pagination__link nhsuk-pagination__link--{modifier}"'
            f' href="{escape(link["href"])}" rel="{rel}">\n'
            f'        <span class="nhsuk-pagination__title">\n          {title}\n        </span>\n'
            f"        {_arrow(arrow)}\n"
            "      </a>\n"
            "    </li>\n"
        )
    # Every value in it is escaped above, or html the template marked safe.
    return Markup(  # noqa: S704 # nosec B704
        f'<nav class="nhsuk-pagination" role="navigation" aria-label="{escape(label)}">\n'
        '  <ul class="nhsuk-list nhsuk-pagination__list">\n' + "".join(items) + "  </ul>\n</nav>"
    )


def footer(params: dict) -> Markup:
    """The NHS.UK footer (`footer({...})`) as the page chrome uses it: one column of links
    and the copyright line. On every page; its macro costs about 1 ms. Headings, more
    columns and meta links are the macro's to draw, and are refused here."""
    _refuse_unknown(params, {"navigation", "copyright"}, "This footer draws links and copyright.")
    navigation = params.get("navigation") or []
    if len(navigation) > 1:
        raise ValueError("This footer draws one column of links.")
    links, has_items = [], False
    for column in navigation:
        _refuse_unknown(column, {"items"}, "This footer's column takes only items.")
        has_items = bool(column.get("items"))
        for item in column.get("items") or []:
            if not item:
                continue
            _refuse_unknown(
                item, {"href", "text", "html"}, "A footer link takes href, text or html."
            )
            links.append(
                '          <li class="nhsuk-footer__list-item">\n'
                '            <a class="nhsuk-footer__list-item-link"'
                f' href="{escape(item.get("href") or "")}">{_text_or_html(item)}</a>\n'
                "          </li>\n"
            )
    columns = (
        '    <div class="nhsuk-footer__navigation nhsuk-grid-row">\n'
        '      <div class="nhsuk-grid-column-one-quarter">\n'
        + (
            '        <ul class="nhsuk-footer__list">\n' + "".join(links) + "        </ul>\n"
            if has_items
            else ""
        )
        + "      </div>\n    </div>\n"
        if navigation
        else ""
    )
    copyright_ = params.get("copyright") or {}
    _refuse_unknown(copyright_, {"text", "html"}, "The footer's copyright takes text or html.")
    copyright_html = (
        str(copyright_["html"]).strip()
        if copyright_.get("html")
        else f'<p class="nhsuk-body-s">{escape(copyright_.get("text") or "© NHS England")}</p>'
    )
    # Every value in it is escaped above, or html the template marked safe.
    return Markup(  # noqa: S704 # nosec B704
        '<footer class="nhsuk-footer" role="contentinfo">\n'
        '  <div class="nhsuk-width-container">\n'
        f"{columns}"
        '    <div class="nhsuk-footer__meta">\n'
        f"      {copyright_html}\n"
        "    </div>\n  </div>\n</footer>"
    )


def skip_link(params: dict) -> Markup:
    """The NHS.UK skip link (`skipLink({...})`): on every page, first. Classes, ids and
    attributes are the macro's to draw, and are refused here."""
    _refuse_unknown(params, {"href", "text", "html"}, "This skip link takes href, text or html.")
    text = _text_or_html(params) or "Skip to main content"
    href = escape(params.get("href") or "#maincontent")
    # Every value in it is escaped above, or html the template marked safe.
    return Markup(  # noqa: S704 # nosec B704
        f'<a class="nhsuk-skip-link" data-module="nhsuk-skip-link" href="{href}">\n  {text}\n</a>'
    )


# --- Links, a button and a text input, as the busiest pages draw them ----------------------
#
# The wall, a pledge's page, a community's page and home draw a back link, an action
# link, a button or the wall's search box on every visit. Each of those macros costs
# 0.2–0.9 ms (a third of a community page's own rendering); written here they cost a few
# microseconds. Each takes only what those pages give it and refuses the rest, which
# stays the macro's to draw.

ARROW_RIGHT_CIRCLE = (
    "M12 2a10 10 0 0 0-10 9h11.7l-4-4a1 1 0 0 1 1.5-1.4l5.6 5.7a1 1 0 0 1 0 1.4l-5.6 5.7a1 1 0"
    " 0 1-1.5 0 1 1 0 0 1 0-1.4l4-4H2A10 10 0 1 0 12 2z"
)
BUTTON_VARIANTS = frozenset(
    {"brand", "login", "reverse", "secondary", "secondary-solid", "warning"}
)


def _attributes(given) -> str:
    """` name="value"` for each of `given` (a mapping of strings), values escaped."""
    if given is None:
        return ""
    if not isinstance(given, dict) or not all(isinstance(value, str) for value in given.values()):
        raise ValueError("Attributes here are names and text values.")
    return "".join(f' {escape(name)}="{escape(value)}"' for name, value in given.items())


def _refuse_link(params, message: str) -> None:
    """A link needs its href: without one the macro draws a button instead."""
    _refuse_unknown(params, {"href", "text", "html"}, message)
    if not params.get("href"):
        raise ValueError(message)


def _indented(text: str) -> str:
    """Jinja's `indent(2)`: every line after the first two spaces in, blank lines left."""
    lines = (text + "\n").splitlines()
    return "\n".join([lines[0], *(f"  {line}" if line else line for line in lines[1:])])


def inset_text(params: dict) -> Markup:
    """The NHS.UK inset text (`insetText({...})`) with its text and the words a screen
    reader says first (`visuallyHiddenText`, "Information" when none): a pledge's page
    says in one where the pledge stands."""
    _refuse_unknown(params, {"text", "visuallyHiddenText"}, "This inset text takes text.")
    if not params.get("text"):
        raise ValueError("This inset text takes text.")
    hidden = escape(params.get("visuallyHiddenText") or "Information")
    text = _indented(str(escape(params["text"])).strip())
    # Every value in it is escaped above.
    return Markup(  # noqa: S704 # nosec B704
        '<div class="nhsuk-inset-text"\n  >\n'
        f'  <span class="nhsuk-u-visually-hidden">{hidden}: </span>\n\n'
        f"  <p>{text}</p>\n\n</div>"
    )


def back_link(params: dict) -> Markup:
    """The NHS.UK back link (`backLink({...})`) as a link: its href and text or html."""
    _refuse_link(params, "This back link takes an href, and text or html.")
    text = _text_or_html(params) or "Back"
    href = escape(params["href"])
    # Every value in it is escaped above, or html the template marked safe.
    return Markup(f'<a class="nhsuk-back-link" href="{href}">\n  {text}\n</a>')  # noqa: S704 # nosec B704


def action_link(params: dict) -> Markup:
    """The NHS.UK action link (`actionLink({...})`): its href and text or html."""
    _refuse_link(params, "This action link takes an href, and text or html.")
    text = _text_or_html(params)
    href = escape(params["href"])
    # Every value in it is escaped above, or html the template marked safe.
    return Markup(  # noqa: S704 # nosec B704
        f'<a class="nhsuk-action-link" href="{href}">\n'
        '  <svg class="nhsuk-icon nhsuk-icon--arrow-right-circle" '
        'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16" '
        f'focusable="false" aria-hidden="true">\n    <path d="{ARROW_RIGHT_CIRCLE}"/>\n  </svg>\n'
        f'  <span class="nhsuk-action-link__text">\n    {text}\n  </span>\n</a>'
    )


def button(params: dict) -> Markup:
    """The NHS.UK button (`button({...})`) as a form's submit button: its text or html,
    a variant, classes and attributes. Links drawn as buttons and icons are the macro's."""
    _refuse_unknown(
        params,
        {"text", "html", "variant", "classes", "attributes"},
        "This button takes text or html, a variant, classes and attributes.",
    )
    variant, extra = params.get("variant"), params.get("classes") or ""
    classes = "nhsuk-button"
    if variant in BUTTON_VARIANTS and not any(
        f"nhsuk-button--{known}" in extra for known in BUTTON_VARIANTS
    ):
        classes += f" nhsuk-button--{variant}"
    if extra:
        classes += f" {extra}"
    attributes = _attributes(params.get("attributes"))
    # Every value in it is escaped here, or html the template marked safe.
    return Markup(  # noqa: S704 # nosec B704
        f'<button class="{escape(classes)}" data-module="nhsuk-button" type="submit"'
        f"{attributes}>\n  {_text_or_html(params)}\n</button>\n"
    )


def text_input(params: dict) -> Markup:
    """The NHS.UK text input (`input({...})`) with its label, as the wall's search box
    draws it: an id, a name, a type, a label's text and classes, a value and attributes.
    Hints, errors, prefixes and suffixes are the macro's to draw."""
    _refuse_unknown(
        params,
        {"id", "name", "type", "label", "value", "attributes"},
        "This input takes an id, name, type, label, value and attributes.",
    )
    label = params.get("label") or {}
    _refuse_unknown(label, {"text", "classes"}, "This input's label takes text and classes.")
    input_id = escape(params.get("id") or params.get("name") or "")
    label_classes = "nhsuk-label" + (f" {escape(label['classes'])}" if label.get("classes") else "")
    value = params.get("value")
    value_html = f' value="{escape(value)}"' if value is not None else ""
    attributes = _attributes(params.get("attributes"))
    # Every value in it is escaped above or here.
    return Markup(  # noqa: S704 # nosec B704
        '<div class="nhsuk-form-group">\n'
        f'  <label class="{label_classes}" for="{input_id}">\n'
        f"    {escape(str(label.get('text') or '').strip())}\n  </label>\n"
        f'  <input class="nhsuk-input" id="{input_id}" name="{escape(params.get("name") or "")}" '
        f'type="{escape(params.get("type") or "text")}"{value_html}{attributes}>\n</div>'
    )
