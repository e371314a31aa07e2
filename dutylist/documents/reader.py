"""Turn the tables of a Word or Excel list into a ParsedList.

Both importers flatten their file into the same stream of blocks: paragraphs of text, the
start of a table (a Word table, an Excel sheet) and table rows whose cells are lists of
lines. This module reads that stream the way a person reads the document:

* a title ("…基本履职事项清单"), a sheet name or the header decides which table rows belong to;
* columns are found by their header text, in any order ("事项类别", "对应上级部门",
  "六户地镇配合职责"…); a second header row may name the columns a merged header spans;
  repeated header rows, blank rows and title rows inside a table are skipped;
* a row whose 序号 is merged with the row above (or empty) continues the item above;
  merged category cells give each row the merged value;
* one step per line: a cell's lines are kept as they are; a cell written as one
  paragraph ("1.…；2.…") is split into steps like the text importer does.

The Word and Excel exporters write exactly this layout, so export → import gives the same
items back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..importers.parsed import ImportFailure, ImportWarning, ParsedItem, ParsedList, Receiving
from ..importers.textkit import (
    KNOWN_CATEGORIES,
    clean_text,
    resolve_places,
    split_place,
    split_steps,
    stated_totals,
    title_block_place,
)
from ..items import (
    FIELDS,
    KIND_LABELS,
    KINDS,
    TABLES,
    Shape,
    departments_of_text,
    fields_of,
    receiving_of_lines,
    title_pattern,
)

FAIL_NO_TABLE = "不是履职事项清单：文件中没有含“序号”“事项名称”表头的表格 / not a duty list: no table with the official headers"
FAIL_NO_ITEMS = "不是履职事项清单：表格中没有任何带序号的事项 / not a duty list: the tables hold no numbered items"

#: the columns every table must have besides its fields: the number
NUMBER = "number"
NUMBER_HEADERS = ("序号", "编号", "序", "No", "No.", "#")


def _part(f, part: str) -> str:
    """The key of a column holding one part of a field's cell (e.g. the department part of 承接部门及工作方式)."""
    return f"{f.key}.{part}"


#: (regular expression, column key) in the order they are tried, from the item schema's headers
HEADER_RULES = [(re.compile(pattern), key) for f in sorted(FIELDS, key=lambda f: f.header_rank)
                for pattern, key in ([(p, f.key) for p in f.headers]
                                     + [(p, _part(f, part)) for part, p in f.part_headers])]
#: the columns a table must have: the number and its required fields
REQUIRED = {kind: (NUMBER, *(f.key for f in fields_of(kind) if f.required)) for kind in KINDS}
#: what the missing columns are called in messages: the official headers
COLUMN_NAMES = {NUMBER: "序号", **{f.key: f.column for f in FIELDS}}
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?$")
_NUMBER = re.compile(r"^(\d{1,4})(?:\.0)?[.、．]?$")
_SPACES = re.compile(r"[\s\u3000\xa0]+")


# ---------------------------------------------------------------------- blocks

@dataclass
class Cell:
    lines: list[str]
    merged: bool = False  #: the lower part of a vertically merged cell (same content as above)


@dataclass
class Row:
    cells: list[Cell]
    where: str  #: for people: 第2个表格第5行 / 工作表“基本履职事项”第5行
    line: int


@dataclass
class Text:
    text: str
    line: int


@dataclass
class Table:
    """A new Word table or Excel sheet begins."""

    name: str | None  #: the sheet name (Excel)
    where: str


# ---------------------------------------------------------------------- headers and titles

def norm(text: str) -> str:
    return _SPACES.sub("", text or "").replace("（", "(").replace("）", ")")


def header_field(text: str) -> str | None:
    """Which official column a header cell names (None: not a header we know)."""
    h = norm(text)
    if not h or len(h) > 20:
        return None
    if h in NUMBER_HEADERS:
        return NUMBER
    return next((key for rx, key in HEADER_RULES if rx.search(h)), None)


def title_kind(text: str) -> str | None:
    """The table a title line announces (…基本履职事项清单, …配合履职事项清单, …收回事项清单)."""
    t = re.sub(r"[\s#]+", "", text or "")
    if not t or len(t) > 60 or re.search(r"[，。；,;]", t) or re.search(r"\d+$", t):
        return None
    return next((kind for kind in KINDS if re.search(title_pattern(kind) + "(?:清单)?$", t)), None)


def sheet_kind(name: str | None) -> str | None:
    t = norm(name or "")
    return next((kind for kind in reversed(KINDS) if TABLES[kind].short in t), None)


def kind_of_columns(columns) -> str:
    """The table whose own columns (those of fields only it has, or their parts) are among these."""
    for kind in reversed(KINDS):
        own = {key for f in fields_of(kind) if f.kinds == (kind,)
               for key in (f.key, *(_part(f, part) for part, _ in f.part_headers))}
        if own & set(columns):
            return kind
    return KINDS[0]


def parse_number(text: str) -> int | None:
    m = _NUMBER.match(norm(text))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------- cells to fields

def join_text(lines: list[str]) -> str:
    """A one-line field (category, name) from a cell's lines: no space between CJK characters."""
    return clean_text(" ".join(lines))


def duty_lines(lines: list[str]) -> list[str]:
    """One step per line; a cell written as a single paragraph is split into its steps."""
    lines = [x for x in (clean_text(ln) for ln in lines) if x]
    if len(lines) == 1:
        lines = [x for x in (clean_text(p) for p in split_steps(lines[0])) if x]
    return lines


def departments_of(lines: list[str]) -> tuple[str, list[str]]:
    text = _SPACES.sub(" ", " ".join(lines)).strip()
    return text, departments_of_text(text)


def receiving_of(lines: list[str]) -> list[Receiving]:
    """承接部门及工作方式: one "部门：方式" (or "部门甲、部门乙：方式", or "方式") per line."""
    return [Receiving(r["department"], r["method"]) for r in receiving_of_lines([clean_text(x) for x in lines])]


# ---------------------------------------------------------------------- the reader

@dataclass
class _Raw:
    kind: str
    number: int
    where: str
    line: int
    mapping: dict
    cells: dict = field(default_factory=dict)  #: field -> lines
    flags: list = field(default_factory=list)
    codes: list = field(default_factory=list)

    def flag(self, text: str, code: str):
        if text not in self.flags:
            self.flags.append(text)
            self.codes.append(code)


class GridReader:
    """Reads the block stream of one document into a ParsedList."""

    def __init__(self, township: str | None = None, categories=None):
        self.township = township
        self.categories = set(categories or ()) | set(KNOWN_CATEGORIES)
        self.result = ParsedList()
        self.warnings: list[ImportWarning] = []
        self.pre_texts: list[str] = []  # text before the first table: title, date, 说明
        self.title_texts: list[str] = []
        self.seen_table = False
        self.hint: str | None = None
        self.mapping: dict | None = None
        self.kind: str | None = None
        self.header_where = ""
        self.width = 0
        self.validated = False
        self.after_header = False
        self.rows: list[_Raw] = []
        self.current: _Raw | None = None
        self.found_header = False
        self.orphans = 0

    # -- warnings
    def warn(self, line: int, code: str, message: str):
        self.warnings.append(ImportWarning(line, code, message))

    # -- blocks
    def read(self, blocks) -> ParsedList:
        for block in blocks:
            if isinstance(block, Text):
                self._text(block.text, block.line)
            elif isinstance(block, Table):
                self._table(block)
            else:
                self._row(block)
        return self._finish()

    def _text(self, text: str, line: int):
        text = text.strip()
        if not text:
            if not self.seen_table:
                self.pre_texts.append("")
            return
        kind = title_kind(text)
        if kind:
            self.title_texts.append(text)
            self._switch(kind)
            return
        if not self.seen_table:
            self.pre_texts.append(text)

    def _switch(self, kind: str):
        """A title announces a table: its header comes next."""
        self.hint = kind
        self.mapping = None
        self.current = None

    def _table(self, block: Table):
        self.seen_table = True
        self.current = None
        self.after_header = False
        if block.name is not None:  # a new sheet: everything starts again
            self.hint = sheet_kind(block.name)
            self.mapping = None

    def _row(self, row: Row):
        self.seen_table = True
        texts = ["\n".join(c.lines) for c in row.cells]
        filled = [t for t in texts if t.strip()]
        if not filled:
            return  # a blank row
        fields = [header_field(t) for t in texts]
        if "number" in fields and "name" in fields:
            num_col = fields.index("number")
            if parse_number(texts[num_col]) is None:
                self._header(row, fields)
                return
        distinct = {t.strip() for t in filled}
        if len(distinct) == 1:
            only = distinct.pop()
            kind = title_kind(only)
            if kind and (self.mapping is None or parse_number(only) is None):
                self.title_texts.append(only)
                self._switch(kind)
                return
        if self.mapping is None:
            numbered = any(parse_number(t) is not None for t in texts[:1])
            if numbered and self.found_header:
                self.orphans += 1
            if not self.found_header:
                for t in dict.fromkeys(t.strip() for t in filled):
                    self.pre_texts.append(t)
            return
        if self.after_header and self._subheader(row, texts):
            return
        self.after_header = False
        self._data(row, texts)

    def _header(self, row: Row, fields: list):
        mapping: dict[str, int] = {}
        for col, f in enumerate(fields):
            if f and f not in mapping:
                mapping[f] = col
        if self.mapping is not None and mapping == self.mapping and self.current is not None:
            return  # a header row repeated inside the table (page break): nothing changes
        self.mapping = mapping
        self.width = len(row.cells)
        self.header_where = row.where
        self.validated = False
        self.after_header = True
        self.found_header = True
        self.current = None

    def _subheader(self, row: Row, texts: list[str]) -> bool:
        """A second header row naming the columns a merged header cell spans."""
        filled = [(col, t) for col, t in enumerate(texts) if t.strip()]
        if not filled or any(parse_number(t) is not None for _, t in filled):
            return False
        fields = [(col, header_field(t)) for col, t in filled]
        if not all(f for _, f in fields):
            return False
        for col, f in fields:
            self.mapping = {k: v for k, v in self.mapping.items() if v != col or k == f}
            self.mapping[f] = col
        return True

    def _validate(self):
        if self.validated:
            return
        cols = set(self.mapping)
        kind = kind_of_columns(cols)
        if self.hint and self.hint != kind:
            if kind == "basic":
                kind = self.hint  # the title says which table: its columns are missing
            else:
                self.warn(0, "table_kind", f"{self.header_where}：表格标题为“{KIND_LABELS[self.hint]}清单”，"
                                           f"但表头为{KIND_LABELS[kind]}清单的列，已按表头处理")
        have = set(cols) | {key.split(".")[0] for key in cols}  # a part's column stands for its field
        missing = [COLUMN_NAMES[f] for f in REQUIRED[kind] if f not in have]
        if missing:
            raise ImportFailure(f"{KIND_LABELS[kind]}清单的表格缺少列：{'、'.join(missing)}（{self.header_where}）。"
                                f"应有的列：{'、'.join(COLUMN_NAMES[f] for f in REQUIRED[kind])} / "
                                f"a table lacks columns")
        self.kind = kind
        self.validated = True

    def _cell(self, row: Row, col: int) -> Cell:
        return row.cells[col] if col < len(row.cells) else Cell([])

    def _data(self, row: Row, texts: list[str]):
        self._validate()
        num_cell = self._cell(row, self.mapping[NUMBER])
        number = parse_number("".join(num_cell.lines))
        if num_cell.merged and self.current is not None:
            self._continue(row, merged_number=True)
            return
        if number is None:
            content = [self._cell(row, c) for f, c in self.mapping.items() if f != NUMBER]
            if not any(c.lines for c in content):
                return
            if not num_cell.lines and self.current is not None:
                self._continue(row)
                return
            self.warn(row.line, "ignored_row", f"{row.where}：没有序号，已忽略（{' '.join(texts).strip()[:30]}）")
            return
        raw = _Raw(self.kind, number, row.where, row.line, dict(self.mapping))
        for f, col in self.mapping.items():
            if f != NUMBER:
                raw.cells[f] = list(self._cell(row, col).lines)
        self.rows.append(raw)
        self.current = raw

    def _continue(self, row: Row, merged_number: bool = False):
        raw = self.current
        for f, col in self.mapping.items():
            cell = self._cell(row, col)
            if f == NUMBER or cell.merged or not cell.lines:
                continue
            raw.cells.setdefault(f, []).extend(cell.lines)
        raw.flag(f"{row.where}续接上一行（单元格跨行），已合并", "continued_row")

    # -- results
    def _finish(self) -> ParsedList:
        if not self.found_header:
            raise ImportFailure(FAIL_NO_TABLE)
        if not self.rows:
            raise ImportFailure(FAIL_NO_ITEMS)
        result = self.result
        self._places()
        for text in self.pre_texts:
            m = _DATE.match(norm(text))
            if m:
                result.date = f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")
                break
        result.stated_totals = stated_totals("\n".join(self.pre_texts))
        result.items = self._items()
        if self.orphans:
            self.warn(0, "ignored_row", f"有 {self.orphans} 行带序号的内容不在任何表头之下，已忽略")
        result.warnings = self.warnings + result.total_mismatches()
        return result

    def _places(self):
        found = [title_block_place(self.pre_texts), *(split_place(t) for t in self.title_texts)]
        self.warnings += resolve_places(self.result, found, self.township)

    def _items(self) -> list[ParsedItem]:
        items = []
        last_number: dict[str, int] = {}
        numbers: dict[str, set] = {k: set() for k in KINDS}
        last_category: dict[str, str] = {}
        for raw in self.rows:
            c = raw.cells
            label = f"{KIND_LABELS[raw.kind]}第{raw.number}项"
            category = join_text(c.get("category", []))
            if not category:
                inherited = last_category.get(raw.kind, "")
                raw.flag(f"事项类别为空{'，沿用上一行类别“' + inherited + '”' if inherited else ''}", "empty_category")
                category = inherited
            elif category not in self.categories:
                raw.flag(f"事项类别“{category}”不在类别词表中", "unknown_category")
            if category:
                last_category[raw.kind] = category
            if raw.number in numbers[raw.kind]:
                raw.flag(f"序号{raw.number}重复", "number_duplicate")
            elif raw.kind in last_number and raw.number != last_number[raw.kind] + 1:
                raw.flag(f"序号不连续（上一项为{last_number[raw.kind]}）", "number_gap")
            elif raw.kind not in last_number and raw.number != 1:
                raw.flag("序号不从1开始", "number_gap")
            numbers[raw.kind].add(raw.number)
            last_number[raw.kind] = raw.number
            item = ParsedItem(kind=raw.kind, number=raw.number, category=category,
                              name=join_text(c.get("name", [])), line=raw.line)
            if not item.name:
                raw.flag("事项名称为空", "empty_name")
            for f in fields_of(raw.kind):
                if f.shape != Shape.text:
                    self._fill(item, f, raw)
            item.flags = list(raw.flags)
            for text, code in zip(raw.flags, raw.codes):
                self.warn(raw.line, code, f"{raw.where} {label}：{text}")
            items.append(item)
        return items

    @staticmethod
    def _fill(item: ParsedItem, f, raw: _Raw) -> None:
        """One cell of the item from its column (or the columns of its parts), flagged when empty."""
        lines = raw.cells.get(f.key, [])
        if f.shape == Shape.departments:
            text, names = departments_of(lines)
            setattr(item, f.key, text)
            setattr(item, f.keys[1], names)
            if not names:
                raw.flag(f"未写明{f.label}", "missing_department")
        elif f.shape == Shape.steps:
            setattr(item, f.key, duty_lines(lines))
            if not getattr(item, f.key):
                raw.flag(f"{f.column}为空", "empty_cell")
        elif f.shape == Shape.department_rows:
            if f.key in raw.mapping:
                rows = receiving_of(lines)
            else:  # one column of departments, one of the way of working
                _, depts = departments_of(raw.cells.get(_part(f, "department"), []))
                method = join_text(raw.cells.get(_part(f, "method"), []))
                rows = [Receiving(d, method) for d in depts] if depts else [Receiving("", method)] if method else []
            setattr(item, f.key, rows)
            if not rows:
                raw.flag(f"{f.label}为空（未写明承接部门）", "missing_department")
