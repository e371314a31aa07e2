"""The filing register as an Excel sheet: one row per filing, the header frozen and filterable."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .. import timefmt
from ..documents.model import GENERATOR, xml_safe

COLUMNS = (("序号", 6), ("州（市）", 18), ("县（市、区）", 16), ("乡镇", 18), ("版本", 8), ("发布时间", 18),
           ("备案机关", 14), ("报送时间", 18), ("状态", 12), ("确认接收时间", 18), ("确认人", 14))


def to_xlsx(filings, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "备案登记"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"导出时间：{timefmt.localtime(timefmt.now())}（{timefmt.zone_label()}）"])
    ws.append([name for name, _ in COLUMNS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, f in enumerate(filings, 1):
        county = f.township.parent
        prefecture = county.parent if county is not None else None
        who = f.acknowledged_by
        ws.append([n, xml_safe(prefecture.name if prefecture else ""), xml_safe(county.name if county else ""),
                   xml_safe(f.township.name), f"第{f.version.number}版", timefmt.localtime(f.version.published_at),
                   f.level_label, timefmt.localtime(f.filed_at), f.status_label, timefmt.localtime(f.acknowledged_at),
                   xml_safe(who.display_name if who else "")])
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[ws.cell(row=3, column=i).column_letter].width = width
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{ws.cell(row=3, column=len(COLUMNS)).column_letter}{max(3, ws.max_row)}"
    ws.print_title_rows = "3:3"
    wb.properties.creator = GENERATOR
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
