"""The audit log page in Chinese: action and state names, and each entry's details as "字段：值" lines
(the raw JSON kept, folded, for auditors)."""
from __future__ import annotations

import html as htmlmod
import re

from dutylist.auditfmt import detail_lines
from dutylist.extensions import db
from workflow import operations as ops
from workflow.states import Status

from .factories import fire, settle


def test_details_read_as_chinese_lines():
    lines = detail_lines({"reason": "请按部门意见修改", "round": 2, "departments": [7, 8], "deadline": "2099-12-31",
                          "version": None, "digest": "ab" * 32}, names={7: "吉木萨尔县民政局"})
    assert lines == [("理由", "请按部门意见修改"), ("轮次", "第 2 轮"), ("部门", "吉木萨尔县民政局、8"),
                     ("截止日期", "2099-12-31"), ("摘要", "abababababababab…")]
    moved = detail_lines({"changes": {"kind": {"old": "cooperative", "new": "withdrawn"},
                                      "name": {"old": "旧名称", "new": "新名称"}}, "reason": None})
    assert moved == [("修改内容", "所在清单：配合 → 收回；事项名称：旧名称 → 新名称")]
    deleted = detail_lines({"kind": "basic", "number": 3, "name": "收养登记", "body": "意见",
                            "answer": "partly", "items": ["h1", "h2"]})
    assert deleted == [("所在清单", "基本"), ("序号", "第 3 项"), ("事项名称", "收养登记"), ("内容", "意见"),
                       ("答复", "部分采纳"), ("事项", "2 项")]
    # keys it does not know are shown as they are, nothing hidden
    assert detail_lines({"something_new": [1, 2], "flag": True}) == [("something_new", "1、2"), ("flag", "是")]
    assert detail_lines(None) == [] and detail_lines({}) == []


def test_organisation_and_account_entries_are_not_read_as_items():
    """A department's kind is not an item's 所在清单, a role is shown by its Chinese name."""
    created = detail_lines({"kind": "department", "name": "吉木萨尔县数据局", "parent": "吉木萨尔县"},
                           action="organisation_create")
    assert created == [("单位类型", "县直部门"), ("名称", "吉木萨尔县数据局"), ("上级单位", "吉木萨尔县")]
    role = detail_lines({"username": "jimsar-data", "old": None, "new": "county_department"}, action="role_assign")
    assert role == [("用户名", "jimsar-data"), ("新角色", "县直部门审核人")]
    assert detail_lines({"temporary": True}, action="password_change") == [("临时密码", "是")]
    user = detail_lines({"username": "u1", "organisation": "昌吉州/吉木萨尔县", "via": "web"}, action="user_create")
    assert user == [("用户名", "u1"), ("所属单位", "昌吉州/吉木萨尔县"), ("途径", "网页")]


def test_audit_page_speaks_chinese_and_keeps_the_raw_record(app, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.flush()
    item = next(i for i in rev.items if i.name == "开展农牧业防灾减灾工作")
    ops.edit_item(rev, world.drafter, item.id, {**item.fields(), "receiving": [
        {"department": "吉木萨尔县农业农村局", "method": "直接承接"}]}, item.lock_version,
        reason="由县农业农村局承接", kind="withdrawn")
    db.session.commit()
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer, departments=[world.agri.id, world.civil.id])
    settle(rev)
    fire(rev, "return_for_revision", world.officer, reason="请按部门意见修改后再报")
    assert rev.status == Status.returned.value

    client = app.test_client()
    assert client.login("auditor").status_code == 302
    page = client.get("/admin/audit").get_data(as_text=True)
    table = page[page.index('<table class="grid audit">'):page.index("</table>")]
    rows = {}
    for seq, body in re.findall(r'<tr data-seq="(\d+)"[^>]*>(.*?)</tr>', table, re.S):
        shown = re.sub(r"<details.*?</details>", " ", body, flags=re.S)  # what is read without unfolding
        rows[int(seq)] = htmlmod.unescape(re.sub(r"<[^>]+>", " ", shown))
    text = "\n".join(rows.values())
    # states and actions in Chinese, never the machine's ids
    for machine_id in ("county_review", "returned", "submitted", "drafting", "return_for_revision", "item_move"):
        assert machine_id not in text, machine_id
    returned = next(t for t in rows.values() if "退回修改" in t and "县级审核中" in t)
    assert "县级审核中 → 已退回修改" in re.sub(r"\s+", " ", returned)
    assert "理由： 请按部门意见修改后再报" in re.sub(r"\s+", " ", returned)
    assert "轮次： 第 1 轮" in re.sub(r"\s+", " ", returned)
    accepted = next(t for t in rows.values() if "受理并征求意见" in t)
    assert "吉木萨尔县农业农村局" in accepted and "吉木萨尔县民政局" in accepted
    moved = next(t for t in rows.values() if "调整所在清单" in t)
    assert "所在清单：配合 → 收回" in moved and "由县农业农村局承接" in moved
    # the raw JSON is there, folded in a <details>, for auditors
    assert table.count('<details class="raw"><summary>原始记录（JSON）</summary>') >= 4
    raw = re.search(r'<details class="raw"><summary>原始记录（JSON）</summary><code>(.*?)</code>', table, re.S)
    assert raw and htmlmod.unescape(raw.group(1)).startswith("{")
