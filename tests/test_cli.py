"""The command-line verbs, as an administrator runs them."""
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import (
    AuditEvent,
    Basis,
    ChunkEntry,
    EntryChunk,
    Item,
    ItemContent,
    Organisation,
    User,
    Version,
    VersionChunk,
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
SEEDS = {
    "000_5750dcabd76134d2.txt": ("大有镇", "吉木萨尔县", "昌吉回族自治州", (109, 101, 30), None),
    "001_68a4403148f3c233.txt": ("六户地镇", "玛纳斯县", "昌吉回族自治州", (110, 99, 43), None),
    "002_3c803f996c74d716.txt": ("阿合奇镇", "阿合奇县", "克孜勒苏柯尔克孜自治州", (119, 127, 63), None),
    "003_6a82fb40a4ecf6eb.txt": ("大南沟乌孜别克族乡", "木垒哈萨克自治县", "昌吉回族自治州", (103, 101, 37),
                                 "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"),
    "004_a051d543e79bffba.txt": ("奇台镇", "奇台县", "昌吉回族自治州", (85, 68, 26), None),
}


def row_counts():
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Organisation, Item, ItemContent, Version, VersionChunk, EntryChunk, ChunkEntry)]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.mark.parametrize("filename", list(SEEDS))
def test_dry_run_json_reports_exact_counts_and_writes_nothing(runner, filename):
    town, county, prefecture, counts, place = SEEDS[filename]
    args = ["import-list", str(SAMPLES / filename), "--dry-run", "--json"]
    if place:
        args += ["--township", place]
    before = row_counts()
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["township"], report["county"], report["prefecture"]) == (town, county, prefecture)
    assert (report["counts"]["basic"], report["counts"]["cooperative"], report["counts"]["withdrawn"]) == counts
    assert report["dry_run"] is True
    assert all({"line", "code", "message"} <= set(w) for w in report["warnings"])
    assert row_counts() == before


def test_seed_002_totals_are_checked(runner):
    report = json.loads(runner.invoke(args=["import-list", str(SAMPLES / "002_3c803f996c74d716.txt"),
                                            "--dry-run", "--json"]).output)
    assert report["stated_totals"] == {"total": 309, "basic": 119, "cooperative": 127, "withdrawn": 63}
    assert not any(w["code"] == "total_mismatch" for w in report["warnings"])


def test_seed_004_warnings_carry_source_lines(runner):
    report = json.loads(runner.invoke(args=["import-list", str(SAMPLES / "004_a051d543e79bffba.txt"),
                                            "--dry-run", "--json"]).output)
    codes = {w["code"] for w in report["warnings"]}
    assert {"empty_category", "ocr_category", "empty_name"} <= codes
    assert all(w["line"] > 0 for w in report["warnings"] if w["code"] != "total_mismatch")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),
    (b"\x00\x01\x02\x89PNG\r\n\x1a\n" * 50, "not a text file"),
    ("这是一篇普通的文章，没有任何表格。\n第二段。\n".encode(), "not a duty list"),
])
def test_bad_files_fail_with_one_line_and_write_nothing(runner, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    before = row_counts()
    result = runner.invoke(args=["import-list", str(path)])
    assert result.exit_code != 0
    assert message in result.output and result.output.count("\n") == 1
    assert row_counts() == before


def test_missing_file_fails(runner, tmp_path):
    result = runner.invoke(args=["import-list", str(tmp_path / "nope.txt")])
    assert result.exit_code != 0


def test_import_writes_version_one_and_refuses_a_second_time(runner):
    path = str(SAMPLES / "000_5750dcabd76134d2.txt")
    result = runner.invoke(args=["import-list", path])
    assert result.exit_code == 0, result.output
    assert "基本 109，配合 101，收回 30" in result.output
    version = db.session.scalars(select(Version)).one()
    assert version.number == 1 and version.township.name == "大有镇"
    assert version.township.parent.name == "吉木萨尔县"
    assert db.session.scalar(select(func.count()).select_from(ChunkEntry)) == 240
    assert version.counts == {"basic": 109, "cooperative": 101, "withdrawn": 30}
    before = row_counts()
    again = runner.invoke(args=["import-list", path])
    assert again.exit_code != 0 and "已有清单版本" in again.output
    assert row_counts() == before


def test_seed_003_needs_its_place(runner):
    result = runner.invoke(args=["import-list", str(SAMPLES / "003_6a82fb40a4ecf6eb.txt")])
    assert result.exit_code != 0 and "--township" in result.output
    assert db.session.scalar(select(func.count()).select_from(Version)) == 0


def test_seed_demo_json_lists_one_account_per_role_and_organisation(runner):
    result = runner.invoke(args=["seed-demo", "--json"])
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.output)
    roles = {a["role"] for a in accounts}
    assert roles == {"system_admin", "security_admin", "audit_admin", "region_reviewer", "prefecture_reviewer", "county_office",
                     "county_department", "township_drafter", "legality_reviewer"}
    # each county's 司法局 has a legality reviewer (合法性审查), idle unless LEGALITY_REVIEW is on
    legal = {a["username"]: a["organisation"] for a in accounts if a["role"] == "legality_reviewer"}
    assert legal["jimsar-legal"] == "吉木萨尔县司法局" and len(legal) == len(SEEDS)
    assert {a["organisation"] for a in accounts if a["role"] == "township_drafter"} == {s[0] for s in SEEDS.values()}
    assert {a["organisation"] for a in accounts if a["role"] == "county_office"} == {
        f"{s[1]}委编办" for s in SEEDS.values()}
    assert len({a["username"] for a in accounts}) == len(accounts)
    assert db.session.scalar(select(func.count()).select_from(Version)) == 5
    user = db.session.scalar(select(User).where(User.username == "dayou-drafter"))
    assert user.check_password(accounts[0]["password"])
    # departments named in the lists are registered under their county
    civil = db.session.scalar(select(Organisation).where(Organisation.name == "吉木萨尔县民政局"))
    assert civil.kind == "department" and civil.parent.name == "吉木萨尔县"
    # every seeded list is recorded in the audit chain like any other import, and the chain verifies
    imports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import").order_by(AuditEvent.seq)).all()
    versions = db.session.scalars(select(Version).order_by(Version.id)).all()
    assert [e.target for e in imports] == [f"version:{v.id}" for v in versions]
    assert [e.township_id for e in imports] == [v.township_id for v in versions]
    assert all(json.loads(e.details_text)["via"] == "seed-demo" for e in imports)
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    # the library of bases starts with the demo's entries, added (and audited) by the region's reviewer
    assert db.session.scalar(select(func.count()).select_from(Basis)) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "basis_add")) == 4
    # running it again changes nothing
    before = row_counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert row_counts() == before


def test_create_token_and_audit_verify(runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["create-token", "dayou-drafter"])
    assert result.exit_code == 0 and result.output.startswith("dl_")
    assert runner.invoke(args=["create-token", "nobody"]).exit_code != 0
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0 and "操作日志完整" in ok.output
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "tampered"
    db.session.commit()
    bad = runner.invoke(args=["audit-verify"])
    assert bad.exit_code == 1 and f"第 {event.seq} 条" in bad.output


def test_create_user_checks_role_and_organisation(runner):
    runner.invoke(args=["seed-demo"])
    bad = runner.invoke(args=["create-user", "x1", "--role", "township_drafter", "--organisation", "吉木萨尔县委编办",
                              "--password", "long-enough-pass"])
    assert bad.exit_code != 0
    good = runner.invoke(args=["create-user", "x1", "--role", "county_office", "--organisation", "吉木萨尔县委编办",
                               "--password", "long-enough-pass"])
    assert good.exit_code == 0, good.output
    assert db.session.scalar(select(User).where(User.username == "x1")).organisation.kind == "office"


def test_create_user_with_an_email_address(runner):
    runner.invoke(args=["seed-demo"])
    args = ["--role", "county_office", "--organisation", "吉木萨尔县委编办", "--password", "long-enough-pass"]
    bad = runner.invoke(args=["create-user", "x2", *args, "--email", "not-an-address"])
    assert bad.exit_code == 2 and "电子邮箱格式不正确" in bad.output
    assert db.session.scalar(select(User).where(User.username == "x2")) is None
    good = runner.invoke(args=["create-user", "x2", *args, "--email", "x2@example.gov.cn"])
    assert good.exit_code == 0, good.output
    assert db.session.scalar(select(User).where(User.username == "x2")).email == "x2@example.gov.cn"
