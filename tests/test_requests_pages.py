"""Adjustment requests (调整申请) on the pages: the form (a township for itself, a department picking townships of
its county; add, change, remove; 再加一项), my requests and their outcome, the office's inbox with the time
limit and overdue, the request page and the decision, the draft marked 根据调整申请 #N, the 准入 register
(filters, Excel, links to the items an admitted request added); refusals keep what was typed and write nothing."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AdjustmentRequest, DraftItem, Revision, Version
from dutylist.services import snapshot
from workflow import requests as rq

from .factories import World, explain, fire, settle

NEW = {"items-0-action": "add", "items-0-kind": "cooperative", "items-0-category": "乡村振兴",
       "items-0-name": "配合开展农民专业合作社规范提升工作", "items-0-departments_text": "吉木萨尔县农业农村局",
       "items-0-dept_duties": "1.制定合作社规范提升方案；\n2.组织业务培训；", "items-0-township_duties": "1.摸排辖区合作社运行情况；"}


@pytest.fixture
def world(app):
    return World()


def entry(world, name, township=None):
    version = snapshot.current_version((township or world.town).id)
    return next(e for e in snapshot.read_entries(version) if e["name"] == name)


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (AdjustmentRequest, Revision, DraftItem))


def form(world, **kw):
    data = {"township": str(world.town.id), "type": "admission", "situation": "上级部署新增任务",
            "reason": "县农业农村局承接上级部署的合作社规范提升任务", **NEW}
    data.update(kw)
    return data


def login(client, username):
    """Sign out whoever is signed in, and sign in as this user."""
    client.post_form("/auth/logout")
    client.login(username)


def text(response):
    return response.get_data(as_text=True)


def test_a_department_picks_townships_then_asks_and_follows_its_request(client, world):
    login(client, "jimsar-agri")
    page = text(client.get("/requests/new"))
    assert 'name="township"' in page and "大有镇" in page and "泉子街镇" in page and "玛纳斯" not in page
    page = text(client.get(f"/requests/new?township={world.town.id}"))
    assert "涉及乡镇：<strong>大有镇</strong>" in page
    assert f"/requests/new?township={world.town.id}" in text(client.get(f"/townships/{world.town.id}"))
    assert "第 1 项 老年人高龄津贴的发放管理" in page  # existing items to pick, by number and name
    r = client.post_form("/requests/new", form(world))
    assert r.status_code == 302, text(r)
    req = db.session.scalars(select(AdjustmentRequest)).one()
    page = text(client.get(r.headers["Location"], follow_redirects=True))
    assert f"调整申请 #{req.id}" in page and "待审核" in page and "配合开展农民专业合作社规范提升工作" in page
    mine = text(client.get("/requests"))
    assert f"调整申请 #{req.id}" in mine and "待审核" in mine


def test_more_rows_keep_what_was_typed(client, world):
    login(client, "dayou-drafter")
    r = client.post_form("/requests/new", form(world, more="1", rows="3"))
    page = text(r)
    assert r.status_code == 200 and 'id="change-3"' in page and "配合开展农民专业合作社规范提升工作" in page
    assert counts()[0] == 0


@pytest.mark.parametrize(("user", "change", "status", "words"), [
    ("dayou-drafter", {"reason": ""}, 400, "须填写申请理由"),
    ("dayou-drafter", {"items-0-action": ""}, 400, "请至少填写一项要调整的事项"),
    ("dayou-drafter", {"items-0-action": "remove", "items-0-item_id": "99999"}, 400, "不在大有镇的现行清单中"),
    ("dayou-drafter", {"items-0-kind": ""}, 400, "请选择新增事项所在的清单"),
    ("manas-civil", {}, 403, "不属于本县"),
    ("quanzijie-drafter", {}, 403, "只能为本乡镇"),
])
def test_bad_requests_keep_what_was_typed_and_write_nothing(client, world, user, change, status, words):
    login(client, user)
    before = counts()
    r = client.post_form("/requests/new", form(world, **change))
    page = text(r)
    assert r.status_code == status and words in page, page[:3000]
    if status == 400:
        assert "县农业农村局承接上级部署" in page or not change.get("reason", True)
    assert counts() == before


def test_the_office_sees_it_in_its_inbox_with_the_time_limit_and_overdue(client, world):
    clock.set_today(date(2026, 12, 1))
    try:
        req = rq.submit_request(world.agri_user, [world.town], "admission", "上级部署新增任务", "理由",
                                [{"action": "add", "kind": "basic", "fields": {"category": "党的建设", "name": "新任务"}}],
                                days={"admission": 3})
        db.session.commit()
        login(client, "jimsar-office")
        page = text(client.get("/inbox"))
        assert f"调整申请 #{req.id}" in page and "2026-12-04" in page and "已逾期" not in page
        clock.set_today(date(2026, 12, 8))
        page = text(client.get("/inbox"))
        assert "已逾期 4 天" in page
        assert "已逾期 4 天" in text(client.get(f"/requests/{req.id}"))
    finally:
        clock.set_today(None)


def test_accepting_on_the_page_makes_a_draft_marked_with_the_request(client, world):
    req = rq.submit_request(world.agri_user, [world.town], "admission", "上级部署新增任务", "合作社规范提升",
                            [{"action": "add", "kind": "cooperative", "fields": {
                                "category": "乡村振兴", "name": "配合开展合作社规范提升", "departments_text": "吉木萨尔县农业农村局"}}])
    db.session.commit()
    login(client, "jimsar-agri")
    assert 'id="decide-form"' not in text(client.get(f"/requests/{req.id}"))
    assert client.post_form(f"/requests/{req.id}/decide", {"decision": "accept"}).status_code == 403
    login(client, "jimsar-office")
    page = text(client.get(f"/requests/{req.id}"))
    assert 'id="decide-form"' in page
    r = client.post_form(f"/requests/{req.id}/decide", {"decision": "accept", "reason": "同意"})
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"], follow_redirects=True))
    assert "准予准入" in page and "大有镇修订稿" in page
    db.session.expire_all()
    rev_id = db.session.get(AdjustmentRequest, req.id).townships[0].revision_id
    login(client, "dayou-drafter")
    draft = text(client.get(f"/revisions/{rev_id}"))
    assert re.search(rf"根据调整申请 <a [^>]*>#{req.id}</a>", draft) and "配合开展合作社规范提升" in draft
    # a second decision on the page: refused in words, nothing written
    login(client, "jimsar-office")
    before = counts()
    r = client.post_form(f"/requests/{req.id}/decide", {"decision": "reject", "reason": "再议"})
    assert r.status_code == 409 and "不能重复处理" in text(r)
    assert counts() == before


def test_a_rejection_without_a_reason_is_refused_on_the_page(client, world):
    req = rq.submit_request(world.drafter, [world.town], "dynamic", "乡镇申请", "理由",
                            [{"action": "remove", "item_id": entry(world, "收养登记")["item_id"]}])
    db.session.commit()
    login(client, "jimsar-office")
    r = client.post_form(f"/requests/{req.id}/decide", {"decision": "reject", "reason": ""})
    assert r.status_code == 400 and "须填写不予同意的理由" in text(r)
    assert db.session.get(AdjustmentRequest, req.id).status == "submitted"
    r = client.post_form(f"/requests/{req.id}/decide", {"decision": "reject", "reason": "收养登记已由民政局承担，无需再调整"})
    assert r.status_code == 302
    login(client, "dayou-drafter")
    page = text(client.get("/requests"))
    assert "不予同意" in page
    assert "收养登记已由民政局承担" in text(client.get(f"/requests/{req.id}"))
    notes = text(client.get("/notifications"))
    assert f"不予同意动态调整申请 #{req.id}" in notes


def _publish(world, rev):
    explain(rev, world.drafter)
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.agri.id])
    settle(rev)
    fire(rev, "approve", world.officer, reason="同意")
    fire(rev, "escalate", world.officer)
    fire(rev, "approve", world.pref_user, reason="同意")
    fire(rev, "publish", world.region_user, reason="同意")
    return db.session.get(Version, rev.published_version_id)


def test_the_register_shows_rejected_with_reason_and_admitted_linking_to_the_items_it_added(client, world):
    """Done when: a 准入 request rejected with a reason appears in the register with its outcome; an admitted
    one links to the items it added."""
    rejected = rq.submit_request(world.agri_user, [world.town], "admission", "上级部署新增任务", "要求乡镇承担农机安全监管",
                                 [{"action": "add", "kind": "basic", "fields": {"category": "应急管理及消防", "name": "农机安全监管"}}])
    admitted = rq.submit_request(world.agri_user, [world.town], "admission", "上级部署新增任务", "合作社规范提升",
                                 [{"action": "add", "kind": "cooperative", "fields": {
                                     "category": "乡村振兴", "name": "配合开展合作社规范提升", "departments_text": "吉木萨尔县农业农村局",
                                     "dept_duties": ["1.制定方案；"], "township_duties": ["1.摸排情况；"]}}])
    dynamic = rq.submit_request(world.drafter, [world.town], "dynamic", "乡镇申请", "动态调整不进准入登记",
                                [{"action": "remove", "item_id": entry(world, "收养登记")["item_id"]}])
    db.session.commit()
    rq.decide_request(rejected, world.officer, "reject", "农机安全监管属县农业农村局法定职责，不得交由乡镇承担")
    rq.decide_request(admitted, world.officer, "accept", "同意准入")
    db.session.commit()
    login(client, "jimsar-office")
    page = text(client.get("/requests/register"))
    assert f'data-request="{rejected.id}"' in page and f'data-request="{admitted.id}"' in page
    assert f'data-request="{dynamic.id}"' not in page
    row = page[page.index(f'data-request="{rejected.id}"'):]
    row = row[:row.index("</tr>")]
    assert "不予准入" in row and "不得交由乡镇承担" in row and "jimsar-office" in row
    row = page[page.index(f'data-request="{admitted.id}"'):]
    row = row[:row.index("</tr>")]
    assert "准予准入" in row
    item_id = db.session.get(AdjustmentRequest, admitted.id).townships[0].revision_id
    rev = db.session.get(Revision, item_id)
    added = next(i for i in rev.items if i.name == "配合开展合作社规范提升")
    assert f'href="/revisions/{rev.id}" class="added-item" data-item="{added.item_id}"' in row
    # filters
    assert f'data-request="{admitted.id}"' not in text(client.get("/requests/register?status=rejected"))
    assert f'data-request="{rejected.id}"' in text(client.get(f"/requests/register?township={world.town.id}"))
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    assert "没有符合条件" in text(client.get(f"/requests/register?from={tomorrow}"))
    assert client.get("/requests/register?from=nonsense").status_code == 400
    # published: the link goes to the item's row in the new version, and the list page links back
    version = _publish(world, rev)
    page = text(client.get("/requests/register"))
    assert f'href="/versions/{version.id}#item-{added.item_id}"' in page
    listing = text(client.get(f"/townships/{world.town.id}"))
    assert f'href="#item-{added.item_id}"' in listing and f'href="/requests/{admitted.id}" class="origin-link"' in listing
    # Excel: the outcome, the reason; formula-looking text stays text
    rq.decide_request(rq.submit_request(world.agri_user, [world.town], "admission", "其他", "=HYPERLINK(\"x\")",
                                        [{"action": "add", "kind": "basic", "fields": {"category": "党的建设", "name": "=1+1"}}]),
                      world.officer, "reject", "@SUM(A1)")
    db.session.commit()
    r = client.get("/requests/register.xlsx?status=rejected")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert {row[9] for row in rows} == {"不予准入"}
    assert any("不得交由乡镇承担" in (row[12] or "") for row in rows)
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=4) for c in row if c.value)
    assert any(row[8] == '=HYPERLINK("x")' for row in rows)


def test_the_register_is_the_offices_and_above(client, world):
    for user, status in (("dayou-drafter", 403), ("jimsar-agri", 403), ("changji-prefecture", 200), ("xj-region", 200)):
        login(client, user)
        assert client.get("/requests/register").status_code == status, user
    login(client, "manas-office")
    req = rq.submit_request(world.agri_user, [world.town], "admission", "其他", "理由",
                            [{"action": "add", "kind": "basic", "fields": {"category": "党的建设", "name": "x"}}])
    db.session.commit()
    assert f'data-request="{req.id}"' not in text(client.get("/requests/register"))
    assert client.get(f"/requests/{req.id}").status_code == 403
