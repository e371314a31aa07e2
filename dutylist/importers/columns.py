"""How each column of an imported list is understood, and what became of it.

A column's header decides its *role*: the number (序号), the table-type column of a flat sheet
(事项类型: 基本 / 配合 / 收回), one of the item's fields (or one part of a field's cell, e.g. the
承接部门 half of 承接部门及工作方式), 备注 (a column the item has no field for: its cells go to 备注
under the column's header, "实施依据：……"), or skipped — only when the user says so. The header
rules come from the item schema (`Field.headers`, `NOTE_HEADERS`, `TABLE_TYPE_HEADERS`); a user's
choice for a header (`overrides`, {header key: role}) wins over them.

Every importer reports its columns as `SourceColumn`s: the preview shows them and lets the user
change a role, and `import-list --json` lists them. A column is never dropped in silence.

Pure: no Flask, no database.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..items import CATCH_ALL, FIELDS, NOTE_HEADERS, TABLE_TYPE_HEADERS, fields_of
from ..items import field as schema_field

NUMBER, KIND, SKIP = "number", "kind", "skip"
REMARKS = CATCH_ALL  #: 备注: the field itself, and where a column without a field of its own goes
NUMBER_HEADERS = ("序号", "编号", "序", "No", "No.", "#", "顺序号")
_SPACES = re.compile(r"[\s\u3000\xa0]+")

#: how a column came by its role
HOW_LABELS = {
    "official": "官方列名", "synonym": "同义列名", "note": "无对应字段，记入备注", "unknown": "未识别，记入备注",
    "duplicate": "与前一列重复，记入备注", "user": "按您的选择", "subheader": "按两行表头",
}


def part_key(f, part: str) -> str:
    """The role of a column holding one part of a field's cell (承接部门 of 承接部门及工作方式)."""
    return f"{f.key}.{part}"


#: (regular expression, role, official header) in the order they are tried, from the item schema
HEADER_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(pattern), role) for f in sorted(FIELDS, key=lambda f: f.header_rank)
    for pattern, role in ([(p, f.key) for p in f.headers] + [(p, part_key(f, part)) for part, p in f.part_headers])]
TYPE_RULES = [re.compile(p) for p in TABLE_TYPE_HEADERS]
NOTE_RULES = [(name, re.compile(p)) for name, patterns in NOTE_HEADERS for p in patterns]

#: every role a user may give a column, with its Chinese label, in the order the preview offers them
ROLE_LABELS: dict[str, str] = {
    NUMBER: "序号", KIND: "清单类型（基本 / 配合 / 收回）",
    **{f.key: f.label for f in FIELDS if f.key != REMARKS},
    **{part_key(f, part): {"department": "承接部门", "method": "工作方式"}.get(part, part)
       for f in FIELDS for part, _ in f.part_headers},
    REMARKS: "备注（保留列名）", SKIP: "跳过，不导入",
}
OFFICIAL = {_SPACES.sub("", f.column): f.key for f in FIELDS} | {_SPACES.sub("", f.label): f.key for f in FIELDS}


def norm(text: str) -> str:
    return _SPACES.sub("", text or "").replace("（", "(").replace("）", ")")


def header_role(text: str) -> tuple[str | None, str]:
    """(role, how) a header names; (None, "") for a header no rule knows."""
    h = norm(text)
    if not h or len(h) > 20:
        return None, ""
    if h in NUMBER_HEADERS:
        return NUMBER, "official"
    if any(rx.search(h) for rx in TYPE_RULES):
        return KIND, "synonym"
    if h.replace("(", "（").replace(")", "）") in OFFICIAL or h in OFFICIAL:
        return OFFICIAL.get(h) or OFFICIAL[h.replace("(", "（").replace(")", "）")], "official"
    for rx, role in HEADER_RULES:
        if rx.search(h):
            return role, "synonym"
    if any(rx.search(h) for _, rx in NOTE_RULES):
        return REMARKS, "note"
    return None, ""


def field_of_role(role: str) -> str:
    """The field a role fills (a part's field for a part), or the role itself."""
    return role.split(".")[0]


def in_table(role: str, kind: str) -> bool:
    """Whether a table has the field this role fills."""
    return field_of_role(role) in {f.key for f in fields_of(kind)}


@dataclass
class SourceColumn:
    """One column of the source, as the preview and `--json` report it."""

    key: str  #: the header without spaces (two header rows: "职权名称/子项"); what a user's choice is keyed by
    header: str  #: as printed
    use: str  #: its role: number | kind | a field key or part | 备注 | skip
    how: str  #: official | synonym | note | unknown | duplicate | user | subheader
    where: list[str] = field(default_factory=list)  #: the tables or sheets it appears in
    cells: int = 0  #: non-empty cells read from it
    sample: str = ""  #: its first non-empty cell, shortened
    moved: int = 0  #: cells put in 备注 because their row's table has no such field
    seq: tuple = (0, 0)  #: (table, column) where it was first seen: the order the preview lists columns in

    @property
    def use_label(self) -> str:
        if self.use == REMARKS and is_remarks_header(self.header):
            return "备注"
        return ROLE_LABELS.get(self.use, self.use)

    @property
    def how_label(self) -> str:
        return HOW_LABELS.get(self.how, self.how)

    def to_dict(self) -> dict:
        return {**asdict(self), "seq": list(self.seq), "understood_as": self.use_label, "how_label": self.how_label}

    @classmethod
    def from_dict(cls, data: dict) -> SourceColumn:
        return cls(**{k: tuple(v) if k == "seq" else v for k, v in data.items() if k in cls.__dataclass_fields__})


class ColumnReport:
    """The source columns of one import, gathered by header key as tables are read."""

    def __init__(self, overrides: dict[str, str] | None = None):
        self.overrides = {k: v for k, v in (overrides or {}).items() if v in ROLE_LABELS}
        self.columns: dict[str, SourceColumn] = {}
        self.tables: list[str] = []

    def role(self, key: str, header: str, role: str | None, how: str) -> tuple[str, str]:
        """The role of a column: the user's choice, else the rule's, else 备注 (never dropped)."""
        if key in self.overrides:
            return self.overrides[key], "user"
        if role is None:
            return REMARKS, "unknown"
        return role, how

    def add(self, key: str, header: str, role: str, how: str, where: str, index: int = 0) -> SourceColumn:
        if where not in self.tables:
            self.tables.append(where)
        col = self.columns.get(key)
        if col is None:
            col = self.columns[key] = SourceColumn(key, header, role, how, seq=(self.tables.index(where), index))
        if where not in col.where:
            col.where.append(where)
        return col

    def forget(self, key: str) -> None:
        """A column the first of two header rows named, now named by the second: not a column of its own."""
        col = self.columns.get(key)
        if col is not None and not col.cells:
            del self.columns[key]

    def saw(self, key: str, text: str) -> None:
        col = self.columns.get(key)
        if col is not None and text.strip():
            col.cells += 1
            if not col.sample:
                col.sample = text.strip().replace("\n", " ")[:40]

    def list(self) -> list[SourceColumn]:
        """The columns, but those without a header that held nothing (a ragged table's edge)."""
        return sorted((c for c in self.columns.values() if c.cells or not c.key.startswith("（第")),
                      key=lambda c: c.seq)


def remark_line(header: str, text: str) -> str:
    """A cell kept in 备注 under its column's header: "实施依据：《……》"."""
    return f"{header}：{text}" if header else text


def is_remarks_header(header: str) -> bool:
    """A column that is itself a 备注 column: its cells go to 备注 as they are, without the header."""
    return any(re.search(p, norm(header)) for p in schema_field(REMARKS).headers)
