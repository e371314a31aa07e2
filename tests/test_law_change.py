"""A change of law reaching the lists (issue 14.3–14.4, 14.6): an office marks a basis repealed or amended,
every current item citing it is flagged, the impact within an area, one action opens the adjustment
drafts, submitting waits for each flagged item, and the optional pre-submit rule on new items' bases."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import AuditEvent, Basis, BasisFlag, DraftFlag, Notification, Revision, Version
from dutylist.services import drafts, law_change
from dutylist.services.tokens import create_token
from workflow import law
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid

from .factories import World, fire, publish_change, settle

CITED = ("老年人高龄津贴的发放管理", "收养登记")


@pytest.fixture
def world(app):
    return World()


def add_basis(world, title="中华人民共和国老年人权益保障法", doc_number="主席令第24号", owner=None) -> Basis:
    basis = Basis(title=title, doc_number=doc_number, issuer="全国人民代表大会常务委员会", level="法律",
                  owner_id=(owner or world.office).id)
    db.session.add(basis)
    db.session.commit()
    return basis


def cite(world, basis, names=CITED, town=None, drafter=None) -> Version:
    """Version n+1 of the township: the named items cite the basis (第十条), through the whole review."""
    town, drafter = town or world.town, drafter or world.drafter
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    for item in [i for i in rev.items if i.name in names]:
        data = {**item.fields(), "bases": [{"basis_id": basis.id, "article": "第十条"}]}
        ops.edit_item(rev, drafter, item.id, data, lock_version=item.lock_version, reason="补充依据")
    db.session.commit()
    return review(world, rev, drafter)


def review(world, rev, drafter=None) -> Version:
    fire(rev, "submit", drafter or world.drafter)
    fire(rev, "accept", world.officer)
    settle(rev)
    fire(rev, "approve", world.officer, reason="同意")
    fire(rev, "escalate", world.officer)
    fire(rev, "approve", world.pref_user, reason="同意")
    fire(rev, "publish", world.region_user, reason="同意")
    return db.session.get(Version, rev.published_version_id)


def open_flags(basis_id):
    return db.session.scalars(select(BasisFlag).where(BasisFlag.basis_id == basis_id,
                                                      BasisFlag.cleared_at.is_(None)).order_by(BasisFlag.id)).all()


def test_repealing_flags_every_current_item_citing_the_basis_and_only_those(app, world):
    basis = add_basis(world)
    other = add_basis(world, "民政部关于某事项的通知", "民发〔2020〕1号")
    v2 = cite(world, basis)
    flagged = law.change_basis_status(basis, world.officer, "repealed", date(2026, 12, 1), "已由新法代替")
    db.session.commit()
    assert flagged == 2
    flags = open_flags(basis.id)
    assert {f.version_id for f in flags} == {v2.id} and {f.county_id for f in flags} == {world.county.id}
    assert {f.kind for f in flags} == {"cooperative", "withdrawn"} and {f.status for f in flags} == {"repealed"}
    assert not open_flags(other.id)
    assert basis.status == "repealed" and basis.repealed_on == date(2026, 12, 1) and basis.status_note == "已由新法代替"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "basis_status")).one()
    assert event.target == f"basis:{basis.id}" and event.details["flagged"] == 2 and event.to_state == "repealed"
    # the impact: the county sees 大有镇's two items; the neighbouring county sees nothing
    towns = law_change.impact(basis.id, perm.area_of(world.officer))
    assert [t.name for t in towns] == ["大有镇"] and sorted(i["name"] for i in towns[0].items) == sorted(CITED)
    assert all(i["kind"] in ("cooperative", "withdrawn") and i["revision_id"] is None for i in towns[0].items)
    assert law_change.impact(basis.id, perm.area_of(world.other_officer)) == []
    assert [(c.county, c.items, c.townships) for c in law_change.per_county(perm.area_of(world.pref_user))] == [
        ("吉木萨尔县", 2, 1)]
    # marking it again is refused, nothing written
    with pytest.raises(Conflict):
        law.change_basis_status(basis, world.officer, "repealed", date(2026, 12, 2))
    db.session.rollback()
    assert len(open_flags(basis.id)) == 2


def test_only_the_latest_version_counts(app, world):
    basis = add_basis(world)
    cite(world, basis)
    # version 3 drops the citation of one item: only the other stays current
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    item = next(i for i in rev.items if i.name == "收养登记")
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "bases": []}, lock_version=item.lock_version,
                  reason="依据有误")
    db.session.commit()
    review(world, rev)
    assert law.change_basis_status(basis, world.officer, "amended", date(2026, 12, 1)) == 1
    db.session.commit()


@pytest.mark.parametrize("who", ["drafter", "civil_user", "admin", "other_officer"])
def test_a_township_or_department_cannot_change_a_status(app, world, who):
    basis = add_basis(world)
    cite(world, basis)
    with pytest.raises(Forbidden) as refused:
        law.change_basis_status(basis, getattr(world, who), "repealed", date(2026, 12, 1))
    assert "编办" in refused.value.message
    db.session.rollback()
    assert db.session.get(Basis, basis.id).status == "in_force" and not open_flags(basis.id)


def test_bad_status_input_is_refused_in_chinese(app, world):
    basis = add_basis(world)
    for kwargs, words in [(dict(status="gone", day=date(2026, 1, 1)), "amended"),
                          (dict(status="repealed", day=None), "日期"),
                          (dict(status="amended", day=date(2026, 1, 1), replaced_by_id=basis.id), "本身"),
                          (dict(status="amended", day=date(2026, 1, 1), replaced_by_id=999999), "依据库"),
                          (dict(status="repealed", day=date(2026, 1, 1), note="长" * 2001), "过长")]:
        with pytest.raises(Invalid) as refused:
            law.change_basis_status(basis, world.officer, **kwargs)
        assert words in refused.value.message
    db.session.rollback()
    assert db.session.get(Basis, basis.id).status == "in_force"


def test_amended_with_the_new_basis_names_it(app, world):
    basis = add_basis(world)
    new = add_basis(world, "中华人民共和国老年人权益保障法（2018年修正）", "主席令第24号（2018）")
    cite(world, basis)
    law.change_basis_status(basis, world.officer, "amended", date(2026, 12, 1), "第十条改为第十一条", new.id)
    db.session.commit()
    assert basis.replaced_by_id == new.id and basis.amended_on == date(2026, 12, 1)
    (rev, created, items), = law.open_adjustments(basis, world.officer)
    db.session.commit()
    message = next(f.message for f in rev.flags if f.source == "basis")
    assert message.startswith("依据已修订：《中华人民共和国老年人权益保障法》") and new.title in message


def test_one_action_opens_the_adjustment_draft_and_submitting_waits_for_each_item(app, world):
    basis = add_basis(world)
    cite(world, basis)
    law.change_basis_status(basis, world.officer, "repealed", date(2026, 12, 1))
    db.session.commit()
    with pytest.raises(Forbidden):
        law.open_adjustments(basis, world.drafter)
    db.session.rollback()
    with pytest.raises(Invalid):  # nothing of the other county cites it
        law.open_adjustments(basis, world.other_officer)
    db.session.rollback()
    (rev, created, items), = law.open_adjustments(basis, world.officer)
    db.session.commit()
    assert created and rev.township_id == world.town.id and "依据已废止" in rev.title and len(items) == 2
    start = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "revision_start",
                                                        AuditEvent.revision_id == rev.id)).one()
    assert "依据变更" in start.details["reason"] and start.actor_name == "jimsar-office"
    flags = [f for f in rev.flags if f.source == "basis"]
    assert len(flags) == 2 and all(f.message.startswith("依据已废止：《中华人民共和国老年人权益保障法》") for f in flags)
    # the township, the office and the departments its items name are told
    told = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification).where(Notification.revision_id == rev.id))}
    assert (world.drafter.id, "basis_changed") in told and (world.civil_user.id, "basis_changed") in told
    assert (world.officer.id, "basis_changed") not in told  # the office acted itself
    assert (world.agri_user.id, "basis_changed") not in told
    # a second action finds nothing left to send
    with pytest.raises(Conflict):
        law.open_adjustments(basis, world.officer)
    db.session.rollback()
    # submitting is refused while a flagged item is neither changed nor confirmed
    problems = drafts.submit_blockers(rev)
    assert sum("依据已废止" in p for p in problems) == 2
    with pytest.raises(Exception):
        fire(rev, "submit", world.drafter)
    db.session.rollback()
    item = next(i for i in rev.items if i.name == "收养登记")
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "bases": []}, lock_version=item.lock_version,
                  reason="依据已废止，删去")
    flag = next(f for f in rev.flags if f.source == "basis" and f.open)
    ops.confirm_flag(rev, world.drafter, flag.id, "新法第十二条仍有相同规定")
    db.session.commit()
    assert flag.resolved_reason == "依据废止后仍保留，理由：新法第十二条仍有相同规定"
    assert not [p for p in drafts.submit_blockers(rev) if "依据" in p]
    v3 = review(world, rev)
    # submitting was the township's answer: the 依据变更 notifications are done
    assert all(n.done_at is not None for n in db.session.scalars(
        select(Notification).where(Notification.kind == "basis_changed")))
    # publishing clears the county's flags: the dashboard's count drops to none
    assert not open_flags(basis.id) and law_change.per_county(perm.area_of(world.officer)) == []
    assert {f.cleared_version_id for f in db.session.scalars(select(BasisFlag))} == {v3.id}


def test_flags_join_the_township_open_draft(app, world):
    basis = add_basis(world)
    cite(world, basis)
    law.change_basis_status(basis, world.officer, "repealed", date(2026, 12, 1))
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    (got, created, items), = law.open_adjustments(basis, world.officer)
    db.session.commit()
    assert got.id == rev.id and not created and len(items) == 2
    assert db.session.scalar(select(func.count(Revision.id))) == 2  # version 2's and this one
    assert len([f for f in rev.flags if f.source == "basis" and f.open]) == 2


def test_required_basis_on_new_cooperative_and_withdrawn_items(app, world, monkeypatch):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    ops.add_item(rev, world.drafter, "cooperative", {
        "category": "乡村振兴", "name": "负责本镇农民专业合作社发展指导工作", "departments_text": "吉木萨尔县农业农村局",
        "departments": ["吉木萨尔县农业农村局"], "dept_duties": ["1.指导合作社规范运行；"],
        "township_duties": ["1.摸排辖区合作社情况；"]}, "新增")
    db.session.commit()
    assert not [p for p in drafts.submit_blockers(rev) if "须注明依据" in p]  # off by default
    monkeypatch.setitem(app.config, "REQUIRE_BASIS_FOR", ("cooperative", "withdrawn"))
    problems = [p for p in drafts.submit_blockers(rev) if "须注明依据" in p]
    assert len(problems) == 1 and "配合事项第 3 项" in problems[0]
    client = app.test_client()
    client.login("dayou-drafter")
    html = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "须注明依据" in html
    with pytest.raises(Exception):
        fire(rev, "submit", world.drafter)
    db.session.rollback()
    item = next(i for i in rev.items if i.name == "负责本镇农民专业合作社发展指导工作")
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "bases": [{"text": "《农民专业合作社法》", "article": "第十条"}]},
                  lock_version=item.lock_version)
    db.session.commit()
    assert not [p for p in drafts.submit_blockers(rev) if "须注明依据" in p]
    # basic items are not concerned
    monkeypatch.setitem(app.config, "REQUIRE_BASIS_FOR", ("withdrawn",))
    assert not [p for p in drafts.submit_blockers(rev) if "须注明依据" in p]


# ------------------------------------------------------------------ the API ----
def api(app, user):
    token = create_token(user)
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, json=None):
        return client.open("/api/v1" + url, method=method, headers=headers, json=json)
    return call


def test_api_status_impact_and_adjustments(app, world):
    basis = add_basis(world)
    cite(world, basis)
    drafter, office, manas = api(app, world.drafter), api(app, world.officer), api(app, world.other_officer)
    url = f"/bases/{basis.id}"
    refused = drafter("POST", url + "/status", {"status": "repealed", "date": "2026-12-01"})
    assert refused.status_code == 403 and "编办" in refused.get_json()["error"]
    assert db.session.get(Basis, basis.id).status == "in_force" and not open_flags(basis.id)
    for body, words in [({"status": "gone", "date": "2026-12-01"}, "amended"), ({"status": "repealed"}, "date"),
                        ({"status": "repealed", "date": "2026-13-01"}, "date"),
                        ({"status": "repealed", "date": "2026-12-01", "extra": 1}, "未知字段")]:
        bad = office("POST", url + "/status", body)
        assert bad.status_code == 400 and words in bad.get_json()["error"], bad.get_json()
    assert office("POST", "/bases/999999/status", {"status": "repealed", "date": "2026-12-01"}).status_code == 404
    ok = office("POST", url + "/status", {"status": "repealed", "date": "2026-12-01", "note": "废止"})
    assert ok.status_code == 200 and ok.get_json()["flagged"] == 2 and ok.get_json()["basis"]["status"] == "repealed"
    impact = office("GET", url + "/impact").get_json()
    assert impact["total"] == 2 and impact["townships"][0]["name"] == "大有镇"
    assert impact["label"] == "依据已废止" and len(impact["townships"][0]["items"]) == 2
    assert manas("GET", url + "/impact").get_json()["total"] == 0
    assert drafter("POST", url + "/adjustments").status_code == 403
    opened = office("POST", url + "/adjustments")
    assert opened.status_code == 201, opened.get_json()
    (rev,) = opened.get_json()["revisions"]
    assert rev["created"] and rev["township"]["name"] == "大有镇" and len(rev["flagged_items"]) == 2
    assert office("POST", url + "/adjustments").status_code == 409
    body = drafter("GET", f"/revisions/{rev['id']}").get_json()
    assert sorted(i["name"] for i in [{"name": x["fields"]["name"]} for x in body["items"] if x["basis_flag"]]) == sorted(CITED)
    assert {x["basis_flag"] for x in body["items"] if x["basis_flag"]} == {"依据已废止"}
    assert sum("依据已废止" in p for p in body["problems"]) == 2
    assert drafter("POST", f"/revisions/{rev['id']}/events/submit", {}).status_code in (400, 409)
    assert impact["townships"][0]["revision_id"] is None
    assert office("GET", url + "/impact").get_json()["townships"][0]["revision_id"] == rev["id"]
    assert db.session.scalar(select(func.count(DraftFlag.id)).where(DraftFlag.source == "basis")) == 2


def test_in_force_versions_unaffected(app, world):
    """publish_change (no citations) flags nothing."""
    basis = add_basis(world)
    publish_change(world)
    assert law.change_basis_status(basis, world.officer, "repealed", date(2026, 12, 1)) == 0


# ------------------------------------------------------------------ the pages ----
def test_pages_mark_list_and_adjust(app, world):
    basis = add_basis(world)
    cite(world, basis)
    town = app.test_client()
    town.login("dayou-drafter")
    refused = town.post_form(f"/bases/{basis.id}/status", {"status": "repealed", "day": "2026-12-01"})
    assert refused.status_code == 403 and db.session.get(Basis, basis.id).status == "in_force"
    office = app.test_client()
    office.login("jimsar-office")
    page = office.get(f"/bases/{basis.id}/impact").get_data(as_text=True)
    assert 'id="status-form"' in page and "该依据现行有效" in page
    bad = office.post_form(f"/bases/{basis.id}/status", {"status": "repealed", "day": "", "note": "我的说明"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请填写修订或废止的日期" in html and "我的说明" in html
    assert db.session.get(Basis, basis.id).status == "in_force" and not open_flags(basis.id)
    done = office.post_form(f"/bases/{basis.id}/status", {"status": "repealed", "day": "2026-12-01", "note": "新法施行"},
                            follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "2 项事项已标记待调整" in html and 'id="impact-total">2<' in html and "依据已废止" in html
    dash = office.get("/dashboard").get_data(as_text=True)
    assert 'id="law-counts"' in dash and "吉木萨尔县</a></td><td class=\"num\">2</td>" in dash
    assert "吉木萨尔县" in office.get("/law-changes").get_data(as_text=True)
    opened = office.post_form(f"/bases/{basis.id}/adjustments", {}, follow_redirects=True)
    assert "已为 1 个乡镇发起调整：新建调整稿 1 份" in opened.get_data(as_text=True)
    rev = Revision.open_of(world.town.id)
    draft = town.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert draft.count('class="badge warn basis-flag">依据已废止<') == 2 and 'id="basis-flags-hint"' in draft
    assert "调整稿（依据已废止" in draft
    again = office.post_form(f"/bases/{basis.id}/adjustments", {})
    assert again.status_code == 409 and "均已有包含这些提示的调整稿" in again.get_data(as_text=True)


def test_require_basis_for_setting_is_checked(monkeypatch):
    from dutylist.config import require_basis_for
    monkeypatch.setenv("REQUIRE_BASIS_FOR", " withdrawn, cooperative ")
    assert require_basis_for() == ("cooperative", "withdrawn")
    monkeypatch.setenv("REQUIRE_BASIS_FOR", "")
    assert require_basis_for() == ()
    monkeypatch.setenv("REQUIRE_BASIS_FOR", "cooperative,legal")
    with pytest.raises(ValueError, match="legal"):
        require_basis_for()
