"""The templates' gettext callables (radicals.jinja2.template_gettext and the rest)
write exactly what Jinja's own new-style callables write: every form of `_()` and
`{% trans %}`, escaped and not, with values, plurals, contexts and literal `%`, in
English and Welsh."""

import pytest
from django.template import engines
from django.utils import translation
from jinja2 import Environment

TEMPLATES = [
    '{{ _("Pledges") }}',
    '{{ _("Co-sign") }}|{{ _("No catalogue holds this") }}',
    '{{ _("100%% of them") }}',
    '{{ _("I will %(title)s", title="<b>walk</b>") }}',
    '{{ _("Hello %(name)s", name=name) }}',
    '{{ gettext("Pledges") }}',
    "{{ ngettext('%(num)s person has signed', '%(num)s people have signed', n) }}",
    "{{ ngettext('%(count)s person has signed', '%(count)s people have signed', n, count=name) }}",
    '{{ pgettext("notification", "New") }}',
    '{{ pgettext("notification", "New %(name)s", name=name) }}',
    '{{ npgettext("pledges", "%(num)s pledge", "%(num)s pledges", n) }}',
    "{% trans %}Pledges{% endtrans %}",
    "{% trans name=name %}Hello {{ name }}{% endtrans %}",
    "{% trans count=n %}{{ count }} pledge{% pluralize %}{{ count }} pledges{% endtrans %}",
    '{% autoescape false %}{{ _("I will %(title)s", title="<b>walk</b>") }}{% endautoescape %}',
    "{% autoescape false %}{{ ngettext('%(num)s item', '%(num)s items', n) }}{% endautoescape %}",
]


def _jinjas_own() -> Environment:
    ours = engines["jinja2"].env
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])  # noqa: S701
    env.install_gettext_translations(translation, newstyle=True)
    env.policies["ext.i18n.trimmed"] = ours.policies["ext.i18n.trimmed"]
    return env


@pytest.mark.parametrize("language", ["en-gb", "cy"])
@pytest.mark.parametrize("source", TEMPLATES)
@pytest.mark.parametrize("n", [0, 1, 2, 6])
def test_each_is_what_jinjas_own_callables_write(language, source, n):
    ours = engines["jinja2"].env.from_string(source)
    theirs = _jinjas_own().from_string(source)
    values = {"name": "<i>Sam & Co</i>", "n": n}
    with translation.override(language):
        assert ours.render(**values) == theirs.render(**values)


def test_the_templates_use_them():
    from radicals import jinja2

    env = engines["jinja2"].env
    assert env.globals["_"] is jinja2.template_gettext
    assert env.globals["ngettext"] is jinja2.template_ngettext
    with translation.override("cy"):
        assert env.from_string('{{ _("Pledges") }}').render() != "Pledges"
