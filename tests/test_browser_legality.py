"""The legality review (合法性审查) in a real browser, with LEGALITY_REVIEW on: the county office approves, the
吉木萨尔县司法局 reviewer concludes 需修改 with reasons, the township reads them, answers and submits again,
the office approves again, the reviewer concludes 合法, and the draft goes up to be published. Screenshots of
the reviewer's form and the township's returned draft, on a desktop and on a phone."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Revision, Role, User
from tests.factories import NO_CONSULTATION, explain
from workflow import operations as ops

from .test_browser import click_link, event_form, flash, goto, inbox_text, open_task, sign_in, status, submit
from .ui_helpers import shot

pytestmark = pytest.mark.browser

ON = ("legality", "prefecture", "region")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
REASONS = "第1项表述超出乡镇法定职权，依据《地方各级人民代表大会和地方各级人民政府组织法》第七十六条，需修改"


@pytest.fixture
def live_config():
    return {"LEGALITY_REVIEW": True}


def draft_in_county_review(server) -> int:
    """大有镇: one item reworded and explained, submitted and taken in by the office (no department consulted)."""
    with server.app.app_context():
        town = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township,
                                                             Organisation.name == "大有镇")).one()

        def user(role, org_id):
            return db.session.scalars(select(User).where(User.role == role, User.organisation_id == org_id)).first()
        drafter = user(Role.township_drafter, town.id)
        office_org = db.session.scalars(select(Organisation).where(Organisation.parent_id == town.parent_id,
                                                                   Organisation.kind == OrgKind.office)).one()
        office = user(Role.county_office, office_org.id)
        rev = ops.start_revision(town, drafter)
        db.session.flush()
        first = min((i for i in rev.items if i.kind == "basic"), key=lambda i: i.position)
        ops.edit_item(rev, drafter, first.id, {**first.fields(), "name": first.name + "，并负责村级事务监督"},
                      first.lock_version, reason="增加村级事务监督")
        db.session.commit()
        explain(rev, drafter)
        ops.fire(rev, "submit", drafter, levels=ON)
        ops.fire(rev, "accept", office, levels=ON, no_consultation_reason=NO_CONSULTATION)
        db.session.commit()
        rev_id = rev.id
        db.session.remove()
    return rev_id


def round_of(server, revision_id) -> tuple[int, int]:
    with server.app.app_context():
        rev = db.session.get(Revision, revision_id)
        out = (rev.round, rev.submissions)
        db.session.remove()
    return out


def test_legality_review_returns_then_passes_in_the_browser(page, context, live_server):
    server = live_server
    rev_id = draft_in_county_review(server)
    path = f"/revisions/{rev_id}"

    # ---- the county office approves: the draft goes to the 司法局, not up
    sign_in(page, server, "jimsar-office")
    goto(page, path)
    form = event_form(page, "approve")
    form.locator("textarea[name=reason]").fill("县级审核通过，送县司法局合法性审查")
    submit(page, form)
    assert status(page) == "合法性审查中"
    assert "修订稿正由县司法局进行合法性审查" in page.locator("#legality").inner_text()
    assert page.locator("#form-legality").count() == 0  # the office does not conclude

    # ---- the 司法局's reviewer finds it in the inbox and concludes 需修改, first forgetting the reasons
    sign_in(page, server, "jimsar-legal")
    assert "待合法性审查" in inbox_text(page)
    open_task(page)
    assert page.locator("#draft").count() == 1 and page.locator("#changes tbody tr").count() >= 1
    form = page.locator("#form-legality")
    assert "审查结论" in form.inner_text()
    for size, name in ((DESKTOP, "legality-form-desktop"), (PHONE, "legality-form-phone")):
        page.set_viewport_size(size)
        form.scroll_into_view_if_needed()
        shot(page, name, full_page=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"] + 1, f"{name}: the page scrolls sideways ({width} px)"
    page.set_viewport_size(DESKTOP)
    form.get_by_role("radio", name="需修改").check()
    submit(page, form, expect_status=400)
    form = page.locator("#form-legality")
    assert "须写明需修改的理由" in form.inner_text()
    assert form.get_by_role("radio", name="需修改").is_checked()  # what was chosen is kept
    form.locator("textarea[name=reasons]").fill(REASONS)
    submit(page, form)
    assert status(page) == "已退回修改" and "需修改" in flash(page)
    record = page.locator("#legality").inner_text()
    assert "需修改" in record and REASONS in record and "jimsar-legal" in record

    # ---- the township reads the reasons, answers them and submits again (the same county round)
    sign_in(page, server, "dayou-drafter")
    assert "合法性审查退回：待答复意见 1 条" in inbox_text(page)
    open_task(page)
    returned = page.locator("#returned")
    assert "合法性审查退回修改" in returned.inner_text() and REASONS in returned.inner_text()
    for size, name in ((DESKTOP, "legality-returned-desktop"), (PHONE, "legality-returned-phone")):
        page.set_viewport_size(size)
        shot(page, name, max_height=2400)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"] + 1, f"{name}: the page scrolls sideways ({width} px)"
    page.set_viewport_size(DESKTOP)
    answers = page.locator("#answers form")
    block = answers.locator("fieldset.answer-block")
    assert block.count() == 1 and "吉木萨尔县司法局" in block.inner_text() and REASONS in block.inner_text()
    block.locator("select").select_option(label="采纳")
    block.locator("textarea").fill("已删去超出法定职权的表述")
    submit(page, answers)
    submit(page, event_form(page, "submit"))
    assert status(page) == "已上报待受理"
    assert round_of(server, rev_id) == (1, 2)  # 需修改 did not use up a county round

    # ---- the office takes it in and approves again: back to the 司法局
    sign_in(page, server, "jimsar-office")
    goto(page, path)
    accept = page.locator('form[action$="/events/accept"]')
    for box in accept.locator("input[name=departments]").all():
        if box.is_checked():
            box.uncheck()
    accept.locator("textarea[name=no_consultation_reason]").fill(NO_CONSULTATION)
    submit(page, accept)
    form = event_form(page, "approve")
    form.locator("textarea[name=reason]").fill("已按合法性审查意见修改")
    submit(page, form)
    assert status(page) == "合法性审查中"

    # ---- 合法: the draft is approved at county level, and goes up
    sign_in(page, server, "jimsar-legal")
    goto(page, path)
    form = page.locator("#form-legality")
    form.get_by_role("radio", name="合法").check()
    form.locator("textarea[name=reasons]").fill("经审查，未发现与法律法规相抵触的内容")
    submit(page, form)
    assert status(page) == "县级审核通过"
    rows = page.locator("#legality tbody tr")
    assert rows.count() == 2 and "合法" in rows.first.inner_text() and "需修改" in rows.last.inner_text()

    sign_in(page, server, "jimsar-office")
    assert "县级已审核通过，待报送上级" in inbox_text(page)
    goto(page, path)
    submit(page, event_form(page, "escalate"))
    assert status(page) == "州级审核中"
    sign_in(page, server, "changji-prefecture")
    goto(page, path)
    form = event_form(page, "approve")
    form.locator("textarea[name=reason]").fill("州级审核同意")
    submit(page, form)
    sign_in(page, server, "xj-region")
    goto(page, path)
    form = event_form(page, "publish")
    form.locator("textarea[name=reason]").fill("同意发布")
    submit(page, form)
    assert status(page) == "已发布"
    # the record keeps both conclusions, in the timeline too
    timeline = page.locator("#timeline").inner_text()
    assert "审查结论：需修改" in timeline and "审查结论：合法" in timeline
    click_link(page, page.locator(".status-bar a", has_text="第 2 版"))
    assert "并负责村级事务监督" in page.locator("main").inner_text()
    # nothing went wrong in the browser but the one refusal the test asked for
    assert context.watch.problems() == [f"400 POST {server.url}{path}/legality"]
