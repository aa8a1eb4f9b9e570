"""Tables as files a registrar opens in Excel: CSV (UTF-8 with BOM, semicolons) and XLSX. Pure.

Swedish Excel reads a CSV with its list separator, the semicolon, and needs the BOM to take
the file as UTF-8 (else å, ä, ö break) — the same CSV our imports accept (docs/imports.md).
A CSV cell that starts with =, +, -, @ would be run as a formula by a spreadsheet, so such
text gets a leading apostrophe (meeting names and references are typed by users); in XLSX
every text cell is stored as text. Decimal numbers are written with a decimal comma in the CSV,
as Swedish Excel reads them with the semicolon list separator; in XLSX they are numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

Cell = str | int | float | date | datetime | None
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet with a bold, frozen header row and a filter; dates as dates."""
    return to_xlsx_sheets([(title, header, rows)])


def to_xlsx_sheets(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]]) -> bytes:
    """A workbook of one sheet per (title, header, rows), each as `to_xlsx` makes it."""
    from openpyxl import Workbook  # 8 MB: imported by the first export, not by every worker (decisions.md 80)

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        _sheet(workbook, title, header, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet's name
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(cell) for cell in row])
    for column, name in enumerate(header, start=1):
        values = [name, *(row[column - 1] for row in rows)]
        width = max(len(str(value or "")) + 2 for value in values)
        sheet.column_dimensions[get_column_letter(column)].width = min(60, max(10, width))
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with "=" (openpyxl would make it a formula)
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        return str(cell).replace(".", ",")
    text = str(cell)
    return "'" + text if isinstance(cell, str) and text.startswith(_FORMULA_STARTS) else text


def _xlsx_value(cell: Cell) -> Cell:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)  # Excel has no time zones: the caller passes local times
    return cell
