"""A report as one table in Word (landscape, header repeated on each page) and Excel: the 新旧对照表
and the 意见汇总表 are both rendered here, from their headers and rows."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..textrules import put_row
from .export_docx import chinese_defaults
from .model import xml_safe


def xlsx_value(value):
    """A cell value as Excel shows it: numbers stay numbers, anything else is text (put_cell writes it)."""
    return value if isinstance(value, (int, float)) else str(value)


def to_xlsx(title: str, sheet: str, headers: tuple[str, ...], rows: list[tuple], widths: tuple[float, ...],
            notes: list[str] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    put_row(ws, [xlsx_value(title)])
    ws["A1"].font = Font(bold=True, size=14)
    for note in notes:
        put_row(ws, [xlsx_value(note)])
    put_row(ws, list(headers))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        put_row(ws, [xlsx_value(v) for v in row])
    for n, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + n)].width = width
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{header_row + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_docx(title: str, headers: tuple[str, ...], rows: list[tuple], widths_cm: tuple[float, ...],
            notes: list[str] = ()) -> bytes:
    doc = Document()
    chinese_defaults(doc)  # zh-CN East Asian language and Chinese fonts, as the list exports
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    style = doc.styles["Normal"]
    style.font.size = Pt(10)
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Word takes CJK text's font from eastAsia
    doc.add_heading(xml_safe(title), level=1)
    for note in notes:
        doc.add_paragraph(xml_safe(note))
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    header = table.rows[0]
    for cell, text in zip(header.cells, headers):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    tr_pr = header._tr.get_or_add_trPr()  # repeat the header row on every page
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = xml_safe(str(value))
    for column, width in zip(table.columns, widths_cm):
        for c in column.cells:
            c.width = Cm(width)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
