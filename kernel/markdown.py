"""Markdown from members, rendered to HTML and cleaned by nh3 before it reaches a page."""

import re
import threading

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    """This thread's converter. Building one loads every extension, which cost several
    times more than converting a pledge's few paragraphs; `reset()` makes a kept one as
    good as new (a converter is not safe to share between threads)."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown_lib.Markdown(extensions=["extra", "sane_lists"])
    return converter.reset()


# Text that Markdown would only wrap in paragraphs: no character that starts a piece of
# Markdown syntax or HTML, and no line that could start a list, a heading, a code block
# or a hard line break. Most pledges, check-ins and comments are such plain sentences.
_PLAIN_CHARACTERS = re.compile(r"[^\W_]|[ .,;?'\"()\u2018\u2019\u201c\u201d/%\u00a3\n-]")
_PLAIN_LINE_START = re.compile(r"[^\W\d_]|[\"'\u2018\u201c(]")


def _plain_paragraphs(text: str) -> str | None:
    """The HTML Markdown makes of plain text, without running Markdown; None when the
    text holds anything Markdown might read as syntax."""
    if len(_PLAIN_CHARACTERS.sub("", text)):
        return None
    paragraphs = []
    for block in re.split(r"\n(?: *\n)+", text.strip("\n")):
        lines = block.split("\n")
        for line in lines:
            if not line or not _PLAIN_LINE_START.match(line) or line != line.rstrip():
                return None
        paragraphs.append(f"<p>{block}</p>")
    return "\n".join(paragraphs)


def render_markdown(text: str) -> Markup:
    plain = _plain_paragraphs(text or "")
    if plain is not None:
        # No character in it can open a tag or an entity (checked above): nothing to clean.
        return Markup(plain)  # noqa: S704 # nosec B704
    html = _converter().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Cleaned by nh3 just above.
    return Markup(clean)  # noqa: S704 # nosec B704
