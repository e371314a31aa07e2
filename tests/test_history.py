"""History, differences and the 新旧对照表, after a version published by the workflow."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import AuditEvent, Revision, Version
from dutylist.services import diff, drafts, history
from dutylist.services.snapshot import read_entries
from workflow import operations as ops

from .factories import fire, settle


def item(rev, name):
    return next(i for i in rev.items if i.name == name and not i.deleted)


@pytest.fixture
def published(world):
    """Version 2 of 大有镇: one item changed, one moved, one added, one removed."""
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    it = item(rev, "负责本镇政府信息公开工作")
    ops.edit_item(rev, world.drafter, it.id, {"category": "综合政务", "name": "负责本镇政务公开和政府信息公开工作"},
                  lock_version=it.lock_version, reason="与政务公开合并表述")
    mv = item(rev, "开展农牧业防灾减灾工作")
    ops.edit_item(rev, world.drafter, mv.id, {"category": "乡村振兴", "name": mv.name, "receiving": [
        {"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金发放。"}]}, lock_version=mv.lock_version,
        kind="withdrawn", reason="由县农业农村局承接")
    ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": "负责本镇党建联建工作"}, "新增")
    rm = item(rev, "负责本镇农村“四老”人员服务管理工作")
    ops.delete_item(rev, world.drafter, rm.id, rm.lock_version, "并入其他事项")
    ops.renumber(rev, world.drafter)
    db.session.commit()
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.agri.id])
    settle(rev)
    fire(rev, "approve", world.officer, reason="县级通过")
    fire(rev, "escalate", world.officer)
    fire(rev, "approve", world.pref_user, reason="州级通过")
    fire(rev, "publish", world.region_user, reason="自治区通过")
    return rev


def test_version_diff_finds_every_kind_of_change(world, published):
    v1, v2 = world.version, db.session.get(Version, published.published_version_id)
    diffs = {d.new["name"] if d.new else d.old["name"]: d for d in history.diff_versions(v1, v2)}
    changed = diffs["负责本镇政务公开和政府信息公开工作"]
    assert changed.kinds == ["changed", "renumbered"] or changed.kinds == ["changed"]
    assert changed.reason == "与政务公开合并表述"
    assert ("insert", "政务公开和") in changed.fields["name"]
    assert diffs["开展农牧业防灾减灾工作"].kinds[-1] == "moved"
    assert diffs["负责本镇党建联建工作"].kinds == ["added"]
    assert diffs["负责本镇农村“四老”人员服务管理工作"].kinds == ["removed"]
    assert diffs["负责本镇农村“四老”人员服务管理工作"].reason == "并入其他事项"


def test_char_diff_is_by_character():
    assert diff.char_diff("负责本镇政府信息公开工作", "负责本镇政务公开工作") == [
        ("equal", "负责本镇政"), ("delete", "府信息"), ("insert", "务"), ("equal", "公开工作")]


def test_history_page_lists_versions_with_approvals(app, world, published):
    client = app.test_client()
    client.login("jimsar-civil")  # anyone signed in reads the history
    html = client.get(f"/townships/{world.town.id}/history").get_data(as_text=True)
    v2 = db.session.get(Version, published.published_version_id)
    assert "第 2 版" in html and "第 1 版" in html and v2.digest in html and world.version.digest in html
    assert "县级：吉木萨尔县委编办" in html and "州级：昌吉回族自治州" in html and "自治区级：新疆维吾尔自治区" in html
    assert "自治区通过" in html


def test_diff_page_marks_characters_and_filters(app, world, published):
    client = app.test_client()
    client.login("dayou-drafter")
    v2 = db.session.get(Version, published.published_version_id)
    url = f"/townships/{world.town.id}/diff?a={world.version.id}&b={v2.id}"
    html = client.get(url).get_data(as_text=True)
    assert "<ins>政务公开和</ins>" in html
    assert 'data-kinds="added"' in html and 'data-kinds="removed"' in html and "moved" in html
    only_withdrawn = client.get(url + "&kind=withdrawn").get_data(as_text=True)
    assert "开展农牧业防灾减灾工作" in only_withdrawn and "负责本镇党建联建工作" not in only_withdrawn
    assert client.get(url + "&kind=bogus").status_code == 400
    assert client.get(f"/townships/{world.town.id}/diff?a=999999").status_code == 404


def test_comparison_table_downloads_are_audited(app, world, published):
    client = app.test_client()
    client.login("jimsar-office")
    v2 = db.session.get(Version, published.published_version_id)
    response = client.get(f"/townships/{world.town.id}/diff.xlsx?a={world.version.id}&b={v2.id}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("序号", "事项", "原内容", "新内容", "变化类型", "修改理由")
    body = rows[2:]
    assert any(r[4] == "删除" and r[5] == "并入其他事项" for r in body)
    assert any("收回" in (r[1] or "") and "调整清单" in r[4] for r in body)
    docx = client.get(f"/townships/{world.town.id}/diff.docx?a={world.version.id}&b={v2.id}")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    from docx import Document
    table = Document(io.BytesIO(docx.data)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "事项", "原内容", "新内容", "变化类型", "修改理由"]
    assert len(table.rows) == len(body) + 1
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.seq)).all()
    assert [e.details["format"] for e in exports] == ["xlsx", "docx"]


def test_reviewers_see_the_drafts_differences(app, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    it = item(rev, "负责本镇政府信息公开工作")
    ops.edit_item(rev, world.drafter, it.id, {"category": "综合政务", "name": "负责本镇政府信息公开和档案工作"},
                  lock_version=it.lock_version, reason="增加档案工作")
    db.session.commit()
    fire(rev, "submit", world.drafter)
    client = app.test_client()
    client.login("jimsar-office")
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "<ins>和档案</ins>" in page
    diff_page = client.get(f"/revisions/{rev.id}/diff").get_data(as_text=True)
    assert "<ins>和档案</ins>" in diff_page
    other = app.test_client()
    other.login("quanzijie-drafter")
    assert other.get(f"/revisions/{rev.id}/diff").status_code == 403
    assert other.get(f"/revisions/{rev.id}/diff.docx").status_code == 403


def test_revert_starts_a_draft_from_an_older_version(app, world, published):
    client = app.test_client()
    client.login("dayou-drafter")
    v1 = world.version
    page = client.get(f"/versions/{v1.id}").get_data(as_text=True)
    assert "恢复旧版" in page
    # a revert says why: refused without a reason, the message under the button, nothing created
    response = client.post_form(f"/townships/{world.town.id}/revisions", {"base_version_id": str(v1.id)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "须说明理由" in page and 'class="error form-error"' in page
    assert db.session.scalar(select(func.count()).select_from(Revision).where(Revision.status == "drafting")) == 0
    response = client.post_form(f"/townships/{world.town.id}/revisions",
                                {"base_version_id": str(v1.id), "reason": "第 2 版的调整暂缓执行"})
    assert response.status_code == 302
    rev = db.session.scalars(select(type(published)).order_by(type(published).id.desc())).first()
    v2 = published.published_version
    assert rev.base_version_id == v1.id and rev.previous_version_id == v2.id and rev.status == "drafting"
    assert [(i.kind, i.name) for i in rev.items] == [(e["kind"], e["name"]) for e in read_entries(v1)]
    # compared with the current version 2: its changes are what the revert undoes, each explained
    undone = {(c.new or c.old)["name"]: c for c in drafts.changes(rev) if c.kinds != ["renumbered"]}
    assert undone["负责本镇党建联建工作"].kinds == ["removed"]  # added by version 2
    assert undone["负责本镇农村“四老”人员服务管理工作"].kinds == ["added"]  # removed by version 2
    assert undone["负责本镇政府信息公开工作"].kinds[0] == "changed"
    assert undone["开展农牧业防灾减灾工作"].kinds[-1] == "moved"
    assert all(c.reasons == ["第 2 版的调整暂缓执行"] for c in undone.values())
    assert drafts.missing_reasons(rev) == []
    assert [d.name for d in drafts.suggest_departments(rev)] == ["吉木萨尔县农业农村局"]
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "与现行 " in page and "恢复旧版本" in page and "负责本镇党建联建工作" in page


def test_api_diff_between_versions(app, world, published):
    from dutylist.services.tokens import create_token
    token = create_token(world.other_drafter)  # any signed-in user reads published versions
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    v2 = db.session.get(Version, published.published_version_id)
    response = client.get(f"/api/v1/versions/{world.version.id}/diff/{v2.id}", headers=headers)
    assert response.status_code == 200
    body = response.json
    by_name = {(c["new"] or c["old"])["name"]: c for c in body["changes"]}
    assert by_name["负责本镇党建联建工作"]["kinds"] == ["added"]
    assert by_name["负责本镇农村“四老”人员服务管理工作"]["kinds"] == ["removed"]
    assert "moved" in by_name["开展农牧业防灾减灾工作"]["kinds"]
    changed = by_name["负责本镇政务公开和政府信息公开工作"]
    assert {"op": "insert", "text": "政务公开和"} in changed["fields"]["name"]
    assert body["summary"]["added"] == 1 and body["summary"]["removed"] == 1
    only = client.get(f"/api/v1/versions/{world.version.id}/diff/{v2.id}?kind=withdrawn", headers=headers).json
    assert [c["item_id"] for c in only["changes"]] == [by_name["开展农牧业防灾减灾工作"]["item_id"]]
    assert client.get(f"/api/v1/versions/{world.version.id}/diff/{v2.id}?kind=x", headers=headers).status_code == 400
    assert client.get(f"/api/v1/versions/{world.version.id}/diff/999999", headers=headers).status_code == 404
    assert client.get(f"/api/v1/versions/{world.version.id}/diff/{v2.id}").status_code == 401
