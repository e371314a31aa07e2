"""Deputies (代理): a reviewer names a deputy of their organisation for a period; what the deputy does
is recorded with both people (actor and on_behalf_of) and read "张三（代李四）" on the revision page, in
its history, the audit log, the opinions, the 意见汇总表 and its exports. No deputy across
organisations; a deputyship ends on its last day or when withdrawn. The county office reassigns a
department's pending consultation to another user of that department. Both databases."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AuditEvent, Delegation, Role
from dutylist.models.notification import Notification
from dutylist.services import delegations
from dutylist.services.audit import verify_chain
from dutylist.services.tokens import create_token
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid

from .factories import World, fire, sign, signed_in

TODAY = date(2026, 3, 2)


@pytest.fixture
def world(app):
    clock.set_today(TODAY)
    w = World()
    w.officer.display_name = "李四"
    w.deputy = World._user("jimsar-office-2", Role.county_office, w.office)
    w.deputy.display_name = "张三"
    w.civil_user.display_name = "王科长"
    w.civil_2 = World._user("jimsar-civil-2", Role.county_department, w.civil)
    w.civil_2.display_name = "赵干事"
    db.session.commit()
    yield w
    clock.set_today(None)


def submitted(world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    return fire(rev, "submit", world.drafter)


def name(world, days=7, start=TODAY):
    d = delegations.name_deputy(world.officer, world.deputy, start, start + timedelta(days=days - 1))
    db.session.commit()
    return d


def entries(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


# ------------------------------------------------------------------ the done-when test ----
def test_a_deputy_takes_in_a_draft_and_both_people_are_named_everywhere(app, world):
    rev = submitted(world)
    office = signed_in(app, "jimsar-office")
    response = office.post_form("/deputies", {"deputy": world.deputy.id, "starts_on": TODAY.isoformat(),
                                              "ends_on": (TODAY + timedelta(days=4)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    deputy = signed_in(app, "jimsar-office-2")
    page = deputy.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "您正在代理李四" in page and 'id="acting-for"' in page
    response = deputy.post_form(f"/revisions/{rev.id}/events/accept",
                                {"no_consultation_reason": "本轮修改不涉及县直部门职责"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    (accept,) = entries("accept")
    assert (accept.actor_name, accept.on_behalf_of_name) == ("jimsar-office-2", "jimsar-office")
    assert (accept.actor_id, accept.on_behalf_of_id) == (world.deputy.id, world.officer.id)
    both = "jimsar-office-2（代jimsar-office）"
    # the revision page's history
    page = deputy.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert re.search(r'data-action="accept".*?' + re.escape(both), page, re.S)
    # the audit log, and filtering it by either person finds the entry
    auditor = signed_in(app, "auditor")
    for who in ("jimsar-office", "jimsar-office-2"):
        log = auditor.get(f"/admin/audit?user={who}&action=accept").get_data(as_text=True)
        assert both in log and f'data-seq="{accept.seq}"' in log
    # the history in the API
    token = _token(world.officer)
    moves = app.test_client().get(f"/api/v1/revisions/{rev.id}/history",
                                  headers={"Authorization": f"Bearer {token}"}).get_json()["events"]
    taken = next(e for e in moves if e["action"] == "accept")
    assert taken["actor"]["username"] == "jimsar-office-2" and taken["on_behalf_of"]["username"] == "jimsar-office"
    assert taken["acted_by"] == both and taken["move"] is True
    assert next(e for e in moves if e["action"] == "submit")["on_behalf_of"] is None
    assert verify_chain().ok


def _token(user):
    token = create_token(user)
    db.session.commit()
    return token


# ------------------------------------------------------------------ naming, ending, refusing ----
def test_no_deputy_across_organisations_nor_of_another_role_nor_oneself(app, world):
    before = db.session.scalar(select(func.count()).select_from(Delegation))
    cases = [(world.officer, world.other_officer, "不能跨单位代理"),  # another county's office
             (world.officer, world.civil_user, "不能跨单位代理"),  # a department of the same county
             (world.officer, world.officer, "不能指定本人"),
             (world.drafter, world.other_drafter, "只有县委编办")]
    for actor, deputy, message in cases:
        with pytest.raises((Invalid, Forbidden)) as exc:
            delegations.name_deputy(actor, deputy, TODAY, TODAY)
        assert message in exc.value.message
        db.session.rollback()
    with pytest.raises(Invalid, match="不能早于今天"):
        delegations.period(TODAY - timedelta(days=1), TODAY)
    with pytest.raises(Invalid, match="不能早于开始日期"):
        delegations.period(TODAY, TODAY - timedelta(days=1))
    name(world)
    with pytest.raises(Conflict, match="重叠"):
        delegations.name_deputy(world.officer, world.deputy, TODAY + timedelta(days=2), TODAY + timedelta(days=9))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Delegation)) == before + 1


def test_the_page_refuses_a_deputy_of_another_organisation_keeping_what_was_typed(app, world):
    office = signed_in(app, "jimsar-office")
    page = office.get("/deputies").get_data(as_text=True)
    assert "张三（jimsar-office-2）" in page and "manas-office" not in page  # only colleagues are offered
    response = office.post_form("/deputies", {"deputy": world.other_officer.id, "starts_on": TODAY.isoformat(),
                                              "ends_on": (TODAY + timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不能跨单位代理" in html and (TODAY + timedelta(days=3)).isoformat() in html
    assert entries("delegation_create") == []


def test_a_deputyship_ends_on_its_last_day_or_when_withdrawn(app, world):
    d = name(world, days=3)
    assert perm.delegators_of(world.deputy) == [world.officer]
    assert perm.delegators_of(world.deputy, TODAY + timedelta(days=2)) == [world.officer]
    assert perm.delegators_of(world.deputy, TODAY + timedelta(days=3)) == []  # ended on its last day
    assert perm.delegators_of(world.deputy, TODAY - timedelta(days=1)) == []
    office = signed_in(app, "jimsar-office")
    assert "生效中" in office.get("/deputies").get_data(as_text=True)
    assert office.post_form(f"/deputies/{d.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert perm.delegators_of(world.deputy) == []
    assert "已撤回" in office.get("/deputies").get_data(as_text=True)
    (withdrawn,) = entries("delegation_withdraw")
    assert withdrawn.actor_name == "jimsar-office"
    # only the one who named it withdraws it
    other = name(world, days=2, start=TODAY + timedelta(days=10))
    assert signed_in(app, "jimsar-office-2").post_form(f"/deputies/{other.id}/withdraw").status_code == 404


def test_a_deputy_moved_to_another_organisation_acts_for_no_one(app, world):
    name(world)
    rev = submitted(world)
    world.deputy.organisation = world.other_office  # moved to 玛纳斯县 (the system administrator's edit)
    db.session.commit()
    assert perm.delegators_of(world.deputy) == []
    assert perm.acting_for(world.deputy, rev) is None


def test_the_delegator_acts_in_their_own_name_and_the_deputy_only_while_in_force(app, world):
    name(world, days=1)
    rev = submitted(world)
    fire(rev, "accept", world.officer)
    assert entries("accept")[0].on_behalf_of_id is None
    clock.set_today(TODAY + timedelta(days=1))  # the deputyship has ended
    assert perm.acting_for(world.deputy, rev) is None


# ------------------------------------------------------------------ consultations, opinions, exports ----
def consulted(world):
    rev = submitted(world)
    fire(rev, "accept", world.officer, departments=[world.civil.id], deadline=TODAY + timedelta(days=5))
    return rev


def test_the_office_reassigns_a_consultation_and_only_that_user_or_their_deputy_signs(app, world):
    rev = consulted(world)
    c = rev.consultations[0]
    office = signed_in(app, "jimsar-office")
    page = office.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "改派经办人" in page and "赵干事（jimsar-civil-2）" in page
    # a user of another department is refused, in place, nothing written
    response = office.post_form(f"/revisions/{rev.id}/consultations/{c.id}/reassign", {"assignee": world.agri_user.id})
    assert response.status_code == 400 and "只能改派给该部门在用的审核人账号" in response.get_data(as_text=True)
    response = office.post_form(f"/revisions/{rev.id}/consultations/{c.id}/reassign", {"assignee": world.civil_2.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert c.assignee_id == world.civil_2.id
    (reassigned,) = entries("consultation_reassign")
    assert reassigned.details["to"] == "jimsar-civil-2"
    # the assignee is told (the bell; mail goes through the outbox with it)
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.civil_2.id,
                                                         Notification.kind == "opinion_requested")).all()
    assert [n.text for n in told if "改派由您办理" in n.text], [n.text for n in told]
    # the department's other user may no longer sign; the assignee is on their to-do list
    assert not perm.can_sign_off(world.civil_user, rev) and perm.waits_on_user(world.civil_2, rev)
    with pytest.raises(Forbidden, match="已交由赵干事办理"):
        ops.add_opinion(rev, world.civil_user, "应补充依据")
    db.session.rollback()
    # the assignee names 王科长 deputy: 王科长 signs for 赵干事
    delegations.name_deputy(world.civil_2, world.civil_user, TODAY, TODAY + timedelta(days=2))
    db.session.commit()
    assert perm.can_sign_off(world.civil_user, rev)
    ops.add_opinion(rev, world.civil_user, "高龄津贴条目应写明发放时限")
    db.session.commit()
    row = sign(rev, world.civil_user)
    assert (row.signed_by_id, row.signed_on_behalf_of_id) == (world.civil_user.id, world.civil_2.id)
    assert row.signed_by_label == "王科长（代赵干事）"
    opinion = rev.opinions[-1]
    assert opinion.on_behalf_of_id == world.civil_2.id and opinion.acted_by == "王科长（代赵干事）"
    assert entries("sign_off")[0].on_behalf_of_name == "jimsar-civil-2"
    # shown on the revision page, the 意见汇总表 and its Excel export
    page = office.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert page.count("王科长（代赵干事）") >= 2  # the opinion and the sign-off
    summary = office.get(f"/revisions/{rev.id}/opinions/summary").get_data(as_text=True)
    assert summary.count("王科长（代赵干事）") >= 2
    sheet = load_workbook(io.BytesIO(office.get(f"/revisions/{rev.id}/opinions/summary.xlsx").data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("王科长（代赵干事）" in c for c in cells)
    assert verify_chain().ok


def test_only_the_county_office_reassigns(app, world):
    rev = consulted(world)
    c = rev.consultations[0]
    for who in ("jimsar-civil", "changji-prefecture", "manas-office"):
        response = signed_in(app, who).post_form(f"/revisions/{rev.id}/consultations/{c.id}/reassign",
                                                 {"assignee": world.civil_2.id})
        assert response.status_code == 403, who
    db.session.expire_all()
    assert c.assignee_id is None and entries("consultation_reassign") == []


def test_the_audit_chain_verifies_with_deputies_entries_mixed_in(app, world):
    rev = submitted(world)
    name(world)
    fire(rev, "accept", world.deputy)
    fire(rev, "return_for_revision", world.officer, reason="请补充依据")
    result = verify_chain()
    assert result.ok and result.checked >= 4
    # tampering with who was acted for breaks the chain
    accept = entries("accept")[0]
    accept.on_behalf_of_name = "jimsar-civil"
    db.session.commit()
    bad = verify_chain()
    assert not bad.ok and bad.first_bad_seq == accept.seq


def test_the_townships_history_names_a_deputy_who_approved(app, world):
    """A version's approvals on the history page: the region's deputy published it for the region."""
    region_2 = World._user("xj-region-2", Role.region_reviewer, world.region)
    db.session.commit()
    delegations.name_deputy(world.region_user, region_2, TODAY, TODAY)
    db.session.commit()
    rev = submitted(world)
    fire(rev, "accept", world.officer)
    fire(rev, "approve", world.officer, reason="县级通过")
    fire(rev, "escalate", world.officer)
    fire(rev, "approve", world.pref_user, reason="州级通过")
    fire(rev, "publish", region_2, reason="自治区通过")
    assert rev.status == "published"
    page = signed_in(app, "dayou-drafter").get(f"/townships/{world.town.id}/history").get_data(as_text=True)
    assert "xj-region-2（代xj-region）" in page and "changji-prefecture，" in page
