"""`{% memo key %}…{% endmemo %}`: a rendered piece of a template remembered, in this
process, under a key made of everything the piece depends on.

Unlike a cache in Redis that expires after some seconds, a memo never goes stale,
because its key holds every value the piece reads: the page header is remembered under
the member's id and name, their unread count and the navigation. When any of them
changes the key changes, and the old entry ages out of a bounded least-recently-used
store. This is for small pieces drawn on every page (the header, the sign buttons),
where rendering the NHS.UK macros costs far more than building the key.
Pieces drawn many times over a page with values of their own (a pledge's card), the
footer and the skip link are written in Python instead (pledges/cards.py,
kernel/components.py), which is cheaper than any key.

Each memo's key starts with one of the names in `MEMOS` (`("header", member.pk,
…)`), so two memos never share an entry, and the active language is always part of the
key. A memo must not hold a CSRF token (put `CSRF_SENTINEL` where it goes and wrap the
memo in the `csrf_fill` filter) or anything its key does not name.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from kernel.caching import keys, stats, switch

MAX_ENTRIES = 20_000
CSRF_SENTINEL = Markup("<!--radicals:csrf-field-->")

# Every memo's name, with what its key must hold besides.
MEMOS: dict[str, str] = {
    "header": "the member's id and name, their unread count, the navigation",
    "sign_button": "nothing: the button is the same for everyone",
    "unsign_button": "nothing: the button is the same for everyone",
}


class MemoStore:
    """A bounded, thread-safe least-recently-used map."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


STORE = MemoStore()


def enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "TEMPLATE_MEMO", True)) and not switch.bypassed()


class MemoExtension(Extension):
    tags = {"memo"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_memo", [key]), [], [], body).set_lineno(lineno)

    def _memo(self, key, caller) -> Markup:
        if key[0] not in MEMOS:
            raise KeyError(f"{key[0]!r} is not a memo named in kernel.caching.memo.MEMOS")
        if not enabled():
            return Markup(caller())  # noqa: S704 # nosec B704 - the template's own output
        key = (keys.language(), *key)
        html = STORE.get(key)
        stats.count("memo", hit=html is not None)
        if html is None:
            html = str(caller())
            STORE.set(key, html)
        # Rendered (and escaped) by the template itself before it was stored.
        return Markup(html)  # noqa: S704 # nosec B704


def csrf_fill(html, request) -> Markup:
    """Put this request's CSRF field where a memo left `CSRF_SENTINEL`."""
    from django.middleware.csrf import get_token

    text = str(html)
    if CSRF_SENTINEL not in text:
        return Markup(text)  # noqa: S704 # nosec B704 - already-rendered template output
    field = Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(
        get_token(request)
    )
    return Markup(text.replace(CSRF_SENTINEL, str(field)))  # noqa: S704 # nosec B704
