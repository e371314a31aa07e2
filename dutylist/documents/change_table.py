"""The 新旧对照表 (old/new comparison table) in Word and Excel: how revisions are reported upward."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..items import KIND_LABELS
from ..services.diff import ItemDiff, item_text
from .export_docx import chinese_defaults

HEADERS = ("序号", "事项", "原内容", "新内容", "变化类型", "修改理由")


def rows(diffs: list[ItemDiff]) -> list[tuple]:
    out = []
    for n, d in enumerate(diffs, 1):
        where = []
        for side, label in ((d.old, "原"), (d.new, "现")):
            if side is not None:
                where.append(f"{label}：{KIND_LABELS[side['kind']]}第 {side['number']} 项")
        name = (d.new or d.old)["name"]
        out.append((n, f"{name}\n（{'；'.join(where)}）", item_text(d.old), item_text(d.new), d.label, d.reason or ""))
    return out


def to_xlsx(title: str, diffs: list[ItemDiff]) -> bytes:

    wb = Workbook()
    ws = wb.active
    ws.title = "新旧对照表"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows(diffs):
        ws.append(list(row))
    for col, width in zip("ABCDEF", (6, 30, 50, 50, 12, 30)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_docx(title: str, diffs: list[ItemDiff]) -> bytes:


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
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    header = table.rows[0]
    for cell, text in zip(header.cells, HEADERS):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    tr_pr = header._tr.get_or_add_trPr()  # repeat the header row on every page
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for row in rows(diffs):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)
    for cell, width in zip(table.columns, (1.2, 5, 8.5, 8.5, 2, 4)):
        for c in cell.cells:
            c.width = Cm(width)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
