"""The committee report (`followup.report`) drawn as a PDF with fpdf2: a module of its own, imported by the
web only when a PDF is asked for, so a worker that never draws one does not carry fpdf2 (decision 56)."""
from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from coordinator.followup.indicators import Status, Unit, section_name, shown, status_name
from coordinator.followup.report import CommitteeReport, Forum, action_rows, school_rows
from coordinator.followup.services import Reading
from coordinator.pdf import FONT, HEADING_FILL, MARGIN, DocumentPDF, pdf_safe

INDICATOR_COLUMNS = (62, 26, 86)
MEETING_COLUMNS = (24, 56, 24, 40, 30)
SCHOOL_COLUMNS = (80, 30, 30, 34)
ACTION_COLUMNS = (74, 40, 24, 36)


class _ReportPDF(DocumentPDF):
    def __init__(self, report: CommitteeReport) -> None:
        super().__init__(report.title, top_margin=MARGIN + 4)
        self.report = report

    def header(self) -> None:
        self.kicker_line(f"{self.report.district.name} · {self.report.term.name}")

    def footer(self) -> None:
        self.footer_line(f"{self.report.footer} · sida {self.page_no()} av {{nb}}")


def report_pdf(report: CommitteeReport) -> bytes:
    pdf = _ReportPDF(report)
    pdf.first_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 7.5, pdf_safe(report.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, pdf_safe(
        f"Terminen {report.term.name} ({report.term.starts_on.isoformat()}–{report.term.ends_on.isoformat()}), "
        f"uppgifter per {report.generated_on.isoformat()}."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in report.agreement_lines():
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(52, 5, pdf_safe(label), align="L", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, pdf_safe(value), align="L", new_x="LMARGIN", new_y="NEXT")
    for section, readings in report.sections():
        pdf.section_heading(section_name(section))
        _table(pdf, INDICATOR_COLUMNS, ("Indikator", "Värde", "Status och definition"),
               [(r.indicator.name("sv"), shown(r.figure, r.indicator.unit) + _parts(r),
                 _judged(r) + r.indicator.definition("sv")) for r in readings])
    pdf.section_heading("Forumen och deras protokoll")
    for forum in report.forums:
        _forum(pdf, forum)
    pdf.section_heading("Skolor som inte deltar")
    if report.schools_not_taking_part:
        _table(pdf, SCHOOL_COLUMNS, ("Skola", "Huvudman", "Part", "Deltog vid något möte"),
               [(row[0], row[2], row[3], row[4]) for row in school_rows(report)])
    else:
        _text(pdf, "Alla skolor i stadsdelen är parter och deltog vid minst ett möte under terminen.")
    pdf.section_heading("Öppna åtgärdspunkter")
    if report.open_items.rows:
        _table(pdf, ACTION_COLUMNS, ("Åtgärd", "Ansvarig", "Klar senast", "Möte"),
               [(r[0], r[1], r[2].isoformat() if r[2] else "", r[4]) for r in action_rows(report)])
    else:
        _text(pdf, "Inga öppna åtgärdspunkter från terminens möten.")
    return bytes(pdf.output())


def _forum(pdf: FPDF, forum: Forum) -> None:
    facts = forum.reading.form
    m = facts.meetings
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, pdf_safe(facts.name), new_x="LMARGIN", new_y="NEXT")
    _text(pdf, f"Överenskomna {m.agreed}, hållna {m.held}, inte hållna {m.not_held}, inställda {m.cancelled}, "
               f"kommande {m.upcoming}." + (" Protokollen anmäls till nämnden." if facts.reports_to_committee else ""))
    if forum.meetings:
        _table(pdf, MEETING_COLUMNS, ("Datum", "Möte", "Mötet", "Protokoll", "Nämnden"),
               [(f"{x.starts_at:%Y-%m-%d}", x.title, x.status, x.minutes,
                 f"{x.committee_date.isoformat()}, {x.committee_reference}" if x.committee_date else "–")
                for x in forum.meetings])
    pdf.ln(2)


def _judged(reading: Reading) -> str:
    """The status in words before the definition ("Inte uppfyllt. …"), nothing where there is none to judge."""
    return "" if reading.status is Status.NONE else f"{status_name(reading.status).capitalize()}. "


def _parts(reading: Reading) -> str:
    figure = reading.figure
    if reading.indicator.unit is Unit.SHARE and figure.denominator:
        return f" ({figure.numerator} av {figure.denominator})"
    return ""



def _text(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, pdf_safe(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A bordered table with a shaded heading row repeated on each page. Lines are broken by word widths
    measured once per word and drawn with `text()`: fpdf2's `table()` breaks every cell twice, a second
    per hundred rows, and the report has hundreds."""
    measure = _WordWidths(pdf)
    heading = [pdf_safe(str(h)) for h in header]
    _row(pdf, measure, widths, heading, bold=True)
    for values in rows:
        cells = [pdf_safe("" if value is None else str(value)) for value in values]
        if _row(pdf, measure, widths, cells, bold=False, dry_run=True) > pdf.h - pdf.b_margin - pdf.get_y():
            pdf.add_page()
            _row(pdf, measure, widths, heading, bold=True)
        _row(pdf, measure, widths, cells, bold=False)


TABLE_SIZE, TABLE_LINE, TABLE_PAD = 8.5, 4.2, 1.1


class _WordWidths:
    """The width of each word in the table font, measured once."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.widths: dict[tuple[bool, str], float] = {}

    def __call__(self, word: str, bold: bool) -> float:
        key = (bold, word)
        if key not in self.widths:
            self.pdf.set_font(FONT, "B" if bold else "", TABLE_SIZE)
            self.widths[key] = self.pdf.get_string_width(word)
        return self.widths[key]


def _lines(text: str, width: float, measure: _WordWidths, bold: bool) -> list[str]:
    """`text` broken into lines no wider than `width`, at spaces (a word wider than a line at any letter)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        space = measure(" ", bold)
        for word in paragraph.split(" "):
            size = measure(word, bold)
            if line and used + space + size <= width:
                line, used = f"{line} {word}", used + space + size
                continue
            if line:
                lines.append(line)
            while size > width and len(word) > 1:
                cut = max(1, next((n for n in range(len(word), 0, -1) if measure(word[:n], bold) <= width), 1))
                lines.append(word[:cut])
                word = word[cut:]
                size = measure(word, bold)
            line, used = word, size
        lines.append(line)
    return lines


def _row(pdf: FPDF, measure: _WordWidths, widths: Sequence[float], cells: Sequence[str], *, bold: bool,
         dry_run: bool = False) -> float:
    """Draw one row at the current position (or, with `dry_run`, only measure it); its height."""
    wrapped = [_lines(text, width - 2 * TABLE_PAD, measure, bold) for text, width in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped) * TABLE_LINE + 2 * TABLE_PAD
    if dry_run:
        return height
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_font(FONT, "B" if bold else "", TABLE_SIZE)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_draw_color(95, 99, 104)
    for width, lines in zip(widths, wrapped):
        pdf.rect(x, y, width, height, style="DF" if bold else "D")
        for n, line in enumerate(lines):
            pdf.text(x + TABLE_PAD, y + TABLE_PAD + (n + 0.78) * TABLE_LINE, line)
        x += width
    pdf.set_y(y + height)
    return height
