"""Real-browser tests (Chromium through Playwright) over a live server with the demo data.

Only the pages are used: sign-in form, links, buttons and the forms the templates render.
The server runs on SQLite only (see tests/browser.py); the database-backend matrix is covered by
the test-client tests.
"""
from __future__ import annotations

import re

import pytest

from .browser import ARTIFACTS, assert_clean, click_link, goto, sign_in, submit

pytestmark = pytest.mark.browser

TOWNSHIPS = {  # township -> (prefecture, county)
    "大有镇": ("昌吉回族自治州", "吉木萨尔县"),
    "六户地镇": ("昌吉回族自治州", "玛纳斯县"),
    "阿合奇镇": ("克孜勒苏柯尔克孜自治州", "阿合奇县"),
    "大南沟乌孜别克族乡": ("昌吉回族自治州", "木垒哈萨克自治县"),
    "奇台镇": ("昌吉回族自治州", "奇台县"),
}


# ------------------------------------------------------------------ helpers ----
def flash(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def inbox_text(page) -> str:
    click_link(page, page.locator("header nav a", has_text="待办"))
    return page.locator("main").inner_text()


def open_task(page, township="大有镇"):
    """From the inbox, open the revision of the township."""
    row = page.locator("table.inbox tbody tr").filter(has=page.locator("td", has_text=township))
    click_link(page, row.locator("a").first)


def status(page) -> str:
    return page.locator("#status").inner_text().strip()


def event_form(page, event):
    return page.locator(f'form[data-event="{event}"]')


def exact(text):
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def draft_row(page, kind, name):
    """The row of an item in the draft's table of a kind, by its exact name."""
    return page.locator(f"#draft table.{kind} tbody tr").filter(
        has=page.locator("td", has_text=exact(name)))


def table_rows(page, kind, name):
    """Rows of a published list's table (township / version page) whose name cell reads `name`."""
    return page.locator(f"#table-{kind} tbody tr").filter(has=page.locator("td", has_text=exact(name)))


# ------------------------------------------------------------------ reading ----
def test_sign_in_and_read_three_tables(page, context, live_server):
    # an anonymous visitor is sent to the login form; signing in leads to the townships list
    page.goto("/", wait_until="load")
    assert "/auth/login" in page.url
    sign_in(page, live_server, "aheqi-drafter")
    assert page.locator("h1").inner_text() == "乡镇履职事项清单"

    # all five townships, grouped by prefecture (h2 of the section) and county (h3 before the table)
    placed = page.evaluate("""() => [...document.querySelectorAll('table.townships tbody td:first-child a')]
        .map(a => {
            const table = a.closest('table');
            let h3 = table.previousElementSibling;
            while (h3 && h3.tagName !== 'H3') h3 = h3.previousElementSibling;
            return [a.innerText.trim(), a.closest('section.prefecture').querySelector('h2').innerText.trim(),
                    h3 ? h3.innerText.trim() : null];
        })""")
    assert {t: (p, c) for t, p, c in placed} == TOWNSHIPS
    assert len(placed) == len(TOWNSHIPS)

    click_link(page, page.get_by_role("link", name="阿合奇镇", exact=True))
    assert page.locator("h1").inner_text().endswith("履职事项清单")
    assert "阿合奇镇" in page.locator(".crumbs").inner_text()

    for kind, n in (("basic", 119), ("cooperative", 127), ("withdrawn", 63)):
        section = page.locator(f"section#table-{kind}")
        assert section.count() == 1, kind
        assert section.locator("table tbody tr").count() == n, kind
        assert section.locator("table thead tr").count() == 1, kind
    summary = page.locator("#summary")
    assert summary.locator("h2").inner_text() == "说明"
    assert summary.locator(".total").inner_text() == "309"
    assert "共有履职事项 309 项" in summary.inner_text()

    # what the reader sees: no markup as text, no header rows repeated inside the bodies
    texts = page.locator("table.duty").evaluate_all("ts => ts.map(t => t.innerText)")
    assert len(texts) == 3
    for text in texts:
        for tag in ("<li>", "<ol>", "<p>", "</li>", "&lt;"):
            assert tag not in text
    header_like = page.evaluate("""() => [...document.querySelectorAll('table.duty tbody tr')]
        .map(tr => [...tr.cells].slice(0, 3).map(td => td.innerText.trim()))
        .filter(c => c.includes('序号') || c.includes('事项类别') || c.includes('事项名称'))""")
    assert header_like == []

    # the steps of a cooperative item are list items
    first = page.locator("#table-cooperative tbody tr").first
    duty_cells = first.locator("td").nth(4), first.locator("td").nth(5)
    for cell in duty_cells:
        steps = cell.locator("ol.steps > li")
        assert steps.count() >= 1
        assert steps.first.is_visible()
    rows_with_steps = page.locator("#table-cooperative tbody tr").filter(has=page.locator("ol.steps li")).count()
    assert rows_with_steps >= 120  # nearly all of the 127

    # nothing from another origin (no CDN): every script, stylesheet and image is ours
    origin = live_server.url
    refs = page.evaluate("""() => [
        ...[...document.querySelectorAll('script')].map(s => s.src ? new URL(s.src, location.href).origin : location.origin),
        ...[...document.querySelectorAll('link')].map(l => new URL(l.href, location.href).origin),
        ...[...document.querySelectorAll('img')].map(i => new URL(i.src, location.href).origin)]""")
    assert refs, "the page has no stylesheet?"
    assert set(refs) == {origin}
    assert page.evaluate("getComputedStyle(document.querySelector('table.duty')).borderCollapse") == "collapse", \
        "app.css did not load"
    assert_clean(context)


# ------------------------------------------------------------------ the review cycle ----
EDITED_BASIC = "负责本镇政府信息公开工作"
EDITED_BASIC_NEW = "负责本镇政府信息公开工作，按季度更新政务公开栏和网站信息"
MOVED = "开展农牧业防灾减灾工作"
AGRI = "吉木萨尔县农业农村局"
EMERGENCY = "吉木萨尔县应急管理局"
RECEIVING = (f"{AGRI}：负责防灾减灾资金和救灾物资的分配、审核与发放。\n"
             f"{EMERGENCY}：负责灾情核查与统计。")
ADDED = "负责本镇党建联建工作，推动驻镇单位与村党组织结对共建"
REMOVED = "加强基层阵地建设，优化提升服务功能"


def test_whole_review_cycle_in_the_browser(page, context, live_server):
    server = live_server
    agri_user = server.username_for(AGRI, "county_department")
    emergency_user = server.username_for(EMERGENCY, "county_department")

    # ---- the township drafter starts a revision and edits two items
    sign_in(page, server, "dayou-drafter")
    click_link(page, page.get_by_role("link", name="大有镇", exact=True))
    assert page.locator(".version-bar").inner_text().startswith("第 1 版")
    township_url = page.url
    submit(page, page.locator("form.start-revision").filter(has_text="发起修订"))
    assert re.search(r"/revisions/\d+$", page.url)
    revision_url = page.url
    assert status(page) == "起草中" and "已创建修订稿" in flash(page)

    click_link(page, draft_row(page, "basic", EDITED_BASIC).get_by_role("link", name="编辑"))
    form = page.locator("form.item-form")
    assert form.locator("select[name=kind]").input_value() == "basic"
    form.locator("textarea[name=name]").fill(EDITED_BASIC_NEW)
    form.locator("textarea[name=reason]").fill("按县政务公开要求写明公开频次")
    submit(page, form)
    assert "已保存" in flash(page)
    assert draft_row(page, "basic", EDITED_BASIC_NEW).count() == 1

    click_link(page, draft_row(page, "cooperative", MOVED).get_by_role("link", name="编辑"))
    form = page.locator("form.item-form")
    form.locator("select[name=kind]").select_option(label="上级部门收回事项")
    form.locator("textarea[name=receiving]").fill(RECEIVING)
    form.locator("textarea[name=reason]").fill("该事项由县农业农村局直接承接")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "item-form-move.png"), full_page=True)
    submit(page, form)
    assert "已保存" in flash(page)
    assert draft_row(page, "cooperative", MOVED).count() == 0
    assert draft_row(page, "withdrawn", MOVED).count() == 1
    changes = page.locator("#changes")
    assert changes.locator("h2").inner_text().startswith("与第 1 版相比的修改")
    edited = changes.locator("tbody tr[data-kinds~=changed]").filter(has_text=EDITED_BASIC_NEW)
    assert edited.count() == 1 and "按县政务公开要求写明公开频次" in edited.inner_text()
    moved = changes.locator("tbody tr[data-kinds~=moved]")
    assert moved.count() == 1 and MOVED in moved.inner_text()
    assert "调整清单" in moved.inner_text() and "该事项由县农业农村局直接承接" in moved.inner_text()

    # add one item and delete another: the numbering then has a gap until it is renumbered
    click_link(page, page.get_by_role("link", name="新增基本履职事项"))
    form = page.locator("form.item-form")
    form.locator("select[name=category]").select_option("党的建设")
    form.locator("textarea[name=name]").fill(ADDED)
    form.locator("textarea[name=reason]").fill("新增党建联建职责")
    submit(page, form)
    assert draft_row(page, "basic", ADDED).count() == 1
    row = draft_row(page, "basic", REMOVED)
    row.locator("details.delete summary").click()
    row.locator("textarea[name=reason]").fill("并入阵地建设相关事项")
    submit(page, row.locator("form").filter(has_text="确认删除"))
    assert draft_row(page, "basic", REMOVED).count() == 0
    assert "序号不连续" in page.locator("#problems").inner_text()
    submit(page, page.locator("form").filter(has_text="重新编号"))
    # what the importer was unsure of in the published list is the last blocker: confirmed with a reason
    problems = page.locator("#problems").inner_text()
    assert "有待处理的提示" in problems and "可以上报" not in problems, problems
    flag = page.locator("#flags li").first
    flag.locator("textarea[name=reason]").fill("已核对原件，第 6 步原文即缺")
    submit(page, flag.locator("form"))
    assert "已确认保留" in flash(page)
    assert page.locator("#ready").inner_text() == "可以上报。"

    submit(page, event_form(page, "submit"))
    assert status(page) == "已上报待受理"

    # ---- the county office takes it in and consults two departments
    sign_in(page, server, "jimsar-office")
    assert "待受理" in inbox_text(page)
    open_task(page)
    accept = page.locator('form[action$="/events/accept"]')
    chosen = [accept.get_by_label(dept, exact=True) for dept in (AGRI, EMERGENCY)]
    for box in chosen:
        assert box.is_checked(), "the departments named by the moved item are pre-selected"
    # consult exactly these two: untick whatever else was pre-selected
    # (today every department named by a merely renumbered item is pre-selected too: 27 of 37)
    assert accept.locator("input[name=departments]:checked").count() >= 2
    for box in accept.locator("input[name=departments]").all():
        if box.is_checked():
            box.uncheck()
    for box in chosen:
        box.check()
    assert accept.locator("input[name=departments]:checked").count() == 2
    accept.locator("input[name=deadline]").fill("2099-12-31")
    accept.screenshot(path=str(ARTIFACTS / "office-accept.png"))
    submit(page, accept)
    assert status(page) == "县级审核中"
    consult = page.locator("#consultations").inner_text()
    assert AGRI in consult and EMERGENCY in consult and "2099-12-31" in consult

    # ---- each department reads what concerns it, gives an opinion and signs off
    for user, on_item in ((agri_user, True), (emergency_user, False)):
        sign_in(page, server, user)
        assert "待提出意见并签署" in inbox_text(page)
        open_task(page)
        heading = page.locator("#changes h2").inner_text()
        assert heading.startswith("与第 1 版相比的修改") and "涉及本部门 1 项" in heading, heading
        moved = page.locator("#changes tbody tr[data-kinds~=moved]")
        assert moved.count() == 1 and MOVED in moved.inner_text() and "涉及本部门" in moved.inner_text()
        # the change that names the department comes first; the whole draft is there too
        assert page.locator("#changes tbody tr").first.get_attribute("class") == "concerns-me"
        assert page.locator("#draft").count() == 1
        if on_item:
            page.screenshot(path=str(ARTIFACTS / "department-view.png"))
            form = moved.locator("form.opinion-form")
            form.locator("textarea[name=body]").fill("请写明资金发放的时限和公示要求")
        else:
            form = page.locator("#opinion-whole form")
            form.locator("textarea[name=body]").fill("同意调整，建议在说明中注明灾情统计由应急管理局负责")
        submit(page, form)
        assert "意见已提交" in flash(page)
        signoff = page.locator('form[action$="/signoff"]')
        signoff.get_by_label("有意见").check()
        submit(page, signoff)
        assert "本部门已签署本轮意见（有意见）" in flash(page)
        assert page.locator('form[action$="/signoff"]').count() == 0
    assert page.locator("#consultations").inner_text().count("已签署") == 2

    # ---- the office returns the draft with a reason
    sign_in(page, server, "jimsar-office")
    assert "部门意见已齐" in inbox_text(page)
    open_task(page)
    form = event_form(page, "return_for_revision")
    form.locator("textarea[name=reason]").fill("请按部门意见修改后再报")
    submit(page, form)
    assert status(page) == "已退回修改"

    # ---- the township answers every opinion and submits again
    sign_in(page, server, "dayou-drafter")
    assert "待答复意见 2 条" in inbox_text(page)
    open_task(page)
    # the return reason and the open opinions are at the top, answered on one form in one submit
    assert "请按部门意见修改后再报" in page.locator("#returned").inner_text()
    answers = page.locator("#answers form")
    assert answers.locator("fieldset.answer-block").count() == 2
    for block in answers.locator("fieldset.answer-block").all():
        block.locator("select").select_option(label="采纳")
        block.locator("textarea").fill("已采纳，在修订说明中写明")
    submit(page, answers)
    assert "已答复 2 条意见" in flash(page)
    assert page.locator("article.opinion.unanswered").count() == 0
    assert page.locator("#opinions .badge", has_text="采纳").count() == 2
    form = event_form(page, "submit")
    form.locator("textarea[name=reason]").fill("已按意见修改")
    submit(page, form)
    assert status(page) == "已上报待受理" and page.locator("#round").inner_text() == "2"

    # ---- the office accepts again, approves and sends it up
    sign_in(page, server, "jimsar-office")
    assert "第 2 轮上报，待受理" in inbox_text(page)
    open_task(page)
    submit(page, page.locator('form[action$="/events/accept"]'))
    assert status(page) == "县级审核中"
    # nothing changed since both departments signed round 1: their sign-offs carry over, each noted
    consult = page.locator("#consultations").inner_text()
    assert consult.count("沿用第 1 轮签署") == 2, consult
    assert page.locator("#timeline li[data-action=signoff_carried]").count() == 2
    form = event_form(page, "approve")
    form.locator("textarea[name=reason]").fill("部门意见均已答复，同意")
    submit(page, form)
    assert status(page) == "县级审核通过"
    submit(page, event_form(page, "escalate"))
    assert status(page) == "州级审核中"

    # ---- the prefecture approves, the region approves and publishes
    sign_in(page, server, "changji-prefecture")
    assert "待州级审核" in inbox_text(page)
    open_task(page)
    form = event_form(page, "approve")
    form.locator("textarea[name=reason]").fill("州级审核同意")
    submit(page, form)
    assert status(page) == "自治区审核中"

    sign_in(page, server, "xj-region")
    assert "待自治区审核" in inbox_text(page)
    open_task(page)
    form = event_form(page, "publish")
    form.locator("textarea[name=reason]").fill("同意发布")
    submit(page, form)
    assert page.url == revision_url
    assert status(page) == "已发布"
    assert page.locator("#actions").count() == 0
    version_link = page.locator(".status-bar a", has_text="第 2 版")
    assert version_link.count() == 1
    timeline = page.locator("#timeline").inner_text()
    for said in ("同意发布", "州级审核同意", "请按部门意见修改后再报"):
        assert said in timeline
    page.screenshot(path=str(ARTIFACTS / "revision-published.png"), full_page=True)
    page.locator("#opinions").screenshot(path=str(ARTIFACTS / "revision-published-opinions.png"))
    page.locator("#changes tbody tr[data-kinds~=moved]").screenshot(
        path=str(ARTIFACTS / "revision-published-moved-item.png"))

    # ---- version 2 is the township's list now
    click_link(page, version_link)
    version2_url = page.url
    goto(page, township_url)
    assert page.locator(".version-bar").inner_text().startswith("第 2 版")
    assert table_rows(page, "withdrawn", MOVED).count() == 1
    assert table_rows(page, "cooperative", MOVED).count() == 0
    withdrawn_row = table_rows(page, "withdrawn", MOVED).inner_text()
    assert AGRI in withdrawn_row and "负责防灾减灾资金和救灾物资的分配" in withdrawn_row
    assert table_rows(page, "basic", EDITED_BASIC_NEW).count() == 1
    assert table_rows(page, "basic", EDITED_BASIC).count() == 0
    assert page.locator("#summary .total").inner_text() == "240"
    page.screenshot(path=str(ARTIFACTS / "township-version-2.png"), full_page=True)
    goto(page, version2_url)
    assert page.locator(".version-bar").inner_text().startswith("第 2 版")

    # ---- the history lists both versions; the difference shows every kind of change
    goto(page, township_url)
    click_link(page, page.get_by_role("link", name="版本历史"))
    history = page.locator("table.history").inner_text()
    assert "第 2 版" in history and "第 1 版" in history and "自治区级" in history and "州级" in history
    click_link(page, page.get_by_role("link", name="与上一版比较"))
    rows = page.locator("table.diff tbody tr")
    changed = rows.filter(has_text=EDITED_BASIC_NEW)
    assert "changed" in changed.get_attribute("data-kinds")
    assert changed.locator("ins").first.inner_text() in EDITED_BASIC_NEW  # inserted characters marked
    assert "，按季度更新政务公开栏和网站信息" in changed.locator("ins").all_inner_texts()
    assert "moved" in rows.filter(has_text=MOVED).get_attribute("data-kinds")
    assert rows.filter(has_text=ADDED).get_attribute("data-kinds") == "added"
    assert rows.filter(has_text=REMOVED).get_attribute("data-kinds") == "removed"
    assert "并入阵地建设相关事项" in rows.filter(has_text=REMOVED).inner_text()
    page.screenshot(path=str(ARTIFACTS / "diff-v1-v2.png"), full_page=True)
    only_withdrawn = page.url + "&kind=withdrawn"
    goto(page, only_withdrawn)
    assert page.locator("table.diff tbody tr").filter(has_text=MOVED).count() == 1
    assert page.locator("table.diff tbody tr").filter(has_text=ADDED).count() == 0

    # ---- version 1 is still readable at its own link, as it was
    goto(page, township_url)
    click_link(page, page.locator(".version-bar a", has_text="第 1 版"))
    assert re.search(r"/versions/\d+$", page.url)
    assert page.locator(".version-bar").inner_text().startswith("第 1 版")
    assert table_rows(page, "basic", EDITED_BASIC).count() == 1
    assert table_rows(page, "basic", EDITED_BASIC_NEW).count() == 0
    assert table_rows(page, "cooperative", MOVED).count() == 1
    assert table_rows(page, "withdrawn", MOVED).count() == 0
    assert_clean(context)
