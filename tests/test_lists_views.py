"""Reading the published lists of the five sample townships, as a signed-in user."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind

EXPECTED = {
    "大有镇": (109, 101, 30), "六户地镇": (110, 99, 43), "阿合奇镇": (119, 127, 63),
    "大南沟乌孜别克族乡": (103, 101, 37), "奇台镇": (85, 68, 26),
}


class Cells(HTMLParser):
    """Collects, per table section, the text of each body row's cells."""

    def __init__(self):
        super().__init__()
        self.tables, self.section, self.in_body, self.row, self.cell = {}, None, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and (attrs.get("id") or "").startswith("table-"):
            self.section = attrs["id"][6:]
            self.tables[self.section] = []
        elif tag == "tbody" and self.section:
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture
def reader(demo_client):
    assert demo_client.login("dayou-drafter", "Demo-2025!").status_code == 302
    return demo_client


def township_id(name):
    return db.session.scalar(select(Organisation.id).where(Organisation.name == name,
                                                            Organisation.kind == OrgKind.township))


def test_index_groups_townships_by_prefecture_and_county(reader):
    html = reader.get("/").get_data(as_text=True)
    html = html[html.index('<section class="prefecture">'):]  # the header and crumbs name the user's own place
    changji = html.index("昌吉回族自治州")
    kizilsu = html.index("克孜勒苏柯尔克孜自治州")
    for county, town in [("吉木萨尔县", "大有镇"), ("玛纳斯县", "六户地镇"), ("木垒哈萨克自治县", "大南沟乌孜别克族乡"),
                         ("奇台县", "奇台镇")]:
        assert changji < html.index(county) < html.index(town)
    assert kizilsu < html.index("阿合奇县") < html.index("阿合奇镇")
    for town, counts in EXPECTED.items():
        assert town in html


def test_index_drills_down_when_a_place_has_too_many_townships(reader, monkeypatch):
    """Above places.LIST_UP_TO townships, the home page lists prefectures, then counties, with counts;
    a county always lists its townships. The user's own place is marked and linked."""
    from dutylist.services import places

    monkeypatch.setattr(places, "LIST_UP_TO", 2)  # 5 seed townships: 4 in 昌吉州, 1 in 克州
    region = reader.get("/").get_data(as_text=True)
    rows = re.findall(r'<tr( class="mine")?>\s*<td><a href="/\?place=(\d+)">([^<]+)</a>.*?'
                      r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>', region, re.S)
    assert [(mine, name, n, published) for mine, _, name, n, published in rows] == [
        (' class="mine"', "昌吉回族自治州", "4", "4"), ("", "克孜勒苏柯尔克孜自治州", "1", "1")]
    assert "阿合奇镇" not in region and "共有 5 个乡镇" in region
    changji = rows[0][1]
    prefecture = reader.get(f"/?place={changji}").get_data(as_text=True)
    counties = re.findall(r'<a href="/\?place=(\d+)">([^<]+)</a>', prefecture[prefecture.index('id="places"'):])
    assert [name for _, name in counties] == ["吉木萨尔县", "玛纳斯县", "木垒哈萨克自治县", "奇台县"]
    assert re.search(r'<a href="/\?place=\d+">新疆维吾尔自治区</a> › <span>昌吉回族自治州</span>', prefecture)
    jimsar = reader.get(f"/?place={counties[0][0]}").get_data(as_text=True)
    assert "大有镇" in jimsar and "六户地镇" not in jimsar and 'id="places"' not in jimsar
    monkeypatch.setattr(places, "LIST_UP_TO", 4)  # 昌吉州 fits: its four townships are listed
    listed = reader.get(f"/?place={changji}").get_data(as_text=True)
    assert all(t in listed for t in ("大有镇", "六户地镇", "大南沟乌孜别克族乡", "奇台镇")) and "阿合奇镇" not in listed


def test_drill_down_counts_only_open_townships_and_those_published(app, client, monkeypatch):
    """The prefecture rows count open townships, and of them those with a published list: a township
    added without a list counts once, a closed one not at all (the counts kept per county)."""
    from dutylist.models.base import utcnow
    from dutylist.services import places

    from .factories import World

    world = World()  # 吉木萨尔县: 大有镇 published, 泉子街镇 not; 玛纳斯县: none
    db.session.add(Organisation(name="新设乡", kind=OrgKind.township.value, parent=world.other_county,
                                updated_at=utcnow()))
    db.session.add(Organisation(name="撤销乡", kind=OrgKind.township.value, parent=world.other_county,
                                closed_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    monkeypatch.setattr(places, "LIST_UP_TO", 2)
    client.login("dayou-drafter")
    rows = re.findall(r'<tr(?: class="mine")?>\s*<td><a href="/\?place=\d+">([^<]+)</a>.*?<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)</td>',
                      client.get("/").get_data(as_text=True), re.S)
    assert ("昌吉回族自治州", "3", "1") in rows
    prefecture = client.get(f"/?place={world.prefecture.id}").get_data(as_text=True)
    rows = re.findall(r'<tr(?: class="mine")?>\s*<td><a href="/\?place=\d+">([^<]+)</a>.*?<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)</td>',
                      prefecture, re.S)
    assert ("吉木萨尔县", "2", "1") in rows and ("玛纳斯县", "1", "0") in rows


@pytest.mark.parametrize("arg, status", [("abc", 400), ("999999", 404)])
def test_index_refuses_a_bad_place(reader, arg, status):
    assert reader.get(f"/?place={arg}").status_code == status


def test_index_refuses_a_township_or_office_as_place(reader):
    assert reader.get(f"/?place={township_id('大有镇')}").status_code == 404


@pytest.mark.parametrize("town", list(EXPECTED))
def test_township_page_shows_three_tables_faithfully(reader, town):
    response = reader.get(f"/townships/{township_id(town)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parser = Cells()
    parser.feed(html)
    counts = tuple(len(parser.tables[k]) for k in ("basic", "cooperative", "withdrawn"))
    assert counts == EXPECTED[town]
    basic, coop, withdrawn = (parser.tables[k] for k in ("basic", "cooperative", "withdrawn"))
    # numbered 1..n, no repeated page headers inside the tables, no HTML from the sources
    for rows in (basic, coop, withdrawn):
        assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
        assert not any(r[1] == "事项类别" or r[2] == "事项名称" for r in rows)
        assert not any(re.search(r"</?(ol|li|p)\b", cell) for r in rows for cell in r)
    assert all(len(r) == 6 for r in coop) and all(len(r) == 4 for r in withdrawn)
    assert f"共有履职事项 <strong class=\"total\">{sum(counts)}</strong> 项" in html
    assert "&lt;li&gt;" not in html and "&lt;ol" not in html


def test_steps_are_shown_as_list_items(reader):
    html = reader.get(f"/townships/{township_id('大有镇')}").get_data(as_text=True)
    coop = html[html.index('id="table-cooperative"'):html.index('id="table-withdrawn"')]
    body = coop[coop.index("<tbody>"):]
    first_row = body[:body.index("</tr>")]
    assert first_row.count("<li>") == 12  # 5 county steps + 7 township steps of item 1
    assert "<li>1.明确代表推荐的总体要求、具体条件，推荐程序和时间安排等；</li>" in first_row


def test_preface_counts_per_category_like_seed_002(reader):
    html = reader.get(f"/townships/{township_id('阿合奇镇')}").get_data(as_text=True)
    summary = html[html.index('id="summary"'):html.index("</section>", html.index('id="summary"'))]
    assert "共有履职事项 <strong class=\"total\">309</strong> 项" in summary
    assert "基本履职事项 <strong data-kind=\"basic\">119</strong> 项" in summary
    assert "配合履职事项 <strong data-kind=\"cooperative\">127</strong> 项" in summary
    assert "上级部门收回事项 <strong data-kind=\"withdrawn\">63</strong> 项" in summary
    assert "党的建设" in summary and "涉及" in summary


def test_ocr_rows_are_marked_but_kept(reader):
    html = reader.get(f"/townships/{township_id('奇台镇')}").get_data(as_text=True)
    assert "且织开展基层理论宣讲" in html  # OCR text kept as it is
    assert 'class="flagged"' in html and "导入提示" in html


def test_every_asset_is_served_by_the_app(reader):
    html = reader.get(f"/townships/{township_id('大有镇')}").get_data(as_text=True)
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(r.startswith(("/", "#")) for r in refs), refs
    css = [r for r in refs if r.endswith(".css")]
    assert css and reader.get(css[0]).status_code == 200


def test_unknown_township_is_404(reader):
    assert reader.get("/townships/999999").status_code == 404
    assert "页面或数据不存在" in reader.get("/townships/999999").get_data(as_text=True)


def test_item_text_is_escaped(app, make_org, make_user):
    from dutylist.models import Role
    from dutylist.services.snapshot import EntryData, publish_version
    region = make_org("新疆维吾尔自治区", OrgKind.region)
    county = make_org("测试县", OrgKind.county, make_org("测试州", OrgKind.prefecture, region))
    town = make_org("测试镇", OrgKind.township, county)
    make_user("reader", Role.township_drafter, town)
    publish_version(town, [EntryData("basic", 1, {"category": "党的建设", "name": "<script>alert(1)</script>事项"})],
                    source="import")
    db.session.commit()
    client = app.test_client()
    client.login("reader")
    html = client.get(f"/townships/{town.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;事项" in html


def test_index_follows_publications_and_new_townships(app, client):
    """The home page's places are reused per worker until a version is published or a place added."""
    from dutylist.services.snapshot import EntryData, publish_version

    from .factories import World, fields

    world = World()
    client.login("dayou-drafter")

    def row(name):
        html = client.get("/").get_data(as_text=True)
        m = re.search(rf">{name}</a></td>\s*(<td[^>]*>[^<]*</td>)", html)
        return re.sub(r"<td [^>]*>", "<td>", m.group(1)) if m else None  # (cells carry data-label for phones)

    assert "尚无发布版本" in row("泉子街镇")
    assert row("大有镇") == "<td>第 1 版</td>"
    publish_version(world.other_town, [EntryData("basic", 1, fields("负责“四老”人员走访"))], source="import")
    db.session.commit()
    assert row("泉子街镇") == "<td>第 1 版</td>"
    db.session.add(Organisation(name="新设镇", kind=OrgKind.township, parent=world.county))
    db.session.commit()
    assert "尚无发布版本" in row("新设镇")
