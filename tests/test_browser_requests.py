"""In Chromium (issue 15, done when): a county department asks for a new cooperative item for 大有镇 (职责准入); the
county office finds it in its inbox and accepts; the township finds its draft marked 根据调整申请 #N, completes and
submits it; the review runs to publication (through workflow.operations: tests/test_browser.py clicks that
part); the prefecture acknowledges the filing; then, without signing in, the portal shows version 2 and what
changed, at a desktop's width and a phone's. The 准入 register links the request to the item it added.
Screenshots in test-artifacts/requests-*.png."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import AdjustmentRequest, Organisation, OrgKind, Revision, Role, User
from tests.factories import explain
from workflow import operations as ops

from .browser import TIMEOUT_MS
from .test_browser_public import PHONE, WIDER_THAN_SCREEN
from .ui_helpers import LEVELS, click_and_wait, goto, shot, sign_in

pytestmark = pytest.mark.browser

NAME = "配合开展农民专业合作社规范提升工作"
REASON = "落实上级部署的农民专业合作社质量提升行动，需乡镇配合摸排和指导"


def _sign_out(page):
    page.context.clear_cookies()


def _complete_review(server, revision_id: int) -> None:
    """What the township completes besides the request (the imported list's flags confirmed, every change
    explained), through the operations the pages call."""
    with server.app.app_context():
        rev = db.session.get(Revision, revision_id)
        drafter = db.session.scalars(select(User).where(User.role == Role.township_drafter,
                                                        User.organisation_id == rev.township_id)).first()
        explain(rev, drafter)
        db.session.remove()


def _review_to_publication(server, revision_id: int, department: str) -> None:
    with server.app.app_context():
        rev = db.session.get(Revision, revision_id)
        county = rev.township.parent

        def user(role, org):
            return db.session.scalars(select(User).where(User.role == role, User.organisation_id == org.id)
                                      .order_by(User.id)).first()
        office = user(Role.county_office, db.session.scalars(select(Organisation).where(
            Organisation.parent_id == county.id, Organisation.kind == OrgKind.office)).one())
        dept = db.session.scalars(select(Organisation).where(Organisation.name == department)).one()
        ops.fire(rev, "accept", office, levels=LEVELS, departments=[dept.id])
        db.session.commit()
        ops.sign_off(rev, user(Role.county_department, dept), "no_opinion")
        db.session.commit()
        for event, actor, reason in (("approve", office, "同意"), ("escalate", office, ""),
                                     ("approve", user(Role.prefecture_reviewer, county.parent), "同意"),
                                     ("publish", user(Role.region_reviewer, county.parent.parent), "同意发布")):
            ops.fire(rev, event, actor, levels=LEVELS, reason=reason)
            db.session.commit()
        assert rev.status == "published"
        db.session.remove()


def test_a_department_request_goes_to_a_published_version_2_on_the_portal(page, live_server, chromium):
    server = live_server
    with server.app.app_context():
        dept_user = db.session.scalars(select(User).where(User.username == "jimsar-dept01")).one()
        department = dept_user.organisation.name
        town_id = db.session.scalars(select(Organisation.id).where(Organisation.name == "大有镇")).one()
        db.session.remove()

    # ---- the county department asks for a new cooperative item for 大有镇
    sign_in(page, server, "jimsar-dept01")
    goto(page, "/requests")
    click_and_wait(page, page.locator("#new-request"))
    if page.locator("#pick-townships").count():  # a county of several townships: pick first
        page.locator(f"#pick-townships input[value='{town_id}']").check()
        click_and_wait(page, page.locator("#pick-townships button[type=submit]"))
    form = page.locator("#request-form")
    assert "大有镇" in form.locator("#request-townships").inner_text()
    form.locator("input[name=type][value=admission]").check()
    form.locator("select[name=situation]").select_option("上级部署新增任务")
    form.locator("textarea[name=reason]").fill(REASON)
    row = form.locator("#change-0")
    row.locator("select[name='items-0-action']").select_option("add")
    row.locator("select[name='items-0-kind']").select_option("cooperative")
    row.locator("details summary").click()
    row.locator("select[name='items-0-category']").select_option("乡村振兴")
    row.locator("textarea[name='items-0-name']").fill(NAME)
    row.locator("input[name='items-0-departments_text']").fill(department)
    row.locator("textarea[name='items-0-dept_duties']").fill("1.制定合作社规范提升方案；\n2.组织业务培训。")
    row.locator("textarea[name='items-0-township_duties']").fill("1.摸排辖区合作社运行情况；\n2.协助开展规范提升指导。")
    shot(page, "requests-form-desktop", max_height=3000)
    click_and_wait(page, page.locator("#submit-request"))
    assert "已提交" in page.locator(".flash").inner_text()
    assert page.locator("#request-status").inner_text() == "待审核"
    request_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    shot(page, "requests-submitted-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    shot(page, "requests-submitted-phone", max_height=3000)
    goto(page, f"/requests/new?township={town_id}")
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    shot(page, "requests-form-phone", max_height=3000)
    page.set_viewport_size({"width": 1280, "height": 900})

    # ---- the county office: in its inbox with the time limit; it accepts
    _sign_out(page)
    sign_in(page, server, "jimsar-office")
    goto(page, "/inbox")
    pending = page.locator(f"#pending-requests-table tr[data-request='{request_id}']")
    assert pending.count() == 1 and "大有镇" in pending.inner_text()
    shot(page, "requests-office-inbox")
    click_and_wait(page, pending.locator("a").first)
    decide = page.locator("#decide-form")
    decide.locator("input[name=decision][value=accept]").check()
    decide.locator("textarea[name=reason]").fill("经审核，同意该职责准入")
    click_and_wait(page, page.locator("#decide-submit"))
    assert "已同意调整申请" in page.locator(".flash").inner_text()
    assert page.locator("#request-status").inner_text() == "准予准入"
    shot(page, "requests-accepted-desktop")

    # ---- the township: told, finds its draft marked with the request, completes and submits it
    _sign_out(page)
    sign_in(page, server, "dayou-drafter")
    goto(page, "/notifications")
    assert f"职责准入申请 #{request_id}" in page.locator("main").inner_text()
    goto(page, f"/requests/{request_id}")
    click_and_wait(page, page.locator("#request-revisions a").first)
    assert f"根据调整申请 #{request_id}" in page.locator("#from-requests").inner_text()
    assert page.locator(f"text={NAME}").count() >= 1
    revision_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    shot(page, "requests-draft-desktop", max_height=2500)
    _complete_review(server, revision_id)  # the imported list's flags confirmed (not what this test is about)
    goto(page, f"/revisions/{revision_id}")
    assert page.locator("#ready").inner_text() == "可以上报。"
    click_and_wait(page, page.locator('form[action$="/events/submit"] button[type=submit]').first)
    assert page.locator("#status").inner_text() == "已上报待受理"

    # ---- through the county (consulting the requesting department), the prefecture and the region
    _review_to_publication(server, revision_id, department)

    # ---- the prefecture acknowledges the filing
    _sign_out(page)
    sign_in(page, server, "changji-prefecture")
    goto(page, "/filings")
    row = page.locator("#filings tr[data-township='大有镇']")
    assert row.count() == 1
    click_and_wait(page, row.locator("button.acknowledge"))
    assert page.locator("#filings tr[data-township='大有镇']").get_attribute("data-status") == "acknowledged"

    # ---- the 准入 register (the office's): admitted, linking to the item it added, now published
    _sign_out(page)
    sign_in(page, server, "jimsar-office")
    goto(page, "/requests/register")
    entry = page.locator(f"#admissions tr[data-request='{request_id}']")
    assert "准予准入" in entry.inner_text()
    shot(page, "requests-register-desktop")
    click_and_wait(page, entry.locator("a.added-item"))
    assert "#item-" in page.url and page.locator("#item-origins").count() == 1
    assert f"调整申请 #{request_id}" in page.locator("#item-origins").inner_text()

    # ---- anyone, without signing in: version 2 and what changed, at both widths
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        ctx = chromium.new_context(base_url=server.url, locale="zh-CN", viewport=viewport)
        ctx.set_default_timeout(TIMEOUT_MS)
        visitor = ctx.new_page()
        try:
            goto(visitor, f"/public/townships/{town_id}")
            assert "第 2 版（现行）" in visitor.locator("#version-label").inner_text()
            assert visitor.locator("#table-cooperative").filter(has_text=NAME).count() == 1
            assert visitor.evaluate(WIDER_THAN_SCREEN) == [], label
            shot(visitor, f"requests-public-township-{label}", max_height=2500)
            click_and_wait(visitor, visitor.locator("#changes-link"))
            section = visitor.locator("#version-2")
            assert section.locator("tr.diff-added").filter(has_text=NAME).count() == 1
            assert REASON not in visitor.content() and "调整申请" not in visitor.content()
            assert visitor.evaluate(WIDER_THAN_SCREEN) == [], label
            shot(visitor, f"requests-public-changes-{label}", max_height=2500)
        finally:
            ctx.close()
    assert page.context.watch.problems() == []
    with server.app.app_context():
        assert db.session.get(AdjustmentRequest, request_id).status == "accepted"
        db.session.remove()
