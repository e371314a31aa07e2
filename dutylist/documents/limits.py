"""Limits on an untrusted Word or Excel file, checked before any library builds the document.

A 5 KB .xlsx with one cell at XFD1048576, or a merged range to XFD1048576, makes openpyxl build the
whole grid (3–5 GB); a 342 KB .docx holding 100 MB of paragraphs makes python-docx build a 2 GB tree.
The upload's size says nothing of that, so before parsing:

1. the zip: the members' stated sizes (summed) and each member's expansion ratio;
2. the sheets (streamed, never built): rows, columns, the grid the reader will walk (rows × columns),
   cells, merged ranges and the cells they cover;
3. the Word body (streamed): paragraphs and table cells.

A file over a limit is refused (ImportFailure) with a Chinese message naming the limit. Parsing itself
then runs in a child process with memory and CPU limits where the system has them (documents.sandbox).
The limits are ten to a hundred times what the largest real lists need (300 items, 1,500-row sheets).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from defusedxml.ElementTree import iterparse

from ..importers.parsed import ImportFailure


@dataclass(frozen=True)
class Limits:
    unzipped: int = 48 * 1024 * 1024  #: bytes, all members together
    ratio: int = 100  #: how many times a member (of more than ratio_floor bytes) may expand
    ratio_floor: int = 1024 * 1024
    rows: int = 20_000
    columns: int = 200
    grid: int = 300_000  #: rows × columns of a sheet: the cells the reader walks
    cells: int = 300_000  #: cells written in all sheets
    merged: int = 300_000  #: cells covered by merged ranges, all sheets
    paragraphs: int = 100_000
    table_cells: int = 200_000
    seconds: int = 60  #: CPU seconds for parsing (documents.sandbox)
    memory: int = 1024 * 1024 * 1024  #: bytes of address space for parsing (documents.sandbox)


LIMITS = Limits()
MB = 1024 * 1024

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def refuse(what: str) -> ImportFailure:
    return ImportFailure(f"文件超出导入限制：{what}，已拒绝；请删去多余的内容或拆分后再导入 / the file exceeds an import limit")


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref(text: str) -> tuple[int, int] | None:
    m = _REF.match(text or "")
    return (int(m.group(2)), _column(m.group(1))) if m else None


def check_zip(zf: zipfile.ZipFile, lim: Limits | None = None) -> None:
    """The members' sizes as the zip states them (zipfile refuses to read past a stated size)."""
    lim = lim or LIMITS
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if total > lim.unzipped:
        raise refuse(f"解压后共 {total // MB} MB，超过 {lim.unzipped // MB} MB")
    for i in infos:
        if i.file_size > lim.ratio_floor and i.file_size > lim.ratio * max(i.compress_size, 1):
            raise refuse(f"“{i.filename}”压缩比为 {i.file_size // max(i.compress_size, 1)} 倍，超过 {lim.ratio} 倍")


def check_xlsx(zf: zipfile.ZipFile, lim: Limits) -> None:
    cells = merged = 0
    for name in sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        max_row = max_col = row = col = 0
        with zf.open(name) as f:
            for event, el in iterparse(f, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == S + "row":  # a row without r follows the one before
                        r = el.get("r")
                        row, col = (int(r) if r and r.isdigit() else row + 1), 0
                    continue
                if tag == S + "c":
                    ref = _ref(el.get("r", ""))
                    cell_row, col = ref if ref else (row, col + 1)
                    cells += 1
                    max_row, max_col = max(max_row, cell_row), max(max_col, col)
                    el.clear()
                elif tag == S + "row":
                    el.clear()
                elif tag == S + "mergeCell":
                    bounds = [_ref(x) for x in (el.get("ref") or "").split(":")]
                    if len(bounds) == 2 and None not in bounds:
                        (r1, c1), (r2, c2) = bounds
                        merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
                        max_row, max_col = max(max_row, r1, r2), max(max_col, c1, c2)
                    if merged > lim.merged:
                        raise refuse(f"合并单元格共覆盖 {merged} 格以上，超过 {lim.merged} 格")
                if cells > lim.cells:
                    raise refuse(f"单元格超过 {lim.cells} 个")
                if max_row > lim.rows:
                    raise refuse(f"工作表有 {max_row} 行，超过 {lim.rows} 行")
                if max_col > lim.columns:
                    raise refuse(f"工作表有 {max_col} 列，超过 {lim.columns} 列")
        if max_row * max_col > lim.grid:
            raise refuse(f"工作表 {max_row} 行 × {max_col} 列，超过 {lim.grid} 格")


def check_docx(zf: zipfile.ZipFile, lim: Limits) -> None:
    paragraphs = table_cells = 0
    with zf.open("word/document.xml") as f:
        for _, el in iterparse(f, events=("end",)):
            if el.tag == W + "p":
                paragraphs += 1
                if paragraphs > lim.paragraphs:
                    raise refuse(f"段落超过 {lim.paragraphs} 个")
                el.clear()
            elif el.tag == W + "tc":
                table_cells += 1
                if table_cells > lim.table_cells:
                    raise refuse(f"表格单元格超过 {lim.table_cells} 个")
                el.clear()


def check(data: bytes, kind: str, lim: Limits | None = None) -> None:
    """Refuse (ImportFailure) a .docx or .xlsx over a limit, reading only the zip's directory and
    streaming the XML that matters; malformed XML is left to the parser (it says the file is damaged)."""
    lim = lim or LIMITS
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        check_zip(zf, lim)
        try:
            (check_xlsx if kind == "xlsx" else check_docx)(zf, lim)
        except ImportFailure:
            raise
        except Exception:  # noqa: BLE001, S110 - not well-formed, no document.xml…: the parser will say so
            pass
