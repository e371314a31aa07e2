"""Accounts from the browser (三员分立): the system administrator creates, edits, deactivates,
reactivates accounts, resets passwords to a temporary one shown once, creates accounts in bulk from an
Excel sheet and exports them; the security administrator gives roles, unlocks, ends sessions, revokes
tokens and sees what the auditor did; the audit administrator reads only the audit log. Refusals in
Chinese, nothing half-written, every action audited with its actor and never a password. Both databases."""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import AuditEvent, Role, User
from dutylist.services.audit import verify_chain
from dutylist.services.tokens import create_token
from workflow import operations as ops

from .conftest import _make_database
from .factories import PASSWORD, fire, signed_in

NEW_PASSWORD = "Qingshui-river-2026"


@pytest.fixture
def sysadmin(app, world):
    return signed_in(app, "admin")


@pytest.fixture
def secadmin(app, world):
    return signed_in(app, "secadmin")


def user(username: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def users_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User))


def temporary_password(response) -> str:
    match = re.search(r'id="temporary-password">([^<]+)<', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:1000]
    return match.group(1)


def create(client, username="jimsar-data", display_name="王五", organisation="昌吉回族自治州/吉木萨尔县/吉木萨尔县水利局",
           email=""):
    return client.post_form("/admin/users/new", {"username": username, "display_name": display_name,
                                                 "organisation": organisation, "email": email})


def all_audit_text() -> str:
    db.session.rollback()
    return " ".join(e.details_text or "" for e in db.session.scalars(select(AuditEvent)))


# ------------------------------------------------------------------ creating, the temporary password ----
def test_a_new_account_has_no_role_and_a_temporary_password_shown_once(app, world, sysadmin):
    response = create(sysadmin)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = temporary_password(response)
    new = user("jimsar-data")
    assert new.role is None and new.must_change_password and new.organisation_id == world.water.id
    assert new.check_password(password) and password not in new.password_hash
    # shown once: the account's page does not show it, and it is nowhere in the audit log
    assert password not in sysadmin.get(f"/admin/users/{new.id}").get_data(as_text=True)
    assert password not in all_audit_text()
    (event,) = events("user_create")
    assert event.actor_name == "admin" and event.target == f"user:{new.id}"
    assert event.details == {"username": "jimsar-data", "organisation": "昌吉回族自治州/吉木萨尔县/吉木萨尔县水利局",
                             "via": "web"}


@pytest.mark.parametrize(("fields", "words"), [
    ({"username": "JIMSAR-civil"}, "用户名“JIMSAR-civil”已存在"),
    ({"username": "张三"}, "用户名须为 2–80 位字母、数字"),
    ({"organisation": "不存在的单位"}, "找不到单位“不存在的单位”"),
    ({"organisation": "民政局"}, "找不到单位"),
    ({"email": "not-an-address"}, "电子邮箱格式不正确"),
    ({"display_name": ""}, "请填写姓名"),
])
def test_creating_is_refused_in_chinese_and_writes_nothing(app, world, sysadmin, fields, words):
    before = (users_count(), len(events("user_create")))
    response = create(sysadmin, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in html
    for value in fields.values():
        if value:
            assert f'value="{value}"' in html  # what was typed is kept
    assert (users_count(), len(events("user_create"))) == before


def test_an_organisation_written_by_name_must_be_unique(app, world, sysadmin):
    # two counties each have a 民政局: the short name alone is refused, the path finds it
    response = create(sysadmin, organisation="县委编办")
    assert "找不到单位" in response.get_data(as_text=True)
    response = create(sysadmin, organisation="玛纳斯县民政局")
    assert response.status_code == 200
    assert user("jimsar-data").organisation_id == world.other_civil.id


def test_the_new_user_must_change_the_password_before_anything_else(app, world, sysadmin, secadmin):
    password = temporary_password(create(sysadmin))
    new = app.test_client()
    response = new.login("jimsar-data", password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/password")
    # every page sends back to the password page; the API refuses in Chinese
    for path in ("/", "/inbox", "/auth/email", f"/townships/{world.town.id}", "/auth/waiting"):
        response = new.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/auth/password"), path
    assert "临时密码" in new.get("/auth/password").get_data(as_text=True)
    token = create_token(user("jimsar-data"))
    db.session.commit()
    response = new.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "修改临时密码" in response.json["error"]
    # the policy applies to the new password too
    response = new.post_form("/auth/password", {"current_password": password, "new_password": "short",
                                                "new_password2": "short"})
    assert response.status_code == 400 and user("jimsar-data").must_change_password
    response = new.post_form("/auth/password", {"current_password": password, "new_password": NEW_PASSWORD,
                                                "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/waiting")
    assert not user("jimsar-data").must_change_password
    # no role yet: a waiting page, and nothing else
    assert "尚未分配角色" in new.get("/auth/waiting").get_data(as_text=True)
    response = new.get("/")
    assert response.status_code == 403 and "尚未分配角色" in response.get_data(as_text=True)
    response = new.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "尚未分配角色" in response.json["error"]
    # the security administrator gives the role: the lists open
    response = secadmin.post_form(f"/admin/users/{user('jimsar-data').id}/role", {"new_role": "county_department"})
    assert response.status_code == 302
    assert new.get("/").status_code == 200
    assert new.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    (event,) = events("role_assign")
    assert event.actor_name == "secadmin" and event.details == {
        "username": "jimsar-data", "old": None, "new": "county_department"}


# ------------------------------------------------------------------ roles: the security administrator ----
def test_the_system_administrator_cannot_give_roles(app, world, sysadmin):
    temporary_password(create(sysadmin))
    target = user("jimsar-data")
    assert sysadmin.get(f"/admin/users/{target.id}/role").status_code == 403
    response = sysadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": "county_department"})
    assert response.status_code == 403 and "安全保密管理员" in response.get_data(as_text=True)
    assert user("jimsar-data").role is None
    assert sysadmin.get("/admin/security").status_code == 403


@pytest.mark.parametrize(("who", "role", "status", "words"), [
    # a role for the wrong kind of organisation
    ("jimsar-water", "township_drafter", 400, "角色“乡镇起草人”须属于乡镇"),
    # an administrator's role to an account that has a role already: never two
    ("jimsar-water", "audit_admin", 409, "一个账号不得兼任"),
    # an administrator's account keeps its role
    ("admin", "audit_admin", 409, "三员账号不得兼任其他角色"),
    ("auditor", "", 409, "三员账号不得兼任其他角色"),
    ("auditor", "system_admin", 409, "三员账号不得兼任其他角色"),
    # nonsense
    ("jimsar-water", "superuser", 400, "角色无效"),
])
def test_role_assignments_that_are_refused(app, world, secadmin, who, role, status, words):
    target = user(who)
    before = target.role
    response = secadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": role})
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert user(who).role == before and events("role_assign") == []


def test_no_account_holds_two_administrator_roles(app, world, secadmin, sysadmin):
    temporary_password(create(sysadmin, username="second-auditor", organisation="新疆维吾尔自治区"))
    target = user("second-auditor")
    page = secadmin.get(f"/admin/users/{target.id}/role").get_data(as_text=True)
    assert "安全审计员" in page and "自治区编办审核人" in page  # no role yet: the administrators' roles offered
    assert secadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": "audit_admin"}).status_code == 302
    assert user("second-auditor").role == "audit_admin"
    # now it is an auditor: it can be neither a security administrator too, nor a reviewer
    for role in ("security_admin", "system_admin", "region_reviewer"):
        response = secadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": role})
        assert response.status_code == 409 and "不得兼任" in response.get_data(as_text=True)
    assert user("second-auditor").role == "audit_admin"


@pytest.mark.parametrize("role", ["admin", "system_admin,audit_admin", "auditor"])
def test_the_database_refuses_any_other_role(app, world, role):
    """One role column, checked by the database: the old single administrator and any mix are refused."""
    target = user("jimsar-water")
    target.role = role
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert user("jimsar-water").role == "county_department"


def test_the_security_administrator_cannot_change_their_own_role(app, world, secadmin):
    me = user("secadmin")
    assert secadmin.get(f"/admin/users/{me.id}/role").status_code == 403
    assert secadmin.post_form(f"/admin/users/{me.id}/role", {"new_role": ""}).status_code == 403
    assert user("secadmin").role == "security_admin"


def test_taking_a_role_away(app, world, secadmin):
    target = user("jimsar-water")
    assert secadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": ""}).status_code == 302
    assert user("jimsar-water").role is None
    client = signed_in(app, "jimsar-water")
    assert client.get("/").status_code == 403
    assert "jimsar-water" in secadmin.get("/admin/security").get_data(as_text=True)  # waiting for a role again


# ------------------------------------------------------------------ reset, deactivate, edit ----
def test_reset_password_ends_sessions_and_forces_a_change(app, world, sysadmin):
    drafter = signed_in(app, "dayou-drafter")
    assert drafter.get("/").status_code == 200
    response = sysadmin.post_form(f"/admin/users/{world.drafter.id}/password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = temporary_password(response)
    assert drafter.get("/").status_code == 302  # the old session has ended
    assert app.test_client().login("dayou-drafter", PASSWORD).status_code == 400
    again = app.test_client()
    assert again.login("dayou-drafter", password).headers["Location"].endswith("/auth/password")
    (event,) = events("password_reset")
    assert event.actor_name == "admin" and event.details == {"username": "dayou-drafter"}
    assert password not in all_audit_text()


def test_administrator_accounts_are_reset_by_the_security_administrator_only(app, world, sysadmin, secadmin):
    auditor = user("auditor")
    for path in ("password", "deactivate"):
        response = sysadmin.post_form(f"/admin/users/{auditor.id}/{path}")
        assert response.status_code == 403 and "三员账号由安全保密管理员负责" in response.get_data(as_text=True)
    assert user("auditor").active and not user("auditor").must_change_password
    response = secadmin.post_form(f"/admin/users/{auditor.id}/password")
    assert response.status_code == 200 and user("auditor").must_change_password
    # nobody resets or deactivates their own account here
    assert secadmin.post_form(f"/admin/users/{user('secadmin').id}/deactivate").status_code == 403
    assert sysadmin.post_form(f"/admin/users/{user('admin').id}/password").status_code == 403


def test_deactivate_and_reactivate(app, world, sysadmin):
    water = signed_in(app, "jimsar-water")
    assert sysadmin.post_form(f"/admin/users/{world.water_user.id}/deactivate").status_code == 302
    assert not user("jimsar-water").active
    assert water.get("/").status_code == 302  # signed out
    assert app.test_client().login("jimsar-water").status_code == 400
    response = sysadmin.post_form(f"/admin/users/{world.water_user.id}/deactivate")
    assert response.status_code == 409 and "已停用" in response.get_data(as_text=True)
    assert sysadmin.post_form(f"/admin/users/{world.water_user.id}/reactivate").status_code == 302
    assert app.test_client().login("jimsar-water").status_code == 302
    assert [e.action for e in events("user_deactivate") + events("user_reactivate")] == [
        "user_deactivate", "user_reactivate"]


def test_editing_an_account_keeps_its_role_honest(app, world, sysadmin):
    target = world.water_user
    response = sysadmin.post_form(f"/admin/users/{target.id}/edit", {
        "display_name": "赵六", "organisation": "昌吉回族自治州/吉木萨尔县/大有镇", "email": ""})
    assert response.status_code == 400
    assert "该账号的角色为县直部门审核人，单位须为县直部门" in response.get_data(as_text=True)
    assert user("jimsar-water").display_name == "jimsar-water"
    response = sysadmin.post_form(f"/admin/users/{target.id}/edit", {
        "display_name": "赵六", "organisation": "吉木萨尔县农业农村局", "email": "zhao@example.gov.cn"})
    assert response.status_code == 302
    edited = user("jimsar-water")
    assert (edited.display_name, edited.organisation_id, edited.email) == ("赵六", world.agri.id, "zhao@example.gov.cn")
    (event,) = events("user_edit")
    assert event.details["organisation"] == ["昌吉回族自治州/吉木萨尔县/吉木萨尔县水利局",
                                             "昌吉回族自治州/吉木萨尔县/吉木萨尔县农业农村局"]


# ------------------------------------------------------------------ the Excel sheet ----
def sheet(*rows, header=("用户名", "姓名", "单位", "邮箱")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["吉木萨尔县账号开通表"])  # a title row above the header
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data: bytes, name="账号.xlsx"):
    return client.post_form("/admin/users/import", {"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")


GOOD = [("jimsar-w1", "张一", "昌吉回族自治州/吉木萨尔县/吉木萨尔县水利局", "w1@example.gov.cn"),
        ("jimsar-w2", "张二", "吉木萨尔县农业农村局", None),
        ("quanzijie-2", "张三", "昌吉回族自治州吉木萨尔县泉子街镇", "")]


def test_a_sheet_with_bad_rows_names_them_and_creates_nothing(app, world, sysadmin):
    before = users_count()
    data = sheet(*GOOD, ("jimsar-w1", "重复", "吉木萨尔县水利局", ""), ("dayou-drafter", "已有", "大有镇", ""),
                 ("x y", "", "不存在县", "bad@"), (None, None, None, None))
    response = upload(sysadmin, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "有 3 行有误，未创建任何账号" in html
    assert "第 6 行：用户名与第 3 行重复" in html
    assert "第 7 行：用户名“dayou-drafter”已存在" in html
    assert "第 8 行：用户名须为" in html and "请填写姓名" in html and "找不到单位“不存在县”" in html and "电子邮箱格式不正确" in html
    assert "confirm-button" not in html
    assert users_count() == before


def test_a_good_sheet_is_previewed_then_created_with_temporary_passwords(app, world, sysadmin):
    before = users_count()
    response = upload(sysadmin, sheet(*GOOD))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "每一行都无误" in html
    assert users_count() == before  # the preview writes nothing
    rows = re.search(r'name="rows" value="([^"]+)"', html).group(1)
    rows = json.loads(rows.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    assert [r["row"] for r in rows] == [3, 4, 5]
    response = sysadmin.post_form("/admin/users/import/confirm", {"rows": json.dumps(rows, ensure_ascii=False)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    passwords = re.findall(r'<span class="secret">([^<]+)</span>', html)
    assert len(passwords) == 3
    for (username, *_), password in zip(GOOD, passwords, strict=True):
        created = user(username)
        assert created.role is None and created.must_change_password and created.check_password(password)
    assert user("jimsar-w2").organisation_id == world.agri.id
    assert user("quanzijie-2").organisation_id == world.other_town.id
    assert [e.details["via"] for e in events("user_create")] == ["excel"] * 3
    assert not any(p in all_audit_text() for p in passwords)
    # sent again (or altered): checked again, refused whole
    again = sysadmin.post_form("/admin/users/import/confirm", {"rows": json.dumps(rows, ensure_ascii=False)})
    assert again.status_code == 400 and "未创建任何账号" in again.get_data(as_text=True)
    assert users_count() == before + 3


@pytest.mark.parametrize(("data", "words"), [
    (b"username,name\nx,y\n", "不是 Excel 工作簿"),
    (b"PK\x03\x04 not really a zip", "无法读取该 Excel 文件"),
    (sheet(("a", "b", "c"), header=("账号", "名字", "部门")), "找不到表头"),
    (sheet(), "表头下没有账号行"),
])
def test_a_file_that_is_no_accounts_sheet_is_refused(app, world, sysadmin, data, words):
    response = upload(sysadmin, data)
    assert response.status_code == 400 and words in response.get_data(as_text=True)


def test_export_lists_accounts_and_is_audited(app, world, sysadmin):
    world.water_user.display_name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    response = sysadmin.get("/admin/users/export.xlsx?state=active")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("用户名", "姓名", "单位", "邮箱", "角色")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["dayou-drafter"][2] == "昌吉回族自治州/吉木萨尔县/大有镇" and by_name["auditor"][4] == "安全审计员"
    cell = next(c for c in ws["B"] if c.value == world.water_user.display_name)
    assert cell.data_type == "s"  # text, not a formula
    (event,) = events("users_export")
    assert event.actor_name == "admin" and event.details["count"] == len(rows) - 1


# ------------------------------------------------------------------ locks, sessions, tokens ----
def test_unlocking_a_locked_sign_in(app, world, secadmin):
    for _ in range(5):
        assert app.test_client().login("jimsar-water", "wrong-password-1").status_code == 400
    assert app.test_client().login("jimsar-water").status_code == 429
    assert "登录已锁定" in secadmin.get(f"/admin/users/{world.water_user.id}").get_data(as_text=True)
    assert secadmin.post_form(f"/admin/users/{world.water_user.id}/unlock").status_code == 302
    assert app.test_client().login("jimsar-water").status_code == 302
    (event,) = events("account_unlock")
    assert event.actor_name == "secadmin" and event.details == {"username": "jimsar-water"}


def test_ending_sessions_and_revoking_tokens(app, world, secadmin, sysadmin):
    water = signed_in(app, "jimsar-water")
    token = create_token(world.water_user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert water.get("/api/v1/me", headers=headers).status_code == 200
    assert sysadmin.post_form(f"/admin/users/{world.water_user.id}/sessions/end").status_code == 403
    assert secadmin.post_form(f"/admin/users/{world.water_user.id}/sessions/end").status_code == 302
    assert water.get("/").status_code == 302
    assert secadmin.post_form(f"/admin/users/{world.water_user.id}/tokens/revoke").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert [(e.actor_name, e.target) for e in events("sessions_end") + events("token_revoke")[-1:]] == [
        ("secadmin", f"user:{world.water_user.id}"), ("secadmin", f"user:{world.water_user.id}")]


# ------------------------------------------------------------------ 三员分立: who sees what ----
def test_the_auditor_sees_only_the_audit_log(app, world):
    auditor = app.test_client()
    response = auditor.login("auditor")
    assert response.headers["Location"].endswith("/admin/audit")
    for path in ("/", "/admin/users", "/admin/orgs", "/admin/security", "/inbox", f"/townships/{world.town.id}",
                 "/dashboard", "/search?q=党"):
        response = auditor.get(path)
        assert response.status_code == 403, path
        assert "安全审计员只能查看和校验操作日志" in response.get_data(as_text=True) or path.startswith("/admin")
    assert auditor.get("/admin/audit").status_code == 200
    assert auditor.get("/admin/audit/head.json").status_code == 200
    token = create_token(user("auditor"))
    db.session.commit()
    response = app.test_client().get("/api/v1/townships", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "安全审计员" in response.json["error"]


def test_the_system_administrator_cannot_open_the_audit_log(app, world, sysadmin, secadmin):
    for client in (sysadmin, secadmin):
        for path in ("/admin/audit", "/admin/audit/head.json", "/admin/audit/verify"):
            response = client.get(path)
            assert response.status_code == 403 and "操作日志仅安全审计员可以查看" in response.get_data(as_text=True)
    assert "操作日志" not in sysadmin.get("/").get_data(as_text=True).split("<main>")[0]  # not in the header


def test_the_audit_head_verifies_on_its_page(app, world):
    auditor = signed_in(app, "auditor")
    head = auditor.get("/admin/audit/head.json").json
    response = auditor.get(f"/admin/audit/verify?seq={head['seq']}&hash={head['hash']}")
    assert response.status_code == 200 and "核对通过" in response.get_data(as_text=True)
    response = auditor.get(f"/admin/audit/verify?seq={head['seq']}&hash={'0' * 64}")
    assert response.status_code == 200 and "核对失败" in response.get_data(as_text=True)
    response = auditor.get("/admin/audit/verify?seq=x&hash=y")
    assert response.status_code == 400 and "序号应为数字" in response.get_data(as_text=True)
    assert [e.outcome for e in events("audit_verify")] == ["ok", "failed"]


def test_the_security_administrator_sees_what_the_auditor_did(app, world, secadmin, sysadmin):
    auditor = signed_in(app, "auditor")
    auditor.get("/admin/audit?action=login")
    auditor.get("/admin/audit/head.json")
    sysadmin.post_form(f"/admin/users/{world.water_user.id}/deactivate")
    (deactivated,) = events("user_deactivate")
    html = secadmin.get("/admin/security/auditor-log").get_data(as_text=True)
    assert "查看操作日志" in html and "导出链头" in html and "登录" in html
    # the system administrator's actions are not there: they are the auditor's to read
    assert f'data-seq="{deactivated.seq}"' not in html and "停用账号" not in html
    log = auditor.get("/admin/audit").get_data(as_text=True)
    assert f'data-seq="{deactivated.seq}"' in log


@pytest.mark.parametrize("who", ["admin", "secadmin", "auditor"])
def test_no_administrator_fires_a_workflow_move(app, world, who):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    client = signed_in(app, who)
    response = client.post_form(f"/revisions/{rev.id}/events/accept",
                                {"departments": [world.civil.id], "deadline": str(date.today() + timedelta(days=3))})
    assert response.status_code == 403
    token = create_token(user(who))
    db.session.commit()
    response = app.test_client().post(f"/api/v1/revisions/{rev.id}/events/accept", json={"departments": []},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert re.search(r"[\u4e00-\u9fff]", response.json["error"])
    db.session.rollback()
    assert db.session.get(type(rev), rev.id).status == "submitted"
    assert verify_chain().ok


def test_demo_has_the_three_administrators(demo_client):
    roles = {u.username: u.role for u in db.session.scalars(select(User).where(
        User.username.in_(["sysadmin", "secadmin", "auditor", "admin"])))}
    assert roles == {"sysadmin": Role.system_admin, "secadmin": Role.security_admin, "auditor": Role.audit_admin}


def test_the_account_list_filters_by_name_role_and_state(app, world, sysadmin):
    world.water_user.active = False
    db.session.commit()
    html = sysadmin.get("/admin/users?q=JIMSAR").get_data(as_text=True)
    assert 'data-username="jimsar-civil"' in html and 'data-username="dayou-drafter"' not in html
    assert 'data-username="jimsar-civil"' not in sysadmin.get("/admin/users?q=%25").get_data(as_text=True)
    html = sysadmin.get("/admin/users?role=audit_admin").get_data(as_text=True)
    assert 'data-username="auditor"' in html and 'data-username="admin"' not in html
    html = sysadmin.get("/admin/users?state=inactive").get_data(as_text=True)
    assert 'data-username="jimsar-water"' in html and 'data-username="jimsar-civil"' not in html
    html = sysadmin.get(f"/admin/users?organisation={world.civil.id}").get_data(as_text=True)
    assert 'data-username="jimsar-civil"' in html and 'data-username="jimsar-agri"' not in html


# ------------------------------------------------------------------ the migration ----
@pytest.fixture
def empty_url(backend, tmp_path_factory, pg_available):
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "roles")
    yield url
    drop()


def test_the_migration_turns_admins_into_system_administrators(empty_url):
    """Upgrading a database of the single-administrator schema: `admin` becomes `system_admin`, the new
    roles and "no role" are accepted, the old role is refused; downgrading is refused while an account has
    no role (the old schema had none), and otherwise folds the three administrators back into one."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_url, "TESTING": True, "SECRET_KEY": "x"})
    insert = ('INSERT INTO "user" (username, display_name, password_hash, role, organisation_id, active, created_at,'
              " session_token) VALUES (:u, :u, 'x', :r, 1, :t, '2026-01-01 00:00:00', 'k')")
    with app.app_context():
        upgrade(revision="b7e4a91c2d30")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (name, kind) VALUES ('新疆维吾尔自治区', 'region')"))
            conn.execute(text(insert), {"u": "admin", "r": "admin", "t": True})
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text('SELECT role, must_change_password FROM "user"')).one() == ("system_admin", False)
            conn.execute(text(insert), {"u": "newcomer", "r": None, "t": True})
            conn.execute(text(insert), {"u": "auditor", "r": "audit_admin", "t": True})
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(insert), {"u": "old", "r": "admin", "t": True})
        with pytest.raises(SystemExit):  # Flask-Migrate reports the refusal and exits
            downgrade(revision="b7e4a91c2d30")
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM \"user\" WHERE role IS NULL"))
        downgrade(revision="b7e4a91c2d30")
        with db.engine.begin() as conn:
            assert sorted(conn.execute(text('SELECT username, role FROM "user"')).all()) == [
                ("admin", "admin"), ("auditor", "admin")]
        db.session.remove()
        db.engine.dispose()
