"""Lists in other layouts: 权力清单-style columns, two header rows (职权名称 → 项目 / 子项), one flat sheet
with a table-type column, a .txt with extra columns. Every source cell ends up in a field, in 备注 or
in the list of skipped columns; the preview shows each column and lets the user change what it
becomes; the command line reports the same. Files are built here with openpyxl and python-docx."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook
from sqlalchemy import func, select

from dutylist.documents import export_data, export_docx, import_docx, model
from dutylist.documents.file_types import parse_document
from dutylist.extensions import db
from dutylist.importers.parsed import ImportFailure
from dutylist.importers.text_list import parse_text
from dutylist.items import content_hash
from dutylist.models import AuditEvent, Organisation, OrgKind, Revision
from dutylist.services import snapshot

from .factories import World, signed_in

PLACE = "辽宁省铁岭市清河区红旗街道"
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


# ------------------------------------------------------------------ the files

def xlsx(rows: list[list], merges=(), title="清单", before=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in [*before, *rows]:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


POWER_HEADER = ["序号", "权力类型", "项目编码", "项目名称", "子项", "实施依据", "责任事项", "追责情形"]
POWER_ROWS = [
    [1, "行政检查", "2112-JC-001", "对辖区生产经营单位安全生产情况的检查", "",
     "《中华人民共和国安全生产法》第九条", "1.制定年度检查计划；2.依法实施检查", "未按规定开展检查的"],
    [2, "行政确认", "2112-QR-002", "居民最低生活保障对象初审", "低保对象家庭经济状况核查",
     "《社会救助暂行办法》第十一条", "受理申请、入户调查、张榜公示", "审核把关不严造成错保漏保的"],
    [3, "其他行政权力", "2112-QT-003", "村（居）民委员会选举指导", "换届选举指导",
     "《中华人民共和国城市居民委员会组织法》", "指导选举工作", "违反程序组织选举的"],
]


def power_list() -> bytes:
    """A 权责清单 with the columns other provinces publish (no 事项类别, no tables' titles)."""
    return xlsx([POWER_HEADER, *POWER_ROWS], merges=["A1:H1"], before=[[f"{PLACE}权责清单"]])


TWO_ROW_ROWS = [
    ["1", "行政许可", "临时占用城市道路审批", "占道经营", "《城市道路管理条例》第三十一条"],
    ["2", "行政确认", "独生子女父母光荣证发放", "", "《辽宁省人口与计划生育条例》"],
    ["3", "公共服务", "老年人优待证办理", "高龄津贴申领", "《辽宁省老年人权益保障条例》"],
]


def two_row_docx() -> bytes:
    """Word: 序号 | 职权名称 (项目, 子项) | 职权类型 | 职权依据, with merged header cells."""
    d = Document()
    d.add_paragraph(f"{PLACE}基本履职事项清单")
    table = d.add_table(rows=2 + len(TWO_ROW_ROWS), cols=5)
    top = ["序号", "职权名称", "职权名称", "职权类型", "职权依据"]
    for i, text in enumerate(top):
        table.cell(0, i).text = text
    table.cell(1, 1).text, table.cell(1, 2).text = "项目", "子项"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "职权名称"
    for col in (0, 3, 4):
        text = top[col]
        table.cell(0, col).merge(table.cell(1, col)).text = text
    for r, (no, kind, item, sub, basis) in enumerate(TWO_ROW_ROWS, 2):
        for c, text in enumerate((no, item, sub, kind, basis)):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


FLAT_HEADER = ["序号", "事项类型", "事项类别", "事项名称", "对应上级部门", "上级部门职责", "乡镇配合职责", "承接部门及工作方式", "备注"]


def flat_rows(words=("basic", "cooperative", "recall")) -> list[list]:
    b, c, r = words
    return [
        [1, b, "党的建设", "加强基层党组织建设", "", "", "", "", "每季度报告一次"],
        [2, c, "民生服务", "高龄津贴发放", "吉木萨尔县民政局", "1.审核发放", "1.入户核实；\n2.张榜公示", "", ""],
        [3, r, "社会管理", "收养登记", "", "", "", "吉木萨尔县民政局：直接办理", ""],
        [4, b, "综合政务", "政务信息公开", "吉木萨尔县政务服务中心", "", "", "", ""],  # a department in a basic row
        [5, c, "平安法治", "人民调解", "吉木萨尔县司法局", "1.业务指导", "1.组织调解", "", ""],
    ]


def flat_sheet(words=("basic", "cooperative", "recall")) -> bytes:
    return xlsx([FLAT_HEADER, *flat_rows(words)], title="全部事项")


def cells_of(item) -> str:
    """Everything an item holds, as one text (to find a source cell in)."""
    f = item.fields()
    parts = [f["category"], f["name"], f["departments_text"], *f["dept_duties"], *f["township_duties"],
             *(r["department"] + "：" + r["method"] for r in f["receiving"]), f["remarks"],
             *(c["text"] + c["article"] for c in f["bases"])]
    return "\n".join(p for p in parts if p)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", str(text))


def assert_every_cell_kept(parsed, header: list[str], rows: list[list], number_col=0, name_col=None):
    """Each source cell is in its row's item (a field or 备注), or its column is listed as skipped."""
    skipped = {c.header for c in parsed.columns if c.use == "skip"}
    assert len(parsed.items) == len(rows)
    for row, item in zip(rows, parsed.items):
        held = squash(cells_of(item))
        for col, value in enumerate(row):
            if col == number_col or value in ("", None) or header[col] in skipped:
                continue
            if header[col] in ("事项类型",):
                continue  # the table the row went to (checked by the tests)
            assert squash(value) in held or squash(value).replace("；", "") in held.replace("；", ""), \
                (header[col], value, held)


# ------------------------------------------------------------------ layout 1: 权责清单 columns

def test_power_list_columns_become_fields_and_remarks_with_their_headers():
    parsed = parse_document(power_list())
    assert (parsed.region, parsed.prefecture, parsed.county, parsed.township) == ("辽宁省", "铁岭市", "清河区", "红旗街道")
    assert parsed.place_problem is None
    assert parsed.counts() == {"basic": 3, "cooperative": 0, "withdrawn": 0}
    first = parsed.items[0]
    assert (first.category, first.name) == ("行政检查", "对辖区生产经营单位安全生产情况的检查")
    assert first.remarks.splitlines() == [
        "项目编码：2112-JC-001", "责任事项：1.制定年度检查计划；2.依法实施检查", "追责情形：未按规定开展检查的"]
    # the 实施依据 column fills the item's 依据: the law, its article split off
    assert first.bases == [{"basis_id": None, "text": "《中华人民共和国安全生产法》", "article": "第九条"}]
    assert parsed.items[2].bases == [{"basis_id": None, "text": "《中华人民共和国城市居民委员会组织法》", "article": ""}]
    assert "子项：低保对象家庭经济状况核查" in parsed.items[1].remarks
    uses = {c.header: (c.use, c.how) for c in parsed.columns}
    assert uses == {"序号": ("number", "official"), "权力类型": ("category", "synonym"),
                    "项目编码": ("remarks", "note"), "项目名称": ("name", "synonym"), "子项": ("remarks", "note"),
                    "实施依据": ("bases", "synonym"), "责任事项": ("remarks", "note"), "追责情形": ("remarks", "note")}
    assert [c.header for c in parsed.columns] == POWER_HEADER  # in the file's order
    assert {c.header: c.cells for c in parsed.columns}["子项"] == 2
    assert_every_cell_kept(parsed, POWER_HEADER, POWER_ROWS)


def test_a_column_the_user_skips_is_listed_not_lost_and_a_mapping_moves_a_column():
    parsed = parse_document(power_list(), columns={"子项": "skip", "项目编码": "category", "权力类型": "remarks"})
    skipped = [c for c in parsed.columns if c.use == "skip"]
    assert [(c.header, c.cells, c.how) for c in skipped] == [("子项", 2, "user")]
    assert any(w.code == "skipped_column" and "子项" in w.message for w in parsed.warnings)
    assert all("子项" not in i.remarks for i in parsed.items)
    assert parsed.items[0].category == "2112-JC-001"
    assert parsed.items[0].remarks.startswith("权力类型：行政检查\n")
    assert_every_cell_kept(parsed, POWER_HEADER, POWER_ROWS)


def test_a_mapping_without_a_name_column_is_refused_with_a_message():
    with pytest.raises(ImportFailure, match="事项名称"):
        parse_document(power_list(), columns={"项目名称": "remarks"})


# ------------------------------------------------------------------ layout 2: two header rows

def test_two_header_rows_with_merged_cells():
    parsed = parse_document(two_row_docx())
    assert parsed.counts()["basic"] == 3
    assert [(i.number, i.category, i.name) for i in parsed.items] == [
        (1, "行政许可", "临时占用城市道路审批"), (2, "行政确认", "独生子女父母光荣证发放"), (3, "公共服务", "老年人优待证办理")]
    assert parsed.items[0].remarks == "职权名称/子项：占道经营"
    assert parsed.items[0].bases == [{"basis_id": None, "text": "《城市道路管理条例》", "article": "第三十一条"}]
    assert parsed.items[1].remarks == "" and parsed.items[1].bases[0]["text"] == "《辽宁省人口与计划生育条例》"
    uses = {c.header: (c.use, c.how) for c in parsed.columns}
    assert uses["职权名称/项目"] == ("name", "subheader") and uses["职权名称/子项"][0] == "remarks"
    assert uses["职权类型"] == ("category", "synonym") and uses["职权依据"] == ("bases", "synonym")
    assert "职权名称" not in uses  # the first row's merged cell is not a column of its own
    header = ["序号", "职权名称/项目", "职权名称/子项", "职权类型", "职权依据"]
    rows = [[no, item, sub, kind, basis] for no, kind, item, sub, basis in TWO_ROW_ROWS]
    assert_every_cell_kept(parsed, header, rows)


# ------------------------------------------------------------------ layout 3: one flat sheet

@pytest.mark.parametrize("words", [("basic", "cooperative", "recall"), ("基本", "配合", "收回"),
                                   ("基本履职事项", "配合履职事项", "上级部门收回事项")])
def test_a_flat_sheet_puts_each_row_in_the_table_its_type_column_names(words):
    parsed = parse_document(flat_sheet(words), township="吉木萨尔县大有镇")
    assert [(i.kind, i.number, i.name) for i in parsed.items] == [
        ("basic", 1, "加强基层党组织建设"), ("cooperative", 1, "高龄津贴发放"), ("withdrawn", 1, "收养登记"),
        ("basic", 2, "政务信息公开"), ("cooperative", 2, "人民调解")]
    basic1, coop1, withdrawn1, basic2, _ = parsed.items
    assert basic1.remarks == "每季度报告一次"  # the 备注 column itself: no header in front
    assert coop1.departments == ["吉木萨尔县民政局"] and coop1.township_duties == ["1.入户核实；", "2.张榜公示"]
    assert [(r.department, r.method) for r in withdrawn1.receiving] == [("吉木萨尔县民政局", "直接办理")]
    # a basic row has no 对应上级部门: the cell is kept in 备注 under its header, and said so
    assert basic2.remarks == "对应上级部门：吉木萨尔县政务服务中心" and basic2.departments == []
    assert any("不属于基本履职事项清单的字段" in f for f in basic2.flags)
    assert {c.header: c.moved for c in parsed.columns}["对应上级部门"] == 1
    assert {c.header: c.use for c in parsed.columns}["事项类型"] == "kind"
    assert any(w.code == "flat_sheet" for w in parsed.warnings)
    assert (parsed.region, parsed.prefecture) == ("新疆维吾尔自治区", "昌吉回族自治州")
    assert_every_cell_kept(parsed, FLAT_HEADER, flat_rows(words))


def test_a_flat_sheets_unknown_type_is_flagged_and_sorted_by_its_columns():
    rows = flat_rows()
    rows[2][1] = "其他"
    parsed = parse_document(xlsx([FLAT_HEADER, *rows]), township="吉木萨尔县大有镇")
    assert parsed.items[2].kind == "withdrawn"  # its 承接部门 column says so
    assert any(w.code == "unknown_kind" and "其他" in w.message for w in parsed.warnings)


# ------------------------------------------------------------------ layout 4: text with extra columns

TEXT = f"""{PLACE}履职事项清单

基本履职事项清单
序号\t事项类别\t事项名称\t实施依据\t备注
1\t党的建设\t加强基层党组织建设\t《中国共产党章程》\t每年向工委报告
2\t综合政务\t政务公开\t《政府信息公开条例》\t
3\t社会管理\t网格化服务管理\t\t\t多出的一格
配合履职事项清单
序号\t事项类别\t事项名称\t对应上级部门\t上级部门职责\t街道配合职责\t责任事项
1\t民生服务\t低保审核\t清河区民政局\t1.审核\t1.入户调查\t做好调查核实
"""


def test_text_with_extra_columns_never_runs_columns_together():
    parsed = parse_text(TEXT)
    assert (parsed.region, parsed.county, parsed.township) == ("辽宁省", "清河区", "红旗街道")
    b1, b2, b3, c1 = parsed.items
    assert (b1.name, b1.remarks) == ("加强基层党组织建设", "每年向工委报告")
    assert b1.bases == [{"basis_id": None, "text": "《中国共产党章程》", "article": ""}]
    assert (b2.name, b2.remarks, b2.bases[0]["text"]) == ("政务公开", "", "《政府信息公开条例》")
    assert b3.name == "网格化服务管理" and b3.remarks == "第6列：多出的一格"  # beyond the header: not in the name
    assert any(w.code == "extra_cells" for w in parsed.warnings)
    assert (c1.name, c1.departments, c1.dept_duties, c1.township_duties, c1.remarks) == (
        "低保审核", ["清河区民政局"], ["1.审核"], ["1.入户调查"], "责任事项：做好调查核实")
    uses = {c.header: c.use for c in parsed.columns}
    assert uses["实施依据"] == "bases" and uses["街道配合职责"] == "township_duties" and uses["第6列"] == "remarks"
    skipped = parse_text(TEXT, columns={"实施依据": "skip"})
    assert skipped.items[0].remarks == "每年向工委报告" and skipped.items[0].bases == []
    assert any(w.code == "skipped_column" for w in skipped.warnings)


def test_a_flat_text_list_with_a_type_column():
    lines = ["\t".join(str(x).replace("\n", " ") for x in row) for row in [FLAT_HEADER, *flat_rows(("基本", "配合", "收回"))]]
    parsed = parse_text("\n".join(lines), township="吉木萨尔县大有镇")
    assert [(i.kind, i.number) for i in parsed.items] == [
        ("basic", 1), ("cooperative", 1), ("withdrawn", 1), ("basic", 2), ("cooperative", 2)]
    assert parsed.items[3].remarks == "对应上级部门：吉木萨尔县政务服务中心"


# ------------------------------------------------------------------ 备注 in the system

def test_remarks_leave_old_contents_and_the_official_layout_unchanged():
    fields = {"category": "党的建设", "name": "甲", "departments_text": "", "departments": [], "dept_duties": [],
              "township_duties": [], "receiving": []}
    assert content_hash(fields) == content_hash({**fields, "remarks": ""})  # stored hashes stay valid
    assert content_hash(fields) != content_hash({**fields, "remarks": "乙"})
    parsed = parse_document(power_list())
    doc = model.from_parsed(parsed)
    # the list's 实施依据 column fills 依据: printed (like 备注) only where used
    assert [c for _, c in doc.columns("basic")] == ["序号", "事项类别", "事项名称", "依据", "备注"]
    assert [c for _, c in doc.columns("cooperative")] == ["序号", "事项类别", "事项名称", "对应上级部门",
                                                          "上级部门职责", "镇(乡)配合职责"]
    back = import_docx.parse_docx(export_docx.to_docx(doc))
    assert [i.remarks for i in back.items] == [i.remarks for i in parsed.items]
    assert [i.bases for i in back.items] == [i.bases for i in parsed.items]
    table = Document(io.BytesIO(export_docx.to_docx(doc))).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "事项类别", "事项名称", "依据", "备注"]
    csv_text = export_data.to_csv(doc).decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(",")[-2] == "备注"
    assert json.loads(export_data.to_json(doc))["items"][0]["remarks"].startswith("项目编码：")
    seed = model.from_parsed(parse_text((SAMPLES / "000_5750dcabd76134d2.txt").read_text(encoding="utf-8")))
    assert "备注" not in export_data.to_csv(seed).decode("utf-8-sig").splitlines()[0]
    assert "remarks" not in json.loads(export_data.to_json(seed))["items"][0]


# ------------------------------------------------------------------ the web preview

@pytest.fixture
def world(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "DOCUMENTS_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "DOCUMENTS_IMPORT_THREAD", False)
    return World()


def upload(client, data: bytes, filename: str, township_id=None, **form):
    url = "/imports/new" + (f"?township_id={township_id}" if township_id else "")
    response = client.post_form(url, {"file": (io.BytesIO(data), filename), **form}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return re.search(r"/imports/([A-Za-z0-9_-]+)$", response.headers["Location"]).group(1)


def column_form(page: str) -> dict:
    """The preview's column choices as the page holds them: {header key: (n, selected use)}."""
    out = {}
    for n, key in re.findall(r'name="key-(\d+)" value="([^"]*)"', page):
        select = re.search(rf'<select name="use-{n}"[^>]*>(.*?)</select>', page, re.S).group(1)
        out[key] = (int(n), re.search(r'<option value="([^"]+)" selected', select).group(1))
    return out


@pytest.mark.commits  # the job reports its progress on a connection of its own (documents/jobs.py)
def test_admin_maps_columns_in_the_preview_and_imports_a_list_of_another_province(app, world):
    client = signed_in(app, "admin")
    token = upload(client, power_list(), "红旗街道权责清单.xlsx")
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "辽宁省 · 铁岭市 · 清河区 · 红旗街道" in page
    form = column_form(page)
    assert list(form) == POWER_HEADER
    assert form["实施依据"][1] == "bases" and form["项目名称"][1] == "name" and form["权力类型"][1] == "category"
    assert "无对应字段，记入备注" in page and "《中华人民共和国安全生产法》第九条" in page
    assert 'id="confirm-import" disabled' not in page

    choice = {"csrf_token": None}
    for key, (n, use) in form.items():
        choice[f"key-{n}"] = key
        choice[f"use-{n}"] = "skip" if key == "子项" else use
    del choice["csrf_token"]
    response = client.post_form(f"/imports/{token}/columns", choice)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{token}#import-columns")
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert column_form(page)["子项"][1] == "skip"
    assert "不导入的列：“子项”（2 格有内容）" in page and "按您的选择" in page
    assert "子项：低保对象家庭经济状况核查" not in page
    # a choice that is not a use is refused; a remap without the CSRF token too
    assert client.post_form(f"/imports/{token}/columns", {"key-0": "序号", "use-0": "<script>"}).status_code == 400
    assert client.post(f"/imports/{token}/columns", data={"key-0": "序号", "use-0": "skip"}).status_code == 400

    assert client.post_form(f"/imports/{token}/confirm").status_code == 302
    status = client.get(f"/imports/{token}/status").get_json()
    assert status["state"] == "done", status
    db.session.expire_all()
    town = db.session.scalar(select(Organisation).where(Organisation.name == "红旗街道"))
    county, city, province = town.parent, town.parent.parent, town.parent.parent.parent
    assert [(o.name, o.kind, o.kind_label) for o in (town, county, city, province)] == [
        ("红旗街道", "township", "街道"), ("清河区", "county", "区"), ("铁岭市", "prefecture", "市"),
        ("辽宁省", "region", "省")]
    office = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.office,
                                                          Organisation.parent_id == county.id))
    assert (office.name, office.kind_label) == ("清河区委编办", "区委编办")
    assert city.office_label == "市委编办" and province.office_label == "省委编办"
    entries = snapshot.read_entries(snapshot.current_version(town.id))
    assert [e["name"] for e in entries] == [r[3] for r in POWER_ROWS]
    assert entries[0]["remarks"].startswith("项目编码：2112-JC-001\n责任事项：")
    assert entries[0]["bases"] == [{"basis_id": None, "text": "《中华人民共和国安全生产法》", "article": "第九条"}]
    assert all("子项" not in e["remarks"] for e in entries)
    # the version page shows 备注 for the table that has it
    html = client.get(f"/townships/{town.id}").get_data(as_text=True)
    assert '<th class="remarks">备注</th>' in html and "追责情形：未按规定开展检查的" in html
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.name == "新疆维吾尔自治区")) == 1  # nothing filed under the default region


@pytest.mark.commits  # the job reports its progress on a connection of its own (documents/jobs.py)
def test_drafter_imports_a_flat_sheet_as_a_draft(app, world):
    client = signed_in(app, "dayou-drafter")
    token = upload(client, flat_sheet(("基本", "配合", "收回")), "大有镇清单.xlsx", world.town.id)
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert column_form(page)["事项类型"][1] == "kind"
    assert 'data-kind="basic">2<' in page and 'data-kind="cooperative">2<' in page and 'data-kind="withdrawn">1<' in page
    assert "每季度报告一次" in page and "对应上级部门：吉木萨尔县政务服务中心" in page
    assert "昌吉回族自治州吉木萨尔县大有镇（文件未写明地区，按本乡镇）" in page and "请指定乡镇" not in page
    client.post_form(f"/imports/{token}/confirm")
    assert client.get(f"/imports/{token}/status").get_json()["state"] == "done"
    db.session.expire_all()
    rev = db.session.scalar(select(Revision))
    live = [i for i in rev.items if not i.deleted]
    assert {(i.kind, i.name, i.remarks) for i in live} >= {
        ("basic", "加强基层党组织建设", "每季度报告一次"), ("basic", "政务信息公开", "对应上级部门：吉木萨尔县政务服务中心")}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")) == 1
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert '<th class="remarks">备注</th>' in page
    edit = client.get(f"/revisions/{rev.id}/items/{live[0].id}/edit").get_data(as_text=True)
    assert "备注" in edit and edit.index('name="remarks"') > edit.index('name="name"')


# ------------------------------------------------------------------ the command line

@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_cli_lists_every_source_column_and_what_became_of_it(app, runner, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(power_list())
    result = runner.invoke(args=["import-list", str(path), "--json", "--dry-run", "--column", "子项=跳过"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [(c["header"], c["use"], c["understood_as"]) for c in report["columns"]] == [
        ("序号", "number", "序号"), ("权力类型", "category", "事项类别"), ("项目编码", "remarks", "备注（保留列名）"),
        ("项目名称", "name", "事项名称"), ("子项", "skip", "跳过，不导入"), ("实施依据", "bases", "依据"),
        ("责任事项", "remarks", "备注（保留列名）"), ("追责情形", "remarks", "备注（保留列名）")]
    assert report["region"] == "辽宁省" and report["place_problem"] is None
    result = runner.invoke(args=["import-list", str(path)])
    assert result.exit_code == 0, result.output
    assert "列“实施依据”→ 依据" in result.output and "辽宁省 铁岭市 清河区 红旗街道" in result.output
    assert runner.invoke(args=["import-list", str(path), "--column", "子项"]).exit_code == 2
    txt = tmp_path / "清单.txt"
    txt.write_text(TEXT, encoding="utf-8")
    report = json.loads(runner.invoke(args=["import-list", str(txt), "--json", "--dry-run"]).output)
    assert {c["header"]: c["use"] for c in report["columns"]}["第6列"] == "remarks"


@pytest.mark.parametrize("continued", ["续写的一行", "\t续写的一行"])
def test_a_line_continuing_a_row_with_no_columns_is_kept_in_remarks(continued):
    """A header naming no column after 序号 leaves its rows no cell to continue (found by the mutated-seed
    property test: an IndexError, or with a tab the line silently dropped under a "merged" warning)."""
    parsed = parse_text(f"序号 事项类别 事项名称\n7\t\t\n{continued}\n", township="吉木萨尔县大有镇")
    (item,) = parsed.items
    assert item.remarks == "续行：续写的一行"
    assert [w.message for w in parsed.warnings if w.code == "continued_row"] == [
        "第2行 基本履职事项第7项：表头在序号之后没有列，下一行的内容无处续接，已记入备注"]
