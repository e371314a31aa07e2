"""Read a Word (.docx, also as saved by WPS) duty list: paragraphs and tables, merged cells resolved."""
from __future__ import annotations

import io
import re

from docx import Document

from ..importers.parsed import ParsedList
from ..items import lines_of
from .reader import Cell, GridReader, Row, Table, Text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_MARKER = re.compile(r"^(?:\d{1,2}[.．、]|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,3}、)")


def _in_fallback(el) -> bool:
    return any(a.tag == MC_FALLBACK for a in el.iterancestors())


def paragraph_text(p) -> str:
    """The visible text of a w:p: runs' text, tabs, and line breaks as newlines."""
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        parent = el.getparent()
        if parent is None or parent.tag != W + "r" or _in_fallback(el):
            continue  # tab stops in pPr, text boxes' duplicates
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "tab":
            out.append("\t")
        elif el.tag == W + "noBreakHyphen":
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def _num_key(p):
    """(numId, ilvl) of a paragraph in an automatically numbered list, else None."""
    ppr = p.find(W + "pPr")
    numpr = ppr.find(W + "numPr") if ppr is not None else None
    if numpr is None:
        return None
    num_id = numpr.find(W + "numId")
    ilvl = numpr.find(W + "ilvl")
    nid = num_id.get(W + "val") if num_id is not None else None
    if nid in (None, "0"):
        return None
    return nid, ilvl.get(W + "val") if ilvl is not None else "0"


def _paragraphs(container):
    """w:p elements of a cell or body, in order, looking inside content controls and nested tables."""
    for child in container.iterchildren():
        if child.tag == W + "p":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _paragraphs(content)
        elif child.tag == W + "tbl":
            for tr in child.iter(W + "tr"):
                for tc in tr.iterchildren(W + "tc"):
                    yield from _paragraphs(tc)


def cell_lines(tc) -> list[str]:
    """A cell's lines: one per paragraph or line break; Word's automatic numbering written out."""
    lines: list[str] = []
    counters: dict = {}
    for p in _paragraphs(tc):
        text = paragraph_text(p)
        key = _num_key(p)
        parts = lines_of(text)
        if key is not None and parts and not _MARKER.match(parts[0]):
            counters[key] = counters.get(key, 0) + 1
            parts[0] = f"{counters[key]}.{parts[0]}"
        lines += parts
    return lines


def _rows(tbl):
    for child in tbl.iterchildren():
        if child.tag == W + "tr":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from (tr for tr in content.iterchildren(W + "tr"))


def _cells(tr):
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(W + "tc")


def blocks(data: bytes):
    """The document as reader blocks, in reading order."""
    document = Document(io.BytesIO(data))
    line = 0
    tables = 0
    out = []

    def walk(container):
        nonlocal line, tables
        for child in container.iterchildren():
            if child.tag == W + "p":
                line += 1
                out.append(Text(paragraph_text(child), line))
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)
            elif child.tag == W + "tbl":
                tables += 1
                out.append(Table(None, f"第{tables}个表格"))
                above: dict[int, Cell] = {}
                for r, tr in enumerate(_rows(child), 1):
                    line += 1
                    cells: list[Cell] = []
                    trpr = tr.find(W + "trPr")
                    before = trpr.find(W + "gridBefore") if trpr is not None else None
                    col = int(before.get(W + "val", "0")) if before is not None else 0
                    cells += [Cell([]) for _ in range(col)]
                    for tc in _cells(tr):
                        span = max(1, tc.grid_span or 1)
                        if tc.vMerge == "continue":
                            src = above.get(col)
                            cell = Cell(list(src.lines) if src else [], merged=True)
                        else:
                            cell = Cell(cell_lines(tc))
                        for k in range(span):
                            cells.append(cell)
                            above[col + k] = cell
                        col += span
                    out.append(Row(cells, f"第{tables}个表格第{r}行", line))

    walk(document.element.body)
    return out


def parse_docx(data: bytes, township: str | None = None, categories=None, columns: dict | None = None) -> ParsedList:
    """A Word duty list as a ParsedList (raises ImportFailure when it is not one)."""
    return GridReader(township=township, categories=categories, columns=columns).read(blocks(data))
