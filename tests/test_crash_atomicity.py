"""Injected crashes in the middle of publishing and importing: all or nothing.

Publishing (the final approval) and importing each run in one database transaction; a crash
part-way -- after some of the new version's rows were already flushed -- must leave no half
version: no new version, items, contents, chunks or entries, the revision still in its
previous state, the audit chain still verifying. Over HTTP the answer is a Chinese error page
(500, or 503 when the database itself failed), never a traceback.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from dutylist.extensions import db
from dutylist.importers import text_list
from dutylist.models import Revision
from dutylist.services import import_list as importing
from dutylist.services import snapshot
from dutylist.services.audit import verify_chain
from dutylist.services.tokens import create_token
from workflow import operations as ops

from .factories import LEVELS, World, explain, settle

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


class Injected(RuntimeError):
    """The crash we cause on purpose."""


def table_rows() -> dict:
    db.session.rollback()
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order)).all()]
    db.session.rollback()
    return out


def assert_untouched(before: dict, revision_id: int | None = None, status: str | None = None):
    after = table_rows()
    changed = sorted(t for t in after if after[t] != before[t])
    assert not changed, f"a crash left rows behind in {changed}"
    result = verify_chain()
    assert result.ok, result
    if revision_id is not None:
        assert db.session.get(Revision, revision_id).status == status


# ---------------------------------------------------------------- the crashes ----
def crash_after(monkeypatch, target, name: str, calls: int = 1, exc: Exception | None = None):
    """Make target.name raise on its calls-th call (earlier calls run normally)."""
    real = getattr(target, name)
    seen = {"n": 0}

    def wrapper(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] >= calls:
            raise exc or Injected(f"injected crash in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)
    return seen


def crash_writing(monkeypatch, table: str, exc: Exception | None = None):
    """Make publishing raise when it writes the rows of `table` (one executemany: snapshot.insert_rows)."""
    real = snapshot.insert_rows
    seen = {"n": 0}

    def wrapper(target, rows):
        if target.name == table:
            seen["n"] += 1
            raise exc or Injected(f"injected crash writing {table}")
        return real(target, rows)

    monkeypatch.setattr(snapshot, "insert_rows", wrapper)
    return seen


#: where publishing can be interrupted, from early to late
PUBLISH_CRASHES = {
    # some contents written and flushed, the chunks not yet
    "contents": lambda mp: crash_after(mp, snapshot, "_chunks"),
    # writing the entries of the new chunks (the contents, items and chunk rows written)
    "chunk_entries": lambda mp: crash_writing(mp, "chunk_entry"),
    # the version row flushed, its chunk list not yet
    "version_chunks": lambda mp: crash_writing(mp, "version_chunk"),
    # the whole version written and the revision marked published: only the log entry fails
    "audit_entry": lambda mp: crash_after(mp, ops, "record_event"),
}


@pytest.fixture
def at_last_step(app):
    """A revision with new and changed items, one approval short of publication (region review)."""
    world = World()
    rev = ops.start_revision(world.town, world.drafter)
    ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": "新增：基层党建联建"})
    for n in range(40):  # enough entries for several chunks
        ops.add_item(rev, world.drafter, "basic", {"category": "综合政务", "name": f"新增事项{n}"})
    first = next(i for i in rev.items if i.kind == "cooperative")
    ops.edit_item(rev, world.drafter, first.id, {**first.fields(), "township_duties": ["1.改后的职责。"]},
                  first.lock_version, kind="cooperative")
    db.session.commit()
    explain(rev, world.drafter)
    steps = [("submit", world.drafter, {}),
             ("accept", world.officer, {"departments": [world.civil.id], "deadline": date.today() + timedelta(days=7)}),
             ("approve", world.officer, {"reason": "同意"}), ("escalate", world.officer, {}),
             ("approve", world.pref_user, {"reason": "同意"})]
    for event, actor, kw in steps:
        if event == "approve" and actor is world.officer:
            settle(rev)
        ops.fire(rev, event, actor, levels=LEVELS, **kw)
        db.session.commit()
    assert rev.status == "region_review"
    return world, rev.id


@pytest.fixture
def crashes_reach_the_handlers(app, monkeypatch):
    # TESTING propagates exceptions to the test; production hands them to the error handlers
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


@pytest.mark.parametrize("where", sorted(PUBLISH_CRASHES))
def test_crash_while_publishing_through_the_service(app, at_last_step, monkeypatch, where):
    world, rev_id = at_last_step
    before = table_rows()
    seen = PUBLISH_CRASHES[where](monkeypatch)
    rev = db.session.get(Revision, rev_id)
    with pytest.raises(Injected):
        ops.fire(rev, "publish", world.region_user, levels=LEVELS, reason="同意发布")
    db.session.rollback()
    assert seen["n"] >= 1
    monkeypatch.undo()
    assert_untouched(before, rev_id, "region_review")
    # and the same step succeeds afterwards: nothing half-done stands in the way
    rev = db.session.get(Revision, rev_id)
    ops.fire(rev, "publish", world.region_user, levels=LEVELS, reason="同意发布")
    db.session.commit()
    assert rev.status == "published" and rev.published_version.number == 2
    assert len(snapshot.read_entries(rev.published_version)) == 6 + 41


@pytest.mark.parametrize("where", sorted(PUBLISH_CRASHES))
def test_crash_while_publishing_over_http(app, at_last_step, crashes_reach_the_handlers, monkeypatch, where):
    world, rev_id = at_last_step
    client = app.test_client()
    assert client.login("xj-region").status_code == 302
    client.csrf_token()
    before = table_rows()
    PUBLISH_CRASHES[where](monkeypatch)
    response = client.post_form(f"/revisions/{rev_id}/events/publish", {"reason": "同意发布"})
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and "服务器内部错误，操作未完成" in text
    assert "Traceback" not in text and "Injected" not in text
    assert_untouched(before, rev_id, "region_review")


def test_crash_while_publishing_through_the_api(app, client, at_last_step, crashes_reach_the_handlers, monkeypatch):
    world, rev_id = at_last_step
    headers = {"Authorization": f"Bearer {create_token(world.region_user)}"}
    db.session.commit()
    before = table_rows()
    crash_writing(monkeypatch, "version_chunk")
    response = client.post(f"/api/v1/revisions/{rev_id}/events/publish", json={"reason": "同意发布"}, headers=headers)
    assert response.status_code == 500 and response.get_json()["error"] == "服务器内部错误，操作未完成"
    after = table_rows()
    after["api_token"] = before["api_token"]  # nothing of the request is kept, not even last_used_at
    assert after == before


def test_database_failure_while_publishing_gives_503(app, at_last_step, crashes_reach_the_handlers, monkeypatch):
    world, rev_id = at_last_step
    client = app.test_client()
    client.login("xj-region")
    client.csrf_token()
    before = table_rows()
    lost = OperationalError("INSERT INTO version_chunk ...", {}, Exception("server closed the connection"))
    crash_writing(monkeypatch, "version_chunk", exc=lost)
    response = client.post_form(f"/revisions/{rev_id}/events/publish", {"reason": "同意发布"})
    assert response.status_code == 503 and "数据库暂时不可用" in response.get_data(as_text=True)
    assert_untouched(before, rev_id, "region_review")


# ---------------------------------------------------------------- importing ----
IMPORT_CRASHES = {
    # the township and its county chain created, the departments half registered
    "departments": lambda mp: crash_after(mp, importing.dept_registry, "ensure_department", calls=5),
    # everything but the version's chunk list written
    "version_chunks": lambda mp: crash_writing(mp, "version_chunk"),
    # writing the entries (every content, item and chunk row written before)
    "chunk_entries": lambda mp: crash_writing(mp, "chunk_entry"),
}


@pytest.mark.parametrize("where", sorted(IMPORT_CRASHES))
def test_crash_while_importing_through_the_service(app, monkeypatch, where):
    World()  # an existing region and prefecture: the import adds a county, its office and departments, a township
    parsed = text_list.parse_file(SAMPLES / "002_3c803f996c74d716.txt")
    before = table_rows()
    seen = IMPORT_CRASHES[where](monkeypatch)
    with pytest.raises(Injected):
        importing.import_list(parsed)
    db.session.rollback()
    assert seen["n"] >= 1
    monkeypatch.undo()
    assert_untouched(before)
    version = importing.import_list(text_list.parse_file(SAMPLES / "002_3c803f996c74d716.txt"))  # now it goes through
    db.session.commit()
    assert version.number == 1 and len(snapshot.read_entries(version)) == sum(version.counts.values())


@pytest.mark.parametrize("where", sorted(IMPORT_CRASHES))
def test_crash_while_importing_through_the_cli(app, monkeypatch, where):
    before = table_rows()
    IMPORT_CRASHES[where](monkeypatch)
    result = app.test_cli_runner().invoke(args=["import-list", str(SAMPLES / "001_68a4403148f3c233.txt")])
    assert result.exit_code != 0
    assert isinstance(result.exception, (Injected, SystemExit)), result.exception
    assert_untouched(before)
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["import-list", str(SAMPLES / "001_68a4403148f3c233.txt")])
    assert result.exit_code == 0, result.output
