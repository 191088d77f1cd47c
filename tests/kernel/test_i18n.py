"""The catalogues' empty fallbacks are taken out (kernel.i18n.drop_empty_fallbacks),
and their answers kept in hand (kernel.i18n.remember_answers), without changing any
answer: every message of every catalogue, singular and plural, reads as Django's own
untouched catalogues read it, in English and in Welsh."""

from gettext import GNUTranslations

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from kernel import i18n
from kernel.i18n import drop_empty_fallbacks, remember_answers

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _chain(translation):
    links = []
    while translation is not None:
        links.append(translation)
        translation = getattr(translation, "_fallback", None)
    return links


def _empty(link) -> bool:
    return type(link) is GNUTranslations and set(link._catalog) <= {""}


def _every_message() -> set:
    """Every key of every catalogue the site's languages read, and a few no catalogue
    holds."""
    keys = {"No catalogue holds this", "Pledges", ("%(num)s signed", 0)}
    for code in LANGUAGES:
        for link in _chain(trans_real.DjangoTranslation(code)):
            catalogue = getattr(link, "_catalog", None) or {}
            for part in getattr(catalogue, "_catalogs", [catalogue]):
                keys.update(key for key in part if key)
    return keys


def _assert_answers_as(catalogue, untouched, numbers) -> None:
    """Every message reads in `catalogue` as in `untouched`, singular and plural (for
    each of `numbers`)."""
    for key in _every_message():
        if isinstance(key, tuple):
            singular = key[0]
            for number in numbers:
                assert catalogue.ngettext(singular, f"{singular} (plural)", number) == (
                    untouched.ngettext(singular, f"{singular} (plural)", number)
                ), (key, number)
        else:
            assert catalogue.gettext(key) == untouched.gettext(key), key


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_empty_fallback_is_left_and_english_had_some(code):
    drop_empty_fallbacks(code)

    assert not any(_empty(link) for link in _chain(trans_real.translation(code)))
    if code == settings.LANGUAGE_CODE:
        assert any(_empty(link) for link in _chain(trans_real.DjangoTranslation(code)))


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_reads_as_djangos_own_catalogues_read_it(code):
    untouched = trans_real.DjangoTranslation(code)
    drop_empty_fallbacks(code)

    _assert_answers_as(trans_real.translation(code), untouched, (0, 1, 2, 3, 6, 11))


# --- Answers kept in hand (kernel.i18n.remember_answers) -------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_remembered_answers_are_djangos_own_the_first_time_and_after(code):
    untouched = trans_real.DjangoTranslation(code)
    drop_empty_fallbacks(code)
    remember_answers(code)
    remembering = trans_real.translation(code)

    for _round in range(2):
        _assert_answers_as(remembering, untouched, (0, 1, 2, 3, 6, 8, 11, 999, 1000, 12_345, -1))


def test_django_gettext_reads_the_remembered_answers_in_the_active_language():
    remember_answers("cy")
    catalogue = trans_real.translation("cy")
    answers = catalogue.gettext.__self__
    welsh = next(
        key
        for key in _every_message()
        if isinstance(key, str) and trans_real.DjangoTranslation("cy").gettext(key) != key
    )
    answers.pop(welsh, None)

    with translation.override("cy"):
        first = translation.gettext(welsh)
        assert welsh in answers
        assert translation.gettext(welsh) == first == answers[welsh] != welsh
        assert translation.ngettext(welsh, "others", 2) == catalogue.ngettext(welsh, "others", 2)


def test_remembering_twice_keeps_one_set_of_answers():
    remember_answers("cy")
    answers = trans_real.translation("cy").gettext.__self__
    remember_answers("cy")

    assert trans_real.translation("cy").gettext.__self__ is answers


def test_words_that_are_not_messages_are_answered_but_not_kept_past_the_bound(monkeypatch):
    monkeypatch.setattr(i18n, "ANSWERS_KEPT", 3)
    answers = i18n._Answers(str.upper)

    assert [answers[word] for word in ("a", "b", "c", "d", "e")] == ["A", "B", "C", "D", "E"]
    assert answers["e"] == "E"
    assert len(answers) == 3
    assert "e" not in answers


@pytest.mark.django_db
def test_the_site_serves_with_every_language_remembering_its_answers(client):
    assert client.get("/").status_code == 200

    for code in LANGUAGES:
        assert isinstance(trans_real.translation(code).gettext.__self__, i18n._Answers)
