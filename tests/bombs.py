"""Bomb files an attacker uploads, built small: an .xlsx with one cell at XFD1048576, one with a merged
range to XFD1048576, a .docx holding 100 MB of paragraphs (a few hundred KB compressed). Shared by the
tests and bench/attack_figures.py."""
from __future__ import annotations

import io
import zipfile

import docx
from openpyxl import Workbook

HEADER = ("序号", "事项类别", "事项名称")


def _small_xlsx(far_cell: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["大有镇履职事项清单"])
    ws.append(["一、基本履职事项"])
    ws.append(list(HEADER))
    ws.append([1, "党的建设", "加强基层阵地建设"])
    if far_cell:
        ws["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _patch(data: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            zout.writestr(info.filename, change(raw) if info.filename == member else raw,
                          compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def xlsx_far_cell() -> bytes:
    """One cell at XFD1048576 (the last cell a sheet can have)."""
    return _small_xlsx(far_cell=True)


def xlsx_far_merge() -> bytes:
    """A merged range A1:XFD1048576 (openpyxl itself cannot write it: it would build the grid)."""
    return _patch(_small_xlsx(), "xl/worksheets/sheet1.xml", lambda raw: raw.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A5:XFD1048576"/></mergeCells>'))


def docx_paragraphs(megabytes: int = 100) -> bytes:
    """A Word file whose body holds `megabytes` MB of paragraphs."""
    out = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("大有镇履职事项清单")
    d.save(out)
    para = "<w:p><w:r><w:t>清单</w:t></w:r></w:p>".encode()
    body = para * (megabytes * 1024 * 1024 // len(para))
    return _patch(out.getvalue(), "word/document.xml", lambda raw: raw.replace(b"<w:sectPr", body + b"<w:sectPr", 1))
