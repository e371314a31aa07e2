"""The consultation in a real browser: intake refused without a department, a consulted department that
no changed item names reads the whole draft and comments on an item, approval refused while it is
silent, its deadline passed (the clock moved, not the database), recorded as lapsed, then approved;
the history (操作记录) and the 意见汇总表 show the lapse."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dutylist import clock

from .browser import goto, shot, sign_in, submit
from .test_browser import EDITED_BASIC, EDITED_BASIC_NEW, draft_row, event_form, flash, status

pytestmark = pytest.mark.browser

EMERGENCY = "吉木萨尔县应急管理局"  #: named by no item the draft changes
LAPSE_REASON = "多次电话催告未反馈，按规定视为无意见"


@pytest.fixture
def real_clock():
    """Whatever the test does to the clock, the next test gets the real date back."""
    yield
    clock.set_today(None)


def form_error(form) -> str:
    return " ".join(form.locator(".form-error").all_inner_texts())


def test_a_silent_department_lapses_after_its_deadline_and_the_office_approves(page, context, live_server,
                                                                                real_clock):
    server = live_server
    dept_user = server.username_for(EMERGENCY, "county_department")

    # ---- the township drafter edits one item (naming no department), explains it and submits
    sign_in(page, server, "dayou-drafter")
    goto(page, "/")
    page.get_by_role("link", name="大有镇", exact=True).click()
    page.wait_for_load_state("load")
    submit(page, page.locator("form.start-revision").filter(has_text="发起修订"))
    revision_url = page.url
    edit = draft_row(page, "basic", EDITED_BASIC).get_by_role("link", name="编辑")
    with page.expect_navigation(wait_until="load"):
        edit.click()
    form = page.locator("form.item-form")
    form.locator("textarea[name=name]").fill(EDITED_BASIC_NEW)
    form.locator("textarea[name=reason]").fill("按县政务公开要求写明公开频次")
    submit(page, form)
    assert "已保存" in flash(page)
    while page.locator("#flags li").count():  # what the importer was unsure of, checked first
        flag = page.locator("#flags li").first
        flag.locator("textarea[name=reason]").fill("已核对原件")
        submit(page, flag.locator("form"))
    assert page.locator("#ready").inner_text() == "可以上报。"
    submit(page, event_form(page, "submit"))
    assert status(page) == "已上报待受理"

    # ---- the county office: an intake with no department and no reason is refused in place
    sign_in(page, server, "jimsar-office")
    goto(page, revision_url)
    accept = event_form(page, "accept")
    for box in accept.locator("input[name=departments]").all():
        if box.is_checked():
            box.uncheck()
    deadline = clock.today() + timedelta(days=3)
    accept.locator("input[name=deadline]").fill(deadline.isoformat())
    submit(page, accept, expect_status=400)
    accept = event_form(page, "accept")
    assert "受理须选择至少一个征求意见的部门" in form_error(accept), page.locator("main").inner_text()[:400]
    assert accept.locator("input[name=deadline]").input_value() == deadline.isoformat()  # what was typed is kept
    assert status(page) == "已上报待受理"
    shot(page, "consultation-accept-refused", max_height=1600)

    # ... then consults a department that no changed item names
    assert accept.locator("input[name=departments]:checked").count() == 0
    accept.get_by_label(EMERGENCY, exact=True).check()
    submit(page, accept)
    assert status(page) == "县级审核中"
    row = page.locator(f'#consultations tr[data-department="{EMERGENCY}"]')
    assert row.get_attribute("data-state") == "pending" and "待签署" in row.inner_text()
    assert deadline.isoformat() in row.inner_text()

    # ---- the department sees the whole draft and every change, and comments on an item
    sign_in(page, server, dept_user)
    goto(page, revision_url)
    assert page.locator("#draft").count() == 1
    assert draft_row(page, "basic", EDITED_BASIC_NEW).count() == 1
    heading = page.locator("#changes h2").inner_text()
    assert heading.startswith("与第 1 版相比的修改") and "涉及本部门" not in heading, heading
    change = page.locator("#changes tbody tr[data-kinds~=changed]").filter(has_text=EDITED_BASIC_NEW)
    assert change.count() == 1
    change.locator("form.opinion-form textarea[name=body]").fill("建议写明公开栏更新的责任人")
    shot(page, "consultation-department-view", max_height=2400)
    submit(page, change.locator("form.opinion-form"))
    assert "意见已提交" in flash(page)
    assert "建议写明公开栏更新的责任人" in page.locator("#opinions").inner_text()
    # it does not sign off: its state stays pending, never shown as signed
    assert page.locator(f'#consultations tr[data-department="{EMERGENCY}"]').get_attribute("data-state") == "pending"

    # ---- the office may not approve while the department is pending; the message names it
    sign_in(page, server, "jimsar-office")
    goto(page, revision_url)
    approve = event_form(page, "approve")
    approve.locator("textarea[name=reason]").fill("同意按修订稿调整")
    submit(page, approve, expect_status=409)
    approve = event_form(page, "approve")
    message = form_error(approve)
    assert "尚未签署" in message and EMERGENCY in message, message
    assert approve.locator("textarea[name=reason]").input_value() == "同意按修订稿调整"
    assert status(page) == "县级审核中"
    row = page.locator(f'#consultations tr[data-department="{EMERGENCY}"]')
    assert row.locator("summary", has_text="记为逾期视为无意见").count() == 0  # not before the deadline

    # ---- the deadline passes (the clock moves; the database is not touched)
    clock.set_today(deadline + timedelta(days=1))
    goto(page, revision_url)
    row = page.locator(f'#consultations tr[data-department="{EMERGENCY}"]')
    assert "已逾期" in row.inner_text()
    row.locator("summary", has_text="记为逾期视为无意见").click()
    lapse = row.locator('form[action$="/lapse"]')
    lapse.locator("textarea[name=reason]").fill(LAPSE_REASON)
    submit(page, lapse)
    assert "已记为逾期未反馈，视为无意见" in flash(page)
    row = page.locator(f'#consultations tr[data-department="{EMERGENCY}"]')
    assert row.get_attribute("data-state") == "lapsed"
    assert "逾期未反馈，视为无意见" in row.inner_text() and LAPSE_REASON in row.inner_text()

    approve = event_form(page, "approve")
    approve.locator("textarea[name=reason]").fill("部门逾期未反馈视为无意见，同意")
    submit(page, approve)
    assert status(page) == "县级审核通过"

    # ---- the history of the revision shows the lapse, with its reason
    lapsed = page.locator("#timeline li[data-action=consultation_lapse]")
    assert lapsed.count() == 1
    text = lapsed.inner_text()
    assert "逾期未反馈，视为无意见" in text and EMERGENCY in text and LAPSE_REASON in text, text
    shot(page, "consultation-approved-after-lapse", max_height=3000)

    # ---- and so does the 意见汇总表, with the department's opinion
    page.locator("#summary-link").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().endswith("意见汇总表")
    dept = page.locator(f'table.departments tr[data-department="{EMERGENCY}"]')
    assert dept.count() == 1
    assert "逾期未反馈，视为无意见" in dept.inner_text() and LAPSE_REASON in dept.inner_text()
    opinions = page.locator("table.opinions tbody").inner_text()
    assert "建议写明公开栏更新的责任人" in opinions and EMERGENCY in opinions
    shot(page, "consultation-summary")

    # the only failed requests were the two refusals the test asked for
    refused = [p for p in context.watch.problems() if not p.startswith(("400 POST", "409 POST"))]
    assert not refused, refused
    assert len(context.watch.server_errors) == 2, context.watch.server_errors
