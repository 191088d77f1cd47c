"""A pseudo-Welsh for tests: every string marked for translation comes out wrapped in
⟦…⟧, so English left outside the brackets on a rendered page was never marked.

    def test_it(pseudo_welsh, client):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="cy").content.decode()
        assert unmarked_english(html) == []
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

OPEN, CLOSE = "⟦", "⟧"

# Words that give English away; none of them is a Welsh word a page would show.
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "your",
        "you",
        "with",
        "this",
        "that",
        "for",
        "from",
        "have",
        "has",
        "are",
        "was",
        "were",
        "will",
        "not",
        "what",
        "when",
        "who",
        "how",
        "which",
        "there",
        "their",
        "they",
        "them",
        "our",
        "about",
        "more",
        "next",
        "previous",
        "back",
        "search",
        "filter",
        "sign",
        "signed",
        "pledge",
        "pledges",
        "story",
        "stories",
        "community",
        "communities",
        "member",
        "members",
        "learning",
        "module",
        "modules",
        "report",
        "reports",
        "notification",
        "notifications",
        "settings",
        "account",
        "log",
        "create",
        "join",
        "leave",
        "share",
        "edit",
        "delete",
        "save",
        "change",
        "send",
        "cancel",
        "continue",
        "view",
        "show",
        "hide",
        "page",
        "pages",
        "none",
        "yet",
        "all",
        "any",
        "some",
        "people",
        "everyone",
        "anyone",
        "newest",
        "oldest",
    ]
)
VISIBLE_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder", "value", "aria-description")


def write_catalogue(directory: Path) -> Path:
    """Compile the pseudo-Welsh catalogue of every marked string into
    `directory/cy/LC_MESSAGES/django.mo`, for LOCALE_PATHS."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from radicals import i18n

    catalog = Catalog(locale="cy", fuzzy=False)
    for owner in i18n.catalogue_owners():
        for message in i18n.extract(owner):
            if not message.id:
                continue
            if isinstance(message.id, tuple | list):
                plural = tuple(f"{OPEN}{message.id[i > 0]}{CLOSE}" for i in range(6))
                catalog.add(message.id, plural, context=message.context)
            else:
                catalog.add(message.id, f"{OPEN}{message.id}{CLOSE}", context=message.context)
    target = directory / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "django.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return directory


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def unmarked_english(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """Stretches of a page's visible text that hold English words outside ⟦…⟧.
    `allowed`: text the test put there itself (members' own words, names)."""
    text = visible_text(html)
    for words in allowed:
        text = text.replace(words, " ")
    # Innermost first: a translated sentence may hold another (a pledge's "I will …").
    innermost = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while innermost.search(text):
        text = innermost.sub(" ", text)
    found = []
    for line in text.splitlines():
        # Letters glued to digits are a token's (a CSRF or export token), not a word.
        words = {
            word.lower() for word in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])", line)
        }
        if words & ENGLISH_WORDS:
            found.append(line.strip())
    return found
