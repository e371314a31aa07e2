"""Backup and restore: `flask dump` / `flask restore` move the whole database between SQLite and PostgreSQL.

A source database gets the demo data plus a published revision (edits, opinions, answers, sign-offs)
and an open one; it is dumped once per backend, restored into scratch databases of both backends,
and compared table by table, row by row.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import JSON, func, select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Revision, User, Version
from dutylist.services import drafts
from dutylist.services.audit import record_event, verify_chain
from dutylist.services.demo import seed_demo
from dutylist.services.tokens import create_token
from tests.factories import explain
from workflow import operations as ops

from .conftest import BACKENDS, _build_app, _make_database


# ------------------------------------------------------------------ helpers
def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _town(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name,
                                                        Organisation.kind == OrgKind.township))


def _depts(county_slug: str, n: int) -> list[User]:
    return [_user(f"{county_slug}-dept{i:02d}") for i in range(1, n + 1)]


def _fire(rev, event, actor, **kw):
    ops.fire(rev, event, actor, levels=current_app.config["REVIEW_LEVELS"], **kw)
    db.session.commit()


def _first_live(rev, kind):
    return next(i for i in drafts.live_items(rev) if i.kind == kind)


def _full_cycle(town_name: str, slug: str, county_slug: str, prefecture: str, tag: str) -> Version:
    """Start, edit, add, delete, submit, consult, opinions, return, answer, resubmit, approve up to publish."""
    drafter, office = _user(f"{slug}-drafter"), _user(f"{county_slug}-office")
    d1, d2 = _depts(county_slug, 2)
    rev = ops.start_revision(_town(town_name), drafter, title=f"修订稿 {tag}")
    db.session.commit()
    it = _first_live(rev, "basic")
    ops.edit_item(rev, drafter, it.id, {**it.fields(), "name": it.name + f"（{tag}修订）"},
                  lock_version=it.lock_version, reason="表述更准确")
    ops.add_item(rev, drafter, "basic", {"category": "党的建设", "name": f"新增事项 {tag}"}, reason="新增职责")
    gone = drafts.live_items(rev)[3]
    ops.delete_item(rev, drafter, gone.id, gone.lock_version, reason="已不再开展")
    ops.renumber(rev, drafter)
    db.session.commit()
    explain(rev, drafter)  # the demo lists' import flags are confirmed, every change has its reason
    _fire(rev, "submit", drafter)
    _fire(rev, "accept", office, departments=[d1.organisation_id, d2.organisation_id],
          deadline=date.today() + timedelta(days=7))
    op1 = ops.add_opinion(rev, d1, "请写明工作流程", item_id=it.item_id)
    op2 = ops.add_opinion(rev, d2, "同意")
    ops.sign_off(rev, d1, "with_opinions")
    ops.sign_off(rev, d2, "with_opinions")
    ops.reply_opinion(op1, office, "请乡镇研究")
    db.session.commit()
    _fire(rev, "return_for_revision", office, reason="请按部门意见修改")
    ops.answer_opinion(op1, drafter, "partly", "已部分补充")
    ops.answer_opinion(op2, drafter, "adopted", "无需修改")
    db.session.commit()
    _fire(rev, "submit", drafter)
    _fire(rev, "accept", office, departments=[d1.organisation_id])
    if any(c.pending for c in rev.consultations):
        ops.sign_off(rev, d1, "no_opinion")
        db.session.commit()
    _fire(rev, "approve", office, reason="县级审核通过")
    _fire(rev, "escalate", office)
    for level in current_app.config["REVIEW_LEVELS"]:
        reviewer = _user(f"{prefecture}-prefecture") if level == "prefecture" else _user("xj-region")
        event = "publish" if level == current_app.config["REVIEW_LEVELS"][-1] else "approve"
        _fire(rev, event, reviewer, reason=f"{level} 审核通过")
    assert rev.status == "published"
    return db.session.get(Version, rev.published_version_id)


def populate() -> None:
    """Demo data, one published revision, one open revision under consultation, a token, a failed login."""
    seed_demo()
    db.session.commit()
    _full_cycle("大有镇", "dayou", "jimsar", "changji", "甲")
    drafter, office = _user("liuhudi-drafter"), _user("manas-office")
    rev = ops.start_revision(_town("六户地镇"), drafter)
    db.session.commit()
    it = _first_live(rev, "cooperative")
    ops.edit_item(rev, drafter, it.id, {**it.fields(), "township_duties": it.township_duties + ["2.建立台账。"]},
                  lock_version=it.lock_version, reason="补充职责")
    db.session.commit()
    explain(rev, drafter)
    _fire(rev, "submit", drafter)
    d1, d2 = _depts("manas", 2)  # d2 does not sign off: its signed_items stays SQL NULL
    _fire(rev, "accept", office, departments=[d1.organisation_id, d2.organisation_id],
          deadline=date.today() + timedelta(days=3))
    ops.add_opinion(rev, d1, "意见：第 2 步请写明时限", item_id=it.item_id)
    ops.sign_off(rev, d1, "with_opinions")
    create_token(_user("sysadmin"), "backup test")
    record_event("login_failed", outcome="failed", details={"username": "nobody"}, ip="127.0.0.1")
    db.session.commit()
    assert verify_chain().ok


def _norm(value):
    if isinstance(value, datetime):
        return "dt:" + value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return "d:" + value.isoformat()
    if isinstance(value, (dict, list)):
        return "j:" + json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def snapshot() -> dict[str, list[tuple]]:
    """Every table, every row (ordered by primary key), values normalised; JSON columns with their IS NULL."""
    out = {}
    for table in db.metadata.sorted_tables:
        cols = list(table.columns)
        flags = [c.is_(None) for c in cols if isinstance(c.type, JSON)]
        rows = db.session.execute(select(*cols, *flags).order_by(*table.primary_key.columns)).all()
        out[table.name] = [tuple(_norm(v) for v in row) for row in rows]
    return out


def max_ids() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.max(t.c.id))) or 0
            for t in db.metadata.sorted_tables if "id" in t.c and list(t.primary_key.columns) == [t.c.id]}


def total_rows() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables)


def rewrite(src, dst, edit, *, fix_checksum=True):
    """Copy a dump, passing its body lines through edit(lines); recompute the header's checksum."""
    with gzip.open(src, "rb") as fh:
        lines = fh.readlines()
    header, body = json.loads(lines[0]), edit(lines[1:])
    if fix_checksum:
        data = b"".join(body)
        header["sha256"], header["body_bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    with gzip.open(dst, "wb") as out:
        out.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
        out.writelines(body)


def edit_row(table, change):
    """An edit(lines) that changes the first row of `table` with change(values) -> values."""
    def edit(lines):
        out, current, done = [], None, False
        for line in lines:
            if line.startswith(b"{"):
                current = json.loads(line)["table"]
            elif current == table and not done:
                line = (json.dumps(change(json.loads(line)), ensure_ascii=False) + "\n").encode()
                done = True
            out.append(line)
        assert done, f"no row of {table}"
        return out
    return edit


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module", params=BACKENDS)
def source(request, tmp_path_factory, pg_available):
    """(backend, app, dump path, snapshot) of a populated database, dumped with the CLI."""
    backend = request.param
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "bksrc")
    app = _build_app(url)
    path = tmp_path_factory.mktemp("dump") / f"{backend}.dump.gz"
    with app.app_context():
        populate()
        result = app.test_cli_runner().invoke(args=["dump", "-o", str(path)])
        assert result.exit_code == 0, result.output
        assert "操作日志完整" in result.output
        snap = snapshot()
        db.session.remove()
    yield backend, app, path, snap
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def target(tmp_path_factory, pg_available):
    """A factory of empty databases (schema only): target(backend) -> app."""
    made = []

    def make(backend):
        url, drop = _make_database(backend, tmp_path_factory, pg_available, "bkdst")
        app = _build_app(url)
        made.append((app, drop))
        return app
    yield make
    for app, drop in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def restore(app, path, *extra):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["restore", str(path), *extra])
        db.session.remove()
    return result


# ------------------------------------------------------------------ tests
def test_dump_file_format(source):
    backend, _, path, snap = source
    with gzip.open(path, "rb") as fh:
        header = json.loads(fh.readline())
        body = fh.read()
    assert header["format"] == "dutylist-dump" and header["format_version"] == 1
    assert header["source"]["dialect"] == backend
    assert [t["name"] for t in header["tables"]] == [t.name for t in db.metadata.sorted_tables]
    assert {t["name"]: t["rows"] for t in header["tables"]} == {k: len(v) for k, v in snap.items()}
    assert header["sha256"] == hashlib.sha256(body).hexdigest() and header["body_bytes"] == len(body)
    assert header["audit"]["ok"] and header["audit"]["entries"] == len(snap["audit_event"]) > 20
    columns = {t["name"]: {c["name"]: c["type"] for c in t["columns"]} for t in header["tables"]}
    assert columns["audit_event"]["created_at"] == "datetime"
    assert columns["version"]["counts"] == "json" and columns["revision"]["deadline"] == "date"
    assert path.stat().st_mode & 0o077 == 0  # password hashes inside: owner only
    # JSON columns: SQL NULL and the JSON value null are both present, and told apart
    signed = next(t for t in header["tables"] if t["name"] == "consultation_round")["columns"]
    at = [c["name"] for c in signed].index("signed_items")
    rows, current = [], None
    for line in body.splitlines():
        if line.startswith(b"{"):
            current = json.loads(line)["table"]
        elif current in ("consultation_round", "version"):
            rows.append((current, json.loads(line)))
    assert None in [r[at] for t, r in rows if t == "consultation_round"]  # not signed off: SQL NULL
    assert [None] in [r[-1] for t, r in rows if t == "version"]  # import_report of a revision: JSON null


@pytest.mark.parametrize("to_backend", BACKENDS)
def test_round_trip_is_lossless_and_the_app_works_after(source, target, to_backend):
    from_backend, _, path, snap = source
    app = target(to_backend)
    result = restore(app, path)
    assert result.exit_code == 0, result.output
    assert f"来源 {from_backend}" in result.output and "操作日志完整" in result.output
    with app.app_context():
        assert snapshot() == snap  # every table, row by row
        chain = verify_chain()
        assert chain.ok and chain.checked == len(snap["audit_event"])
        before = max_ids()
        # the app works on the restored data: a whole new cycle on another township (fresh ids everywhere)
        version = _full_cycle("阿合奇镇", "aheqi", "akqi", "kizilsu", "乙")
        assert version.number == 2
        after = max_ids()
        for table in ("revision", "version", "item", "item_content", "audit_event", "opinion", "draft_item"):
            assert after[table] > before[table], table
        assert verify_chain().ok
        # and the open revision restored mid-consultation carries on
        rev = db.session.scalar(select(Revision).where(Revision.status == "county_review"))
        ops.add_opinion(rev, _user("manas-office"), "县编办意见")
        db.session.commit()
        assert verify_chain().ok
        db.session.remove()


def test_truncated_corrupt_and_forged_files_write_nothing(source, target, tmp_path):
    backend, _, path, snap = source
    app = target(backend)
    data = path.read_bytes()
    cases = {}
    cases["truncated"] = tmp_path / "truncated.gz"
    cases["truncated"].write_bytes(data[: len(data) // 2])
    cases["bitflip"] = tmp_path / "bitflip.gz"
    flipped = bytearray(data)
    flipped[len(data) - 100] ^= 0xFF
    cases["bitflip"].write_bytes(bytes(flipped))
    cases["tampered"] = tmp_path / "tampered.gz"  # a name changed, checksum left as it was
    rewrite(path, cases["tampered"], edit_row("item_content", lambda v: [*v[:4], v[4] + "X", *v[5:]]),
            fix_checksum=False)
    cases["rows_dropped"] = tmp_path / "dropped.gz"  # checksum recomputed, but counts disagree
    rewrite(path, cases["rows_dropped"], lambda lines: lines[:-3])
    cases["forged_audit"] = tmp_path / "forged.gz"  # checksum recomputed: only the hash chain can tell
    rewrite(path, cases["forged_audit"], edit_row("audit_event", lambda v: [*v[:6], "someone-else", *v[7:]]))
    cases["bad_value"] = tmp_path / "bad_value.gz"  # fails while inserting: the transaction rolls back
    rewrite(path, cases["bad_value"], edit_row("version", lambda v: [*v[:3], "not a date", *v[4:]]))
    cases["not_gzip"] = tmp_path / "plain.txt"
    cases["not_gzip"].write_text("hello\n")
    cases["other_gzip"] = tmp_path / "other.gz"
    cases["other_gzip"].write_bytes(gzip.compress(b'{"format": "something-else"}\n'))
    cases["missing"] = tmp_path / "nonexistent.gz"
    messages = {
        "truncated": "截断", "bitflip": "损坏", "tampered": "校验和不符", "rows_dropped": "行数",
        "forged_audit": "哈希链校验失败", "bad_value": "已回滚", "not_gzip": "不是数据库备份文件",
        "other_gzip": "不是数据库备份文件", "missing": "不存在",
    }
    for name, file in cases.items():
        result = restore(app, file)
        assert result.exit_code == 2, (name, result.output)
        assert messages[name] in result.output, (name, result.output)
        assert len(result.output.strip().splitlines()) == 1, (name, result.output)
        with app.app_context():
            assert total_rows() == 0, name
            db.session.remove()
    # after all that, the good file still restores
    assert restore(app, path).exit_code == 0


def test_nonempty_target_is_refused_unless_forced(source, target, tmp_path):
    backend, _, path, snap = source
    app = target(backend)
    with app.app_context():
        db.session.add(Organisation(name="新疆维吾尔自治区", kind=OrgKind.region))
        db.session.commit()
        db.session.remove()
    result = restore(app, path)
    assert result.exit_code == 2 and "不是空的" in result.output and "--force" in result.output
    with app.app_context():
        assert total_rows() == 1
        db.session.remove()
    # --force with a bad file: the wipe is rolled back with the rest
    bad = tmp_path / "bad.gz"
    rewrite(path, bad, edit_row("version", lambda v: [*v[:3], "not a date", *v[4:]]))
    assert restore(app, bad, "--force").exit_code == 2
    with app.app_context():
        assert total_rows() == 1
        db.session.remove()
    result = restore(app, path, "--force")
    assert result.exit_code == 0, result.output
    assert "已先清空" in result.output
    with app.app_context():
        assert snapshot() == snap and verify_chain().ok
        db.session.remove()


def test_restore_needs_the_schema(source, tmp_path_factory, pg_available):
    backend, _, path, _ = source
    url, drop = _make_database("sqlite", tmp_path_factory, pg_available, "bknoschema")
    from dutylist.app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    result = restore(app, path)
    assert result.exit_code == 2 and "flask db upgrade" in result.output
    with app.app_context():
        db.engine.dispose()
    drop()


def test_dump_to_a_missing_directory_fails_cleanly(source, tmp_path):
    _, app, _, _ = source
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["dump", "-o", str(tmp_path / "no" / "such" / "x.gz")])
        db.session.remove()
    assert result.exit_code == 2 and "不存在" in result.output


@pytest.mark.parametrize("to_backend", BACKENDS)
def test_parents_restored_before_children_whatever_their_ids(target, tmp_path, to_backend):
    """organisation.parent_id: a parent created after its child (re-parented) still restores first."""
    src = target("sqlite")
    with src.app_context():
        county = Organisation(name="某县", kind=OrgKind.county)
        db.session.add(county)
        db.session.flush()
        pref = Organisation(name="某州", kind=OrgKind.prefecture)
        db.session.add(pref)
        db.session.flush()
        region = Organisation(name="新疆维吾尔自治区", kind=OrgKind.region)
        db.session.add(region)
        db.session.flush()
        county.parent_id, pref.parent_id = pref.id, region.id  # child ids 1, 2 < parent ids 2, 3
        db.session.commit()
        assert src.test_cli_runner().invoke(args=["dump", "-o", str(tmp_path / "o.gz")]).exit_code == 0
        snap = snapshot()
        db.session.remove()
    dst = target(to_backend)
    result = restore(dst, tmp_path / "o.gz")
    assert result.exit_code == 0, result.output
    with dst.app_context():
        assert snapshot() == snap
        db.session.remove()
