"""The library of legal bases (依据库): kept by the establishment offices, read by everyone signed in;
no duplicates; an Excel sheet imported after a preview; the same rules over the pages and the API."""
from __future__ import annotations

import html
import io
import json
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import AuditEvent, Basis
from dutylist.services.tokens import create_token

from .bombs import xlsx_far_cell
from .factories import PASSWORD, World

LAND = {"title": "中华人民共和国土地管理法", "doc_number": "", "issuer": "全国人民代表大会常务委员会",
        "level": "法律", "published_on": "1986-06-25", "effective_on": "2020-01-01", "url": "", "excerpt": ""}
NOTICE = {"title": "关于加强基层治理体系和治理能力现代化建设的意见", "doc_number": "中发〔2021〕16号",
          "issuer": "中共中央、国务院", "level": "党内法规"}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Basis))


def web(client, user):
    client.post_form("/auth/logout")
    resp = client.login(user.username, PASSWORD)
    assert resp.status_code == 302
    return client


def api(client, user):
    token = create_token(user)
    db.session.commit()

    def call(method, url, body=None):
        kw = {"json": body} if body is not None else {}
        return client.open("/api/v1" + url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)
    return call


@pytest.fixture
def world(app):
    return World()


# ---------------------------------------------------------------------- pages ----
def test_office_adds_edits_and_everyone_finds_it(world, client):
    c = web(client, world.officer)
    page = c.get("/bases").get_data(as_text=True)
    assert "依据库" in page and 'id="add-basis"' in page
    resp = c.post_form("/bases/new", LAND)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    basis = db.session.scalars(select(Basis)).one()
    assert (basis.title, basis.level, basis.status, basis.owner_id) == (LAND["title"], "法律", "in_force", world.office.id)
    assert str(basis.effective_on) == "2020-01-01"
    assert "《中华人民共和国土地管理法》" in c.get(f"/bases/{basis.id}").get_data(as_text=True)
    # edit: the 文号 and a link
    resp = c.post_form(f"/bases/{basis.id}/edit", {**LAND, "doc_number": "主席令第三十二号", "url": "https://flk.npc.gov.cn/"})
    assert resp.status_code == 302
    db.session.refresh(basis)
    assert basis.doc_number == "主席令第三十二号" and basis.doc_key == "主席令第三十二号"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("basis_%"))).all()
    assert actions == ["basis_add", "basis_edit"]
    # a drafter reads and searches, by title or by 文号, but may not add or edit
    d = web(client, world.drafter)
    page = d.get("/bases?q=土地管理").get_data(as_text=True)
    assert "《中华人民共和国土地管理法》" in page and 'id="add-basis"' not in page
    assert "找到 1 条" in d.get("/bases?q=主席令第三十二号").get_data(as_text=True)
    assert "找到 0 条" in d.get("/bases?q=森林法").get_data(as_text=True)
    assert d.post_form("/bases/new", {**LAND, "title": "别的法"}).status_code == 403
    assert d.post_form(f"/bases/{basis.id}/edit", {**LAND, "title": "改名"}).status_code == 403
    assert count() == 1 and db.session.get(Basis, basis.id).title == LAND["title"]


def test_prefecture_and_region_keep_it_too_other_counties_do_not_edit(world, client):
    c = web(client, world.pref_user)
    assert c.post_form("/bases/new", {**NOTICE, "title": "州的规范性文件", "doc_number": "昌州党办发〔2024〕3号",
                                      "issuer": "昌吉州委办公室", "level": "规范性文件"}).status_code == 302
    c = web(client, world.officer)
    assert c.post_form("/bases/new", NOTICE).status_code == 302
    mine = db.session.scalars(select(Basis).where(Basis.doc_number == NOTICE["doc_number"])).one()
    # another county's office reads it but may not change it; the prefecture above may
    c = web(client, world.other_officer)
    assert c.get(f"/bases/{mine.id}").status_code == 200
    assert c.post_form(f"/bases/{mine.id}/edit", {**NOTICE, "title": "改名"}).status_code == 403
    c = web(client, world.pref_user)
    assert c.post_form(f"/bases/{mine.id}/edit", {**NOTICE, "url": "https://www.gov.cn/"}).status_code == 302
    c = web(client, world.other_pref_user)
    assert c.post_form(f"/bases/{mine.id}/edit", {**NOTICE, "url": "https://x.cn/"}).status_code == 403
    # departments read only
    c = web(client, world.civil_user)
    assert c.get("/bases").status_code == 200
    assert c.post_form("/bases/new", {**NOTICE, "doc_number": "x"}).status_code == 403


@pytest.mark.parametrize("change, message", [
    ({"doc_number": "中发[2021]16号", "title": "另一个名称"}, "依据库中已有文号为“中发〔2021〕16号”的依据"),
    ({"doc_number": "中发（２０２１）16号", "title": "另一个名称"}, "依据库中已有文号为“中发〔2021〕16号”的依据"),
    ({"doc_number": ""}, "依据库中已有中共中央、国务院制定的《关于加强基层治理体系和治理能力现代化建设的意见》"),
])
def test_duplicates_are_refused_with_a_clear_message(world, client, change, message):
    c = web(client, world.officer)
    assert c.post_form("/bases/new", NOTICE).status_code == 302
    resp = c.post_form("/bases/new", {**NOTICE, **change})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and message in page
    assert f'value="{(change.get("title") or NOTICE["title"])}"' in page  # what was typed is kept
    assert count() == 1


def test_bad_fields_are_refused_next_to_their_box(world, client):
    c = web(client, world.officer)
    for data, message in [({**LAND, "title": "长" * 301}, "依据名称过长（不超过 300 字）"),
                          ({**LAND, "doc_number": "号" * 101}, "文号过长（不超过 100 字）"),
                          ({**LAND, "issuer": ""}, "请填写制定机关"),
                          ({**LAND, "level": "条例"}, "效力层级须为法律、行政法规"),
                          ({**LAND, "url": "javascript:alert(1)"}, "链接须以 http:// 或 https:// 开头"),
                          ({**LAND, "published_on": "2020-13-45"}, "")]:
        resp = c.post_form("/bases/new", data)
        assert resp.status_code == 400, data
        assert message in resp.get_data(as_text=True)
    assert count() == 0


# ---------------------------------------------------------------------- the API ----
def test_api_add_read_patch_and_refusals(world, client):
    office, drafter = api(client, world.officer), api(client, world.drafter)
    resp = office("POST", "/bases", LAND)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["title"] == LAND["title"] and body["status"] == "in_force" and body["owner"]["id"] == world.office.id
    bid = body["id"]
    got = drafter("GET", f"/bases/{bid}").get_json()
    assert got["level"] == "法律" and got["citing_contents"] == 0
    listed = drafter("GET", "/bases?q=土地").get_json()
    assert listed["total"] == 1 and listed["bases"][0]["id"] == bid
    assert office("PATCH", f"/bases/{bid}", {"excerpt": "第十条 ……"}).get_json()["excerpt"] == "第十条 ……"
    # refusals, nothing written
    resp = drafter("POST", "/bases", {**LAND, "title": "别的"})
    assert resp.status_code == 403 and "依据库由县委编办、州和自治区编办维护" in resp.get_json()["error"]
    resp = office("POST", "/bases", LAND)
    assert resp.status_code == 409 and "不能重复添加" in resp.get_json()["error"]
    resp = office("POST", "/bases", {**LAND, "title": "长" * 301})
    assert resp.status_code == 400 and "依据名称过长" in resp.get_json()["error"]
    resp = office("POST", "/bases", {**LAND, "title": "新法", "status": "repealed"})
    assert resp.status_code == 400 and "未知字段" in resp.get_json()["error"]
    resp = office("PATCH", f"/bases/{bid}", {"published_on": 1986})
    assert resp.status_code == 400
    assert drafter("PATCH", f"/bases/{bid}", {"excerpt": "x"}).status_code == 403
    assert drafter("GET", "/bases/999999").status_code == 404
    assert count() == 1


def test_openapi_lists_the_library(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/bases"]) and {"get", "patch"} <= set(spec["paths"]["/bases/{basis_id}"])
    assert spec["components"]["schemas"]["ItemFields"]["properties"]["bases"]["items"] == {"$ref": "#/components/schemas/Citation"}


# ---------------------------------------------------------------------- importing a sheet ----
def sheet(rows, header=("序号", "名称", "文号", "制定机关", "效力层级", "公布日期", "施行日期")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["依据目录"])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(c, data: bytes, name="bases.xlsx"):
    return c.post("/bases/import", data={"csrf_token": c.csrf_token(), "file": (io.BytesIO(data), name)},
                  content_type="multipart/form-data")


def test_excel_import_previews_then_adds_the_good_rows(world, client):
    c = web(client, world.officer)
    c.post_form("/bases/new", NOTICE)
    data = sheet([
        (1, "《中华人民共和国土地管理法》", "", "全国人民代表大会常务委员会", "法律", date(1986, 6, 25), "2020-01-01"),
        (2, "中华人民共和国村民委员会组织法", "", "全国人民代表大会常务委员会", "法律", "", ""),
        (3, "重复文号的文件", "中发[2021]16号", "中共中央", "党内法规", "", ""),
        (4, "新疆维吾尔自治区实施《中华人民共和国土地管理法》办法", "", "新疆维吾尔自治区人民代表大会常务委员会", "条例", "", ""),
        (5, "中华人民共和国村民委员会组织法", "", "全国人民代表大会常务委员会", "法律", "", ""),
    ])
    resp = upload(c, data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page
    assert "3 行有问题" in page and "2 行可以导入" in page
    assert "依据库中已有文号为“中发〔2021〕16号”的依据" in page
    assert "效力层级须为" in page and "与表中第 4 行的名称和制定机关相同" in page
    assert count() == 1  # the preview writes nothing
    rows = re.search(r'name="rows" value="([^"]+)"', page).group(1)
    resp = c.post_form("/bases/import/confirm", {"rows": html.unescape(rows)})
    assert resp.status_code == 302
    titles = set(db.session.scalars(select(Basis.title)))
    assert titles == {NOTICE["title"], "中华人民共和国土地管理法", "中华人民共和国村民委员会组织法"}
    land = db.session.scalars(select(Basis).where(Basis.title == "中华人民共和国土地管理法")).one()
    assert str(land.published_on) == "1986-06-25" and str(land.effective_on) == "2020-01-01"
    # confirming the same sheet again adds nothing (each row now a duplicate), with the reason
    resp = c.post_form("/bases/import/confirm", {"rows": html.unescape(rows)})
    assert resp.status_code == 400 and "没有可以导入的依据" in resp.get_data(as_text=True)
    assert count() == 3


def test_excel_import_refuses_bad_files_and_townships(world, client):
    c = web(client, world.officer)
    assert "没有找到表头" in upload(c, sheet([("a", "b")], header=("甲", "乙"))).get_data(as_text=True)
    assert "请上传 Excel" in upload(c, b"just text", "a.xlsx").get_data(as_text=True)
    resp = upload(c, xlsx_far_cell())
    assert resp.status_code == 400 and "超出导入限制" in resp.get_data(as_text=True)
    d = web(client, world.drafter)
    assert upload(d, sheet([(1, "某法", "", "某机关", "法律")])).status_code == 403
    forged = json.dumps([[3, {"title": "伪造", "issuer": "某机关", "level": "法律"}]], ensure_ascii=False)
    assert d.post_form("/bases/import/confirm", {"rows": forged}).status_code == 403
    assert count() == 0
