"""Plain data produced by every importer: no Flask, no database."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..items import KIND_LABELS, KINDS
from ..textrules import awkward_chars, code_points, strip_awkward
from .columns import SourceColumn


class ImportFailure(Exception):
    """The input is not a duty list (empty, binary, unknown layout): nothing may be written."""


@dataclass
class Receiving:
    """One receiving department of a withdrawn item and how the work is now done."""

    department: str  #: "" when the item is simply dropped (e.g. 法律法规条款已失效)
    method: str


@dataclass
class ParsedItem:
    """One row of one of the three tables, cleaned but otherwise as the document has it."""

    kind: str  #: basic | cooperative | withdrawn
    number: int  #: 序号 as printed
    category: str  #: 事项类别 as printed ("" if the cell is empty)
    name: str  #: 事项名称
    departments: list[str] = field(default_factory=list)  #: cooperative 对应上级部门, split
    departments_text: str = ""  #: cooperative 对应上级部门 cell as printed
    dept_duties: list[str] = field(default_factory=list)  #: 上级部门职责, one line per step
    township_duties: list[str] = field(default_factory=list)  #: 乡镇配合职责, one line per step
    receiving: list[Receiving] = field(default_factory=list)  #: withdrawn 承接部门及工作方式
    remarks: str = ""  #: 备注: its own column, and the columns without a field of their own ("实施依据：……")
    #: 依据 as read: [{basis_id, article, text}], pending (basis_id None) until matched to the library
    bases: list[dict] = field(default_factory=list)
    line: int = 0  #: 1-based source line where the row starts
    flags: list[str] = field(default_factory=list)  #: why the parser is unsure of this row

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParsedItem:
        """The item to_dict() gave (e.g. kept as JSON between an upload's preview and its import)."""
        return cls(**{**data, "receiving": [Receiving(**r) for r in data.get("receiving") or []]})

    def fields(self) -> dict:
        """The item's content, keyed as the item schema keys it (dutylist.items.CONTENT_KEYS)."""
        return {"category": self.category, "name": self.name, "departments_text": self.departments_text,
                "departments": list(self.departments), "dept_duties": list(self.dept_duties),
                "township_duties": list(self.township_duties),
                "receiving": [{"department": r.department, "method": r.method} for r in self.receiving],
                "remarks": self.remarks, "bases": [dict(c) for c in self.bases]}


@dataclass
class ImportWarning:
    line: int  #: 1-based source line (0 when it concerns the whole document)
    code: str  #: short machine code, e.g. "ocr_category", "empty_category", "total_mismatch"
    message: str  #: Chinese, for people


@dataclass
class ParsedList:
    township: str | None = None  #: e.g. 大有镇
    county: str | None = None  #: e.g. 吉木萨尔县
    prefecture: str | None = None  #: full name, e.g. 昌吉回族自治州, 铁岭市
    region: str | None = None  #: the province-level place, e.g. 新疆维吾尔自治区, 辽宁省, 北京市
    date: str | None = None  #: e.g. 2025年7月
    items: list[ParsedItem] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    stated_totals: dict[str, int] | None = None  #: {"total":309,"basic":119,...} when the document states them
    #: the question to ask when the place is not known well enough to file the list (Chinese), else None
    place_problem: str | None = None
    #: every column of the source and what became of it (a field, 备注, skipped, the number…)
    columns: list[SourceColumn] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[ParsedItem]:
        return [i for i in self.items if i.kind == kind]

    def remove_awkward(self) -> ImportWarning | None:
        """Remove control characters and non-characters (dutylist.textrules) from every text the
        list holds; the warning the preview shows when there were any (which, in how many items)."""
        found: list[str] = []
        touched = 0

        def clean(text: str) -> str:
            chars = awkward_chars(text)
            if not chars:
                return text
            found.extend(chars)
            return strip_awkward(text)

        for item in self.items:
            before = item.to_dict()
            for key in ("category", "name", "departments_text", "remarks"):
                setattr(item, key, clean(getattr(item, key)))
            for key in ("departments", "dept_duties", "township_duties"):
                setattr(item, key, [clean(x) for x in getattr(item, key)])
            item.receiving = [Receiving(clean(r.department), clean(r.method)) for r in item.receiving]
            touched += item.to_dict() != before
        for key in ("township", "county", "prefecture", "region", "date"):
            if getattr(self, key):
                setattr(self, key, clean(getattr(self, key)))
        if not found:
            return None
        return ImportWarning(0, "awkward_characters",
                             f"已删除文件中的控制字符或非字符（{code_points(dict.fromkeys(found))}），"
                             f"涉及 {touched} 个事项")

    def counts(self) -> dict[str, int]:
        return {k: len(self.of_kind(k)) for k in KINDS}

    def total_mismatches(self) -> list[ImportWarning]:
        """A warning for each total the document states (its 说明) that the parsed tables do not have."""
        if not self.stated_totals:
            return []
        counts = {**self.counts(), "total": len(self.items)}
        out = []
        for key, stated in self.stated_totals.items():
            if counts.get(key) != stated:
                label = "履职事项总数" if key == "total" else KIND_LABELS[key]
                out.append(ImportWarning(0, "total_mismatch", f"说明中{label}为{stated}项，表格中为{counts.get(key)}项"))
        return out

    def report(self) -> dict:
        """The JSON report of `import-list --json`."""
        return {
            "township": self.township,
            "county": self.county,
            "prefecture": self.prefecture,
            "region": self.region,
            "place_problem": self.place_problem,
            "counts": self.counts(),
            "total": len(self.items),
            "stated_totals": self.stated_totals,
            "warnings": [asdict(w) for w in self.warnings],
            "columns": [c.to_dict() for c in self.columns],
        }
