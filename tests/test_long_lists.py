"""Working in long lists over HTTP: the filter of a version and of a draft (309 items, seed 002), adding an
item at a chosen place and moving one to a place in one step, in the pages and the API, with bad input."""
from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.importers import text_list
from dutylist.models import AuditEvent, ItemReason, Organisation, OrgKind, Revision, Role, User
from dutylist.services import drafts, passwords
from dutylist.services.demo import SAMPLE_DIR, ensure_categories
from dutylist.services.import_list import import_list
from dutylist.services.snapshot import read_entries
from workflow import operations as ops

from .factories import PASSWORD, signed_in

AHEQI = "002_3c803f996c74d716.txt"  # 阿合奇镇: 309 items = 119 + 127 + 63


@pytest.fixture
def big(app):
    """阿合奇镇's 309-item list as version 1, its drafter and its county office."""
    ensure_categories()
    version = import_list(text_list.parse_file(SAMPLE_DIR / AHEQI))
    town = version.township
    office = db.session.scalar(select(Organisation).where(Organisation.parent_id == town.parent_id,
                                                          Organisation.kind == OrgKind.office))
    for name, role, org in (("aheqi-drafter", Role.township_drafter, town), ("aheqi-office", Role.county_office, office)):
        user = User(username=name, display_name=name, role=role, organisation=org)
        passwords.set_password(user, PASSWORD)
        db.session.add(user)
    db.session.commit()
    return version


ROW = re.compile(r'<tr id="(item|d)-?(\d+)"([^>]*)>\s*<td class="no">(\d+)</td>')


def rows(page: str) -> list[dict]:
    """Every item row of a page: its id, 序号, whether it is hidden, its data-* attributes."""
    out = []
    for _, ident, attrs, number in ROW.findall(page):
        data = dict(re.findall(r'data-([a-z]+)="([^"]*)"', attrs))
        out.append({"id": int(ident), "number": int(number), "hidden": bool(re.search(r"\shidden\b", attrs)),
                    "data": {k: htmllib.unescape(v) for k, v in data.items()}})
    return out


def shown(page: str) -> list[dict]:
    return [r for r in rows(page) if not r["hidden"]]


def count_line(page: str) -> tuple[int, int]:
    m = re.search(r'显示 <strong class="shown">(\d+)</strong> / 共 <span class="total">(\d+)</span> 项', page)
    assert m, "no 显示 N / 共 M 项"
    return int(m.group(1)), int(m.group(2))


def text_of(e: dict) -> str:
    """An entry's name, departments, duties, 承接 and 备注 as one text without spaces (the test's own reading)."""
    parts = [e["name"], e.get("departments_text") or "", *(e.get("dept_duties") or []), *(e.get("township_duties") or []),
             *(f"{r.get('department') or ''}：{r.get('method') or ''}" for r in e.get("receiving") or []),
             e.get("remarks") or ""]
    return re.sub(r"\s+", "", "".join(parts))


# ------------------------------------------------------------------ a version ----
def test_a_309_item_version_filters_by_table_category_department_and_text(app, big):
    client = signed_in(app, "aheqi-drafter")
    entries = read_entries(big)
    assert len(entries) == 309
    url = f"/versions/{big.id}"

    page = client.get(url).get_data(as_text=True)
    assert count_line(page) == (309, 309) and len(rows(page)) == 309 and not any(r["hidden"] for r in rows(page))
    assert 'id="item-filter"' in page and 'method="get"' in page

    # by table
    page = client.get(url + "?table=withdrawn").get_data(as_text=True)
    assert count_line(page) == (63, 309) and len(rows(page)) == 309  # all rendered, 246 hidden
    assert {r["id"] for r in shown(page)} == {e["item_id"] for e in entries if e["kind"] == "withdrawn"}
    assert re.search(r'<section id="table-basic"[^>]*\shidden', page)
    assert '<option value="withdrawn" selected>' in page

    # by category within a table: the 序号 stay those of the list, not 1..n
    coop = [e for e in entries if e["kind"] == "cooperative"]
    def of(c):
        return [e for e in coop if e["category"] == c]
    # the largest category whose items are not the table's first ones (so 1..n would be wrong); sorted,
    # not a set's order, so the choice is the same in every run
    category = next(c for c in sorted({e["category"] for e in coop}, key=lambda c: (-len(of(c)), c))
                    if [e["number"] for e in of(c)] != list(range(1, len(of(c)) + 1)))
    want = of(category)
    page = client.get(url, query_string={"table": "cooperative", "category": category}).get_data(as_text=True)
    assert [(r["id"], r["number"]) for r in shown(page)] == [(e["item_id"], e["number"]) for e in want]
    assert count_line(page) == (len(want), 309) and 0 < len(want) < len(coop)
    assert [r["number"] for r in shown(page)] != list(range(1, len(want) + 1))
    assert f"<option selected>{category}</option>" in page

    # by department (part of its name: 对应上级部门 or 承接部门), across the tables
    def names(e):
        return list(e.get("departments") or []) + [r["department"] for r in e.get("receiving") or [] if r.get("department")]
    want = [e for e in entries if any("民政" in n for n in names(e))]
    page = client.get(url, query_string={"department": "民政"}).get_data(as_text=True)
    assert {r["id"] for r in shown(page)} == {e["item_id"] for e in want}
    assert {e["kind"] for e in want} == {"cooperative", "withdrawn"}
    assert 'value="民政"' in page

    # by words in the name and duties (each word must be found; spaces in the text do not matter)
    for q, words in (("补贴", ["补贴"]), ("农村 宣传", ["农村", "宣传"])):
        want = [e for e in entries if all(w in text_of(e) for w in words)]
        page = client.get(url, query_string={"q": q}).get_data(as_text=True)
        assert {r["id"] for r in shown(page)} == {e["item_id"] for e in want}, q
        assert count_line(page)[0] == len(want) > 0
        assert f'value="{q}"' in page

    # nothing matches: every table says so; an unknown table and a long text are harmless
    page = client.get(url, query_string={"q": "不存在的事项名称xyz"}).get_data(as_text=True)
    assert count_line(page) == (0, 309) and page.count("本表没有符合筛选条件的事项") == 3
    page = client.get(url, query_string={"table": "all", "q": "x" * 5000, "changed": "1"})
    assert page.status_code == 200 and count_line(page.get_data(as_text=True)) == (0, 309)
    assert 'name="changed"' not in page.get_data(as_text=True)  # a version has no "changed only"

    # the unfiltered page after filtered ones still shows every row (the cached tables are not the filtered ones)
    page = client.get(url).get_data(as_text=True)
    assert count_line(page) == (309, 309) and not any(r["hidden"] for r in rows(page))


def test_rows_carry_what_the_script_filters_by(app, big):
    client = signed_in(app, "aheqi-drafter")
    entries = {e["item_id"]: e for e in read_entries(big)}
    page = client.get(f"/townships/{big.township_id}").get_data(as_text=True)
    for r in rows(page):
        e = entries[r["id"]]
        assert r["data"]["cat"] == e["category"]
        depts = [n for n in r["data"]["depts"].split("|") if n]
        assert set(depts) == set(e.get("departments") or []) | {
            x["department"] for x in e.get("receiving") or [] if x.get("department")}
    assert '<script src="/static/list-filter.js" defer></script>' in page


# ------------------------------------------------------------------ a draft ----
@pytest.fixture
def draft(big):
    town = big.township
    drafter = db.session.scalar(select(User).where(User.username == "aheqi-drafter"))
    rev = ops.start_revision(town, drafter)
    db.session.commit()
    return rev, drafter


def live(rev, kind):
    db.session.expire_all()
    rev = db.session.get(Revision, rev.id)
    return [i for i in drafts.live_items(rev) if i.kind == kind]


def test_a_draft_filters_changed_items_only_and_keeps_the_filter_after_a_move(app, draft):
    rev, drafter = draft
    client = signed_in(app, "aheqi-drafter")
    basic = live(rev, "basic")
    ops.edit_item(rev, drafter, basic[4].id, {**basic[4].fields(), "name": basic[4].name + "（修改）"},
                  basic[4].lock_version)
    coop = live(rev, "cooperative")
    ops.edit_item(rev, drafter, coop[10].id, coop[10].fields(), coop[10].lock_version, kind="withdrawn",
                  reason="已由县直部门承担")
    ops.move_item_to(rev, drafter, basic[100].id, 0, basic[100].lock_version)  # a reorder only: not "changed"
    db.session.commit()
    url = f"/revisions/{rev.id}"

    page = client.get(url).get_data(as_text=True)
    assert count_line(page) == (309, 309) and 'name="changed"' in page
    marked = {r["id"] for r in rows(page) if r["data"].get("changed") == "1"}
    assert marked == {basic[4].id, coop[10].id}

    page = client.get(url + "?changed=1").get_data(as_text=True)
    assert {r["id"] for r in shown(page)} == {basic[4].id, coop[10].id} and count_line(page) == (2, 309)
    assert 'id="filter-changed" checked' in page

    page = client.get(url, query_string={"changed": "1", "table": "withdrawn"}).get_data(as_text=True)
    moved = [r for r in shown(page)]
    assert [r["id"] for r in moved] == [coop[10].id] and moved[0]["number"] == 64  # last of the withdrawn table

    # a move from a filtered page lands on the same filtered page
    target = live(rev, "basic")[50]
    response = client.post_form(f"{url}/items/{target.id}/move?q=%E5%AE%A3%E4%BC%A0&table=basic",
                                {"lock_version": target.lock_version, "direction": "-1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}?table=basic&q=%E5%AE%A3%E4%BC%A0#d{target.id}")


# ------------------------------------------------------------------ positions: pages ----
def test_add_an_item_at_a_chosen_place_through_the_page(app, draft):
    rev, _ = draft
    client = signed_in(app, "aheqi-drafter")
    before = [(i.id, i.number) for i in live(rev, "basic")]
    form = client.get(f"/revisions/{rev.id}/items/new?kind=basic&position=3").get_data(as_text=True)
    assert re.search(r'name="position"[^>]*value="3"', form) and "插入到该表第几项之前" in form
    assert "基本履职事项 119 项" in form

    response = client.post_form(f"/revisions/{rev.id}/items/new", {
        "kind": "basic", "category": "党的建设", "name": "新增：插在第三项之前", "position": "3", "reason": "新增职责"})
    assert response.status_code == 302
    after = live(rev, "basic")
    assert len(after) == 120 and after[2].name == "新增：插在第三项之前" and after[2].number == 3
    assert [(i.id, i.number) for i in after[:2]] == before[:2]
    assert [(i.id, i.number) for i in after[3:]] == [(i, n + 1) for i, n in before[2:]]  # shifted by one, in order
    assert response.headers["Location"].endswith(f"#d{after[2].id}")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_add")).one()
    assert event.details["position"] == 3 and event.details["number"] == 3
    assert "新增事项，插入为第 3 项，理由：新增职责" in client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert drafts.check_problems(db.session.get(Revision, rev.id)) == []  # 序号 1..120, no gap

    # left empty: at the end, as before
    client.post_form(f"/revisions/{rev.id}/items/new", {"kind": "withdrawn", "category": "党的建设",
                                                         "name": "末尾的收回事项", "receiving": "县民政局：负责",
                                                         "position": ""})
    assert [(i.name, i.number) for i in live(rev, "withdrawn")][-1] == ("末尾的收回事项", 64)


@pytest.mark.parametrize(("position", "message"), [
    ("0", "位置应为 1 到 120 之间的整数"), ("121", "位置应为 1 到 120 之间的整数"),
    ("abc", "位置应为 1 到 120 之间的整数"), ("-2", "位置应为 1 到 120 之间的整数"), ("2.5", "位置应为 1 到 120 之间的整数"),
])
def test_a_bad_place_is_refused_next_to_the_box_with_the_input_kept(app, draft, position, message):
    rev, _ = draft
    client = signed_in(app, "aheqi-drafter")
    response = client.post_form(f"/revisions/{rev.id}/items/new", {
        "kind": "basic", "category": "党的建设", "name": "我输入的事项名称", "position": position, "reason": "我的理由"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field = re.search(r'<div class="field">\s*<label for="position">.*?</div>', page, re.S).group(0)
    assert message in field and f'value="{htmllib.escape(position)}"' in field
    assert "我输入的事项名称" in page and "我的理由" in page
    assert len(live(rev, "basic")) == 119
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_add")) is None


def test_move_an_item_to_a_place_in_one_step_through_the_page(app, draft):
    rev, _ = draft
    client = signed_in(app, "aheqi-drafter")
    items = live(rev, "cooperative")
    mover = items[99]  # 第 100 项
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "移动到第" in page and "（共 127 项）" in page and "在此项之前插入新事项" in page
    response = client.post_form(f"/revisions/{rev.id}/items/{mover.id}/move",
                                {"lock_version": mover.lock_version, "position": "2", "reason": "与第 1 项相关，排在一起"})
    assert response.status_code == 302
    after = live(rev, "cooperative")
    assert after[1].id == mover.id and after[1].number == 2
    assert [i.id for i in after] == [items[0].id, mover.id, *[i.id for i in items[1:99]], *[i.id for i in items[100:]]]
    assert [i.number for i in after] == list(range(1, 128))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_reorder")).all()
    assert len(events) == 1 and (events[0].details["from"], events[0].details["to"]) == (100, 2)
    assert events[0].details["reason"] == "与第 1 项相关，排在一起"
    assert db.session.scalar(select(ItemReason).where(ItemReason.item_id == mover.item_id)) is None
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "调整顺序，第 100 项 → 第 2 项，理由：与第 1 项相关，排在一起" in page  # the timeline
    # a reorder changes no content: nothing is asked to be explained before submitting
    assert drafts.missing_reasons(db.session.get(Revision, rev.id)) == []
    # the existing up/down moves still work
    response = client.post_form(f"/revisions/{rev.id}/items/{mover.id}/move",
                                {"lock_version": after[1].lock_version, "direction": "-1"})
    assert response.status_code == 302 and live(rev, "cooperative")[0].id == mover.id


@pytest.mark.parametrize(("position", "message"), [
    ("", "请填写要移动到的位置"), ("0", "位置应为 1 到 127 之间的整数"), ("128", "位置应为 1 到 127 之间的整数"),
    ("第二", "位置应为 1 到 127 之间的整数"), ("99999999999", "位置应为 1 到 127 之间的整数"),
])
def test_a_bad_move_is_refused_in_place_with_the_input_kept(app, draft, position, message):
    rev, _ = draft
    client = signed_in(app, "aheqi-drafter")
    mover = live(rev, "cooperative")[5]
    response = client.post_form(f"/revisions/{rev.id}/items/{mover.id}/move",
                                {"lock_version": mover.lock_version, "position": position, "reason": "我的理由"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    row = re.search(rf'<tr id="d{mover.id}".*?</tr>', page, re.S).group(0)
    box = re.search(r'<details class="move-to" open>.*?</details>', row, re.S).group(0)
    assert message in box and f'value="{position}"' in box and 'value="我的理由"' in box
    assert [i.id for i in live(rev, "cooperative")][5] == mover.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_reorder")) is None


def test_a_stale_move_is_refused(app, draft):
    rev, drafter = draft
    client = signed_in(app, "aheqi-drafter")
    mover = live(rev, "basic")[3]
    stale = mover.lock_version
    ops.move_item_to(rev, drafter, mover.id, 0, mover.lock_version)
    db.session.commit()
    response = client.post_form(f"/revisions/{rev.id}/items/{mover.id}/move",
                                {"lock_version": stale, "position": "10"})
    assert response.status_code == 409 and "已被他人修改" in response.get_data(as_text=True)
    assert live(rev, "basic")[0].id == mover.id


def test_only_the_drafter_moves_or_inserts(app, draft):
    rev, _ = draft
    client = signed_in(app, "aheqi-office")
    mover = live(rev, "basic")[3]
    assert client.post_form(f"/revisions/{rev.id}/items/{mover.id}/move",
                            {"lock_version": mover.lock_version, "position": "1"}).status_code == 403
    assert client.get(f"/revisions/{rev.id}/items/new?position=1").status_code == 403
    assert live(rev, "basic")[3].id == mover.id


# ------------------------------------------------------------------ the filter itself ----
def test_the_filter_reads_a_query_string_and_matches_as_people_expect():
    from dutylist.items.filtering import ItemFilter

    flt = ItemFilter.from_args({"table": "everything", "category": "  民生服务 ", "department": "民政",
                                "q": "高龄  津贴", "changed": "1"}, allow_changed=False)
    assert flt == ItemFilter(table="", category="民生服务", department="民政", q="高龄 津贴", changed=False)
    assert flt.args() == {"category": "民生服务", "department": "民政", "q": "高龄 津贴"}
    assert not ItemFilter.from_args({}).active and ItemFilter.from_args({"changed": "1"}).changed
    assert len(ItemFilter.from_args({"q": "字" * 500}).q) == 100
    coop = {"category": "民生服务", "name": "老年人高 龄津贴的发放", "departments_text": "县民政局", "departments": ["县民政局"],
            "dept_duties": ["1.组织宣传；"], "township_duties": ["1.核实信息"], "receiving": [], "remarks": ""}
    assert flt.matches("cooperative", coop)  # the space inside 高 龄 does not matter; both words found
    assert not flt.matches("cooperative", {**coop, "category": "党的建设"})
    assert not flt.matches("cooperative", {**coop, "departments": ["县农业农村局"]})
    assert not flt.matches("cooperative", {**coop, "name": "老年人优待"})  # 高龄 missing
    assert ItemFilter(table="basic").matches("cooperative", coop) is False
    withdrawn = {"category": "民生服务", "name": "收养登记", "receiving": [{"department": "县民政局", "method": "负责"}]}
    assert ItemFilter(department="民政").matches("withdrawn", withdrawn)  # 承接部门 count too
    assert ItemFilter(q="负责").matches("withdrawn", withdrawn)  # so do 工作方式
    assert not ItemFilter(changed=True).matches("basic", coop) and ItemFilter(changed=True).matches("basic", coop, True)
