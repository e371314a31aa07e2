"""Read an Excel (.xlsx, also as saved by WPS) duty list: every visible sheet, merged cells resolved."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from ..importers.parsed import ParsedList
from ..items import lines_of
from .reader import Cell, GridReader, Row, Table


def value_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def blocks(data: bytes):

    wb = load_workbook(io.BytesIO(data), data_only=True)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        out.append(Table(ws.title, f"工作表“{ws.title}”"))
        merged: dict[tuple[int, int], tuple] = {}
        for rng in ws.merged_cells.ranges:
            top = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        merged[(r, c)] = (top, r > rng.min_row)
        for r, values in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True), 1):
            cells = []
            for c, value in enumerate(values, 1):
                if (r, c) in merged:
                    top, below = merged[(r, c)]
                    cells.append(Cell(lines_of(value_text(top)), merged=below))
                else:
                    cells.append(Cell(lines_of(value_text(value))))
            out.append(Row(cells, f"工作表“{ws.title}”第{r}行", r))
    return out


def parse_xlsx(data: bytes, township: str | None = None, categories=None, columns: dict | None = None) -> ParsedList:
    """An Excel duty list as a ParsedList (raises ImportFailure when it is not one)."""
    return GridReader(township=township, categories=categories, columns=columns).read(blocks(data))
