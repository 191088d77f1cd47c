"""The Jinja2 environment: NHS.UK components from nhsuk-frontend-jinja plus Django helpers."""

import jinja2
from django.conf import settings
from django.contrib.humanize.templatetags import humanize
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    pass_eval_context,
)
from markupsafe import Markup

from communities.moderation import flag_url
from kernel import components, formats, i18n, paths, rendering, written
from kernel.formats import date, pluralize
from kernel.markdown import render_markdown
from members.permissions import hides_identity_from
from pledges import cards
from stories import cards as story_cards


# The template's words, as Jinja's own new-style gettext callables give them (the
# message translated, marked safe where the template escapes, then formatted with the
# values given by name, escaped), called straight from the template: Jinja's own go
# through `_` to `gettext` to the catalogue, three calls where one does, and a page
# writes fifty words and more. tests/radicals/test_jinja_gettext.py holds them to Jinja's.
def _formatted(eval_ctx, text: str, variables: dict):
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 # nosec B704 - a catalogue's msgstr, ours
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_gettext(eval_ctx, message: str, /, **variables):
    return _formatted(eval_ctx, rendering.gettext(message), variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, number, /, **variables):
    variables.setdefault("num", number)
    return _formatted(eval_ctx, rendering.ngettext(singular, plural, number), variables)


@pass_eval_context
def template_pgettext(eval_ctx, context: str, message: str, /, **variables):
    variables.setdefault("context", context)
    return _formatted(eval_ctx, translation.pgettext(context, message), variables)


@pass_eval_context
def template_npgettext(eval_ctx, context: str, singular: str, plural: str, number, /, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", number)
    return _formatted(eval_ctx, translation.npgettext(context, singular, plural, number), variables)


def url(name: str, *args, **kwargs) -> str:
    if kwargs:
        return reverse(name, args=args or None, kwargs=kwargs)
    return paths.path(name, *args)


def csrf_token(request) -> str:
    """`django.middleware.csrf.get_token(request)`, masked once a request.

    Django masks the CSRF secret afresh on every call (a random string and a pass over
    it, some 50 µs), and a page asked once for each form: the header's "Log out", a
    join button, a list of thanks buttons. One masked token a response is what keeps
    the secret from being read out of compressed pages (BREACH), so the first is kept
    on the request and given to every form; a new secret (a sign-in rotates it) is
    masked afresh."""
    secret = request.META.get("CSRF_COOKIE")
    kept = getattr(request, "_radicals_csrf_token", None)
    if kept is not None and secret is not None and kept[0] == secret:
        return kept[1]
    token = get_token(request)
    request._radicals_csrf_token = (request.META.get("CSRF_COOKIE"), token)
    return token


def csrf_hidden(request) -> SafeString:
    """The form's hidden CSRF field (`{{ csrf_input }}`), with the request's one token."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token(request)
    )


def field_kind(bound_field) -> str:
    """Which NHS.UK component renders a Django form field."""
    from django import forms

    widget = bound_field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    # CheckboxSelectMultiple subclasses RadioSelect, so it is asked about first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    return "input"


def hint_for(text) -> dict | None:
    """NHS.UK hint parameters for a field's help text. As in Django's own form rendering,
    help text is written by developers and may hold HTML (the password rules list)."""
    if not text:
        return None
    # Help text is written by developers, never by members.
    return {"html": Markup(str(text))}  # noqa: S704 # nosec B704


def widget_attrs(bound_field, extra: dict) -> dict:
    """The widget's attributes minus placeholders (NHS.UK guidance: labels and hints, not
    placeholders) and those the components set themselves."""
    attrs = {**bound_field.field.widget.attrs, **extra}
    for name in ("placeholder", "class", "id", "name", "type", "value"):
        attrs.pop(name, None)
    return attrs


def field_errors(bound_field) -> str:
    return " ".join(str(e) for e in bound_field.errors)


class Template(jinja2.Template):
    """A template whose render looks up the language's catalogue, the URL configuration
    and the script prefix once, for all its words and addresses (kernel.rendering)."""

    def render(self, *args, **kwargs) -> str:
        with rendering.scope():
            return super().render(*args, **kwargs)


class Environment(jinja2.Environment):
    """Jinja's environment, whose templates hold their globals in one dict.

    Jinja gives each template a ChainMap of its own globals over the environment's
    (sixty and more here), and every context a page makes (the page's, each include's,
    each macro import's) copies or walks that ChainMap key by key in Python: about
    10 µs a context, eleven a page. As one dict the same copies and walks run in C.
    Jinja's own contract allows it: the environment's globals may be changed only
    until a template is loaded, and they are all set in `environment()` below.
    tests/radicals/test_jinja_globals.py holds pages to what Jinja's own environment
    renders."""

    template_class = Template

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def environment(**options) -> Environment:
    # Django passes a loader for TEMPLATES["DIRS"]; NHS.UK components come after it.
    project_loader = options.pop("loader", None) or FileSystemLoader(
        [str(d) for d in settings.TEMPLATES[0]["DIRS"]]
    )
    options.pop("undefined", None)
    env = Environment(  # noqa: S701 - autoescape is switched on below
        loader=ChoiceLoader([project_loader, PackageLoader("nhsuk_frontend_jinja")]),
        undefined=ChainableUndefined,
        autoescape=True,
        extensions=[
            "jinja2.ext.do",
            "jinja2.ext.loopcontrols",
            "jinja2.ext.i18n",
        ],
        **{k: v for k, v in options.items() if k != "autoescape"},
    )
    # `{{ _("…") }}`, `{% trans %}…{% endtrans %}`: Django's catalogues, with
    # new-style gettext (arguments by name, escaped; a literal % is written %%).
    env.install_gettext_translations(translation, newstyle=True)
    env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals.update(
        get_language=translation.get_language,
        html_lang=i18n.html_lang,
        language_links=i18n.language_links,
        language_alternates=i18n.alternates,
        lang_of=written.lang_attribute,
        own_words=written.own_words,
        url=url,
        static=paths.static_path,
        csrf_hidden=csrf_hidden,
        flag_url=flag_url,
        hides_identity_from=hides_identity_from,
        field_kind=field_kind,
        field_errors=field_errors,
        hint_for=hint_for,
        filter_select=components.filter_select,
        nhsuk_tag=components.tag,
        nhsuk_summary_list=components.summary_list,
        nhsuk_header=components.header,
        nhsuk_footer=components.footer,
        nhsuk_skip_link=components.skip_link,
        nhsuk_pagination=components.pagination,
        nhsuk_back_link=components.back_link,
        nhsuk_inset_text=components.inset_text,
        nhsuk_action_link=components.action_link,
        nhsuk_button=components.button,
        nhsuk_text_input=components.text_input,
        pledge_card=cards.pledge_card,
        pledge_status_tag=cards.status_tag,
        moderation_tag=cards.moderation_tag,
        signer_summary=cards.signer_summary,
        story_list=story_cards.story_list,
        story_byline=story_cards.byline,
        story_status_tag=story_cards.status_tag,
        widget_attrs=widget_attrs,
        now=timezone.now,
        settings_debug=settings.DEBUG,
    )
    env.filters.update(
        markdown=render_markdown,
        date=date,
        intcomma=formats.intcomma,
        naturaltime=humanize.naturaltime,
        naturalday=humanize.naturalday,
        pluralize=pluralize,
    )
    return env
