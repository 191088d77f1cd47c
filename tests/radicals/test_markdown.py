"""Members' Markdown: plain sentences take a quick path that must give exactly what
Markdown and the sanitiser would."""

import markdown as markdown_lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel import markdown
from kernel.markdown import render_markdown


def full_render(text: str) -> str:
    """What the page showed before the quick path: Markdown, then nh3."""
    plain = markdown._plain_paragraphs
    try:
        markdown._plain_paragraphs = lambda text: None
        return str(render_markdown(text))
    finally:
        markdown._plain_paragraphs = plain


def reference_render(text: str) -> str:
    """A fresh converter for each text, as Markdown's own `markdown()` does."""
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"])
    return markdown.nh3.clean(
        html,
        tags=markdown.ALLOWED_TAGS,
        attributes=markdown.ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


PLAIN_ALPHABET = "abcXYZ ŵŷ éß日本 ,.;?'\"()‘’“”/%£-0123456789\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=PLAIN_ALPHABET, max_size=80))
def test_the_quick_path_gives_what_markdown_gives(text):
    assert str(render_markdown(text)) == reference_render(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_renders_as_markdown_and_the_sanitiser_would(text):
    assert str(render_markdown(text)) == reference_render(text)


@pytest.mark.parametrize(
    "text",
    [
        "I will walk a mile a day.",
        "Harder than I thought, but going.\n\nTwo more wards asked how.",
        "Line one\nline two",
        "“Quoted” and 'single' and \"double\" (with brackets) 50% of £3/day - yes",
    ],
)
def test_plain_sentences_take_the_quick_path(text):
    assert markdown._plain_paragraphs(text) is not None
    assert str(render_markdown(text)) == full_render(text)


@pytest.mark.parametrize(
    "text",
    [
        "1. a list",
        "- a list",
        "A heading\n---",
        "Title\n===",
        "    code",
        "line with a break  \nnext",
        "**bold**",
        "a <b>tag</b>",
        "Tom & Jerry",
        "[link](http://example.com)",
        "*[HTML]: Hyper Text",
    ],
)
def test_anything_that_may_be_markdown_goes_through_markdown(text):
    assert markdown._plain_paragraphs(text) is None


def test_a_script_is_never_let_through():
    assert "<script" not in str(render_markdown("<script>alert(1)</script>"))
    assert "javascript:" not in str(render_markdown("[x](javascript:alert(1))"))
