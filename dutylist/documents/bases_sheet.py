"""Reading the library of legal bases (依据库) from an Excel sheet: one basis a row, under a header row
naming the columns (名称 / 文号 / 制定机关 / 效力层级 / 公布日期 / 施行日期 / 链接 / 摘录). The file is checked
against the upload limits (documents.limits) before openpyxl opens it; the rows are checked and written
by services.bases (preview, then confirm)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

from openpyxl import load_workbook

from ..importers.parsed import ImportFailure
from ..textrules import strip_awkward
from . import file_types, limits

#: each entry field, and the headers its column may have (regular expressions on the header without spaces)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_number", r"文号|发文字号|文件编号|字号"),
    ("issuer", r"制定机关|发布机关|颁布机关|发文机关|发文单位|制定单位|发布单位|颁布单位|机关"),
    ("level", r"效力层级|层级|效力级别|法律位阶|位阶|类别|类型"),
    ("published_on", r"公布日期|发布日期|颁布日期|发文日期|公布时间|发布时间|颁布时间"),
    ("effective_on", r"施行日期|生效日期|实施日期|施行时间|生效时间|实施时间"),
    ("url", r"链接|网址|地址|URL|url"),
    ("excerpt", r"摘录|摘要|内容|条文|说明"),
    ("title", r"名称|标题|依据|法律法规|文件"),
)
FIELD_LABELS = {"title": "依据名称", "doc_number": "文号", "issuer": "制定机关", "level": "效力层级",
                "published_on": "公布日期", "effective_on": "施行日期", "url": "链接", "excerpt": "摘录"}
#: the header row is looked for among the first rows
HEADER_SEARCH = 10
NO_HEADER = ("表中没有找到表头（须有“名称”一列，以及“制定机关”“效力层级”，可选“文号”“公布日期”“施行日期”“链接”“摘录”）"
             " / no header row")
NOT_XLSX = "请上传 Excel（.xlsx）表格 / upload an .xlsx file"


def _header_field(text: str) -> str | None:
    text = re.sub(r"\s+", "", text or "")
    if not text or re.fullmatch(r"序号|编号|No\.?", text):
        return None
    for key, pattern in COLUMNS:
        if re.search(pattern, text):
            return key
    return None


def _value(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return strip_awkward(str(cell)).strip()


def read(data: bytes, max_rows: int) -> tuple[list[tuple[int, dict]], dict[str, str]]:
    """The rows of the first sheet with a header row: ([(row number, {field: text})], {field: header});
    ImportFailure (in Chinese) for a file that is not a sheet, is over a limit, or has no header."""
    if file_types.sniff(data) != "xlsx":
        raise ImportFailure(NOT_XLSX)
    limits.check(data, "xlsx")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever openpyxl says of a damaged file
        raise ImportFailure(file_types.FAIL_CORRUPT) from None
    try:
        for ws in wb.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            rows = ws.iter_rows(values_only=True)
            header: dict[int, str] = {}
            headers: dict[str, str] = {}
            for n, row in enumerate(rows, start=1):
                if not header:
                    found = {i: _header_field(_value(c)) for i, c in enumerate(row or ())}
                    found = {i: k for i, k in found.items() if k}
                    if "title" in found.values() and len(found) >= 2:
                        for i, k in found.items():
                            if k not in headers:  # the first column of a field counts
                                header[i], headers[k] = k, _value(row[i])
                        out: list[tuple[int, dict]] = []
                    elif n >= HEADER_SEARCH:
                        break
                    continue
                values = {k: _value(row[i]) if i < len(row) else "" for i, k in header.items()}
                if not any(values.values()):
                    continue
                out.append((n, values))
                if len(out) > max_rows:
                    raise ImportFailure(f"表中依据超过 {max_rows} 条，请拆分后再导入")
            if header:
                return out, headers
    finally:
        wb.close()
    raise ImportFailure(NO_HEADER)
