"""The agreement document as a PDF (fpdf2), from the same document model as the printable page.

fpdf2's core fonts (Helvetica) are declared with WinAnsiEncoding, i.e. cp1252, which holds
å, ä, ö, é, the en dash and typographic quotes; fpdf2 encodes them as latin-1 unless told
otherwise, so we tell it cp1252. The few characters outside cp1252 (ć in a name, a minus
sign, an arrow) are mapped to their nearest cp1252 form instead of shipping a font.
"""
from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.fonts import FontFace

from coordinator.agreements.document import AgreementDocument, Fact

ENCODING = "cp1252"
_REPLACEMENTS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "–", "\u2212": "-", "\u2192": "->", "\u2190": "<-",
    "\u2264": "<=", "\u2265": ">=", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
}
FONT = "helvetica"
MARGIN = 18
# widths (mm) of the meeting-structure table's columns on A4 portrait within the margins
FORM_COLUMNS = (30, 22, 31, 38, 22, 31)
PARTY_COLUMNS = (58, 56, 25, 35)
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


class _AgreementPDF(FPDF):
    def __init__(self, document: AgreementDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.core_fonts_encoding = ENCODING
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(80, 80, 80)
        page = self.document.page_label % {"page": self.page_no(), "pages": "{nb}"}
        self.multi_cell(0, 4, pdf_safe(f"{self.document.footer} {page}"), align="L")
        self.set_text_color(0, 0, 0)


def render_pdf(document: AgreementDocument) -> bytes:
    """The document as PDF bytes: title, facts, parties, the meeting structure, details, signature."""
    pdf = _AgreementPDF(document)
    pdf.set_title(pdf_safe(document.title))
    pdf.set_lang("sv")
    pdf.set_creator("Samverkan skola–socialtjänst")
    pdf.add_page()

    if document.is_draft:
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(160, 0, 30)
        pdf.cell(0, 7, pdf_safe(document.headings["draft"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 7.5, pdf_safe(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, pdf_safe(document.intro), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _facts(pdf, document.facts, label_width=48)

    _heading(pdf, document.headings["parties"])
    if document.parties:
        _table(pdf, PARTY_COLUMNS, document.party_columns,
               [(p.school, p.organiser, p.signed_on, p.signed_by) for p in document.parties], size=9)
    else:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, pdf_safe(document.no_parties), align="L", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, document.headings["forms"])
    _table(pdf, FORM_COLUMNS, document.form_columns,
           [(f.name, f.how_often, f.convener, f.participants, f.individual_cases, f.minutes)
            for f in document.forms], size=8)

    _heading(pdf, document.headings["details"])
    for form in document.forms:
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, 5.5, pdf_safe(form.name), align="L", new_x="LMARGIN", new_y="NEXT")
        _facts(pdf, form.details, label_width=42, size=9)
        pdf.ln(1.5)

    if pdf.will_page_break(60):
        pdf.add_page()
    _heading(pdf, document.headings["signatures"])
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, pdf_safe(document.signature_for), align="L", new_x="LMARGIN", new_y="NEXT")
    for label in document.signature_lines:
        pdf.ln(11)
        y = pdf.get_y()
        pdf.line(MARGIN, y, MARGIN + 100, y)
        pdf.set_font(FONT, size=8)
        pdf.cell(0, 4.5, pdf_safe(label), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(25):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, pdf_safe(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _facts(pdf: FPDF, facts: tuple[Fact, ...], *, label_width: float, size: float = 10) -> None:
    """Label and value side by side, a row never split across pages."""
    height = size * 0.5
    value_width = pdf.epw - label_width
    for fact in facts:
        pdf.set_font(FONT, size=size)
        lines = pdf.multi_cell(value_width, height, pdf_safe(fact.value), dry_run=True, output="LINES")
        if pdf.will_page_break(height * max(len(lines), 1)):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(label_width, height, pdf_safe(fact.label), align="L", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(value_width, height, pdf_safe(fact.value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + height))


def _table(pdf: FPDF, widths: tuple[float, ...], headings: tuple[str, ...],
           rows: list[tuple[str, ...]], *, size: float) -> None:
    pdf.set_font(FONT, size=size)
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", text_align="LEFT",
                   line_height=size * 0.5, padding=1.2, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL)) as table:
        heading = table.row()
        for text in headings:
            heading.cell(pdf_safe(text))
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(pdf_safe(text))
    pdf.ln(1)
