"""The open townships of each place one or two levels above them (a county, and the prefecture above it),
and how many of them have a published list, kept as rows (models.TownshipCount) in the transaction of
every change they count.

The home page of a region shows, per prefecture, how many townships it has and how many have published
their list; a prefecture's page, the same per county. Counted from the townships themselves that is
40,000 townships joined to their first versions at 40,000 townships: 22–88 ms on PostgreSQL for every
view the page cache does not answer; summed from ~4,000 county rows, 6.6–14 ms (the county rows of the
14 prefectures read one by one); read from the prefectures' own rows, 14 rows (bench/RESULTS.md, issue
17). The counts are refreshed for the places a flush touched — a township added, closed, reopened,
renamed or moved, a version published, a county moved to another prefecture — by the session hook
`after_flush` (so no write path can forget them).

Concurrent transactions refresh a place one after the other: each locks the rows it refreshes (in one
order: no deadlock), then counts in a new statement, which (read committed) sees what the other
committed. `rebuild()` recounts everything (the migration that made the table, bulk loads that bypass
the ORM); `mismatches()` compares the rows with a count made now (tests, `flask township-counts`).
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import and_, delete, event, exists, func, insert, inspect, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from ..models import Organisation, OrgKind, TownshipCount, Version

_TOWN = aliased(Organisation, name="counted_town")
_MIDDLE = aliased(Organisation, name="counted_middle")


def _open():
    return and_(_TOWN.kind == OrgKind.township.value, _TOWN.closed_at.is_(None))


def _counted(place_id, *conditions):
    """How many open townships are one or two levels under the place (a county's; a prefecture's, through
    its counties) and meet the conditions: two counts, each down an index on parent_id."""
    one_up = select(func.count()).select_from(_TOWN).where(_open(), _TOWN.parent_id == place_id, *conditions)
    two_up = (select(func.count()).select_from(_TOWN).join(_MIDDLE, _MIDDLE.id == _TOWN.parent_id)
              .where(_open(), _MIDDLE.parent_id == place_id, *conditions))
    return one_up.scalar_subquery() + two_up.scalar_subquery()


def _published(township_id=_TOWN.id):
    """The township (its id, as the statement names it) has a published list: a version 1."""
    return exists().where(Version.township_id == township_id, Version.number == 1)


def refresh(connection, parent_ids) -> None:
    """Count again the open townships (and the published ones) under these places, on this connection
    (inside the caller's transaction)."""
    ids = sorted({p for p in parent_ids if p is not None})
    if not ids:
        return
    table = TownshipCount.__table__
    make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(make(table).values([{"parent_id": i, "townships": 0, "published": 0} for i in ids])
                       .on_conflict_do_nothing(index_elements=["parent_id"]))
    # the rows locked in one order (no deadlock between two moves), then counted by a statement of its own
    connection.execute(select(table.c.parent_id).where(table.c.parent_id.in_(ids))
                       .order_by(table.c.parent_id).with_for_update())
    connection.execute(update(table).where(table.c.parent_id.in_(ids)).values(
        townships=_counted(table.c.parent_id), published=_counted(table.c.parent_id, _published())))


def _live():
    """(place id, open townships, published) counted now, for every place one or two levels above open townships."""
    one_up = select(_TOWN.parent_id.label("place_id"), _TOWN.id.label("town_id")).where(
        _open(), _TOWN.parent_id.is_not(None))
    two_up = (select(_MIDDLE.parent_id, _TOWN.id).join(_MIDDLE, _MIDDLE.id == _TOWN.parent_id)
              .where(_open(), _MIDDLE.parent_id.is_not(None)))
    under = union_all(one_up, two_up).subquery("under")
    return (select(under.c.place_id, func.count(), func.count().filter(_published(under.c.town_id)))
            .group_by(under.c.place_id))


def rebuild(connection) -> None:
    """Count everything again (after a bulk load that bypassed the ORM)."""
    table = TownshipCount.__table__
    connection.execute(delete(table))
    connection.execute(insert(table).from_select(["parent_id", "townships", "published"], _live()))


def mismatches(connection) -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    """(place id, kept counts, counts now) wherever they differ."""
    table = TownshipCount.__table__
    kept = {r[0]: (r[1], r[2]) for r in connection.execute(select(table.c.parent_id, table.c.townships,
                                                                    table.c.published))}
    now = {r[0]: (r[1], r[2]) for r in connection.execute(_live())}
    return sorted((p, kept.get(p, (0, 0)), now.get(p, (0, 0))) for p in kept.keys() | now.keys()
                  if kept.get(p, (0, 0)) != now.get(p, (0, 0)))


def _old_parents(obj: Organisation) -> set:
    """The parents the organisation had before this flush moved it (none if it did not move)."""
    state = inspect(obj)
    return {*(state.attrs.parent_id.history.deleted or ()),
            *(p.id for p in state.attrs.parent.history.deleted or () if p is not None)}


def _touched(session: Session) -> set[int]:
    """The places whose counts the flush may have changed: the counties of the townships it touched and
    the prefectures above them (before and after a move), and both prefectures of a county it moved."""
    parents, upper, townships = set(), set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Organisation):
            old = _old_parents(obj)
            if obj.kind == OrgKind.township.value:
                parents.add(obj.parent_id)
                parents.update(old)
            elif old:  # a county moved: its townships counted under another prefecture now (a moved
                # department or office changes no count: its two counties are recounted, harmlessly)
                upper.update(old)
                upper.add(obj.parent_id)
        elif isinstance(obj, Version) and obj in session.new:
            townships.add(obj.township_id)
    if townships:
        parents.update(session.connection().execute(
            select(Organisation.parent_id).where(Organisation.id.in_(townships))).scalars())
    parents.discard(None)
    if parents:  # the places above them, as they are now (a county's old prefecture: `old` above)
        upper.update(session.connection().execute(
            select(Organisation.parent_id).where(Organisation.id.in_(parents))).scalars())
    upper.discard(None)
    return parents | upper


def _after_flush(session: Session, _context) -> None:
    parents = _touched(session)
    if parents:
        refresh(session.connection(), parents)


def listen() -> None:
    """Keep the counts with every flush of every session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
