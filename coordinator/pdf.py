"""PDFs in fpdf2's core fonts: the characters they can show, and the frame every document shares.

fpdf2's core fonts (Helvetica) are declared with WinAnsiEncoding, i.e. cp1252, which holds
å, ä, ö, é, the en dash and typographic quotes; fpdf2 encodes them as latin-1 unless told
otherwise, so we tell it cp1252. The few characters outside cp1252 (ć in a name, a minus
sign, an arrow) are mapped to their nearest cp1252 form instead of shipping a font.
"""
from __future__ import annotations

import unicodedata

from fpdf import FPDF

ENCODING = "cp1252"
_REPLACEMENTS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "–", "\u2212": "-", "\u2192": "->", "\u2190": "<-",
    "\u2264": "<=", "\u2265": ">=", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
}
FONT = "helvetica"
MARGIN = 18
HEADING_FILL = (230, 233, 238)


def pdf_safe(text: str) -> str:
    """`text` with every character the core fonts can show; others mapped to their nearest form."""
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
            continue
        # a letter with a mark cp1252 lacks (ć, ő, ł has none): the letter without the mark
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            base.encode(ENCODING)
            out.append(base or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


class DocumentPDF(FPDF):
    """A4 portrait in the core fonts, titled, with a one-line footer and an optional draft banner."""

    def __init__(self, title: str, *, top_margin: float = MARGIN) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.set_margins(MARGIN, top_margin, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.set_title(pdf_safe(title))
        self.set_lang("sv")
        self.set_creator("Samverkan skola–socialtjänst")

    def first_page(self, draft_banner: str | None = None) -> None:
        """Open the first page; a draft says so above its title, in red."""
        self.add_page()
        if draft_banner:
            self.set_font(FONT, "B", 11)
            self.set_text_color(160, 0, 30)
            self.cell(0, 7, pdf_safe(draft_banner), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

    def kicker_line(self, text: str) -> None:
        """The small grey line above every page's text (whose document it is), from `header()`."""
        self.set_y(8)
        self.set_font(FONT, "B", 9)
        self.set_text_color(60, 60, 60)
        self.cell(0, 5, pdf_safe(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def section_heading(self, text: str) -> None:
        """A section's heading, moved to the next page rather than left alone at the bottom of one."""
        if self.will_page_break(20):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12.5)
        self.cell(0, 7, pdf_safe(text), new_x="LMARGIN", new_y="NEXT")

    def footer_line(self, text: str) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(80, 80, 80)
        self.multi_cell(0, 4, pdf_safe(text), align="L")
        self.set_text_color(0, 0, 0)
