"""The HTML of an item's cells (dutylist/views/cells.py) and the JSON columns as read_entries decodes them
(dutylist/services/snapshot.py): both replaced slower general code for speed, so each is checked here
against what it replaced — markupsafe's escaping, Jinja's printing, json.loads."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from markupsafe import Markup, escape

from dutylist.services.snapshot import decode_json as _decode
from dutylist.views import cells

AWKWARD = ["", "普通文字", "<script>alert(1)</script>", "a & b", "\"引号\" 'single'", "&amp;", "x\u2028y",
           "{{ 7*7 }}", "\U0001f600 表情", " 前后空格 ", "</td></tr><tr><td>"]


@pytest.mark.parametrize("text", AWKWARD)
def test_esc_is_markupsafe_escape(text):
    assert cells.esc(text) == str(escape(text))


@pytest.mark.parametrize("text", AWKWARD)
def test_search_marks_escape_as_markupsafe(text):
    """search.service.mark escapes with esc and wraps once: the same markup as escaping each piece."""
    import re

    from dutylist.search.service import mark
    pattern = re.compile("空格|<|&|表情", re.IGNORECASE)
    expected, last = [], 0
    for m in pattern.finditer(text):
        expected += (escape(text[last:m.start()]), "<mark>", escape(m.group()), "</mark>")
        last = m.end()
    expected.append(escape(text[last:]))
    assert mark(text, pattern) == Markup("".join(expected))
    assert mark(text, None) == escape(text) and isinstance(mark(text, None), Markup)


def test_esc_other_values():
    assert cells.esc(None) == ""
    assert cells.esc(12) == "12"
    assert cells.esc(Markup("<b>x</b>")) == "<b>x</b>"  # already markup: printed as it is, as Jinja does


def test_cells_escape_everything_a_person_wrote():
    evil = "<img src=x onerror=alert(1)>"
    entry = {"item_id": 7, "kind": "cooperative", "number": 3, "category": evil, "name": evil,
             "departments_text": evil, "departments": [evil], "dept_duties": [evil, "第二步"],
             "township_duties": [evil], "receiving": [], "remarks": f"{evil}\n\n  \n第二行",
             "bases": [{"basis_id": None, "text": evil, "article": evil}], "flags": [evil]}
    html = str(cells.version_rows([entry], with_bases=True, with_remarks=True))
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 11  # 8 in cells, data-cat, data-depts, the flags in the title
    assert 'title="&lt;img' in html and 'data-cat="&lt;img' in html
    assert '<ol class="steps"><li>&lt;img src=x onerror=alert(1)&gt;</li><li>第二步</li></ol>' in html
    assert html.count('<p class="remark">') == 2  # blank lines dropped


def test_version_rows_per_table_and_filter():
    basic = {"item_id": 1, "kind": "basic", "number": 1, "category": "党的建设", "name": "甲", "departments": [],
             "dept_duties": [], "township_duties": [], "receiving": [], "remarks": "", "bases": [], "flags": []}
    withdrawn = {**basic, "item_id": 2, "kind": "withdrawn", "name": "乙",
                 "receiving": [{"department": "县民政局", "method": "直接承接"}, {"department": "", "method": "其他"}]}
    html = str(cells.version_rows([basic, withdrawn], with_bases=False, with_remarks=False, matched={2}))
    rows = html.strip().split("\n")
    assert rows[0].startswith('<tr id="item-1" data-cat="党的建设" data-depts="" hidden>')
    assert rows[0].count("<td") == 3  # 序号, 类别, 名称: no 依据 or 备注 column
    assert '<tr id="item-2" data-cat="党的建设" data-depts="县民政局">' in rows[1]
    assert '<p class="receiving"><strong>县民政局：</strong>直接承接</p><p class="receiving">其他</p>' in rows[1]


def test_departments_worked_out_once_give_the_same_page():
    """The list page works out each entry's departments once (views.lists._named) and hands them to the
    rows, the summary's counts and the filter's options: each must print what it works out by itself."""
    from dutylist.items import filtering, named_departments
    from dutylist.services.list_counts import list_stats
    base = {"kind": "cooperative", "number": None, "category": "经济发展", "name": "甲", "departments_text": "",
            "dept_duties": [], "township_duties": [], "receiving": [], "remarks": "", "bases": [], "flags": []}
    entries = [{**base, "item_id": 1, "departments": ["县民政局", "县财政局"]},
               {**base, "item_id": 2, "kind": "withdrawn", "departments": [],
                "receiving": [{"department": "县民政局", "method": "承接"}, {"department": "县<司法>局", "method": ""}]},
               {**base, "item_id": 3, "kind": "basic", "departments": []}]
    names = {e["item_id"]: named_departments(e) for e in entries}
    assert names[2] == ["县民政局", "县<司法>局"]
    assert cells.version_rows(entries, True, True, {1, 3}, names) == cells.version_rows(entries, True, True, {1, 3})
    assert f'data-depts="县民政局{filtering.DEPT_SEPARATOR}县&lt;司法&gt;局"' in str(cells.version_rows(entries, True, True, None, names))
    assert list_stats(entries, None, names) == list_stats(entries)
    assert list_stats(entries)["departments"] == {"basic": 0, "cooperative": 2, "withdrawn": 2}
    county = SimpleNamespace(name="温宿县", short_name="")  # 温宿县民政局 and 县民政局: one department in it
    entries[1]["receiving"].append({"department": "温宿县民政局", "method": "承接"})
    names = {e["item_id"]: named_departments(e) for e in entries}
    assert list_stats(entries, county, names) == list_stats(entries, county)
    assert list_stats(entries, county)["departments"] == {"basic": 0, "cooperative": 2, "withdrawn": 2}
    assert list_stats(entries)["departments"]["withdrawn"] == 3
    pairs = [(e["kind"], e) for e in entries]
    assert filtering.options(pairs, names) == filtering.options(pairs)


def test_item_cells_read_draft_items_as_objects():
    draft = SimpleNamespace(kind="withdrawn", category="平安法治", name="丙", receiving=[{"department": "县司法局",
                            "method": "指导"}], bases=[{"basis_id": 5, "text": "《条例》", "article": "第三条"},
                                                      {"basis_id": None, "text": "《待核》", "article": ""}],
                            remarks="")
    html = str(cells.item_cells(draft, with_bases=True, with_remarks=True, pending_mark=True))
    assert html.startswith('<td class="cat">平安法治</td><td>丙</td><td><p class="receiving"><strong>县司法局：')
    assert '<p class="citation" data-basis="5">《条例》第三条</p>' in html
    assert '<p class="citation">《待核》 <span class="badge pending-basis"' in html
    assert html.endswith('<td class="remarks"></td>')


@pytest.mark.parametrize("value", [[], ["一", "二"], [{"department": "县民政局", "method": "承接"}],
                                   [{"basis_id": 3, "article": "第一条", "text": "《法》"}], ["含\"引号\"与\\反斜杠"],
                                   ["\U0001f600"], [None, 1, 2.5, True]])
def test_decode_is_json_loads(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, separators=(",", ":"))):
        assert _decode(text) == json.loads(text) == value


def test_decode_odd_texts_fall_back_to_the_full_parser():
    assert _decode(None) is None
    assert _decode(" [1] ") == [1]  # blanks around: not what the scanner reads alone
    assert _decode("[1]  ") == [1]
    with pytest.raises(json.JSONDecodeError):
        _decode("[1] x")
    first, second = _decode("[]"), _decode("[]")
    first.append(1)
    assert second == []  # a fresh list each time: a caller may change what it got
