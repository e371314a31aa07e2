"""The organisation tree as places: region > prefecture > county > township.

`townships_under` is the one SQL expression for "the townships at or under a place" (search and the
comparison filter with it); `overview` is what the home page shows for a place: its townships with
their current versions when they are few enough to list, else its prefectures or counties with counts,
to drill into; `filter_places` is the short list of places a filter offers. The last two return plain
values and are kept per worker until a version is published or a place added (dutylist.caching).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from .. import caching
from ..extensions import db
from ..models import Organisation, OrgKind, TownshipCount, Version
from . import prepared

#: up to this many townships, a place's townships are listed (grouped by prefecture and county)
LIST_UP_TO = 200
PLACE_KINDS = (OrgKind.region, OrgKind.prefecture, OrgKind.county)

# Module-level aliases: SQLAlchemy memoizes what it derives from an alias, and new aliases on every
# request cost milliseconds each. The subquery of townships_under has its own, so that it is never
# correlated with a query that names the same organisations.
_UNDER_T = aliased(Organisation, name="under_t")
_UNDER_C = aliased(Organisation, name="under_c")
_UNDER_P = aliased(Organisation, name="under_p")
TOWN = aliased(Organisation, name="town")
COUNTY = aliased(Organisation, name="county")
PREF = aliased(Organisation, name="pref")
_OLDER = aliased(Version, name="older")


def townships_under(org: Organisation, org_id=None):
    """A SELECT of the ids of the townships at or under an organisation, for `IN (…)`: one walk down
    the parent_id index per level (an OR over every level would read the whole tree). `org_id`: what
    stands for the organisation's id (a bind parameter, for a statement compiled once per kind)."""
    t, c, p = _UNDER_T, _UNDER_C, _UNDER_P
    oid = org.id if org_id is None else org_id
    if org.kind == OrgKind.township:
        return select(t.id).where(t.id == oid)
    stmt = select(t.id).where(t.kind == OrgKind.township)
    if org.kind == OrgKind.county:
        return stmt.where(t.parent_id == oid)
    stmt = stmt.join(c, c.id == t.parent_id)
    if org.kind == OrgKind.prefecture:
        return stmt.where(c.parent_id == oid)
    if org.kind == OrgKind.region:
        return stmt.join(p, p.id == c.parent_id).where(p.parent_id == oid)
    return select(t.id).where(False)  # an office or a department holds no township


def ancestors(org: Organisation) -> list[Organisation]:
    """The organisation's ancestors, the root first."""
    out = []
    while org.parent is not None:
        org = org.parent
        out.append(org)
    return out[::-1]


def home_place(org: Organisation | None) -> Organisation | None:
    """The county (or prefecture, or region) an organisation belongs to: a user's own place."""
    while org is not None and org.kind not in PLACE_KINDS:
        org = org.parent
    return org


class Place(NamedTuple):
    id: int
    name: str
    kind: str


class Published(NamedTuple):
    """A township's current version, as the home page shows it."""

    number: int
    published_at: datetime
    counts: dict


@dataclass
class Child:
    """A prefecture or county of the place, with how many townships it has and how many have published."""

    place: Place
    townships: int
    published: int


@dataclass
class Overview:
    """Plain values only (no ORM objects): it is kept across requests."""

    place_id: int | None  #: None: every root (normally the one region)
    townships: int
    #: when the place has at most LIST_UP_TO townships: {prefecture: {county: [(township, version or None)]}}
    groups: dict[Place, dict[Place, list[tuple[Place, Published | None]]]] | None = None
    children: list[Child] | None = None  #: otherwise its prefectures / counties


_OVERVIEWS = caching.LRU(256)


def overview(place: Organisation | None) -> Overview:
    """What the home page shows for a place; reused until a version is published or a place added."""
    if not caching.enabled():
        return _overview(place)
    key = (caching.published_token(), place.id if place is not None else None, LIST_UP_TO)
    return _OVERVIEWS.get_or_make(key, lambda: _overview(place))


def _overview(place: Organisation | None) -> Overview:
    place_id = place.id if place is not None else None
    if place is None or place.kind == OrgKind.county:
        groups = _township_groups(place)
        return Overview(place_id, sum(len(ts) for counties in groups.values() for ts in counties.values()), groups)
    children = _children(place)
    total = sum(c.townships for c in children)
    if total <= LIST_UP_TO:
        return Overview(place_id, total, groups=_township_groups(place))
    return Overview(place_id, total, children=children)


def _township_groups(place: Organisation | None) -> dict:
    """{prefecture: {county: [(township, current version or None)]}} for the townships under the place."""
    town, county, pref = TOWN, COUNTY, PREF
    latest = select(func.max(_OLDER.number)).where(_OLDER.township_id == town.id).scalar_subquery()
    stmt = (select(town.id, town.name, town.kind, county.id, county.name, county.kind, pref.id, pref.name, pref.kind,
                   Version.number, Version.published_at, Version.counts)
            .select_from(town).join(county, town.parent_id == county.id)
            .join(pref, county.parent_id == pref.id).where(town.kind == OrgKind.township, town.closed_at.is_(None))
            .outerjoin(Version, (Version.township_id == town.id) & (Version.number == latest)))
    if place is not None:
        stmt = stmt.where({OrgKind.county: county.id, OrgKind.prefecture: pref.id,
                           OrgKind.region: pref.parent_id}[place.kind] == place.id)
    groups: dict = {}
    for r in db.session.execute(stmt.order_by(pref.id, county.id, town.id)):
        version = Published(r[9], r[10], r[11] or {}) if r[9] is not None else None
        groups.setdefault(Place(*r[6:9]), {}).setdefault(Place(*r[3:6]), []).append((Place(*r[0:3]), version))
    return groups


def _children(place: Organisation) -> list[Child]:
    """The place's prefectures (of a region) or counties (of a prefecture), with township counts, read
    from the counts kept per place (services/township_counts.py): a region reads one row per prefecture,
    not its 40,000 townships (nor its ~4,000 counties' rows)."""
    kept, c = TownshipCount, COUNTY
    counts = db.session.execute(select(c.id, kept.townships, kept.published).join(kept, kept.parent_id == c.id)
                                .where(c.parent_id == place.id)).all()
    by_id = {oid: (int(n), int(published)) for oid, n, published in counts}
    kids = db.session.execute(select(Organisation.id, Organisation.name, Organisation.kind).where(
        Organisation.parent_id == place.id,
        Organisation.kind == (OrgKind.prefecture if place.kind == OrgKind.region else OrgKind.county),
        Organisation.closed_at.is_(None)).order_by(Organisation.id)).all()
    return [Child(Place(*k), *by_id.get(k.id, (0, 0))) for k in kids]


_FILTERS = caching.LRU(256)


def prefecture_of(org: Organisation | None) -> Organisation | None:
    while org is not None and org.kind not in (OrgKind.prefecture, OrgKind.region):
        org = org.parent
    return org if org is not None and org.kind == OrgKind.prefecture else None


_LINEAGE = [aliased(Organisation, name=f"lineage_{i}") for i in range(4)]


def _lineage():
    a = _LINEAGE
    stmt = select(*(c for o in a for c in (o.id, o.kind))).select_from(a[0])
    for child, parent in zip(a, a[1:]):
        stmt = stmt.outerjoin(parent, parent.id == child.parent_id)
    return stmt.where(a[0].id == bindparam("id"))


def lineage(org_id: int):
    """(id, kind) of the organisation, its parent, grandparent and great-grandparent, flat in one row (None
    past the root); None if there is no such organisation. One precompiled read (services.prepared)."""
    rows = prepared.fetch(("places.lineage",), _lineage, {"id": org_id})
    return rows[0] if rows else None


def _prefecture_id(org_id: int) -> tuple[bool, int | None]:
    """(whether the organisation exists, the id of prefecture_of(it)): its line up the tree in one read
    (the walk up through the ORM loads one organisation per level)."""
    row = lineage(org_id)
    if row is None:
        return False, None
    for oid, kind in zip(row[0::2], row[1::2]):
        if oid is None:
            return True, None
        if kind in (OrgKind.prefecture, OrgKind.region):
            return True, oid if kind == OrgKind.prefecture else None
    focus = prefecture_of(db.session.get(Organisation, org_id))  # deeper than the read: the walk
    return True, focus.id if focus is not None else None


def filter_places(selected: int | None = None, near: Organisation | None = None) -> list[tuple[Place, int]]:
    """(place, depth) for a place filter (search), in tree order: the region, every prefecture, and
    the counties of one prefecture (the selected place's, else the user's own), so that the list stays
    short however many counties there are; and the selected place itself. Reused like overview()."""
    exists, focus = _prefecture_id(selected) if selected else (False, None)
    if focus is None and near is not None:
        focus = _prefecture_id(near.id)[1]
    key = (selected if exists else None, focus)
    if not caching.enabled():
        return _filter_places(*key)
    return _FILTERS.get_or_make((caching.published_token(), *key), lambda: _filter_places(*key))


def _filter_places(chosen: int | None, focus: int | None) -> list[tuple[Place, int]]:
    def build():
        wanted = Organisation.kind.in_([OrgKind.region.value, OrgKind.prefecture.value])
        if focus is not None:
            wanted |= (Organisation.parent_id == bindparam("focus")) & (Organisation.kind == OrgKind.county)
        if chosen is not None:
            wanted |= Organisation.id == bindparam("chosen")
        return (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.parent_id)
                .where(wanted).order_by(Organisation.id))
    rows = [_Row(*r) for r in prepared.fetch(("places.filter", focus is not None, chosen is not None), build,
                                             {"focus": focus, "chosen": chosen})]
    children: dict = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r)
    ids = {r.id for r in rows}
    out = []

    def walk(row, depth):
        out.append((Place(row.id, row.name, row.kind), depth))
        for child in children.get(row.id, ()):
            walk(child, depth + 1)

    for root in (r for r in rows if r.parent_id not in ids):
        walk(root, 0)
    return out


class _Row(NamedTuple):
    id: int
    name: str
    kind: str
    parent_id: int | None


#: a comparison reads every version it covers: it covers at most this many townships
COMPARE_UP_TO = 300


def count_townships(org: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(townships_under(org).subquery())) or 0


def comparison_scope(org: Organisation) -> Organisation:
    """The widest place holding `org` (its region, prefecture or county, or `org` itself if it is one)
    with at most COMPARE_UP_TO townships; the narrowest such place if every one has more."""
    return sized_comparison_scope(org)[0]


def sized_comparison_scope(org: Organisation) -> tuple[Organisation, int]:
    """comparison_scope(org) and its number of townships (counted once)."""
    chain = [o for o in [*ancestors(org), org] if o.kind in PLACE_KINDS] or [org]
    for place in chain:
        n = count_townships(place)
        if n <= COMPARE_UP_TO:
            return place, n
    return chain[-1], n
