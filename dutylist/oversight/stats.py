"""Statistics as an official preface states them, over the current versions of the townships under
an organisation (a township, a county, a prefecture, the region): items per table, per category, and
the departments involved (distinct services.departments.department_key, so 吉木萨尔县民政局 and
县民政局 count once; across counties every county's 县民政局 is the same key, i.e. the same kind of body).

Set-based: one query for the current versions (their Version.counts give the totals per table), one
GROUP BY for the categories, one DISTINCT for the department names; nothing per township.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Text, and_, cast, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..items import KINDS
from ..models import ChunkEntry, ContentDepartment, ItemContent, Organisation, OrgKind, Version, VersionChunk
from ..services.departments import department_key
from ..vocabulary import CATEGORIES

LEVELS = (OrgKind.township, OrgKind.county, OrgKind.prefecture, OrgKind.region)
#: what a level's breakdown lists: a county lists its townships, a prefecture its counties...
CHILD_LEVEL = {OrgKind.county: OrgKind.township, OrgKind.prefecture: OrgKind.county,
               OrgKind.region: OrgKind.prefecture}
_ORDER = {c: i for i, c in enumerate(CATEGORIES)}


@dataclass
class Part:
    """One row of the breakdown: a township (with its version) or a county / prefecture (summed)."""

    id: int
    name: str
    level: str
    townships: int = 0
    with_version: int = 0
    version_number: int | None = None  #: a township's current version
    per_kind: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    order: tuple = ()  #: prefecture, county, township ids: the order of the breakdown

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())


@dataclass
class ScopeStats:
    org: Organisation
    townships: int
    with_version: int
    per_kind: dict[str, int]
    per_category: dict[str, list[tuple[str, int]]]  #: per table, in the vocabulary's order
    category_rows: list[tuple[str, dict[str, int]]]  #: every category with its count per table
    departments: dict[str, int]  #: per table
    departments_total: int  #: across the three tables
    parts: list[Part]
    version_number: int | None = None  #: for a township

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())

    @property
    def categories(self) -> int:
        return len(self.category_rows)


def _category_key(cat: str):
    return (_ORDER.get(cat, len(_ORDER)), cat)


#: module-level aliases: SQLAlchemy memoizes their adapted columns (new ones per request are slow)
TOWN = aliased(Organisation, name="town")
COUNTY = aliased(Organisation, name="county")
PREF = aliased(Organisation, name="pref")
NEWER = aliased(Version, name="newer")
OWNER = aliased(Organisation, name="owner")


def county_ids_under(org: Organisation) -> list[int]:
    """The ids of the counties at or under org (a township: its own county)."""
    if org.kind == OrgKind.township:
        return [org.parent_id]
    if org.kind == OrgKind.county:
        return [org.id]
    stmt = select(Organisation.id).where(Organisation.kind == OrgKind.county)
    if org.kind == OrgKind.prefecture:
        stmt = stmt.where(Organisation.parent_id == org.id)
    else:
        stmt = stmt.where(Organisation.parent_id.in_(select(Organisation.id).where(Organisation.parent_id == org.id)))
    return list(db.session.scalars(stmt))


def scope_stats(org: Organisation) -> ScopeStats:
    """The preface figures of every township under org, over each one's current version."""
    town, county, pref = TOWN, COUNTY, PREF
    # the counties as an id list, not a join up the tree: PostgreSQL misjudges that self-join's size
    # by three orders of magnitude and then loops (see oversight.dashboard)
    under = and_(town.kind == OrgKind.township, town.parent_id.in_(county_ids_under(org)))
    if org.kind == OrgKind.township:
        under = and_(under, town.id == org.id)
    newer = NEWER  # current: no newer version (an anti-join, hashed at scale)
    is_current = ~(select(newer.id).where(newer.township_id == Version.township_id, newer.number > Version.number)
                   .correlate(Version).exists())
    current_ids = select(Version.id).join(town, town.id == Version.township_id).where(under, is_current)

    # the townships, their counties and prefectures, and each one's current version (its counts as
    # JSON text, decoded here: at 40,000 townships the driver's per-row JSON handling cost more than the query)
    rows = db.session.execute(
        select(town.id, town.name, county.id, county.name, pref.id, pref.name, Version.number,
               cast(Version.counts, Text))
        .select_from(town).join(county, town.parent_id == county.id)
        .outerjoin(pref, county.parent_id == pref.id)
        .outerjoin(Version, and_(Version.township_id == town.id, is_current))
        .where(under)).all()
    child = CHILD_LEVEL.get(OrgKind(org.kind), OrgKind.township)
    parts: dict[int, Part] = {}
    loads = json.loads
    for tid, tname, cid, cname, pid, pname, vnum, counts_text in rows:
        if child == OrgKind.township:
            key, name, order = tid, tname, (pid or 0, cid, tid)
        elif child == OrgKind.county:
            key, name, order = cid, cname, (pid or 0, cid)
        else:
            key, name, order = pid, pname, (pid or 0,)
        part = parts.get(key)
        if part is None:
            part = parts[key] = Part(key, name, child.value, order=order)
        part.townships += 1
        if vnum is None:
            continue
        part.with_version += 1
        part.version_number = vnum
        counts = loads(counts_text) if counts_text else {}
        for k in KINDS:
            part.per_kind[k] += int(counts.get(k) or 0)
    ordered_parts = sorted(parts.values(), key=lambda p: p.order)
    per_kind = {k: sum(p.per_kind[k] for p in ordered_parts) for k in KINDS}

    # per table and category
    per_cat: dict[str, Counter] = {k: Counter() for k in KINDS}
    for kind, category, n in db.session.execute(
            select(ChunkEntry.kind, ItemContent.category, func.count())
            .select_from(VersionChunk).join(ChunkEntry, ChunkEntry.chunk_id == VersionChunk.chunk_id)
            .join(ItemContent, ItemContent.id == ChunkEntry.content_id)
            .where(VersionChunk.version_id.in_(current_ids))
            .group_by(ChunkEntry.kind, ItemContent.category)):
        per_cat[kind][category or ""] += n
    all_cats = sorted({c for k in KINDS for c in per_cat[k]}, key=_category_key)

    # departments involved: distinct names per (table, county), keyed within their county
    owner = OWNER
    names = db.session.execute(
        select(ChunkEntry.kind, owner.parent_id, ContentDepartment.name).distinct()
        .select_from(VersionChunk).join(ChunkEntry, ChunkEntry.chunk_id == VersionChunk.chunk_id)
        .join(ContentDepartment, ContentDepartment.content_id == ChunkEntry.content_id)
        .join(ItemContent, ItemContent.id == ChunkEntry.content_id)
        .join(owner, owner.id == ItemContent.township_id)
        .where(VersionChunk.version_id.in_(current_ids))).all()
    counties = {c.id: c for c in db.session.scalars(
        select(Organisation).where(Organisation.id.in_({cid for _, cid, _ in names})))} if names else {}
    keys: dict[str, set] = {k: set() for k in KINDS}
    for kind, cid, name in names:
        keys[kind].add(department_key(name, counties[cid]) if cid in counties else name)

    return ScopeStats(
        org=org, townships=len(rows), with_version=sum(p.with_version for p in ordered_parts),
        per_kind=per_kind,
        per_category={k: sorted(per_cat[k].items(), key=lambda kv: _category_key(kv[0])) for k in KINDS},
        category_rows=[(c, {k: per_cat[k].get(c, 0) for k in KINDS}) for c in all_cats],
        departments={k: len(keys[k]) for k in KINDS},
        departments_total=len(set().union(*keys.values())),
        parts=ordered_parts if OrgKind(org.kind) in CHILD_LEVEL else [],
        version_number=ordered_parts[0].version_number if org.kind == OrgKind.township and ordered_parts else None)
