"""A render looks up the language's catalogue, the URL configuration and the script
prefix once (kernel.rendering), and its words and addresses are still Django's: in
each language, in a render of one language within another's, and outside a render."""

from unittest import mock

import pytest
from django.template import engines
from django.templatetags.static import static
from django.urls import reverse, set_script_prefix
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kernel import paths, rendering

WORDS = (
    '{{ _("Pledges") }} | {{ _("Sign in") }} | '
    '{{ ngettext("See the %(num)s signature", "See the %(num)s signatures", n) }}'
)


def _render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def _django_words(n: int) -> str:
    return " | ".join(
        [
            translation.gettext("Pledges"),
            translation.gettext("Sign in"),
            translation.ngettext("See the %(num)s signature", "See the %(num)s signatures", n)
            % {"num": n},
        ]
    )


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("n", [1, 3])
def test_a_renders_words_are_djangos_in_each_language(language, n):
    with translation.override(language):
        written = _render(WORDS, n=n)
        expected = _django_words(n)

    assert written == expected
    if language == "cy":
        assert written.startswith("Addewidion | Mewngofnodi")


def test_a_renders_words_and_addresses_do_not_ask_django_each_time():
    source = WORDS + ' {{ url("pledges:wall") }} {{ url("pledges:detail", 7) }}'
    expected = _render(source, n=2)
    with (
        mock.patch.object(translation, "gettext", side_effect=AssertionError("asked")),
        mock.patch.object(translation, "ngettext", side_effect=AssertionError("asked")),
        mock.patch.object(
            rendering, "get_script_prefix", wraps=rendering.get_script_prefix
        ) as prefix_asked,
        mock.patch.object(rendering, "get_urlconf", wraps=rendering.get_urlconf) as urlconf_asked,
    ):
        written = _render(source, n=2)

    assert written == expected
    # Once, as the render starts, for both addresses.
    assert prefix_asked.call_count == urlconf_asked.call_count == 1
    assert written.endswith(f"{reverse('pledges:wall')} {reverse('pledges:detail', args=[7])}")


def test_a_render_of_another_language_within_a_render_keeps_each_ones_words():
    def welsh_part() -> str:
        with translation.override("cy"):
            return _render('{{ _("Pledges") }}')

    with translation.override("en"):
        written = _render('{{ _("Sign in") }} [{{ welsh() }}] {{ _("Pledges") }}', welsh=welsh_part)

    assert written == "Sign in [Addewidion] Pledges"


def test_a_render_gives_its_scope_back_when_it_ends_or_fails():
    assert rendering.current() is None
    with pytest.raises(ZeroDivisionError):
        _render("{{ 1 // 0 }}")

    assert rendering.current() is None
    assert _render("{{ _('Sign in') }}") == "Sign in"
    assert rendering.current() is None


def test_a_renders_addresses_carry_the_script_prefix_it_began_with():
    set_script_prefix("/trust/")
    try:
        written = _render('{{ url("pledges:detail", 12) }} {{ static("css/site.css") }}')
        expected_static = static("css/site.css")
    finally:
        set_script_prefix("/")

    address, static_address = written.split()
    assert address == "/trust/pledges/12/"
    assert static_address == expected_static
    assert _render('{{ url("pledges:detail", 12) }}') == "/pledges/12/"


def test_outside_a_render_words_and_addresses_are_djangos():
    with translation.override("cy"):
        assert rendering.gettext("Pledges") == translation.gettext("Pledges") == "Addewidion"
        assert rendering.ngettext("See the %(num)s signature", "See the %(num)s signatures", 2) == (
            translation.ngettext("See the %(num)s signature", "See the %(num)s signatures", 2)
        )
    assert paths.path("pledges:detail", 3) == reverse("pledges:detail", args=[3])


def test_safe_text_and_empty_words_are_answered_as_django_answers_them():
    with rendering.scope():
        safe = rendering.gettext(mark_safe("Sign in"))  # noqa: S308 # nosec B308 - a literal
        empty = rendering.gettext("")
        windows = rendering.gettext("Sign in\r\n")

    assert safe == "Sign in" and hasattr(safe, "__html__")
    assert empty == translation.gettext("") == ""
    assert windows == translation.gettext("Sign in\r\n")


def test_a_lazy_word_is_answered_once_in_each_language():
    from django.utils.dates import MONTHS

    from pledges.models import Pledge

    label = Pledge.Status.COMPLETED.label
    djangos = translation._trans.gettext
    with translation.override("cy"):
        expected = (str(MONTHS[3]), str(label))
        with mock.patch.object(translation._trans, "gettext", wraps=djangos) as asked:
            with rendering.scope():
                first = (rendering.word(MONTHS[3]), rendering.word(label))
            with rendering.scope():
                again = (rendering.word(MONTHS[3]), rendering.word(label))
    with translation.override("en"), rendering.scope():
        english = (rendering.word(MONTHS[3]), rendering.word(label))

    assert first == again == expected == ("Mawrth", "Wedi’i gwblhau")
    assert asked.call_count <= 2  # at most once each
    assert english == ("March", "Completed")


def test_anything_but_a_lazy_word_is_written_as_it_is():
    with rendering.scope():
        assert rendering.word(mark_safe("<b>Hi</b>")) == "<b>Hi</b>"  # noqa: S308 # nosec B308
        assert rendering.word(1234) == "1234"
        assert rendering.word("Pledges") == "Pledges"
    assert rendering.word(gettext_lazy("Pledges")) == "Pledges"


def test_the_lazy_words_kept_for_a_catalogue_are_bounded(monkeypatch):
    words = [gettext_lazy(f"word number {n}") for n in range(30)]
    with rendering.scope() as scope:
        kept = len(scope.answers)
    monkeypatch.setattr(rendering, "MAX_ANSWERS", kept + 5)

    written = _render(
        "{% for w in words %}{{ word(w) }};{% endfor %}", words=words, word=rendering.word
    )

    assert written == "".join(f"{w};" for w in words)
    assert len(scope.answers) == kept + 5


def test_the_cards_in_a_render_take_its_words_without_asking_django(db):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import PledgeFactory

    pledge = PledgeFactory(title="walk a mile a day")
    source = "{{ pledge_card(pledge, viewer) }}"
    with translation.override("cy"):
        outside = str(_render_card(pledge))
        djangos = translation._trans.gettext  # what django.utils.translation.gettext asks
        with mock.patch.object(translation._trans, "gettext", wraps=djangos) as asked:
            written = _render(source, pledge=pledge, viewer=AnonymousUser())

    assert written == outside
    # The card's own words come from the render's catalogue (a status or a month's
    # name, translated lazily by Django's own choices and dates, asks Django the first
    # time a render writes it: kernel.rendering.word).
    asked_for = {call.args[0] for call in asked.call_args_list}
    assert not asked_for & {"I will %(title)s", "Due by %(date)s.", "By %(name)s."}
    assert "Byddaf i’n" in written and "I’w chwblhau erbyn" in written


def _render_card(pledge):
    from django.contrib.auth.models import AnonymousUser

    from pledges.cards import pledge_card

    return pledge_card(pledge, AnonymousUser(), 2)


def test_a_render_writes_in_the_language_it_began_with():
    from kernel import written

    def welsh_part() -> str:
        with translation.override("cy"):
            return _render("{{ lang() }}", lang=written.current)

    with translation.override("en-gb"):
        outer = _render(
            "{{ lang() }} [{{ welsh() }}] {{ lang() }}", lang=written.current, welsh=welsh_part
        )
        with rendering.scope():
            assert rendering.language() == "en-gb"
    with translation.override("cy"):
        assert written.current() == "cy"

    assert outer == "en-gb [cy] en-gb"
    assert rendering.language() == translation.get_language()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_fragment_is_its_template_with_the_request_and_no_page_chrome(rf, language):
    """An htmx fragment renders its own context and the request, in the request's
    language, and runs none of the context processors that fill in the page chrome."""
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    pledge = mock.Mock(
        pk=7, signer_count=3, co_signer_count=2, status="open", threshold=0, done_count=0
    )
    processor = mock.Mock(side_effect=AssertionError("a context processor ran"))
    with (
        mock.patch.object(engines["jinja2"], "template_context_processors", [processor]),
        translation.override(language),
    ):
        response = rendering.fragment(
            request,
            "pledges/_sign_panel.jinja",
            {"pledge": pledge, "signature": None, "can_sign": True, "can_unsign": False},
        )
        expected = translation.gettext("I’ll do it too")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="sign-panel"')
    assert expected in body and reverse("pledges:sign", args=[7]) in body
    assert "csrfmiddlewaretoken" not in body
    assert not processor.called
