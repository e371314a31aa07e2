"""Parse the plain-text exports of township duty lists (乡镇履职事项清单).

Three shapes of text are handled, all seen in real lists:

* tab-separated rows exported from Word, with HTML list fragments (``<ol><li>``, ``<p>``)
  or plain "1.… 2.…" text inside the cells;
* PDF text without tabs, each cell wrapped over several short lines, the cells of a row
  following one another;
* OCR text: tab-separated, but with misread characters, half-width punctuation, garbled
  or empty cells and stray spaces.

The cleaning of text, places, departments and steps is the shared toolkit (textkit.py); the
output types live in parsed.py. Pure standard library: no Flask, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..items import CATCH_ALL, KIND_LABELS, KINDS, citations_of_text, fields_of, kind_of_word, title_pattern
from ..vocabulary import PREFECTURE_SHORT_NAMES
from .columns import (
    KIND,
    NUMBER,
    REMARKS,
    SKIP,
    ColumnReport,
    header_role,
    in_table,
    is_remarks_header,
    norm,
    remark_line,
)
from .parsed import ImportFailure, ImportWarning, ParsedItem, ParsedList
from .textkit import (
    DATE_LINE,
    GENERIC_DEPT_STARTS,
    KNOWN_CATEGORIES,
    LINE_CN_HEAD,
    WS_RUN,
    Depts,
    cell,
    clean_text,
    cn_value,
    county_short,
    detect_counties,
    duty_lines,
    is_heading_line,
    is_ideograph,
    is_toc,
    join_lines,
    joins,
    marker_of,
    parse_receiving,
    resolve_places,
    split_place,
    stated_totals,
    step_flags,
    strip_html,
    title_block_place,
    width,
)

FAIL_EMPTY = "文件为空 / file is empty"
FAIL_BINARY = "不是文本文件（二进制或编码无法识别） / not a text file (binary or unknown encoding)"
FAIL_NO_TABLE = "不是履职事项清单：未找到任何事项表格 / not a duty list: no item table found"
#: a text list of more lines is refused (the longest real list has a few thousand)
MAX_LINES = 200_000
FOOTER = re.compile(r"^第\s*\d+\s*页\s*[,，]?\s*共\s*\d+\s*页$")
SEPARATOR = re.compile(r"^[\s\-–—|:：=_*]+$")
KIND_TITLES = tuple((kind, re.compile(title_pattern(kind) + "清单$")) for kind in KINDS)
NCOLS = {"basic": 3, "cooperative": 6, "withdrawn": 4}


# --------------------------------------------------------------------------- raw rows

@dataclass
class _Row:
    kind: str
    number: int
    line: int
    category: str = ""
    name: str = ""
    dept: str = ""
    dept_duties: str | list[str] = ""
    town_duties: str | list[str] = ""
    receiving: str = ""
    bases: str = ""
    cells: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    table: int = 0
    layout: list | None = None  #: the columns of a header other than the official one (_TextCol)
    notes: list[tuple[str, str]] = field(default_factory=list)  #: (header, text) kept in 备注

    def flag(self, text: str, code: str):
        if text not in self.flags:
            self.flags.append(text)
            self.codes.append(code)


def _header_kind(text: str) -> str:
    t = re.sub(r"\s+", "", text)
    if "承接部门" in t or "工作方式" in t:
        return "withdrawn"
    if "对应上级" in t or "上级部门职责" in t or "配合职责" in t:
        return "cooperative"
    return "basic"


def _title_kind(line: str) -> str | None:
    t = re.sub(r"[\s#]+", "", line)
    if len(t) > 60 or re.search(r"[，。；,;]", t) or is_toc(line):
        return None
    for kind, rx in KIND_TITLES:
        if rx.search(t):
            return kind
    return None


def _is_noise_line(line: str) -> bool:
    s = line.strip()
    return not s or bool(FOOTER.match(s)) or bool(SEPARATOR.match(s)) or is_toc(s)


class _Tables:
    """Keeps track of which table rows belong to and numbers the tables."""

    def __init__(self):
        self.kind: str | None = None
        self.index = 0
        self.last_number = 0

    def switch(self, kind: str):
        if kind != self.kind:
            self.kind, self.index, self.last_number = kind, self.index + 1, 0


@dataclass
class _TextCol:
    key: str
    header: str
    use: str


def _official(kind: str) -> list[str]:
    """The roles of a table's official columns, in order."""
    return [NUMBER, *(f.key for f in fields_of(kind) if not f.optional)]


def _layout(cells: list[str], line: int, report: ColumnReport, kind: str) -> tuple[list[_TextCol], bool]:
    """The columns a header line names (recorded in the report), and whether they are the official
    ones in the official order (then read by position, as the Word exports' text has always been read)."""
    cols, taken, seen = [], set(), {}
    for i, text in enumerate(cells):
        header = clean_text(text) or f"第{i + 1}列"
        key = norm(text) or f"（第{i + 1}列，无表头）"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key, header = f"{key}（第{seen[key]}列）", f"{header}（第{seen[key]}列）"
        role, how = header_role(text)
        use, how = report.role(key, header, role, how)
        if use not in (REMARKS, SKIP):
            if use in taken:
                use, how = REMARKS, "duplicate"
            taken.add(use)
        report.add(key, header, use, how, f"第{line}行的表头", i)
        cols.append(_TextCol(key, header, use))
    return cols, [c.use for c in cols] == _official(kind) and not report.overrides


#: the 备注 heading of a continued line that has no column to join (see _overflow_to_remarks)
OVERFLOW_HEADER = "续行"


def _overflow_to_remarks(row: _Row, text: str) -> None:
    """A line continuing a row whose header names no column after 序号: there is no cell to join it to, so
    it is kept in 备注 under its own heading and the row flagged, never dropped."""
    if text:
        row.notes.append((OVERFLOW_HEADER, cell(text)))
        row.flag("表头在序号之后没有列，下一行的内容无处续接，已记入备注", "continued_row")


def _parse_tabbed(lines: list[str], report: ColumnReport | None = None) -> list[_Row]:
    report = report if report is not None else ColumnReport()
    rows: list[_Row] = []
    tables = _Tables()
    current: _Row | None = None
    layout: list[_TextCol] | None = None
    header: list[_TextCol] = []
    for idx, raw in enumerate(lines, 1):
        if _is_noise_line(raw):
            continue
        stripped = raw.strip()
        fields = raw.rstrip("\r\n").split("\t")
        first = fields[0].strip()
        if re.sub(r"\s+", "", first).startswith("序号"):
            tables.switch(_header_kind(raw))
            header, positional = _layout(fields, idx, report, tables.kind)
            layout = None if positional else header
            current = None
            continue
        title = _title_kind(raw) if "\t" not in raw else None
        if title:
            tables.switch(title)
            current = None
            continue
        if re.fullmatch(r"\d{1,4}", first) and len(fields) > 1:
            number = int(first)
            filled = [f for f in fields[1:] if f.strip()]
            guess = "cooperative" if len(filled) >= 5 else "withdrawn" if len(filled) == 3 else "basic"
            if tables.kind is None:
                tables.switch(guess)
            elif (layout is None and number == 1 and tables.last_number > 1 and guess != tables.kind
                  and len(filled) >= 3):
                tables.switch(guess)
            current = _Row(tables.kind, number, idx, table=tables.index, layout=layout)
            width = (len(layout) if layout is not None else NCOLS[tables.kind]) - 1
            content = fields[1:]
            cells = content[:width] + [""] * max(0, width - len(content))
            for j, extra in enumerate(content[width:], width + 2):
                if extra.strip():  # a cell beyond the header: kept in 备注, never run into another column
                    report.add(f"（第{j}列，无表头）", f"第{j}列", REMARKS, "unknown", f"第{idx}行", j - 1)
                    report.saw(f"（第{j}列，无表头）", extra)
                    current.notes.append((f"第{j}列", cell(extra)))
                    current.flag(f"单元格数多于表头，第{j}列的内容已记入备注", "extra_cells")
            for col, text in zip(header, fields):
                report.saw(col.key, text)
            current.cells = cells
            tables.last_number = number
            rows.append(current)
            continue
        if current is not None and "\t" in raw and first == "":
            # a row continued on the next line: its cells align with the right-hand columns
            if not current.cells:
                _overflow_to_remarks(current, stripped)
                continue
            ncols = len(current.cells) + 1
            offset = max(0, ncols - len(fields))
            for i, f in enumerate(fields):
                if f.strip():
                    col = min(i + offset, ncols - 1) - 1
                    if col >= 0:
                        current.cells[col] = (current.cells[col] + " " + f).strip()
            current.flag("单元格在下一行续接，已合并", "continued_row")
            continue
        if current is not None and tables.kind is not None and "\t" not in raw:
            if not current.cells:
                _overflow_to_remarks(current, stripped)
                continue
            filled = [i for i, c in enumerate(current.cells) if c.strip()]
            col = filled[-1] if filled else len(current.cells) - 1
            current.cells[col] = (current.cells[col] + " " + stripped).strip()
            current.flag("单元格内容溢出到下一行，已合并", "continued_row")
    for row in rows:
        c = row.cells
        if row.layout is not None:
            _by_layout(row, report)
            continue
        row.category, row.name = c[0], c[1]
        if row.kind == "cooperative":
            row.dept, row.dept_duties, row.town_duties = c[2], c[3], c[4]
        elif row.kind == "withdrawn":
            row.receiving = c[2]
    if any(r.layout is not None and any(col.use == KIND for col in r.layout) for r in rows):
        _renumber(rows)
    return rows


#: where the text importer keeps each field's cell on a row
_ROW_ATTRS = {"category": "category", "name": "name", "departments_text": "dept", "dept_duties": "dept_duties",
              "township_duties": "town_duties", "receiving": "receiving", "bases": "bases"}


def _by_layout(row: _Row, report: ColumnReport) -> None:
    """A row under a header in another layout: each cell to the field its column names, the table
    its table-type column names, the rest to 备注 under the column's header."""
    pairs = list(zip(row.layout[1:], row.cells))
    for col, text in pairs:
        if col.use == KIND:
            kind = kind_of_word(text)
            if kind is None:
                row.flag(f"清单类型“{text.strip()}”无法识别（应为基本、配合或收回），按表头归入{KIND_LABELS[row.kind]}清单",
                         "unknown_kind")
            else:
                row.kind = kind
    for col, text in pairs:
        if not text.strip() or col.use in (NUMBER, KIND, SKIP):
            continue
        if col.use == REMARKS or col.use not in _ROW_ATTRS or not in_table(col.use, row.kind):
            row.notes.append((col.header, cell(text)))
            if col.use not in (REMARKS,):
                report.columns[col.key].moved += 1
                row.flag(f"“{col.header}”列的内容不属于{KIND_LABELS[row.kind]}清单的字段，已记入备注", "moved_to_remarks")
            continue
        setattr(row, _ROW_ATTRS[col.use], text)


def _renumber(rows: list[_Row]) -> None:
    """A flat list sorted into tables by its table-type column: each table numbered from 1."""
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.kind] = seen.get(row.kind, 0) + 1
        row.number = seen[row.kind]
        row.table = KINDS.index(row.kind) + 1000


# --------------------------------------------------------------------------- PDF text

_HEADER_WORDS = re.compile(
    r"^(?:序号|事项类别|事项名称|事项|类别|对应上级部门|对应上级|上级部门职责|承接部门及工作方式|"
    r"承接部门|工作方式|[\u4e00-\u9fff]{0,8}?配合职责)+$")


def _category_prefix(token: str) -> str | None:
    """The vocabulary category a wrapped category cell ("应急管理及" → …消防) is the start of."""
    for cat in KNOWN_CATEGORIES:
        if cat.startswith(token) and cat != token and len(token) >= 2:
            return cat
    return None


def _parse_pdf(lines: list[str], depts: Depts) -> list[_Row]:
    rows: list[_Row] = []
    tables = _Tables()
    current: _Row | None = None
    body: list[tuple[int, str]] = []
    header_kind: str | None = None
    expect_bumen = False

    def finish():
        nonlocal current, body
        if current is not None:
            _finish_pdf_row(current, body, depts)
            rows.append(current)
        current, body = None, []

    for idx, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s or FOOTER.match(s) or re.fullmatch(r"-?\s*\d{1,3}\s*-?", s) or is_toc(s):
            continue
        compact = re.sub(r"\s+", "", s)
        if expect_bumen and compact == "部门":
            expect_bumen = False
            continue
        if _HEADER_WORDS.match(compact) and (compact.startswith("序号") or header_kind is not None
                                             or compact.startswith(("对应上级", "上级部门职责", "承接部门"))):
            kind = _header_kind(compact)
            if compact.startswith("序号"):
                header_kind = kind
            elif kind != "basic":
                header_kind = kind
            expect_bumen = compact.endswith("对应上级")
            continue
        expect_bumen = False
        title = _title_kind(s)
        if title:
            finish()
            tables.switch(title)
            header_kind = None
            continue
        m = re.match(r"^(\d{1,3})\s+(\S+)(?:\s+(.*))?$", s)
        if m:
            number, token = int(m.group(1)), m.group(2)
            is_cat = token in KNOWN_CATEGORIES or _category_prefix(token) is not None
            # a category we do not know must at least look like one and come next in order
            plausible = ((number == tables.last_number + 1 or number == 1)
                         and 2 <= len(token) <= 8 and all(is_ideograph(c) for c in token))
            if is_cat or plausible:
                if header_kind is not None and header_kind != tables.kind:
                    finish()
                    tables.switch(header_kind)
                elif tables.kind is None:
                    tables.switch("basic")
                elif number == 1 and tables.last_number > 1:
                    finish()
                    order = ["basic", "cooperative", "withdrawn"]
                    tables.switch(order[min(order.index(tables.kind) + 1, 2)])
                finish()
                current = _Row(tables.kind, number, idx, table=tables.index)
                current.cells = [token, m.group(3) or ""]
                tables.last_number = number
                header_kind = None
                continue
        header_kind = None
        if current is not None:
            body.append((idx, s))
    finish()
    return rows


def _finish_pdf_row(row: _Row, body: list[tuple[int, str]], depts: Depts):
    token, rest = row.cells
    texts = [t for _, t in body]
    full = _category_prefix(token)
    if token not in KNOWN_CATEGORIES and full and texts and texts[0].split()[0] == full[len(token):]:
        first = texts[0].split(None, 1)
        token = full
        texts = ([first[1]] if len(first) > 1 else []) + texts[1:]
    row.category = token
    tokens = rest.split()
    if row.kind == "basic":
        row.name = join_lines(tokens + texts)
        return
    if row.kind == "withdrawn":
        at = next((k for k, t in enumerate(texts) if depts.list_colon_re.match(t)), None)
        if at is None:
            # no department line: the name is on the first line, the rest is how it now works
            at = 0 if tokens else min(1, len(texts))
        row.name = join_lines(tokens + texts[:at])
        row.receiving = join_lines(texts[at:])
        return
    _finish_pdf_cooperative(row, tokens, texts, depts)


def _finish_pdf_cooperative(row: _Row, tokens: list[str], texts: list[str], depts: Depts):
    name_parts, dept_parts = [], []
    for tok in tokens:
        if name_parts and (depts.is_dept(tok) or depts.starts_like_dept(tok, allow_bare_county=False)):
            dept_parts.append(tok)
        elif dept_parts:
            dept_parts.append(tok)
        else:
            name_parts.append(tok)
    i = 0
    if not name_parts and texts:
        name_parts, i = [texts[0]], 1
    if name_parts and not dept_parts:
        # the name runs on until the department column starts (木垒县…, 昌吉州…)
        j = i
        while (j < len(texts) and not depts.starts_like_dept(texts[j], allow_bare_county=False)
               and marker_of(texts[j]) is None and not LINE_CN_HEAD.match(texts[j])):
            j += 1
        if j < len(texts) and depts.starts_like_dept(texts[j], allow_bare_county=False) and j - i <= 8:
            name_parts += texts[i:j]
            i = j
        else:
            # no recognisable department: a name line is full (about nine characters) until the last
            while (width(name_parts[-1]) >= 8.5 and i < len(texts)
                   and marker_of(texts[i]) is None):
                name_parts.append(texts[i])
                i += 1
    if not dept_parts and i < len(texts) and marker_of(texts[i]) is None:
        dept_parts, i = [texts[i]], i + 1
    # the department column holds about six characters a line
    while dept_parts and i < len(texts):
        line, acc = texts[i], "".join(dept_parts)
        if line.startswith("、") or acc.endswith("、"):
            pass
        elif marker_of(line) is not None or LINE_CN_HEAD.match(line) or width(line) > 7.5:
            break
        elif depts.ends_with_suffix(acc) and (line.startswith("县") or width(dept_parts[-1]) < 5.5):
            break
        dept_parts.append(line)
        i += 1
    row.name = join_lines(name_parts)
    row.dept = join_lines(dept_parts)
    units = _pdf_units(texts[i:], depts)
    split = _column_split(units)
    row.dept_duties = [join_lines(u["lines"]) for u in units[:split]]
    row.town_duties = [join_lines(u["lines"]) for u in units[split:]]
    if units and split == len(units):
        row.flag("未能区分上级部门职责与乡镇配合职责，全部归入上级部门职责", "column_split")


def _pdf_units(lines: list[str], depts: Depts) -> list[dict]:
    """Group wrapped lines into steps, headings and paragraphs."""
    units: list[dict] = []
    for line in lines:
        n = marker_of(line)
        cn = LINE_CN_HEAD.match(line)
        if n is not None:
            kind, val = "step", n
        elif cn:
            kind, val = "cn", cn_value(cn.group(1))
        elif is_heading_line(line, depts):
            kind, val = "dept", 0
        else:
            kind, val = None, 0
        if kind is not None or not units or units[-1]["closed"]:
            units.append({"kind": kind or "free", "val": val, "lines": [line], "closed": False})
        else:
            units[-1]["lines"].append(line)
        last = units[-1]
        last["closed"] = last["kind"] in ("cn", "dept") or line.endswith("。")
    return units


def _column_split(units: list[dict]) -> int:
    """Index of the first unit of 乡镇配合职责: where the numbering or the headings start again."""
    seen_cn: set[int] = set()
    content = False
    prev = None
    for i, u in enumerate(units):
        if prev is not None and content:
            heading_before = prev["kind"] in ("cn", "dept")
            if u["kind"] == "step" and u["val"] == 1 and not heading_before:
                return i
            if u["kind"] == "cn" and u["val"] == 1 and 1 in seen_cn:
                return i
            if u["kind"] == "free" and not heading_before:
                return i
        if u["kind"] == "cn":
            seen_cn.add(u["val"])
        if u["kind"] in ("step", "free"):
            content = True
        prev = u
    return len(units)


# --------------------------------------------------------------------------- items

_NOISE = re.compile(r"(.{1,4}?)(?:[\s,，、]*\1){3,}")


def _ocr_noise(text: str) -> bool:
    for m in _NOISE.finditer(text):
        unit = m.group(1).strip(" ,，、")
        if unit and (len(m.group(0)) >= 8 or len(unit) == 1 and len(m.group(0)) >= 5):
            return True
    return False


def _split_departments(text: str, depts: Depts) -> tuple[str, list[str]]:
    """Clean the 对应上级部门 cell, keeping a space only where it separates two departments."""
    raw = WS_RUN.sub(" ", strip_html(text)).strip()
    out = ""
    for tok in raw.split(" "):
        if not out:
            out = tok
        elif (depts.ends_with_suffix(out) and depts.starts_like_dept(tok)
              and not out.endswith("、") and not tok.startswith("、")):
            out += " " + tok
        elif tok and joins(out[-1], tok[0]):
            out += tok
        else:
            out += " " + tok
    names = [n.strip() for n in re.split(r"[、，,；;\s]+", out) if n.strip()]
    return out, names


def _build_items(rows: list[_Row], depts: Depts) -> tuple[list[ParsedItem], list[ImportWarning]]:
    items: list[ParsedItem] = []
    warnings: list[ImportWarning] = []
    last_in_table: dict[int, _Row] = {}
    last_clean_cat: dict[int, str] = {}
    last_number: dict[int, int] = {}
    for row in rows:
        cat = cell(row.category)
        if not cat:
            inherited = last_clean_cat.get(row.table) or (
                last_in_table[row.table].category if row.table in last_in_table else "")
            if inherited:
                row.flag(f"事项类别为空，沿用上一行类别“{inherited}”", "empty_category")
            else:
                row.flag("事项类别为空", "empty_category")
            cat = inherited
        elif not all(is_ideograph(c) for c in cat):
            row.flag("事项类别疑似OCR乱码，按原样保留", "ocr_category")
        elif cat not in KNOWN_CATEGORIES:
            row.flag("事项类别不在类别词表中", "unknown_category")
        row.category = cat
        if cat in KNOWN_CATEGORIES:
            last_clean_cat[row.table] = cat
        last_in_table[row.table] = row

        prev = last_number.get(row.table)
        expected = (prev or 0) + 1
        if row.number != expected:
            if prev is not None and row.number <= prev:
                row.flag(f"序号重复或倒退（上一行为{prev}）", "number_duplicate")
            else:
                row.flag(f"序号不连续（应为{expected}）", "number_gap")
        last_number[row.table] = row.number

        name = cell(row.name)
        if not name:
            row.flag("事项名称为空", "empty_name")
        item = ParsedItem(kind=row.kind, number=row.number, category=cat, name=name, line=row.line)
        texts = [name]
        if row.kind == "cooperative":
            item.departments_text, item.departments = _split_departments(row.dept, depts)
            for attr, value, label in (("dept_duties", row.dept_duties, "上级部门职责"),
                                       ("township_duties", row.town_duties, "乡镇配合职责")):
                lines = value if isinstance(value, list) else duty_lines(value, depts)
                lines = [ln for ln in (clean_text(strip_html(x)) for x in lines) if ln]
                setattr(item, attr, lines)
                if not lines or (len(lines) == 1 and width(lines[0]) <= 1):
                    row.flag(f"{label}为空或只有残字", "empty_cell")
                for f in step_flags(lines, depts, label):
                    row.flag(f, "step_sequence")
                texts += lines
            if not item.departments:
                row.flag("对应上级部门为空", "empty_cell")
            texts.append(item.departments_text)
        elif row.kind == "withdrawn":
            item.receiving = parse_receiving(row.receiving, depts)
            if not item.receiving:
                row.flag("承接部门及工作方式为空", "empty_cell")
            texts += [r.department + r.method for r in item.receiving]
        if any(_ocr_noise(t) for t in texts if t):
            row.flag("含重复乱码，疑似OCR噪声", "ocr_noise")
        item.bases = citations_of_text(row.bases)
        setattr(item, CATCH_ALL, "\n".join(text if is_remarks_header(header) else remark_line(header, text)
                                            for header, text in row.notes if text))
        item.flags = list(row.flags)
        for text, code in zip(row.flags, row.codes):
            warnings.append(ImportWarning(line=row.line, code=code,
                                          message=f"第{row.line}行 {KIND_LABELS[row.kind]}第{row.number}项：{text}"))
        items.append(item)
    return items, warnings


# --------------------------------------------------------------------------- document

def _preamble(lines: list[str]) -> list[str]:
    out = []
    for raw in lines:
        if re.sub(r"\s+", "", raw).startswith("序号"):
            break
        out.append(raw)
    return out


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise ImportFailure(FAIL_EMPTY)
    if b"\x00" in data:
        raise ImportFailure(FAIL_BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFailure(FAIL_BINARY) from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise ImportFailure(FAIL_BINARY)
    return text


def parse_file(path, township: str | None = None, columns: dict | None = None) -> ParsedList:
    """Read a duty list file (bytes: UTF-8, UTF-8-SIG or GB18030) and parse it."""
    return parse_text(_decode(Path(path).read_bytes()), township=township, columns=columns)


def parse_text(text: str, township: str | None = None, columns: dict | None = None) -> ParsedList:
    """Parse the text of a duty list; `township` names the place when the text does not; `columns`
    is the user's choice of what each column of a tab-separated table holds ({header key: role})."""
    if text is None or not text.strip():
        raise ImportFailure(FAIL_EMPTY)
    if "\x00" in text:
        raise ImportFailure(FAIL_BINARY)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise ImportFailure(f"文件超出导入限制：超过 {MAX_LINES} 行，已拒绝 / the file exceeds an import limit")
    result = ParsedList()
    warnings: list[ImportWarning] = []

    warnings += resolve_places(result, [title_block_place(_preamble(lines)),
                                        *(split_place(raw) for raw in lines if _title_kind(raw))], township)

    pre = _preamble(lines)
    for raw in pre:
        m = DATE_LINE.match(re.sub(r"\s+", "", raw))
        if m:
            result.date = f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")
            break
    result.stated_totals = stated_totals("\n".join(pre))

    starts = list(GENERIC_DEPT_STARTS) + list(PREFECTURE_SHORT_NAMES) + list(PREFECTURE_SHORT_NAMES.values())
    for county in [result.county] + detect_counties(text):
        if county:
            starts.append(county)
            short = county_short(county)
            if short:
                starts.append(short)
    depts = Depts(tuple(starts))

    if not any(re.sub(r"\s+", "", ln).startswith("序号") for ln in lines):
        raise ImportFailure(FAIL_NO_TABLE)
    tabbed = sum(1 for ln in lines if re.match(r"^\s*\d{1,4}\t", ln))
    report = ColumnReport(columns)
    rows = _parse_tabbed(lines, report) if tabbed else _parse_pdf(lines, depts)
    if not rows:
        raise ImportFailure(FAIL_NO_TABLE)
    result.items, row_warnings = _build_items(rows, depts)
    warnings += row_warnings
    result.columns = report.list()
    for col in result.columns:
        if col.use == SKIP and col.cells:
            warnings.append(ImportWarning(0, "skipped_column", f"按您的选择，“{col.header}”列（{col.cells} 格有内容）未导入"))
        elif col.how == "unknown" and col.cells:
            warnings.append(ImportWarning(0, "unknown_column", f"“{col.header}”列没有对应的字段，其内容以“{col.header}：……”"
                                                               "记入备注"))

    awkward = result.remove_awkward()
    warnings += ([awkward] if awkward else []) + result.total_mismatches()
    result.warnings = warnings
    return result

