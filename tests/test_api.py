"""The JSON API under /api/v1: the review cycle and every refusal, over HTTP with bearer tokens."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import ApiToken, AuditEvent, Consultation, DraftItem, Opinion, OpinionReply, Revision, Version
from dutylist.services.audit import verify_chain
from dutylist.services.snapshot import read_entries
from dutylist.services.tokens import create_token, revoke_tokens
from workflow import operations as ops

from .factories import LEVELS, NO_CONSULTATION

USERS = ("drafter", "other_drafter", "officer", "other_officer", "civil_user", "agri_user", "water_user",
         "other_civil_user", "pref_user", "other_pref_user", "region_user", "admin")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
_NOTHING = object()


class Api:
    """Calls /api/v1 as one of the World's users (a token each, made up front)."""

    def __init__(self, client, world):
        self.client, self.world = client, world
        self.tokens = {who: create_token(getattr(world, who)) for who in USERS}
        db.session.commit()

    def __call__(self, method, url, who, json=_NOTHING, *, data=None, token=None, **kw):
        headers = kw.pop("headers", {})
        if who is not None:
            headers["Authorization"] = f"Bearer {token or self.tokens[who]}"
        if json is not _NOTHING:
            kw["json"] = json
        elif data is not None:
            kw["data"] = data
            kw["content_type"] = "application/json"
        return self.client.open("/api/v1" + url, method=method, headers=headers, **kw)

    def get(self, url, who, **kw):
        return self("GET", url, who, **kw)

    def post(self, url, who, json=_NOTHING, **kw):
        return self("POST", url, who, json, **kw)

    def patch(self, url, who, json=_NOTHING, **kw):
        return self("PATCH", url, who, json, **kw)

    def delete(self, url, who, json=_NOTHING, **kw):
        return self("DELETE", url, who, json, **kw)

    def ok(self, method, url, who, json=_NOTHING, status=200):
        resp = self(method, url, who, json)
        assert resp.status_code == status, resp.get_json()
        return resp.get_json()


@pytest.fixture
def api(client, world):
    return Api(client, world)


# ------------------------------------------------------------------ helpers ----
def refused(resp, status, *words):
    """The response is a JSON error of that status, in Chinese, mentioning the words."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    body = resp.get_json()
    assert body["status"] == status
    assert CHINESE.search(body["error"]), body
    for w in words:
        assert w in body["error"], body
    return body


def state(revision_id):
    """Everything a refused request must leave as it was."""
    db.session.expire_all()
    rev = db.session.get(Revision, revision_id)
    return {
        "revision": (rev.status, rev.round, rev.max_rounds, rev.lock_version, rev.deadline,
                     rev.published_version_id),
        "items": sorted((i.id, i.item_id, i.kind, i.number, i.position, i.name, i.deleted,
                         i.lock_version, repr(i.fields()))
                        for i in rev.items),
        "reasons": [(r.item_id, r.reason) for r in rev.reasons],
        "consultations": sorted((c.department_id, r.submission, r.state, r.deadline)
                                for c in rev.consultations for r in c.rounds),
        "opinions": db.session.scalar(select(func.count()).select_from(Opinion)),
        "replies": db.session.scalar(select(func.count()).select_from(OpinionReply)),
        "versions": db.session.scalar(select(func.count()).select_from(Version)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)),
    }


def item_named(rev_json, name):
    return next(i for i in rev_json["items"] if i["fields"]["name"] == name)


def start(api):
    return api.ok("POST", f"/townships/{api.world.town.id}/revisions", "drafter", {}, status=201)


def fire(api, rev_id, event, who, status=200, **body):
    return api.ok("POST", f"/revisions/{rev_id}/events/{event}", who, body, status=status)


def submit_and_accept(api, rev_id, depts=()):
    fire(api, rev_id, "submit", "drafter")
    if not depts:
        return fire(api, rev_id, "accept", "officer", no_consultation_reason=NO_CONSULTATION)
    return fire(api, rev_id, "accept", "officer", departments=[d.id for d in depts],
                deadline=(date.today() + timedelta(days=7)).isoformat())


def audit_actions():
    return [(e.action, e.from_state, e.to_state)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)) if e.from_state]


# ------------------------------------------------------------------ the whole cycle ----
def test_full_cycle_through_the_api_publishes_version_two(api, world):
    v1_before = api.ok("GET", f"/versions/{world.version.id}", "water_user")
    assert [e["name"] for e in v1_before["tables"]["withdrawn"]] == ["收养登记"]

    rev = start(api)
    rid = rev["id"]
    assert rev["status"] == "drafting" and rev["status_label"] == "起草中" and rev["round"] == 0
    assert rev["base_version"]["id"] == world.version.id and rev["changes"] == [] and rev["problems"] == []
    assert [e["event"] for e in rev["events"]] == ["submit", "abandon"]
    assert len(rev["items"]) == 6

    # the drafter moves a cooperative item to the withdrawn table and rewrites another
    coop = item_named(rev, "开展农牧业防灾减灾工作")
    moved = api.ok("PATCH", f"/revisions/{rid}/items/{coop['id']}", "drafter", {
        "lock_version": coop["lock_version"], "kind": "withdrawn",
        "receiving": [{"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金发放。"}],
        "reason": "专业性强，由县农业农村局承接"})
    assert (moved["kind"], moved["number"], moved["item_id"]) == ("withdrawn", 2, coop["item_id"])
    assert moved["fields"]["name"] == "开展农牧业防灾减灾工作" and moved["fields"]["category"] == "乡村振兴"
    # (the move renumbers the cooperative table, so its other items get a new lock_version: re-read)
    civil = item_named(api.ok("GET", f"/revisions/{rid}", "drafter"), "老年人高龄津贴的发放管理")
    edited = api.ok("PATCH", f"/revisions/{rid}/items/{civil['id']}", "drafter", {
        "lock_version": civil["lock_version"], "departments_text": "吉木萨尔县民政局",
        "dept_duties": ["1.组织开展高龄津贴政策宣传；", "2.负责高龄津贴发放工作。"], "reason": "补充职责"})
    assert edited["fields"]["departments"] == ["吉木萨尔县民政局"]
    assert edited["fields"]["township_duties"] == civil["fields"]["township_duties"]  # kept
    assert edited["lock_version"] == civil["lock_version"] + 1

    rev = api.ok("GET", f"/revisions/{rid}", "drafter")
    kinds = {c["item_id"]: c["kinds"] for c in rev["changes"]}
    assert kinds == {coop["item_id"]: ["changed", "moved"], civil["item_id"]: ["changed"]}
    assert [d["name"] for d in rev["suggested_departments"]] == ["吉木萨尔县民政局", "吉木萨尔县农业农村局"]
    assert rev["problems"] == []

    # 上: submit; the county office accepts and consults two departments
    assert fire(api, rid, "submit", "drafter")["status"] == "submitted"
    rev = fire(api, rid, "accept", "officer", departments=[world.civil.id, world.agri.id],
               deadline=(date.today() + timedelta(days=7)).isoformat())
    assert rev["status"] == "county_review" and rev["round"] == 1
    assert rev["deadline"] == (date.today() + timedelta(days=7)).isoformat()
    assert {c["department"]["name"]: c["pending"] for c in rev["consultations"]} == {
        "吉木萨尔县民政局": True, "吉木萨尔县农业农村局": True}

    # a department sees the whole draft and every change, those that name it marked and first
    seen = api.ok("GET", f"/revisions/{rid}", "civil_user")
    assert seen["events"] == [] and len(seen["items"]) == 6
    assert [(c["new"]["name"], c["concerns_me"]) for c in seen["changes"]] == [
        ("老年人高龄津贴的发放管理", True), ("开展农牧业防灾减灾工作", False)]
    assert seen["concerning"] == [civil["item_id"]]
    assert {c["department"]["name"]: c["state"] for c in seen["consultations"]} == {
        "吉木萨尔县民政局": "pending", "吉木萨尔县农业农村局": "pending"}

    op1 = api.ok("POST", f"/revisions/{rid}/opinions", "agri_user",
                 {"body": "承接方式请写明资金发放流程", "item_id": coop["item_id"]}, status=201)
    assert op1["stage"] == "county" and op1["round"] == 1 and op1["organisation"]["name"] == "吉木萨尔县农业农村局"
    signed = api.ok("POST", f"/revisions/{rid}/signoff", "agri_user", {"verdict": "with_opinions"})
    assert signed["pending"] is False and signed["signed_off_round"] == 1 and signed["state"] == "signed"
    assert signed["verdict"] == "with_opinions"
    op2 = api.ok("POST", f"/revisions/{rid}/opinions", "civil_user", {"body": "同意"}, status=201)
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "with_opinions"})
    # the civil affairs bureau does not see the agriculture bureau's opinion on the other item
    assert [o["id"] for o in api.ok("GET", f"/revisions/{rid}/opinions", "civil_user")["opinions"]] == [op2["id"]]
    assert [o["id"] for o in api.ok("GET", f"/revisions/{rid}/opinions", "officer")["opinions"]] == [
        op1["id"], op2["id"]]

    # 下: the office returns it with a reason
    rev = fire(api, rid, "return_for_revision", "officer", reason="请按部门意见修改")
    assert rev["status"] == "returned" and rev["unanswered_opinions"] == 2
    before = state(rid)
    body = refused(api.post(f"/revisions/{rid}/events/submit", "drafter", {}), 409, "未答复")
    assert body["details"] and state(rid) == before

    # the township answers every opinion, revises, and submits again
    listed = api.ok("GET", f"/revisions/{rid}/opinions", "drafter")
    assert listed["unanswered"] == [op1["id"], op2["id"]]
    a1 = api.ok("POST", f"/revisions/{rid}/opinions/{op1['id']}/answers", "drafter",
                {"answer": "adopted", "body": "已补充资金发放流程"}, status=201)
    assert a1["answer"] == "adopted" and a1["answer_label"] == "采纳"
    api.ok("POST", f"/revisions/{rid}/opinions/{op2['id']}/answers", "drafter",
           {"answer": "adopted", "body": "无需修改"}, status=201)
    listed = api.ok("GET", f"/revisions/{rid}/opinions", "drafter")
    assert listed["unanswered"] == [] and all(o["answered"] for o in listed["opinions"])
    assert listed["opinions"][0]["answer"]["body"] == "已补充资金发放流程"
    moved_now = item_named(api.ok("GET", f"/revisions/{rid}", "drafter"), "开展农牧业防灾减灾工作")
    api.ok("PATCH", f"/revisions/{rid}/items/{moved_now['id']}", "drafter", {
        "lock_version": moved_now["lock_version"],
        "receiving": [{"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金审核、发放。"}]})
    assert fire(api, rid, "submit", "drafter")["round"] == 2

    # round 2: both signed round 1; the civil bureau's item did not change since, the moved one did:
    # each carries its sign-off over the unchanged change and must review the other
    rev = fire(api, rid, "accept", "officer", departments=[world.civil.id, world.agri.id])
    states = {c["department"]["name"]: c for c in rev["consultations"]}
    assert {n: c["state"] for n, c in states.items()} == {"吉木萨尔县民政局": "pending", "吉木萨尔县农业农村局": "pending"}
    assert all(c["rounds"][-1]["carried_items"] == [civil["item_id"]] and c["rounds"][-1]["carried_from_round"] == 1
               for c in states.values())
    refused(api.post(f"/revisions/{rid}/events/approve", "officer", {"reason": "通过"}), 409, "吉木萨尔县民政局")
    api.ok("POST", f"/revisions/{rid}/signoff", "agri_user", {"verdict": "no_opinion"})
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "no_opinion"})
    assert fire(api, rid, "approve", "officer", reason="第二轮审核通过")["status"] == "county_approved"
    assert fire(api, rid, "escalate", "officer")["status"] == "prefecture_review"
    assert fire(api, rid, "approve", "pref_user", reason="州级审核通过")["status"] == "region_review"
    rev = fire(api, rid, "publish", "region_user", reason="自治区审核通过")
    assert rev["status"] == "published" and rev["events"] == []
    v2_id = rev["published_version"]["id"]
    assert rev["published_version"]["number"] == 2

    # the new version has the moved item in the withdrawn table, under the same identity
    v2 = api.ok("GET", f"/versions/{v2_id}", "other_civil_user")
    assert v2["number"] == 2 and v2["source"] == "revision" and v2["counts"] == {
        "basic": 3, "cooperative": 1, "withdrawn": 2}
    withdrawn = {e["name"]: e for e in v2["tables"]["withdrawn"]}
    assert withdrawn["开展农牧业防灾减灾工作"]["item_id"] == coop["item_id"]
    assert withdrawn["开展农牧业防灾减灾工作"]["number"] == 2
    assert withdrawn["开展农牧业防灾减灾工作"]["receiving"] == [
        {"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金审核、发放。"}]
    assert [e["name"] for e in v2["tables"]["cooperative"]] == ["老年人高龄津贴的发放管理"]
    # version 1 is still readable, unchanged
    assert api.ok("GET", f"/versions/{world.version.id}", "water_user") == v1_before
    versions = api.ok("GET", f"/townships/{world.town.id}/versions", "pref_user")["versions"]
    assert [v["number"] for v in versions] == [2, 1]
    towns = {t["id"]: t for t in api.ok("GET", "/townships", "other_drafter")["townships"]}
    assert towns[world.town.id]["current_version"]["id"] == v2_id
    assert towns[world.other_town.id]["current_version"] is None

    assert audit_actions() == [
        ("submit", "drafting", "submitted"), ("accept", "submitted", "county_review"),
        ("return_for_revision", "county_review", "returned"), ("submit", "returned", "submitted"),
        ("accept", "submitted", "county_review"), ("approve", "county_review", "county_approved"),
        ("escalate", "county_approved", "prefecture_review"), ("approve", "prefecture_review", "region_review"),
        ("publish", "region_review", "published")]
    assert verify_chain().ok


# ------------------------------------------------------------------ the OpenAPI document ----
def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)[len("/api/v1"):]


def test_openapi_document_describes_every_route(app, client):
    resp = client.get("/api/v1/openapi.json")  # no token needed
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "/api/v1"}]
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert spec["security"] == [{"bearerAuth": []}]
    registered = {(_spec_path(r.rule), m.lower()) for r in app.url_map.iter_rules()
                  if r.rule.startswith("/api/v1") for m in r.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, ops_ in spec["paths"].items() for method in ops_}
    assert described == registered
    schemas = spec["components"]["schemas"]
    for path, ops_ in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops_.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)
            assert any(code.startswith("2") for code in op["responses"]), (path, method)
            if op.get("security") != []:
                assert "401" in op["responses"], (path, method)
            if method in ("post", "patch", "delete") and path != "/openapi.json":
                assert {"400", "403", "404", "409"} <= set(op["responses"]), (path, method)
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(op)):
                assert ref in schemas, (path, method, ref)
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(schemas)):
        assert ref in schemas, ref
    assert "requestBody" in spec["paths"]["/revisions/{revision_id}/items"]["post"]
    assert "requestBody" in spec["paths"]["/revisions/{revision_id}/events/{event}"]["post"]
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []


# ------------------------------------------------------------------ tokens ----
def test_missing_invalid_and_revoked_tokens_get_401(api, world, client):
    rev = start(api)
    before = state(rev["id"])
    url = f"/api/v1/revisions/{rev['id']}/events/submit"
    for headers in ({}, {"Authorization": "Bearer dl_not-a-token"}, {"Authorization": "Basic abc"},
                    {"Authorization": api.tokens["drafter"]}):
        refused(client.post(url, json={}, headers=headers), 401, "令牌")
    assert state(rev["id"]) == before
    assert api.get("/ping", "drafter").get_json() == {"user": "dayou-drafter"}

    assert revoke_tokens(world.drafter) == 1
    db.session.commit()
    before = state(rev["id"])  # (the revocation is logged)
    refused(api.post(f"/revisions/{rev['id']}/events/submit", "drafter", {}), 401)
    refused(api.get("/townships", "drafter"), 401)
    assert state(rev["id"]) == before
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.drafter.id)).revoked_at is not None
    # a new token works again; an inactive user's token does not
    fresh = create_token(world.drafter)
    db.session.commit()
    assert api.get("/ping", "drafter", token=fresh).status_code == 200
    world.officer.active = False
    db.session.commit()
    refused(api.get("/ping", "officer"), 401)


# ------------------------------------------------------------------ reading ----
def test_published_lists_are_readable_by_any_token_user(api, world):
    for who in ("other_civil_user", "region_user", "other_drafter"):
        towns = api.ok("GET", "/townships", who)["townships"]
        assert [t["name"] for t in towns] == ["大有镇", "泉子街镇"]
        assert towns[0]["current_version"]["counts"] == {"basic": 3, "cooperative": 2, "withdrawn": 1}
        assert towns[0]["county"]["name"] == "吉木萨尔县" and towns[0]["prefecture"]["name"] == "昌吉回族自治州"
    v = api.ok("GET", f"/versions/{world.version.id}", "other_civil_user")
    assert v["number"] == 1 and v["township"]["name"] == "大有镇"
    assert [(e["number"], e["name"]) for e in v["tables"]["basic"]] == [
        (1, "加强基层阵地建设，优化提升服务功能"), (2, "负责本镇农村“四老”人员服务管理工作"), (3, "负责本镇政府信息公开工作")]
    coop = v["tables"]["cooperative"][0]
    assert coop["departments"] == ["吉木萨尔县民政局"] and coop["dept_duties"] == ["1.组织开展高龄津贴政策宣传；"]
    assert v["tables"]["withdrawn"][0]["receiving"] == [{"department": "吉木萨尔县民政局", "method": "负责收养登记。"}]
    assert [e["item_id"] for e in read_entries(world.version)] == [
        e["item_id"] for k in ("basic", "cooperative", "withdrawn") for e in v["tables"][k]]
    depts = api.ok("GET", f"/departments?township={world.town.id}", "officer")["departments"]
    assert [d["name"] for d in depts] == ["吉木萨尔县委编办", "吉木萨尔县民政局", "吉木萨尔县农业农村局", "吉木萨尔县水利局"]
    refused(api.get("/departments", "officer"), 400, "township")
    refused(api.get("/departments?township=abc", "officer"), 400)
    refused(api.get(f"/departments?township={world.county.id}", "officer"), 404)


def test_revision_is_shown_only_to_those_with_business_in_it(api, world):
    rev = start(api)
    rid = rev["id"]
    coop = item_named(rev, "老年人高龄津贴的发放管理")
    api.ok("PATCH", f"/revisions/{rid}/items/{coop['id']}", "drafter",
           {"lock_version": coop["lock_version"], "township_duties": ["1.核实到龄老年人信息；"], "reason": "精简"})
    # while drafting: the township and its county office only
    for who in ("drafter", "officer", "admin"):
        assert api.get(f"/revisions/{rid}", who).status_code == 200
    for who, words in (("other_drafter", "管辖范围"), ("other_officer", "管辖范围"), ("civil_user", "无权查看"),
                       ("pref_user", "尚未轮到"), ("region_user", "无权查看")):
        refused(api.get(f"/revisions/{rid}", who), 403, words)
        refused(api.get(f"/revisions/{rid}/opinions", who), 403, words)
    submit_and_accept(api, rid, [world.civil])
    # consulted department: yes, the whole draft, its change marked; others: no
    seen = api.ok("GET", f"/revisions/{rid}", "civil_user")
    assert len(seen["items"]) == 6 and seen["concerning"] == [coop["item_id"]] and seen["problems"] == []
    for who in ("other_civil_user", "water_user", "agri_user", "pref_user", "other_drafter"):
        refused(api.get(f"/revisions/{rid}", who), 403)
        refused(api.get(f"/revisions/{rid}/opinions", who), 403)
    # the drafter finds its open revision from the township; outsiders do not
    assert api.ok("GET", f"/townships/{world.town.id}", "drafter")["open_revision"]["id"] == rid
    assert api.ok("GET", f"/townships/{world.town.id}", "other_drafter")["open_revision"] is None
    assert [r["id"] for r in api.ok("GET", f"/townships/{world.town.id}/revisions", "civil_user")["revisions"]] == [rid]
    assert api.ok("GET", f"/townships/{world.town.id}/revisions", "water_user")["revisions"] == []


# ------------------------------------------------------------------ refusals ----
def test_starting_a_revision_is_for_the_townships_drafter_once(api, world):
    for who in ("other_drafter", "officer", "pref_user"):
        refused(api.post(f"/townships/{world.town.id}/revisions", who, {}), 403)
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0
    rev = start(api)
    refused(api.post(f"/townships/{world.town.id}/revisions", "drafter", {}), 409, "未完成的修订稿")
    assert db.session.scalars(select(Revision.id)).all() == [rev["id"]]


@pytest.mark.parametrize(("who", "event", "status", "words"), [
    ("officer", "submit", 403, "角色"),              # wrong role
    ("other_drafter", "submit", 403, "管辖"),        # another township's drafter
    ("other_officer", "submit", 403, "管辖"),        # another county's office
    ("drafter", "accept", 409, "起草中"),            # wrong state
    ("officer", "approve", 409, "起草中"),
    ("pref_user", "publish", 403, "尚未轮到本级审核"),  # a higher level, not its turn: not even visible
    ("drafter", "escalate", 409, "起草中"),
])
def test_forbidden_moves_while_drafting(api, who, event, status, words):
    rev = start(api)
    before = state(rev["id"])
    refused(api.post(f"/revisions/{rev['id']}/events/{event}", who, {"reason": "x"}), status, words)
    assert state(rev["id"]) == before and before["revision"][0] == "drafting"


@pytest.mark.parametrize(("who", "event", "status"), [
    ("civil_user", "approve", 403),       # a department approving
    ("other_officer", "approve", 403),    # another county's office
    ("drafter", "approve", 403),          # wrong role
    ("pref_user", "approve", 403),        # a higher level before its turn
    ("other_civil_user", "approve", 403),
    ("drafter", "withdraw", 409),         # accepted already: too late to withdraw
    ("officer", "accept", 409),           # already accepted
    ("officer", "escalate", 409),         # not approved by the county yet
    ("officer", "publish", 409),          # not approved by the county yet
    ("region_user", "publish", 403),      # not the region's turn
    ("water_user", "accept", 403),        # a department not consulted
])
def test_forbidden_moves_in_county_review(api, world, who, event, status):
    rev = start(api)
    submit_and_accept(api, rev["id"], [world.civil])
    before = state(rev["id"])
    refused(api.post(f"/revisions/{rev['id']}/events/{event}", who, {"reason": "x"}), status)
    assert state(rev["id"]) == before and before["revision"][0] == "county_review"


def test_approving_needs_a_reason_and_unknown_events_are_404(api, world):
    rev = start(api)
    submit_and_accept(api, rev["id"], [])
    before = state(rev["id"])
    refused(api.post(f"/revisions/{rev['id']}/events/approve", "officer", {"reason": "   "}), 400, "理由")
    refused(api.post(f"/revisions/{rev['id']}/events/approve", "officer"), 400, "理由")
    refused(api.post(f"/revisions/{rev['id']}/events/bless", "officer", {}), 404, "bless")
    refused(api.post("/revisions/987654/events/approve", "officer", {"reason": "x"}), 404, "修订稿不存在")
    assert state(rev["id"]) == before


def test_edits_by_the_wrong_people_or_at_the_wrong_time_are_refused(api, world):
    rev = start(api)
    rid = rev["id"]
    it = item_named(rev, "负责本镇政府信息公开工作")
    url = f"/revisions/{rid}/items/{it['id']}"
    edit = {"lock_version": it["lock_version"], "name": "改名"}
    before = state(rid)
    refused(api.patch(url, "other_drafter", edit), 403, "管辖")  # another township
    refused(api.patch(url, "other_officer", edit), 403)            # another county
    refused(api.patch(url, "officer", edit), 403, "起草人")        # wrong role
    refused(api.delete(url, "officer", {"lock_version": it["lock_version"], "reason": "x"}), 403)
    refused(api.post(f"/revisions/{rid}/items", "civil_user", {"kind": "basic", "name": "x"}), 403)
    refused(api.post(f"/revisions/{rid}/renumber", "officer"), 403)
    assert state(rid) == before
    submit_and_accept(api, rid, [])
    before = state(rid)
    refused(api.patch(url, "drafter", edit), 409, "县级审核中")  # under review: not editable
    refused(api.post(f"/revisions/{rid}/items", "drafter", {"kind": "basic", "category": "党的建设", "name": "新"}),
            409)
    refused(api.delete(url, "drafter", {"lock_version": it["lock_version"]}), 409)
    assert state(rid) == before
    assert db.session.get(DraftItem, it["id"]).name == "负责本镇政府信息公开工作"


def test_department_may_comment_and_sign_off_but_not_decide(api, world):
    rev = start(api)
    rid = rev["id"]
    submit_and_accept(api, rid, [world.civil])
    before = state(rid)
    refused(api.post(f"/revisions/{rid}/events/approve", "civil_user", {"reason": "同意"}), 403)
    refused(api.post(f"/revisions/{rid}/events/return_for_revision", "civil_user", {"reason": "退"}), 403)
    refused(api.post(f"/revisions/{rid}/opinions", "water_user", {"body": "未被征求"}), 403, "未被征求意见")
    refused(api.post(f"/revisions/{rid}/opinions", "other_civil_user", {"body": "外县"}), 403)
    refused(api.post(f"/revisions/{rid}/signoff", "water_user"), 403)
    refused(api.post(f"/revisions/{rid}/signoff", "officer"), 403)
    refused(api.post(f"/revisions/{rid}/opinions", "drafter", {"body": "自己提意见"}), 403)
    assert state(rid) == before
    op = api.ok("POST", f"/revisions/{rid}/opinions", "civil_user", {"body": "请核实"}, status=201)
    refused(api.post(f"/revisions/{rid}/signoff", "civil_user", {}), 400, "无意见")  # a verdict is needed
    refused(api.post(f"/revisions/{rid}/signoff", "civil_user", {"verdict": "no_opinion"}), 409, "有意见")
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "with_opinions"})
    before = state(rid)
    # signed off: no more opinions or sign-offs from it this round
    refused(api.post(f"/revisions/{rid}/opinions", "civil_user", {"body": "再提一条"}), 409)
    refused(api.post(f"/revisions/{rid}/signoff", "civil_user", {"verdict": "with_opinions"}), 409)
    # answers are the township's, and only once the draft is back with it
    refused(api.post(f"/revisions/{rid}/opinions/{op['id']}/answers", "officer",
                     {"answer": "adopted", "body": "x"}), 403)
    refused(api.post(f"/revisions/{rid}/opinions/{op['id']}/answers", "drafter",
                     {"answer": "adopted", "body": "已核实"}), 409)
    refused(api.post(f"/revisions/{rid}/opinions/{op['id']}/replies", "other_civil_user", {"body": "外县"}), 403)
    refused(api.post(f"/revisions/{rid}/opinions/{op['id']}/replies", "water_user", {"body": "旁观"}), 403)
    assert state(rid) == before
    # the office may discuss the opinion in its thread
    reply = api.ok("POST", f"/revisions/{rid}/opinions/{op['id']}/replies", "officer",
                   {"body": "请民政局补充依据"}, status=201)
    assert reply["answer"] is None and reply["organisation"]["name"] == "吉木萨尔县委编办"
    thread = api.ok("GET", f"/revisions/{rid}/opinions", "civil_user")["opinions"]
    assert [(o["body"], [r["body"] for r in o["replies"]]) for o in thread] == [("请核实", ["请民政局补充依据"])]


def test_fourth_round_needs_an_extension(api, world):
    rid = start(api)["id"]
    for n in range(1, 4):
        fire(api, rid, "submit", "drafter")
        fire(api, rid, "accept", "officer", no_consultation_reason=NO_CONSULTATION)
        if n < 3:
            fire(api, rid, "return_for_revision", "officer", reason=f"第{n}轮退回")
    before = state(rid)
    assert before["revision"][:3] == ("county_review", 3, 3)
    body = refused(api.post(f"/revisions/{rid}/events/return_for_revision", "officer", {"reason": "第3轮退回"}),
                   409, "延长")
    assert body["details"]
    refused(api.post(f"/revisions/{rid}/extend", "officer", {"reason": "  "}), 400, "理由")
    refused(api.post(f"/revisions/{rid}/extend", "officer", {}), 400)
    refused(api.post(f"/revisions/{rid}/extend", "drafter", {"reason": "想多一轮"}), 403)
    refused(api.post(f"/revisions/{rid}/extend", "other_officer", {"reason": "外县"}), 403)
    refused(api.post(f"/revisions/{rid}/extend", "officer", {"reason": 3}), 400)
    assert state(rid) == before
    rev = api.ok("POST", f"/revisions/{rid}/extend", "officer", {"reason": "部门意见分歧较大，需第四轮协调"})
    assert rev["max_rounds"] == 4 and rev["status"] == "county_review"
    assert fire(api, rid, "return_for_revision", "officer", reason="第3轮退回")["status"] == "returned"
    assert fire(api, rid, "submit", "drafter")["round"] == 4
    ext = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "extend_rounds")).one()
    assert ext.details["reason"] == "部门意见分歧较大，需第四轮协调"


def test_resubmit_with_unanswered_opinions_is_refused(api, world):
    rid = start(api)["id"]
    submit_and_accept(api, rid, [world.civil])
    ops_ = [api.ok("POST", f"/revisions/{rid}/opinions", who, {"body": body}, status=201)
            for who, body in (("civil_user", "意见一"), ("officer", "意见二"))]
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "with_opinions"})
    fire(api, rid, "return_for_revision", "officer", reason="请修改")
    api.ok("POST", f"/revisions/{rid}/opinions/{ops_[0]['id']}/answers", "drafter",
           {"answer": "not_adopted", "body": "不符合实际"}, status=201)
    before = state(rid)
    body = refused(api.post(f"/revisions/{rid}/events/submit", "drafter", {}), 409, "1 条", "未答复")
    assert state(rid) == before and before["revision"][:2] == ("returned", 1)
    api.ok("POST", f"/revisions/{rid}/opinions/{ops_[1]['id']}/answers", "drafter",
           {"answer": "partly", "body": "部分采纳"}, status=201)
    assert fire(api, rid, "submit", "drafter")["round"] == 2
    assert body["details"] == ["还有 1 条意见未答复，须逐条答复后才能再次上报"]


def test_submit_refused_while_pre_submit_checks_fail(api, world):
    rev = start(api)
    rid = rev["id"]
    first = item_named(rev, "加强基层阵地建设，优化提升服务功能")
    api.ok("DELETE", f"/revisions/{rid}/items/{first['id']}?lock_version={first['lock_version']}&reason=合并",
           "drafter")
    assert db.session.get(DraftItem, first["id"]).deleted
    assert db.session.get(Revision, rid).reasons_of(first["item_id"]) == ["合并"]
    rev = api.ok("GET", f"/revisions/{rid}", "drafter")
    assert any("序号不连续" in p for p in rev["problems"])
    assert [(c["item_id"], c["kinds"], c["reason"]) for c in rev["changes"]] == [(first["item_id"], ["removed"], "合并")]
    before = state(rid)
    body = refused(api.post(f"/revisions/{rid}/events/submit", "drafter", {}), 409, "序号不连续")
    assert any("序号不连续" in d for d in body["details"]) and state(rid) == before
    rev = api.ok("POST", f"/revisions/{rid}/renumber", "drafter")
    assert rev["problems"] == []
    assert [i["number"] for i in rev["items"] if i["kind"] == "basic"] == [1, 2]
    assert fire(api, rid, "submit", "drafter")["status"] == "submitted"


def test_stale_edit_is_refused_and_the_first_edit_kept(api, world):
    rev = start(api)
    rid = rev["id"]
    it = item_named(rev, "负责本镇政府信息公开工作")
    url = f"/revisions/{rid}/items/{it['id']}"
    first = api.ok("PATCH", url, "drafter", {"lock_version": it["lock_version"], "name": "甲的修改"})
    assert first["lock_version"] == it["lock_version"] + 1
    before = state(rid)
    refused(api.patch(url, "drafter", {"lock_version": it["lock_version"], "name": "乙的修改"}), 409, "已被他人修改")
    refused(api.delete(url, "drafter", {"lock_version": it["lock_version"], "reason": "乙删除"}), 409)
    refused(api.post(url + "/move", "drafter", {"direction": -1, "lock_version": it["lock_version"]}), 409)
    assert state(rid) == before
    row = db.session.get(DraftItem, it["id"])
    assert row.name == "甲的修改" and not row.deleted and row.number == 3
    # with the current lock_version it goes through
    moved = api.ok("POST", url + "/move", "drafter", {"direction": -1, "lock_version": first["lock_version"]})
    assert moved["number"] == 2


def test_items_add_edit_move_and_delete(api, world):
    rev = start(api)
    rid = rev["id"]
    new = api.ok("POST", f"/revisions/{rid}/items", "drafter", {
        "kind": "cooperative", "category": "民生服务", "name": "残疾人两项补贴审核",
        "departments": ["吉木萨尔县民政局"], "dept_duties": ["1.审核"], "township_duties": ["1.初审"],
        "reason": "新增配合事项"}, status=201)
    assert (new["kind"], new["number"], new["reason"]) == ("cooperative", 3, "新增配合事项")
    assert new["fields"]["departments_text"] == "吉木萨尔县民政局"
    row = db.session.get(DraftItem, new["id"])
    assert row.revision_id == rid and row.departments == ["吉木萨尔县民政局"]
    # departments given as printed text are split
    edited = api.ok("PATCH", f"/revisions/{rid}/items/{new['id']}", "drafter", {
        "lock_version": new["lock_version"], "departments_text": "吉木萨尔县民政局、吉木萨尔县水利局"})
    assert edited["fields"]["departments"] == ["吉木萨尔县民政局", "吉木萨尔县水利局"]
    # moved back into the basic table
    basic = api.ok("PATCH", f"/revisions/{rid}/items/{new['id']}", "drafter", {
        "lock_version": edited["lock_version"], "kind": "basic", "reason": "由本镇负责"})
    assert (basic["kind"], basic["number"]) == ("basic", 4) and basic["fields"]["departments"] == []
    up = api.ok("POST", f"/revisions/{rid}/items/{new['id']}/move", "drafter",
                {"direction": -1, "lock_version": basic["lock_version"]})
    assert up["number"] == 3
    gone = api.ok("DELETE", f"/revisions/{rid}/items/{new['id']}", "drafter",
                  {"lock_version": up["lock_version"], "reason": "重复"})
    assert gone["deleted"] is True
    refused(api.delete(f"/revisions/{rid}/items/{new['id']}", "drafter", {"lock_version": gone["lock_version"]}),
            404, "事项不存在")
    rev = api.ok("GET", f"/revisions/{rid}", "drafter")
    assert new["id"] not in [i["id"] for i in rev["items"]]
    assert [a for a, *_ in db.session.execute(
        select(AuditEvent.action).where(AuditEvent.revision_id == rid).order_by(AuditEvent.seq))] == [
        "revision_start", "item_add", "item_edit", "item_move", "item_reorder", "item_delete"]


def test_add_at_a_place_and_move_to_a_place(api, world):
    """position on create inserts before the item at that place; position on move goes there in one step:
    the items between shift, the 序号 stay 1..n, one audit entry each."""
    rev = start(api)
    rid = rev["id"]
    names = [i["fields"]["name"] for i in rev["items"] if i["kind"] == "basic"]
    new = api.ok("POST", f"/revisions/{rid}/items", "drafter", {
        "kind": "basic", "category": "党的建设", "name": "插在最前的事项", "position": 1, "reason": "新增"}, status=201)
    assert (new["kind"], new["number"]) == ("basic", 1)
    rev = api.ok("GET", f"/revisions/{rid}", "drafter")
    basic = [i for i in rev["items"] if i["kind"] == "basic"]
    assert [(i["fields"]["name"], i["number"]) for i in basic] == list(
        zip(["插在最前的事项", *names], range(1, 5), strict=True))
    at_end = api.ok("POST", f"/revisions/{rid}/items", "drafter", {
        "kind": "basic", "category": "党的建设", "name": "末尾的事项", "position": 5}, status=201)
    assert at_end["number"] == 5
    moved = api.ok("POST", f"/revisions/{rid}/items/{at_end['id']}/move", "drafter",
                   {"position": 2, "lock_version": at_end["lock_version"], "reason": "调整顺序"})
    assert moved["number"] == 2
    rev = api.ok("GET", f"/revisions/{rid}", "drafter")
    assert [i["fields"]["name"] for i in rev["items"] if i["kind"] == "basic"] == ["插在最前的事项", "末尾的事项", *names]
    # the 序号 are in order; only the item added without a reason asks for one (the reorder does not)
    assert rev["problems"] == ["以下修改须填写修改理由：基本事项第 2 项“末尾的事项”"]
    assert rev["missing_reasons"] == [at_end["item_id"]]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_reorder")).one()
    assert (event.details["from"], event.details["to"], event.details["reason"]) == (5, 2, "调整顺序")
    spec = api.ok("GET", "/openapi.json", "drafter")
    schemas = spec["components"]["schemas"]
    assert "position" in schemas["ItemMove"]["properties"] and "position" in str(schemas["NewItem"])


@pytest.mark.parametrize(("method", "path", "body", "words"), [
    ("POST", "/items", "{not json", "JSON"),
    ("POST", "/items", [1, 2], "JSON 对象"),
    ("POST", "/items", None, "kind"),  # no body is an empty object
    ("POST", "/items", "null", "JSON 对象"),
    ("POST", "/items", {"kind": "basic", "name": 123}, "name"),
    ("POST", "/items", {"kind": "table", "name": "x"}, "kind"),
    ("POST", "/items", {"name": "x"}, "kind"),
    ("POST", "/items", {"kind": "basic", "category": "党的建设", "name": " "}, "名称"),
    ("POST", "/items", {"kind": "cooperative", "name": "x", "departments": "县民政局"}, "departments"),
    ("POST", "/items", {"kind": "cooperative", "name": "x", "dept_duties": [1, 2]}, "dept_duties"),
    ("POST", "/items", {"kind": "withdrawn", "name": "x", "receiving": [{"department": 1}]}, "承接部门"),
    ("POST", "/items", {"kind": "withdrawn", "name": "x", "receiving": "县民政局"}, "承接部门"),
    ("POST", "/items", {"kind": "basic", "name": "x", "colour": "red"}, "colour"),
    ("POST", "/items", {"kind": "basic", "name": "x", "reason": ["a"]}, "reason"),
    ("PATCH", "/items/{item}", {"name": "x"}, "lock_version"),
    ("PATCH", "/items/{item}", {"lock_version": "1", "name": "x"}, "lock_version"),
    ("PATCH", "/items/{item}", {"lock_version": True, "name": "x"}, "lock_version"),
    ("PATCH", "/items/{item}", {"lock_version": "{lv}", "name": ""}, "名称"),
    ("PATCH", "/items/{item}", {"lock_version": "{lv}", "kind": "other"}, "kind"),
    ("DELETE", "/items/{item}?lock_version=abc", None, "lock_version"),
    ("DELETE", "/items/{item}", None, "lock_version"),
    ("DELETE", "/items/{item}?lock_version={lv}&force=1", None, "force"),
    ("POST", "/items/{item}/move", {"direction": 2, "lock_version": "{lv}"}, "direction"),
    ("POST", "/items/{item}/move", {"lock_version": "{lv}"}, "position"),  # neither direction nor position
    ("POST", "/items/{item}/move", {"direction": 1, "position": 2, "lock_version": "{lv}"}, "之一"),
    ("POST", "/items/{item}/move", {"position": 0, "lock_version": "{lv}"}, "1 到 3"),
    ("POST", "/items/{item}/move", {"position": 4, "lock_version": "{lv}"}, "1 到 3"),
    ("POST", "/items/{item}/move", {"position": "2", "lock_version": "{lv}"}, "position"),
    ("POST", "/items/{item}/move", {"position": None, "lock_version": "{lv}"}, "position"),
    ("POST", "/items/{item}/move", {"position": 2.5, "lock_version": "{lv}"}, "position"),
    ("POST", "/items/{item}/move", {"position": 2}, "lock_version"),
    ("POST", "/items/{item}/move", {"direction": 1, "reason": "x", "lock_version": "{lv}"}, "reason"),
    ("POST", "/items", {"kind": "basic", "category": "党的建设", "name": "x", "position": 0}, "1 到 4"),
    ("POST", "/items", {"kind": "basic", "category": "党的建设", "name": "x", "position": 5}, "1 到 4"),
    ("POST", "/items", {"kind": "basic", "category": "党的建设", "name": "x", "position": "1"}, "position"),
    ("POST", "/items", {"kind": "basic", "category": "党的建设", "name": "x", "position": True}, "position"),
    ("POST", "/items/{item}/move", {"direction": -1, "lock_version": "{lv}"}, "最前"),
    ("POST", "/events/submit", {"reason": 5}, "reason"),
    ("POST", "/events/submit", {"departments": [1]}, "受理"),
    ("POST", "/events/abandon", {}, "理由"),
    ("POST", "/events/abandon", "[]", "JSON 对象"),
    ("POST", "/events/submit", "[" * 5000 + "]" * 5000, "JSON"),  # nested too deep for the parser
    ("POST", "/renumber", {"x": 1}, "x"),
])
def test_bad_input_is_400_and_changes_nothing(api, world, method, path, body, words):
    rev = start(api)
    rid = rev["id"]
    first = rev["items"][0]
    path = path.replace("{item}", str(first["id"])).replace("{lv}", str(first["lock_version"]))
    if isinstance(body, dict):
        body = {k: (first["lock_version"] if v == "{lv}" else v) for k, v in body.items()}
    before = state(rid)
    if isinstance(body, str):
        resp = api(method, f"/revisions/{rid}{path}", "drafter", data=body)
    elif body is None:
        resp = api(method, f"/revisions/{rid}{path}", "drafter")
    else:
        resp = api(method, f"/revisions/{rid}{path}", "drafter", body)
    refused(resp, 400, words)
    assert state(rid) == before


def test_bad_accept_input_is_400_and_changes_nothing(api, world):
    rid = start(api)["id"]
    fire(api, rid, "submit", "drafter")
    before = state(rid)
    url = f"/revisions/{rid}/events/accept"
    for body, words in [
        ({"deadline": "2025-13-01"}, "有效的日期"),
        ({"deadline": "next week"}, "YYYY-MM-DD"),
        ({"deadline": 20250101}, "YYYY-MM-DD"),
        ({"departments": [world.civil.id], "deadline": (date.today() - timedelta(days=1)).isoformat()}, "早于今天"),
        ({}, "至少一个"),  # no department and no reason for consulting none
        ({"departments": [], "no_consultation_reason": "   "}, "至少一个"),
        ({"departments": [world.civil.id], "no_consultation_reason": "不征求"}, "无需填写"),
        ({"departments": [world.office.id]}, "县直部门"),  # the office is no department to consult
        ({"departments": ["吉木萨尔县民政局"]}, "departments"),
        ({"departments": world.civil.id}, "departments"),
        ({"departments": [world.other_civil.id]}, "不属于本县"),
        ({"departments": [world.town.id]}, "不属于本县"),
        ({"departments": [2**40]}, "不属于本县"),
        ({"departments": [world.civil.id], "sms": True}, "sms"),
    ]:
        refused(api.post(url, "officer", body), 400, words)
        assert state(rid) == before, body
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_bad_opinion_input_is_400(api, world):
    rid = start(api)["id"]
    submit_and_accept(api, rid, [world.civil])
    before = state(rid)
    url = f"/revisions/{rid}/opinions"
    for body, words in [({"body": ""}, "body"), ({}, "body"), ({"body": 3}, "body"),
                        ({"body": "x", "item_id": "3"}, "item_id"), ({"body": "x", "item_id": 10**12}, "不在本修订稿"),
                        ({"body": "x", "item_id": 999999}, "不在本修订稿"), ({"body": "x" * 4001}, "过长")]:
        refused(api.post(url, "civil_user", body), 400, words)
    assert state(rid) == before
    op = api.ok("POST", url, "officer", {"body": "请补充"}, status=201)
    api.ok("POST", f"/revisions/{rid}/signoff", "civil_user", {"verdict": "no_opinion"})
    fire(api, rid, "return_for_revision", "officer", reason="退回")
    before = state(rid)
    answers = f"/revisions/{rid}/opinions/{op['id']}/answers"
    for body, words in [({"answer": "yes", "body": "x"}, "answer"), ({"answer": "adopted"}, "body"),
                        ({"answer": "adopted", "body": "  "}, "body"), ({"answer": None, "body": "x"}, "answer")]:
        refused(api.post(answers, "drafter", body), 400, words)
    refused(api.post(f"/revisions/{rid}/opinions/{op['id']}/replies", "drafter", {"body": ""}), 400)
    assert state(rid) == before


def test_unknown_ids_are_404(api, world):
    rev = start(api)
    rid = rev["id"]
    # another township's revision with an opinion of its own
    other = ops.start_revision(world.other_town, world.other_drafter)
    db.session.commit()
    other_item = ops.add_item(other, world.other_drafter, "basic", {"category": "党的建设", "name": "其他镇事项"},
                              reason="新增职责")
    db.session.commit()
    ops.fire(other, "submit", world.other_drafter, levels=LEVELS)
    ops.fire(other, "accept", world.officer, levels=LEVELS, no_consultation_reason=NO_CONSULTATION)
    foreign = ops.add_opinion(other, world.officer, "其他镇的意见")
    db.session.commit()
    other_item_id, foreign_id = other_item.id, foreign.id
    before = state(rid)
    for method, url, body, words in [
        ("GET", "/revisions/424242", None, "修订稿不存在"),
        ("GET", "/revisions/99999999999999999999", None, "修订稿不存在"),
        ("GET", "/revisions/424242/opinions", None, "修订稿不存在"),
        ("GET", "/versions/424242", None, "版本不存在"),
        ("GET", "/townships/424242", None, "乡镇不存在"),
        ("GET", f"/townships/{world.county.id}/versions", None, "乡镇不存在"),  # a county is no township
        ("POST", f"/townships/{world.county.id}/revisions", {}, "乡镇不存在"),
        ("PATCH", f"/revisions/{rid}/items/424242", {"lock_version": 1, "name": "x"}, "事项不存在"),
        ("PATCH", f"/revisions/{rid}/items/{other_item_id}", {"lock_version": 1, "name": "x"}, "事项不存在"),
        ("DELETE", f"/revisions/{rid}/items/{other_item_id}?lock_version=1", None, "事项不存在"),
        ("POST", f"/revisions/{rid}/items/{other_item_id}/move", {"direction": 1, "lock_version": 1}, "事项不存在"),
        ("POST", f"/revisions/{rid}/opinions/{foreign_id}/answers", {"answer": "adopted", "body": "x"}, "意见不存在"),
        ("POST", f"/revisions/{rid}/opinions/{foreign_id}/replies", {"body": "x"}, "意见不存在"),
        ("POST", f"/revisions/{rid}/opinions/424242/replies", {"body": "x"}, "意见不存在"),
        ("POST", f"/revisions/{rid}/events/jump", {}, "没有名为"),
        ("GET", "/no-such-thing", None, ""),
    ]:
        resp = api(method, url, "drafter", body) if body is not None else api(method, url, "drafter")
        refused(resp, 404, words)
    assert state(rid) == before
    assert db.session.get(DraftItem, other_item_id).name == "其他镇事项"
    assert db.session.scalar(select(func.count()).select_from(OpinionReply)) == 0


def test_prefecture_and_region_send_back_and_are_answered(api, world):
    rid = start(api)["id"]
    submit_and_accept(api, rid, [])
    fire(api, rid, "approve", "officer", reason="通过")
    fire(api, rid, "escalate", "officer")
    before = state(rid)
    refused(api.post(f"/revisions/{rid}/events/send_back", "other_pref_user", {"reason": "外州"}), 403)
    refused(api.post(f"/revisions/{rid}/events/send_back", "pref_user", {}), 400, "理由")
    refused(api.post(f"/revisions/{rid}/events/send_back", "region_user", {"reason": "x"}), 403)
    assert state(rid) == before
    assert api.get(f"/revisions/{rid}", "pref_user").status_code == 200
    refused(api.get(f"/revisions/{rid}", "region_user"), 403)
    rev = fire(api, rid, "send_back", "pref_user", reason="部分事项表述不规范")
    assert rev["status"] == "returned"
    opinions = api.ok("GET", f"/revisions/{rid}/opinions", "pref_user")
    assert [(o["body"], o["stage"]) for o in opinions["opinions"]] == [("部分事项表述不规范", "prefecture")]
    assert rev["send_backs"] == {"prefecture": 1, "region": 0} and rev["round"] == 1
    api.ok("POST", f"/revisions/{rid}/opinions/{opinions['unanswered'][0]}/answers", "drafter",
           {"answer": "partly", "body": "已规范表述"}, status=201)
    rev = fire(api, rid, "submit", "drafter")
    # the county's rounds and the higher levels' send-backs are counted apart
    assert (rev["round"], rev["submissions"], rev["send_backs"]) == (1, 2, {"prefecture": 1, "region": 0})


def test_review_levels_come_from_the_configuration(api, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEW_LEVELS", ())
    rid = start(api)["id"]
    submit_and_accept(api, rid, [])
    rev = fire(api, rid, "approve", "officer", reason="通过")
    assert [e["event"] for e in rev["events"]] == ["publish"]
    refused(api.post(f"/revisions/{rid}/events/escalate", "officer", {}), 409)
    rev = fire(api, rid, "publish", "officer", reason="县级审核通过并发布")
    assert rev["status"] == "published" and rev["published_version"]["number"] == 2


def test_abandon_then_start_again(api, world):
    rid = start(api)["id"]
    refused(api.post(f"/revisions/{rid}/events/abandon", "officer", {"reason": "x"}), 403)
    rev = fire(api, rid, "abandon", "drafter", reason="不再修订")
    assert rev["status"] == "abandoned" and rev["events"] == []
    assert start(api)["id"] != rid
