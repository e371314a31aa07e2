"""The JSON API for provisioning scripts (三员分立) and deputies: every endpoint, and each refusal in
Chinese with nothing written — a duplicate user name, a role the organisation cannot hold, a merge
into another county's department, a deputy of another organisation, the last security administrator.
Both databases."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AuditEvent, Delegation, DepartmentAlias, Organisation, OrgKind, Role, User
from dutylist.services import accounts
from dutylist.services.audit import verify_chain
from dutylist.services.tokens import create_token
from workflow import operations as ops
from workflow.errors import Conflict

from .factories import PASSWORD, World, fire

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TODAY = date(2026, 3, 2)


@pytest.fixture
def world(app):
    clock.set_today(TODAY)
    w = World()
    w.deputy = World._user("jimsar-office-2", Role.county_office, w.office)
    db.session.commit()
    yield w
    clock.set_today(None)


@pytest.fixture
def api(client, world):
    tokens = {}

    def call(method, url, who, body=None):
        user = db.session.scalar(select(User).where(User.username == who))
        if who not in tokens:
            tokens[who] = create_token(user)
            db.session.commit()
        kw = {"json": body} if body is not None else {}
        return client.open("/api/v1" + url, method=method, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)
    return call


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def refused(response, status, words):
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert CHINESE.search(error) and words in error, error


def entries(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# ------------------------------------------------------------------ organisations ----
def test_the_system_administrator_adds_an_organisation(api, world):
    r = api("POST", "/admin/organisations", "admin", {"name": "吉木萨尔县残疾人联合会", "kind": "department",
                                                      "parent_id": world.county.id})
    assert r.status_code == 201, r.get_json()
    org = db.session.get(Organisation, r.get_json()["id"])
    assert (org.name, org.kind, org.parent_id) == ("吉木萨尔县残疾人联合会", "department", world.county.id)
    assert entries("organisation_create")[0].actor_name == "admin"
    before = count(Organisation)
    refused(api("POST", "/admin/organisations", "admin", {"name": "新镇", "kind": "village", "parent_id": world.county.id}),
            400, "类型")
    refused(api("POST", "/admin/organisations", "admin", {"name": "新镇", "kind": "township",
                                                          "parent_id": world.prefecture.id}), 400, "")
    r = api("POST", "/admin/organisations", "admin", {"name": "吉木萨尔县残疾人联合会", "kind": "department",
                                                      "parent_id": world.county.id})
    assert r.status_code in (400, 409) and CHINESE.search(r.get_json()["error"])
    refused(api("POST", "/admin/organisations", "admin", {"name": "新镇", "kind": "township", "parent_id": 999999}),
            404, "不存在")
    refused(api("POST", "/admin/organisations", "admin", {"kind": "township"}), 400, "name")
    refused(api("POST", "/admin/organisations", "secadmin", {"name": "新镇", "kind": "township",
                                                             "parent_id": world.county.id}), 403, "系统管理员")
    assert count(Organisation) == before


# ------------------------------------------------------------------ accounts ----
def test_a_new_account_gets_a_temporary_password_and_no_role(api, world, app):
    r = api("POST", "/admin/users", "admin", {"username": "jimsar-disabled", "display_name": "孙六",
                                              "organisation_id": world.water.id})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    password = body["temporary_password"]
    assert body["role"] is None and body["must_change_password"] is True
    user = db.session.get(User, body["id"])
    assert user.check_password(password) and user.role is None
    created = entries("user_create")[0]
    assert password not in (created.details_text or "")
    client = app.test_client()
    assert client.login("jimsar-disabled", password).headers["Location"].endswith("/auth/password")


def test_a_duplicate_user_name_is_refused_and_nothing_written(api, world):
    before = count(User)
    for name in ("jimsar-water", "JIMSAR-WATER"):
        refused(api("POST", "/admin/users", "admin", {"username": name, "display_name": "重复",
                                                      "organisation_id": world.water.id}), 400, "已存在")
    refused(api("POST", "/admin/users", "admin", {"username": "x y", "display_name": "空格",
                                                  "organisation_id": world.water.id}), 400, "用户名")
    refused(api("POST", "/admin/users", "secadmin", {"username": "newbie", "display_name": "新",
                                                     "organisation_id": world.water.id}), 403, "系统管理员")
    assert count(User) == before and entries("user_create") == []


def test_the_security_administrator_gives_a_role_that_fits_the_organisation(api, world):
    newbie = World._user("dayou-new", None, world.town)
    db.session.commit()
    refused(api("PUT", f"/admin/users/{newbie.id}/role", "secadmin", {"role": "county_office"}), 400, "县委编办")
    refused(api("PUT", f"/admin/users/{newbie.id}/role", "secadmin", {"role": "mayor"}), 400, "角色无效")
    refused(api("PUT", f"/admin/users/{newbie.id}/role", "admin", {"role": "township_drafter"}), 403, "安全保密管理员")
    refused(api("PUT", f"/admin/users/{newbie.id}/role", "secadmin", {}), 400, "role")
    db.session.rollback()
    assert db.session.get(User, newbie.id).role is None and entries("role_assign") == []
    r = api("PUT", f"/admin/users/{newbie.id}/role", "secadmin", {"role": "township_drafter"})
    assert r.status_code == 200 and r.get_json()["role"] == "township_drafter"
    (given,) = entries("role_assign")
    assert (given.actor_name, given.details["new"]) == ("secadmin", "township_drafter")


def test_deactivating_and_resetting_accounts(api, world, app):
    r = api("POST", f"/admin/users/{world.water_user.id}/deactivate", "admin")
    assert r.status_code == 200 and r.get_json()["active"] is False
    refused(api("POST", f"/admin/users/{world.water_user.id}/deactivate", "admin"), 409, "已停用")
    # an administrator's account is the security administrator's; one's own is nobody's
    refused(api("POST", f"/admin/users/{world.auditor.id}/deactivate", "admin"), 403, "")
    refused(api("POST", f"/admin/users/{world.secadmin.id}/deactivate", "secadmin"), 403, "")
    r = api("POST", f"/admin/users/{world.civil_user.id}/reset-password", "admin")
    assert r.status_code == 200
    password = r.get_json()["temporary_password"]
    db.session.rollback()
    civil = db.session.get(User, world.civil_user.id)
    assert civil.check_password(password) and not civil.check_password(PASSWORD) and civil.must_change_password
    assert password not in (entries("password_reset")[0].details_text or "")
    refused(api("POST", f"/admin/users/{world.civil_user.id}/reset-password", "secadmin"), 403, "")
    refused(api("POST", "/admin/users/999999/reset-password", "admin"), 404, "不存在")


def test_the_last_security_administrator_cannot_be_deactivated(api, world):
    """Through the API a security administrator's account is deactivated only by another one (never
    one's own); the service refuses the last active one whoever asks, so no path leaves none."""
    second = World._user("secadmin-2", Role.security_admin, world.region)
    db.session.commit()
    refused(api("POST", f"/admin/users/{second.id}/deactivate", "secadmin-2"), 403, "")  # never one's own
    refused(api("POST", f"/admin/users/{second.id}/deactivate", "admin"), 403, "")  # not the system admin's
    assert api("POST", f"/admin/users/{world.secadmin.id}/deactivate", "secadmin-2").status_code == 200
    db.session.rollback()
    with pytest.raises(Conflict, match="最后一个在用的安全保密管理员"):
        accounts.deactivate(db.session.get(User, second.id), world.admin)
    db.session.rollback()
    assert db.session.get(User, second.id).active
    assert [e.details["username"] for e in entries("user_deactivate")] == ["secadmin"]


# ------------------------------------------------------------------ the department registry ----
def test_merging_departments_and_their_aliases(api, world):
    disabled = Organisation(name="吉木萨尔县残联", kind=OrgKind.department, parent=world.county)
    federation = Organisation(name="吉木萨尔县残疾人联合会", kind=OrgKind.department, parent=world.county)
    db.session.add_all([disabled, federation])
    db.session.commit()
    # into another county's department: refused, nothing written
    refused(api("POST", f"/admin/departments/{disabled.id}/merge", "admin", {"into": world.other_civil.id}),
            400, "同一县")
    refused(api("POST", f"/admin/departments/{disabled.id}/merge", "admin", {"into": "x"}), 400, "into")
    refused(api("POST", f"/admin/departments/{disabled.id}/merge", "secadmin", {"into": federation.id}), 403, "")
    refused(api("POST", f"/admin/departments/{world.town.id}/merge", "admin", {"into": federation.id}), 404, "")
    db.session.rollback()
    assert db.session.get(Organisation, disabled.id).closed_at is None and entries("department_merge") == []
    r = api("POST", f"/admin/departments/{disabled.id}/merge", "admin", {"into": federation.id})
    assert r.status_code == 200, r.get_json()
    db.session.rollback()
    assert db.session.get(Organisation, disabled.id).closed_at is not None
    aliases = api("GET", f"/admin/departments/{federation.id}/aliases", "admin").get_json()["aliases"]
    assert [a["name"] for a in aliases] == ["吉木萨尔县残联"]  # the merged name stays an alias
    r = api("POST", f"/admin/departments/{federation.id}/aliases", "admin", {"name": "县残疾人联合会办公室"})
    assert r.status_code == 201
    alias_id = r.get_json()["id"]
    refused(api("POST", f"/admin/departments/{world.civil.id}/aliases", "admin", {"name": "县残疾人联合会办公室"}),
            409, "已对应")
    refused(api("POST", f"/admin/departments/{federation.id}/aliases", "admin", {}), 400, "name")
    refused(api("DELETE", f"/admin/departments/{world.civil.id}/aliases/{alias_id}", "admin"), 404, "")
    refused(api("GET", f"/admin/departments/{federation.id}/aliases", "auditor"), 403, "")
    assert api("DELETE", f"/admin/departments/{federation.id}/aliases/{alias_id}", "admin").status_code == 200
    db.session.rollback()
    assert db.session.get(DepartmentAlias, alias_id) is None
    assert [e.actor_name for e in entries("department_alias_remove")] == ["admin"]


# ------------------------------------------------------------------ the audit log ----
def test_the_audit_log_is_the_auditors_alone(api, world):
    api("POST", f"/admin/users/{world.water_user.id}/deactivate", "admin")
    r = api("GET", "/audit?action=user_deactivate", "auditor")
    assert r.status_code == 200
    (entry,) = r.get_json()["events"]
    assert entry["actor"]["username"] == "admin" and entry["on_behalf_of"] is None and entry["label"] == "停用账号"
    assert entries("audit_view")[-1].actor_name == "auditor"
    for who in ("admin", "secadmin", "jimsar-office"):
        refused(api("GET", "/audit", who), 403, "安全审计员")
    refused(api("GET", "/audit?revision_id=abc", "auditor"), 400, "revision_id")
    # the auditor's token opens nothing else
    refused(api("GET", "/townships", "auditor"), 403, "安全审计员")
    assert verify_chain().ok


# ------------------------------------------------------------------ deputies ----
def test_naming_and_withdrawing_a_deputy(api, world):
    r = api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "days": 3})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["starts_on"], body["ends_on"], body["state"]) == ("2026-03-02", "2026-03-04", "生效中")
    listed = api("GET", "/delegations", "jimsar-office-2").get_json()
    assert [u["username"] for u in listed["acting_for"]] == ["jimsar-office"]
    r = api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "starts_on": "2026-04-01",
                                                      "ends_on": "2026-04-10"})
    assert r.status_code == 201
    later = r.get_json()["id"]
    assert r.get_json()["state"] == "未开始"
    refused(api("POST", f"/delegations/{later}/withdraw", "jimsar-office-2"), 404, "")
    r = api("POST", f"/delegations/{later}/withdraw", "jimsar-office")
    assert r.status_code == 200 and r.get_json()["state"] == "已撤回"
    refused(api("POST", f"/delegations/{later}/withdraw", "jimsar-office"), 409, "已撤回")


def test_a_deputy_outside_the_organisation_and_bad_periods_are_refused(api, world):
    before = count(Delegation)
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.other_officer.id, "days": 3}),
            400, "不能跨单位代理")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.civil_user.id, "days": 3}),
            400, "不能跨单位代理")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "days": 0}), 400, "天数")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "days": 2,
                                                          "starts_on": "2026-03-02"}), 400, "之一")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "starts_on": "2026-03-09",
                                                          "ends_on": "2026-03-05"}), 400, "不能早于开始日期")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "starts_on": "3月2日",
                                                          "ends_on": "2026-03-05"}), 400, "YYYY-MM-DD")
    refused(api("POST", "/delegations", "jimsar-office", {"deputy_id": 999999, "days": 2}), 400, "不存在")
    refused(api("POST", "/delegations", "dayou-drafter", {"deputy_id": world.other_drafter.id, "days": 2}), 403, "")
    refused(api("POST", "/delegations", "admin", {"deputy_id": world.secadmin.id, "days": 2}), 403, "")
    assert count(Delegation) == before and entries("delegation_create") == []


def test_a_revisions_history_names_actor_and_on_behalf_of(api, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    api("POST", "/delegations", "jimsar-office", {"deputy_id": world.deputy.id, "days": 1})
    r = api("POST", f"/revisions/{rev.id}/events/accept", "jimsar-office-2",
            {"departments": [], "no_consultation_reason": "本轮修改不涉及县直部门职责"})
    assert r.status_code == 200, r.get_json()
    history = api("GET", f"/revisions/{rev.id}/history", "dayou-drafter").get_json()["events"]
    moves = [(e["action"], e["actor"]["username"], (e["on_behalf_of"] or {}).get("username"))
             for e in history if e["move"]]
    assert moves == [("submit", "dayou-drafter", None), ("accept", "jimsar-office-2", "jimsar-office")]
    refused(api("GET", f"/revisions/{rev.id}/history", "manas-office"), 403, "")
    refused(api("GET", "/revisions/999999/history", "jimsar-office"), 404, "")


def test_the_office_reassigns_a_consultation_through_the_api(api, world):
    civil_2 = World._user("jimsar-civil-2", Role.county_department, world.civil)
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.civil.id], deadline=TODAY + timedelta(days=5))
    c = rev.consultations[0]
    url = f"/revisions/{rev.id}/consultations/{c.id}/assignee"
    refused(api("PUT", url, "jimsar-office", {"assignee_id": world.water_user.id}), 400, "只能改派给该部门")
    refused(api("PUT", url, "jimsar-office", {}), 400, "assignee_id")
    refused(api("PUT", url, "jimsar-civil", {"assignee_id": civil_2.id}), 403, "")
    refused(api("PUT", url, "manas-office", {"assignee_id": civil_2.id}), 403, "")
    assert entries("consultation_reassign") == []
    r = api("PUT", url, "jimsar-office", {"assignee_id": civil_2.id})
    assert r.status_code == 200 and r.get_json()["assignee"]["username"] == "jimsar-civil-2"
    refused(api("POST", f"/revisions/{rev.id}/signoff", "jimsar-civil", {"verdict": "no_opinion"}), 403, "已交由")
    r = api("POST", f"/revisions/{rev.id}/signoff", "jimsar-civil-2", {"verdict": "no_opinion"})
    assert r.status_code == 200, r.get_json()
    refused(api("PUT", url, "jimsar-office", {"assignee_id": None}), 409, "")  # signed: nothing pending to reassign
