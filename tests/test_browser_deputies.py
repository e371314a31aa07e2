"""Deputies (代理) in Chromium at desktop width, over the demo data: 吉木萨尔县委编办's reviewer names a
colleague deputy on the 代理 page; the deputy takes in (受理) 大有镇's submitted draft; the revision page's
history, the audit log and the 代理 page name both people (张三（代李四）). Screenshots in test-artifacts/."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import Organisation, Role, User
from dutylist.services import passwords
from workflow import operations as ops

from .browser import ARTIFACTS
from .factories import explain
from .test_browser_a11y import axe_violations
from .test_browser_admin import click_link, sign_in, submit

pytestmark = pytest.mark.browser


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"deputy-{name}.png"), full_page=True)


def prepare(server):
    """A second reviewer in the county office, and 大有镇's draft submitted (as the township would)."""
    with server.app.app_context():
        office = db.session.scalar(db.select(Organisation).where(Organisation.name == "吉木萨尔县委编办"))
        town = db.session.scalar(db.select(Organisation).where(Organisation.name == "大有镇"))
        deputy = User(username="jimsar-office-2", display_name="张三", role=Role.county_office, organisation=office)
        passwords.set_password(deputy, server.password)
        db.session.add(deputy)
        drafter = db.session.scalar(db.select(User).where(User.organisation_id == town.id,
                                                           User.role == Role.township_drafter))
        principal = db.session.scalar(db.select(User).where(User.username == "jimsar-office"))
        principal.display_name = "李四"
        rev = ops.start_revision(town, drafter)
        explain(rev, drafter)  # the import's flags confirmed, as the township does before submitting
        ops.fire(rev, "submit", drafter, levels=("prefecture", "region"))
        db.session.commit()
        return rev.id


def test_a_deputy_takes_in_a_draft_and_both_people_are_named(page, live_server):
    revision_id = prepare(live_server)
    today = clock.today()

    # ---- 李四 names 张三 deputy for a week
    sign_in(page, "jimsar-office", live_server.password)
    click_link(page, page.locator("header nav a#nav-deputies"))
    form = page.locator("#form-deputy")
    form.locator("select[name=deputy]").select_option(label="张三（jimsar-office-2）")
    form.locator("input[name=starts_on]").fill(today.isoformat())
    form.locator("input[name=ends_on]").fill((today + timedelta(days=6)).isoformat())
    submit(page, form)
    assert "已指定张三为代理人" in page.locator(".flash").inner_text()
    assert "生效中" in page.locator("#my-deputies").inner_text()
    shot(page, "named")
    assert axe_violations(page) == []

    # ---- 张三 signs in: the header says whom they act for; the revision page says how it will read
    sign_in(page, "jimsar-office-2", live_server.password)
    assert "代理：李四" in page.locator("#acting-for").inner_text()
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    assert "您正在代理李四" in page.locator("#acting-note").inner_text()
    page.screenshot(path=str(ARTIFACTS / "deputy-acting-note.png"))  # the top of the page, as the deputy sees it
    assert axe_violations(page) == []  # the header's 代理 badge and the notice read well (contrast)
    accept = page.locator('form[action$="/events/accept"]')
    for box in accept.locator("input[name=departments]").all():
        if box.is_checked():
            box.uncheck()
    accept.locator("textarea[name=no_consultation_reason]").fill("本轮修改不涉及县直部门职责")
    submit(page, accept)
    assert page.locator("#status").inner_text() == "县级审核中"
    taken = page.locator('li[data-action="accept"]')
    assert "jimsar-office-2（代jimsar-office）" in taken.inner_text()
    page.locator("#timeline").screenshot(path=str(ARTIFACTS / "deputy-revision-history.png"))
    shot(page, "revision")

    # ---- the auditor: the log names both, and filtering by the principal finds the entry
    sign_in(page, "auditor", live_server.password)
    page.goto("/admin/audit?user=jimsar-office&action=accept", wait_until="load")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and "jimsar-office-2（代jimsar-office）" in rows.first.inner_text()
    shot(page, "audit-log")

    # ---- 李四 withdraws the deputyship: 张三 acts for no one any more
    sign_in(page, "jimsar-office", live_server.password)
    page.goto("/deputies", wait_until="load")
    submit(page, page.locator("#my-deputies form").first)
    assert "已撤回" in page.locator("#my-deputies").inner_text()
    sign_in(page, "jimsar-office-2", live_server.password)
    assert page.locator("#acting-for").count() == 0
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    assert page.locator("#acting-note").count() == 0
    shot(page, "withdrawn")


def test_the_office_reassigns_a_departments_consultation(page, live_server):
    """The office gives 吉木萨尔县民政局's pending consultation to a named reviewer of it; the revision
    page shows who handles it."""
    with live_server.app.app_context():
        civil = db.session.scalar(db.select(Organisation).where(Organisation.name == "吉木萨尔县民政局"))
        town = db.session.scalar(db.select(Organisation).where(Organisation.name == "大有镇"))
        colleague = User(username="jimsar-civil-2", display_name="赵干事", role=Role.county_department,
                         organisation=civil)
        passwords.set_password(colleague, live_server.password)
        db.session.add(colleague)
        drafter = db.session.scalar(db.select(User).where(User.organisation_id == town.id,
                                                           User.role == Role.township_drafter))
        office = db.session.scalar(db.select(User).where(User.username == "jimsar-office"))
        rev = ops.start_revision(town, drafter)
        explain(rev, drafter)
        levels = ("prefecture", "region")
        ops.fire(rev, "submit", drafter, levels=levels)
        ops.fire(rev, "accept", office, levels=levels, departments=[civil.id],
                 deadline=clock.today() + timedelta(days=10))
        db.session.commit()
        revision_id = rev.id
    sign_in(page, "jimsar-office", live_server.password)
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    row = page.locator('#consultations tr[data-department="吉木萨尔县民政局"]')
    row.locator("details.reassign summary").click()
    form = row.locator("form.consultation-reassign")
    form.locator("select[name=assignee]").select_option(label="赵干事（jimsar-civil-2）")
    submit(page, form)
    assert "已改派吉木萨尔县民政局的经办人：赵干事" in page.locator(".flash").inner_text()
    row = page.locator('#consultations tr[data-department="吉木萨尔县民政局"]')
    assert "经办人：赵干事" in row.inner_text()
    page.locator("#consultations").screenshot(path=str(ARTIFACTS / "deputy-reassigned.png"))
    # the department's other reviewer no longer has the sign-off on the page; 赵干事 has
    sign_in(page, live_server.username_for("吉木萨尔县民政局", "county_department"), live_server.password)
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    assert page.locator('form[action$="/signoff"]').count() == 0
    sign_in(page, "jimsar-civil-2", live_server.password)
    page.goto(f"/revisions/{revision_id}", wait_until="load")
    assert page.locator('form[action$="/signoff"]').count() == 1
