"""What an exported list document holds, whatever its format: a ListDocument.

A ListDocument is built from a published Version, from a Revision (a draft, marked as such
with its round) or from a ParsedList (tests and the command line). Every exporter renders
the same title, date, 说明 preface and three tables from it, with the cell texts of
`cell_lines`, which the Word and Excel importers read back exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from workflow.states import STATUS_LABELS, Status

from .. import clock, timefmt
from ..importers.parsed import ParsedList
from ..items import CONTENT_KEYS, FIELDS, KIND_LABELS, KINDS, Shape, citation_lines, fields_of, receiving_lines
from ..items import field as schema_field
from ..services import drafts, list_counts, snapshot
from ..services.list_counts import list_stats
from ..textrules import strip_awkward
from ..vocabulary import PREFECTURE_SHORT_NAMES

#: The official columns of each table: (field, header), from the item schema; an optional field's
#: column (备注) is added to a table only where some item has it (ListDocument.columns).
COLUMNS: dict[str, list[tuple[str, str]]] = {
    kind: [("number", "序号")] + [(f.key, f.column) for f in fields_of(kind) if not f.optional] for kind in KINDS}
#: the part of a table's width an optional column takes when it is printed
OPTIONAL_SHARE = 0.2


def fit_widths(widths, columns) -> list:
    """The official column widths, with room made for the optional columns printed after them: each
    takes OPTIONAL_SHARE of the total, the official ones shrink in proportion."""
    widths = list(widths)
    extra = len(columns) - len(widths)
    if extra <= 0:
        return widths
    total = sum(widths)
    share = min(0.5, OPTIONAL_SHARE * extra)
    return [w * (1 - share) for w in widths] + [total * share / extra] * extra
#: Marks the files this system writes (Word and Excel document properties).
GENERATOR = "dutylist 乡镇履职事项清单修订系统"


def xml_safe(text: str) -> str:
    """The text without the characters no download may carry (textrules: XML cannot hold most of them)."""
    return strip_awkward(text)


def cn_date(d: date | datetime) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class DraftMark:
    """How a draft's export says it is a draft."""

    revision_id: int | None
    round: int
    status: str  #: e.g. drafting
    status_label: str  #: e.g. 起草中
    title: str = ""

    @property
    def line(self) -> str:
        return f"修订稿（草稿，非正式发布文本）· 第 {self.round} 轮 · {self.status_label}"


@dataclass
class ListDocument:
    title: str  #: e.g. 昌吉州奇台县奇台镇履职事项清单
    township: str
    county: str | None
    prefecture: str | None
    region: str | None
    date: str  #: printed under the title, e.g. 2025年7月
    entries: list[dict]  #: kind, number, item_id + CONTENT_KEYS, in official order
    stats: dict  #: services.list_counts.list_stats of the entries
    draft: DraftMark | None = None
    version_number: int | None = None
    digest: str | None = None
    township_id: int | None = None
    exported_at: datetime = field(default_factory=lambda: timefmt.now())  #: aware, in the configured zone

    # ------------------------------------------------------------------ reading
    def of_kind(self, kind: str) -> list[dict]:
        return [e for e in self.entries if e["kind"] == kind]

    def columns(self, kind: str) -> list[tuple[str, str]]:
        """The table's columns: the official ones, and an optional field's (备注) where some item has it."""
        entries = self.of_kind(kind)
        return COLUMNS[kind] + [(f.key, f.column) for f in fields_of(kind)
                                if f.optional and any(e.get(f.key) for e in entries)]

    def optional_keys(self) -> set[str]:
        """The optional fields no item of the document has: left out of CSV and JSON like the tables."""
        return {f.key for f in FIELDS if f.optional and not any(e.get(f.key) for e in self.entries)}

    @property
    def title_prefix(self) -> str:
        """The title without 履职事项清单: what the table titles start with."""
        return re.sub(r"履职事项清单$", "", self.title)

    def table_title(self, kind: str) -> str:
        return f"{self.title_prefix}{KIND_LABELS[kind]}清单"

    def preface(self) -> list[str]:
        """The 说明 paragraphs: totals per table, per category, departments involved (as seed 002)."""
        s = self.stats
        per_kind = s["per_kind"]
        parts = "、".join(f"{KIND_LABELS[k]} {per_kind[k]} 项" for k in KINDS)
        out = [f"共有履职事项 {s['total']} 项，其中，{parts}。"]
        for k in KINDS:
            if not per_kind[k]:
                continue
            cats = s["per_category"][k]
            listed = "、".join(f"{cat or '（未填类别）'} {n} 项" for cat, n in cats)
            text = f"{KIND_LABELS[k]}清单包括{listed}，共 {len(cats)} 个类别"
            if s["departments"].get(k):
                text += f"，涉及 {s['departments'][k]} 个部门（单位）"
            out.append(text + "。")
        return out

    @property
    def subtitle(self) -> str:
        """A line for document properties: which version or draft this is."""
        if self.draft is not None:
            return self.draft.line
        if self.version_number is not None:
            return f"第 {self.version_number} 版"
        return ""

    def filename(self, ext: str) -> str:
        base = self.title
        if self.draft is not None:
            base += f"-修订稿第{self.draft.round}轮"
        elif self.version_number is not None:
            base += f"-第{self.version_number}版"
        return re.sub(r'[\\/:*?"<>|\s]+', "_", base) + "." + ext


# ---------------------------------------------------------------------- cell texts

def cell_lines(entry: dict, field_name: str) -> list[str]:
    """The text of one cell, as lines (each step of a duty cell is a line of its own)."""
    if field_name == "number":
        return [str(entry["number"])]
    value = entry.get(field_name)
    if schema_field(field_name).shape == Shape.department_rows:
        return [xml_safe(x) for x in receiving_lines(value, merge=True)]
    if schema_field(field_name).shape == Shape.citations:
        return [xml_safe(x) for x in citation_lines(value)]
    if isinstance(value, list):
        return [xml_safe(x) for x in value if x]
    return [xml_safe(value)] if value else []


# ---------------------------------------------------------------------- builders

def _place_chain(township) -> tuple:
    county = township.parent
    prefecture = county.parent if county is not None else None
    region = prefecture.parent if prefecture is not None else None
    return county, prefecture, region


def default_title(township) -> str:
    county, prefecture, _ = _place_chain(township)
    pref = (prefecture.short_name or prefecture.name) if prefecture is not None else ""
    return f"{pref}{county.name if county is not None else ''}{township.name}履职事项清单"


def _plain(entries: list[dict]) -> list[dict]:
    out = []
    for e in entries:
        d = {"kind": e["kind"], "number": e["number"], "item_id": e.get("item_id")}
        for f in CONTENT_KEYS:
            v = e.get(f)
            if isinstance(v, list):
                d[f] = [strip_awkward(x) if isinstance(x, str) else x for x in v]
            else:
                d[f] = strip_awkward(v) if isinstance(v, str) else (v or "")
        for f in FIELDS:
            if f.shape == Shape.department_rows:
                d[f.key] = [{"department": strip_awkward(r.get("department")), "method": strip_awkward(r.get("method"))}
                            for r in (e.get(f.key) or [])]
            elif f.shape == Shape.citations:
                d[f.key] = [{"basis_id": c.get("basis_id"), "article": strip_awkward(c.get("article") or ""),
                             "text": strip_awkward(c.get("text") or "")} for c in (e.get(f.key) or [])]
        out.append(d)
    return sorted(out, key=lambda d: KINDS.index(d["kind"]))


def from_version(version) -> ListDocument:

    township = version.township
    county, prefecture, region = _place_chain(township)
    entries = _plain(snapshot.read_entries(version))
    return ListDocument(
        title=strip_awkward(version.title or default_title(township)), township=township.name,
        county=getattr(county, "name", None), prefecture=getattr(prefecture, "name", None),
        region=getattr(region, "name", None),
        date=version.doc_date or cn_date(timefmt.localdate(version.published_at)), entries=entries,
        stats=list_counts.list_stats(entries, county), version_number=version.number, digest=version.digest,
        township_id=township.id)


def from_revision(revision) -> ListDocument:


    township = revision.township
    county, prefecture, region = _place_chain(township)
    entries = _plain(drafts.draft_entries(revision))
    base = revision.base_version
    mark = DraftMark(revision.id, revision.round, revision.status, STATUS_LABELS[Status(revision.status)],
                     strip_awkward(revision.title))
    return ListDocument(
        title=strip_awkward(base.title if base is not None and base.title else default_title(township)),
        township=township.name, county=getattr(county, "name", None),
        prefecture=getattr(prefecture, "name", None), region=getattr(region, "name", None),
        date=cn_date(clock.today()), entries=entries, stats=list_counts.list_stats(entries, county),
        draft=mark, township_id=township.id)


def from_parsed(parsed: ParsedList, title: str | None = None, draft: DraftMark | None = None) -> ListDocument:
    """A document straight from an importer's result (no database)."""
    entries = _plain([{"kind": i.kind, "number": i.number, "item_id": None, **i.fields()} for i in parsed.items])
    if title is None:
        short = {v: k for k, v in PREFECTURE_SHORT_NAMES.items()}.get(parsed.prefecture or "", parsed.prefecture)
        title = f"{short or ''}{parsed.county or ''}{parsed.township or ''}履职事项清单"
    return ListDocument(
        title=title, township=parsed.township or "", county=parsed.county, prefecture=parsed.prefecture,
        region=parsed.region, date=parsed.date or cn_date(clock.today()), entries=entries,
        stats=list_stats(entries), draft=draft)
