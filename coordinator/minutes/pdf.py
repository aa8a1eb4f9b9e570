"""Minutes as a PDF (fpdf2, core fonts), from the same document as the printable page.

The district's name heads every page, since printed minutes travel without the site around
them. Characters outside the core fonts' cp1252 are mapped as for the agreement's PDF.
"""
from __future__ import annotations

from fpdf.fonts import FontFace

from coordinator.minutes.document import MinutesDocument
from coordinator.pdf import FONT, HEADING_FILL, MARGIN, DocumentPDF, pdf_safe

ITEM_COLUMNS = (84, 40, 25, 25)


class _MinutesPDF(DocumentPDF):
    def __init__(self, document: MinutesDocument) -> None:
        super().__init__(document.title, top_margin=MARGIN + 4)
        self.document = document

    def header(self) -> None:
        self.kicker_line(self.document.district)

    def footer(self) -> None:
        self.footer_line(f"{self.document.footer} · sida {self.page_no()} av {{nb}}")


def render_pdf(document: MinutesDocument) -> bytes:
    pdf = _MinutesPDF(document)
    pdf.first_page("UTKAST – inte justerat" if document.is_draft else None)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 7.5, pdf_safe(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, pdf_safe(document.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for fact in document.facts:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(42, 5, pdf_safe(fact.label), align="L", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, pdf_safe(fact.value), align="L", new_x="LMARGIN", new_y="NEXT")
    for title, text in document.sections:
        pdf.section_heading(title)
        pdf.set_font(FONT, size=10.5)
        pdf.multi_cell(0, 5.2, pdf_safe(text), align="L", new_x="LMARGIN", new_y="NEXT")
    if document.items:
        pdf.section_heading("Uppföljningspunkter")
        pdf.set_font(FONT, size=9)
        with pdf.table(col_widths=ITEM_COLUMNS, width=sum(ITEM_COLUMNS), align="LEFT", text_align="LEFT",
                       line_height=4.5, padding=1.2, first_row_as_headings=True,
                       headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL)) as table:
            for values in (("Punkt", "Ansvarig", "Klart senast", "Status"), *document.items):
                row = table.row()
                for value in values:
                    row.cell(pdf_safe(value))
    if document.adjusters:
        pdf.section_heading("Justering")
        pdf.set_font(FONT, size=10)
        for line in document.adjusters:
            pdf.multi_cell(0, 5, pdf_safe(line), align="L", new_x="LMARGIN", new_y="NEXT")
    if document.attachments:
        pdf.section_heading("Bilagor")
        pdf.set_font(FONT, size=10)
        for line in document.attachments:
            pdf.multi_cell(0, 5, pdf_safe(line), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
