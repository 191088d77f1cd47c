"""`{% cache seconds, "name", vary… %}…{% endcache %}`: a rendered piece of a template kept
in the cache (Redis) and shared by every request whose `vary` values are the same.

For parts of a page that cost far more to render than to fetch and that do not depend on
who is looking (the wall's filter form, with a select of every organisation and
community, say). A fragment must not hold anything personal or a CSRF token.
"""

from __future__ import annotations

import hashlib

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

KEY_PREFIX = "fragment:"


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

        seconds, *vary = args
        if not seconds or seconds <= 0:
            return Markup(caller())  # noqa: S704 # nosec B704 - the template's own output
        key = KEY_PREFIX + hashlib.sha256(repr(vary).encode()).hexdigest()
        html = cache.get(key)
        if html is None:
            html = str(caller())
            cache.set(key, html, seconds)
        # Rendered (and escaped) by the template itself before it was stored.
        return Markup(html)  # noqa: S704 # nosec B704
