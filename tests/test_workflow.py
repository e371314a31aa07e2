"""The review machine and its operations, without HTTP."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import AuditEvent, Revision, Version
from dutylist.services import drafts
from dutylist.services.audit import verify_chain
from dutylist.services.snapshot import read_entries
from workflow import operations as ops
from workflow.errors import Conflict, Forbidden, Invalid

from .factories import LEVELS, fire


def start(world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    return rev


def item(rev, name):
    return next(i for i in rev.items if i.name == name and not i.deleted)


def audit(action=None):
    stmt = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def edit_coop_to_withdrawn(world, rev):
    it = item(rev, "开展农牧业防灾减灾工作")
    ops.edit_item(rev, world.drafter, it.id, {
        "category": "乡村振兴", "name": "开展农牧业防灾减灾工作",
        "receiving": [{"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金发放。"}]},
        lock_version=it.lock_version, kind="withdrawn", reason="专业性强，由县农业农村局承接")
    db.session.commit()


def submit_and_accept(world, rev, depts):
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[d.id for d in depts], deadline=date.today() + timedelta(days=7))


def test_start_revision_copies_the_current_version(world):
    rev = start(world)
    assert rev.status == "drafting" and rev.round == 0 and rev.base_version_id == world.version.id
    assert [(i.kind, i.number, i.name) for i in drafts.live_items(rev)] == [
        (e["kind"], e["number"], e["name"]) for e in read_entries(world.version)]
    assert drafts.changes(rev) == []
    assert audit()[-1].action == "revision_start"


def test_only_one_open_revision_per_township(world):
    start(world)
    with pytest.raises(Conflict):
        ops.start_revision(world.town, world.drafter)


def test_only_the_townships_drafter_starts_a_revision(world):
    with pytest.raises(Forbidden):
        ops.start_revision(world.town, world.other_drafter)
    with pytest.raises(Forbidden):
        ops.start_revision(world.town, world.officer)


def test_draft_edits_are_recorded_and_checked(world):
    rev = start(world)
    new = ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": "新增事项：党建联建"}, "新增职责")
    db.session.commit()
    assert new.number == 4
    edit_coop_to_withdrawn(world, rev)
    moved = item(rev, "开展农牧业防灾减灾工作")
    assert moved.kind == "withdrawn" and moved.number == 2
    kinds = {c.item_id: c.kinds for c in drafts.changes(rev)}
    assert kinds[new.item_id] == ["added"] and kinds[moved.item_id] == ["changed", "moved"]
    assert [e.action for e in audit()][-2:] == ["item_add", "item_move"]
    assert audit("item_move")[0].details["reason"] == "专业性强，由县农业农村局承接"


def test_stale_edit_is_refused_and_nothing_is_overwritten(world):
    rev = start(world)
    it = item(rev, "负责本镇政府信息公开工作")
    seen = it.lock_version
    ops.edit_item(rev, world.drafter, it.id, {"category": "综合政务", "name": "甲的修改"}, lock_version=seen)
    db.session.commit()
    with pytest.raises(Conflict):
        ops.edit_item(rev, world.drafter, it.id, {"category": "综合政务", "name": "乙的修改"}, lock_version=seen)
    db.session.rollback()
    assert db.session.get(type(it), it.id).name == "甲的修改"


def test_pre_submit_checks(world):
    rev = start(world)
    it = item(rev, "负责本镇政府信息公开工作")
    ops.edit_item(rev, world.drafter, it.id, {"category": "不存在的类别", "name": "加强基层阵地建设，优化提升服务功能"},
                  lock_version=it.lock_version)
    coop = item(rev, "老年人高龄津贴的发放管理")
    ops.edit_item(rev, world.drafter, coop.id, {"category": "民生服务", "name": coop.name, "departments": [],
                                                 "dept_duties": [], "township_duties": ["1.核实"]},
                  lock_version=coop.lock_version)
    first = item(rev, "负责本镇农村“四老”人员服务管理工作")
    ops.delete_item(rev, world.drafter, first.id, first.lock_version, "合并")
    db.session.commit()
    problems = drafts.check_problems(rev)
    text = "\n".join(problems)
    assert "不在类别目录中" in text and "重复" in text
    assert "须写明对应上级部门" in text and "须写明上级部门职责" in text
    assert "序号不连续" in text
    with pytest.raises(Conflict) as exc:
        fire(rev, "submit", world.drafter)
    assert "重复" in exc.value.message
    db.session.rollback()
    assert db.session.get(Revision, rev.id).status == "drafting"
    ops.renumber(rev, world.drafter)
    db.session.commit()
    assert not any("序号" in p for p in drafts.check_problems(rev))


def test_withdrawn_item_needs_department_or_dropped_note(world):
    rev = start(world)
    it = item(rev, "收养登记")
    with pytest.raises(Invalid):
        ops.edit_item(rev, world.drafter, it.id, {"category": "民生服务", "name": ""}, lock_version=it.lock_version)
    db.session.rollback()
    ops.edit_item(rev, world.drafter, it.id, {"category": "民生服务", "name": "收养登记", "receiving": []},
                  lock_version=it.lock_version)
    db.session.commit()
    assert any("承接部门" in p for p in drafts.check_problems(rev))
    ops.edit_item(rev, world.drafter, it.id, {"category": "民生服务", "name": "收养登记",
                                               "receiving": [{"department": "", "method": "法律法规条款已失效，不再开展此项工作。"}]},
                  lock_version=item(rev, "收养登记").lock_version)
    db.session.commit()
    assert drafts.check_problems(rev) == []


def test_departments_are_suggested_from_changed_items(world):
    rev = start(world)
    edit_coop_to_withdrawn(world, rev)
    assert [d.name for d in drafts.suggest_departments(rev)] == ["吉木萨尔县农业农村局"]


def test_full_cycle_publishes_version_two(world):
    rev = start(world)
    edit_coop_to_withdrawn(world, rev)
    civil = item(rev, "老年人高龄津贴的发放管理")
    ops.edit_item(rev, world.drafter, civil.id, {
        "category": "民生服务", "name": civil.name, "departments_text": "吉木萨尔县民政局",
        "dept_duties": ["1.组织开展高龄津贴政策宣传；", "2.负责高龄津贴发放工作。"],
        "township_duties": civil.township_duties}, lock_version=civil.lock_version, reason="补充职责")
    db.session.commit()
    submit_and_accept(world, rev, [world.civil, world.agri])
    assert rev.status == "county_review" and rev.round == 1
    assert {c.department.name for c in rev.consultations} == {"吉木萨尔县民政局", "吉木萨尔县农业农村局"}
    # a department sees every change; those that name it are marked
    changes = drafts.changes(rev)
    assert len(changes) == 2
    assert {changes_by_id.new["name"] for changes_by_id in changes
            if changes_by_id.item_id in drafts.concerning(rev, world.civil.id, changes)} == {"老年人高龄津贴的发放管理"}
    op1 = ops.add_opinion(rev, world.agri_user, "承接方式请写明资金发放流程", item_id=item(rev, "开展农牧业防灾减灾工作").item_id)
    ops.sign_off(rev, world.agri_user, "with_opinions")
    op2 = ops.add_opinion(rev, world.civil_user, "同意")
    ops.sign_off(rev, world.civil_user, "with_opinions")
    db.session.commit()
    fire(rev, "return_for_revision", world.officer, reason="请按部门意见修改")
    assert rev.status == "returned"
    with pytest.raises(Conflict) as exc:
        fire(rev, "submit", world.drafter)
    assert "未答复" in exc.value.message
    db.session.rollback()
    ops.answer_opinion(op1, world.drafter, "adopted", "已补充资金发放流程")
    ops.answer_opinion(op2, world.drafter, "adopted", "无需修改")
    moved = item(rev, "开展农牧业防灾减灾工作")
    ops.edit_item(rev, world.drafter, moved.id, {"category": "乡村振兴", "name": moved.name, "receiving": [
        {"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金审核、发放。"}]}, lock_version=moved.lock_version)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    assert rev.round == 2
    fire(rev, "accept", world.officer, departments=[world.civil.id, world.agri.id])
    # both signed round 1; one change was changed again since: each carries its sign-off over the
    # unchanged change and reviews the changed one
    civil_c = next(c for c in rev.consultations if c.department_id == world.civil.id)
    agri_c = next(c for c in rev.consultations if c.department_id == world.agri.id)
    assert civil_c.pending and agri_c.pending
    assert civil_c.current.carried_items == [civil.item_id] and civil_c.current.carried_from_round == 1
    carried = audit("signoff_carried")
    assert {e.details["department"] for e in carried} == {"吉木萨尔县民政局", "吉木萨尔县农业农村局"}
    assert all(e.details["to_review"] == [moved.item_id] for e in carried)
    with pytest.raises(Conflict) as exc:  # not over silent departments
        fire(rev, "approve", world.officer, reason="第二轮审核通过")
    assert "吉木萨尔县民政局" in exc.value.message and "吉木萨尔县农业农村局" in exc.value.message
    db.session.rollback()
    ops.sign_off(rev, world.agri_user, "no_opinion")
    ops.sign_off(rev, world.civil_user, "no_opinion")
    db.session.commit()
    fire(rev, "approve", world.officer, reason="第二轮审核通过")
    fire(rev, "escalate", world.officer)
    assert rev.status == "prefecture_review"
    fire(rev, "approve", world.pref_user, reason="州级审核通过")
    assert rev.status == "region_review"
    fire(rev, "publish", world.region_user, reason="自治区审核通过")
    assert rev.status == "published"
    v2 = db.session.get(Version, rev.published_version_id)
    assert v2.number == 2 and v2.source == "revision"
    v1_items = {e["item_id"]: e for e in read_entries(world.version)}
    v2_items = {e["item_id"]: e for e in read_entries(v2)}
    assert set(v1_items) == set(v2_items)  # identities kept
    moved_id = moved.item_id
    assert v1_items[moved_id]["kind"] == "cooperative" and v2_items[moved_id]["kind"] == "withdrawn"
    assert read_entries(world.version) == list(v1_items.values())  # version 1 still readable, unchanged
    events = [(e.action, e.from_state, e.to_state) for e in audit() if e.from_state]
    assert events == [
        ("submit", "drafting", "submitted"), ("accept", "submitted", "county_review"),
        ("return_for_revision", "county_review", "returned"), ("submit", "returned", "submitted"),
        ("accept", "submitted", "county_review"), ("approve", "county_review", "county_approved"),
        ("escalate", "county_approved", "prefecture_review"), ("approve", "prefecture_review", "region_review"),
        ("publish", "region_review", "published")]
    assert verify_chain().ok


def test_fourth_round_needs_an_extension(world):
    rev = start(world)
    for n in range(1, 4):
        fire(rev, "submit", world.drafter)
        fire(rev, "accept", world.officer)
        if n < 3:
            fire(rev, "return_for_revision", world.officer, reason=f"第{n}轮退回")
    assert rev.round == 3
    with pytest.raises(Conflict) as exc:
        fire(rev, "return_for_revision", world.officer, reason="第3轮退回")
    assert "延长" in exc.value.message
    db.session.rollback()
    with pytest.raises(Invalid):
        ops.extend_rounds(rev, world.officer, "")
    with pytest.raises(Forbidden):
        ops.extend_rounds(rev, world.drafter, "理由")
    db.session.rollback()
    ops.extend_rounds(rev, world.officer, "部门意见分歧较大，需第四轮协调")
    db.session.commit()
    fire(rev, "return_for_revision", world.officer, reason="第3轮退回")
    fire(rev, "submit", world.drafter)
    assert rev.round == 4
    assert audit("extend_rounds")[0].details["reason"] == "部门意见分歧较大，需第四轮协调"


@pytest.mark.parametrize(("who", "event", "error"), [
    ("officer", "submit", Forbidden),            # wrong role
    ("other_drafter", "submit", Forbidden),      # another township's drafter
    ("drafter", "accept", Conflict),             # wrong state (drafting)
    ("drafter", "approve", Conflict),
    ("pref_user", "publish", Conflict),
])
def test_forbidden_moves_from_drafting(world, who, event, error):
    rev = start(world)
    with pytest.raises(error):
        ops.fire(rev, event, getattr(world, who), levels=LEVELS, reason="x")
    db.session.rollback()
    assert db.session.get(Revision, rev.id).status == "drafting"


def test_forbidden_moves_in_review(world):
    rev = start(world)
    submit_and_accept(world, rev, [world.civil])
    for actor, event in [(world.civil_user, "approve"), (world.other_officer, "approve"),
                         (world.drafter, "approve"), (world.pref_user, "approve")]:
        with pytest.raises(Forbidden):
            ops.fire(rev, event, actor, levels=LEVELS, reason="x")
        db.session.rollback()
    with pytest.raises(Invalid):
        ops.fire(rev, "approve", world.officer, levels=LEVELS, reason="  ")
    db.session.rollback()
    with pytest.raises(Forbidden):
        ops.add_opinion(rev, world.water_user, "未被征求也想提意见")
    with pytest.raises(Forbidden):
        ops.add_opinion(rev, world.other_civil_user, "外县部门")
    db.session.rollback()
    assert db.session.get(Revision, rev.id).status == "county_review"
    assert len(audit("approve")) == 0


def test_withdraw_before_intake_only(world):
    rev = start(world)
    fire(rev, "submit", world.drafter)
    fire(rev, "withdraw", world.drafter)
    assert rev.status == "drafting" and rev.round == 0
    submit_and_accept(world, rev, [])
    with pytest.raises(Conflict):
        fire(rev, "withdraw", world.drafter)


def test_send_back_from_prefecture_needs_answer(world):
    rev = start(world)
    submit_and_accept(world, rev, [])
    fire(rev, "approve", world.officer, reason="通过")
    fire(rev, "escalate", world.officer)
    with pytest.raises(Forbidden):
        fire(rev, "send_back", world.other_pref_user, reason="外州")
    db.session.rollback()
    fire(rev, "send_back", world.pref_user, reason="部分事项表述不规范")
    assert rev.status == "returned" and rev.send_backs == {"prefecture": 1, "region": 0}
    assert [o.body for o in drafts.unanswered_opinions(rev)] == ["部分事项表述不规范"]
    ops.answer_opinion(rev.opinions[0], world.drafter, "partly", "已规范表述")
    db.session.commit()
    fire(rev, "submit", world.drafter)
    # a resubmission after a send-back from above is not a new county round
    assert rev.round == 1 and rev.submissions == 2 and rev.send_backs == {"prefecture": 1, "region": 0}


@pytest.mark.parametrize(("levels", "after_county"), [
    ((), "published"), (("region",), "region_review"), (("prefecture",), "prefecture_review")])
def test_review_levels_are_configuration(world, levels, after_county):
    rev = start(world)
    fire(rev, "submit", world.drafter, levels=levels)
    fire(rev, "accept", world.officer, levels=levels)
    fire(rev, "approve", world.officer, levels=levels, reason="通过")
    events = ops.available_events(rev, world.officer, levels)
    fire(rev, events[0], world.officer, levels=levels, reason="通过")
    assert rev.status == after_county
    if levels == ("prefecture",):
        fire(rev, "publish", world.pref_user, levels=levels, reason="州审核通过")
        assert rev.status == "published"


def test_abandon(world):
    rev = start(world)
    fire(rev, "abandon", world.drafter, reason="不再修订")
    assert rev.status == "abandoned"
    assert ops.start_revision(world.town, world.drafter).id != rev.id


def test_move_an_item_to_a_place_in_its_table(world):
    """move_item_to: the item takes the place, the items between shift by one, the 序号 stay in order;
    one audit entry; a stale form, a place outside the table and another user are refused."""
    rev = start(world)
    third = item(rev, "负责本镇政府信息公开工作")

    def basic():
        return [(i.name[:4], i.number) for i in drafts.live_items(rev) if i.kind == "basic"]

    stale = third.lock_version
    ops.move_item_to(rev, world.drafter, third.id, 0, third.lock_version)
    db.session.commit()
    assert basic() == [("负责本镇", 1), ("加强基层", 2), ("负责本镇", 3)]
    assert [i.name for i in drafts.live_items(rev) if i.kind == "basic"][0] == "负责本镇政府信息公开工作"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_reorder")).one()
    assert event.details == {"kind": "basic", "number": 1, "from": 3, "to": 1}
    with pytest.raises(Conflict):
        ops.move_item_to(rev, world.drafter, third.id, 2, stale)
    db.session.rollback()
    for bad in (-1, 3):
        with pytest.raises(Invalid):
            ops.move_item_to(rev, world.drafter, third.id, bad, third.lock_version)
        db.session.rollback()
    with pytest.raises(Forbidden):
        ops.move_item_to(rev, world.other_drafter, third.id, 2, third.lock_version)
    db.session.rollback()
    # other tables untouched, and the draft still checks
    assert [i.number for i in drafts.live_items(rev) if i.kind == "cooperative"] == [1, 2]
    assert drafts.check_problems(rev) == []
    assert verify_chain().ok
