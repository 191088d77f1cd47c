"""Certificates as PDF, drawn on the server with fpdf2 (pure Python, no system libraries).

A certificate goes out in its holder's language (`member.language`, English when they
chose none), whoever asks for it. It is set in Liberation Sans (learning/fonts/, under
the Liberation font licence: embedding it in a document puts no licence on the
document), which has the metrics of Helvetica and every letter of Welsh (ŵ ŷ â ê î ô û,
ẁ ẃ ẅ ỳ) and of the other Latin alphabets members' names are written in.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF

from learning.models import Certificate

NHS_BLUE = (0, 94, 184)
NHS_DARK_BLUE = (0, 48, 135)
TEXT = (33, 43, 50)
SECONDARY = (77, 102, 116)

# fpdf2 subsets the embedded font with fontTools, which logs some forty INFO lines per
# PDF (every glyph kept); the site logs at INFO, so keep only its warnings.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_FAMILY = "LiberationSans"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {
    "": FONT_DIR / "LiberationSans-Regular.ttf",
    "B": FONT_DIR / "LiberationSans-Bold.ttf",
}


@cache
def _drawable() -> frozenset[int]:
    """The characters both the regular and the bold font have a glyph for."""
    maps = [set(TTFont(path, lazy=True).getBestCmap()) for path in FONT_FILES.values()]
    return frozenset(set.intersection(*maps))


def pdf_text(value: str) -> str:
    """Text the certificate's font can draw: every character it has kept as it is; a
    letter it lacks drawn as its base letter without the accent where it has that, else
    "?" (a name in a script the font does not cover)."""
    drawable = _drawable()
    out = []
    for ch in str(value):
        if ord(ch) in drawable or ch in "\n":
            out.append(ch)
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", ch)
            if ord(part) in drawable and not unicodedata.combining(part)
        )
        out.append(base or "?")
    return "".join(out)


def certificate_pdf(*, certificate: Certificate) -> bytes:
    member = certificate.member
    with translation.override(member.language or settings.LANGUAGE_CODE):
        return _draw(certificate=certificate, member=member)


def _draw(*, certificate: Certificate, member) -> bytes:
    verify_url = f"{settings.SITE_URL}{certificate.verify_url}"
    completed = date_format(certificate.completed_on, "j F Y")

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style=style, fname=str(path))
    pdf.set_lang(translation.get_language())
    pdf.set_title(pdf_text(_("Certificate: %(module)s") % {"module": certificate.module_title}))
    pdf.set_author("Radicals")
    pdf.set_creator("Radicals")
    # The issue time, not the time of drawing: the same certificate is the same file
    # byte for byte, so a copy can be checked against another and cached safely.
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width, height = pdf.w, pdf.h

    pdf.set_draw_color(*NHS_BLUE)
    pdf.set_line_width(3)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.6)
    pdf.rect(15, 15, width - 30, height - 30)

    def line(text: str, *, size: int, style: str = "", colour=TEXT, gap: float = 4) -> None:
        pdf.set_font(FONT_FAMILY, style=style, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(
            width - 60, size * 0.5, pdf_text(text), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(gap)

    pdf.set_left_margin(30)
    pdf.set_y(32)
    line("RADICALS", size=14, style="B", colour=NHS_BLUE, gap=6)
    line(_("Certificate of completion"), size=30, style="B", colour=NHS_DARK_BLUE, gap=10)
    line(_("This certifies that"), size=14, colour=SECONDARY)
    line(member.get_full_name(), size=26, style="B", gap=6)
    line(_("completed the learning module"), size=14, colour=SECONDARY)
    line(certificate.module_title, size=22, style="B", colour=NHS_DARK_BLUE, gap=6)
    line(
        _("on %(date)s – learning time %(hours)s")
        % {"date": completed, "hours": certificate.hours},
        size=14,
        gap=14,
    )

    pdf.set_y(height - 52)
    line(
        _("Verification code: %(code)s") % {"code": certificate.display_code},
        size=13,
        style="B",
        gap=2,
    )
    line(
        _("Check this certificate is genuine at %(address)s") % {"address": verify_url},
        size=10,
        colour=SECONDARY,
    )
    return bytes(pdf.output())
