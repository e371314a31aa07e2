"""Turn the tables of a Word or Excel list into a ParsedList.

Both importers flatten their file into the same stream of blocks: paragraphs of text, the
start of a table (a Word table, an Excel sheet) and table rows whose cells are lists of
lines. This module reads that stream the way a person reads the document:

* a title ("…基本履职事项清单"), a sheet name or the header decides which table rows belong to;
* columns are found by their header text, in any order ("事项类别", "对应上级部门",
  "六户地镇配合职责"…), synonyms included (项目名称 / 职权名称 → 事项名称); a second header row may
  name the columns a merged header spans (职权名称 → 项目, 子项); repeated header rows, blank rows and
  title rows inside a table are skipped;
* a column the item has no field for goes to 备注 under its header ("实施依据：……"); a column the
  user chose to skip is skipped; the result lists every source column and what became of it
  (importers.columns); a flat sheet with a table-type column (事项类型: 基本 / 配合 / 收回) puts each
  row in the table it names;
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

from ..importers.columns import (
    KIND,
    NUMBER,
    REMARKS,
    SKIP,
    ColumnReport,
    field_of_role,
    header_role,
    in_table,
    is_remarks_header,
    norm,
    part_key,
    remark_line,
)
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
    citations_of_text,
    departments_of_text,
    fields_of,
    kind_of_word,
    receiving_of_lines,
    title_pattern,
)

FAIL_NO_TABLE = "不是履职事项清单：文件中没有含“序号”“事项名称”表头的表格 / not a duty list: no table with the official headers"
FAIL_NO_ITEMS = "不是履职事项清单：表格中没有任何带序号的事项 / not a duty list: the tables hold no numbered items"

_part = part_key
#: the columns a table must have: its required fields (without a 序号 column, items are numbered in order)
REQUIRED = {kind: tuple(f.key for f in fields_of(kind) if f.required) for kind in KINDS}
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

def header_field(text: str) -> str | None:
    """Which role a header cell names (a field, a part, the number, the table type, 备注), or None."""
    return header_role(text)[0]


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
class Col:
    """One column of the table being read: where it is, what its header says, what it fills."""

    index: int
    key: str  #: the header without spaces, unique within the table (see importers.columns)
    header: str  #: as printed
    use: str  #: its role (importers.columns)
    how: str


@dataclass
class _Raw:
    kind: str
    number: int | None
    where: str
    line: int
    roles: set  #: the field roles the row's table has columns for
    cells: dict = field(default_factory=dict)  #: field role -> lines
    notes: dict = field(default_factory=dict)  #: column key -> (header, lines): what goes to 备注
    flags: list = field(default_factory=list)
    codes: list = field(default_factory=list)

    def flag(self, text: str, code: str):
        if text not in self.flags:
            self.flags.append(text)
            self.codes.append(code)

    def note(self, col: Col, lines: list[str]):
        if lines:
            self.notes.setdefault(col.key, (col.header, []))[1].extend(lines)


class GridReader:
    """Reads the block stream of one document into a ParsedList.

    `columns` is the user's choice of roles by header key ({"实施依据": 备注, "子项": "skip"}):
    it wins over the header rules."""

    def __init__(self, township: str | None = None, categories=None, columns: dict | None = None):
        self.township = township
        self.categories = set(categories or ()) | set(KNOWN_CATEGORIES)
        self.result = ParsedList()
        self.report = ColumnReport(columns)
        self.warnings: list[ImportWarning] = []
        self.pre_texts: list[str] = []  # text before the first table: title, date, 说明
        self.title_texts: list[str] = []
        self.seen_table = False
        self.hint: str | None = None
        self.cols: list[Col] | None = None
        self.mapping: dict[str, int] = {}  #: role -> column (the first column of each role)
        self.header_keys: list[str] = []
        self.first_row: list[str] = []
        self.kind: str | None = None
        self.header_where = ""
        self.validated = False
        self.after_header = False
        self.rows: list[_Raw] = []
        self.current: _Raw | None = None
        self.found_header = False
        self.orphans = 0
        self.flat = False  #: some table had a table-type column: its rows were renumbered per table
        self.missing: dict[str, str] = {}  #: kind -> where its rows lack required columns

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
        self.cols = None
        self.current = None

    def _table(self, block: Table):
        self.seen_table = True
        self.current = None
        self.after_header = False
        if block.name is not None:  # a new sheet: everything starts again
            self.hint = sheet_kind(block.name)
            self.cols = None

    @staticmethod
    def _is_header(roles: list) -> bool:
        """A header row names the item's name and the number, or the name and at least two other columns."""
        known = [r for r in roles if r]
        return "name" in known and (NUMBER in known or len(set(known)) >= 3)

    def _row(self, row: Row):
        self.seen_table = True
        texts = ["\n".join(c.lines) for c in row.cells]
        filled = [t for t in texts if t.strip()]
        if not filled:
            return  # a blank row
        roles = [header_field(t) for t in texts]
        if self._is_header(roles) and not any(parse_number(t) is not None for t in texts[:1]):
            self._header(row, texts)
            return
        distinct = {t.strip() for t in filled}
        if len(distinct) == 1:
            only = distinct.pop()
            kind = title_kind(only)
            if kind and (self.cols is None or parse_number(only) is None):
                self.title_texts.append(only)
                self._switch(kind)
                return
        if self.cols is None:
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

    # -- columns
    def _header(self, row: Row, texts: list[str]):
        keys = [norm(t) for t in texts]
        if self.cols is not None and keys == self.header_keys and self.current is not None:
            return  # a header row repeated inside the table (page break): nothing changes
        cols = []
        for i, t in enumerate(texts):
            role, how = header_role(t)
            header = _SPACES.sub(" ", t).strip()
            cols.append(Col(i, keys[i] or f"（第{i + 1}列，无表头）", header or f"第{i + 1}列", role, how))
        self.header_keys = keys
        self.first_row = [_SPACES.sub(" ", t).strip() for t in texts]
        self.header_where = row.where
        self._apply(cols)
        self.validated = False
        self.after_header = True
        self.found_header = True
        self.current = None

    def _apply(self, cols: list[Col]):
        """Settle the roles (the user's choice first; one column per field; the rest to 备注) and
        record the columns in the report."""
        seen_keys: dict[str, int] = {}
        taken: set[str] = set()
        for col in cols:
            n = seen_keys[col.key] = seen_keys.get(col.key, 0) + 1
            if n > 1:  # one header over two columns (a merged cell): each column its own key
                col.key = f"{col.key}（第{n}列）"
                col.header = f"{col.header}（第{n}列）"
            col.use, col.how = self.report.role(col.key, col.header, col.use, col.how)
            if col.use not in (REMARKS, SKIP):
                if col.use in taken:
                    col.use, col.how = REMARKS, "duplicate"
                taken.add(col.use)
            self.report.add(col.key, col.header, col.use, col.how, self.header_where, col.index)
        self.cols = cols
        self.mapping = {}
        for col in cols:
            if col.use not in (REMARKS, SKIP):
                self.mapping.setdefault(col.use, col.index)

    def _col(self, i: int) -> Col:
        """The column at i; a column beyond the header's (cells without a header) goes to 备注."""
        while i >= len(self.cols):
            n = len(self.cols)
            col = Col(n, f"（第{n + 1}列，无表头）", f"第{n + 1}列", REMARKS, "unknown")
            col.use, col.how = self.report.role(col.key, col.header, REMARKS, "unknown")
            self.report.add(col.key, col.header, col.use, col.how, self.header_where, n)
            self.cols.append(col)
        return self.cols[i]

    def _subheader(self, row: Row, texts: list[str]) -> bool:
        """A second header row naming the columns a merged header cell spans (职权名称 → 项目 / 子项,
        承接部门及工作方式 → 承接部门 / 工作方式), or naming a column the first row left blank."""
        filled = [(i, t) for i, t in enumerate(texts) if t.strip()]
        if not filled or any(parse_number(t) is not None for _, t in filled) or len(texts) > len(self.header_keys):
            return False
        tops = self.header_keys
        spanned = {i for i in range(len(tops)) if tops[i] and (
            (i > 0 and tops[i - 1] == tops[i]) or (i + 1 < len(tops) and tops[i + 1] == tops[i]))}
        subs: dict[int, str] = {}
        for i, t in filled:
            if row.cells[i].merged or norm(t) == tops[i]:
                continue  # merged down from the first header row
            if i not in spanned and header_field(t) is None:
                return False
            subs[i] = t
        if not subs:
            return False
        for i in subs:
            self.report.forget(self.cols[i].key)
        cols = []
        parent_given: set[str] = set()
        for col in self.cols:
            i = col.index
            if i not in subs:
                cols.append(Col(i, *self._first_row(i)))
                continue
            sub = _SPACES.sub(" ", subs[i]).strip()
            top_header = self._top_header(i)
            role, how = header_role(sub)
            if role is None and i in spanned:
                parent, _ = header_role(top_header)
                if parent and parent not in parent_given:
                    role, how = parent, "subheader"
                    parent_given.add(parent)
                else:
                    role, how = REMARKS, "subheader"
            key = f"{tops[i]}/{norm(sub)}" if tops[i] else norm(sub)
            header = f"{top_header}/{sub}" if tops[i] else sub
            cols.append(Col(i, key, header, role, how))
        self._apply(cols)
        return True

    def _top_header(self, i: int) -> str:
        return self.first_row[i] if i < len(self.first_row) else ""

    def _first_row(self, i: int) -> tuple[str, str, str | None, str]:
        header = self._top_header(i)
        role, how = header_role(header)
        return (self.header_keys[i] or f"（第{i + 1}列，无表头）", header or f"第{i + 1}列", role, how)

    # -- data
    def _validate(self, kind: str | None = None) -> str:
        """The table of the rows under this header (or of one row, in a flat sheet): its required
        columns must be there."""
        roles = set(self.mapping)
        have = roles | {field_of_role(r) for r in roles}  # a part's column stands for its field
        if kind is None:
            if self.validated:
                return self.kind
            kind = kind_of_columns(roles)
            if self.hint and self.hint != kind:
                if kind == "basic":
                    kind = self.hint  # the title says which table: its columns are missing
                else:
                    self.warn(0, "table_kind", f"{self.header_where}：表格标题为“{KIND_LABELS[self.hint]}清单”，"
                                               f"但表头为{KIND_LABELS[kind]}清单的列，已按表头处理")
        missing = [COLUMN_NAMES[f] for f in REQUIRED[kind] if f not in have]
        if missing:
            raise ImportFailure(f"{KIND_LABELS[kind]}清单的表格缺少列：{'、'.join(missing)}（{self.header_where}）。"
                                f"应有的列：{'、'.join(COLUMN_NAMES[f] for f in ('number', *REQUIRED[kind]))}"
                                f"；若列名不同，请在预览中指定各列对应的字段 / a table lacks columns")
        if not self.flat_table:
            self.kind = kind
            self.validated = True
        return kind

    @property
    def flat_table(self) -> bool:
        return KIND in self.mapping

    def _cell(self, row: Row, col: int) -> Cell:
        return row.cells[col] if col < len(row.cells) else Cell([])

    def _content_cols(self):
        return [c for c in self.cols if c.use not in (NUMBER, KIND, SKIP)]

    def _data(self, row: Row, texts: list[str]):
        for i in range(len(self.cols), len(row.cells)):
            if texts[i].strip():
                self._col(i)
        if not self.flat_table:
            self._validate()
        num_col = self.mapping.get(NUMBER)
        if num_col is not None:
            num_cell = self._cell(row, num_col)
            number = parse_number("".join(num_cell.lines))
            if num_cell.merged and self.current is not None:
                self._continue(row, merged_number=True)
                return
            if number is None:
                if not any(self._cell(row, c.index).lines for c in self._content_cols()):
                    return
                if not num_cell.lines and self.current is not None:
                    self._continue(row)
                    return
                self.warn(row.line, "ignored_row", f"{row.where}：没有序号，已忽略（{' '.join(texts).strip()[:30]}）")
                return
        else:
            number = None
            name = self._cell(row, self.mapping["name"])
            if (name.merged or not name.lines) and self.current is not None:
                self._continue(row)
                return
        kind = self._row_kind(row) if self.flat_table else self.kind
        raw = _Raw(kind, number, row.where, row.line, {r for r in self.mapping if r not in (NUMBER, KIND)})
        self._take(raw, row, continued=False)
        self.rows.append(raw)
        self.current = raw

    def _row_kind(self, row: Row) -> str:
        """The table a flat sheet's row names in its table-type column (or, if it names none we
        know, the one its filled columns belong to, flagged)."""
        self.flat = True
        word = " ".join(self._cell(row, self.mapping[KIND]).lines).strip()
        kind = kind_of_word(word)
        if kind is None:
            filled = {c.use for c in self._content_cols() if self._cell(row, c.index).lines}
            kind = kind_of_columns(filled)
            self.warn(row.line, "unknown_kind", f"{row.where}：清单类型“{word}”无法识别（应为基本、配合或收回），"
                                                f"按所填的列归入{KIND_LABELS[kind]}清单，请核对")
        try:
            self._validate(kind)
        except ImportFailure as exc:
            self.missing.setdefault(kind, str(exc))
        return kind

    def _take(self, raw: _Raw, row: Row, continued: bool):
        """The row's cells into the item: fields of its table, the rest to 备注 under their headers."""
        for col in self.cols:
            cell = self._cell(row, col.index)
            if not continued:
                self.report.saw(col.key, "\n".join(cell.lines))
            if col.use in (NUMBER, KIND) or (continued and (cell.merged or not cell.lines)):
                continue
            lines = list(cell.lines)
            if col.use == SKIP or not lines:
                continue
            if col.use == REMARKS:
                raw.note(col, lines)
            elif not in_table(col.use, raw.kind) or (col.index != self.mapping.get(col.use)):
                raw.note(col, lines)  # a column the row's table has no field for: kept in 备注
                self.report.columns[col.key].moved += 1
                raw.flag(f"“{col.header}”列的内容不属于{KIND_LABELS[raw.kind]}清单的字段，已记入备注", "moved_to_remarks")
            else:
                raw.cells.setdefault(col.use, []).extend(lines)

    def _continue(self, row: Row, merged_number: bool = False):
        self._take(self.current, row, continued=True)
        self.current.flag(f"{row.where}续接上一行（单元格跨行），已合并", "continued_row")

    # -- results
    def _finish(self) -> ParsedList:
        if not self.found_header:
            raise ImportFailure(FAIL_NO_TABLE)
        if not self.rows:
            raise ImportFailure(FAIL_NO_ITEMS)
        if self.missing:
            raise ImportFailure(next(iter(self.missing.values())))
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
        if self.flat:
            self.warn(0, "flat_sheet", "表格按“清单类型”列把各行分入基本、配合、收回三张清单，各清单的序号从 1 重新编排")
        for col in self.report.list():
            if col.use == SKIP and col.cells:
                self.warn(0, "skipped_column", f"按您的选择，“{col.header}”列（{col.cells} 格有内容）未导入")
            elif col.how == "unknown" and col.cells:
                self.warn(0, "unknown_column", f"“{col.header}”列没有对应的字段，其内容以“{col.header}：……”记入备注；"
                                               "可在预览中改为其他字段或跳过")
        result.columns = self.report.list()
        awkward = result.remove_awkward()
        result.warnings = self.warnings + ([awkward] if awkward else []) + result.total_mismatches()
        return result

    def _places(self):
        found = [title_block_place(self.pre_texts), *(split_place(t) for t in self.title_texts)]
        self.warnings += resolve_places(self.result, found, self.township)

    def _items(self) -> list[ParsedItem]:
        items = []
        last_number: dict[str, int] = {}
        numbers: dict[str, set] = {k: set() for k in KINDS}
        last_category: dict[str, str] = {}
        counter: dict[str, int] = {}
        for raw in self.rows:
            counter[raw.kind] = counter.get(raw.kind, 0) + 1
            if raw.number is None or self.flat:
                raw.number = counter[raw.kind]
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
            setattr(item, REMARKS, _remarks(raw))
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
            if f.key in raw.roles:
                rows = receiving_of(lines)
            else:  # one column of departments, one of the way of working
                _, depts = departments_of(raw.cells.get(_part(f, "department"), []))
                method = join_text(raw.cells.get(_part(f, "method"), []))
                rows = [Receiving(d, method) for d in depts] if depts else [Receiving("", method)] if method else []
            setattr(item, f.key, rows)
            if not rows:
                raw.flag(f"{f.label}为空（未写明承接部门）", "missing_department")
        elif f.shape == Shape.citations:
            setattr(item, f.key, citations_of_text(lines))


def _remarks(raw: _Raw) -> str:
    """备注: a 备注 column as it is, every other column kept there under its header."""
    out = []
    for header, lines in raw.notes.values():
        text = "\n".join(clean_text(x) for x in lines if clean_text(x))
        if text:
            out.append(text if is_remarks_header(header) else remark_line(header, text))
    return "\n".join(out)
