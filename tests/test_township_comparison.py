"""Comparison between townships: the same duty matched across lists by normalised-text similarity."""
from __future__ import annotations

import html
import re

import pytest

from dutylist.compare import matching
from dutylist.compare.matching import Entry, cluster, normalise
from dutylist.extensions import db
from dutylist.models import OrgKind
from dutylist.services import snapshot
from dutylist.services.snapshot import EntryData, publish_version

from .conftest import find_org
from .factories import World, fields

DEMO_PASSWORD = "Demo-2025!"

#: read in sample_data/000 (大有镇) and 001 (六户地镇)
SHARED = ["高标准农田基础设施建设", "农业水价调整工作", "对破坏或者擅自改变基本农田保护区标志的处罚"]
ONLY_DAYOU = ["矿产资源保护", "湿地保护工作", "拖拉机、联合收割机登记、证书和牌照核发"]
ONLY_LIUHUDI = ["屠宰检疫", "负责本镇广播电视站管理", "动物疫情信息采集"]


def section(body: str, section_id: str) -> str:
    m = re.search(rf'<section[^>]*\bid="{re.escape(section_id)}"[^>]*>(.*?)</section>', body, re.S)
    assert m, f"no section {section_id}"
    return m.group(1)


def row_texts(fragment: str) -> list[str]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", r)) for r in rows]


def tid(name):
    return find_org(name, OrgKind.township).id


@pytest.fixture
def reader(demo_client):
    assert demo_client.login("jimsar-office", DEMO_PASSWORD).status_code == 302
    return demo_client


# ------------------------------------------------------------ normalisation ----
def test_normalise_unifies_local_wording():
    assert normalise("负责本镇农村“四老”人员服务管理工作") == normalise("负责本乡农村 “四老” 人员服务管理")
    assert normalise("做好本街道政府信息公开工作。") == normalise("本镇政府信息公开")
    assert normalise("城镇燃气(含瓶装液化气)安全管理") == normalise("城镇燃气（含瓶装液化气）安全管理")
    assert normalise("负责向大有镇下派技术人员", ("大有镇",)) == normalise("负责向六户地镇下派技术人员", ("六户地镇",))
    assert normalise("政务APP") == normalise("政务ａｐｐ")  # NFKC and case
    assert normalise("工作") == "工作"  # never normalised away to nothing


def test_place_names_include_county_forms(app):
    world = World()
    names = matching.place_names(world.town)
    assert {"大有镇", "吉木萨尔县", "昌吉回族自治州"} <= set(names)
    assert "新疆维吾尔自治区" not in names
    county = world._org("木垒哈萨克自治县", OrgKind.county, world.prefecture)
    town = world._org("大南沟乌孜别克族乡", OrgKind.township, county)
    assert {"木垒县", "木垒哈萨克自治县", "大南沟乌孜别克族乡"} <= set(matching.place_names(town))


def _entries(township_id, *rows):
    return tuple(Entry(township_id, township_id * 10, i + 1, kind, i + 1, "", name, normalise(name))
                 for i, (kind, name) in enumerate(rows))


def test_cluster_matches_one_to_one_best_first():
    a = _entries(1, ("basic", "负责本镇政府信息公开工作"), ("basic", "地名管理"), ("cooperative", "收养登记"),
                 ("basic", "开展职工医疗互助保障"))
    b = _entries(2, ("basic", "本乡政府信息公开"), ("basic", "地名管理工作"), ("withdrawn", "收养登记"),
                 ("basic", "开展职工医疗互助保障工作"), ("basic", "开展职工医疗互助"), ("basic", "完全不同的事项名称"))
    clusters = cluster([a, b])
    pairs = {(c.entry(1).name if c.entry(1) else None, c.entry(2).name if c.entry(2) else None): c for c in clusters}
    assert ("负责本镇政府信息公开工作", "本乡政府信息公开") in pairs
    assert ("地名管理", "地名管理工作") in pairs
    assert pairs[("收养登记", "收养登记")].cross_table
    # one-to-one: the better of two candidates wins, the other stays alone
    assert ("开展职工医疗互助保障", "开展职工医疗互助保障工作") in pairs
    assert (None, "开展职工医疗互助") in pairs and (None, "完全不同的事项名称") in pairs
    assert all(len(c.members) <= 2 for c in clusters)
    assert sum(len(c.members) for c in clusters) == len(a) + len(b)


def test_cluster_prefers_the_same_table_on_a_tie():
    a = _entries(1, ("withdrawn", "收养登记"), ("basic", "收养登记"))
    b = _entries(2, ("basic", "收养登记"))
    clusters = cluster([a, b])
    together = next(c for c in clusters if len(c.members) == 2)
    assert together.entry(1).kind == "basic" and not together.cross_table


def test_cluster_of_three_and_consensus_membership():
    a = _entries(1, ("basic", "地名管理"), ("basic", "收养登记"))
    b = _entries(2, ("basic", "地名管理"), ("withdrawn", "收养登记"), ("basic", "湿地保护"))
    c = _entries(3, ("basic", "地名管理工作"), ("basic", "矿产资源保护"))
    clusters = cluster([a, b, c])
    sizes = sorted(len(x.members) for x in clusters)
    assert sizes == [1, 1, 2, 3]
    two = next(x for x in clusters if len(x.members) == 2)
    assert two.cross_table and two.common_kind() == "basic"


# ------------------------------------------------------ the fact ----
def test_dayou_and_liuhudi_share_items_and_each_has_its_own(demo_app):
    with demo_app.app_context():
        versions = matching.current_versions([tid("大有镇"), tid("六户地镇")])
        assert [v.township.name for v in versions] == ["大有镇", "六户地镇"]
        result = matching.compare(versions)
        a, b = versions[0].township_id, versions[1].township_id
        shared = {(c.entry(a).name, c.entry(b).name) for c in result.shared_by_all()}
        only_a = {e.name for e in result.only_in(a)}
        only_b = {e.name for e in result.only_in(b)}
        for name in SHARED:
            assert (name, name) in shared
        assert set(ONLY_DAYOU) <= only_a and not set(ONLY_DAYOU) & {x for x, _ in shared}
        assert set(ONLY_LIUHUDI) <= only_b and not set(ONLY_LIUHUDI) & {y for _, y in shared}
        # every item is accounted for exactly once
        assert len(shared) + len(only_a) == versions[0].counts["basic"] + versions[0].counts["cooperative"] \
            + versions[0].counts["withdrawn"]
        assert len(shared) + len(only_b) == sum(versions[1].counts.values())
        assert len(shared) > 200 and only_a and only_b
        # different local wording still matches (字 for 字 the same after normalisation, or close)
        reworded = [c for c in result.shared_by_all() if c.entry(a).name != c.entry(b).name]
        assert reworded and all(c.min_score() >= matching.THRESHOLD for c in reworded)
        assert any(c.entry(a).name.startswith("领导本镇政权机关") for c in reworded)


def test_comparison_page_for_dayou_and_liuhudi(reader, demo_app):
    with demo_app.app_context():
        a, b = tid("大有镇"), tid("六户地镇")
    resp = reader.get(f"/compare?township={a}&township={b}")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    shared = row_texts(section(body, "shared"))
    only_a = row_texts(section(body, f"only-{a}"))
    only_b = row_texts(section(body, f"only-{b}"))
    for name in SHARED:
        assert any(r.count(name) == 2 for r in shared), name  # both wordings in one row
    for name in ONLY_DAYOU:
        assert any(name in r for r in only_a) and not any(name in r for r in shared + only_b)
    for name in ONLY_LIUHUDI:
        assert any(name in r for r in only_b) and not any(name in r for r in shared + only_a)
    assert len(shared) > 200 and len(only_a) >= 3 and len(only_b) >= 3
    summary = html.unescape(re.sub(r"<[^>]+>", "", section(body, "compare-summary")))
    assert f"两镇共有事项 {len(shared) - 1} 项" in summary  # minus the header row
    # cells link to the item in its version, and to the same duty elsewhere
    assert re.search(r'<a href="/versions/\d+#item-\d+">高标准农田基础设施建设</a>', body)
    assert re.search(r'href="/compare/item/\d+/\d+"', body)


def test_comparison_of_more_than_two_townships(reader, demo_app):
    with demo_app.app_context():
        ids = [tid(n) for n in ("大有镇", "六户地镇", "大南沟乌孜别克族乡", "阿合奇镇")]
    body = reader.get("/compare?" + "&".join(f"township={i}" for i in ids)).get_data(as_text=True)
    assert "各乡镇共有的事项" in body and 'id="shared-some"' in body
    for i in ids:
        assert f'id="only-{i}"' in body
    # 高标准农田基础设施建设: cooperative in three of them, absent from 阿合奇镇
    some = row_texts(section(body, "shared-some"))
    assert any(r.count("高标准农田基础设施建设") == 3 for r in some)


def test_the_same_duty_in_other_townships(reader, demo_app):
    with demo_app.app_context():
        version = snapshot.current_version(tid("大有镇"))
        item = next(e for e in snapshot.read_entries(version) if e["name"] == "高标准农田基础设施建设")
        found = {c.version.township.name: c for c in matching.counterparts(
            next(e for e in matching.entries_of(version) if e.item_id == item["item_id"]),
            [v for v in matching.current_versions() if v.township_id != version.township_id])}
        assert set(found) == {"六户地镇", "阿合奇镇", "大南沟乌孜别克族乡", "奇台镇"}
        for name in ("六户地镇", "大南沟乌孜别克族乡"):
            assert found[name].same and found[name].score == 100
            assert (found[name].entry.name, found[name].entry.kind, found[name].entry.number) == \
                ("高标准农田基础设施建设", "cooperative", 27)
        assert not found["奇台镇"].same
    body = reader.get(f"/compare/item/{version.id}/{item['item_id']}").get_data(as_text=True)
    rows = row_texts(re.search(r'<table class="grid counterparts".*?</table>', body, re.S).group(0))[1:]
    assert len(rows) == 4
    assert "六户地镇" in rows[0] or "六户地镇" in rows[1]
    assert '<strong id="present-count">2</strong>' in body
    assert reader.get(f"/compare/item/{version.id}/999999").status_code == 404
    assert reader.get(f"/compare/item/999999/{item['item_id']}").status_code == 404


def test_county_office_sees_distance_from_the_common_form(reader, demo_app):
    with demo_app.app_context():
        county = find_org("吉木萨尔县", OrgKind.county)
        versions = matching.current_versions()
        cons = matching.consensus(versions)
        assert cons.majority == 3 and len(cons.versions) == 5
        for s in cons.standings.values():
            assert len(s.conforming) + len(s.extra) == s.total
            assert len(s.conforming) + len(s.missing) == len(cons.items)
        dayou = cons.standings[tid("大有镇")]
        aheqi = cons.standings[tid("阿合奇镇")]
        assert dayou.share > 0.9 > 0.5 > aheqi.share  # 阿合奇镇 (another prefecture) writes its own list
        assert "矿产资源保护" in {e.name for e in dayou.extra}
        share = f"{dayou.share * 100:.0f}%"
        dayou_id = tid("大有镇")
    body = reader.get(f"/compare/county/{county.id}").get_data(as_text=True)
    standings = row_texts(re.search(r'<table class="grid standings".*?</table>', body, re.S).group(0))[1:]
    assert len(standings) == 1 and "大有镇" in standings[0] and share in standings[0]
    assert f'<strong id="consensus-size">{len(cons.items)}</strong>' in body
    assert "矿产资源保护" in section(body, f"township-{dayou_id}")
    # a prefecture shows all its townships; the overview on /compare lists every one
    with demo_app.app_context():
        pref = find_org("昌吉回族自治州", OrgKind.prefecture)
    body = reader.get(f"/compare/county/{pref.id}").get_data(as_text=True)
    assert len(re.findall(r'<tr data-township=', body)) == 4
    overview = reader.get("/compare").get_data(as_text=True)
    assert "各乡镇与通行文本的距离" in overview and share in overview
    assert reader.get("/compare/county/999999").status_code == 404


def test_bad_requests_and_sign_in(reader, demo_app, demo_client):
    with demo_app.app_context():
        a = tid("大有镇")
        county = find_org("吉木萨尔县", OrgKind.county)
    assert reader.get("/compare?township=abc").status_code == 400
    assert reader.get(f"/compare?township={a}&township=999999").status_code == 404
    assert reader.get(f"/compare?township={a}&township={county.id}").status_code == 404  # not a township
    one = reader.get(f"/compare?township={a}&township={a}").get_data(as_text=True)
    assert "请至少选择两个乡镇" in one
    reader.post_form("/auth/logout")
    for url in ("/compare", f"/compare?township={a}", f"/compare/county/{county.id}", "/compare/item/1/1"):
        resp = demo_client.get(url)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], url


# ------------------------------------------------- tables, versions, caches ----
def _other_town_list(world: World, extra=()):
    rows = [
        EntryData("basic", 1, fields("加强基层阵地建设，优化提升服务功能")),
        EntryData("basic", 2, fields("负责本乡农村“四老”人员服务管理")),
        EntryData("basic", 3, fields("收养登记", "民生服务")),  # withdrawn in 大有镇
        EntryData("basic", 4, fields("泉子街镇特色旅游节", "文化和旅游")),
        *extra,
    ]
    version = publish_version(world.other_town, rows, source="import")
    db.session.commit()
    return version


def test_same_duty_in_different_tables(app, client):
    world = World()
    _other_town_list(world)
    result = matching.compare(matching.current_versions([world.town.id, world.other_town.id]))
    [cross] = result.cross_table()
    assert cross.entry(world.town.id).kind == "withdrawn" and cross.entry(world.other_town.id).kind == "basic"
    assert {e.name for e in result.only_in(world.other_town.id)} == {"泉子街镇特色旅游节"}
    assert "负责本镇政府信息公开工作" in {e.name for e in result.only_in(world.town.id)}

    assert client.login("jimsar-office").status_code == 302
    body = client.get(f"/compare?township={world.town.id}&township={world.other_town.id}").get_data(as_text=True)
    rows = row_texts(section(body, "cross-table"))[1:]
    assert len(rows) == 1 and rows[0].count("收养登记") == 2 and "收回" in rows[0] and "基本" in rows[0]
    item = next(e for e in snapshot.read_entries(world.version) if e["name"] == "收养登记")
    page = client.get(f"/compare/item/{world.version.id}/{item['item_id']}").get_data(as_text=True)
    assert "清单不同" in page and "泉子街镇" in page


def test_township_without_a_list_and_new_versions(app, client):
    world = World()
    assert client.login("jimsar-office").status_code == 302
    url = f"/compare?township={world.town.id}&township={world.other_town.id}"
    assert "泉子街镇尚无发布的清单" in client.get(url).get_data(as_text=True)
    _other_town_list(world)
    first = client.get(url).get_data(as_text=True)
    assert "泉子街镇特色旅游节" in section(first, f"only-{world.other_town.id}")
    # a new version of the other town is compared at once (the caches are per version)
    entries = [EntryData(e["kind"], e["number"], {k: e[k] for k in (
        "category", "name", "departments_text", "departments", "dept_duties", "township_duties", "receiving")},
        item_id=e["item_id"]) for e in snapshot.read_entries(snapshot.current_version(world.other_town.id))]
    entries.append(EntryData("basic", 5, fields("负责本镇政府信息公开工作", "综合政务")))
    publish_version(world.other_town, entries, source="revision")
    db.session.commit()
    second = client.get(url).get_data(as_text=True)
    assert "负责本镇政府信息公开工作" not in section(second, f"only-{world.town.id}")
    assert "负责本镇政府信息公开工作" in section(first, f"only-{world.town.id}")


def test_cache_is_keyed_by_version_content(app):
    world = World()
    v = world.version
    first = matching.entries_of(v)
    assert matching.entries_of(v) is first  # cached
    key = matching.version_key(v)
    assert key[1:] == (v.id, v.digest, v.published_at.isoformat())
    assert str(db.engine.url) == key[0]


def test_comparisons_cover_at_most_compare_up_to_townships(reader, demo_app, monkeypatch):
    """A comparison reads every version it covers, so it covers the widest place around the township (or
    the user) with at most places.COMPARE_UP_TO townships: at 40,000 townships a county, not the region."""
    from dutylist.services import places

    with demo_app.app_context():
        dayou = find_org("大有镇", OrgKind.township)
        changji, region = dayou.parent.parent, dayou.parent.parent.parent
        assert places.comparison_scope(dayou) == region  # 5 townships
        monkeypatch.setattr(places, "COMPARE_UP_TO", 4)
        assert places.comparison_scope(dayou) == changji  # 昌吉州 has 4
        monkeypatch.setattr(places, "COMPARE_UP_TO", 0)
        assert places.comparison_scope(dayou) == dayou.parent  # even the county is too big: the county
        monkeypatch.setattr(places, "COMPARE_UP_TO", 4)
        version = snapshot.current_version(dayou.id)
        item = next(e for e in snapshot.read_entries(version) if e["name"] == "高标准农田基础设施建设")
        changji_id, region_id = changji.id, region.id
    body = reader.get(f"/compare/item/{version.id}/{item['item_id']}").get_data(as_text=True)
    rows = row_texts(re.search(r'<table class="grid counterparts".*?</table>', body, re.S).group(0))[1:]
    assert len(rows) == 3 and not any("阿合奇镇" in r for r in rows)  # 克州 is outside the scope
    assert "昌吉回族自治州其他 3 个乡镇" in body
    # the picker (jimsar-office): its prefecture by default; the region is too big to list
    picker = reader.get("/compare").get_data(as_text=True)
    assert set(re.findall(r'name="township" value="\d+"[^>]*> ([^<]+)<', picker)) == {
        "大有镇", "六户地镇", "大南沟乌孜别克族乡", "奇台镇"}
    assert f'<option value="{changji_id}" selected>' in picker and 'id="consensus-' in picker
    too_big = reader.get(f"/compare?place={region_id}").get_data(as_text=True)
    assert 'id="place-too-big"' in too_big and 'name="township"' not in too_big
    assert "共有 5 个乡镇，超过一次可列出的 4 个" in too_big
    # townships chosen by id still compare, whatever the place shown
    both = reader.get(f"/compare?place={region_id}&township={tid('大有镇')}&township={tid('阿合奇镇')}")
    assert both.status_code == 200 and 'id="shared-count"' in both.get_data(as_text=True)
    assert reader.get("/compare?place=abc").status_code == 400
    assert reader.get(f"/compare?place={tid('大有镇')}").status_code == 404


def test_at_most_max_compared_townships_side_by_side(reader):
    from dutylist.views.compare import MAX_COMPARED

    query = "&".join(f"township={i}" for i in range(1, MAX_COMPARED + 2))
    response = reader.get(f"/compare?{query}")
    assert response.status_code == 400 and f"一次最多对比 {MAX_COMPARED} 个乡镇" in response.get_data(as_text=True)


def test_distance_page_of_a_place_too_big_to_compare_says_so(reader, demo_app, monkeypatch):
    from dutylist.services import places

    with demo_app.app_context():
        region = find_org("新疆维吾尔自治区", OrgKind.region)
        changji = find_org("昌吉回族自治州", OrgKind.prefecture)
        region_id, changji_id = region.id, changji.id
    monkeypatch.setattr(places, "COMPARE_UP_TO", 4)
    body = reader.get(f"/compare/county/{region_id}").get_data(as_text=True)
    assert 'id="too-many"' in body and "共有 5 个乡镇，超过一次可比较的 4 个" in body and 'id="standings"' not in body
    body = reader.get(f"/compare/county/{changji_id}").get_data(as_text=True)
    assert 'id="standings"' in body and "昌吉回族自治州 4 个乡镇" in body
