"""Downloads and the web import (upload → preview → confirm → progress), with permissions."""
from __future__ import annotations

import io
import json
import re
import time

import pytest
from sqlalchemy import func, select

from dutylist.documents import export_docx, export_xlsx, import_docx, import_xlsx, jobs, model
from dutylist.extensions import db
from dutylist.importers.text_list import parse_file
from dutylist.items import CONTENT_KEYS
from dutylist.models import AuditEvent, DraftItem, ImportUpload, Item, Organisation, Revision, Version
from dutylist.services import snapshot
from dutylist.services.audit import verify_chain
from workflow import operations as ops
from workflow.errors import Invalid

from .factories import LEVELS, World, signed_in
from .test_documents import BAD_FILES, SAMPLES

pytestmark = pytest.mark.commits  # a confirmed import runs in a thread of its own, on its own connection


@pytest.fixture
def world(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "DOCUMENTS_UPLOAD_DIR", str(tmp_path / "uploads"))
    return World()


def rows_written() -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Organisation, Item, Version, Revision, DraftItem)]


def upload(client, data: bytes, filename: str, township_id=None, **form):
    url = "/imports/new" + (f"?township_id={township_id}" if township_id else "")
    return client.post_form(url, {"file": (io.BytesIO(data), filename), **form}, content_type="multipart/form-data")


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return re.search(r"/imports/([A-Za-z0-9_-]+)$", response.headers["Location"]).group(1)


def wait(client, token: str, timeout: float = 90) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = client.get(f"/imports/{token}/status").get_json()
        if status["state"] in ("done", "error"):
            return status
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


# ------------------------------------------------------------------ downloads

@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "json"])
def test_any_signed_in_user_downloads_a_published_version(app, world, fmt):
    client = signed_in(app, "jimsar-civil")
    response = client.get(f"/versions/{world.version.id}/export.{fmt}")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(f".{fmt}")
    data = response.data
    if fmt == "docx":
        assert [i.name for i in import_docx.parse_docx(data).items] == [e.fields["name"] for e in World.entries()]
    elif fmt == "xlsx":
        assert len(import_xlsx.parse_xlsx(data).items) == 6
    elif fmt == "json":
        assert json.loads(data)["version"] == 1
    else:
        assert "老年人高龄津贴的发放管理" in data.decode("utf-8-sig")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.actor_name == "jimsar-civil" and event.township_id == world.town.id
    assert event.details["format"] == fmt and event.target == f"version:{world.version.id}"


def test_download_links_on_the_pages_and_unknown_formats(app, world):
    client = signed_in(app, "dayou-drafter")
    page = client.get(f"/townships/{world.town.id}").get_data(as_text=True)
    assert f"/versions/{world.version.id}/export.pdf" in page and "从 Word / Excel 导入修订稿" in page
    assert client.get(f"/versions/{world.version.id}/export.exe").status_code == 404
    assert client.get("/versions/999999/export.docx").status_code == 404
    assert app.test_client().get(f"/versions/{world.version.id}/export.docx").status_code == 302  # sign in first


def test_a_drafts_export_is_marked_with_its_round(app, world):
    from docx import Document
    from openpyxl import load_workbook

    rev = ops.start_revision(world.town, world.drafter)
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    db.session.commit()
    assert rev.round == 1
    client = signed_in(app, "dayou-drafter")
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert f"/revisions/{rev.id}/export.docx" in page
    response = client.get(f"/revisions/{rev.id}/export.docx")
    assert response.status_code == 200
    assert "%E4%BF%AE%E8%AE%A2%E7%A8%BF%E7%AC%AC1%E8%BD%AE" in response.headers["Content-Disposition"]  # 修订稿第1轮
    document = Document(io.BytesIO(response.data))
    header = document.sections[0].header.paragraphs[0].text
    assert "修订稿" in header and "第 1 轮" in header
    assert any("修订稿" in p.text and "第 1 轮" in p.text for p in document.paragraphs)
    wb = load_workbook(io.BytesIO(client.get(f"/revisions/{rev.id}/export.xlsx").data))
    assert "第 1 轮" in wb["基本履职事项"]["A2"].value and "修订稿" in wb["说明"]["A3"].value
    data = json.loads(client.get(f"/revisions/{rev.id}/export.json").data)
    assert data["draft"]["round"] == 1 and data["draft"]["revision_id"] == rev.id and data["version"] is None
    assert [i["item_id"] for i in data["items"]] == [e["item_id"] for e in snapshot.read_entries(world.version)]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()[-1]
    assert event.details["round"] == 1 and event.target == f"revision:{rev.id}"
    # the county office reviewing it may download it too
    assert signed_in(app, "jimsar-office").get(f"/revisions/{rev.id}/export.xlsx").status_code == 200


@pytest.mark.parametrize("username", ["quanzijie-drafter", "manas-office", "jimsar-civil", "kizilsu-prefecture"])
def test_others_cannot_download_a_draft(app, world, username):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    client = signed_in(app, username)
    assert client.get(f"/revisions/{rev.id}/export.docx").status_code == 403
    assert client.get(f"/revisions/{rev.id}/export.json").status_code == 403
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))


def test_pdf_download(app, world):
    from dutylist.documents import export_pdf

    try:
        export_pdf.find_font()
    except export_pdf.PdfFontMissing:
        pytest.skip("no CJK font installed")
    response = signed_in(app, "admin").get(f"/versions/{world.version.id}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")


# ------------------------------------------------------------------ import as a new draft

def revised_list(world) -> model.ListDocument:
    """The current list with the kind of changes a township makes in Word."""
    from dutylist.services.list_counts import list_stats

    doc = model.from_version(world.version)
    first, dropped, third = doc.of_kind("basic")
    coop = doc.of_kind("cooperative")
    withdrawn = doc.of_kind("withdrawn")
    new = {**first, "item_id": None, "name": "做好基层统计工作", "category": "综合政务"}
    basic = [third, first, new]  # one dropped, one added at the end, two in another order
    coop[0]["name"] = "老年人高龄津贴、服务补贴的发放管理"  # reworded: same table and number, same identity
    coop[0]["township_duties"] = coop[0]["township_duties"] + ["2.协助做好发放公示。"]
    moved = coop.pop(1)  # taken back by the county
    moved.update(kind="withdrawn", departments_text="", departments=[], dept_duties=[], township_duties=[],
                 receiving=[{"department": "吉木萨尔县农业农村局", "method": "由县农业农村局直接负责。"}])
    withdrawn.append(moved)
    for table in (basic, coop, withdrawn):
        for n, e in enumerate(table, 1):
            e["number"] = n
    doc.entries = basic + coop + withdrawn
    doc.stats = list_stats(doc.entries)
    return doc


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_drafter_imports_a_new_draft_with_identities_kept_and_audited(app, world, fmt):
    original = {e["name"]: e["item_id"] for e in snapshot.read_entries(world.version)}
    doc = revised_list(world)
    data = (export_docx.to_docx if fmt == "docx" else export_xlsx.to_xlsx)(doc)
    client = signed_in(app, "dayou-drafter")
    assert client.get(f"/imports/new?township_id={world.town.id}").status_code == 200
    token = token_of(upload(client, data, f"大有镇修订.{fmt}", world.town.id))
    assert rows_written()[3:] == [0, 0]  # nothing written before the confirm

    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert 'data-kind="basic">3<' in page and 'data-kind="cooperative">1<' in page and 'data-kind="withdrawn">2<' in page
    assert 'data-plan="added">1<' in page and 'data-plan="changed">2<' in page and 'data-plan="deleted">1<' in page
    assert "负责本镇农村“四老”人员服务管理工作" in page  # listed under 将删除的事项
    assert "原名称：老年人高龄津贴的发放管理" in page  # a reworded item shows what it replaces
    assert 'id="confirm-import" disabled' not in page

    response = client.post_form(f"/imports/{token}/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{token}/progress")
    progress = client.get(f"/imports/{token}/progress").get_data(as_text=True)
    assert "documents-import.js" in progress and "<script>" not in progress
    status = wait(client, token)
    assert status["state"] == "done", status
    assert status["done"] == status["total"]
    db.session.expire_all()
    rev = db.session.scalar(select(Revision))
    assert status["result_url"] == f"/revisions/{rev.id}"
    live = sorted((i for i in rev.items if not i.deleted), key=lambda i: (model.KINDS.index(i.kind), i.position))
    assert [(i.kind, i.number, i.name) for i in live] == [(e["kind"], e["number"], e["name"]) for e in doc.entries]
    assert [i.fields() for i in live] == [{f: e[f] for f in CONTENT_KEYS} for e in doc.entries]
    by_name = {i.name: i.item_id for i in live}
    assert by_name["老年人高龄津贴、服务补贴的发放管理"] == original["老年人高龄津贴的发放管理"]
    assert by_name["加强基层阵地建设，优化提升服务功能"] == original["加强基层阵地建设，优化提升服务功能"]
    assert by_name["开展农牧业防灾减灾工作"] == original["开展农牧业防灾减灾工作"]
    assert by_name["负责本镇政府信息公开工作"] == original["负责本镇政府信息公开工作"]
    assert by_name["做好基层统计工作"] not in original.values()
    deleted = [i for i in rev.items if i.deleted]
    assert [i.item_id for i in deleted] == [original["负责本镇农村“四老”人员服务管理工作"]]
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.revision_id == rev.id).order_by(AuditEvent.seq))]
    assert actions[0] == "revision_start" and actions[-1] == "import"
    assert {"item_delete", "item_edit", "item_move", "item_add", "item_reorder"} <= set(actions)
    assert all(e.actor_name == "dayou-drafter" for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.revision_id == rev.id)))
    assert verify_chain().ok
    # the stored upload is gone; the page for it says so
    assert client.get(f"/imports/{token}").status_code == 404


def test_an_import_that_fails_half_way_writes_nothing(app, world, monkeypatch):
    doc = revised_list(world)
    client = signed_in(app, "dayou-drafter")
    token = token_of(upload(client, export_docx.to_docx(doc), "x.docx", world.town.id))
    before = rows_written()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))

    def refuse(*args, **kwargs):
        raise Invalid("模拟的错误")

    # the last step of the write: the revision, its items, flags and reasons are written by then
    monkeypatch.setattr(jobs, "append_events", refuse)
    client.post_form(f"/imports/{token}/confirm")
    status = wait(client, token)
    assert status["state"] == "error" and "未写入任何内容" in status["message"] and "模拟的错误" in status["message"]
    db.session.expire_all()
    assert rows_written() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    # a second confirm of the same upload does not start a second job
    assert client.post_form(f"/imports/{token}/confirm").status_code == 302
    assert wait(client, token)["state"] == "error"


def test_no_import_while_a_revision_is_open(app, world):
    client = signed_in(app, "dayou-drafter")
    token = token_of(upload(client, export_docx.to_docx(revised_list(world)), "x.docx", world.town.id))
    rev = ops.start_revision(world.town, world.drafter)  # started meanwhile
    db.session.commit()
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "已有一份未完成的修订稿" in page and 'id="confirm-import" disabled' in page
    response = client.post_form(f"/imports/{token}/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{token}")
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1
    response = client.get(f"/imports/new?township_id={world.town.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/revisions/{rev.id}")


def test_a_list_of_another_township_is_not_imported_as_this_ones_draft(app, world):
    other = parse_file(next(SAMPLES.glob("001_*.txt")))
    client = signed_in(app, "dayou-drafter")
    token = token_of(upload(client, export_docx.to_docx(model.from_parsed(other)), "x.docx", world.town.id))
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "文件是“六户地镇”的清单" in page and 'id="confirm-import" disabled' in page


# ------------------------------------------------------------------ permissions

def test_another_townships_drafter_cannot_import_into_this_township(app, world):
    client = signed_in(app, "quanzijie-drafter")
    assert client.get(f"/imports/new?township_id={world.town.id}").status_code == 403
    data = export_docx.to_docx(revised_list(world))
    before = rows_written()
    assert upload(client, data, "x.docx", world.town.id).status_code == 403
    assert rows_written() == before
    # nor can anyone but an administrator import a new township's list
    assert client.get("/imports/new").status_code == 403
    assert signed_in(app, "jimsar-office").get(f"/imports/new?township_id={world.town.id}").status_code == 403


def test_an_upload_belongs_to_the_user_who_made_it(app, world):
    token = token_of(upload(signed_in(app, "dayou-drafter"), export_docx.to_docx(revised_list(world)), "x.docx",
                            world.town.id))
    other = signed_in(app, "admin")
    assert other.get(f"/imports/{token}").status_code == 404
    assert other.post_form(f"/imports/{token}/confirm").status_code == 404
    assert other.get(f"/imports/{token}/status").status_code == 404
    assert other.get("/imports/..%2F..%2Fsecret_key").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0


# ------------------------------------------------------------------ import of a new township

def test_admin_imports_a_new_townships_first_version_from_excel(app, world):
    seed = parse_file(next(SAMPLES.glob("004_*.txt")))
    client = signed_in(app, "admin")
    assert client.get("/imports/new").status_code == 200
    token = token_of(upload(client, export_xlsx.to_xlsx(model.from_parsed(seed)), "奇台镇.xlsx"))
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert 'data-kind="basic">85<' in page and 'data-kind="cooperative">68<' in page
    assert 'data-kind="withdrawn">26<' in page and "事项名称为空" in page  # the OCR seed's warnings
    client.post_form(f"/imports/{token}/confirm")
    status = wait(client, token)
    assert status["state"] == "done", status
    db.session.expire_all()
    town = db.session.scalar(select(Organisation).where(Organisation.name == "奇台镇"))
    assert status["result_url"] == f"/townships/{town.id}"
    version = snapshot.current_version(town.id)
    assert version.number == 1 and version.published_by.username == "admin"
    entries = snapshot.read_entries(version)
    assert [(e["kind"], e["number"], e["name"], e["receiving"]) for e in entries] == [
        (i.kind, i.number, i.name, [{"department": r.department, "method": r.method} for r in i.receiving])
        for i in seed.items]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert event.township_id == town.id and event.details["counts"] == {"basic": 85, "cooperative": 68, "withdrawn": 26}


def test_admin_cannot_import_over_an_existing_list_and_gives_the_place_when_missing(app, world):
    client = signed_in(app, "admin")
    token = token_of(upload(client, export_docx.to_docx(model.from_version(world.version)), "大有镇.docx",
                            place="昌吉回族自治州吉木萨尔县大有镇"))
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "大有镇已有清单版本" in page and 'id="confirm-import" disabled' in page
    seed = parse_file(next(SAMPLES.glob("003_*.txt")), township="昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡")
    doc = model.from_parsed(seed, title="履职事项清单")  # the document names no place
    token = token_of(upload(client, export_docx.to_docx(doc), "x.docx"))
    assert "文件未写明乡镇（街道）名称" in client.get(f"/imports/{token}").get_data(as_text=True)
    token = token_of(upload(client, export_docx.to_docx(doc), "x.docx",
                            place="昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"))
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "大南沟乌孜别克族乡" in page and 'id="confirm-import" disabled' not in page


# ------------------------------------------------------------------ bad files

@pytest.mark.parametrize("name", ["encrypted", "corrupt zip", "missing columns", "no tables", "text"])
def test_bad_uploads_get_a_clear_message_and_write_nothing(app, world, tmp_path, name):
    data, message = BAD_FILES[name]
    client = signed_in(app, "dayou-drafter")
    before = rows_written()
    response = upload(client, data, "清单.docx", world.town.id)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows_written() == before
    assert not list((tmp_path / "uploads").glob("*.json"))
    assert upload(client, b"", "", world.town.id).status_code == 400


def test_too_large_uploads_are_refused(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    client = signed_in(app, "dayou-drafter")
    response = upload(client, b"PK\x03\x04" + b"x" * 5000, "big.docx", world.town.id)
    assert response.status_code == 413


def test_cancel_discards_the_upload(app, world, tmp_path):
    client = signed_in(app, "dayou-drafter")
    token = token_of(upload(client, export_docx.to_docx(revised_list(world)), "x.docx", world.town.id))
    assert db.session.get(ImportUpload, token).data  # kept in the database, for any worker
    response = client.post_form(f"/imports/{token}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ImportUpload, token) is None
    assert client.get(f"/imports/{token}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0
