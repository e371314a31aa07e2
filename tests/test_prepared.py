"""services.prepared: a SELECT compiled once per shape, run on the session's connection with new values."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, create_engine, select

from dutylist.app import _sqlite_page_cache
from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind
from dutylist.services import places, prepared

from .factories import statements


def _orgs(make_org):
    region = make_org("新疆", OrgKind.region)
    pref = make_org("某州", OrgKind.prefecture, region)
    county = make_org("某县", OrgKind.county, pref)
    towns = [make_org(f"乡镇{i}", OrgKind.township, county) for i in range(3)]
    towns[1].updated_at = datetime(2025, 3, 4, 5, 6, 7)
    db.session.flush()
    return county, towns


def _by_parent():
    return (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.updated_at)
            .where(Organisation.parent_id == bindparam("parent"), Organisation.kind == OrgKind.township)
            .order_by(Organisation.id))


def test_rows_are_converted_as_sqlalchemy_converts_them(app, make_org):
    county, towns = _orgs(make_org)
    rows = prepared.fetch(("test.by_parent",), _by_parent, {"parent": county.id})
    assert [tuple(r) for r in rows] == [tuple(r) for r in db.session.execute(
        _by_parent(), {"parent": county.id})]
    assert rows[1][3] == datetime(2025, 3, 4, 5, 6, 7)  # a datetime on SQLite too, not its text


def test_compiled_once_and_run_with_each_requests_values(app, make_org):
    county, towns = _orgs(make_org)
    builds = []

    def build():
        builds.append(1)
        return _by_parent()

    assert len(prepared.fetch(("test.once",), build, {"parent": county.id})) == 3
    assert prepared.fetch(("test.once",), build, {"parent": towns[0].id}) == []
    assert len(prepared.fetch(("test.once",), build, {"parent": county.id})) == 3
    assert len(builds) == 1


def test_in_lists_are_expanded_per_length_and_seen_by_engine_events(app, make_org):
    county, towns = _orgs(make_org)

    def build():
        return select(Organisation.name).where(Organisation.id.in_(bindparam("ids", expanding=True))) \
            .order_by(Organisation.id)

    with statements() as seen:
        for ids in ([towns[0].id], [towns[1].id, towns[2].id], [towns[2].id]):
            names = [r[0] for r in prepared.fetch(("test.in", len(ids)), build, {"ids": ids})]
            assert names == [t.name for t in towns if t.id in ids]
    assert len(seen) == 3  # the statements still pass through the engine (query counts, profiling)


def test_reads_inside_the_sessions_transaction(app, make_org):
    county, towns = _orgs(make_org)  # flushed, not committed: visible only to the session's connection
    rows = prepared.fetch(("test.by_parent",), _by_parent, {"parent": county.id})
    assert [r[1] for r in rows] == ["乡镇0", "乡镇1", "乡镇2"]


def test_the_place_filter_finds_the_prefecture_as_the_walk_up_the_tree_does(app, make_org):
    """places.filter_places reads an organisation's line up the tree in one statement: the same prefecture
    as prefecture_of's walk, however deep the organisation (past four levels it walks)."""
    region = make_org("新疆", OrgKind.region)
    pref = make_org("某州", OrgKind.prefecture, region)
    other = make_org("另一州", OrgKind.prefecture, region)
    county = make_org("某县", OrgKind.county, pref)
    make_org("另一县", OrgKind.county, other)
    town = make_org("某镇", OrgKind.township, county)
    dept = make_org("某县农业农村局", OrgKind.department, county)
    deep = make_org("甲", OrgKind.office, make_org("乙", OrgKind.office, make_org("丙", OrgKind.office, dept)))
    loose = make_org("无上级的镇", OrgKind.township)
    for org in (region, pref, county, town, dept, deep, loose):
        expected = places.prefecture_of(org)
        assert places._prefecture_id(org.id) == (True, expected.id if expected is not None else None), org.name
    assert places._prefecture_id(10**9) == (False, None)

    def names(selected, near):
        return [(p.name, depth) for p, depth in places.filter_places(selected, near)]
    assert names(None, deep) == [("新疆", 0), ("某州", 1), ("某县", 2), ("另一州", 1)]
    assert names(other.id, deep) == [("新疆", 0), ("某州", 1), ("另一州", 1), ("另一县", 2)]
    assert names(region.id, town) == names(None, town) == names(10**9, dept) == names(None, deep)
    assert names(town.id, None) == [("新疆", 0), ("某州", 1), ("某县", 2), ("某镇", 3), ("另一州", 1)]
    assert names(None, loose) == [("新疆", 0), ("某州", 1), ("另一州", 1)]


def test_sqlite_connections_get_the_configured_page_cache(app):
    """SQLITE_CACHE_MIB (default 32): PRAGMA cache_size on every new SQLite connection."""
    if db.engine.dialect.name != "sqlite":
        return
    assert db.session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -32 * 1024
    engine = create_engine("sqlite://")
    _sqlite_page_cache(engine, 5)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -5 * 1024
    off = create_engine("sqlite://")
    _sqlite_page_cache(off, 0)
    with off.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000  # SQLite's default


def test_in_lists_share_a_statement_per_power_of_two(app, make_org):
    """An IN list is padded with its last value: 3 and 4 values run the same SQL, and the rows are the same."""
    county, towns = _orgs(make_org)
    more = towns + [make_org(f"乡镇{i}", OrgKind.township, county) for i in range(3, 6)]

    def build():
        return select(Organisation.name).where(Organisation.id.in_(bindparam("ids", expanding=True))) \
            .order_by(Organisation.id)

    with statements() as seen:
        for n in (3, 4, 5):
            ids = [t.id for t in more[:n]]
            assert [r[0] for r in prepared.fetch(("test.pad",), build, {"ids": ids})] == [t.name for t in more[:n]]
    assert seen[0] == seen[1] != seen[2]
