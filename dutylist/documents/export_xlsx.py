"""Excel (.xlsx): a 说明 sheet, then one sheet per table with the official columns.

On each table sheet: the table title (row 1), the date or the draft mark (row 2), the header
(row 3, frozen, repeated on printed pages, with a filter), then one row per item. Cells wrap;
every step of a duty cell is a line of its own (Alt+Enter in Excel). Row heights are set from
the wrapped text (generously: Excel, WPS and LibreOffice do not all fit rows when they open a
file), up to Excel's limit of 409 points a row.
"""
from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..items import KIND_LABELS, KINDS
from ..textrules import put_cell
from .model import GENERATOR, ListDocument, cell_lines, fit_widths, xml_safe

#: column widths (Excel character units; a Chinese character takes about two)
WIDTHS = {
    "basic": (7, 14, 90),
    "cooperative": (7, 12, 30, 22, 60, 60),
    "withdrawn": (7, 12, 40, 64),
}
FONT = "宋体"
HEADER_ROW = 3
LINE_POINTS = 15.0  #: one line of 11-point 宋体 with leading
MAX_ROW_POINTS = 409  #: Excel's limit


def _units(text: str) -> float:
    """Width in Excel column units: a Chinese character takes about two."""
    return sum(2.1 if ord(ch) >= 0x2E80 else 1.1 for ch in text)


def row_height(cells: list[tuple[list[str], float]]) -> float:
    """Points for a row whose cells hold these lines in columns of these widths."""
    lines = 1
    for texts, width in cells:
        room = max(1.0, width - 1.5)
        lines = max(lines, sum(max(1, math.ceil(_units(t) / room)) for t in texts) or 1)
    return min(MAX_ROW_POINTS, lines * LINE_POINTS + 4)


_set = put_cell  # text is text: never a formula (textrules)


def to_xlsx(doc: ListDocument) -> bytes:

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body_font = Font(name=FONT, size=11)
    red = Font(name=FONT, size=12, bold=True, color="C00000")

    wb = Workbook()
    wb.properties.title = doc.title
    wb.properties.subject = doc.subtitle
    wb.properties.creator = GENERATOR
    wb.properties.keywords = "履职事项清单" + ("；修订稿" if doc.draft else "")
    wb.properties.category = "履职事项清单"

    ws = wb.active
    ws.title = "说明"
    ws.column_dimensions["A"].width = 100
    _set(ws.cell(1, 1), doc.title)
    ws.cell(1, 1).font = Font(name=FONT, size=18, bold=True)
    ws.cell(1, 1).alignment = center
    ws.row_dimensions[1].height = 36
    _set(ws.cell(2, 1), doc.date)
    ws.cell(2, 1).alignment = center
    row = 3
    if doc.draft is not None:
        _set(ws.cell(row, 1), doc.draft.line)
        ws.cell(row, 1).font = red
        ws.cell(row, 1).alignment = center
        row += 1
    row += 1
    _set(ws.cell(row, 1), "说明")
    ws.cell(row, 1).font = Font(name=FONT, size=14, bold=True)
    ws.cell(row, 1).alignment = center
    for text in doc.preface():
        row += 1
        _set(ws.cell(row, 1), "\u3000\u3000" + xml_safe(text))
        ws.row_dimensions[row].height = row_height([(["\u3000\u3000" + text], 100)])
        ws.cell(row, 1).alignment = wrap_top
        ws.cell(row, 1).font = body_font
    ws.sheet_view.showGridLines = False

    for kind in KINDS:
        columns = doc.columns(kind)
        widths = fit_widths(WIDTHS[kind], columns)
        ws = wb.create_sheet(KIND_LABELS[kind])
        last = get_column_letter(len(columns))
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.merge_cells(f"A1:{last}1")
        _set(ws["A1"], doc.table_title(kind))
        ws["A1"].font = Font(name=FONT, size=16, bold=True)
        ws["A1"].alignment = center
        ws.row_dimensions[1].height = 30
        ws.merge_cells(f"A2:{last}2")
        if doc.draft is not None:
            _set(ws["A2"], doc.draft.line)
            ws["A2"].font = red
        else:
            _set(ws["A2"], doc.date)
            ws["A2"].font = body_font
        ws["A2"].alignment = center
        for col, (_, label) in enumerate(columns, 1):
            cell = ws.cell(HEADER_ROW, col)
            _set(cell, label)
            cell.font = Font(name=FONT, size=11, bold=True)
            cell.fill = PatternFill("solid", fgColor="E7E6E6")
            cell.alignment = center
            cell.border = border
        for r, entry in enumerate(doc.of_kind(kind), HEADER_ROW + 1):
            ws.row_dimensions[r].height = row_height(
                [(cell_lines(entry, f), w) for (f, _), w in zip(columns, widths)])
            for col, (field_name, _) in enumerate(columns, 1):
                cell = ws.cell(r, col)
                if field_name == "number":
                    put_cell(cell, entry["number"])
                    cell.alignment = Alignment(vertical="top", horizontal="center")
                else:
                    _set(cell, "\n".join(cell_lines(entry, field_name)) or None)
                    cell.alignment = Alignment(wrap_text=True, vertical="top",
                                               horizontal="center" if field_name == "category" else None)
                cell.font = body_font
                cell.border = border
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, ws.max_row)}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if kind == "cooperative" else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddHeader.center.text = xml_safe(doc.draft.line if doc.draft else doc.table_title(kind))
        ws.oddFooter.center.text = "第 &P 页 共 &N 页"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
