"""A change of law reaching the lists (issue 14.3–14.4): which items of the townships' current versions
cite a basis, flagged in bulk; the impact within an area; the count per county; clearing on publish.

Plain SQL over the content-addressed store: content_basis (the bases a stored content cites) →
chunk_entry (the entries holding that content) → version_chunk → each township's latest version. A
basis cited by 20,000 items of 1,000 townships is flagged by one INSERT … SELECT.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, exists, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from workflow import permissions as perm

from ..extensions import db
from ..models import ChunkEntry, DraftFlag, ItemContent, Organisation, OrgKind, Version, VersionChunk
from ..models.base import utcnow
from ..models.basis import ContentBasis
from ..models.basis_flag import BasisFlag
from . import prepared

_LATER = aliased(Version)


def latest_version_clause():
    """SQL: Version is its township's latest (no version of the same township with a higher number)."""
    return ~exists().where(_LATER.township_id == Version.township_id, _LATER.number > Version.number)


def citing_entries(basis_id: int):
    """SELECT (version_id, township_id, county_id, item_id, content_id, kind) of every entry of a township's
    current version whose content cites the basis: once per item (a content links a basis once, however many
    of its articles it cites, and an item is once in a version)."""
    return (select(Version.id, Version.township_id, Organisation.parent_id, ChunkEntry.item_id,
                   ChunkEntry.content_id, ChunkEntry.kind)
            .select_from(ContentBasis)
            .join(ChunkEntry, ChunkEntry.content_id == ContentBasis.content_id)
            .join(VersionChunk, VersionChunk.chunk_id == ChunkEntry.chunk_id)
            .join(Version, Version.id == VersionChunk.version_id)
            .join(Organisation, Organisation.id == Version.township_id)
            .where(ContentBasis.basis_id == basis_id, latest_version_clause()))


def flag_citing_items(basis_id: int, status: str, actor_id: int | None) -> int:
    """Flag every item of every township's current version that cites the basis; how many new flags.

    Items already flagged for it (still open) take the new status instead of a second flag. One UPDATE
    and one INSERT … SELECT, in the caller's transaction."""
    reflagged = db.session.execute(
        update(BasisFlag.__table__).where(BasisFlag.basis_id == basis_id, BasisFlag.cleared_at.is_(None))
        .values(status=status)).rowcount
    src = citing_entries(basis_id).subquery()
    now = utcnow()
    rows = select(literal(basis_id), src.c.township_id, src.c.parent_id, src.c.id, src.c.item_id,
                  src.c.content_id, src.c.kind, literal(status), literal(now), literal(actor_id))
    if reflagged != 0:  # (-1: the driver did not say) amended first, repealed now: the items flagged then are not flagged twice
        rows = rows.where(~select(BasisFlag.id).where(BasisFlag.basis_id == basis_id, BasisFlag.cleared_at.is_(None),
                                                      BasisFlag.item_id == src.c.item_id).exists())
    result = db.session.execute(insert(BasisFlag.__table__).from_select(
        ["basis_id", "township_id", "county_id", "version_id", "item_id", "content_id", "kind", "status",
         "created_at", "created_by_id"], rows))
    if result.rowcount is not None and result.rowcount >= 0:
        return result.rowcount
    # some drivers report no count for INSERT … SELECT through SQLAlchemy (psycopg 3: -1): count the rows
    # this statement wrote (they carry its time)
    return db.session.scalar(select(func.count(BasisFlag.id)).where(
        BasisFlag.basis_id == basis_id, BasisFlag.cleared_at.is_(None), BasisFlag.created_at == now)) or 0


def _in_area(stmt, area: perm.Area):
    """Flags of the townships in the area (the county is kept on the flag)."""
    if area.level == "all":
        return stmt
    if area.level == "township":
        return stmt.where(BasisFlag.township_id == area.org_id)
    if area.level == "county":
        return stmt.where(BasisFlag.county_id == area.org_id)
    counties = select(Organisation.id).where(Organisation.kind == OrgKind.county)
    if area.level == "prefecture":
        counties = counties.where(Organisation.parent_id == area.org_id)
    else:
        counties = counties.where(Organisation.parent_id.in_(
            select(Organisation.id).where(Organisation.parent_id == area.org_id)))
    return stmt.where(BasisFlag.county_id.in_(counties))


def open_flags_query(basis_id: int | None = None, area: perm.Area | None = None):
    stmt = select(BasisFlag).where(BasisFlag.cleared_at.is_(None))
    if basis_id is not None:
        stmt = stmt.where(BasisFlag.basis_id == basis_id)
    return _in_area(stmt, area) if area is not None else stmt


@dataclass
class TownshipImpact:
    id: int
    name: str
    county: str
    version_id: int
    revision_id: int | None = None  #: the adjustment draft the flags were sent to (the first seen)
    items: list[dict] = field(default_factory=list)


def _area_county_ids(area: perm.Area) -> list[int] | None:
    """The county ids of a prefecture's or region's area, read once (None: no such restriction)."""
    if area.level not in ("prefecture", "region"):
        return None
    counties = select(Organisation.id).where(Organisation.kind == OrgKind.county)
    if area.level == "prefecture":
        counties = counties.where(Organisation.parent_id == area.org_id)
    else:
        counties = counties.where(Organisation.parent_id.in_(
            select(Organisation.id).where(Organisation.parent_id == area.org_id)))
    return list(db.session.scalars(counties))


def impact(basis_id: int, area: perm.Area) -> list[TownshipImpact]:
    """The townships of the area whose current items cite the basis and are flagged, each with its items
    (flag and item ids, table, category, name, the adjustment draft), townships by county and name, items
    in flag order. Three plain queries, grouped and ordered here (20,000 rows: no wide sort in SQL)."""
    stmt = (select(BasisFlag.id, BasisFlag.township_id, BasisFlag.county_id, BasisFlag.version_id,
                   BasisFlag.item_id, BasisFlag.kind, BasisFlag.revision_id, ItemContent.category, ItemContent.name)
            .join(ItemContent, ItemContent.id == BasisFlag.content_id)
            .where(BasisFlag.basis_id == basis_id, BasisFlag.cleared_at.is_(None)))
    counties = _area_county_ids(area)
    if counties is not None:
        if not counties:
            return []
        stmt = stmt.where(BasisFlag.county_id.in_(counties))
    elif area.level != "all":
        stmt = _in_area(stmt, area)
    rows = db.session.connection().execute(stmt).all()
    if not rows:
        return []
    org_ids = {r[1] for r in rows} | {r[2] for r in rows if r[2] is not None}
    names = dict(db.session.connection().execute(select(Organisation.id, Organisation.name)
                                                 .where(Organisation.id.in_(org_ids))).all())
    out: dict[int, TownshipImpact] = {}
    for fid, tid, cid, vid, item_id, kind, rid, category, name in sorted(rows):
        town = out.get(tid)
        if town is None:
            town = out[tid] = TownshipImpact(tid, names.get(tid, ""), names.get(cid, ""), vid)
        if town.revision_id is None:
            town.revision_id = rid
        town.items.append({"flag_id": fid, "item_id": item_id, "kind": kind, "category": category, "name": name,
                           "revision_id": rid})
    return sorted(out.values(), key=lambda t: (t.county, t.name, t.id))


def count_open(basis_id: int, area: perm.Area) -> int:
    return db.session.scalar(_in_area(select(func.count(BasisFlag.id)).where(
        BasisFlag.basis_id == basis_id, BasisFlag.cleared_at.is_(None)), area)) or 0


@dataclass
class CountyCount:
    county_id: int
    county: str
    items: int
    townships: int
    bases: int


def per_county(area: perm.Area | None) -> list[CountyCount]:
    """Open flags per county of the area (the dashboard): items, townships and bases concerned."""
    if area is None:
        return []
    county = _COUNTY

    def build():  # once per level of area (services.prepared): the dashboard asks on every request
        return (_in_area(select(BasisFlag.county_id, county.name, func.count(BasisFlag.id),
                                func.count(BasisFlag.township_id.distinct()), func.count(BasisFlag.basis_id.distinct()))
                         .join(county, county.id == BasisFlag.county_id)
                         .where(BasisFlag.cleared_at.is_(None)), perm.Area(area.level, bindparam("org_id")))
                .group_by(BasisFlag.county_id, county.name).order_by(county.name))
    rows = prepared.fetch(("law_change.per_county", area.level), build,
                          {"org_id": area.org_id} if area.level != "all" else {})
    return [CountyCount(*row) for row in rows]


#: module level: SQLAlchemy memoizes what it derives from an alias
_COUNTY = aliased(Organisation, name="county")


def clear_on_publish(version: Version, revision_id: int | None) -> int:
    """A township published a version: its open flags that the published draft carried (each was changed
    or confirmed before submitting), and those whose item no longer cites the basis, are cleared."""
    now = utcnow()
    cleared = 0
    if revision_id is not None:
        # the draft's own flag for the item was dealt with (changed, confirmed with a reason, removed)
        resolved = select(DraftFlag.id).where(DraftFlag.revision_id == revision_id, DraftFlag.source == "basis",
                                              DraftFlag.item_id == BasisFlag.item_id,
                                              DraftFlag.resolution.is_not(None))
        cleared += db.session.execute(
            update(BasisFlag).where(BasisFlag.township_id == version.township_id, BasisFlag.cleared_at.is_(None),
                                    BasisFlag.revision_id == revision_id, resolved.exists())
            .values(cleared_at=now, cleared_version_id=version.id)
            .execution_options(synchronize_session=False)).rowcount or 0
    still = (select(ChunkEntry.item_id)
             .join(VersionChunk, VersionChunk.chunk_id == ChunkEntry.chunk_id)
             .join(ContentBasis, ContentBasis.content_id == ChunkEntry.content_id)
             .where(VersionChunk.version_id == version.id, ContentBasis.basis_id == BasisFlag.basis_id,
                    ChunkEntry.item_id == BasisFlag.item_id))
    cleared += db.session.execute(
        update(BasisFlag).where(and_(BasisFlag.township_id == version.township_id, BasisFlag.cleared_at.is_(None),
                                     ~still.exists()))
        .values(cleared_at=now, cleared_version_id=version.id)
        .execution_options(synchronize_session=False)).rowcount or 0
    return cleared


def on_version_published(version, revision=None, **_):
    """signals.version_published: clear the flags the version dealt with, in the publishing transaction."""
    clear_on_publish(version, getattr(revision, "id", None))
