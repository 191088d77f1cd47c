"""The wall's filter selects write the NHS.UK select component's markup themselves
(`kernel.components.filter_select`): held here to what the component's own macro writes
for the same choices."""

import re

import pytest
from django.template import engines
from markupsafe import Markup

from kernel.components import (
    action_link,
    back_link,
    button,
    draw_options,
    filter_select,
    footer,
    header,
    inset_text,
    pagination,
    skip_link,
    summary_list,
    tag,
    text_input,
)

COMPONENT = (
    '{% from "nhsuk/components/select/macro.jinja" import select %}'
    '{% set items = [{"value": "", "text": empty}] %}'
    "{% for option_value, option_text in options %}"
    '{% do items.append({"value": option_value, "text": option_text, '
    '"selected": value == option_value}) %}{% endfor %}'
    '{{ select({"id": "filter-" ~ name, "name": name, '
    '"label": {"text": label, "classes": "nhsuk-label--s"}, '
    '"items": items, "classes": "radicals-filter-select"}) }}'
)


def _normalised(html: str) -> str:
    """Without the whitespace HTML ignores: between tags and before a tag's end."""
    html = re.sub(r">\s+<", "><", str(html).strip())
    html = re.sub(r"\s+>", ">", html)
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize(
    "options, value",
    [
        ([("active", "Active"), ("completed", "Completed")], "completed"),
        ([("active", "Active"), ("completed", "Completed")], ""),
        ([("active", "Active")], None),
        ([("a-b", "Tom & Jerry's <ward>"), ('x"y', 'Quote " here')], 'x"y'),
        ([(f"org-{n}", f"Organisation {n}") for n in range(300)], "org-150"),
        ([("active", "Active")], "made-up"),
        ([], "anything"),
        ([(1, "One"), (2, 2)], 2),
        ([("nul\0value", "a NUL\0<here>"), ("b", "B")], "b"),
    ],
)
@pytest.mark.parametrize("drawn", [False, True])
def test_the_filter_select_writes_the_components_markup(options, value, drawn):
    context = {"name": "community", "label": "Community & ward", "options": options}
    context.update(value=value, empty="Any community")
    theirs = engines["jinja2"].from_string(COMPONENT).render(context)
    given = draw_options(options) if drawn else options

    ours = filter_select(context["name"], context["label"], given, value, context["empty"])

    assert _normalised(ours) == _normalised(theirs)
    assert ours == filter_select(
        context["name"], context["label"], options, value, context["empty"]
    )


def test_options_drawn_once_are_the_same_for_every_choice_and_keep_through_pickling():
    import pickle

    options = [(f"org-{n}", f"Organisation {n} & co") for n in range(20)]
    drawn = pickle.loads(pickle.dumps(draw_options(options)))  # noqa: S301 # nosec B301 - ours

    for value in ("org-3", "org-19", "nothing", "", None):
        assert filter_select("o", "O", drawn, value, "Any") == filter_select(
            "o", "O", options, value, "Any"
        )
    assert filter_select("o", "O", drawn, "org-3", "Any").count(" selected") == 1


def test_options_are_escaped_and_the_value_is_chosen():
    html = filter_select("theme", "Theme", [("a", "<b>"), ("b", "B")], "b", "Any theme")

    assert '<option value="a">&lt;b&gt;</option>' in html
    assert '<option value="b" selected>B</option>' in html
    assert html.count("selected") == 1


def test_a_value_that_is_not_a_choice_chooses_nothing():
    assert "selected" not in filter_select("theme", "Theme", [("a", "A")], "zzz", "Any")


TAG = (
    '{% from "nhsuk/components/tag/macro.jinja" import tag %}'
    '{{ tag({"text": text, "colour": colour}) }}'
)


@pytest.mark.parametrize(
    ("text", "colour"),
    [
        ("Active", "blue"),
        ("Waiting for approval", "orange"),
        ("Tom & Jerry's <ward>", "aqua-green"),
        ("  spaced  ", "grey"),
        ("No colour given", None),
        ("A colour the component does not have", "mauve"),
    ],
)
def test_the_tag_writes_the_components_markup(text, colour):
    theirs = engines["jinja2"].from_string(TAG).render({"text": text, "colour": colour})

    assert _normalised(tag(text, colour)) == _normalised(theirs)


SUMMARY_LIST = (
    '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
    "{{ summaryList(params) }}"
)
LINK = Markup('<a href="/pledges/?theme=walking">Walking &amp; <em>moving</em></a>')


@pytest.mark.parametrize(
    "params",
    [
        {"rows": [{"key": {"text": "Made by"}, "value": {"text": "Alice <Ward 7>"}}]},
        {
            "rows": [
                {"key": {"text": "Theme"}, "value": {"html": LINK}},
                {"key": {"text": "Due by"}, "value": {"text": "4 December 2026"}},
                {"key": {"html": Markup("<span lang='cy'>Thema</span>")}, "value": {"text": "x"}},
            ],
            "classes": "nhsuk-u-margin-bottom-0",
        },
        {
            "rows": [
                {
                    "key": {"text": "Organisers"},
                    "value": {"html": Markup("<ul>\n<li>A</li>\n</ul>")},
                }
            ]
        },
        {"rows": []},
    ],
)
def test_the_summary_list_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(SUMMARY_LIST).render({"params": params})

    assert _normalised(summary_list(params)) == _normalised(theirs)


@pytest.mark.parametrize(
    "params",
    [
        {"rows": [{"key": {"text": "A"}, "value": {"text": "B"}, "actions": {"items": []}}]},
        {"rows": [], "card": {"title": {"text": "Card"}}},
        {"rows": [{"key": "A", "value": {"text": "B"}}]},
    ],
)
def test_the_summary_list_refuses_what_only_the_component_draws(params):
    with pytest.raises(ValueError, match="summary list"):
        summary_list(params)


HEADER = '{% from "nhsuk/components/header/macro.jinja" import header %}{{ header(params) }}'
NAVIGATION = {
    "items": [
        {"text": "Pledges", "href": "/pledges/", "current": True},
        {"text": "Communities", "href": "/communities/", "current": False},
        {"text": "Moderation (3)", "href": "/moderation/", "active": True},
        {"text": "Plain & <text>", "current": False},
    ],
    "ariaLabel": "Menu",
    "toggleMenuVisuallyHiddenText": "Browse",
    "toggleMenuText": "More",
}
SIGNED_IN = [
    {"href": "/members/7/", "text": "Alice O'Brien & <co>", "icon": True},
    {
        "href": "/notifications/",
        "html": Markup('Notifications<span class="radicals-count">3</span>'),
    },
    {"href": "/members/7/edit/", "text": "Settings"},
    {
        "html": Markup(
            '<form action="/accounts/logout/" method="post"><button>Log out</button></form>'
        )
    },
]
VISITOR = [
    {"href": "/accounts/login/", "text": "Log in", "icon": True},
    {"href": "/accounts/signup/", "text": "Create an account"},
]


@pytest.mark.parametrize(
    "params",
    [
        {
            "service": {"text": "Radicals", "href": "/"},
            "logo": {"ariaLabel": "NHS Radicals home page"},
            "account": {"items": SIGNED_IN, "ariaLabel": "Account"},
            "navigation": NAVIGATION,
        },
        {
            "service": {"text": "Radicals", "href": "/"},
            "logo": {"ariaLabel": "Tudalen hafan GIG Radicals"},
            "account": {"items": VISITOR, "ariaLabel": "Cyfrif"},
            "navigation": {**NAVIGATION, "items": NAVIGATION["items"][:2]},
        },
        {"service": {"text": "Radicals", "href": "/"}, "logo": {"ariaLabel": "Home"}},
        {"service": {"text": "Radicals", "href": "/"}, "navigation": {"items": []}},
    ],
)
def test_the_header_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(HEADER).render({"params": params})

    assert _normalised(header(params)) == _normalised(theirs)


@pytest.mark.parametrize(
    "params",
    [
        {"service": {"text": "Radicals", "href": "/"}, "search": {"action": "/search/"}},
        {"service": {"text": "Radicals", "href": "/"}, "organisation": {"name": "Trust"}},
        {"service": {"text": "Radicals"}},
        {
            "service": {"text": "Radicals", "href": "/"},
            "account": {"items": [{"action": "/logout/", "text": "Log out"}]},
        },
    ],
)
def test_the_header_refuses_what_only_the_component_draws(params):
    with pytest.raises(ValueError, match="header"):
        header(params)


PAGINATION = (
    '{% from "nhsuk/components/pagination/macro.jinja" import pagination %}{{ pagination(params) }}'
)
PREVIOUS_HTML = Markup('Previous<span class="nhsuk-u-visually-hidden"> page</span>')


@pytest.mark.parametrize(
    "params",
    [
        {
            "previous": {"href": "/pledges/?q=tea&page=1", "html": PREVIOUS_HTML},
            "next": {"href": "/pledges/?q=tea&page=3", "html": Markup("Next")},
            "ariaLabel": "Pledge pages",
        },
        {"previous": {"href": None, "html": PREVIOUS_HTML}, "next": {"href": "?page=2"}},
        {"previous": {"href": "?page=1", "text": "Previous <page>"}, "next": None},
        {"previous": None, "next": None, "ariaLabel": "Tudalennau"},
    ],
)
def test_the_pagination_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(PAGINATION).render({"params": params})

    assert _normalised(pagination(params)) == _normalised(theirs)


@pytest.mark.parametrize(
    "params",
    [
        {"items": [{"number": 1, "href": "?page=1"}]},
        {"previous": {"href": "?page=1", "label": "Older stories"}},
        {"previous": "?page=1"},
    ],
)
def test_the_pagination_refuses_what_only_the_component_draws(params):
    with pytest.raises(ValueError, match="previous"):
        pagination(params)


FOOTER = '{% from "nhsuk/components/footer/macro.jinja" import footer %}{{ footer(params) }}'


@pytest.mark.parametrize(
    "params",
    [
        {
            "navigation": [
                {
                    "items": [
                        {"href": "/", "text": "About Radicals"},
                        {"href": "/accessibility/", "text": "Accessibility & you"},
                        {"href": "/api/docs/", "html": Markup("API <abbr>docs</abbr>")},
                    ]
                }
            ],
            "copyright": {"text": "Radicals, open source under the MIT licence"},
        },
        {"copyright": {"html": Markup("<p>© <strong>Radicals</strong></p>")}},
        {"navigation": [{"items": []}]},
        {},
    ],
)
def test_the_footer_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(FOOTER).render({"params": params})

    assert _normalised(footer(params)) == _normalised(theirs)


@pytest.mark.parametrize(
    "params",
    [
        {"navigation": [{"items": []}, {"items": []}]},
        {"navigation": [{"heading": "More", "items": []}]},
        {"meta": {"items": [{"href": "/", "text": "Home"}]}},
        {"copyright": "Radicals"},
    ],
)
def test_the_footer_refuses_what_only_the_component_draws(params):
    with pytest.raises(ValueError, match="footer"):
        footer(params)


SKIP_LINK = (
    '{% from "nhsuk/components/skip-link/macro.jinja" import skipLink %}{{ skipLink(params) }}'
)


@pytest.mark.parametrize(
    "params",
    [
        {"href": "#maincontent", "text": "Skip to main content"},
        {"href": "#main", "text": "Neidio i’r prif gynnwys & <mwy>"},
        {"html": Markup("Skip <em>now</em>")},
        {},
    ],
)
def test_the_skip_link_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(SKIP_LINK).render({"params": params})

    assert _normalised(skip_link(params)) == _normalised(theirs)


def test_the_skip_link_refuses_what_only_the_component_draws():
    with pytest.raises(ValueError, match="skip link"):
        skip_link({"href": "#main", "classes": "extra"})


MACROS = {
    "back link": ("back-link", "backLink", back_link),
    "action link": ("action-link", "actionLink", action_link),
    "button": ("button", "button", button),
    "input": ("input", "input", text_input),
}


def _theirs(component: str, params: dict) -> str:
    folder, name, _ours = MACROS[component]
    source = (
        f'{{% from "nhsuk/components/{folder}/macro.jinja" import {name} as component %}}'
        "{{ component(params) }}"
    )
    return engines["jinja2"].from_string(source).render({"params": params})


LINKS = [
    {"href": "/pledges/", "text": "All pledges"},
    {"href": "/pledges/7/?a=1&b=2", "text": "Yn ôl i’r <addewid> & mwy"},
    {"href": "/x", "html": Markup("Back to <em>the pledge</em>")},
    {"href": "#top", "text": "Top"},
]


@pytest.mark.parametrize("component", ["back link", "action link"])
@pytest.mark.parametrize("params", LINKS)
def test_the_links_write_the_components_markup(component, params):
    ours = MACROS[component][2]
    assert _normalised(ours(params)) == _normalised(_theirs(component, params))


def test_a_back_link_with_no_text_says_back():
    assert _normalised(back_link({"href": "/"})) == _normalised(_theirs("back link", {"href": "/"}))


@pytest.mark.parametrize(
    "params",
    [
        {"text": "Show pledges", "variant": "secondary"},
        {"text": "I’ll do it too", "attributes": {"id": "sign-button"}},
        {
            "text": "Remove my signature",
            "variant": "secondary",
            "attributes": {"id": "sign-button"},
        },
        {"text": "Join <Leeds> & “Bradford”"},
        {"html": Markup("Join <span>now</span>")},
        {"text": "Odd", "variant": "not-a-variant"},
        {"text": "Post a check-in", "classes": "nhsuk-button--secondary"},
        {"text": "Save", "classes": ""},
        {"text": "Stop", "classes": "nhsuk-button--secondary nhsuk-button--small"},
        {"text": "Both", "variant": "warning", "classes": "nhsuk-button--secondary"},
        {"text": "Both", "variant": "warning", "classes": "radicals-wide"},
        {"text": "Warn", "variant": "warning", "attributes": {"data-x": 'a"b'}},
    ],
)
def test_the_button_writes_the_components_markup(params):
    assert _normalised(button(params)) == _normalised(_theirs("button", params))


SEARCH = {
    "id": "filter-q",
    "name": "q",
    "type": "search",
    "label": {"text": "Search", "classes": "nhsuk-label--s"},
    "attributes": {"maxlength": "200"},
}


@pytest.mark.parametrize(
    "params",
    [
        {**SEARCH, "value": "walking"},
        {**SEARCH, "value": '"quoted" <b>& more'},
        {**SEARCH, "value": ""},
        {**SEARCH, "value": None},
        {"id": "name", "name": "name", "label": {"text": "Your name"}},
        {"id": "chwilio", "name": "q", "label": {"text": "Chwilio ’r wal"}, "value": "cerdded"},
    ],
)
def test_the_text_input_writes_the_components_markup(params):
    assert _normalised(text_input(params)) == _normalised(_theirs("input", params))


@pytest.mark.parametrize(
    "ours, params, match",
    [
        (back_link, {"href": "/", "classes": "x"}, "back link"),
        (action_link, {"href": "/", "openInNewWindow": True}, "action link"),
        (back_link, {"text": "Nowhere"}, "back link"),
        (action_link, {"href": "", "text": "Nowhere"}, "action link"),
        (button, {"text": "Go", "href": "/x"}, "button"),
        (button, {"text": "Go", "attributes": {"disabled": True}}, "Attributes"),
        (text_input, {"name": "q", "hint": {"text": "Words"}}, "input"),
        (text_input, {"name": "q", "label": {"text": "Q", "isPageHeading": True}}, "label"),
        (text_input, {"name": "q", "errorMessage": {"text": "Wrong"}}, "input"),
    ],
)
def test_each_refuses_what_only_the_component_draws(ours, params, match):
    with pytest.raises(ValueError, match=match):
        ours(params)


INSET_TEXT = (
    '{% from "nhsuk/components/inset-text/macro.jinja" import insetText %}{{ insetText(params) }}'
)


@pytest.mark.parametrize(
    "params",
    [
        {"visuallyHiddenText": "Information", "text": "This pledge was completed on 3 May."},
        {"text": "No hidden words given"},
        {"visuallyHiddenText": "", "text": "  spaced out  "},
        {"visuallyHiddenText": "Gwybodaeth", "text": "Tom & Jerry's <ward>\nsecond line\n\nfourth"},
        {"text": Markup("Already <strong>safe</strong> &amp; kept")},
    ],
)
def test_the_inset_text_writes_the_components_markup(params):
    theirs = engines["jinja2"].from_string(INSET_TEXT).render({"params": params})

    assert inset_text(params) == theirs


@pytest.mark.parametrize(
    "params", [{}, {"text": ""}, {"html": "<p>x</p>"}, {"text": "x", "classes": "wide"}]
)
def test_the_inset_text_refuses_what_only_the_macro_draws(params):
    with pytest.raises(ValueError, match="takes text"):
        inset_text(params)
