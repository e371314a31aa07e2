"""The department registry of a county, kept from the browser: canonical departments with aliases,
merging two (consultations, opinions, users and item references follow; audited), marking the county
office, and the names in the county's lists that match no department, mapped in one click. Suggestions
of whom to consult use the mapped names. On both databases, over the real seed lists."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.importers import text_list
from dutylist.models import (
    AuditEvent,
    Consultation,
    ContentDepartment,
    DepartmentAlias,
    Opinion,
    Organisation,
    OrgKind,
    Role,
    User,
)
from dutylist.services import departments as registry
from dutylist.services import drafts, passwords
from dutylist.services.demo import SAMPLE_DIR
from dutylist.services.import_list import import_list
from workflow import operations as ops

from .factories import PASSWORD, fire

MANAS = "001_68a4403148f3c233.txt"  # 六户地镇, 玛纳斯县: writes 玛纳斯县残联 and 玛纳斯县残疾人联合会
AKQI = "002_3c803f996c74d716.txt"  # 阿合奇镇: 阿合奇县自然资源局（林业和草原局）
QITAI = "004_a051d543e79bffba.txt"  # 奇台镇: OCR fragments such as 奇台


def org(name: str) -> Organisation | None:
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()


def add_user(username: str, role: Role | None, organisation: Organisation) -> User:
    user = User(username=username, display_name=username, role=role, organisation=organisation)
    passwords.set_password(user, PASSWORD)
    db.session.add(user)
    return user


def load(seed: str) -> Organisation:
    """Import a seed list as its township's version 1; the township."""
    version = import_list(text_list.parse_file(SAMPLE_DIR / seed))
    db.session.commit()
    return version.township


@pytest.fixture
def manas(app):
    """六户地镇's list, the county's people and a system administrator."""
    town = load(MANAS)
    county = town.county
    add_user("admin", Role.system_admin, county.parent.parent)
    add_user("liuhudi-drafter", Role.township_drafter, town)
    add_user("manas-office", Role.county_office, org("玛纳斯县委编办"))
    add_user("manas-canlian", Role.county_department, org("玛纳斯县残联"))
    add_user("manas-office-dept", Role.county_department, org("玛纳斯县委机构编制委员会办公室"))
    db.session.commit()
    client = app.test_client()
    assert client.login("admin").status_code == 302
    return town, county, client


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def links(name: str) -> set:
    """The departments the item references written `name` are linked to."""
    db.session.expire_all()
    return set(db.session.scalars(select(ContentDepartment.department_id).where(ContentDepartment.name == name)))


def suggested(revision) -> list[str]:
    return [o.name for o in drafts.suggest_departments(revision)]


def change_item_naming(revision, actor, department: str):
    """Edit the first draft item that names the department (its township duties), as the drafter would."""
    item = next(i for i in drafts.live_items(revision) if department in i.fields().get("departments", [])
                or any(r.get("department") == department for r in i.fields().get("receiving") or []))
    fields = item.fields()
    key = "receiving" if any(r.get("department") == department for r in fields.get("receiving") or []) else "name"
    if key == "name":
        fields["name"] = fields["name"] + "（修订）"
    else:
        fields["receiving"] = [{**r, "method": r["method"] + "（修订）"} for r in fields["receiving"]]
    ops.edit_item(revision, actor, item.id, fields, lock_version=item.lock_version, reason="修订")
    db.session.commit()
    return item


# ------------------------------------------------------------------ the merge from the issue ----
def test_merging_canlian_into_the_federation_leaves_one_department(app, manas):
    town, county, client = manas
    canlian, federation = org("玛纳斯县残联"), org("玛纳斯县残疾人联合会")
    assert canlian is not None and federation is not None  # two departments for one body, from the list texts
    assert links("玛纳斯县残联") == {canlian.id}
    # an open revision on which 残联 was consulted and gave an opinion
    drafter, office = user("liuhudi-drafter"), user("manas-office")
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    change_item_naming(rev, drafter, "玛纳斯县残联")
    fire(rev, "submit", drafter)
    assert suggested(rev) == ["玛纳斯县残联"]
    fire(rev, "accept", office, departments=[canlian.id], deadline=date.today() + timedelta(days=5))
    ops.add_opinion(rev, user("manas-canlian"), "请写明奖励标准")
    db.session.commit()

    page = client.get(f"/admin/departments/{canlian.id}/merge?into={federation.id}").get_data(as_text=True)
    assert "征求意见记录：1 条" in page and "意见：1 条" in page and "账号：1 个" in page
    response = client.post_form(f"/admin/departments/{canlian.id}/merge", {"into": federation.id})
    assert response.status_code == 302

    db.session.expire_all()
    # one department remains; the other is closed, its name an alias of the one
    names = [o.name for o in registry.departments(county) if "残" in o.name]
    assert names == ["玛纳斯县残疾人联合会"]
    assert org("玛纳斯县残联").closed_at is not None
    assert registry.resolve(county, "玛纳斯县残联").id == federation.id
    assert registry.resolve(county, "县残联").id == federation.id
    # consultations, opinions, users and item references follow
    assert {c.department_id for c in db.session.scalars(select(Consultation))} == {federation.id}
    assert {o.organisation_id for o in db.session.scalars(select(Opinion))} == {federation.id}
    assert user("manas-canlian").organisation_id == federation.id and user("manas-canlian").role == "county_department"
    assert links("玛纳斯县残联") == {federation.id} and links("玛纳斯县残疾人联合会") == {federation.id}
    # audited with both names
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "department_merge")).all()
    assert event.actor_name == "admin"
    assert event.details["merged"] == "玛纳斯县残联" and event.details["into"] == "玛纳斯县残疾人联合会"
    assert event.details["consultations"] == 1 and event.details["opinions"] == 1
    # the moved reviewer signs off the consultation as the federation
    ops.sign_off(rev, user("manas-canlian"), "with_opinions")
    db.session.commit()


def test_after_the_merge_a_draft_naming_either_suggests_the_federation(app, manas):
    town, county, client = manas
    canlian, federation = org("玛纳斯县残联"), org("玛纳斯县残疾人联合会")
    assert client.post_form(f"/admin/departments/{canlian.id}/merge", {"into": federation.id}).status_code == 302
    drafter = user("liuhudi-drafter")
    for name in ("玛纳斯县残联", "玛纳斯县残疾人联合会"):
        db.session.expire_all()
        rev = ops.start_revision(town, drafter)
        db.session.commit()
        change_item_naming(rev, drafter, name)
        fire(rev, "submit", drafter)
        assert "玛纳斯县残疾人联合会" in suggested(rev), name
        assert "玛纳斯县残联" not in suggested(rev)
        # the county office's page offers it, checked; the closed one is not offered at all
        office = app.test_client()
        office.login("manas-office")
        html = office.get(f"/revisions/{rev.id}").get_data(as_text=True)
        assert _checked(html, federation.id)
        assert f'value="{canlian.id}"' not in html
        fire(rev, "withdraw", drafter)
        fire(rev, "abandon", drafter, reason="测试")


def _checked(html: str, value: int) -> bool:
    """Whether the checkbox of that value is ticked."""
    return any("checked" in tag for tag in re.findall(rf'<input[^>]*value="{value}"[^>]*>', html))


def test_a_merge_is_refused_while_both_are_consulted_on_one_open_revision(app, manas):
    town, county, client = manas
    canlian, federation = org("玛纳斯县残联"), org("玛纳斯县残疾人联合会")
    drafter = user("liuhudi-drafter")
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    fire(rev, "submit", drafter)
    fire(rev, "accept", user("manas-office"), departments=[canlian.id, federation.id])
    response = client.post_form(f"/admin/departments/{canlian.id}/merge", {"into": federation.id})
    assert response.status_code == 409 and "两个部门都在进行中的修订稿（六户地镇）中被征求意见" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org("玛纳斯县残联").closed_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "department_merge")) == 0


def test_the_office_is_not_merged_into_a_department(app, manas):
    town, county, client = manas
    response = client.post_form(f"/admin/departments/{org('玛纳斯县委编办').id}/merge",
                                {"into": org("玛纳斯县民政局").id})
    assert response.status_code == 409
    assert "县委编办不能并入县直部门" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org("玛纳斯县委编办").closed_at is None


# ------------------------------------------------------------------ the county office ----
def test_marking_the_county_office(app, manas):
    town, county, client = manas
    body, old = org("玛纳斯县委机构编制委员会办公室"), org("玛纳斯县委编办")
    assert body.kind == OrgKind.department  # the lists named the office as a department
    assert body.id in {o.id for o in registry.departments(county)}
    page = client.get(f"/admin/departments/{body.id}/office").get_data(as_text=True)
    assert "“玛纳斯县委编办”将并入" in page
    assert client.post_form(f"/admin/departments/{body.id}/office").status_code == 302
    db.session.expire_all()
    office = org("玛纳斯县委机构编制委员会办公室")
    assert office.kind == OrgKind.office and db.session.get(Organisation, old.id).closed_at is not None
    assert [o.name for o in registry.bodies(county, kinds=(OrgKind.office,))] == ["玛纳斯县委机构编制委员会办公室"]
    assert office.id not in {o.id for o in registry.departments(county)}  # no longer consulted
    # the office's reviewer moved with it; the department reviewer there waits for a new role
    assert user("manas-office").organisation_id == office.id and user("manas-office").role == "county_office"
    assert user("manas-office-dept").role is None
    # items naming either name find the office
    assert registry.resolve(county, "玛纳斯县委编办").id == office.id
    assert registry.resolve(county, "县委机构编制委员会办公室").id == office.id
    # the office still takes in the township's drafts
    drafter = user("liuhudi-drafter")
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    fire(rev, "submit", drafter)
    fire(rev, "accept", user("manas-office"), departments=[org("玛纳斯县民政局").id])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "county_office_set")).one()
    assert event.details["merged"] == ["玛纳斯县委编办"] and event.details["users_without_role"] == ["manas-office-dept"]
    assert client.post_form(f"/admin/departments/{office.id}/office").status_code == 409


# ------------------------------------------------------------------ aliases and unmatched names ----
def test_an_alias_maps_a_written_name_to_its_department(app):
    town = load(AKQI)
    county = town.county
    add_user("admin", Role.system_admin, county.parent.parent)
    db.session.commit()
    client = app.test_client()
    client.login("admin")
    bracketed, plain = org("阿合奇县自然资源局(林业和草原局)"), org("阿合奇县自然资源局")
    # full-width and half-width brackets are one name
    assert registry.department_key("阿合奇县自然资源局（林业和草原局）", county) == \
        registry.department_key("阿合奇县自然资源局(林业和草原局)", county)
    assert links("阿合奇县自然资源局（林业和草原局）") == {bracketed.id}
    # 阿合奇县自然资源局（林业和草原局） = 阿合奇县自然资源局: merge the bracketed one into the plain one
    assert client.post_form(f"/admin/departments/{bracketed.id}/merge", {"into": plain.id}).status_code == 302
    assert registry.resolve(county, "阿合奇县自然资源局（林业和草原局）").id == plain.id
    assert links("阿合奇县自然资源局（林业和草原局）") == {plain.id}
    # an alias typed on the registry page
    response = client.post_form(f"/admin/departments/{plain.id}/aliases", {"alias": "县自然资源和规划局"})
    assert response.status_code == 302
    assert registry.resolve(county, "阿合奇县自然资源和规划局").id == plain.id
    # refused: an alias that is another department's own name, or already taken
    response = client.post_form(f"/admin/departments/{plain.id}/aliases", {"alias": "阿合奇县民政局"})
    assert response.status_code == 409 and "本身就是本县的部门" in response.get_data(as_text=True)
    assert 'value="阿合奇县民政局"' in response.get_data(as_text=True)
    response = client.post_form(f"/admin/departments/{org('阿合奇县民政局').id}/aliases", {"alias": "县自然资源和规划局"})
    assert response.status_code == 409 and "已对应到阿合奇县自然资源局" in response.get_data(as_text=True)
    # removing an alias
    alias = db.session.scalars(select(DepartmentAlias).where(DepartmentAlias.name == "县自然资源和规划局")).one()
    assert client.post_form(f"/admin/aliases/{alias.id}/delete").status_code == 302
    assert registry.resolve(county, "阿合奇县自然资源和规划局") is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("department_%"))
                                 .order_by(AuditEvent.seq)).all()
    assert actions == ["department_merge", "department_alias_add", "department_alias_remove"]


def test_unmatched_names_are_listed_and_mapped_in_one_click(app):
    town = load(AKQI)
    county = town.county
    add_user("admin", Role.system_admin, county.parent.parent)
    db.session.commit()
    client = app.test_client()
    client.login("admin")
    page = client.get(f"/admin/counties/{county.id}/departments/unmatched").get_data(as_text=True)
    assert "阿合奇县人民政府办公室（数字化发展局）" in page and "版本中 2 处" in page
    registry_page = client.get(f"/admin/counties/{county.id}/departments").get_data(as_text=True)
    assert "未对应的部门名称（" in registry_page
    before = len(registry.unmatched_names(county))
    # map it to a new department in one click: the references are linked
    response = client.post_form(f"/admin/counties/{county.id}/departments/unmatched",
                                {"name": "阿合奇县人民政府办公室（数字化发展局）", "target": "new"})
    assert response.status_code == 302
    dept = org("阿合奇县人民政府办公室（数字化发展局）")
    assert dept is not None and dept.kind == OrgKind.department
    assert links("阿合奇县人民政府办公室（数字化发展局）") == {dept.id}
    assert len(registry.unmatched_names(county)) == before - 1
    page = client.get(f"/admin/counties/{county.id}/departments/unmatched").get_data(as_text=True)
    assert "已把“阿合奇县人民政府办公室（数字化发展局）”登记为阿合奇县的新部门" in page  # said once
    assert 'data-name="阿合奇县人民政府办公室（数字化发展局）"' not in page


def test_names_of_drafts_are_listed_and_their_mapping_drives_suggestions(app, manas):
    town, county, client = manas
    drafter = user("liuhudi-drafter")
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    ops.add_item(rev, drafter, "cooperative", {
        "category": "民生服务", "name": "残疾人两项补贴发放", "departments_text": "县残联",
        "dept_duties": ["1.审核补贴对象；"], "township_duties": ["1.摸排上报；"]}, reason="新增")
    db.session.commit()
    # 县残联 resolves already (it is 玛纳斯县残联 within the county); a name nobody registered does not
    ops.add_item(rev, drafter, "cooperative", {
        "category": "民生服务", "name": "数据共享", "departments_text": "县大数据中心",
        "dept_duties": ["1.汇集数据；"], "township_duties": ["1.报送数据；"]}, reason="新增")
    db.session.commit()
    found = {u.name: u for u in registry.unmatched_names(county)}
    assert found["县大数据中心"].drafts == 1 and found["县大数据中心"].townships == {"六户地镇"}
    fire(rev, "submit", drafter)
    assert "县大数据中心" not in suggested(rev)
    federation = org("玛纳斯县残疾人联合会")
    response = client.post_form(f"/admin/counties/{county.id}/departments/unmatched",
                                {"name": "县大数据中心", "target": str(org("玛纳斯县人民政府办公室").id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert "玛纳斯县人民政府办公室" in suggested(rev)
    assert "县大数据中心" not in {u.name for u in registry.unmatched_names(county)}
    # a target of another county is refused
    response = client.post_form(f"/admin/counties/{county.id}/departments/unmatched",
                                {"name": "县小数据中心", "target": str(county.id)})
    assert response.status_code == 400 and "请选择本县的部门" in response.get_data(as_text=True)
    assert federation is not None


def test_a_fragment_marked_as_no_department_is_no_longer_listed_nor_created(app):
    town = load(QITAI)
    county = town.county
    add_user("admin", Role.system_admin, county.parent.parent)
    db.session.commit()
    client = app.test_client()
    client.login("admin")
    assert "奇台" in {u.name for u in registry.unmatched_names(county)}
    response = client.post_form(f"/admin/counties/{county.id}/departments/unmatched", {"name": "奇台", "target": "ignore"})
    assert response.status_code == 302
    assert "奇台" not in {u.name for u in registry.unmatched_names(county)}
    assert registry.resolve(county, "奇台") is None
    assert "奇台" in client.get(f"/admin/counties/{county.id}/departments").get_data(as_text=True)
    # mapping it twice is refused in Chinese
    response = client.post_form(f"/admin/counties/{county.id}/departments/unmatched", {"name": "奇台", "target": "ignore"})
    assert response.status_code == 409 and "已对应到“不是部门”" in response.get_data(as_text=True)


def test_the_registry_page_lists_bodies_with_their_aliases_and_counts(app, manas):
    town, county, client = manas
    html = client.get(f"/admin/counties/{county.id}/departments").get_data(as_text=True)
    assert "玛纳斯县委编办" in html and "县委编办</span>" in html
    assert html.count('merge-form"') == len(registry.bodies(county))
    assert client.get(f"/admin/counties/{town.id}/departments").status_code == 404  # a township is no county
