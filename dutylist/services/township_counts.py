"""The open townships of each county, and how many of them have a published list, kept as rows
(models.TownshipCount) in the transaction of every change they count.

The home page of a region shows, per prefecture, how many townships it has and how many have published
their list. Counted from the townships themselves that is 40,000 townships joined to their first
versions at 40,000 townships: 22–88 ms on PostgreSQL for every view the page cache does not answer
(bench/RESULTS.md, issue 17). Here the counts are refreshed for the counties a flush touched — a
township added, closed, reopened, renamed or moved, a version published — by the session hook
`after_flush` (so no write path can forget them), and the home page sums ~4,000 small rows.

Concurrent transactions refresh a county one after the other: each locks the county's row, then counts
in a new statement, which (read committed) sees what the other committed. `rebuild()` recounts
everything (the migration that made the table, bulk loads that bypass the ORM); `mismatches()` compares
the rows with a count made now (tests, `flask check-counts`).
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import and_, delete, event, exists, func, insert, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from ..models import Organisation, OrgKind, TownshipCount, Version

_TOWN = aliased(Organisation, name="counted_town")


def _open_townships(parent_id):
    return and_(_TOWN.parent_id == parent_id, _TOWN.kind == OrgKind.township.value, _TOWN.closed_at.is_(None))


def _published():
    return exists().where(Version.township_id == _TOWN.id, Version.number == 1)


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
    townships = select(func.count()).select_from(_TOWN).where(_open_townships(table.c.parent_id)).scalar_subquery()
    published = (select(func.count()).select_from(_TOWN).where(_open_townships(table.c.parent_id), _published())
                 .scalar_subquery())
    connection.execute(update(table).where(table.c.parent_id.in_(ids)).values(townships=townships, published=published))


def _live():
    """(parent id, open townships, published) counted now, for every place that has open townships."""
    return (select(_TOWN.parent_id, func.count(), func.count().filter(_published()))
            .where(_TOWN.kind == OrgKind.township.value, _TOWN.closed_at.is_(None), _TOWN.parent_id.is_not(None))
            .group_by(_TOWN.parent_id))


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


def _touched(session: Session) -> set[int]:
    """The places whose counts the flush may have changed."""
    parents, townships = set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Organisation):
            if obj.kind != OrgKind.township.value:
                continue
            state = inspect(obj)
            parents.add(obj.parent_id)
            parents.update(state.attrs.parent_id.history.deleted or ())
            parents.update(p.id for p in state.attrs.parent.history.deleted or () if p is not None)
        elif isinstance(obj, Version) and obj in session.new:
            townships.add(obj.township_id)
    if townships:
        parents.update(session.connection().execute(
            select(Organisation.parent_id).where(Organisation.id.in_(townships))).scalars())
    parents.discard(None)
    return parents


def _after_flush(session: Session, _context) -> None:
    parents = _touched(session)
    if parents:
        refresh(session.connection(), parents)


def listen() -> None:
    """Keep the counts with every flush of every session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
