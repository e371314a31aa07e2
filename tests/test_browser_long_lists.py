"""Long lists in Chromium: the filter of a 309-item version (阿合奇镇) as one types, the same answers as the
server's, with and without JavaScript, on a desktop and at 390 px, not printed; in a draft, moving an item to
a place in one step and inserting a new item before another, then "changed only". Screenshots in
test-artifacts/."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind

from .browser import TIMEOUT_MS
from .ui_helpers import click_and_wait, goto, shot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def aheqi_id(server) -> int:
    with server.app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == "阿合奇镇",
                                                               Organisation.kind == OrgKind.township))


def count(page) -> tuple[int, int]:
    text = page.locator("#filter-count").inner_text()
    m = re.search(r"显示\s*(\d+)\s*/\s*共\s*(\d+)\s*项", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def visible_rows(page, holder: str) -> int:
    return page.locator(f"#{holder} tr[data-cat]:visible").count()


def server_count(page, path: str, query: dict) -> int:
    """What the server answers for the same filter (the page without the script's help)."""
    response = page.request.get(path, params=query)
    assert response.ok
    m = re.search(r'显示 <strong class="shown">(\d+)</strong>', response.text())
    return int(m.group(1))


def wait_count(page, previous: int) -> tuple[int, int]:
    page.wait_for_function(
        "n => { const s = document.querySelector('#filter-count .shown'); return s && s.textContent !== String(n); }",
        arg=previous, timeout=TIMEOUT_MS)
    return count(page)


def test_the_309_item_list_filters_as_one_types_like_the_server_on_a_desktop_and_a_phone(page, context, live_server):
    sign_in(page, live_server, "aheqi-drafter")
    path = f"/townships/{aheqi_id(live_server)}"
    goto(page, path)
    assert count(page) == (309, 309) and visible_rows(page, "version-tables") == 309
    assert page.locator("#item-filter button[type=submit]").is_hidden()  # the script filters as one types

    # words: the count, the rows shown and the server's answer agree; the address follows
    page.locator("#filter-q").fill("补贴")
    shown, total = wait_count(page, 309)
    assert total == 309 and 0 < shown < 309
    assert visible_rows(page, "version-tables") == shown == server_count(page, path, {"q": "补贴"})
    assert "q=%E8%A1%A5%E8%B4%B4" in page.url
    # the 序号 of the rows shown are the list's own
    numbers = [int(n) for n in page.locator("#version-tables tr[data-cat]:visible td.no").all_inner_texts()]
    assert numbers != list(range(1, shown + 1))

    # more criteria: table, category, department
    page.locator("#filter-q").fill("")
    wait_count(page, shown)
    page.locator("#filter-table").select_option("cooperative")
    assert count(page)[0] == 127 == visible_rows(page, "version-tables")
    assert page.locator("#table-basic").is_hidden() and page.locator("#table-withdrawn").is_hidden()
    page.locator("#filter-department").fill("民政")
    shown, _ = wait_count(page, 127)
    assert shown == server_count(page, path, {"table": "cooperative", "department": "民政"}) and shown > 0
    category = page.locator("#version-tables tr[data-cat]:visible").first.get_attribute("data-cat")
    page.locator("#filter-category").select_option(category)
    narrowed = count(page)[0]
    assert narrowed == server_count(page, path, {"table": "cooperative", "department": "民政", "category": category})
    shot(page, "long-list-filter-desktop", max_height=2500)

    # a reload is answered by the server with the same rows and the values kept
    page.reload(wait_until="load")
    assert count(page)[0] == narrowed == visible_rows(page, "version-tables")
    assert page.locator("#filter-department").input_value() == "民政"
    assert page.locator("#filter-table").input_value() == "cooperative"
    assert page.locator("#filter-category").input_value() == category

    # nothing matches: each table says so
    page.locator("#filter-table").select_option("")
    page.locator("#filter-q").fill("不存在的事项xyz")
    wait_count(page, count(page)[0])
    assert count(page)[0] == 0 and page.locator(".filter-empty:visible").count() == 3
    page.locator(".filter-clear").click()
    assert count(page) == (309, 309) and visible_rows(page, "version-tables") == 309

    # printed: the tables, without the filter
    page.emulate_media(media="print")
    assert page.locator("#item-filter").is_hidden() and page.locator("#table-basic").is_visible()
    page.emulate_media(media="screen")

    # a phone: nothing wider than the screen, the fields full width and finger-sized
    page.set_viewport_size(PHONE)
    goto(page, path + "?q=%E5%AE%A3%E4%BC%A0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for field in ("#filter-table", "#filter-category", "#filter-department", "#filter-q"):
        box = page.locator(field).bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390, field
    before = count(page)[0]
    assert before == visible_rows(page, "version-tables") > 0
    page.locator("#filter-table").select_option("basic")
    assert count(page)[0] == server_count(page, path, {"q": "宣传", "table": "basic"}) <= before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "long-list-filter-390", max_height=2500)
    assert context.watch.problems() == []


def test_without_javascript_the_filter_is_a_form_the_server_answers(chromium, live_server):
    ctx = chromium.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False,
                               viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        sign_in(page, live_server, "aheqi-drafter")
        goto(page, f"/townships/{aheqi_id(live_server)}")
        page.locator("#filter-table").select_option("withdrawn")
        page.locator("#filter-q").fill("民政")
        click_and_wait(page, page.locator("#item-filter button[type=submit]"))
        assert "table=withdrawn" in page.url and page.url.endswith("#list")
        shown, total = count(page)
        assert total == 309 and 0 < shown < 63 and visible_rows(page, "version-tables") == shown
        assert page.locator("#filter-q").input_value() == "民政"
        shot(page, "long-list-filter-nojs", max_height=2000)
    finally:
        ctx.close()


def test_a_draft_moves_an_item_to_a_place_and_inserts_before_another(page, context, live_server):
    sign_in(page, live_server, "aheqi-drafter")
    goto(page, f"/townships/{aheqi_id(live_server)}")
    click_and_wait(page, page.locator("form.start-revision button[type=submit]"))
    assert count(page) == (309, 309)

    # move the 100th cooperative item to 第 2 项 in one step
    rows = page.locator("#draft-tables table.cooperative tbody tr")
    mover = rows.nth(99)
    name = mover.locator("td").nth(2).inner_text()
    mover.locator("details.move-to summary").click()
    mover.locator("input[name=position]").fill("2")
    click_and_wait(page, mover.locator("details.move-to button[type=submit]"))
    second = page.locator("#draft-tables table.cooperative tbody tr").nth(1)
    assert second.locator("td.no").inner_text() == "2" and second.locator("td").nth(2).inner_text() == name

    # a bad place: the message in place, the box open with the input kept
    row = page.locator("#draft-tables table.cooperative tbody tr").nth(5)
    row.locator("details.move-to summary").click()
    row.locator("input[name=position]").fill("500")
    with page.expect_navigation(wait_until="load"):
        row.locator("details.move-to button[type=submit]").click()
    row = page.locator("#draft-tables table.cooperative tbody tr").nth(5)
    assert row.locator("details.move-to .form-error").inner_text() == "位置应为 1 到 127 之间的整数"
    assert row.locator("input[name=position]").input_value() == "500"
    context.watch.server_errors.clear()  # the 400 was the point

    # insert a new basic item before 第 3 项
    basic = page.locator("#draft-tables table.basic tbody tr").nth(2)
    basic.locator("details.move-to summary").click()
    click_and_wait(page, basic.locator("a.insert-before"))
    assert page.locator("input[name=position]").input_value() == "3"
    page.locator("textarea[name=name]").fill("新增的事项：插在第三项之前")
    page.locator("textarea[name=reason]").fill("新增职责")
    click_and_wait(page, page.locator("form.item-form button[type=submit]"))
    third = page.locator("#draft-tables table.basic tbody tr").nth(2)
    assert third.locator("td.no").inner_text() == "3" and "插在第三项之前" in third.inner_text()
    assert page.locator("#draft-tables table.basic tbody tr").nth(3).locator("td.no").inner_text() == "4"

    # changed only: the added item (the reorder changed no content)
    page.locator("#filter-changed").check()
    assert count(page) == (1, 310) and visible_rows(page, "draft-tables") == 1
    assert "插在第三项之前" in page.locator("#draft-tables tr[data-cat]:visible").inner_text()
    shot(page, "long-draft-changed-only")
    page.set_viewport_size(PHONE)
    page.reload(wait_until="load")
    assert count(page) == (1, 310) and page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "long-draft-changed-only-390")
    assert context.watch.problems() == []
