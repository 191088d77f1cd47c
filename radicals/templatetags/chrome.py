"""Django-template tags that render the Jinja page chrome, so allauth and admin pages
share one source for the header, footer, messages and NHS.UK form fields."""

from django import template
from django.template import engines
from markupsafe import Markup

register = template.Library()

PARTIALS = {
    "head": "layouts/_head.jinja",
    "alternates": "layouts/_alternates.jinja",
    "body_start": "layouts/_body_start.jinja",
    "header": "layouts/_header.jinja",
    "messages": "layouts/_messages.jinja",
    "footer": "layouts/_footer.jinja",
}


def _render(name: str, context: template.Context, extra: dict | None = None) -> str:
    request = context.get("request")
    jinja = engines["jinja2"]
    # Jinja's autoescaping has already escaped every value in the rendered partial.
    html = jinja.get_template(name).render(extra or {}, request=request)
    return Markup(html)  # noqa: S704 # nosec B704


@register.simple_tag(takes_context=True)
def chrome(context, part: str, **options):
    return _render(PARTIALS[part], context, options)


@register.simple_tag(takes_context=True)
def nhs_form_fields(context, form):
    return _render("macros/_form_fields.jinja", context, {"form": form})


@register.simple_tag
def html_lang() -> str:
    """The page's `lang` attribute for the language it is served in."""
    from kernel.i18n import html_lang as lang_of

    return lang_of()
