"""Templates import macros as Jinja does (radicals.jinja2.Template): the same module,
kept when the importing page's globals add nothing, made afresh with the globals the
imported template lacks otherwise."""

import pytest
from django.template import engines
from jinja2 import DictLoader, Environment
from jinja2 import Template as JinjasTemplate

from radicals.jinja2 import Template

MACROS = (
    "{% macro hello(name) %}Hello {{ name }} from {{ site }}"
    "{% if extra is defined %}, {{ extra }}{% endif %}{% endmacro %}"
)
PAGE = '{% from "macros.jinja" import hello %}{{ hello(who) }}'


def _env(template_class) -> Environment:
    env = Environment(  # noqa: S701 - autoescape on, as the site's
        loader=DictLoader({"macros.jinja": MACROS, "page.jinja": PAGE}), autoescape=True
    )
    env.template_class = template_class
    env.globals["site"] = "Radicals"
    return env


@pytest.mark.parametrize("page_globals", [None, {"extra": "with <thanks>"}])
def test_a_page_importing_macros_renders_as_with_jinjas_template(page_globals):
    ours, jinjas = _env(Template), _env(JinjasTemplate)

    written = ours.get_template("page.jinja", globals=page_globals).render(who="Ann")

    assert written == jinjas.get_template("page.jinja", globals=page_globals).render(who="Ann")
    assert written == (
        "Hello Ann from Radicals, with &lt;thanks&gt;"
        if page_globals
        else "Hello Ann from Radicals"
    )


def test_with_nothing_missing_the_kept_module_is_given():
    env = _env(Template)
    imported = env.get_template("macros.jinja")
    context = env.get_template("page.jinja").new_context({"who": "Ann"})

    assert imported._get_default_module(context) is imported.module


def test_with_a_global_missing_a_module_of_its_own_is_made():
    env = _env(Template)
    imported = env.get_template("macros.jinja")
    context = env.get_template("page.jinja", globals={"extra": "x"}).new_context({})

    module = imported._get_default_module(context)

    assert module is not imported.module
    assert str(module.hello("Ann")) == "Hello Ann from Radicals, x"


def test_the_sites_templates_are_ours():
    assert engines["jinja2"].env.template_class is Template
