"""依据 on items: cited in drafts (the form, the API), checked against the library, carried through
versions, shown on pages and diffs, exported as a 依据 column only where used, read back on import;
the five seed lists export exactly as before."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dutylist.documents import export_data, export_docx, export_xlsx, import_docx, import_xlsx, model
from dutylist.extensions import db
from dutylist.importers.text_list import parse_file
from dutylist.models import Basis, ContentBasis, DraftItem, Version
from dutylist.services import bases as library
from dutylist.services import snapshot
from dutylist.services.tokens import create_token
from workflow import operations as ops

from .factories import PASSWORD, World, explain, fire, settle

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
T003 = "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"
#: sha256 (first 16 hex) of the seed lists' exports made by the code before the 依据 field existed
#: (main at 35a2545): CSV, JSON, the Word body, each Excel sheet, exported_at and date fixed
GOLDEN = {
    "000": {"csv": "361bcb0cc26a4b6f", "docx:word/document.xml": "81e10bf1514403b2", "json": "d5c21183e1942650",
            "xlsx:xl/worksheets/sheet1.xml": "2759aa94ecb29c05", "xlsx:xl/worksheets/sheet2.xml": "3ba66552d1fdc1ef",
            "xlsx:xl/worksheets/sheet3.xml": "a8a145dfa6920af9", "xlsx:xl/worksheets/sheet4.xml": "47cacc3da6f3938d"},
    "001": {"csv": "32494f7551b37250", "docx:word/document.xml": "f80f4e47cbc5d8be", "json": "8d669ee17658716f",
            "xlsx:xl/worksheets/sheet1.xml": "86a417aa79be56c3", "xlsx:xl/worksheets/sheet2.xml": "746a362b06b5e1ce",
            "xlsx:xl/worksheets/sheet3.xml": "da08f984731ff6eb", "xlsx:xl/worksheets/sheet4.xml": "22851fc746ac3ba5"},
    "002": {"csv": "862f80c491516657", "docx:word/document.xml": "4f18f3cbefbda4c6", "json": "36135d48b8598e9d",
            "xlsx:xl/worksheets/sheet1.xml": "18c363c51520e64c", "xlsx:xl/worksheets/sheet2.xml": "47d30f40fd7aa586",
            "xlsx:xl/worksheets/sheet3.xml": "a53a7d09bfa971bd", "xlsx:xl/worksheets/sheet4.xml": "ff7a6f9e25a87edb"},
    "003": {"csv": "d9603b12c2657e30", "docx:word/document.xml": "8bb4390f73eedefa", "json": "46cb7ed657e176d7",
            "xlsx:xl/worksheets/sheet1.xml": "9039e9890782083a", "xlsx:xl/worksheets/sheet2.xml": "30692762befa0458",
            "xlsx:xl/worksheets/sheet3.xml": "e2df81fe5651d2a1", "xlsx:xl/worksheets/sheet4.xml": "65ab26f29aafa233"},
    "004": {"csv": "66f56e0d17bac382", "docx:word/document.xml": "4648f1f6de61f5f9", "json": "ac6402a725a367b8",
            "xlsx:xl/worksheets/sheet1.xml": "c075b3232f2cbd6d", "xlsx:xl/worksheets/sheet2.xml": "1a9c0a4b7fece685",
            "xlsx:xl/worksheets/sheet3.xml": "873ff4947621cec9", "xlsx:xl/worksheets/sheet4.xml": "ac516039ab910f22"},
}


def seed_exports(key: str, doc) -> dict:
    doc.date = "2025年7月"
    doc.exported_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    parts = {"csv": export_data.to_csv(doc), "json": export_data.to_json(doc)}
    for name, data in (("docx", export_docx.to_docx(doc)), ("xlsx", export_xlsx.to_xlsx(doc))):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for n in zf.namelist():
                if n == "word/document.xml" or n.startswith("xl/worksheets/sheet"):
                    parts[f"{name}:{n}"] = zf.read(n)
    return {k: hashlib.sha256(v).hexdigest()[:16] for k, v in parts.items()}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_the_seed_lists_export_exactly_as_before(key):
    path = next(SAMPLES.glob(f"{key}_*.txt"))
    parsed = parse_file(path, township=T003 if key == "003" else None)
    assert all(i.bases == [] for i in parsed.items)
    assert seed_exports(key, model.from_parsed(parsed)) == GOLDEN[key]


# ---------------------------------------------------------------------- a world with a library ----
LAND = dict(title="中华人民共和国土地管理法", issuer="全国人民代表大会常务委员会", level="法律")
AGED = dict(title="中华人民共和国老年人权益保障法", issuer="全国人民代表大会常务委员会", level="法律")
OLD = dict(title="新疆维吾尔自治区农村五保供养条例", issuer="新疆维吾尔自治区人民代表大会常务委员会", level="地方性法规",
           doc_number="新人常〔2008〕1号")


@pytest.fixture
def world(app):
    w = World()
    w.land = library.add(w.officer, LAND)
    w.aged = library.add(w.officer, AGED)
    w.old = library.add(w.officer, OLD)
    w.old.status, w.old.repealed_on = "repealed", date(2020, 1, 1)
    db.session.commit()
    w.rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    return w


def draft_item(w, name: str) -> DraftItem:
    return db.session.scalars(select(DraftItem).where(DraftItem.revision_id == w.rev.id, DraftItem.name == name)).one()


def web(client, user):
    client.post_form("/auth/logout")
    assert client.login(user.username, PASSWORD).status_code == 302
    return client


def form_of(item: DraftItem, **change) -> dict:
    data = {"kind": item.kind, "category": item.category, "name": item.name, "lock_version": str(item.lock_version),
            "departments_text": item.departments_text, "dept_duties": "\n".join(item.dept_duties),
            "township_duties": "\n".join(item.township_duties), "receiving": "", "remarks": item.remarks,
            "bases": "", "reason": "依据法律规定补充"}
    data.update(change)
    return data


def test_the_drafter_cites_in_the_form_matched_and_pending(world, client):
    w = world
    item = draft_item(w, "负责本镇政府信息公开工作")
    c = web(client, w.drafter)
    resp = c.post_form(f"/revisions/{w.rev.id}/items/{item.id}/edit", form_of(
        item, bases="《土地管理法》第十条、第十二条\n新人常[2009]7号 第三条\n《中华人民共和国老年人权益保障法》（）第二款"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(item)
    assert item.bases == [
        {"basis_id": w.land.id, "article": "第十条、第十二条", "text": "《中华人民共和国土地管理法》"},
        {"basis_id": None, "article": "第三条", "text": "新人常[2009]7号"},
        {"basis_id": w.aged.id, "article": "第二款", "text": "《中华人民共和国老年人权益保障法》"}]
    # the draft page shows them, the pending one marked; the form shows them back as lines
    page = c.get(f"/revisions/{w.rev.id}").get_data(as_text=True)
    assert "《中华人民共和国土地管理法》第十条、第十二条" in page and "待入库" in page and ">依据</th>" in page
    form = c.get(f"/revisions/{w.rev.id}/items/{item.id}/edit").get_data(as_text=True)
    assert "《中华人民共和国土地管理法》第十条、第十二条\n新人常[2009]7号第三条" in form
    assert 'data-suggest="/bases/suggest"' in form
    # saved again unchanged: the same citations (a matched line stays matched)
    db.session.refresh(item)
    lines = "\n".join(f"{b['text']}{b['article']}" for b in item.bases)
    assert c.post_form(f"/revisions/{w.rev.id}/items/{item.id}/edit", form_of(item, bases=lines)).status_code == 302
    db.session.refresh(item)
    assert [b["basis_id"] for b in item.bases] == [w.land.id, None, w.aged.id]


def test_bad_citations_are_refused_with_the_reason_nothing_written(world, client):
    w = world
    item = draft_item(w, "负责本镇政府信息公开工作")
    c = web(client, w.drafter)
    lock = item.lock_version
    for text, message in [("《新疆维吾尔自治区农村五保供养条例》第五条", "已于 2020-01-01 废止（早于本次修订开始），不能引用"),
                          ("《土地管理法》" + "第十条" * 40, "…”过长（不超过 100 字）"),
                          ("第十条", "依据条款“第十条”未写明所依据的法律法规")]:
        resp = c.post_form(f"/revisions/{w.rev.id}/items/{item.id}/edit", form_of(item, bases=text))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in page, (text, page[page.find("<main"):][:2000])
        assert text.split("第")[0] in page  # what was typed is kept
    db.session.refresh(item)
    assert item.bases == [] and item.lock_version == lock


def api(client, user):
    token = create_token(user)
    db.session.commit()

    def call(method, url, body=None):
        return client.open("/api/v1" + url, method=method, headers={"Authorization": f"Bearer {token}"},
                           **({"json": body} if body is not None else {}))
    return call


def test_the_api_cites_and_refuses(world, client):
    w = world
    item = draft_item(w, "加强基层阵地建设，优化提升服务功能")
    call = api(client, w.drafter)
    url = f"/revisions/{w.rev.id}/items/{item.id}"
    resp = call("PATCH", url, {"lock_version": item.lock_version, "reason": "补充依据",
                               "bases": [{"basis_id": w.land.id, "article": "第十条"},
                                         {"text": "《村庄规划管理办法》", "article": ""}]})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["fields"]["bases"] == [
        {"basis_id": w.land.id, "article": "第十条", "text": "《中华人民共和国土地管理法》"},
        {"basis_id": None, "article": "", "text": "《村庄规划管理办法》"}]
    lock = body["lock_version"]
    # a field not given keeps the citations
    resp = call("PATCH", url, {"lock_version": lock, "remarks": "每年更新"})
    assert resp.status_code == 200 and len(resp.get_json()["fields"]["bases"]) == 2
    lock = resp.get_json()["lock_version"]
    for bases, message in [([{"basis_id": 99999, "article": "第一条"}], "依据库中没有编号为 99999 的依据"),
                           ([{"basis_id": w.old.id}], "已于 2020-01-01 废止"),
                           ([{"basis_id": w.land.id, "article": "条" * 101}], "过长（不超过 100 字）"),
                           ([{"basis_id": "x"}], "依据应为 [{basis_id, article}] 列表"),
                           ("《土地管理法》", "依据应为 [{basis_id, article}] 列表")]:
        resp = call("PATCH", url, {"lock_version": lock, "bases": bases})
        assert resp.status_code == 400 and message in resp.get_json()["error"], (bases, resp.get_json())
    db.session.refresh(item)
    assert item.lock_version == lock and len(item.bases) == 2
    # adding an item with a citation
    resp = call("POST", f"/revisions/{w.rev.id}/items", {"kind": "basic", "category": "综合政务", "name": "土地执法协助",
                                                         "bases": [{"basis_id": w.land.id, "article": "第六十七条"}]})
    assert resp.status_code == 201 and resp.get_json()["fields"]["bases"][0]["basis_id"] == w.land.id


def test_an_item_that_already_cited_a_repealed_basis_may_keep_it(world):
    """A basis repealed after the list was published: the item citing it can still be edited (the draft is
    where the citation gets replaced), but no other item may cite it anew."""
    w = world
    item = draft_item(w, "负责本镇政府信息公开工作")
    item.bases = [{"basis_id": w.old.id, "article": "第五条", "text": "《新疆维吾尔自治区农村五保供养条例》"}]
    db.session.commit()
    ops.edit_item(w.rev, w.drafter, item.id, {**item.fields(), "remarks": "待调整"}, item.lock_version)
    db.session.commit()
    assert item.bases[0]["basis_id"] == w.old.id
    other = draft_item(w, "负责本镇农村“四老”人员服务管理工作")
    with pytest.raises(Exception, match="废止"):
        ops.edit_item(w.rev, w.drafter, other.id, {**other.fields(), "bases": [{"basis_id": w.old.id}]},
                      other.lock_version)
    db.session.rollback()


def publish(w):
    explain(w.rev, w.drafter)
    fire(w.rev, "submit", w.drafter)
    fire(w.rev, "accept", w.officer)
    settle(w.rev)
    fire(w.rev, "approve", w.officer, reason="同意")
    fire(w.rev, "escalate", w.officer)
    fire(w.rev, "approve", w.pref_user, reason="同意")
    fire(w.rev, "publish", w.region_user, reason="同意")
    return db.session.get(Version, w.rev.published_version_id)


def test_citations_are_carried_through_versions_links_diffs_and_exports(world, client):
    w = world
    item = draft_item(w, "老年人高龄津贴的发放管理")
    ops.edit_item(w.rev, w.drafter, item.id, {**item.fields(), "bases": [
        {"basis_id": w.aged.id, "article": "第三十三条"}, {"text": "《自治区高龄津贴发放办法》"}]}, item.lock_version,
        reason="补充依据")
    db.session.commit()
    v2 = publish(w)
    entry = next(e for e in snapshot.read_entries(v2) if e["name"] == "老年人高龄津贴的发放管理")
    assert entry["bases"] == [{"basis_id": w.aged.id, "article": "第三十三条", "text": "《中华人民共和国老年人权益保障法》"},
                              {"basis_id": None, "article": "", "text": "《自治区高龄津贴发放办法》"}]
    # the stored content is linked to the basis it cites (what a change of law finds items by)
    links = db.session.execute(select(ContentBasis.basis_id, ContentBasis.position)).all()
    assert links == [(w.aged.id, 0)]
    assert library.citing_count(w.aged) == 1 and library.citing_count(w.land) == 0
    # contents without citations hash as before: version 1's unchanged items share their contents
    assert db.session.scalar(select(func.count()).select_from(ContentBasis)) == 1
    # the next draft starts from them
    rev3 = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    assert next(i for i in rev3.items if i.name == "老年人高龄津贴的发放管理").bases == entry["bases"]
    # pages: the list shows a 依据 column only in the table with a citation; the diff shows the change
    c = web(client, w.civil_user)
    page = c.get(f"/townships/{w.town.id}").get_data(as_text=True)
    coop = page[page.find('id="table-cooperative"'):page.find('id="table-withdrawn"')]
    basic = page[page.find('id="table-basic"'):page.find('id="table-cooperative"')]
    assert ">依据</th>" in coop and "《中华人民共和国老年人权益保障法》第三十三条" in coop and ">依据</th>" not in basic
    diff = c.get(f"/townships/{w.town.id}/diff?a={w.version.id}&b={v2.id}").get_data(as_text=True)
    assert "依据" in diff and "《自治区高龄津贴发放办法》" in diff
    # exports: the 依据 column only in the cooperative table; CSV and JSON carry it
    doc = model.from_version(v2)
    assert [c for c in doc.columns("cooperative") if c[0] == "bases"] == [("bases", "依据")]
    assert not [c for c in doc.columns("basic") if c[0] == "bases"]
    csv_text = export_data.to_csv(doc).decode("utf-8-sig")
    assert "依据" in csv_text.splitlines()[0] and "《中华人民共和国老年人权益保障法》第三十三条" in csv_text
    import json
    items = json.loads(export_data.to_json(doc))["items"]
    assert next(i for i in items if i["name"] == "老年人高龄津贴的发放管理")["bases"][0]["basis_id"] == w.aged.id
    # and the API's version JSON
    call = api(client, w.drafter)
    body = call("GET", f"/versions/{v2.id}").get_json()
    coop_items = body["tables"]["cooperative"]
    assert next(e for e in coop_items if e["name"] == "老年人高龄津贴的发放管理")["bases"][0]["article"] == "第三十三条"


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_list_with_citations_round_trips_through_word_and_excel(world, fmt):
    """Exported with a 依据 column, read back: the same citations (matched again to the library)."""
    w = world
    entries = [dict(e) for e in snapshot.read_entries(w.version)]
    entries[0]["bases"] = [{"basis_id": w.land.id, "article": "第十条、第二款", "text": "《中华人民共和国土地管理法》"},
                           {"basis_id": None, "article": "第三条", "text": "《某镇村规民约》"}]
    entries[3]["bases"] = [{"basis_id": w.aged.id, "article": "", "text": "《中华人民共和国老年人权益保障法》"}]
    doc = model.from_version(w.version)
    doc.entries = model._plain(entries)
    data = {"docx": export_docx.to_docx, "xlsx": export_xlsx.to_xlsx}[fmt](doc)
    back = {"docx": import_docx.parse_docx, "xlsx": import_xlsx.parse_xlsx}[fmt](data)
    assert library.link_parsed(back.items) == 2
    assert [i.bases for i in back.items] == [e["bases"] for e in doc.entries]
    assert [i.remarks for i in back.items] == [e["remarks"] for e in doc.entries]


def test_the_office_adds_a_pending_citation_to_the_library(world, client):
    w = world
    item = draft_item(w, "负责本镇政府信息公开工作")
    ops.edit_item(w.rev, w.drafter, item.id, {**item.fields(), "bases": "《中华人民共和国政府信息公开条例》第十条"},
                  item.lock_version)
    db.session.commit()
    assert item.bases[0]["basis_id"] is None
    c = web(client, w.officer)
    page = c.get("/bases").get_data(as_text=True)
    assert 'id="pending-citations"' in page and "《中华人民共和国政府信息公开条例》" in page
    assert "/bases/new?title=%E4%B8%AD" in page  # the add form filled with its title
    # another county's office does not see this county's pending citations
    assert 'id="pending-citations"' not in web(client, w.other_officer).get("/bases").get_data(as_text=True)
    c = web(client, w.officer)
    resp = c.post_form("/bases/new", {"title": "中华人民共和国政府信息公开条例", "issuer": "国务院", "level": "行政法规",
                                      "doc_number": "国务院令第711号"})
    assert resp.status_code == 302
    db.session.expire_all()
    basis = db.session.scalars(select(Basis).where(Basis.title == "中华人民共和国政府信息公开条例")).one()
    assert draft_item(w, "负责本镇政府信息公开工作").bases == [
        {"basis_id": basis.id, "article": "第十条", "text": "《中华人民共和国政府信息公开条例》"}]
    assert 'id="pending-citations"' not in c.get("/bases").get_data(as_text=True)


def test_the_typeahead_json(world, client):
    c = web(client, world.drafter)
    got = c.get("/bases/suggest?q=土地").get_json()["bases"]
    assert [b["text"] for b in got] == ["《中华人民共和国土地管理法》"]
    assert c.get("/bases/suggest?q=新人常(2008)1号").get_json()["bases"][0]["status"] == "repealed"
    assert c.get("/bases/suggest?q=").get_json() == {"bases": []}
    client.post_form("/auth/logout")
    assert client.get("/bases/suggest?q=土地").status_code in (302, 401)


def test_an_import_matches_citations_to_the_library(world, app):
    """import-list (version 1 of a new township): 依据 matched where the library has them."""
    from dutylist.importers.parsed import ParsedItem, ParsedList
    from dutylist.services.import_list import entries_from
    parsed = ParsedList(items=[ParsedItem("basic", 1, "综合政务", "土地执法协助",
                                          bases=[{"basis_id": None, "text": "《土地管理法》", "article": "第十条"},
                                                 {"basis_id": None, "text": "《不在库中的办法》", "article": ""}])])
    entries = entries_from(parsed)
    assert entries[0].fields["bases"] == [
        {"basis_id": world.land.id, "text": "《中华人民共和国土地管理法》", "article": "第十条"},
        {"basis_id": None, "text": "《不在库中的办法》", "article": ""}]


def test_draft_start_date_is_what_repeal_is_compared_with(world):
    """A basis repealed on or after the day the draft began may still be cited (the draft reflects the
    law when it began); one repealed the day before may not."""
    w = world
    began = w.rev.created_at.date()
    w.old.repealed_on = began
    db.session.commit()
    item = draft_item(w, "负责本镇政府信息公开工作")
    ops.edit_item(w.rev, w.drafter, item.id, {**item.fields(), "bases": [{"basis_id": w.old.id}]}, item.lock_version)
    db.session.commit()
    w.old.repealed_on = began - timedelta(days=1)
    db.session.commit()
    other = draft_item(w, "加强基层阵地建设，优化提升服务功能")
    with pytest.raises(Exception, match="废止"):
        ops.edit_item(w.rev, w.drafter, other.id, {**other.fields(), "bases": [{"basis_id": w.old.id}]},
                      other.lock_version)
    db.session.rollback()


# ---------------------------------------------------------------------- reading a 依据 cell ----
@pytest.mark.parametrize("cell, expected", [
    ("《中华人民共和国土地管理法》第十条", [("《中华人民共和国土地管理法》", "第十条")]),
    ("《中华人民共和国土地管理法》第十条第二款、《村民委员会组织法》", [
        ("《中华人民共和国土地管理法》", "第十条第二款"), ("《村民委员会组织法》", "")]),
    ("《社会救助暂行办法》（国务院令第649号）第十一条；国发〔2020〕5号",
     [("《社会救助暂行办法》（国务院令第649号）", "第十一条"), ("国发〔2020〕5号", "")]),
    ("《城市道路管理条例》\n第三十一条", [("《城市道路管理条例》", "第三十一条")]),
    ("村规民约 第三条", [("村规民约", "第三条")]),
    ("", []),
])
def test_a_cell_of_citations_is_read_with_articles_split_off(cell, expected):
    from dutylist.items import citations_of_text
    assert [(c["text"], c["article"]) for c in citations_of_text(cell)] == expected


def test_doc_numbers_compare_normalised():
    from dutylist.models import doc_key
    assert doc_key("国发[2020]5号") == doc_key("国发〔2020〕5号") == doc_key("国发（２０２０）5 号") == "国发〔2020〕5号"
    assert doc_key("  ") is None and doc_key(None) is None
