"""Filtering a long list (a draft or a version) by table, category, department, text and "changed only".

The pages render every row and mark those that do not match `hidden`, so the filter works without
JavaScript (a GET form) and static/list-filter.js can filter the same rows again as the user types.
The script reads the row's data-cat and data-depts (`departments_attr`; dutylist/views/cells.py
`row_attrs`) and its cells, and matches as `ItemFilter.matches` does: keep both in step
(tests/test_browser_long_lists.py checks the script's counts against the server's).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .content import field_text, named_departments
from .fields import FIELDS
from .tables import KINDS

#: a typed value longer than this is cut (no one types a 200-character search into a list)
LIMIT = 100
#: the fields the text search reads: the name and the duties, everything a row shows but its
#: 序号 and 事项类别 (which has its own filter)
TEXT_KEYS = tuple(f.key for f in FIELDS if not f.vocabulary)
#: what separates the names of an item's departments on its row (data-depts)
DEPT_SEPARATOR = "|"

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """For matching: no whitespace (cells wrap, PDFs split words), case folded."""
    return _SPACE.sub("", text or "").casefold()


def terms(text: str) -> list[str]:
    """The words of a search: each must be found (spaces separate them)."""
    return [normalise(t) for t in (text or "").split() if t.strip()]


def search_text(fields: Mapping) -> str:
    """What the text search looks in: the name, the departments, the duties, 承接 and 备注, normalised."""
    return normalise("".join(field_text(fields, key) for key in TEXT_KEYS))


@dataclass(frozen=True)
class ItemFilter:
    table: str = ""  #: a kind (basic / cooperative / withdrawn), or "" for every table
    category: str = ""  #: 事项类别, exactly
    department: str = ""  #: part of a department's name (对应上级部门 / 承接部门)
    q: str = ""  #: words, each somewhere in the name or the duties
    changed: bool = False  #: drafts: only items added, changed or moved to another table

    @classmethod
    def from_args(cls, args: Mapping, *, allow_changed: bool = True) -> ItemFilter:
        """From a query string; values that mean nothing (an unknown table) are dropped."""
        def text(name: str) -> str:
            return " ".join((args.get(name) or "").split())[:LIMIT]
        table = text("table")
        return cls(table=table if table in KINDS else "", category=text("category"),
                   department=text("department"), q=text("q"),
                   changed=allow_changed and (args.get("changed") or "") in ("1", "on", "true"))

    @property
    def active(self) -> bool:
        return bool(self.table or self.category or self.department or self.q or self.changed)

    def args(self) -> dict:
        """The filter as query parameters (for links and redirects): only what is set."""
        out = {"table": self.table, "category": self.category, "department": self.department, "q": self.q,
               "changed": "1" if self.changed else ""}
        return {k: v for k, v in out.items() if v}

    def shows_table(self, kind: str) -> bool:
        return not self.table or self.table == kind

    def matches(self, kind: str, fields: Mapping, changed: bool = False) -> bool:
        if not self.shows_table(kind):
            return False
        if self.category and (fields.get("category") or "") != self.category:
            return False
        if self.department:
            wanted = normalise(self.department)
            if not any(wanted in normalise(name) for name in named_departments(fields)):
                return False
        if self.q:
            haystack = search_text(fields)
            if not all(t in haystack for t in terms(self.q)):
                return False
        return not self.changed or changed


@dataclass(frozen=True)
class FilterOptions:
    """What the form offers: the categories and departments the list has."""

    categories: tuple[str, ...]
    departments: tuple[str, ...]
    total: int


def options(items: Iterable[tuple[str, Mapping]], names: Mapping | None = None) -> FilterOptions:
    """From (kind, fields) pairs: categories in order of first use, departments sorted; `names`: item id ->
    named_departments of its fields, when the caller has them already."""
    categories: dict[str, None] = {}
    departments: set[str] = set()
    total = 0
    for _kind, fields in items:
        total += 1
        if fields.get("category"):
            categories.setdefault(fields["category"], None)
        departments.update(names[fields["item_id"]] if names is not None else named_departments(fields))
    return FilterOptions(tuple(categories), tuple(sorted(departments)), total)


def departments_attr(fields: Mapping, named: list[str] | None = None) -> str:
    """The departments a row names (`named`, when the caller has them already), as its data-depts attribute
    for list-filter.js."""
    return DEPT_SEPARATOR.join(named_departments(fields) if named is None else named)
