"""`{% cache "name", vary… %}…{% endcache %}`: a rendered piece of a template kept in the
cache (Redis) and shared by every request whose `vary` values (and language) are the
same, for the seconds `FRAGMENTS` gives the name.

For parts of a page that cost far more to render than to fetch and that do not depend on
who is looking. A fragment must not hold anything personal or a CSRF token.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from kernel.caching import keys, stats, switch

# name -> seconds kept. Dropped only when the seconds run out.
FRAGMENTS: dict[str, int] = {
    # The wall's filter form: a select of every theme, campaign, community, organisation
    # and region, for the values in the address (the choices are a data cache as long).
    "pledges:wall-filters": 120,
}


class FragmentCacheExtension(Extension):
    tags = {"cache"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(
            self.call_method("_cached", [nodes.List(args)]), [], [], body
        ).set_lineno(lineno)

    def _cached(self, args: list, caller) -> Markup:
        from django.core.cache import cache

        name, *vary = args
        seconds = FRAGMENTS[name]  # a fragment not named in the contract is an error
        if seconds <= 0 or switch.bypassed():
            return Markup(caller())  # noqa: S704 # nosec B704 - the template's own output
        key = keys.key("fragment", name, *vary)
        html = cache.get(key)
        stats.count("fragment", hit=html is not None)
        if html is None:
            html = str(caller())
            cache.set(key, html, seconds)
        # Rendered (and escaped) by the template itself before it was stored.
        return Markup(html)  # noqa: S704 # nosec B704
