"""The reviewers' dashboard and the statistics pages (both databases)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import Consultation, ConsultationRound, Organisation, OrgKind, Revision
from dutylist.oversight import dashboard as dash
from dutylist.oversight.charts import Series, bar_chart
from dutylist.oversight.stats import scope_stats
from dutylist.services import snapshot
from dutylist.services.list_counts import list_stats
from workflow import operations as ops

from .conftest import PASSWORD, find_org
from .factories import World, fire, settle, sign, statements, switch_user

DEMO_PASSWORD = "Demo-2025!"
CHANGJI = {"大有镇", "六户地镇", "大南沟乌孜别克族乡", "奇台镇"}
ALL_DEMO = CHANGJI | {"阿合奇镇"}


def townships_on(html: str) -> list[str]:
    return re.findall(r'<tr data-township="([^"]+)"', html)


def states_on(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-township="([^"]+)" data-state="([^"]+)"', html))


def chip(html: str, state: str) -> int:
    m = re.search(rf'data-state="{state}">[^<]*<strong class="n">(\d+)</strong>', html)
    assert m, f"no count chip for {state}"
    return int(m.group(1))


# ------------------------------------------------------------------ demo data: who sees what ----
@pytest.mark.parametrize(("username", "status", "expected"), [
    ("dayou-drafter", 403, None),
    ("jimsar-dept01", 403, None),
    ("jimsar-office", 200, {"大有镇"}),
    ("changji-prefecture", 200, CHANGJI),
    ("kizilsu-prefecture", 200, {"阿合奇镇"}),
    ("xj-region", 200, ALL_DEMO),
    ("sysadmin", 200, ALL_DEMO),
])
def test_dashboard_shows_the_townships_of_the_users_area(demo_client, username, status, expected):
    switch_user(demo_client, username, DEMO_PASSWORD)
    response = demo_client.get("/dashboard")
    assert response.status_code == status
    if expected is None:
        return
    html = response.get_data(as_text=True)
    assert set(townships_on(html)) == expected and len(townships_on(html)) == len(expected)
    # the demo lists are all version 1 with nothing under review
    assert set(states_on(html).values()) == {"none"}
    assert chip(html, "none") == len(expected) and chip(html, "all") == len(expected)
    assert chip(html, "county_review") == 0 and chip(html, "overdue") == 0
    assert "第 1 版" in html


def test_dashboard_needs_a_sign_in(demo_client):
    response = demo_client.get("/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_nav_links_the_dashboard_only_for_reviewers(demo_client):
    switch_user(demo_client, "dayou-drafter", DEMO_PASSWORD)
    assert 'href="/dashboard"' not in demo_client.get("/").get_data(as_text=True)
    switch_user(demo_client, "jimsar-office", DEMO_PASSWORD)
    assert 'href="/dashboard"' in demo_client.get("/").get_data(as_text=True)


def test_prefecture_filters_by_county_and_sorts(demo_client):
    switch_user(demo_client, "changji-prefecture", DEMO_PASSWORD)
    county = find_org("玛纳斯县", OrgKind.county)
    html = demo_client.get(f"/dashboard?county={county.id}").get_data(as_text=True)
    assert townships_on(html) == ["六户地镇"]
    assert chip(html, "all") == 1  # the counts follow the county filter
    # a county of another prefecture is ignored, not leaked
    other = find_org("阿合奇县", OrgKind.county)
    assert set(townships_on(demo_client.get(f"/dashboard?county={other.id}").get_data(as_text=True))) == CHANGJI
    asc = townships_on(demo_client.get("/dashboard?sort=township").get_data(as_text=True))
    desc = townships_on(demo_client.get("/dashboard?sort=township&dir=desc").get_data(as_text=True))
    assert desc == list(reversed(asc))
    for bad in ("?sort=drop&dir=x", "?state=nonsense", "?county=abc&page=-1", "?page=99999999999"):
        response = demo_client.get("/dashboard" + bad)
        assert response.status_code == 200 and set(townships_on(response.get_data(as_text=True))) == CHANGJI


def test_dashboard_of_the_demo_data_is_quick(demo_client):
    import time

    switch_user(demo_client, "xj-region", DEMO_PASSWORD)
    demo_client.get("/dashboard")  # warm the templates
    start = time.perf_counter()
    for _ in range(5):
        assert demo_client.get("/dashboard").status_code == 200
    assert (time.perf_counter() - start) / 5 < 0.5


# ------------------------------------------------------------------ statistics ----
def test_township_statistics_match_the_preface_figures(demo_client):
    switch_user(demo_client, "dayou-drafter", DEMO_PASSWORD)  # published data: any signed-in user
    for township in db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township)):
        version = snapshot.current_version(township.id)
        expected = list_stats(snapshot.read_entries(version), township.county)
        got = scope_stats(township)
        assert got.total == expected["total"] and got.per_kind == expected["per_kind"]
        assert got.per_category == expected["per_category"]
        assert got.departments == expected["departments"]
        assert got.categories == expected["categories"]
        html = demo_client.get(f"/stats/township/{township.id}").get_data(as_text=True)
        assert f'<strong class="total">{expected["total"]}</strong>' in html
    aheqi = find_org("阿合奇镇", OrgKind.township)
    html = demo_client.get(f"/stats/township/{aheqi.id}").get_data(as_text=True)
    # seed 002's preface: 309 = 119 + 127 + 63
    assert '<strong class="total">309</strong>' in html
    for kind, n in (("basic", 119), ("cooperative", 127), ("withdrawn", 63)):
        assert f'<strong data-kind="{kind}">{n}</strong>' in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') == 2


def test_county_and_prefecture_statistics_add_up(demo_client):
    switch_user(demo_client, "jimsar-dept01", DEMO_PASSWORD)
    prefecture = find_org("昌吉回族自治州", OrgKind.prefecture)
    towns = [find_org(name, OrgKind.township) for name in CHANGJI]
    parts = [scope_stats(t) for t in towns]
    whole = scope_stats(prefecture)
    assert whole.townships == 4 and whole.with_version == 4
    for kind in ("basic", "cooperative", "withdrawn"):
        assert whole.per_kind[kind] == sum(p.per_kind[kind] for p in parts)
        assert sum(n for _, n in whole.per_category[kind]) == whole.per_kind[kind]
        # departments: distinct keys, so never more than the townships' sum, never fewer than the largest
        assert max(p.departments[kind] for p in parts) <= whole.departments[kind] <= sum(p.departments[kind] for p in parts)
    assert sorted(p.name for p in whole.parts) == sorted(["吉木萨尔县", "玛纳斯县", "木垒哈萨克自治县", "奇台县"])
    html = demo_client.get(f"/stats/prefecture/{prefecture.id}").get_data(as_text=True)
    assert f'<strong class="total">{whole.total}</strong>' in html
    assert 'id="chart-parts"' in html and 'id="chart-categories"' in html and 'id="chart-kinds"' in html
    county = find_org("吉木萨尔县", OrgKind.county)
    dayou = find_org("大有镇", OrgKind.township)
    assert scope_stats(county).per_kind == scope_stats(dayou).per_kind  # one township in the demo county
    response = demo_client.get(f"/stats/county/{county.id}")
    assert response.status_code == 200 and 'data-part="大有镇"' in response.get_data(as_text=True)
    region = find_org("新疆维吾尔自治区", OrgKind.region)
    assert scope_stats(region).total == whole.total + scope_stats(find_org("阿合奇镇", OrgKind.township)).total


def test_statistics_pages_refuse_wrong_levels_and_strangers(demo_client):
    county = find_org("吉木萨尔县", OrgKind.county)
    assert demo_client.get(f"/stats/county/{county.id}").status_code == 302  # not signed in
    switch_user(demo_client, "dayou-drafter", DEMO_PASSWORD)
    assert demo_client.get(f"/stats/township/{county.id}").status_code == 404
    assert demo_client.get("/stats/county/999999").status_code == 404
    assert demo_client.get(f"/stats/office/{county.id}").status_code == 404


def test_charts_are_inline_svg_without_scripts_or_styles(demo_client):
    switch_user(demo_client, "xj-region", DEMO_PASSWORD)
    region = find_org("新疆维吾尔自治区", OrgKind.region)
    response = demo_client.get(f"/stats/region/{region.id}")
    html = response.get_data(as_text=True)
    # the only script is the layout's own file (the header's menu button), never one in the page
    html = html.replace('<script src="/static/menu.js"></script>', "")
    assert "<script" not in html and "style=" not in html
    assert "Content-Security-Policy" in response.headers
    assert re.search(r'<rect class="bar s-cooperative"[^>]*data-value="\d+"', html)


def test_chart_text_is_escaped():
    svg = str(bar_chart(["<b>镇</b>", "A&B"], [Series("basic", "基本<i>", [3, 1])], title='t"<x>'))
    assert "<b>" not in svg and "<i>" not in svg and "&lt;b&gt;镇&lt;/b&gt;" in svg and "A&amp;B" in svg
    assert 'aria-label="t&#34;&lt;x&gt;"' in svg
    empty = str(bar_chart([], [Series("x", "x", [])], title="无"))
    assert empty.startswith("<svg") and empty.endswith("</svg>")


# ------------------------------------------------------------------ states, waits, overdue ----
def publish_once(w: World):
    """A whole cycle: 大有镇's first revision, published after one round."""
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.civil.id])
    settle(rev)
    fire(rev, "approve", w.officer, reason="同意")
    fire(rev, "escalate", w.officer)
    fire(rev, "approve", w.pref_user, reason="同意")
    fire(rev, "publish", w.region_user, reason="同意")
    return rev


def scenario(w: World, make_org):
    """大有镇: published once, then a second revision under county review with an overdue deadline;
    泉子街镇: drafting; 六户地镇 (玛纳斯县): nothing open."""
    publish_once(w)
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.civil.id, w.agri.id], deadline=clock.today() + timedelta(days=1))
    past = clock.today() - timedelta(days=3)  # time passes: the deadline is three days ago
    db.session.execute(update(Revision).where(Revision.id == rev.id).values(deadline=past))
    db.session.execute(update(ConsultationRound).where(ConsultationRound.consultation_id.in_(
        select(Consultation.id).where(Consultation.revision_id == rev.id))).values(deadline=past))
    db.session.commit()
    other = ops.start_revision(w.other_town, w.other_drafter)
    db.session.commit()
    make_org("六户地镇", OrgKind.township, w.other_county)
    db.session.commit()
    return rev, other


def test_states_waits_deadlines_and_overdue_days(world, client, make_org):
    rev, other = scenario(world, make_org)
    board = dash.build(world.officer, dash.Filters())
    rows = {r.township: r for r in board.rows}
    assert set(rows) == {"大有镇", "泉子街镇"}
    dayou, quanzi = rows["大有镇"], rows["泉子街镇"]
    assert dayou.status == "county_review" and dayou.round == 1 and dayou.revision_id == rev.id
    assert dayou.waits_on == "departments" and dayou.pending_departments == 2 and dayou.waits_on_label == "2 个县直部门"
    assert dayou.deadline == clock.today() - timedelta(days=3) and dayou.overdue_days == 3
    assert dayou.rounds == [1] and dayou.version_number == 2
    assert quanzi.status == "drafting" and quanzi.waits_on == "township" and quanzi.overdue_days == 0
    assert quanzi.version_number is None and quanzi.rounds == []
    assert board.counts == {**dict.fromkeys(dash.STATES, 0), "county_review": 1, "drafting": 1}
    assert board.overdue == 1
    # another day later: four days overdue
    later = dash.build(world.officer, dash.Filters(), today=clock.today() + timedelta(days=1))
    assert {r.township: r.overdue_days for r in later.rows}["大有镇"] == 4
    # once both departments signed off, nothing is overdue and the office is waited on
    for user in (world.civil_user, world.agri_user):
        sign(rev, user)
    board = dash.build(world.officer, dash.Filters())
    dayou = {r.township: r for r in board.rows}["大有镇"]
    assert dayou.waits_on == "office" and dayou.overdue_days == 0 and board.overdue == 0


def test_prefecture_counts_and_filters_over_the_http_page(world, client, make_org):
    scenario(world, make_org)
    switch_user(client, "changji-prefecture", PASSWORD)
    html = client.get("/dashboard").get_data(as_text=True)
    assert states_on(html) == {"大有镇": "county_review", "泉子街镇": "drafting", "六户地镇": "none"}
    assert chip(html, "all") == 3 and chip(html, "county_review") == 1 and chip(html, "drafting") == 1
    assert chip(html, "none") == 1 and chip(html, "overdue") == 1
    assert "2 个县直部门" in html and 'class="is-overdue"' in html
    assert townships_on(client.get("/dashboard?overdue=1").get_data(as_text=True)) == ["大有镇"]
    assert townships_on(client.get("/dashboard?state=drafting").get_data(as_text=True)) == ["泉子街镇"]
    assert townships_on(client.get("/dashboard?state=none").get_data(as_text=True)) == ["六户地镇"]
    assert townships_on(client.get("/dashboard?state=region_review").get_data(as_text=True)) == []
    assert townships_on(client.get("/dashboard?state=drafting&overdue=1").get_data(as_text=True)) == []
    by_state = townships_on(client.get("/dashboard?sort=state").get_data(as_text=True))
    assert by_state == ["泉子街镇", "大有镇", "六户地镇"]  # workflow order, nothing open last
    assert townships_on(client.get("/dashboard?sort=overdue").get_data(as_text=True))[0] == "大有镇"
    assert townships_on(client.get("/dashboard?sort=deadline").get_data(as_text=True))[0] == "大有镇"
    # the rounds chart: one bar per township that published a revision
    assert 'id="rounds-chart"' in html and re.search(r'<rect class="bar s-rounds"[^>]*data-value="1"', html)
    # another prefecture sees none of it; the office of 玛纳斯县 only its own county
    switch_user(client, "kizilsu-prefecture", PASSWORD)
    assert townships_on(client.get("/dashboard").get_data(as_text=True)) == []
    switch_user(client, "manas-office", PASSWORD)
    assert townships_on(client.get("/dashboard").get_data(as_text=True)) == ["六户地镇"]


@pytest.mark.parametrize("username", ["dayou-drafter", "jimsar-civil"])
def test_drafters_and_departments_get_403(world, client, username):
    switch_user(client, username, PASSWORD)
    assert client.get("/dashboard").status_code == 403


def test_dashboard_pages_through_many_townships(world, client):
    towns = [Organisation(name=f"测试{i:03d}镇", kind=OrgKind.township, parent=world.county) for i in range(dash.PAGE + 5)]
    db.session.add_all(towns)
    db.session.commit()
    switch_user(client, "jimsar-office", PASSWORD)
    first = client.get("/dashboard").get_data(as_text=True)
    assert len(townships_on(first)) == dash.PAGE and 'id="pager"' in first
    second = client.get("/dashboard?page=2").get_data(as_text=True)
    assert len(townships_on(second)) == 7  # 105 + 大有镇 + 泉子街镇 = 107
    assert not set(townships_on(first)) & set(townships_on(second))
    # the distribution chart replaces per-township bars for large areas
    board = dash.build(world.officer, dash.Filters())
    assert "distribution" in board.rounds_chart


def test_dashboard_queries_do_not_grow_with_the_townships(world, client, monkeypatch):
    monkeypatch.setitem(client.application.config, "QUERY_CACHE", False)  # the townships below are added without audit
    switch_user(client, "changji-prefecture", PASSWORD)

    def count(url):
        with statements() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    few = count("/dashboard")
    for i in range(60):
        town = Organisation(name=f"新镇{i:02d}", kind=OrgKind.township, parent=world.county if i % 2 else world.other_county)
        db.session.add(town)
        db.session.flush()
        rev = Revision(township_id=town.id, created_by_id=world.drafter.id, title="修订稿")
        db.session.add(rev)
    db.session.commit()
    many = count("/dashboard")
    assert many == few, (few, many)
    assert count("/dashboard?sort=overdue&state=drafting") <= few + 1


def test_dashboard_is_reused_until_an_audited_change(world, client, monkeypatch):
    """cached_build serves the same board while the audit head stays put; every workflow move is
    audited, so the next view after one shows it. Users of one area share a board, others do not."""
    switch_user(client, "jimsar-office", PASSWORD)
    assert states_on(client.get("/dashboard").get_data(as_text=True)) == {"大有镇": "none", "泉子街镇": "none"}
    rev = ops.start_revision(world.town, world.drafter)  # audited
    db.session.commit()
    assert states_on(client.get("/dashboard").get_data(as_text=True))["大有镇"] == "drafting"
    # a write that bypasses the workflow (and so the audit log) is not seen until the head moves:
    # this is what shows the board is reused, not rebuilt
    db.session.execute(update(Revision).where(Revision.id == rev.id).values(status="submitted"))
    db.session.commit()
    assert states_on(client.get("/dashboard").get_data(as_text=True))["大有镇"] == "drafting"
    db.session.execute(update(Revision).where(Revision.id == rev.id).values(status="drafting"))
    db.session.commit()
    fire(rev, "submit", world.drafter)  # audited: the head moves
    assert states_on(client.get("/dashboard").get_data(as_text=True))["大有镇"] == "submitted"
    key_user = dash.cached_build(world.officer, dash.Filters())
    assert dash.cached_build(world.officer, dash.Filters()) is key_user
    assert dash.cached_build(world.other_officer, dash.Filters()) is not key_user
    assert {r.township for r in dash.cached_build(world.other_officer, dash.Filters()).rows} <= {"六户地镇"}
    monkeypatch.setitem(client.application.config, "QUERY_CACHE", False)
    assert dash.cached_build(world.officer, dash.Filters()) is not dash.cached_build(world.officer, dash.Filters())


def test_region_filters_by_prefecture_then_county(demo_client, monkeypatch):
    """A region reviewer narrows by prefecture, then by one of its counties; with more counties than
    MAX_COUNTY_OPTIONS in the area, counties are offered only once a prefecture is chosen."""
    switch_user(demo_client, "xj-region", DEMO_PASSWORD)
    kizilsu = find_org("克孜勒苏柯尔克孜自治州", OrgKind.prefecture)
    changji = find_org("昌吉回族自治州", OrgKind.prefecture)
    manas, akqi = find_org("玛纳斯县", OrgKind.county), find_org("阿合奇县", OrgKind.county)
    html = demo_client.get("/dashboard").get_data(as_text=True)
    assert f'<option value="{kizilsu.id}">克孜勒苏柯尔克孜自治州</option>' in html
    assert f'<option value="{manas.id}">玛纳斯县</option>' in html  # 5 counties: all offered
    html = demo_client.get(f"/dashboard?prefecture={kizilsu.id}").get_data(as_text=True)
    assert townships_on(html) == ["阿合奇镇"] and chip(html, "all") == 1 and "已按州筛选" in html
    # a county outside the chosen prefecture is ignored, the prefecture still applies
    html = demo_client.get(f"/dashboard?prefecture={changji.id}&county={akqi.id}").get_data(as_text=True)
    assert set(townships_on(html)) == CHANGJI
    html = demo_client.get(f"/dashboard?prefecture={changji.id}&county={manas.id}").get_data(as_text=True)
    assert townships_on(html) == ["六户地镇"]
    # an unknown prefecture is ignored, not refused
    assert len(townships_on(demo_client.get("/dashboard?prefecture=999999").get_data(as_text=True))) == 5
    monkeypatch.setattr(dash, "MAX_COUNTY_OPTIONS", 3)
    html = demo_client.get("/dashboard").get_data(as_text=True)
    assert 'name="county"' not in html and 'id="county-hint"' in html
    html = demo_client.get(f"/dashboard?prefecture={changji.id}").get_data(as_text=True)
    assert f'<option value="{manas.id}">玛纳斯县</option>' in html and 'name="county"' in html
    # a prefecture reviewer's area is one prefecture: no prefecture filter
    switch_user(demo_client, "changji-prefecture", DEMO_PASSWORD)
    assert 'name="prefecture"' not in demo_client.get("/dashboard").get_data(as_text=True)


#: the loop of templates/oversight/dashboard.html that views.oversight.board_rows replaced (kept here to compare)
_JINJA_ROWS = """{% for r in rows %}
  <tr data-township="{{ r.township }}" data-state="{{ r.status }}" data-waits="{{ r.waits_on }}"{% if r.overdue_days %} class="is-overdue"{% endif %}>
    <td><a href="{{ url_for('lists.township', township_id=r.township_id) }}">{{ r.township }}</a></td>
    <td><a href="{{ url_for('oversight.stats', level='county', org_id=r.county_id) }}" class="sub">{{ r.county }}</a></td>
    <td class="nowrap">{% if r.version_number %}第 {{ r.version_number }} 版 · {{ r.version_date|localdate }}{% else %}<span class="empty">尚无</span>{% endif %}</td>
    <td class="num">{{ r.version_total if r.version_total is not none else '' }}</td>
    <td>{% if r.revision_id %}<a href="{{ url_for('revisions.show', revision_id=r.revision_id) }}">{{ r.title or '修订稿' }}</a>{% else %}<span class="empty">—</span>{% endif %}</td>
    <td><span class="badge state state-{{ r.status }}">{{ r.state_label }}</span></td>
    <td class="num">{% if r.revision_id %}{{ r.round }} / {{ r.max_rounds }}{% endif %}</td>
    <td class="waits">{{ r.waits_on_label }}</td>
    <td class="nowrap">{{ r.deadline|localdate }}</td>
    <td class="num">{% if r.overdue_days %}<span class="overdue">{{ r.overdue_days }}</span>{% endif %}</td>
    <td>{{ r.rounds|join('、') if r.rounds else '' }}</td>
    <td><a href="{{ url_for('oversight.stats', level='township', org_id=r.township_id) }}">统计</a></td>
  </tr>
  {% endfor %}"""


def test_board_rows_write_what_the_template_loop_wrote(app):
    """The dashboard's rows are written in Python: the same bytes as the Jinja loop, links and escaping included."""
    from datetime import datetime

    from dutylist.views.oversight import board_rows

    def row(**changes):
        values = dict(township_id=7, township='某镇"<&>', county_id=3, county="某县<b>", prefecture_id=1,
                      prefecture="某州", version_number=2, version_date=datetime(2025, 3, 4, 20, 30),
                      version_total=0, revision_id=11, status="county_review", round=2, max_rounds=3,
                      title="第二次<修订>", deadline=date(2025, 5, 6), pending_departments=2, overdue_days=4,
                      rounds=[1, 3])
        values.update(changes)
        return dash.Row(**values)

    rows = [row(), row(township_id=8, version_number=None, version_date=None, version_total=None, revision_id=None,
                       status=dash.NONE, round=None, max_rounds=None, title=None, deadline=None,
                       pending_departments=0, overdue_days=0, rounds=[]),
            row(township_id=9, title=None, status="drafting", pending_departments=0, overdue_days=0, deadline=None)]
    for root in ("", "/app"):
        with app.test_request_context("/dashboard", base_url=f"http://localhost{root}"):
            expected = app.jinja_env.from_string(_JINJA_ROWS).render(rows=rows)
            assert str(board_rows(rows)) == expected
    assert "/app/townships/7" in expected and "2025-03-05" in expected and "&lt;修订&gt;" in expected
