"""The township counts the home page reads (services/township_counts.py) follow every change they count,
through the services people use, in the transaction of the change; concurrent changes in one county
lose nothing (PostgreSQL, real commits)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, TownshipCount
from dutylist.services import orgs, township_counts
from dutylist.services.snapshot import publish_version

from .factories import World


def kept() -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    return {r.parent_id: (r.townships, r.published) for r in db.session.scalars(select(TownshipCount))}


def test_counts_follow_adding_publishing_moving_closing_and_reopening(world):
    w = world
    assert kept()[w.county.id] == (2, 1)  # 大有镇 published, 泉子街镇 not yet
    assert kept()[w.prefecture.id] == (2, 1)  # the prefecture above: its counties' townships
    new = orgs.add_organisation("老台乡", OrgKind.township.value, w.county, w.admin)
    db.session.commit()
    assert kept()[w.county.id] == (3, 1)
    publish_version(w.other_town, World.entries(), source="import", title="泉子街镇履职事项清单")
    db.session.commit()
    assert kept()[w.county.id] == (3, 2)
    publish_version(w.other_town, World.entries(), source="import", title="第二版")  # a second version: no change
    db.session.commit()
    assert kept()[w.county.id] == (3, 2)
    assert kept()[w.prefecture.id] == (3, 2)
    orgs.move_organisation(w.other_town, w.other_county, w.admin)
    db.session.commit()
    assert kept()[w.county.id] == (2, 1) and kept()[w.other_county.id] == (1, 1)
    assert kept()[w.prefecture.id] == (3, 2)  # both counties under it
    orgs.move_organisation(w.other_county, w.other_prefecture, w.admin)  # a county with its township
    db.session.commit()
    assert kept()[w.prefecture.id] == (2, 1) and kept()[w.other_prefecture.id] == (1, 1)
    assert w.region.id not in kept()  # nothing counted three levels up
    orgs.close_organisation(new, w.admin)
    db.session.commit()
    assert kept()[w.county.id] == (1, 1)
    orgs.reopen_organisation(new, w.admin)
    db.session.commit()
    assert kept()[w.county.id] == (2, 1)
    orgs.rename_organisation(w.town, "大有镇（新）", w.admin)
    db.session.commit()
    assert kept()[w.county.id] == (2, 1) and kept()[w.prefecture.id] == (2, 1)
    assert township_counts.mismatches(db.session.connection()) == []


def test_a_change_rolled_back_leaves_the_counts_as_they_were(world):
    before = kept()
    orgs.add_organisation("老台乡", OrgKind.township.value, world.county, world.admin)
    db.session.flush()
    assert kept()[world.county.id] == (3, 1)  # counted in the transaction of the change …
    db.session.rollback()
    assert kept() == before  # … and undone with it


def test_rebuild_and_mismatches(world):
    db.session.execute(update(TownshipCount).values(townships=99))
    db.session.commit()
    conn = db.session.connection()
    assert township_counts.mismatches(conn) == sorted([(world.county.id, (99, 1), (2, 1)),
                                                       (world.prefecture.id, (99, 1), (2, 1))])
    township_counts.rebuild(conn)
    db.session.commit()
    assert township_counts.mismatches(db.session.connection()) == []
    assert kept() == {world.county.id: (2, 1), world.prefecture.id: (2, 1)}


@pytest.mark.commits
@pytest.mark.parametrize("publish", [False, True], ids=["add", "add-and-publish"])
def test_concurrent_changes_in_one_county_lose_nothing(app, world, publish):
    """Eight transactions, started at the same moment, each adding a township to the same county (and
    publishing the list of another): each locks the county's row in turn (the others wait at their
    flush) and counts in a statement of its own, so the row ends with every one of them counted."""
    county_id, admin_id = world.county.id, world.admin.id
    towns = [orgs.add_organisation(f"待发布乡{i}", OrgKind.township.value, world.county, world.admin).id
             for i in range(8)]
    db.session.commit()
    assert kept()[county_id] == (10, 1)
    barrier, errors = threading.Barrier(8), []

    def work(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                county = db.session.get(Organisation, county_id)
                admin = db.session.get(type(world.admin), admin_id)
                orgs.add_organisation(f"新设乡{i}", OrgKind.township.value, county, admin)
                if publish:
                    publish_version(db.session.get(Organisation, towns[i]), World.entries(), source="import",
                                    title=f"清单{i}")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if db.engine.dialect.name == "sqlite":
        # one writer at a time (a busy database may refuse some): what did commit is counted exactly
        assert township_counts.mismatches(db.session.connection()) == []
        return
    assert errors == []
    assert kept()[county_id] == (18, 9 if publish else 1)
    assert kept()[world.prefecture.id] == (18, 9 if publish else 1)  # its row locked and counted in turn too
    assert township_counts.mismatches(db.session.connection()) == []


def test_the_command_reports_and_rebuilds(app, world):
    db.session.execute(update(TownshipCount).values(published=0))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["township-counts"])
    assert result.exit_code == 1 and f"单位 {world.county.id}：保存的 2 个乡镇（0 个已发布），实际 2 个（1 个已发布）" in result.output
    result = runner.invoke(args=["township-counts", "--rebuild"])
    assert result.exit_code == 0 and "乡镇数统计一致" in result.output
    assert kept()[world.county.id] == (2, 1)
