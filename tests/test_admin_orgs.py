"""The system administrator keeps the organisation tree from the browser: add, rename, move, close and
reopen a prefecture, county, township, county office or department; refusals in Chinese with nothing
written; closing keeps history readable; every change audited with its actor. On both databases."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import AuditEvent, DepartmentAlias, Organisation, OrgKind, User
from dutylist.models.base import utcnow
from dutylist.services import departments as registry
from dutylist.services.orgs import find_organisation
from workflow import operations as ops

from .factories import fire


@pytest.fixture
def sysadmin(app, world):
    client = app.test_client()
    assert client.login("admin").status_code == 302
    return client


def org_named(name: str, parent: Organisation | None = None) -> Organisation | None:
    db.session.rollback()
    stmt = select(Organisation).where(Organisation.name == name)
    if parent is not None:
        stmt = stmt.where(Organisation.parent_id == parent.id)
    return db.session.scalars(stmt).one_or_none()


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def shown(response) -> str:
    """The messages a page shows (form errors and flashes), as text."""
    html = response.get_data(as_text=True)
    pairs = re.findall(r'<div class="flash flash-danger"[^>]*>(.*?)</div>|<p class="error">(.*?)</p>', html)
    return " ".join(a or b for a, b in pairs)


def add(client, parent: Organisation | None, name: str, kind: OrgKind, short_name: str = ""):
    url = "/admin/orgs/new" + (f"?parent={parent.id}" if parent is not None else "")
    return client.post_form(url, {"name": name, "kind": kind.value, "short_name": short_name})


# ------------------------------------------------------------------ adding ----
def test_the_system_administrator_adds_every_kind_of_organisation(world, sysadmin):
    r = add(sysadmin, world.region, "伊犁哈萨克自治州", OrgKind.prefecture, "伊犁州")
    assert r.status_code == 302
    ili = org_named("伊犁哈萨克自治州")
    assert ili.kind == OrgKind.prefecture and ili.short_name == "伊犁州" and ili.parent_id == world.region.id
    assert add(sysadmin, ili, "霍城县", OrgKind.county).status_code == 302
    county = org_named("霍城县")
    for name, kind in (("清水河镇", OrgKind.township), ("霍城县委编办", OrgKind.office),
                       ("霍城县民政局", OrgKind.department)):
        r = add(sysadmin, county, name, kind)
        assert r.status_code == 302, shown(r)
        assert org_named(name, county).kind == kind
    # the township is a place now, without any import: the home page lists it, pickers find it
    assert "清水河镇" in sysadmin.get(f"/?place={county.id}").get_data(as_text=True)
    assert find_organisation("伊犁哈萨克自治州/霍城县/清水河镇")[0].name == "清水河镇"
    # the county's registry has its office and department
    assert {o.name for o in registry.bodies(org_named("霍城县"))} == {"霍城县委编办", "霍城县民政局"}
    created = events("organisation_create")
    assert [e.details["name"] for e in created] == ["伊犁哈萨克自治州", "霍城县", "清水河镇", "霍城县委编办", "霍城县民政局"]
    assert {e.actor_name for e in created} == {"admin"}
    # the page of the county shows its children, office first
    html = sysadmin.get(f"/admin/orgs/{county.id}").get_data(as_text=True)
    assert html.index("霍城县委编办") < html.index("霍城县民政局") < html.index("清水河镇")


@pytest.mark.parametrize(("parent", "name", "kind", "words"), [
    ("county", "大有镇", OrgKind.township, "已有名为“大有镇”的镇"),
    ("county", "县民政局", OrgKind.department, "与本县已有的“吉木萨尔县民政局”是同一名称"),
    ("county", "吉木萨尔县 民政局", OrgKind.department, "已有名为“吉木萨尔县民政局”的县直部门"),
    ("county", "吉木萨尔县委机构编制委员会办公室", OrgKind.office, "本县已有县委编办"),
    ("prefecture", "新镇", OrgKind.township, "乡镇的上级应为县"),
    ("county", "", OrgKind.department, "请填写名称"),
    ("county", "局" * 101, OrgKind.department, "名称不能超过 100 个字"),
])
def test_adding_is_refused_in_chinese_and_writes_nothing(world, sysadmin, parent, name, kind, words):
    before = (count(Organisation), count(AuditEvent))
    r = add(sysadmin, getattr(world, parent), name, kind)
    assert r.status_code in (400, 409)
    assert words in r.get_data(as_text=True)
    assert f'value="{name[:20]}' in r.get_data(as_text=True) or not name  # what was typed is kept
    assert (count(Organisation), count(AuditEvent)) == before


def test_only_the_system_administrator_keeps_organisations(app, world):
    for username in ("secadmin", "auditor", "jimsar-office"):
        client = app.test_client()
        client.login(username)
        r = add(client, world.county, "吉木萨尔县数据局", OrgKind.department)
        assert r.status_code == 403
    assert org_named("吉木萨尔县数据局") is None


# ------------------------------------------------------------------ renaming ----
def test_renaming_a_department_keeps_its_old_name_as_an_alias(world, sysadmin):
    r = sysadmin.post_form(f"/admin/orgs/{world.water.id}/edit", {"name": "吉木萨尔县水务局", "short_name": ""})
    assert r.status_code == 302
    water = org_named("吉木萨尔县水务局")
    assert water.id == world.water.id
    # a list that says 吉木萨尔县水利局 (or 县水利局) still names it
    assert registry.resolve(world.county, "县水利局").id == world.water.id
    assert registry.resolve(world.county, "吉木萨尔县水务局").id == world.water.id
    (event,) = events("organisation_rename")
    assert event.details["old"] == "吉木萨尔县水利局" and event.details["new"] == "吉木萨尔县水务局"
    assert event.actor_name == "admin"
    # a name another body has is refused
    r = sysadmin.post_form(f"/admin/orgs/{world.water.id}/edit", {"name": "吉木萨尔县民政局"})
    assert r.status_code == 409 and "已有名为“吉木萨尔县民政局”" in r.get_data(as_text=True)


def test_renaming_a_township_shows_at_once_on_the_cached_home_page(app, world, sysadmin):
    app.config["QUERY_CACHE"] = True
    assert "泉子街镇" in sysadmin.get(f"/?place={world.county.id}").get_data(as_text=True)
    r = sysadmin.post_form(f"/admin/orgs/{world.other_town.id}/edit", {"name": "泉子街镇人民政府"})
    assert r.status_code == 302
    assert "泉子街镇人民政府" in sysadmin.get(f"/?place={world.county.id}").get_data(as_text=True)


# ------------------------------------------------------------------ moving ----
def test_moving_a_township_to_another_county(world, sysadmin):
    page = sysadmin.get(f"/admin/orgs/{world.other_town.id}/move").get_data(as_text=True)
    assert "昌吉回族自治州/玛纳斯县" in page and ">昌吉回族自治州/吉木萨尔县<" not in page  # its own county is not offered
    r = sysadmin.post_form(f"/admin/orgs/{world.other_town.id}/move", {"parent": world.other_county.id})
    assert r.status_code == 302
    assert org_named("泉子街镇").parent_id == world.other_county.id
    (event,) = events("organisation_move")
    assert event.details == {"name": "泉子街镇", "kind": "township", "from": "吉木萨尔县", "to": "玛纳斯县"}


def test_a_township_with_an_open_revision_is_not_moved_and_kinds_are_kept(world, sysadmin):
    ops.start_revision(world.town, world.drafter)
    db.session.commit()
    r = sysadmin.post_form(f"/admin/orgs/{world.town.id}/move", {"parent": world.other_county.id})
    assert r.status_code == 409 and "进行中的修订稿" in r.get_data(as_text=True)
    assert org_named("大有镇").parent_id == world.county.id
    # a township cannot hang under a prefecture
    r = sysadmin.post_form(f"/admin/orgs/{world.other_town.id}/move", {"parent": world.prefecture.id})
    assert r.status_code == 400 and "请从列表中选择" in r.get_data(as_text=True)
    assert events("organisation_move") == []


def test_moving_a_department_takes_its_aliases_along(world, sysadmin):
    registry.add_alias(world.water, "县水务", world.admin)
    db.session.commit()
    r = sysadmin.post_form(f"/admin/orgs/{world.water.id}/move", {"parent": world.other_county.id})
    assert r.status_code == 302
    manas = org_named("玛纳斯县")
    assert registry.resolve(manas, "玛纳斯县水务").id == world.water.id
    assert registry.resolve(org_named("吉木萨尔县"), "吉木萨尔县水务") is None


# ------------------------------------------------------------------ closing ----
def test_closing_is_refused_while_accounts_or_children_remain(world, sysadmin):
    r = sysadmin.post_form(f"/admin/orgs/{world.water.id}/close")
    assert r.status_code == 409
    assert "还有 1 个启用的账号属于该单位" in r.get_data(as_text=True)
    r = sysadmin.post_form(f"/admin/orgs/{world.county.id}/close")
    assert r.status_code == 409 and "未撤销的单位" in r.get_data(as_text=True)
    assert org_named("吉木萨尔县水利局").closed_at is None and events("organisation_close") == []


def test_a_closed_township_leaves_the_pickers_but_its_history_reads(app, world, sysadmin):
    other_drafter = db.session.scalar(select(User).where(User.username == "quanzijie-drafter"))
    other_drafter.active = False
    db.session.commit()
    r = sysadmin.post_form(f"/admin/orgs/{world.other_town.id}/close")
    assert r.status_code == 302
    town = org_named("泉子街镇")
    assert town.closed_at is not None
    assert "已撤销“泉子街镇”" in sysadmin.get(f"/admin/orgs/{town.id}").get_data(as_text=True)  # the flash
    assert "泉子街镇" not in sysadmin.get(f"/?place={world.county.id}").get_data(as_text=True)
    assert find_organisation("泉子街镇") == (None, "找不到单位“泉子街镇”（已撤销的单位不能选择）")
    # its organisation page says so and offers to reopen; the audit names it
    page = sysadmin.get(f"/admin/orgs/{town.id}").get_data(as_text=True)
    assert "已撤销" in page and "重新启用" in page
    assert events("organisation_close")[0].details["name"] == "泉子街镇"
    # reopening brings it back
    assert sysadmin.post_form(f"/admin/orgs/{town.id}/reopen").status_code == 302
    assert org_named("泉子街镇").closed_at is None


def test_a_closed_department_keeps_its_history_and_is_no_longer_consulted(app, world, sysadmin):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.water.id], deadline=date.today() + timedelta(days=3))
    # consulted in an open revision: it stays
    world.water_user.active = False
    db.session.commit()
    r = sysadmin.post_form(f"/admin/orgs/{world.water.id}/close")
    assert r.status_code == 409 and "正在进行中的修订稿中被征求意见" in r.get_data(as_text=True)
    # the office releases the department it can no longer hear from (a silent one blocks the return)
    ops.release_consultation(rev, world.officer, rev.consultations[0].id, "该部门已无在岗人员，不再征求其意见")
    db.session.commit()
    fire(rev, "return_for_revision", world.officer, reason="请补充")
    fire(rev, "abandon", world.drafter, reason="本轮不再修订")
    assert sysadmin.post_form(f"/admin/orgs/{world.water.id}/close").status_code == 302
    county = org_named("吉木萨尔县")
    assert "吉木萨尔县水利局" not in {o.name for o in registry.departments(county)}
    assert registry.resolve(county, "吉木萨尔县水利局") is None
    # the revision's page still names the department it consulted
    drafter = app.test_client()
    drafter.login("dayou-drafter")
    assert "吉木萨尔县水利局" in drafter.get(f"/revisions/{rev.id}").get_data(as_text=True)


def test_a_closed_department_cannot_be_chosen_for_consultation(world):
    world.water.closed_at = world.water.updated_at = utcnow()
    db.session.commit()
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    with pytest.raises(Exception, match="已撤销"):
        ops.fire(rev, "accept", world.officer, levels=("prefecture", "region"), departments=[world.water.id])
    db.session.rollback()


def test_the_registry_offers_no_alias_twice(world):
    registry.add_alias(world.civil, "县民政", world.admin)
    db.session.commit()
    assert [o.name for o in registry.departments(world.county)].count("吉木萨尔县民政局") == 1
    assert count(DepartmentAlias) == 1


def test_the_cli_creates_the_first_region(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-org", "新疆维吾尔自治区", "--kind", "region"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-org", "昌吉回族自治州", "--kind", "prefecture", "--parent", "新疆维吾尔自治区",
                                 "--short-name", "昌吉州"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-org", "大有镇", "--kind", "township", "--parent", "新疆维吾尔自治区"])
    assert result.exit_code == 2 and "乡镇的上级应为县" in result.output
    assert org_named("昌吉回族自治州").short_name == "昌吉州"
