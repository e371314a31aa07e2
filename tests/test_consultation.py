"""The consultation's refusals, in the API and the pages, and what the record keeps: every 修改理由 of an
item in the 新旧对照表 (page, Word, Excel, drafts and published versions), a revert compared with the
current version, send-backs counted apart from the county's rounds."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist import clock
from dutylist.config import Config
from dutylist.extensions import db
from dutylist.models import Consultation, OpinionReply, Revision
from dutylist.services import drafts, inbox
from workflow import operations as ops

from .factories import explain, fire, settle, sign, signed_in
from .test_api import Api, refused, state

INFO = "负责本镇政府信息公开工作"  #: a basic item: it names no department
NEW_ITEM = "负责本镇党建联建工作"


@pytest.fixture
def api(client, world):
    return Api(client, world)


@pytest.fixture(autouse=True)
def real_clock():
    yield
    clock.set_today(None)


def drafted(world, reason="") -> Revision:
    """A draft whose one change (an item renamed) has the given reason (none by default)."""
    rev = ops.start_revision(world.town, world.drafter)
    item = next(i for i in rev.items if i.name == INFO)
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "name": INFO + "，按季度公开"}, item.lock_version,
                  reason=reason)
    db.session.commit()
    return rev


def in_review(world, *departments, days=3) -> Revision:
    """Submitted and taken in, consulting the departments with a deadline `days` from today."""
    rev = drafted(world, reason="写明公开频次")
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[d.id for d in departments],
         deadline=clock.today() + timedelta(days=days))
    return rev


def consultation(rev, dept) -> Consultation:
    return next(c for c in rev.consultations if c.department_id == dept.id)


def form_html(page: str, marker: str) -> str:
    """The HTML of the form whose opening tag carries `marker` (an id or an action), up to its end."""
    start = page.rindex("<form", 0, page.index(marker))
    return page[start:page.index("</form>", start)]


def checked(form: str, department_id: int) -> bool:
    """Whether the form's box for the department is ticked."""
    return any(f'value="{department_id}"' in tag and " checked" in tag
               for tag in re.findall(r"<input[^>]*>", form))


def error_in(fragment: str) -> str:
    found = re.findall(r'<p class="error form-error" role="alert">(.*?)</p>', fragment, re.S)
    return html.unescape(" ".join(found))


# ------------------------------------------------------------------ API refusals ----
def test_submit_is_409_listing_every_change_without_a_reason(api, world):
    rev = drafted(world)
    added = ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": NEW_ITEM})
    db.session.commit()
    before = state(rev.id)
    body = refused(api.post(f"/revisions/{rev.id}/events/submit", "drafter", {}), 409, "修改理由")
    assert INFO in body["error"] and NEW_ITEM in body["error"]
    assert state(rev.id) == before
    assert sorted(api.ok("GET", f"/revisions/{rev.id}", "drafter")["missing_reasons"]) == sorted(
        [added.item_id, next(i.item_id for i in rev.items if i.name.startswith(INFO))])
    # one reason given: the other is still listed
    api.ok("POST", f"/revisions/{rev.id}/items/{added.item_id}/reasons", "drafter", {"reason": "新增党建联建职责"},
           status=201)
    body = refused(api.post(f"/revisions/{rev.id}/events/submit", "drafter", {}), 409, INFO)
    assert NEW_ITEM not in body["error"]
    refused(api.post(f"/revisions/{rev.id}/items/{added.item_id}/reasons", "drafter", {"reason": "  "}), 400, "reason")
    item_id = next(i.item_id for i in rev.items if i.name.startswith(INFO))
    api.ok("POST", f"/revisions/{rev.id}/items/{item_id}/reasons", "drafter", {"reason": "写明公开频次"}, status=201)
    assert api.ok("POST", f"/revisions/{rev.id}/events/submit", "drafter", {})["status"] == "submitted"


def test_approve_and_return_are_409_naming_the_pending_departments(api, world):
    rev = in_review(world, world.civil, world.agri)
    rid = rev.id
    before = state(rid)
    for event in ("approve", "return_for_revision"):
        body = refused(api.post(f"/revisions/{rid}/events/{event}", "officer", {"reason": "同意"}), 409, "尚未签署")
        assert "吉木萨尔县民政局" in body["error"] and "吉木萨尔县农业农村局" in body["error"]
        assert state(rid) == before
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "no_opinion"})
    body = refused(api.post(f"/revisions/{rid}/events/approve", "officer", {"reason": "同意"}), 409, "农业农村局")
    assert "民政局" not in body["error"]  # only the silent one is named
    api.ok("POST", f"/revisions/{rid}/signoff", "agri_user", {"verdict": "no_opinion"})
    assert api.ok("POST", f"/revisions/{rid}/events/approve", "officer", {"reason": "同意"})["status"] == \
        "county_approved"


def test_accept_without_department_or_reason_is_400(api, world):
    rev = drafted(world, reason="写明公开频次")
    fire(rev, "submit", world.drafter)
    before = state(rev.id)
    refused(api.post(f"/revisions/{rev.id}/events/accept", "officer", {}), 400, "至少一个征求意见的部门")
    refused(api.post(f"/revisions/{rev.id}/events/accept", "officer", {"departments": []}), 400, "无需征求部门意见的理由")
    assert state(rev.id) == before
    body = api.ok("POST", f"/revisions/{rev.id}/events/accept", "officer",
                  {"no_consultation_reason": "仅调整文字表述，不涉及部门职责"})
    assert body["status"] == "county_review" and body["no_consultation_reason"] == "仅调整文字表述，不涉及部门职责"
    assert body["consultations"] == []


def test_consultation_changes_refuse_bad_input_and_change_nothing(api, world):
    rev = in_review(world, world.civil)
    rid, cid = rev.id, consultation(rev, world.civil).id
    base = f"/revisions/{rid}/consultations"
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    before = state(rid)
    for url, who, body, status, words in [
        (base, "officer", {}, 400, "department"),
        (base, "officer", {"department": "水利局"}, 400, "department"),
        (base, "officer", {"department": 424242}, 400, "县直部门"),
        (base, "officer", {"department": world.other_civil.id}, 400, "县直部门"),  # another county's
        (base, "officer", {"department": world.office.id}, 400, "县直部门"),
        (base, "officer", {"department": world.civil.id}, 409, "已征求"),
        (base, "officer", {"department": world.water.id, "deadline": yesterday}, 400, "早于今天"),
        (base, "drafter", {"department": world.water.id}, 403, "县委编办"),
        (f"{base}/{cid}/release", "officer", {}, 400, "理由"),
        (f"{base}/{cid}/release", "officer", {"reason": "   "}, 400, "理由"),
        (f"{base}/{cid}/lapse", "officer", {"reason": "未反馈"}, 409, "尚未过"),  # before its deadline
        (f"{base}/{cid}/lapse", "officer", {}, 400, "理由"),
        (f"{base}/{cid}/extend", "officer", {"reason": "申请延期"}, 400, "截止日期"),
        (f"{base}/{cid}/extend", "officer", {"reason": "申请延期", "deadline": clock.today().isoformat()}, 400,
         "须晚于"),
        (f"{base}/{cid}/extend", "officer", {"deadline": "2099-01-01"}, 400, "理由"),
        (f"{base}/{cid}/extend", "officer", {"reason": "x", "deadline": "2099-02-30"}, 400, "日期"),
        (f"{base}/424242/release", "officer", {"reason": "不再征求"}, 404, "未被征求"),
        (f"{base}/{cid}/release", "civil_user", {"reason": "不想签"}, 403, "县委编办"),
    ]:
        refused(api.post(url, who, body), status, words)
        assert state(rid) == before, (url, body)
    # after the deadline (the clock moves): lapsed with its reason, shown as such; then the office decides
    clock.set_today(clock.today() + timedelta(days=4))
    c = api.ok("POST", f"{base}/{cid}/lapse", "officer", {"reason": "多次催告未反馈"})
    assert (c["state"], c["lapsed"], c["pending"], c["reason"]) == ("lapsed", True, False, "多次催告未反馈")
    assert c["signed_off_round"] is None and c["label"] == "逾期未反馈，视为无意见"
    refused(api.post(f"{base}/{cid}/lapse", "officer", {"reason": "再记一次"}), 409, "逾期未反馈")
    assert api.ok("POST", f"/revisions/{rid}/events/approve", "officer", {"reason": "同意"})["status"] == \
        "county_approved"
    # outside the county's review nothing changes the consultation
    refused(api.post(base, "officer", {"department": world.water.id}), 409, "县级审核通过")


def test_answers_in_one_batch_are_all_or_nothing(api, world):
    rev = in_review(world, world.civil)
    rid = rev.id
    ops_ = [api.ok("POST", f"/revisions/{rid}/opinions", "civil_user", {"body": body}, status=201)
            for body in ("请写明公开时限", "请写明公开渠道")]
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "with_opinions"})
    api.ok("POST", f"/revisions/{rid}/events/return_for_revision", "officer", {"reason": "请按部门意见修改"})
    a, b = (o["id"] for o in ops_)
    before = state(rid)
    url = f"/revisions/{rid}/answers"
    good = {"opinion_id": a, "answer": "adopted", "body": "已写明"}
    for answers, status, words in [
        ([good, {"opinion_id": b, "answer": "adopted", "body": ""}], 400, f"#{b}"),
        ([good, {"opinion_id": b, "answer": "maybe", "body": "x"}], 400, "采纳"),
        ([good, {"opinion_id": 424242, "answer": "adopted", "body": "x"}], 404, "意见不存在"),
        ([good, good], 400, "两次"),
        ([good, {"opinion_id": b, "answer": "adopted", "body": "x", "extra": 1}], 400, "extra"),
        ([], 400, "answers"),
    ]:
        refused(api.post(url, "drafter", {"answers": answers}), status, words)
        assert state(rid) == before and db.session.scalar(select(func.count()).select_from(OpinionReply)) == 0
    refused(api.post(url, "officer", {"answers": [good]}), 403)
    done = api.ok("POST", url, "drafter", {"answers": [good, {"opinion_id": b, "answer": "not_adopted",
                                                                "body": "渠道已在总则中写明"}]}, status=201)
    assert [r["answer"] for r in done["answers"]] == ["adopted", "not_adopted"]


# ------------------------------------------------------------------ the pages ----
def test_refusals_in_the_pages_show_their_message_in_place_and_keep_what_was_typed(app, world):
    rev = drafted(world)
    rid = rev.id
    drafter, office, civil = signed_in(app, "dayou-drafter"), signed_in(app, "jimsar-office"), signed_in(app, "jimsar-civil")

    # submit without a 修改理由: 409, the list in the submit form's message, the item marked
    resp = drafter.post_form(f"/revisions/{rid}/events/submit", {"reason": ""})
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    message = error_in(form_html(page, 'id="form-submit"'))
    assert "须填写修改理由" in message and INFO in message, message
    assert "尚未填写修改理由" in page and "可以上报" not in page
    explain(rev, world.drafter)
    assert drafter.post_form(f"/revisions/{rid}/events/submit").status_code == 302

    # an intake with no department and no reason: 400, in the accept form, the deadline typed kept
    deadline = (clock.today() + timedelta(days=5)).isoformat()
    resp = office.post_form(f"/revisions/{rid}/events/accept", {"deadline": deadline, "no_consultation_reason": ""})
    assert resp.status_code == 400
    form = form_html(resp.get_data(as_text=True), 'id="form-accept"')
    assert "受理须选择至少一个征求意见的部门" in error_in(form)
    assert f'value="{deadline}"' in form
    assert db.session.get(Revision, rid).status == "submitted"
    # a department and a reason for consulting none at once: refused, both kept
    resp = office.post_form(f"/revisions/{rid}/events/accept", {"departments": str(world.civil.id),
                                                                  "no_consultation_reason": "无需征求"})
    form = form_html(resp.get_data(as_text=True), 'id="form-accept"')
    assert resp.status_code == 400 and "无需填写" in error_in(form)
    assert "无需征求</textarea>" in form and checked(form, world.civil.id)
    resp = office.post_form(f"/revisions/{rid}/events/accept", {"departments": str(world.civil.id),
                                                                  "deadline": deadline})
    assert resp.status_code == 302
    cid = consultation(db.session.get(Revision, rid), world.civil).id

    # approve while the department is silent: 409 naming it, the reason typed kept in the approve form
    resp = office.post_form(f"/revisions/{rid}/events/approve", {"reason": "同意修订"})
    assert resp.status_code == 409
    form = form_html(resp.get_data(as_text=True), 'id="form-approve"')
    assert "吉木萨尔县民政局" in error_in(form) and "同意修订</textarea>" in form

    # consultation changes: each message in its own form, what was typed kept
    resp = office.post_form(f"/revisions/{rid}/consultations/{cid}/release", {"reason": ""})
    form = form_html(resp.get_data(as_text=True), f"/consultations/{cid}/release")
    assert resp.status_code == 400 and "须说明理由" in error_in(form)
    resp = office.post_form(f"/revisions/{rid}/consultations/{cid}/extend",
                            {"reason": "部门申请延期", "deadline": clock.today().isoformat()})
    form = form_html(resp.get_data(as_text=True), f"/consultations/{cid}/extend")
    assert resp.status_code == 400 and "须晚于" in error_in(form) and "部门申请延期</textarea>" in form
    resp = office.post_form(f"/revisions/{rid}/consultations", {"department": "424242", "deadline": deadline})
    form = form_html(resp.get_data(as_text=True), 'id="form-add-consultation"')
    assert resp.status_code == 400 and "县直部门" in error_in(form) and f'value="{deadline}"' in form
    # lapse before the deadline: its form is not offered yet, so the message is at the top of the page
    resp = office.post_form(f"/revisions/{rid}/consultations/{cid}/lapse", {"reason": "未反馈"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "尚未过" in error_in(page[:page.index('class="status-bar"')])
    assert consultation(db.session.get(Revision, rid), world.civil).pending

    # an over-long opinion on an item comes back in that item's form, not in the whole-draft box
    item_id = next(i.item_id for i in db.session.get(Revision, rid).items if i.name.startswith(INFO))
    resp = civil.post_form(f"/revisions/{rid}/opinions", {"item_id": str(item_id), "body": "长" * 4001})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    row = page[page.index(f'id="change-{item_id}"'):]
    assert "过长" in error_in(form_html(row, "opinion-form"))
    assert "过长" not in error_in(form_html(page, 'id="form-opinion-whole"'))
    assert civil.post_form(f"/revisions/{rid}/opinions", {"item_id": str(item_id), "body": "请写明时限"}).status_code \
        == 302
    resp = civil.post_form(f"/revisions/{rid}/signoff", {"verdict": "no_opinion"})
    assert resp.status_code == 409 and "有意见" in error_in(form_html(resp.get_data(as_text=True), 'id="form-signoff"'))
    assert civil.post_form(f"/revisions/{rid}/signoff", {"verdict": "with_opinions"}).status_code == 302
    assert office.post_form(f"/revisions/{rid}/events/return_for_revision", {"reason": "请按意见修改"}).status_code \
        == 302

    # answering: one empty reason refuses the whole submit, the message at that answer, every answer kept
    opinion = drafts.unanswered_opinions(db.session.get(Revision, rid))[0]
    resp = drafter.post_form(f"/revisions/{rid}/answers", {"opinion_id": str(opinion.id),
                                                            f"answer-{opinion.id}": "partly", f"body-{opinion.id}": ""})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    block = page[page.index(f'id="answer-{opinion.id}"'):page.index("</fieldset>", page.index(f'id="answer-{opinion.id}"'))]
    assert "答复须说明理由" in error_in(block) and 'value="partly" selected' in block
    assert "请按意见修改" in page[page.index('id="returned"'):page.index('id="answers"')]  # the reason on top
    assert db.session.scalar(select(func.count()).select_from(OpinionReply)) == 0


# ------------------------------------------------------------------ what the record keeps ----
def _cells_with(data: bytes, fmt: str, text: str) -> list[str]:
    if fmt == "docx":
        cells = [c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells]
    else:
        cells = [str(c.value) for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row if c.value]
    return [c for c in cells if text in c]


def test_a_new_item_edited_twice_keeps_both_reasons_in_the_change_table(app, world):
    rev = ops.start_revision(world.town, world.drafter)
    added = ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": NEW_ITEM}, reason="新增党建联建职责")
    ops.edit_item(rev, world.drafter, added.id, {**added.fields(), "name": NEW_ITEM + "，推动结对共建"},
                  added.lock_version, reason="写明结对共建")
    db.session.commit()
    reasons = ["新增党建联建职责", "写明结对共建"]
    assert rev.reasons_of(added.item_id) == reasons
    client = signed_in(app, "dayou-drafter")

    def check(page_url: str, download: str):
        page = client.get(page_url).get_data(as_text=True)
        row = page[page.index(NEW_ITEM):]
        assert "<li>新增党建联建职责</li><li>写明结对共建</li>" in row[:row.index("</tr>")], page_url
        for fmt in ("docx", "xlsx"):
            resp = client.get(f"{download}.{fmt}")
            assert resp.status_code == 200
            cells = _cells_with(resp.data, fmt, "写明结对共建")
            assert cells and "1. 新增党建联建职责\n2. 写明结对共建" in cells[0], (fmt, cells)

    check(f"/revisions/{rev.id}/diff", f"/revisions/{rev.id}/diff")
    revision_page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "<li>新增党建联建职责</li><li>写明结对共建</li>" in revision_page
    # published: the version's 对照表 keeps both too
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer)
    for event, actor in (("approve", world.officer), ("escalate", world.officer), ("approve", world.pref_user),
                         ("publish", world.region_user)):
        fire(rev, event, actor, reason="同意" if event != "escalate" else "")
    assert rev.status == "published"
    check(f"/townships/{world.town.id}/diff", f"/townships/{world.town.id}/diff")


def test_a_revert_lists_what_it_undoes_against_the_current_version(api, world):
    # version 2 adds an item and changes one naming the agriculture bureau
    rev = ops.start_revision(world.town, world.drafter)
    ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": NEW_ITEM}, reason="新增")
    coop = next(i for i in rev.items if i.name == "开展农牧业防灾减灾工作")
    ops.edit_item(rev, world.drafter, coop.id, {**coop.fields(), "township_duties": ["1.摸排受灾户。"]},
                  coop.lock_version, reason="简化")
    db.session.commit()
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.agri.id])
    settle(rev)
    for event, actor in (("approve", world.officer), ("escalate", world.officer), ("approve", world.pref_user),
                         ("publish", world.region_user)):
        fire(rev, event, actor, reason="同意" if event != "escalate" else "")
    v1, v2 = world.version, rev.published_version
    url = f"/townships/{world.town.id}/revisions"
    refused(api.post(url, "drafter", {"base_version_id": v1.id}), 400, "须说明理由")
    body = api.ok("POST", url, "drafter", {"base_version_id": v1.id, "reason": "第 2 版的调整暂缓执行"}, status=201)
    assert body["base_version"]["number"] == 1 and body["previous_version"]["number"] == 2
    undone = {(c["new"] or c["old"])["name"]: c for c in body["changes"] if c["kinds"] != ["renumbered"]}
    assert set(undone) == {NEW_ITEM, "开展农牧业防灾减灾工作"}
    assert undone[NEW_ITEM]["kinds"] == ["removed"] and undone["开展农牧业防灾减灾工作"]["kinds"][0] == "changed"
    assert all(c["reasons"] == ["第 2 版的调整暂缓执行"] for c in undone.values())
    assert body["missing_reasons"] == []
    assert [d["name"] for d in body["suggested_departments"]] == ["吉木萨尔县农业农村局"]
    # the diff page and the 对照表 say what it is compared with: the current version 2, not the old base
    client = signed_in(app=api.client.application, username="dayou-drafter")
    page = client.get(f"/revisions/{body['id']}/diff").get_data(as_text=True)
    assert f"修订稿 #{body['id']} 与第 2 版的差异" in page and NEW_ITEM in page
    resp = client.get(f"/revisions/{body['id']}/diff.xlsx")
    assert "第2版" in load_workbook(io.BytesIO(resp.data)).active["A1"].value
    # submitted and taken in: the suggested department is pre-selected
    api.ok("POST", f"/revisions/{body['id']}/events/submit", "drafter", {})
    office = signed_in(app=api.client.application, username="jimsar-office")
    form = form_html(office.get(f"/revisions/{body['id']}").get_data(as_text=True), 'id="form-accept"')
    assert checked(form, world.agri.id)
    assert v2.number == 2


def test_send_backs_are_counted_apart_from_the_county_rounds(app, world):
    rev = drafted(world, reason="写明公开频次")
    client = signed_in(app, "dayou-drafter")
    levels = [("prefecture", world.pref_user), ("region", world.region_user)]
    for n, (level, reviewer) in enumerate(levels, 1):
        fire(rev, "submit", world.drafter)
        fire(rev, "accept", world.officer)
        fire(rev, "approve", world.officer, reason="同意")
        fire(rev, "escalate", world.officer)
        if level == "region":
            fire(rev, "approve", world.pref_user, reason="同意")
        fire(rev, "send_back", reviewer, reason=f"{level} 意见")
        for o in drafts.unanswered_opinions(rev):
            ops.answer_opinion(o, world.drafter, "adopted", "已补充")
        db.session.commit()
        assert (rev.round, rev.submissions) == (1, n)  # still the county's first round
    assert rev.send_backs == {"prefecture": 1, "region": 1}
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "州退回 1 次" in page and "自治区退回 1 次" in page
    assert re.search(r'第 <strong id="round">1</strong> 轮（上限 3 轮）', page)
    body = Api(app.test_client(), world).ok("GET", f"/revisions/{rev.id}", "drafter")
    assert (body["round"], body["max_rounds"], body["send_backs"]) == (1, 3, {"prefecture": 1, "region": 1})
    # the county's rounds: three returns reach the limit; a fourth needs an extension
    for _ in range(2):
        fire(rev, "submit", world.drafter)
        fire(rev, "accept", world.officer)
        fire(rev, "return_for_revision", world.officer, reason="请修改")
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.civil.id])
    sign(rev, world.civil_user)
    assert rev.round == 3
    with pytest.raises(Exception, match="延长轮次"):
        fire(rev, "return_for_revision", world.officer, reason="请修改")
    db.session.rollback()
    assert db.session.get(Revision, rev.id).round == 3


def test_the_inbox_counts_the_opinions_submitting_asks_for(app, world):
    """After a send-back, the township answers that pass's opinions (the prefecture's, and the county's of
    a department later recorded as lapsed); the inbox counts the same ones."""
    rev = in_review(world, world.civil)
    ops.add_opinion(rev, world.civil_user, "请写明时限")
    db.session.commit()
    clock.set_today(clock.today() + timedelta(days=4))
    ops.lapse_consultation(rev, world.officer, consultation(rev, world.civil).id, "逾期未反馈")
    db.session.commit()
    for event, actor in (("approve", world.officer), ("escalate", world.officer)):
        fire(rev, event, actor, reason="同意" if event == "approve" else "")
    fire(rev, "send_back", world.pref_user, reason="请补充依据")
    assert [o.stage for o in drafts.unanswered_opinions(rev)] == ["county", "prefecture"]
    task = next(t for t in inbox.tasks_for(world.drafter) if t.revision.id == rev.id)
    assert task.what == "已退回：待答复意见 2 条并再次上报"
    with pytest.raises(Exception, match="2 条意见未答复"):
        fire(rev, "submit", world.drafter)


def test_the_default_deadline_comes_from_consultation_days(api, world, app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("CONSULTATION_DAYS", "5")
    assert Config().CONSULTATION_DAYS == 5
    for bad in ("0", "61", "ten", "-3"):
        monkeypatch.setenv("CONSULTATION_DAYS", bad)
        with pytest.raises(ValueError, match="CONSULTATION_DAYS"):
            Config()
    monkeypatch.setitem(app.config, "CONSULTATION_DAYS", 5)
    rev = drafted(world, reason="写明公开频次")
    fire(rev, "submit", world.drafter)
    due = clock.add_working_days(clock.today(), 5)
    page = signed_in(app, "jimsar-office").get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert f"默认 {due.isoformat()}，5 个工作日" in page
    body = api.ok("POST", f"/revisions/{rev.id}/events/accept", "officer", {"departments": [world.civil.id]})
    assert body["deadline"].startswith(due.isoformat()) and body["consultations"][0]["deadline"].startswith(due.isoformat())


def test_one_rule_decides_what_a_department_sees_in_pages_api_and_downloads(api, world, app):
    """A department consulted although no change names it reads the whole draft everywhere; one not
    consulted reads nothing; each sees its own opinions and the office's, never another department's."""
    rev = in_review(world, world.water, world.civil)
    rid = rev.id
    item_id = next(i.item_id for i in rev.items if i.name.startswith(INFO))
    ops.add_opinion(rev, world.water_user, "水利局的意见", item_id)
    ops.add_opinion(rev, world.civil_user, "民政局的意见")
    ops.add_opinion(rev, world.officer, "编办的意见")
    db.session.commit()
    water, agri = signed_in(app, "jimsar-water"), signed_in(app, "jimsar-agri")
    for url in (f"/revisions/{rid}", f"/revisions/{rid}/diff", f"/revisions/{rid}/diff.docx",
                f"/revisions/{rid}/diff.xlsx", f"/revisions/{rid}/export.json", f"/revisions/{rid}/opinions/summary",
                f"/revisions/{rid}/opinions/summary.xlsx"):
        assert water.get(url).status_code == 200, url
        assert agri.get(url).status_code == 403, url  # not consulted
    body = api.ok("GET", f"/revisions/{rid}", "water_user")
    assert [(c["item_id"], c["concerns_me"]) for c in body["changes"]] == [(item_id, False)]
    assert len(body["items"]) == 6 and body["concerning"] == []
    refused(api.get(f"/revisions/{rid}", "agri_user"), 403)
    seen = {o["body"] for o in api.ok("GET", f"/revisions/{rid}/opinions", "water_user")["opinions"]}
    assert seen == {"水利局的意见", "编办的意见"}
    assert {o["body"] for o in api.ok("GET", f"/revisions/{rid}/opinions", "officer")["opinions"]} == {
        "水利局的意见", "民政局的意见", "编办的意见"}
    for url in (f"/revisions/{rid}", f"/revisions/{rid}/opinions/summary"):
        page = water.get(url).get_data(as_text=True)
        assert "水利局的意见" in page and "编办的意见" in page and "民政局的意见" not in page, url
    sheet = water.get(f"/revisions/{rid}/opinions/summary.xlsx").data
    assert _cells_with(sheet, "xlsx", "水利局的意见") and not _cells_with(sheet, "xlsx", "民政局的意见")
    civil_opinion = next(o for o in rev.opinions if o.body == "民政局的意见")
    refused(api.post(f"/revisions/{rid}/opinions/{civil_opinion.id}/replies", "water_user", {"body": "同意"}), 404)
