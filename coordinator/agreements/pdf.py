"""The agreement document as a PDF (fpdf2), from the same document model as the printable page."""
from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import FontFace

from coordinator.agreements.document import AgreementDocument, Fact
from coordinator.pdf import FONT, HEADING_FILL, MARGIN, DocumentPDF, pdf_safe

# widths (mm) of the meeting-structure table's columns on A4 portrait within the margins
FORM_COLUMNS = (30, 22, 31, 38, 22, 31)
PARTY_COLUMNS = (58, 56, 25, 35)


class _AgreementPDF(DocumentPDF):
    def __init__(self, document: AgreementDocument) -> None:
        super().__init__(document.title)
        self.document = document

    def footer(self) -> None:
        page = self.document.page_label % {"page": self.page_no(), "pages": "{nb}"}
        self.footer_line(f"{self.document.footer} {page}")


def render_pdf(document: AgreementDocument) -> bytes:
    """The document as PDF bytes: title, facts, parties, the meeting structure, details, signature."""
    pdf = _AgreementPDF(document)
    pdf.first_page(document.headings["draft"] if document.is_draft else None)
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
