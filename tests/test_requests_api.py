"""Adjustment requests (调整申请) through the API: submitting (a township for itself, a county department for
townships of its county), reading, the county office's decision (accept: the changes become a draft of each
township, or join its open draft; reject: with a reason), refusals that write nothing, notifications, audit."""
from datetime import date

import pytest
from sqlalchemy import func, select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AdjustmentRequest, AuditEvent, DraftItem, ItemOrigin, Notification, Revision
from dutylist.services import snapshot
from dutylist.services.tokens import create_token
from workflow import operations as ops

from .factories import World, fire

NEW_ITEM = {"category": "乡村振兴", "name": "配合开展农民专业合作社规范提升工作",
            "departments_text": "吉木萨尔县农业农村局", "dept_duties": ["1.制定合作社规范提升方案；"],
            "township_duties": ["1.摸排辖区合作社运行情况；"]}


@pytest.fixture
def world(app):
    return World()


class Api:
    def __init__(self, client, world):
        self.client, self.world, self.tokens = client, world, {}

    def headers(self, who):
        if who not in self.tokens:
            self.tokens[who] = create_token(getattr(self.world, who))
            db.session.commit()
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, who, url, body):
        return self.client.post(f"/api/v1{url}", json=body, headers=self.headers(who))

    def get(self, who, url):
        return self.client.get(f"/api/v1{url}", headers=self.headers(who))


@pytest.fixture
def api(client, world):
    return Api(client, world)


def item_of(world, name):
    version = snapshot.current_version(world.town.id)
    return next(e for e in snapshot.read_entries(version) if e["name"] == name)


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (AdjustmentRequest, Revision, DraftItem))


def ask(api, who="agri_user", township=None, **kw):
    body = {"type": "admission", "situation": "上级部署新增任务", "reason": "县农业农村局承接上级部署的合作社规范提升任务",
            "items": [{"action": "add", "kind": "cooperative", "fields": NEW_ITEM}]}
    body.update(kw)
    return api.post(who, f"/townships/{township or api.world.town.id}/requests", body)


def test_a_department_asks_and_the_office_accepts_into_a_new_draft(api, world):
    clock.set_today(date(2026, 12, 1))  # a Tuesday: 15 working days later is 2026-12-22
    try:
        r = ask(api)
    finally:
        clock.set_today(None)
    assert r.status_code == 201, r.get_json()
    req = r.get_json()
    assert (req["status"], req["type"], req["due_on"]) == ("submitted", "admission", "2026-12-22")
    assert req["organisation"]["name"] == "吉木萨尔县农业农村局" and req["townships"][0]["name"] == "大有镇"
    # the county office is told
    office_note = db.session.scalars(select(Notification).where(Notification.user_id == world.officer.id)).one()
    assert office_note.kind == "request_submitted" and office_note.link == f"/requests/{req['id']}"
    assert [x["id"] for x in api.get("officer", "/requests?status=submitted").get_json()["requests"]] == [req["id"]]
    assert api.get("water_user", "/requests").get_json()["requests"] == []  # another department: not its
    assert api.get("water_user", f"/requests/{req['id']}").status_code == 403

    r = api.post("officer", f"/requests/{req['id']}/decide", {"decision": "accept", "reason": "同意纳入"})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "accepted" and done["decided_by"]["username"] == "jimsar-office"
    rev = db.session.get(Revision, done["townships"][0]["revision_id"])
    assert rev.township_id == world.town.id and rev.status == "drafting"
    added = next(i for i in rev.items if i.name == NEW_ITEM["name"])
    assert added.kind == "cooperative" and added.departments == ["吉木萨尔县农业农村局"]
    assert db.session.get(ItemOrigin, added.item_id).request_id == req["id"]
    assert rev.reasons_of(added.item_id)[0].startswith(f"根据调整申请 #{req['id']}")
    # the requester and the township are told; the audit log has the decision
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (world.agri_user.id, "request_decided") in kinds and (world.drafter.id, "request_draft") in kinds
    db.session.refresh(office_note)
    assert office_note.done_at is not None and office_note.read_at is not None  # the office's task is done
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request_accept")).one().target == \
        f"request:{req['id']}"
    # a second decision is refused, and changes nothing
    before = counts()
    r = api.post("officer", f"/requests/{req['id']}/decide", {"decision": "reject", "reason": "重复"})
    assert r.status_code == 409 and "不能重复处理" in r.get_json()["error"]
    assert counts() == before


def test_a_township_changes_moves_and_removes_its_own_items_joining_its_open_draft(api, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    elder = item_of(world, "老年人高龄津贴的发放管理")
    info = item_of(world, "负责本镇政府信息公开工作")
    adoption = item_of(world, "收养登记")
    r = ask(api, "drafter", type="dynamic", situation="乡镇申请", reason="依据实际调整", items=[
        {"action": "change", "item_id": elder["item_id"], "fields": {"township_duties": ["1.核实到龄老年人信息；"]}},
        {"action": "move", "item_id": info["item_id"], "kind": "withdrawn",
         "fields": {"receiving": [{"department": "县政府办公室", "method": "统一公开"}]}},
        {"action": "remove", "item_id": adoption["item_id"]}])
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    assert api.post("officer", f"/requests/{rid}/decide", {"decision": "accept"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(AdjustmentRequest, rid).townships[0].revision_id == rev.id  # joined, no second draft
    items = {i.item_id: i for i in db.session.get(Revision, rev.id).items}
    assert items[elder["item_id"]].township_duties == ["1.核实到龄老年人信息；"]
    assert items[elder["item_id"]].dept_duties == elder["dept_duties"]  # what was not asked stays
    assert items[info["item_id"]].kind == "withdrawn"
    assert items[adoption["item_id"]].deleted


def test_a_draft_under_review_cannot_take_a_request_and_nothing_is_written(api, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    rid = ask(api).get_json()["id"]
    before = counts()
    r = api.post("officer", f"/requests/{rid}/decide", {"decision": "accept"})
    assert r.status_code == 409 and "不能并入本申请的修改" in r.get_json()["error"]
    assert counts() == before
    assert db.session.get(AdjustmentRequest, rid).status == "submitted"


def test_a_rejection_needs_a_reason_and_tells_the_requester(api, world):
    rid = ask(api).get_json()["id"]
    r = api.post("officer", f"/requests/{rid}/decide", {"decision": "reject", "reason": "  "})
    assert r.status_code == 400 and "不予同意的理由" in r.get_json()["error"]
    assert db.session.get(AdjustmentRequest, rid).status == "submitted"
    r = api.post("officer", f"/requests/{rid}/decide", {"decision": "reject", "reason": "该任务应由县农业农村局自行承担"})
    assert r.status_code == 200 and r.get_json()["status_label"] == "不予准入"
    note = db.session.scalars(select(Notification).where(Notification.user_id == world.agri_user.id)).one()
    assert "不予同意" in note.text and "自行承担" in note.text


@pytest.mark.parametrize(("who", "status", "words"), [
    ("drafter", 403, "只有吉木萨尔县县委编办"), ("agri_user", 403, "只有吉木萨尔县县委编办"),
    ("other_officer", 403, "不属于"), ("pref_user", 403, "只有吉木萨尔县县委编办")])
def test_only_the_county_office_decides(api, world, who, status, words):
    rid = ask(api).get_json()["id"]
    r = api.post(who, f"/requests/{rid}/decide", {"decision": "accept"})
    assert r.status_code == status and words in r.get_json()["error"]
    assert db.session.get(AdjustmentRequest, rid).status == "submitted"


def test_bad_requests_are_refused_in_chinese_and_write_nothing(api, world):
    before = counts()
    other_item = None
    other_version = snapshot.publish_version(world.other_town, World.entries(), source="import")
    db.session.commit()
    other_item = snapshot.read_entries(other_version)[0]["item_id"]
    cases = [
        (ask(api, items=[{"action": "remove", "item_id": other_item}]), 400, "不在大有镇的现行清单中"),
        (ask(api, items=[{"action": "change", "item_id": 99999, "fields": {"name": "x"}}]), 400, "不在大有镇的现行清单中"),
        (ask(api, "other_civil_user"), 403, "不属于本县"),
        (ask(api, "other_drafter"), 403, "只能为本乡镇"),
        (ask(api, "officer"), 403, "只有乡镇和县直部门"),
        (ask(api, reason=""), 400, "须填写申请理由"),
        (ask(api, type="other"), 400, "申请类型"),
        (ask(api, situation="随便"), 400, "申请情形"),
        (ask(api, items=[]), 400, "至少填写一项"),
        (ask(api, items=[{"action": "add", "kind": "cooperative", "fields": {"name": ""}}]), 400, "事项名称不能为空"),
        (ask(api, items=[{"action": "add", "fields": NEW_ITEM}]), 400, "请选择新增事项所在的清单"),
        (ask(api, items=[{"action": "add", "kind": "cooperative", "fields": {"nome": "x"}}]), 400, "未知字段"),
        (ask(api, townships=[world.other_county.id]), 404, "乡镇不存在"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (words, response.get_json())
        assert words in response.get_json()["error"], (words, response.get_json())
    assert counts() == before


def test_a_department_asks_for_several_townships_of_its_county(api, world):
    snapshot.publish_version(world.other_town, World.entries(), source="import")
    db.session.commit()
    r = ask(api, townships=[world.other_town.id])
    assert r.status_code == 201
    rid = r.get_json()["id"]
    assert {t["name"] for t in r.get_json()["townships"]} == {"大有镇", "泉子街镇"}
    assert api.get("other_drafter", f"/requests/{rid}").status_code == 200  # a township concerned reads it
    assert api.post("officer", f"/requests/{rid}/decide", {"decision": "accept"}).status_code == 200
    db.session.expire_all()
    revs = [db.session.get(Revision, t.revision_id) for t in db.session.get(AdjustmentRequest, rid).townships]
    assert {r.township_id for r in revs} == {world.town.id, world.other_town.id}
    assert all(any(i.name == NEW_ITEM["name"] for i in r.items) for r in revs)


def test_listing_filters_by_type_and_status(api, world):
    a = ask(api).get_json()["id"]
    d = ask(api, "drafter", type="dynamic", situation="乡镇申请").get_json()["id"]
    ids = lambda q: [x["id"] for x in api.get("officer", f"/requests{q}").get_json()["requests"]]  # noqa: E731
    assert ids("") == [d, a] and ids("?type=admission") == [a] and ids("?type=dynamic") == [d]
    assert ids("?status=accepted") == []
    assert api.get("officer", "/requests?status=nonsense").status_code == 400
    assert [x["id"] for x in api.get("drafter", "/requests").get_json()["requests"]] == [d, a]  # it concerns 大有镇
    assert [x["id"] for x in api.get("agri_user", "/requests").get_json()["requests"]] == [a]
    assert [x["id"] for x in api.get("pref_user", "/requests").get_json()["requests"]] == [d, a]
    assert api.get("other_officer", "/requests").get_json()["requests"] == []


@pytest.mark.commits  # threads, each on its own connection, race for the same request
def test_concurrent_decisions_one_wins(app, world, backend):
    """Two offices' clicks at once (PostgreSQL: real concurrent transactions): exactly one decision lands."""
    import threading

    from workflow import requests as rq
    req = rq.submit_request(world.agri_user, [world.town], "admission", "上级部署新增任务", "理由",
                            [{"action": "add", "kind": "cooperative", "fields": NEW_ITEM}])
    db.session.commit()
    rid, officer_id = req.id, world.officer.id
    second = world._user("jimsar-office2", "county_office", world.office)
    db.session.commit()
    users = [officer_id, second.id]
    results, barrier = [], threading.Barrier(2)

    def decide(user_id, decision):
        with app.app_context():
            from dutylist.models import User
            user = db.session.get(User, user_id)
            r = db.session.get(AdjustmentRequest, rid)
            barrier.wait()
            try:
                rq.decide_request(r, user, decision, "理由")
                db.session.commit()
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - the loser's refusal (or SQLite's lock)
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(u, d)) for u, d in zip(users, ("accept", "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    db.session.expire_all()
    final = db.session.get(AdjustmentRequest, rid)
    assert final.status in ("accepted", "rejected")
    decisions = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(["request_accept", "request_reject"]))).all()
    assert len(decisions) == 1
    drafts = db.session.scalars(select(Revision).where(Revision.township_id == world.town.id)).all()
    assert len(drafts) == (1 if final.status == "accepted" else 0)


def test_odd_json_shapes_are_refused_in_chinese(api, world):
    before = counts()
    for body in ({"type": ["admission"]}, {"type": {"a": 1}}, {"situation": ["其他"]},
                 {"items": [{"action": ["add"], "kind": "basic"}]}, {"items": [{"action": "add", "kind": {"x": 1}}]},
                 {"items": "add"}, {"items": [["add"]]}, {"items": [{"action": "remove", "item_id": 2**70}]},
                 {"items": [{"action": "add", "kind": "basic", "fields": []}]}, {"townships": ["x"]}):
        r = ask(api, **body)
        assert r.status_code == 400, (body, r.get_json())
        assert r.get_json()["error"], body
    rid = ask(api).get_json()["id"]
    for body in ({"decision": ["accept"]}, {"decision": "maybe"}, {"reason": 5, "decision": "reject"}, {"x": 1}):
        r = api.post("officer", f"/requests/{rid}/decide", body)
        assert r.status_code == 400, (body, r.get_json())
    assert counts()[1:] == before[1:]


def test_request_days_come_from_the_environment(monkeypatch):
    from dutylist.config import request_days
    monkeypatch.setenv("REQUEST_DAYS", "admission:5")
    assert request_days() == {"dynamic": 20, "admission": 5}
    monkeypatch.setenv("REQUEST_DAYS", "dynamic:0")
    with pytest.raises(ValueError, match="REQUEST_DAYS"):
        request_days()


def test_a_request_cites_bases_and_the_accepted_draft_keeps_them(api, world):
    """15.1 "the bases": a requested item cites the library (matched when the office accepts it) and a text not
    yet in the library (kept as a pending citation); the draft item carries both."""
    from dutylist.services import bases

    law = bases.add(world.officer, {"title": "中华人民共和国农民专业合作社法", "issuer": "全国人民代表大会常务委员会",
                                    "level": "法律"})
    db.session.commit()
    cited = {**NEW_ITEM, "bases": [{"basis_id": law.id, "article": "第十条"},
                                   {"basis_id": None, "article": "", "text": "《某县合作社管理办法》"}]}
    r = ask(api, items=[{"action": "add", "kind": "cooperative", "fields": cited}])
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    asked = api.get("officer", f"/requests/{rid}").get_json()
    assert [b.get("basis_id") for b in asked["items"][0]["fields"]["bases"]] == [law.id, None]
    done = api.post("officer", f"/requests/{rid}/decide", {"decision": "accept"}).get_json()
    rev = db.session.get(Revision, done["townships"][0]["revision_id"])
    added = next(i for i in rev.items if i.name == NEW_ITEM["name"])
    assert [(b.get("basis_id"), b.get("article")) for b in added.bases] == [(law.id, "第十条"), (None, "")]
    assert "某县合作社管理办法" in added.bases[1]["text"]


def test_a_request_citing_a_basis_that_does_not_exist_is_refused_and_writes_nothing(api, world):
    before = counts()
    cited = {**NEW_ITEM, "bases": [{"basis_id": 999999, "article": "第一条"}]}
    r = ask(api, items=[{"action": "add", "kind": "cooperative", "fields": cited}])
    assert r.status_code in (400, 409), r.get_json()
    assert "依据" in r.get_json()["error"]
    assert counts() == before
