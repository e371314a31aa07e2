"""Running the system from the browser (三员分立), in Chromium over the demo data, at desktop width and
on a 390 px phone: the system administrator creates a county department and an account; the security
administrator gives the account its role; the new user signs in with the temporary password and must
change it; the county office consults the new department; the auditor sees all of it in the audit log; the system administrator cannot open the audit
log. Screenshots of every page on the way are left in test-artifacts/."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, User
from workflow import operations as ops

from .browser import ARTIFACTS, TIMEOUT_MS, click_link, sign_out, submit
from .factories import explain

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Shuju-ju-2026!"
PHONE = {"width": 390, "height": 844}


def sign_in(page, username, password):
    sign_out(page)
    page.goto("/auth/login", wait_until="load")
    form = page.locator("section.login form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    submit(page, form)


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def fits(page) -> bool:
    """Nothing wider than the screen (wide tables scroll in their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_three_administrators_run_the_system_from_the_browser(page, context, live_server):
    # ---- the system administrator: a county department, then an account in it
    sign_in(page, "sysadmin", live_server.password)
    assert "操作日志" not in page.locator("header nav").inner_text()
    click_link(page, page.locator("header nav a", has_text="机构管理"))
    form = page.locator("form.filters")
    form.locator("input[name=q]").fill("吉木萨尔县")
    submit(page, form)
    click_link(page, page.locator("#org-search-results a", has_text=re.compile(r"吉木萨尔县$")))
    assert page.locator("h1").inner_text().startswith("吉木萨尔县")
    add = page.locator("#add-child form")
    add.locator("select[name=kind]").select_option(label="县直部门")
    add.locator("input[name=name]").fill("吉木萨尔县数据局")
    submit(page, add)
    assert "已添加县直部门“吉木萨尔县数据局”" in page.locator(".flash").inner_text()
    shot(page, "org-department")
    click_link(page, page.locator("#new-account-link"))
    form = page.locator("#account-form")
    assert form.locator("input[name=organisation]").input_value() == "昌吉回族自治州/吉木萨尔县/吉木萨尔县数据局"
    form.locator("input[name=username]").fill("jimsar-data")
    form.locator("input[name=display_name]").fill("李四")
    form.locator("input[name=email]").fill("lisi@example.gov.cn")
    shot(page, "account-new")
    submit(page, form)
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 14
    shot(page, "account-temporary-password")
    # the system administrator gives no role and reads no audit log
    response = page.goto("/admin/audit", wait_until="load")
    assert response.status == 403 and "操作日志仅安全审计员可以查看" in page.locator("main").inner_text()
    shot(page, "sysadmin-audit-403")

    # ---- the security administrator: the role
    sign_in(page, "secadmin", live_server.password)
    click_link(page, page.locator("header nav a", has_text="安全管理"))
    row = page.locator("#waiting-accounts tr[data-username=jimsar-data]")
    assert "昌吉回族自治州/吉木萨尔县/吉木萨尔县数据局" in row.inner_text()
    shot(page, "security-waiting")
    click_link(page, row.locator("a", has_text="分配角色"))
    form = page.locator("main form")
    options = form.locator("select[name=new_role] option").all_inner_texts()
    assert "县直部门审核人" in options and "乡镇起草人" not in options  # the roles of a department only
    form.locator("select[name=new_role]").select_option(label="县直部门审核人")
    shot(page, "security-role")
    submit(page, form)
    assert page.locator("#account-role").inner_text().strip() == "县直部门审核人"

    # ---- the new user: the temporary password first
    sign_in(page, "jimsar-data", temporary)
    assert page.url.endswith("/auth/password")
    assert page.locator("#temporary-password-notice").is_visible()
    page.goto("/", wait_until="load")
    assert page.url.endswith("/auth/password")  # nothing else before the password is changed
    shot(page, "user-must-change")
    form = page.locator("section.login form")
    form.locator("input[name=current_password]").fill(temporary)
    form.locator("input[name=new_password]").fill(NEW_PASSWORD)
    form.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    submit(page, form)
    assert page.locator("h1").inner_text() == "乡镇履职事项清单"
    assert "县直部门审核人" in page.locator(".who").inner_text()

    # ---- the county office consults the new department on 大有镇's submitted draft
    revision_id = submitted_draft(live_server.app)
    sign_in(page, "jimsar-office", live_server.password)
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    accept = page.locator("#form-accept")
    for box in accept.locator("input[name=departments]").all():
        if box.is_checked():
            box.uncheck()
    accept.get_by_label("吉木萨尔县数据局", exact=True).check()
    submit(page, accept)
    row = page.locator('#consultations tr[data-department="吉木萨尔县数据局"]')
    assert row.get_attribute("data-state") == "pending"
    page.locator("#consultations").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "admin-office-consults-new-department.png"))
    # ... and the new department's reviewer finds it waiting for its sign-off
    sign_in(page, "jimsar-data", NEW_PASSWORD)
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    assert page.locator("#form-signoff").count() == 1

    # ---- the auditor: all of it in the log
    sign_in(page, "auditor", live_server.password)
    assert page.url.endswith("/admin/audit")
    log = page.locator("table.audit tbody").inner_text()
    for action in ("新增单位", "创建用户", "分配角色", "修改密码", "受理并征求意见"):
        assert action in log, action
    for actor in ("sysadmin", "secadmin", "jimsar-data"):
        assert actor in log, actor
    assert "哈希链校验通过" in page.locator("#verify-result").inner_text()
    shot(page, "auditor-log")
    response = page.goto("/admin/users", wait_until="load")
    assert response.status == 403
    # the expected refusals (two 403s) are the only failed requests
    problems = [p for p in context.watch.problems() if not re.match(r"403 GET .*/admin/(audit|users)$", p)]
    assert not problems, problems


def submitted_draft(app) -> int:
    """大有镇's drafter changes one item, explains it and submits (through the workflow, as the pages
    would): the county office has a draft to take in."""
    with app.app_context():
        town = db.session.scalar(select(Organisation).where(Organisation.name == "大有镇"))
        drafter = db.session.scalar(select(User).where(User.username == "dayou-drafter"))
        rev = ops.start_revision(town, drafter)
        item = next(i for i in rev.items if i.kind == "basic")
        data = {f: getattr(item, f) for f in ("category", "name")}
        data["name"] = item.name + "（含数据共享）"
        ops.edit_item(rev, drafter, item.id, data, item.lock_version, reason="按数据共享要求调整")
        db.session.commit()
        explain(rev, drafter)
        ops.fire(rev, "submit", drafter, levels=("prefecture", "region"))
        db.session.commit()
        return rev.id


PAGES = {  # who -> the pages they see, at phone width
    "sysadmin": ["/admin/orgs", "/admin/orgs?q=县", "/admin/users", "/admin/users/new", "/admin/users/import"],
    "secadmin": ["/admin/security", "/admin/security/auditor-log", "/admin/users"],
    "auditor": ["/admin/audit", "/admin/audit/verify"],
}


def accounts_sheet(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["用户名", "姓名", "单位", "邮箱"])
    ws.append(["jimsar-a1", "赵一", "昌吉回族自治州/吉木萨尔县/大有镇", "a1@example.gov.cn"])
    ws.append(["manas-a2", "钱二", "昌吉回族自治州/玛纳斯县/玛纳斯县民政局", ""])
    wb.save(path)
    return path


def test_the_administrators_pages_fit_a_phone(chromium, live_server, tmp_path):
    ctx = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True,
                               has_touch=True, device_scale_factor=2)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for who, paths in PAGES.items():
            sign_in(page, who, live_server.password)
            for path in paths:
                response = page.goto(path, wait_until="load")
                assert response.status == 200, (who, path)
                assert fits(page), (who, path)
                name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-")
                shot(page, f"phone-{who}-{name}")
        # the county's pages, reached as a user would
        sign_in(page, "sysadmin", live_server.password)
        page.goto("/admin/orgs?q=玛纳斯县", wait_until="load")
        click_link(page, page.locator("#org-search-results a", has_text=re.compile(r"玛纳斯县$")))
        assert fits(page)
        shot(page, "phone-org-county")
        click_link(page, page.locator("#registry-link"))
        assert fits(page)
        shot(page, "phone-registry")
        click_link(page, page.locator("#unmatched-link"))
        assert fits(page)
        shot(page, "phone-unmatched")
        # accounts from an Excel sheet: preview, create, the temporary passwords downloaded by the browser
        page.goto("/admin/users/import", wait_until="load")
        form = page.locator("main form")
        form.locator("input[type=file]").set_input_files(str(accounts_sheet(tmp_path / "账号.xlsx")))
        submit(page, form)
        assert "每一行都无误" in page.locator("#sheet-ok").inner_text()
        assert fits(page)
        shot(page, "phone-sheet-preview")
        submit(page, page.locator("main form").filter(has=page.locator("#confirm-button")))
        assert page.locator("#created-accounts tbody tr").count() == 2
        assert fits(page)
        shot(page, "phone-sheet-created")
        with page.expect_download() as download:
            page.locator("#download-created").click()
        rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
        assert rows[0] == ["用户名", "姓名", "单位", "临时密码"]
        assert [r[0] for r in rows[1:]] == ["jimsar-a1", "manas-a2"] and all(len(r[3]) == 14 for r in rows[1:])
        # the security administrator gives one of them a role, on the phone
        sign_in(page, "secadmin", live_server.password)
        page.goto("/admin/security", wait_until="load")
        assert fits(page)
        click_link(page, page.locator("#waiting-accounts tr[data-username=manas-a2] a", has_text="分配角色"))
        assert fits(page)
        shot(page, "phone-role")
        form = page.locator("main form")
        form.locator("select[name=new_role]").select_option(label="县直部门审核人")
        submit(page, form)
        assert fits(page)
        shot(page, "phone-account")
        assert not errors, errors
    finally:
        ctx.close()
