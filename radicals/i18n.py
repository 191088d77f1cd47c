"""English and Welsh: the message catalogues, handled with Babel.

The catalogues live in `locale/<language>/LC_MESSAGES/` (`django.po` for Python and
templates, `djangojs.po` for static/js) and `<app>/locale/`. Babel is pure Python, so
no system gettext is needed. Which language a request is served in is kernel/i18n.py.

    python -m radicals.i18n extract   # make messages: collect marked strings, update .po
    python -m radicals.i18n compile   # (make install) .po -> .mo
    python -m radicals.i18n check     # every entry translated, none fuzzy, all agreeing
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from django.conf import settings
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAINS = ("django", "djangojs")


# --- Catalogues ------------------------------------------------------------------


def _extract_django_template(fileobj, keywords, comment_tags, options):
    """Babel extractor for Django templates (allauth's and the admin's pages): Django's
    own `templatize` turns a template into Python that Babel's extractor reads, as
    Django's makemessages does."""
    from babel.messages.extract import extract_python
    from django.utils.translation.template import templatize

    source = templatize(fileobj.read().decode("utf-8"))
    return extract_python(io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options)


JINJA_OPTIONS = {
    "extensions": ",".join(
        [
            "jinja2.ext.do",
            "jinja2.ext.loopcontrols",
            "jinja2.ext.i18n",
        ]
    ),
    "newstyle_gettext": "true",
    "trimmed": "true",
}
# Each app keeps its own catalogue (`<app>/locale/`), holding the strings of its code and
# of its templates (templates/jinja2/<app>/); the project's catalogue (`locale/`) holds
# the page chrome's, the kernel's and the Django templates'. Django reads them all.
APPS = ("members", "communities", "pledges", "stories", "learning", "reports", "notifications")
PROJECT_SOURCES = (
    ("radicals/**.py", "python"),
    ("kernel/**.py", "python"),
    ("templates/jinja2/layouts/**.jinja", "jinja2"),
    ("templates/jinja2/macros/**.jinja", "jinja2"),
    ("templates/jinja2/errors/**.jinja", "jinja2"),
    ("templates/jinja2/*.jinja", "jinja2"),
    ("templates/jinja2/**", "ignore"),  # the apps' templates, in the apps' catalogues
    ("templates/**.html", "django"),
    ("templates/**.txt", "django"),  # allauth's messages and emails we word ourselves
)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def catalogue_owners() -> list[str]:
    """ "project" and each app: the owners of a catalogue."""
    return ["project", *APPS]


def _locale_dir(owner: str) -> Path:
    return LOCALE_DIR if owner == "project" else BASE_DIR / owner / "locale"


def _sources(owner: str, domain: str) -> list[tuple[str, str]]:
    if domain == "djangojs":
        return [("static/js/**.js", "javascript")] if owner == "project" else []
    if owner == "project":
        return list(PROJECT_SOURCES)
    # Emails are Jinja templates too, in .html and .txt files.
    return [(f"{owner}/**.py", "python")] + [
        (f"templates/jinja2/{owner}/**.{kind}", "jinja2") for kind in ("jinja", "html", "txt")
    ]


def _methods():
    from jinja2.ext import babel_extract

    return {
        "python": "python",
        "javascript": "javascript",
        "jinja2": babel_extract,
        "django": _extract_django_template,
        "ignore": "ignore",
    }


def _is_source(path: str) -> bool:
    parts = Path(path).parts
    return not ({"migrations", "tests", "node_modules", "locale"} & set(parts))


def extract(owner: str, domain: str = "django"):
    """Every string marked for translation in `owner`'s sources, as a Babel catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="Radicals", charset="utf-8", fuzzy=False)
    methods = _methods()
    method_map = [(pattern, methods[kind]) for pattern, kind in _sources(owner, domain)]
    if not method_map:
        return catalog
    options = {
        pattern: JINJA_OPTIONS for pattern, kind in _sources(owner, domain) if kind == "jinja2"
    }
    for filename, lineno, message, comments, context in extract_from_dir(
        str(BASE_DIR),
        method_map=method_map,
        options_map=options,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        directory_filter=lambda path: _is_source(path) and not Path(path).name.startswith("."),
        strip_comment_tags=True,
    ):
        if _is_source(filename):
            catalog.add(
                message, None, [(filename, lineno)], auto_comments=comments, context=context
            )
    return catalog


def _po_path(owner: str, language: str, domain: str) -> Path:
    return _locale_dir(owner) / translation.to_locale(language) / "LC_MESSAGES" / f"{domain}.po"


def translated_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def update_catalogues() -> list[Path]:
    """`make messages`: bring each language's catalogues up to date with the source."""
    from babel.messages.pofile import read_po, write_po

    written = []
    for owner, domain in _catalogues():
        template = extract(owner, domain)
        if not len(template) and not any(
            _po_path(owner, lang, domain).exists() for lang in translated_languages()
        ):
            continue
        for language in translated_languages():
            path = _po_path(owner, language, domain)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=translation.to_locale(language))
                catalog.update(template, update_header_comment=False)
            else:
                from babel.messages.catalog import Catalog

                catalog = Catalog(
                    locale=translation.to_locale(language),
                    project="Radicals",
                    copyright_holder="The Radicals contributors",
                    last_translator="Radicals translators",
                    language_team=f"{dict(settings.LANGUAGES)[language]}",
                    fuzzy=False,
                )
                catalog.update(template)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
            written.append(path)
    return written


def _catalogues() -> list[tuple[str, str]]:
    return [(owner, domain) for owner in catalogue_owners() for domain in DOMAINS]


def compile_catalogues(base_dir: Path = BASE_DIR) -> list[Path]:
    """`.po` -> `.mo` for every catalogue, the project's and each app's."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    found = list(base_dir.glob("locale/*/LC_MESSAGES/*.po"))
    found += list(base_dir.glob("*/locale/*/LC_MESSAGES/*.po"))
    for po_path in sorted(found):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def _winning_order() -> list[str]:
    """The owners in the order Django lets a catalogue's translation win when two hold
    the same message: the project's (LOCALE_PATHS), then the apps in INSTALLED_APPS
    order. The page shows the winner's words whichever app asked for them."""
    return ["project", *[app for app in settings.INSTALLED_APPS if app in APPS]]


def _translations(language: str, domain: str) -> dict[tuple, list[tuple[str, object]]]:
    """(message id, context) -> [(owner, translation)] over every catalogue that holds
    it, winners first."""
    from babel.messages.pofile import read_po

    found: dict[tuple, list[tuple[str, object]]] = {}
    for owner in _winning_order():
        path = _po_path(owner, language, domain)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else tuple(message.id)
                string = message.string
                string = string if isinstance(string, str) else tuple(string)
                found.setdefault((key, message.context), []).append((owner, string))
    return found


def disagreements() -> list[str]:
    """Messages two catalogues translate differently: one English phrase, one Welsh."""
    found = []
    for language in translated_languages():
        for domain in DOMAINS:
            for (key, _context), held in _translations(language, domain).items():
                strings = {string for _owner, string in held if string}
                if len(strings) > 1:
                    key = key if isinstance(key, str) else key[0]
                    owners = ", ".join(owner for owner, _string in held)
                    found.append(f"{language}: translated differently in {owners}: {key!r}")
    return found


def unify_catalogues() -> list[Path]:
    """Give every catalogue holding a message the translation that wins at run time."""
    from babel.messages.pofile import read_po, write_po

    changed = []
    for language in translated_languages():
        for domain in DOMAINS:
            winners = {}
            for key, held in _translations(language, domain).items():
                translated = [string for _owner, string in held if string]
                if translated:
                    winners[key] = translated[0]
            for owner in _winning_order():
                path = _po_path(owner, language, domain)
                if not path.exists():
                    continue
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=translation.to_locale(language))
                moved = False
                for message in catalog:
                    if not message.id or message.fuzzy:
                        continue
                    key = message.id if isinstance(message.id, str) else tuple(message.id)
                    winner = winners.get((key, message.context))
                    current = (
                        message.string if isinstance(message.string, str) else tuple(message.string)
                    )
                    if winner is not None and current != winner:
                        message.string = winner if isinstance(winner, str) else list(winner)
                        moved = True
                if moved:
                    written = io.BytesIO()
                    write_po(written, catalog, width=100, omit_header=False, ignore_obsolete=True)
                    path.write_bytes(written.getvalue())
                    changed.append(path)
    return changed


def problems() -> list[str]:
    """Entries that are empty or fuzzy, marked strings missing from a catalogue, and
    messages two catalogues translate differently."""
    from babel.messages.pofile import read_po

    found = disagreements()
    for owner, domain in _catalogues():
        wanted = {
            (message.id if isinstance(message.id, str) else message.id[0], message.context)
            for message in extract(owner, domain)
            if message.id
        }
        for language in translated_languages():
            path = _po_path(owner, language, domain)
            if not path.exists():
                if wanted:
                    found.append(f"{path}: missing")
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle)
            have = set()
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                have.add((key, message.context))
                strings = (
                    message.string if isinstance(message.string, tuple | list) else [message.string]
                )
                if message.fuzzy:
                    found.append(f"{path}: fuzzy: {key!r}")
                elif not all(strings):
                    found.append(f"{path}: untranslated: {key!r}")
            found += [
                f"{path}: not in the catalogue: {key!r}"
                for key, _ctx in sorted(wanted - have, key=str)
            ]
    return found


def main(argv: list[str]) -> int:
    import django

    command = argv[1] if len(argv) > 1 else ""
    if command == "compile":
        # Compiling needs no settings: it reads and writes files only.
        for path in compile_catalogues():
            print(f"compiled {path.relative_to(BASE_DIR)}")
        return 0
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radicals.settings")
    django.setup()
    if command == "extract":
        for path in update_catalogues():
            print(f"updated {path.relative_to(BASE_DIR)}")
        for path in unify_catalogues():
            print(f"unified {path.relative_to(BASE_DIR)}")
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        print("catalogues complete" if not found else f"{len(found)} problems")
        return 1 if found else 0
    print("usage: python -m radicals.i18n extract|compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
