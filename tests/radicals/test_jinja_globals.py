"""The site's templates hold their globals in one dict (radicals.jinja2.Environment),
and render as Jinja's own environment renders them: macros imported with and without
globals of the page's own, includes, and globals given to one template only."""

import pytest
from django.template import engines
from jinja2 import DictLoader
from jinja2 import Environment as JinjasEnvironment

from radicals.jinja2 import Environment

MACROS = (
    "{% macro hello(name) %}Hello {{ name }} from {{ site }}"
    "{% if extra is defined %}, {{ extra }}{% endif %}{% endmacro %}"
)
TEMPLATES = {
    "macros.jinja": MACROS,
    "page.jinja": '{% from "macros.jinja" import hello %}{{ hello(who) }}',
    "outer.jinja": '{{ site }}: {% include "inner.jinja" %}',
    "inner.jinja": "{{ who }} in {{ site }}{% if extra is defined %} ({{ extra }}){% endif %}",
}


def _env(environment_class):
    env = environment_class(  # noqa: S701 - autoescape on, as the site's
        loader=DictLoader(TEMPLATES), autoescape=True
    )
    env.globals["site"] = "Radicals"
    return env


@pytest.mark.parametrize("page", ["page.jinja", "outer.jinja"])
@pytest.mark.parametrize("page_globals", [None, {"extra": "with <thanks>"}])
def test_a_page_renders_as_with_jinjas_environment(page, page_globals):
    ours, jinjas = _env(Environment), _env(JinjasEnvironment)

    written = ours.get_template(page, globals=page_globals).render(who="Ann")

    assert written == jinjas.get_template(page, globals=page_globals).render(who="Ann")
    assert "Ann" in written and "Radicals" in written
    assert ("with &lt;thanks&gt;" in written) is bool(page_globals)


def test_a_templates_globals_are_one_dict_with_its_own_over_the_environments():
    env = _env(Environment)

    template = env.get_template("page.jinja", globals={"site": "Ward 7", "extra": "x"})

    assert type(template.globals) is dict
    assert template.globals["site"] == "Ward 7" and template.globals["extra"] == "x"
    assert env.get_template("macros.jinja").globals["site"] == "Radicals"
    assert env.from_string("{{ site }}").render() == "Radicals"


def test_with_nothing_missing_an_import_is_given_the_kept_module():
    env = _env(Environment)
    imported = env.get_template("macros.jinja")
    context = env.get_template("page.jinja").new_context({"who": "Ann"})

    assert imported._get_default_module(context) is imported.module


def test_the_sites_templates_hold_their_globals_in_one_dict():
    env = engines["jinja2"].env

    assert isinstance(env, Environment)
    template = env.get_template("communities/detail.jinja")
    assert type(template.globals) is dict
    assert template.globals["url"] is env.globals["url"]
