"""Storing an imported list: the organisations it names, its departments, version 1."""
from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..importers.parsed import ImportFailure, ParsedList
from ..items import named_departments
from ..models import Organisation, OrgKind, Version
from ..models.org import level_name_of
from ..vocabulary import PREFECTURE_SHORT_NAMES
from . import bases
from . import departments as dept_registry
from .snapshot import EntryData, publish_version

#: the demo's and the benchmark's region (an import never defaults to it: its place comes from the
#: document, the place the user gives, or the national division list)
REGION = "新疆维吾尔自治区"
_SHORT = {full: short for short, full in PREFECTURE_SHORT_NAMES.items()}


def ensure_org(name: str, kind: OrgKind, parent: Organisation | None, short_name: str | None = None):
    org = db.session.scalar(select(Organisation).where(
        Organisation.name == name, Organisation.kind == kind,
        Organisation.parent_id == (parent.id if parent else None)))
    if org is None:
        org = Organisation(name=name, kind=kind, parent=parent, short_name=short_name,
                           level_name=level_name_of(name, kind))
        db.session.add(org)
        db.session.flush()
    return org


def county_short_name(county: str) -> str | None:
    """木垒哈萨克自治县 -> 木垒县 (the form documents also use); None for ordinary counties."""
    if not county.endswith("自治县"):
        return None
    return re.sub(r"(哈萨克|蒙古|回族|柯尔克孜|锡伯|塔吉克)?自治县$", "县", county)


def ensure_township(region: str, prefecture: str, county: str, township: str) -> Organisation:
    """The township organisation and everything above it, plus the county's establishment office
    (named after the county: 吉木萨尔县委编办, 清河区委编办, 开原市委编办)."""
    reg = ensure_org(region, OrgKind.region, None)
    pref = ensure_org(prefecture, OrgKind.prefecture, reg, _SHORT.get(prefecture))
    cty = ensure_org(county, OrgKind.county, pref, county_short_name(county))
    if not dept_registry.bodies(cty, kinds=(OrgKind.office,)):  # the administrator may have named it otherwise
        ensure_org(f"{county}委编办", OrgKind.office, cty)
    return ensure_org(township, OrgKind.township, cty)


def entries_from(parsed: ParsedList) -> list[EntryData]:
    bases.link_parsed(parsed.items)  # 依据 matched to the library where they can be, kept as text otherwise
    out = []
    for it in parsed.items:
        out.append(EntryData(kind=it.kind, number=it.number, fields=it.fields(), flags=list(it.flags) or None))
    return out


#: the widest text each short column holds (longer cells are a misread file, not a duty list)
LIMITS = {"category": 50, "department": 100, "place": 100}


def check_lengths(parsed: ParsedList) -> None:
    """Refuse, before anything is written, cells longer than the columns that hold them."""
    for label, value in (("乡镇", parsed.township), ("县", parsed.county), ("市（州）", parsed.prefecture),
                         ("省（自治区）", parsed.region)):
        if value and len(value) > LIMITS["place"]:
            raise ImportFailure(f"{label}名称过长（超过 {LIMITS['place']} 字） / place name too long")
    for it in parsed.items:
        if len(it.category) > LIMITS["category"]:
            raise ImportFailure(f"第 {it.line} 行：事项类别过长（超过 {LIMITS['category']} 字） / category too long")
        names = named_departments(it.fields())
        if any(len(n) > LIMITS["department"] for n in names):
            raise ImportFailure(f"第 {it.line} 行：部门名称过长（超过 {LIMITS['department']} 字） / department name too long")


def place_problems(parsed: ParsedList) -> str | None:
    """Why the list cannot be filed under a place (a question, in Chinese), or None."""
    if parsed.place_problem:
        return parsed.place_problem
    missing = [label for label, v in (("乡镇（街道）", parsed.township), ("县（区）", parsed.county),
                                      ("市（州）", parsed.prefecture), ("省（自治区、直辖市）", parsed.region)) if not v]
    if missing:
        return f"文件未写明{'、'.join(missing)}：请写明所在地区的全称，如“辽宁省铁岭市清河区红旗街道”"
    return None


def import_list(parsed: ParsedList, *, published_by=None, entries: list[EntryData] | None = None) -> Version:
    """Create the township (if new) and store the parsed list as its version 1. The place is the
    one the document or the user names, completed from the national division list; a place that
    cannot be found is refused with a question, never filed under a default region. `entries`: the
    list's entries prepared beforehand (entries_from), so that the caller's write transaction is short."""
    if entries is None:
        check_lengths(parsed)
    problem = place_problems(parsed)
    if problem:
        raise ImportFailure(f"{problem}（命令行请用 --township 指定） / "
                            "the place is missing or not found; give it in full with --township")
    township = ensure_township(parsed.region, parsed.prefecture, parsed.county, parsed.township)
    if db.session.scalar(select(Version.id).where(Version.township_id == township.id).limit(1)):
        raise ImportFailure(f"{parsed.township}已有清单版本，修改须走修订流程 / "
                            "this township already has a list; revise it instead")
    county = township.county
    reg = dept_registry.registry(county)
    entries = entries if entries is not None else entries_from(parsed)
    for e in entries:
        for name in named_departments(e.fields):
            dept_registry.ensure_department(county, name, reg)
    db.session.flush()
    title = f"{township.parent.parent.short_name or township.parent.parent.name}{county.name}{township.name}履职事项清单"
    return publish_version(township, entries, source="import", published_by=published_by, title=title,
                           doc_date=parsed.date, import_report=parsed.report())
