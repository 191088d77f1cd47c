"""The catalogues' empty fallbacks are taken out (kernel.i18n.drop_empty_fallbacks)
without changing any answer: every message of every catalogue, singular and plural,
reads as Django's own untouched catalogues read it, in English and in Welsh."""

from gettext import GNUTranslations

import pytest
from django.conf import settings
from django.utils.translation import trans_real

from kernel.i18n import drop_empty_fallbacks

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
    lightened = trans_real.translation(code)

    for key in _every_message():
        if isinstance(key, tuple):
            singular = key[0]
            for number in (0, 1, 2, 3, 6, 11):
                assert lightened.ngettext(singular, f"{singular} (plural)", number) == (
                    untouched.ngettext(singular, f"{singular} (plural)", number)
                ), (key, number)
        else:
            assert lightened.gettext(key) == untouched.gettext(key), key
