"""Certificates as PDF, drawn on the server with fpdf2 (pure Python, no system libraries)."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from fpdf import FPDF

from learning.models import Certificate

NHS_BLUE = (0, 94, 184)
NHS_DARK_BLUE = (0, 48, 135)
TEXT = (33, 43, 50)
SECONDARY = (77, 102, 116)

_PLAIN = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        # Letters Unicode does not decompose into a Latin-1 base letter and an accent.
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Œ": "OE",
        "œ": "oe",
    }
)


def pdf_text(value: str) -> str:
    """Text the PDF's built-in fonts (Latin-1) can draw: typographic punctuation made plain,
    accents kept where Latin-1 has them and dropped where it does not."""
    value = str(value).translate(_PLAIN)
    out = []
    for ch in value:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def certificate_pdf(*, certificate: Certificate) -> bytes:
    member = certificate.member
    verify_url = f"{settings.SITE_URL}{certificate.verify_url}"
    completed = f"{certificate.completed_on.day} {certificate.completed_on:%B %Y}"

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(pdf_text(f"Certificate: {certificate.module_title}"))
    pdf.set_author("Radicals")
    pdf.set_creator("Radicals")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width, height = pdf.w, pdf.h

    pdf.set_draw_color(*NHS_BLUE)
    pdf.set_line_width(3)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.6)
    pdf.rect(15, 15, width - 30, height - 30)

    def line(text: str, *, size: int, style: str = "", colour=TEXT, gap: float = 4) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(
            width - 60, size * 0.5, pdf_text(text), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(gap)

    pdf.set_left_margin(30)
    pdf.set_y(32)
    line("RADICALS", size=14, style="B", colour=NHS_BLUE, gap=6)
    line("Certificate of completion", size=30, style="B", colour=NHS_DARK_BLUE, gap=10)
    line("This certifies that", size=14, colour=SECONDARY)
    line(member.get_full_name(), size=26, style="B", gap=6)
    line("completed the learning module", size=14, colour=SECONDARY)
    line(certificate.module_title, size=22, style="B", colour=NHS_DARK_BLUE, gap=6)
    line(f"on {completed}  -  learning time {certificate.hours}", size=14, gap=14)

    pdf.set_y(height - 52)
    line(f"Verification code: {certificate.display_code}", size=13, style="B", gap=2)
    line(f"Check this certificate is genuine at {verify_url}", size=10, colour=SECONDARY)
    return bytes(pdf.output())
