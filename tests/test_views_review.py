"""The revision pages over HTTP: who sees and does what, flashes, redirects, nothing lost."""
import re

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import DraftItem, Revision
from workflow import diagram

from .factories import signed_in


def start_revision(app, world):
    client = signed_in(app, "dayou-drafter")
    response = client.post_form(f"/townships/{world.town.id}/revisions")
    assert response.status_code == 302
    rev_id = int(re.search(r"/revisions/(\d+)", response.headers["Location"]).group(1))
    return client, db.session.get(Revision, rev_id)


def draft_item(rev, name):
    return db.session.scalar(select(DraftItem).where(DraftItem.revision_id == rev.id, DraftItem.name == name))


def test_drafter_starts_a_revision_from_the_township_page(app, world):
    client = signed_in(app, "dayou-drafter")
    page = client.get(f"/townships/{world.town.id}").get_data(as_text=True)
    assert "发起修订" in page
    client, rev = start_revision(app, world)
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "起草中" in page and "老年人高龄津贴的发放管理" in page and "新增基本履职事项" in page
    # a second start is refused with a message on the page, not a 500
    response = client.post_form(f"/townships/{world.town.id}/revisions", follow_redirects=True)
    assert response.status_code == 409 and "已有一份未完成的修订稿" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["quanzijie-drafter", "jimsar-office", "changji-prefecture", "jimsar-civil"])
def test_only_the_townships_drafter_may_start(app, world, username):
    client = signed_in(app, username)
    response = client.post_form(f"/townships/{world.town.id}/revisions")
    assert response.status_code == 403
    assert db.session.scalar(select(Revision)) is None


def test_edit_moves_item_to_withdrawn_table(app, world):
    client, rev = start_revision(app, world)
    item = draft_item(rev, "开展农牧业防灾减灾工作")
    form = client.get(f"/revisions/{rev.id}/items/{item.id}/edit").get_data(as_text=True)
    assert 'name="lock_version"' in form
    response = client.post_form(f"/revisions/{rev.id}/items/{item.id}/edit", {
        "kind": "withdrawn", "category": "乡村振兴", "name": "开展农牧业防灾减灾工作",
        "receiving": "吉木萨尔县农业农村局：负责防灾减灾资金发放。", "reason": "由县农业农村局承接",
        "lock_version": str(item.lock_version)})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(DraftItem, item.id)
    assert item.kind == "withdrawn" and item.receiving == [
        {"department": "吉木萨尔县农业农村局", "method": "负责防灾减灾资金发放。"}]
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "修改、调整清单" in page and "由县农业农村局承接" in page


def test_stale_edit_page_keeps_typed_text_and_refuses(app, world):
    client, rev = start_revision(app, world)
    item = draft_item(rev, "负责本镇政府信息公开工作")
    seen = str(item.lock_version)
    base = {"kind": "basic", "category": "综合政务", "lock_version": seen}
    assert client.post_form(f"/revisions/{rev.id}/items/{item.id}/edit", {**base, "name": "第一次修改"}).status_code == 302
    response = client.post_form(f"/revisions/{rev.id}/items/{item.id}/edit", {**base, "name": "第二次修改（过期）"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "已被他人修改" in html and "第二次修改（过期）" in html
    db.session.expire_all()
    assert db.session.get(DraftItem, item.id).name == "第一次修改"


def test_empty_name_gets_a_chinese_message(app, world):
    client, rev = start_revision(app, world)
    response = client.post_form(f"/revisions/{rev.id}/items/new", {"kind": "basic", "category": "党的建设", "name": ""})
    assert response.status_code == 400
    assert "事项名称不能为空" in response.get_data(as_text=True)


def test_other_township_cannot_see_or_edit_the_draft(app, world):
    _, rev = start_revision(app, world)
    item = draft_item(rev, "收养登记")
    other = signed_in(app, "quanzijie-drafter")
    assert other.get(f"/revisions/{rev.id}").status_code == 403
    response = other.post_form(f"/revisions/{rev.id}/items/{item.id}/delete", {"lock_version": str(item.lock_version)})
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(DraftItem, item.id).deleted
    for username in ("manas-office", "jimsar-civil", "changji-prefecture", "kizilsu-prefecture"):
        assert signed_in(app, username).get(f"/revisions/{rev.id}").status_code == 403, username


def test_review_pages_through_one_round(app, world):
    client, rev = start_revision(app, world)
    item = draft_item(rev, "老年人高龄津贴的发放管理")
    client.post_form(f"/revisions/{rev.id}/items/{item.id}/edit", {
        "kind": "cooperative", "category": "民生服务", "name": item.name, "departments_text": "吉木萨尔县民政局",
        "dept_duties": "1.组织开展高龄津贴政策宣传；\n2.负责发放。", "township_duties": "1.各村核实到龄老年人信息并报镇；",
        "lock_version": str(item.lock_version), "reason": "明确发放环节"})
    assert client.post_form(f"/revisions/{rev.id}/events/submit").status_code == 302
    office = signed_in(app, "jimsar-office")
    page = office.get(f"/revisions/{rev.id}").get_data(as_text=True)
    # the department named by the changed item is pre-selected
    assert re.search(rf'value="{world.civil.id}"[^>]*checked|checked[^>]*value="{world.civil.id}"', page)
    assert office.post_form(f"/revisions/{rev.id}/events/accept",
                            {"departments": [str(world.civil.id)], "deadline": "2099-01-01"}).status_code == 302
    inbox = signed_in(app, "jimsar-civil").get("/inbox").get_data(as_text=True)
    assert "待提出意见并签署" in inbox
    civil = signed_in(app, "jimsar-civil")
    page = civil.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "涉及本部门 1 项" in page and 'class="concerns-me"' in page
    assert civil.post_form(f"/revisions/{rev.id}/opinions", {"body": "请写明发放时限", "item_id": str(item.item_id)}).status_code == 302
    assert civil.post_form(f"/revisions/{rev.id}/signoff", {"verdict": "with_opinions"}).status_code == 302
    # a department cannot decide
    assert civil.post_form(f"/revisions/{rev.id}/events/approve", {"reason": "同意"}).status_code == 403
    # a return without a reason is refused with a message, and the state is kept
    response = office.post_form(f"/revisions/{rev.id}/events/return_for_revision", {"reason": ""})
    assert response.status_code == 400 and "须填写理由" in response.get_data(as_text=True)
    assert office.post_form(f"/revisions/{rev.id}/events/return_for_revision", {"reason": "按部门意见修改"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Revision, rev.id).status == "returned"
    assert "待答复意见 1 条" in client.get("/inbox").get_data(as_text=True)
    response = client.post_form(f"/revisions/{rev.id}/events/submit", follow_redirects=True)
    assert "未答复" in response.get_data(as_text=True)
    opinion_id = db.session.get(Revision, rev.id).opinions[0].id
    assert client.post_form(f"/revisions/{rev.id}/answers", {
        "opinion_id": str(opinion_id), f"answer-{opinion_id}": "adopted", f"body-{opinion_id}": "已写明"}).status_code == 302
    assert client.post_form(f"/revisions/{rev.id}/events/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Revision, rev.id).round == 2


def test_unknown_event_is_404(app, world):
    client, rev = start_revision(app, world)
    assert client.post_form(f"/revisions/{rev.id}/events/explode").status_code == 404


def test_workflow_page_and_committed_diagram_agree_with_the_machine(app, world):
    from pathlib import Path
    docs = Path(__file__).resolve().parent.parent / "docs"
    assert (docs / "workflow.mmd").read_text(encoding="utf-8") == diagram.mermaid(), \
        "run: flask --app wsgi workflow-diagram"
    assert (docs / "workflow.svg").read_text(encoding="utf-8") == diagram.svg()
    client = signed_in(app, "dayou-drafter")
    page = client.get("/workflow").get_data(as_text=True)
    for src, dst, label in diagram.edges():
        assert f'data-source="{src.value}" data-dest="{dst.value}"' in page
    # the Mermaid text is a download, the same as the committed file, not a block on the page
    assert "stateDiagram-v2" not in page and 'href="/workflow.mmd"' in page
    download = client.get("/workflow.mmd")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == diagram.mermaid()


def test_workflow_page_speaks_chinese(app, world):
    import html as htmlmod
    import re as remod

    from dutylist.models import ROLE_LABELS
    from workflow.states import EVENT_LABELS, STATUS_LABELS, Status

    page = signed_in(app, "dayou-drafter").get("/workflow").get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]
    text = htmlmod.unescape(remod.sub(r"<[^>]+>", " ", main))
    for machine_id in [s.value for s in Status] + list(EVENT_LABELS):
        assert not remod.search(rf"(?<![\w-]){machine_id}(?![\w-])", text), f"{machine_id} shown as text"
    for label in [*STATUS_LABELS.values(), *EVENT_LABELS.values(), ROLE_LABELS["county_office"]]:
        assert label in text
    # the table of moves: one row per move, in Chinese
    rows = remod.findall(r'<tr data-source="(\w+)" data-trigger="(\w+)" data-dest="(\w+)">(.*?)</tr>', main, remod.S)
    assert len(rows) == len(diagram.edges())
    by_move = {(s, t, d): htmlmod.unescape(remod.sub(r"<[^>]+>", " ", cells)) for s, t, d, cells in rows}
    returned = by_move[("county_review", "return_for_revision", "returned")]
    assert "县级审核中" in returned and "退回修改" in returned and "已退回修改" in returned
    assert "县委编办审核人" in returned
    # the diagram is an SVG sized by its viewBox (it fits whatever the width), labelled in Chinese
    svg = main[main.index("<svg"):main.index("</svg>")]
    assert "viewBox=" in svg and "修订稿审核流程图" in svg and "县级审核中" in svg
