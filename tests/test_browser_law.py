"""Issue 14's "done when", in a real browser over the demo data: the office adds a basis, the 大有镇 drafter cites
it on two items, version 2 is published; the office marks the basis repealed; the dashboard shows 2 flagged items
in 吉木萨尔县; one action opens the adjustment draft; submitting is refused until both items are changed or
confirmed; the history shows the whole story. Screenshots at 1280 px and 390 px go to test-artifacts/.

The review moves between the drafter's submission and publication (accept, approve, escalate, approve, publish)
are made on the server through workflow.operations, as tests/ui_helpers.py does: tests/test_browser.py clicks
through them already.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Revision, Role, User, Version
from dutylist.services import snapshot
from workflow import operations as ops

from .browser import ARTIFACTS
from .factories import NO_CONSULTATION
from .test_browser import click_link, draft_row, event_form, flash, goto, sign_in, status, submit

pytestmark = pytest.mark.browser

LAW = "中华人民共和国老年人权益保障法"
LEVELS = ("prefecture", "region")


def shots(page, name):
    """The page at 1280 px and at 390 px (a phone), whole."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in (("desktop", 1280), ("phone", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        height = page.evaluate("document.documentElement.scrollHeight")  # a 100-item draft is very tall
        page.screenshot(path=str(ARTIFACTS / f"law-{name}-{label}.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": width, "height": min(height, 3000)})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{name}: the page is {width} px wide on a 390 px phone"


def review_to_publication(server, revision_id: int) -> int:
    """Accept (no department), approve, escalate, approve, publish: the version's number."""
    with server.app.app_context():
        rev = db.session.get(Revision, revision_id)
        town = rev.township
        office = db.session.scalars(select(User).join(Organisation, User.organisation_id == Organisation.id).where(
            Organisation.parent_id == town.parent_id, Organisation.kind == OrgKind.office,
            User.role == Role.county_office)).first()
        prefecture = db.session.scalars(select(User).where(User.role == Role.prefecture_reviewer,
                                                           User.organisation_id == town.parent.parent_id)).first()
        region = db.session.scalars(select(User).where(User.role == Role.region_reviewer)).first()
        for event, actor, reason in (("accept", office, ""), ("approve", office, "同意"), ("escalate", office, ""),
                                     ("approve", prefecture, "同意"), ("publish", region, "同意发布")):
            extra = {"no_consultation_reason": NO_CONSULTATION} if event == "accept" else {}
            ops.fire(rev, event, actor, levels=LEVELS, reason=reason, **extra)
            db.session.commit()
        number = db.session.get(Version, rev.published_version_id).number
        db.session.remove()
    return number


def two_items(server) -> list[tuple[str, str]]:
    """(table, name) of two items of 大有镇's list: its first cooperative and its first withdrawn item."""
    with server.app.app_context():
        town = db.session.scalars(select(Organisation).where(Organisation.name == "大有镇")).one()
        entries = snapshot.read_entries(snapshot.current_version(town.id))
        db.session.remove()
    return [next((e["kind"], e["name"]) for e in entries if e["kind"] == kind) for kind in ("cooperative", "withdrawn")]


def test_a_repealed_law_reaches_the_list_and_is_dealt_with(page, context, live_server):
    server = live_server
    items = two_items(server)

    # ---- the county office adds the law to the library
    sign_in(page, server, "jimsar-office")
    goto(page, "/bases/new")
    form = page.locator("#basis-form")
    form.locator("[name=title]").fill(LAW)
    form.locator("[name=doc_number]").fill("主席令第七十二号")
    form.locator("[name=issuer]").fill("全国人民代表大会常务委员会")
    form.locator("[name=level]").select_option("法律")
    submit(page, form)
    assert LAW in page.locator("h1").inner_text()
    basis_url = page.url
    basis_id = int(re.search(r"/bases/(\d+)", basis_url).group(1))

    # ---- the 大有镇 drafter cites it on two items, and submits
    sign_in(page, server, "dayou-drafter")
    click_link(page, page.get_by_role("link", name="大有镇", exact=True))
    submit(page, page.locator("form.start-revision").filter(has_text="发起修订"))
    revision_url = page.url
    for kind, name in items:
        click_link(page, draft_row(page, kind, name).get_by_role("link", name="编辑"))
        form = page.locator("form.item-form")
        form.locator("textarea[name=bases]").fill(f"《{LAW}》第十条")
        form.locator("textarea[name=reason]").fill("补充实施依据")
        submit(page, form)
        assert "已保存" in flash(page), page.locator("main").inner_text()[:400]
    for flag in range(page.locator("#flags li").count()):  # what the importer was unsure of: confirmed
        li = page.locator("#flags li").first
        li.locator("textarea[name=reason]").fill("已核对原件")
        submit(page, li.locator("form"))
    assert page.locator("#ready").inner_text() == "可以上报。", page.locator("#problems").inner_text()
    submit(page, event_form(page, "submit"))
    first_revision = int(revision_url.rsplit("/", 1)[1])
    assert review_to_publication(server, first_revision) == 2

    # ---- the office marks it repealed: both items of version 2 are flagged
    sign_in(page, server, "jimsar-office")
    goto(page, basis_url)
    click_link(page, page.locator("#basis-impact-link"))
    form = page.locator("#status-form")
    form.locator("select[name=status]").select_option("repealed")
    form.locator("input[name=day]").fill("")  # refused without a date: said where it was typed, nothing written
    form.locator("textarea[name=note]").fill("由新法代替")
    submit(page, form, expect_status=400)
    assert "请填写修订或废止的日期" in page.locator("#law-problem").inner_text()
    assert page.locator("#status-form textarea[name=note]").input_value() == "由新法代替"
    context.watch.server_errors.clear()  # the 400 above was the point
    form = page.locator("#status-form")
    form.locator("input[name=day]").fill("2026-12-01")
    submit(page, form)
    assert "2 项事项已标记待调整" in flash(page)
    assert page.locator("#impact-total").inner_text() == "2"
    assert page.locator("#basis-state").inner_text().count("已废止")
    shots(page, "impact")

    # ---- the dashboard counts 2 flagged items in 吉木萨尔县
    goto(page, "/dashboard")
    row = page.locator("#law-counts tbody tr").filter(has_text="吉木萨尔县")
    assert row.locator("td").nth(1).inner_text() == "2"
    page.locator("#law-counts").screenshot(path=str(ARTIFACTS / "law-dashboard-counts.png"))
    shots(page, "dashboard")

    # ---- one action opens the adjustment draft
    goto(page, f"/bases/{basis_id}/impact")
    submit(page, page.locator("#adjust-form"))
    assert "已为 1 个乡镇发起调整：新建调整稿 1 份" in flash(page)
    click_link(page, page.locator("#impact h3 a", has_text="调整稿"))
    adjustment_url = page.url
    assert adjustment_url != revision_url and "依据已废止" in page.locator("h1").inner_text()

    # ---- the township: both items say 依据已废止; submitting is refused until each is dealt with
    sign_in(page, server, "dayou-drafter")
    goto(page, "/notifications")
    assert "依据变更" in page.locator("main").inner_text() and LAW in page.locator("main").inner_text()
    goto(page, adjustment_url)
    for kind, name in items:
        assert draft_row(page, kind, name).locator(".basis-flag").inner_text() == "依据已废止"
    problems = page.locator("#problems").inner_text()
    assert problems.count("依据已废止") == 2 and page.locator("#ready").count() == 0
    shots(page, "adjustment-draft")
    # pressing 上报 anyway: refused, with the reasons, and the draft stays where it was
    with page.expect_navigation(wait_until="load") as nav:
        event_form(page, "submit").locator("button[type=submit]").first.click()
    assert nav.value.status in (400, 409), nav.value.status
    assert "依据已废止" in page.locator("main").inner_text() and status(page) == "起草中"
    context.watch.server_errors.clear()  # that refusal was the point
    # the first item: its citation is taken out (a change)
    kind, name = items[0]
    click_link(page, draft_row(page, kind, name).get_by_role("link", name="编辑"))
    form = page.locator("form.item-form")
    form.locator("textarea[name=bases]").fill("")
    form.locator("textarea[name=reason]").fill("所依据的法律已废止，删去")
    submit(page, form)
    assert page.locator("#problems").inner_text().count("依据已废止") == 1
    # the second: kept, with the reason
    li = page.locator("#flags li").filter(has_text="依据已废止")
    li.locator("textarea[name=reason]").fill("新法第十二条仍有相同规定")
    submit(page, li.locator("form"))
    assert page.locator("#ready").inner_text() == "可以上报。", page.locator("#problems").inner_text()
    submit(page, event_form(page, "submit"))
    assert status(page) == "已上报待受理"
    adjustment_id = int(adjustment_url.rsplit("/", 1)[1])
    assert review_to_publication(server, adjustment_id) == 3

    # ---- the whole story: the draft's timeline, the history and the diff, the basis's impact now empty
    goto(page, adjustment_url)
    timeline = page.locator("#timeline").inner_text()
    for said in ("依据变更", "吉木萨尔县委编办", "依据废止后仍保留，理由：新法第十二条仍有相同规定", "所依据的法律已废止，删去"):
        assert said in timeline, (said, timeline[:1500])
    shots(page, "adjustment-published")
    goto(page, "/townships/" + re.search(r"/townships/(\d+)", page.locator(".crumbs a, a[href*='/townships/']").first
                                         .get_attribute("href")).group(1) + "/history")
    history = page.locator("main").inner_text()
    assert "第 3 版" in history and "第 2 版" in history and "第 1 版" in history
    assert "调整稿（依据已废止：《" + LAW in page.locator("#version-3").inner_text()
    # the date picker: today, version 3 is in force
    form = page.locator("#in-force-form")
    form.locator("input[name=at]").fill(page.evaluate("new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)"))
    submit(page, form)
    assert "施行的是第 3 版" in page.locator("#in-force").inner_text()
    shots(page, "history")
    sign_in(page, server, "jimsar-office")
    goto(page, f"/bases/{basis_id}/impact")
    assert page.locator("#impact-none").count() == 1
    goto(page, "/dashboard")
    assert page.locator("#law-counts").count() == 0
    assert not context.watch.problems(), context.watch.problems()
