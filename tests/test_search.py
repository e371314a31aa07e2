"""Full-text search across published lists: SQLite FTS5 trigram and PostgreSQL pg_trgm behind one backend."""
from __future__ import annotations

import html
import re

import pytest
from flask import url_for
from sqlalchemy import delete, select

from dutylist.extensions import db
from dutylist.models import ContentDepartment, Organisation, OrgKind, Version
from dutylist.search import backend
from dutylist.search.service import Query, search, terms_of
from dutylist.services import snapshot
from dutylist.services.snapshot import EntryData, publish_version

from .conftest import find_org
from .factories import World, fields, statements

DEMO_PASSWORD = "Demo-2025!"
PHRASE = "高标准农田"


# ------------------------------------------------------------------ helpers ----
def entry_text(e: dict) -> str:
    """What an item is searchable by, computed here independently of the backend."""
    parts = [e["name"], *e["dept_duties"], *e["township_duties"], e["departments_text"], *e["departments"]]
    parts += [f"{r['department']} {r['method']}" for r in e["receiving"]]
    return "\n".join(parts)


def current_entries() -> dict[str, tuple[Version, list[dict]]]:
    out = {}
    for town in Organisation.of_kind(OrgKind.township):
        version = snapshot.current_version(town.id)
        if version is not None:
            out[town.name] = (version, snapshot.read_entries(version))
    return out


def expected_hits(phrase: str) -> set[tuple[int, int]]:
    """(version id, item id) of every current item whose text contains the phrase."""
    return {(v.id, e["item_id"]) for v, entries in current_entries().values()
            for e in entries if phrase.casefold() in entry_text(e).casefold()}


def all_hits(query: Query) -> list:
    hits, page = [], 1
    while True:
        query.page = page
        result = search(query)
        hits += result.hits
        if page >= result.pages:
            return hits
        page += 1


def links(body: str) -> set[tuple[int, int]]:
    return {(int(v), int(i)) for v, i in re.findall(r'class="hit" href="/versions/(\d+)#item-(\d+)"', body)}


@pytest.fixture
def reader(demo_client):
    assert demo_client.login("jimsar-office", DEMO_PASSWORD).status_code == 302
    return demo_client


# ----------------------------------------------------------- the fact ----
def test_phrase_finds_the_items_of_every_township_that_has_it(demo_app):
    with demo_app.app_context():
        expected = expected_hits(PHRASE)
        towns_with = {name for name, (v, entries) in current_entries().items()
                      if any(PHRASE in entry_text(e) for e in entries)}
        assert towns_with == {"大有镇", "六户地镇", "阿合奇镇", "大南沟乌孜别克族乡"}  # 奇台镇 has none
        result = search(Query(q=PHRASE))
        found = {(h.version.id, h.item_id) for h in result.hits}
        assert found == expected and result.total == len(expected)
        assert {h.township.name for h in result.hits} == towns_with
        assert result.facet_level == "乡镇" and not result.truncated and result.townships == len(towns_with)
        assert {f.name: f.hits for f in result.facets} == {
            name: sum(1 for v, i in expected if v == ver.id) for name, (ver, _) in current_entries().items()
            if name in towns_with}
        for h in result.hits:
            entries = {e["item_id"]: e for e in snapshot.read_entries(db.session.get(Version, h.version.id))}
            e = entries[h.item_id]
            assert (h.kind, h.number, h.category) == (e["kind"], e["number"], e["category"])
            assert h.url == f"/versions/{h.version.id}#item-{h.item_id}"
        with demo_app.test_request_context():
            h = result.hits[0]
            assert h.url == url_for("lists.version", version_id=h.version.id) + f"#item-{h.item_id}"
            assert h.compare_url == url_for("compare.item", version_id=h.version.id, item_id=h.item_id)


def test_search_page_links_each_hit_to_the_item_in_its_version(reader, demo_app):
    with demo_app.app_context():
        expected = expected_hits(PHRASE)
    resp = reader.get("/search", query_string={"q": PHRASE})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert links(body) == expected
    assert f"<mark>{PHRASE}</mark>" in body
    assert f"共找到 <strong>{len(expected)}</strong> 项" in body
    # the link leads to the version page, which has the row the fragment names
    version_id, item_id = sorted(expected)[0]
    page = reader.get(f"/versions/{version_id}").get_data(as_text=True)
    assert f'id="item-{item_id}"' in page


def test_match_in_duties_shows_a_highlighted_snippet(reader, demo_app):
    # "设施设备管护清单" is only in the 上级部门职责 of 高标准农田基础设施建设
    with demo_app.app_context():
        expected = expected_hits("设施设备管护清单")
    assert len(expected) == 3
    body = reader.get("/search", query_string={"q": "设施设备管护清单"}).get_data(as_text=True)
    assert links(body) == expected
    assert body.count('<p class="snippet"><span class="where">上级部门职责：</span>') == 3
    assert "<mark>设施设备管护清单</mark>" in body


@pytest.mark.parametrize("q", ["农田", "镇", "农田 耕地", "收养", "APP", "app", "12345", "高标准农田", "政务App", "手机app 城"])
def test_short_and_mixed_terms_match_like_a_substring_search(demo_app, q):
    """Terms of 1-2 characters cannot use trigrams; they still match (LIKE), ANDed with the others; a
    longer term matches the same rows whether it has case (ILIKE) or not (LIKE on PostgreSQL)."""
    with demo_app.app_context():
        terms = q.split()
        expected = {(v.id, e["item_id"]) for v, entries in current_entries().values() for e in entries
                    if all(t.casefold() in entry_text(e).casefold() for t in terms)}
        assert expected, q
        found = {(h.version.id, h.item_id) for h in all_hits(Query(q=q))}
        assert found == expected


def test_how_postgresql_tests_a_term():
    from dutylist.search.backend import _pg_mode
    assert [_pg_mode(t) for t in ("镇", "农田", "ab", "高标准", "12345", "APP", "app", "Ap农业", "ß农田")] == [
        "strpos", "strpos", "ilike", "like", "like", "ilike", "ilike", "ilike", "ilike"]


def test_terms_of_a_query():
    assert terms_of("  高标准农田　 管护 高标准农田 ") == ["高标准农田", "管护"]  # full-width space, duplicates
    assert terms_of("") == []
    assert len(terms_of(" ".join(f"t{i}" for i in range(20)))) == 6


@pytest.mark.parametrize("q", ["%", "_", "%%农", '"', "\\", "' OR 1=1 --", 'a"b', "NEAR(农田)", "农田*"])
def test_special_characters_are_text_not_syntax(demo_app, q):
    with demo_app.app_context():
        expected = {(v.id, e["item_id"]) for v, entries in current_entries().values() for e in entries
                    if all(t.casefold() in entry_text(e).casefold() for t in q.split())}
        found = {(h.version.id, h.item_id) for h in all_hits(Query(q=q))}
        assert found == expected


# ------------------------------------------------------------------ filters ----
def test_filters_table_category_department_and_place(demo_app):
    with demo_app.app_context():
        every = all_hits(Query(q="农"))
        assert len(every) > 50

        coop = all_hits(Query(q="农", kind="cooperative"))
        assert coop and {h.kind for h in coop} == {"cooperative"}
        assert len(coop) == sum(1 for h in every if h.kind == "cooperative")

        cat = all_hits(Query(q="农", category="乡村振兴"))
        assert cat and {h.category for h in cat} == {"乡村振兴"}
        assert len(cat) == sum(1 for h in every if h.category == "乡村振兴")

        county = find_org("玛纳斯县", OrgKind.county)
        local = all_hits(Query(q="农", organisation_id=county.id))
        assert local and {h.township.name for h in local} == {"六户地镇"}
        prefecture = find_org("昌吉回族自治州", OrgKind.prefecture)
        changji = all_hits(Query(q="农", organisation_id=prefecture.id))
        assert {h.township.name for h in changji} == {"大有镇", "六户地镇", "大南沟乌孜别克族乡", "奇台镇"}
        assert len(changji) == sum(1 for h in every if h.township.name != "阿合奇镇")

        # department by name (part of it) and by organisation id
        by_name = all_hits(Query(q="农", department="自然资源局"))
        assert by_name
        for h in by_name:
            e = {x["item_id"]: x for x in snapshot.read_entries(db.session.get(Version, h.version.id))}[h.item_id]
            named = e["departments"] + [r["department"] for r in e["receiving"]]
            assert any("自然资源局" in n for n in named), (h.name, named)
        dept = db.session.scalars(select(ContentDepartment).where(
            ContentDepartment.department_id.is_not(None), ContentDepartment.name.like("%自然资源局%"))).first()
        by_id = all_hits(Query(department=str(dept.department_id)))
        assert by_id and all(db.session.get(Organisation, h.township.id).county.id == dept.department.parent_id
                             for h in by_id)
        names_of_dept = set(db.session.scalars(select(ContentDepartment.name).where(
            ContentDepartment.department_id == dept.department_id)))
        for h in by_id:
            e = {x["item_id"]: x for x in snapshot.read_entries(db.session.get(Version, h.version.id))}[h.item_id]
            assert names_of_dept & set(e["departments"] + [r["department"] for r in e["receiving"]])

        # filters alone (no words) list items too
        only_filters = all_hits(Query(kind="withdrawn", organisation_id=county.id))
        assert len(only_filters) == current_entries()["六户地镇"][0].counts["withdrawn"]


def test_filters_through_the_page(reader, demo_app):
    with demo_app.app_context():
        county = find_org("玛纳斯县", OrgKind.county)
    body = reader.get("/search", query_string={"q": PHRASE, "organisation": county.id, "kind": "basic"}) \
        .get_data(as_text=True)
    rows = re.findall(r'<tr data-township="([^"]+)"', body)
    assert rows == ["六户地镇"]
    assert "基本履职事项" in body
    assert reader.get("/search?kind=nonsense&q=x").status_code == 400
    assert reader.get("/search?organisation=abc&q=x").status_code == 400
    assert reader.get("/search?organisation=999999&q=x").status_code == 400
    assert reader.get("/search?version=999999&q=x").status_code == 404
    empty = reader.get("/search").get_data(as_text=True)
    assert 'id="search-form"' in empty and "search-results" not in empty


def test_pagination(reader, demo_app):
    with demo_app.app_context():
        total = len(expected_hits("工作"))
    assert total > 100
    first = reader.get("/search", query_string={"q": "工作"}).get_data(as_text=True)
    second = reader.get("/search", query_string={"q": "工作", "page": 2}).get_data(as_text=True)
    assert len(links(first)) == 50 and len(links(second)) == 50
    assert not links(first) & links(second)
    assert f"第 1 / {-(-total // 50)} 页" in first and 'rel="next"' in first


def test_search_requires_sign_in(demo_client):
    resp = demo_client.get("/search?q=" + PHRASE)
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


# ------------------------------------------------------- versions and sync ----
def _publish_revision(world: World, renames: dict[str, str]):
    entries = []
    for e in snapshot.read_entries(snapshot.current_version(world.town.id)):
        f = {k: e[k] for k in ("category", "name", "departments_text", "departments", "dept_duties",
                                "township_duties", "receiving")}
        f["name"] = renames.get(f["name"], f["name"])
        entries.append(EntryData(e["kind"], e["number"], f, item_id=e["item_id"]))
    version = publish_version(world.town, entries, source="revision")
    db.session.commit()
    return version


def test_published_versions_are_indexed_and_current_by_default(app):
    world = World()
    v1 = world.version
    assert search(Query(q="四老")).total == 1
    v2 = _publish_revision(world, {"负责本镇农村“四老”人员服务管理工作": "负责本镇农村“五老”人员关爱服务工作"})
    # the new wording is found in the current version, the old one only in history
    [hit] = search(Query(q="五老")).hits
    assert hit.version.id == v2.id and hit.number == 2 and hit.kind == "basic"
    assert search(Query(q="四老")).total == 0
    old = search(Query(q="四老", all_versions=True)).hits
    assert [(h.version.id, h.version.number) for h in old] == [(v1.id, 1)]
    assert search(Query(q="四老", version_id=v1.id)).total == 1
    # unchanged items are found once per version when all versions are searched
    both = search(Query(q="基层阵地", all_versions=True)).hits
    assert sorted(h.version.number for h in both) == [1, 2]
    assert {h.item_id for h in both} == {both[0].item_id}


def test_search_page_with_versions(app, client):
    world = World()
    v1 = world.version
    _publish_revision(world, {"收养登记": "收养登记及解除收养登记"})
    assert client.login("dayou-drafter").status_code == 302
    current = client.get("/search", query_string={"q": "收养"}).get_data(as_text=True)
    assert current.count('class="hit"') == 1 and "<mark>收养</mark>登记及解除<mark>收养</mark>登记" in current
    history = client.get("/search", query_string={"q": "收养", "all_versions": "1"}).get_data(as_text=True)
    assert history.count('class="hit"') == 2 and "含历史版本" in history
    pinned = client.get("/search", query_string={"q": "收养", "version": v1.id}).get_data(as_text=True)
    assert pinned.count('class="hit"') == 1 and f"/versions/{v1.id}#item-" in pinned
    assert "只检索 大有镇 第 1 版" in html.unescape(pinned)


def test_index_holds_one_row_per_content_and_reindex_rebuilds_it(app):
    world = World()
    _publish_revision(world, {"收养登记": "收养登记工作"})
    db.session.commit()
    from dutylist.models import ItemContent
    contents = db.session.scalars(select(ItemContent.id)).all()
    assert backend.index_size() == len(contents) == 7  # 6 + the one changed text
    assert backend.unindexed_contents() == 0

    db.session.execute(delete(backend.SearchText))
    db.session.commit()
    assert search(Query(q="收养")).total == 0
    result = app.test_cli_runner().invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert "已索引 7 条" in result.output
    db.session.expire_all()
    assert backend.index_size() == 7
    assert [h.name for h in search(Query(q="收养")).hits] == ["<mark>收养</mark>登记工作"]
    # idempotent, and adding known contents again adds nothing
    assert backend.reindex() == 7
    assert backend.add_contents(db.session.scalars(select(ItemContent))) == 0


def test_trigram_structures_exist(app):
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
        assert {"search_text_fts", "search_text_ai", "search_text_ad", "search_text_au"} <= names
    else:
        assert conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar() == 1
        # the trigram index in BUCKETS parts, each over the contents whose id % BUCKETS is its number
        defs = dict(conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_search_text_trgm%%'").all())
        assert sorted(defs) == sorted(f"ix_search_text_trgm_{k}" for k in range(backend.BUCKETS))
        for k in range(backend.BUCKETS):
            indexdef = defs[f"ix_search_text_trgm_{k}"]
            assert "gin" in indexdef and "gin_trgm_ops" in indexdef
            assert f"WHERE ((content_id % {backend.BUCKETS}) = {k})" in indexdef, indexdef


def test_search_of_a_new_township_list(app):
    world = World()
    publish_version(world.other_town, [EntryData("basic", 1, fields("高标准农田建后管护"))], source="import")
    db.session.commit()
    hits = search(Query(q=PHRASE)).hits
    assert [(h.township.name, h.number) for h in hits] == [("泉子街镇", 1)]


def test_hits_carry_the_printed_number_even_when_it_is_not_the_place_in_the_table(app):
    world = World()
    version = publish_version(world.other_town, [
        EntryData("basic", 1, fields("第一项事项")), EntryData("basic", 5, fields("编号跳过的农田事项")),
        EntryData("basic", 6, fields("又一项农田事项")), EntryData("withdrawn", 1, fields("收回的农田事项")),
    ], source="import")
    db.session.commit()
    printed = {e["item_id"]: e["number"] for e in snapshot.read_entries(version)}
    hits = search(Query(q="农田事项")).hits
    assert [(h.name.striptags(), h.kind, h.number) for h in hits] == [
        ("编号跳过的农田事项", "basic", 5), ("又一项农田事项", "basic", 6), ("收回的农田事项", "withdrawn", 1)]
    assert all(h.number == printed[h.item_id] for h in hits)


def test_hits_per_township_link_to_that_township(reader, demo_app):
    body = reader.get("/search", query_string={"q": PHRASE}).get_data(as_text=True)
    with demo_app.app_context():
        dayou = find_org("大有镇", OrgKind.township)
    link = re.search(rf'<a href="(/search\?[^"]*organisation={dayou.id}[^"]*)">大有镇 2</a>', body)
    assert link, body[:2000]
    narrowed = reader.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert set(re.findall(r'<tr data-township="([^"]+)"', narrowed)) == {"大有镇"}
    assert f'<option value="{dayou.id}" selected>' in narrowed  # the township is offered while selected


def test_the_trigram_index_answers_chinese_queries(app):
    """The query starts from the index: FTS5 MATCH on SQLite; on PostgreSQL the GIN trigram index
    (which needs a UTF-8 LC_CTYPE: under plain C, pg_trgm extracts no trigrams from Chinese)."""
    from dutylist.search.service import _hits

    World()
    stmt = _hits(Query(q="基层阵地建设"))
    conn = db.session.connection()
    compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        plan = " ".join(str(r[3]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        assert "search_text_fts VIRTUAL TABLE" in plan, plan
    else:
        # the index exists and pg_trgm extracts trigrams from Chinese (it would not under LC_CTYPE=C);
        # whether the planner uses it for a table this small is its own choice, so no plan is asserted
        assert conn.exec_driver_sql("SELECT show_trgm('高标准农田')").scalar()
        assert conn.exec_driver_sql(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_search_text_trgm_0'").scalar() == 1
    assert search(Query(q="基层阵地建设")).total == 1


def test_more_hits_than_the_cap_are_cut_said_and_sorted(demo_app, monkeypatch):
    """Above MAX_HITS the database stops at MAX_HITS + 1 rows; the page lists MAX_HITS of them, in
    list order, says there are more, and names no places (the counts would be partial)."""
    from dutylist.search import service

    with demo_app.app_context():
        expected = expected_hits(PHRASE)
        assert len(expected) == 7
        monkeypatch.setattr(service, "MAX_HITS", 5)
        result = search(Query(q=PHRASE))
        assert result.truncated and result.total == 5 and result.facets == []
        found = [(h.version.id, h.item_id) for h in result.hits]
        assert set(found) <= expected and len(found) == 5
        keys = [(h.township.id, -h.version.number) for h in result.hits]
        assert keys == sorted(keys)
        monkeypatch.setattr(service, "MAX_HITS", 7)  # exactly the cap: complete, not cut
        result = search(Query(q=PHRASE))
        assert not result.truncated and result.total == 7 and {(h.version.id, h.item_id) for h in result.hits} == expected


def _explain_generic(query):
    """EXPLAIN ANALYZE of the search statement of `query`, prepared and planned under the settings the search
    runs it with (backend.planned_for: a generic plan, no parallel workers, nested loops only for a
    prefecture): the lines of the plan."""
    from psycopg import sql as psycopg_sql

    from dutylist.search import service

    org = service._organisation(query)
    params = service._hit_params(query, org)
    compiled = service._hits(query).limit(service.MAX_HITS + 1).compile(db.session.connection())
    names = []

    def placeholder(m):
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"
    sql = re.sub(r"%\((\w+)\)s", placeholder, compiled.string).replace("%%", "%")
    values = {**compiled.params, **params}
    matches_first = org is not None and org.kind not in service.SMALL_PLACES
    with backend.planned_for(query.terms, generic=True, matches_first=matches_first):
        conn = db.session.connection().connection.driver_connection  # psycopg, without SQLAlchemy's % escaping
        conn.execute("SET enable_seqscan = off")  # a table this small: show that the index parts can answer
        types = ", ".join("integer" if isinstance(values[n], int) else "text" for n in names)
        conn.execute(f"PREPARE find({types}) AS {sql}")
        try:
            args = psycopg_sql.SQL(", ").join(psycopg_sql.Literal(values[n]) for n in names)
            rows = conn.execute(psycopg_sql.SQL("EXPLAIN (ANALYZE, COSTS OFF) EXECUTE find({})").format(args)).fetchall()
        finally:
            conn.execute("DEALLOCATE find")
            conn.execute("RESET enable_seqscan")
    return [r[0] for r in rows]


def test_a_search_everywhere_on_postgresql_reads_the_trigram_index_part_by_part(app, monkeypatch):
    """PostgreSQL keeps the trigram index in BUCKETS partial indexes; a search everywhere reads them in turn
    and stops when it has MAX_HITS + 1 rows: the later parts are never read. Each part is usable by the
    generic plan the search runs under (its condition is literal SQL, not a parameter)."""
    from dutylist.search import service

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's trigram index (SQLite: FTS5, one table)")
    world = World()
    publish_version(world.town, [EntryData("basic", i, fields(f"高标准农田建设第{i}项")) for i in range(1, 41)],
                    source="import")
    db.session.commit()
    monkeypatch.setattr(service, "MAX_HITS", 3)
    plan = _explain_generic(Query(q=PHRASE))
    scans = [line for line in plan if "Bitmap Index Scan on ix_search_text_trgm_" in line]
    assert len(scans) == backend.BUCKETS, plan  # every part can answer it, in the generic plan
    assert "never executed" not in scans[0] and "never executed" in scans[-1], plan  # stopped early
    # and the answer: 3 of the 40, cut; all 40 without the cap
    result = search(Query(q=PHRASE))
    assert result.truncated and result.total == 3
    # a prefecture: from the matches too, its townships a filter (a hash of them), never the place's entries
    # first (PostgreSQL misjudged a prefecture's size and read every entry of its 2,860 townships)
    publish_version(world.other_town, [EntryData("basic", 1, fields("高标准农田管护"))], source="import")
    db.session.commit()
    plan = _explain_generic(Query(q=PHRASE, organisation_id=world.prefecture.id))
    assert any("hashed SubPlan" in line for line in plan), plan
    assert any("Bitmap Index Scan on ix_search_text_trgm_0" in line and "never executed" not in line for line in plan)
    monkeypatch.setattr(service, "MAX_HITS", 1000)
    assert search(Query(q=PHRASE)).total == 41
    found = search(Query(q=PHRASE, organisation_id=world.prefecture.id))
    assert found.total == 41 and {f.name: f.hits for f in found.facets} == {"大有镇": 40, "泉子街镇": 1}
    assert search(Query(q=PHRASE, organisation_id=world.other_prefecture.id)).total == 0


def test_a_short_term_with_letters_does_not_lend_its_statement_to_a_long_one(app):
    """ILIKE is the mode of a term with letters whatever its length; the statement of a short one scans the table,
    that of a long one reads the trigram index part by part. Each its own statement (services.prepared), whichever
    comes first: a short term's scan reused for a long one read every row (PostgreSQL)."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's trigram index parts")
    world = World()
    publish_version(world.town, [EntryData("basic", 1, fields("GIS 数据管理")), EntryData("basic", 2, fields("耕地保护"))],
                    source="import")
    db.session.commit()
    with statements() as sent:
        assert search(Query(q="Gi")).total == 1  # 2 characters: a scan
    short = [s for s in sent if "search_text" in s]
    with statements() as sent:
        assert search(Query(q="gis")).total == 1  # 3: the index's parts
    long = [s for s in sent if "search_text" in s]
    parts = f"% {backend.BUCKETS}"
    assert short and not any(parts in s.replace("%%", "%") for s in short)
    assert long and any(parts in s.replace("%%", "%") for s in long)


@pytest.mark.parametrize("q, expected", [("GIS 数", {"GIS 数据管理"}), ("数 gis", {"GIS 数据管理"}),
                                         ("耕地保护 gi", set()), ("耕地保护 耕", {"耕地保护"})])
def test_a_short_term_beside_a_long_one_is_tested_on_what_the_index_finds(app, q, expected):
    """A term of 1-2 characters beside one of 3 or more: the trigram index's parts find the long term's
    candidates and the short term is tested on them (PostgreSQL; the whole table was scanned: ~30 s at 40,000
    townships). The answer is the same as a substring search's, on both databases."""
    world = World()
    publish_version(world.town, [EntryData("basic", 1, fields("GIS 数据管理")), EntryData("basic", 2, fields("耕地保护")),
                                 EntryData("basic", 3, fields("数字乡村"))], source="import")
    db.session.commit()
    with statements() as sent:
        result = search(Query(q=q))
    assert {h.name.striptags() for h in result.hits} == expected
    if db.session.get_bind().dialect.name == "postgresql":
        found = [s.replace("%%", "%") for s in sent if "search_text" in s]
        assert found and all(f"% {backend.BUCKETS}" in s for s in found), found


def test_truncated_search_page_asks_to_narrow_it(reader, monkeypatch):
    from dutylist.search import service

    monkeypatch.setattr(service, "MAX_HITS", 3)
    body = reader.get("/search", query_string={"q": PHRASE}).get_data(as_text=True)
    assert "找到的事项超过 <strong>3</strong> 项" in body and "请按地区、清单、类别或部门缩小范围" in body
    assert len(re.findall(r'<tr data-township=', body)) == 3


def test_hits_per_place_group_by_county_then_prefecture_when_too_many(demo_app, monkeypatch):
    from dutylist.search import service

    with demo_app.app_context():
        expected = expected_hits(PHRASE)
        towns = {find_org(n, OrgKind.township) for n in ("大有镇", "六户地镇", "阿合奇镇", "大南沟乌孜别克族乡")}
        per_version = {}
        for v, _ in expected:
            per_version[v] = per_version.get(v, 0) + 1
        hits_of = {t.id: sum(n for v, n in per_version.items() if db.session.get(Version, v).township_id == t.id)
                   for t in towns}

        def grouped(parent_of):
            out = {}
            for t in towns:
                out[parent_of(t).name] = out.get(parent_of(t).name, 0) + hits_of[t.id]
            return out

        counties, prefectures = grouped(lambda t: t.parent), grouped(lambda t: t.parent.parent)
        assert len(counties) == 4 and len(prefectures) == 2  # three of the four are in 昌吉州
        monkeypatch.setattr(service, "MAX_FACETS", 2)
        result = search(Query(q=PHRASE))
        assert result.facet_level == "州（地区、市）" and {f.name: f.hits for f in result.facets} == prefectures
        assert result.townships == 4
        # each place's link narrows the search to it, with the same count
        for f in result.facets:
            assert search(Query(q=PHRASE, organisation_id=f.organisation_id)).total == f.hits
        monkeypatch.setattr(service, "MAX_FACETS", 4)
        result = search(Query(q=PHRASE))
        assert result.facet_level == "乡镇" and {f.name for f in result.facets} == {t.name for t in towns}


def test_hits_per_county_when_townships_are_too_many(app, monkeypatch):
    from dutylist.search import service

    world = World()  # 大有镇 and 泉子街镇 in 吉木萨尔县
    publish_version(world.other_town, [EntryData("basic", 1, fields("负责“四老”人员走访"))], source="import")
    db.session.commit()
    monkeypatch.setattr(service, "MAX_FACETS", 1)
    result = search(Query(q="四老"))
    assert result.townships == 2 and result.facet_level == "县（市）"
    assert [(f.name, f.hits) for f in result.facets] == [("吉木萨尔县", 2)]


def test_place_filter_offers_prefectures_and_the_counties_of_one(reader, demo_app):
    """The place list stays short at any scale: the region, the prefectures, and the counties of the
    user's own prefecture (or of the selected place's)."""
    body = reader.get("/search").get_data(as_text=True)  # jimsar-office: 昌吉州
    with demo_app.app_context():
        counties = {o.name: o for o in Organisation.of_kind(OrgKind.county)}
        jimsar, akqi = counties["吉木萨尔县"], counties["阿合奇县"]
        offered = set(re.findall(r'<option value="(\d+)"[^>]*>[\u3000]*([^<]+)</option>', body))
        names = {name for _, name in offered}
        assert {o.name for o in Organisation.of_kind(OrgKind.prefecture)} <= names
        assert {c.name for c in counties.values() if c.parent_id == jimsar.parent_id} <= names
        assert akqi.name not in names  # another prefecture's county
        akqi_id, akqi_pref = akqi.id, akqi.parent_id
    body = reader.get("/search", query_string={"q": PHRASE, "organisation": akqi_id}).get_data(as_text=True)
    assert f'<option value="{akqi_id}" selected>' in body
    assert re.search(rf'<option value="{akqi_pref}">', body)


def test_results_are_reused_until_a_version_is_published(app):
    """The sorted matches of a search are kept per worker under caching.published_token(): the next
    page (or the same search) does not repeat the text match, and a publication is seen at once."""
    world = World()
    assert search(Query(q="四老")).total == 1
    with statements() as sent:
        assert search(Query(q="四老")).total == 1
    assert not [s for s in sent if "search_text" in s]  # served from the cache
    publish_version(world.other_town, [EntryData("basic", 1, fields("负责“四老”人员走访"))], source="import")
    db.session.commit()
    with statements() as sent:
        assert {h.township.name for h in search(Query(q="四老")).hits} == {"大有镇", "泉子街镇"}
    assert [s for s in sent if "search_text" in s]  # asked again
    app.config["QUERY_CACHE"] = False
    try:
        with statements() as sent:
            search(Query(q="四老"))
            search(Query(q="四老"))
        assert len([s for s in sent if "search_text" in s]) == 2
    finally:
        app.config["QUERY_CACHE"] = True


def test_no_parallel_workers_for_an_indexed_search_on_postgresql(app, monkeypatch):
    from dutylist.search import service

    World()
    monkeypatch.setitem(app.config, "QUERY_CACHE", False)
    if db.session.get_bind().dialect.name != "postgresql":  # nothing to tune: the search just runs
        assert search(Query(q="基层阵地")).total == 1
        return
    before = db.session.execute(db.text("SHOW max_parallel_workers_per_gather")).scalar()
    assert before != "0"
    service.search(Query(q="四老"))  # 2 characters: a scan, workers help
    assert db.session.execute(db.text("SHOW max_parallel_workers_per_gather")).scalar() == before
    service.search(Query(q="基层阵地"))
    assert db.session.execute(db.text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
    db.session.rollback()  # SET LOCAL ends with the transaction
    assert db.session.execute(db.text("SHOW max_parallel_workers_per_gather")).scalar() == before


def test_searches_whose_plan_does_not_depend_on_their_words_reuse_one_on_postgresql(app, monkeypatch):
    """Everywhere, or in a place (a prefecture's townships tested as a filter, a county's or township's entries
    read first): the search statement runs under a generic plan (planned once, reused); with a category or
    department filter the words decide the plan, so it is planned for them. The page's other statements are
    planned as usual: the setting is put back."""
    from dutylist.search import service
    from dutylist.services import prepared

    w = World()
    monkeypatch.setitem(app.config, "QUERY_CACHE", False)
    if db.session.get_bind().dialect.name != "postgresql":
        assert search(Query(q="基层阵地")).total == 1
        return

    def mode():
        return db.session.execute(db.text("SHOW plan_cache_mode")).scalar()

    def joins():  # hash and merge joins allowed; JIT compilation
        return db.session.execute(db.text("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), "
                                          "current_setting('jit')")).one()
    seen_joins = []
    seen = []
    fetch = prepared.fetch

    def recording(key, *a, **k):
        if key[0] == "search.find":
            seen.append(mode())
            seen_joins.append(tuple(joins()))
        return fetch(key, *a, **k)
    monkeypatch.setattr(prepared, "fetch", recording)
    assert mode() == "auto"
    cases = ((Query(q="基层阵地"), "force_generic_plan"),
             (Query(q="基层阵地", organisation_id=w.county.id), "force_generic_plan"),
             (Query(q="基层阵地", organisation_id=w.town.id, kind="basic"), "force_generic_plan"),
             (Query(q="基层阵地", organisation_id=w.county.parent_id), "force_generic_plan"),
             (Query(q="基层阵地", category="党的建设"), "auto"),
             (Query(q="基层阵地", department="民政"), "auto"),
             (Query(q="四老"), "auto"))  # 2 characters: a scan, planned as usual
    before = tuple(joins())
    assert before[:2] == ("on", "on")
    for query, expected in cases:
        seen.clear()
        seen_joins.clear()
        service.search(query)
        assert seen == [expected], query
        prefecture = query.organisation_id == w.county.parent_id
        # a prefecture's search runs from the matches (nested loops only); no JIT for an indexed search
        indexed = len(query.q) >= 3
        assert seen_joins == [("off" if prefecture else "on", "off" if prefecture else "on",
                               "off" if indexed else before[2])], query
        assert mode() == "auto" and tuple(joins()) == before, query  # put back for the rest of the page
        db.session.rollback()
    assert search(Query(q="基层阵地")).total == 1


#: the loop of templates/search/index.html that views.search.hit_rows replaced (kept here to compare)
_JINJA_ROWS = """{% for h in hits %}
  <tr data-township="{{ h.township.name }}" data-item="{{ h.item_id }}">
    <td class="nowrap card-title">{{ h.township.name }}</td>
    <td class="nowrap" data-label="版本">第 {{ h.version.number }} 版</td>
    <td class="nowrap" data-label="清单">{{ kind_labels[h.kind] }}</td>
    <td class="no" data-label="序号">{{ h.number if h.number is not none }}</td>
    <td class="cat" data-label="事项类别">{{ h.category }}</td>
    <td data-label="事项"><a class="hit" href="{{ script_root }}{{ h.url }}">{{ h.name }}</a>
      {% if h.snippet %}<p class="snippet"><span class="where">{{ h.snippet_field }}：</span>{{ h.snippet }}</p>{% endif %}</td>
    <td class="nowrap"><a class="sub" href="{{ script_root }}{{ h.compare_url }}">其他乡镇的同一事项</a></td>
  </tr>
  {% endfor %}"""


def test_hit_rows_write_what_the_template_loop_wrote(app):
    """The results table's rows are written in Python: the same bytes as the Jinja loop, escaping included (a
    missing 序号 prints as nothing, where `{{ None }}` printed "None")."""
    from markupsafe import Markup

    from dutylist.items import KIND_LABELS
    from dutylist.search import service
    from dutylist.views.search import hit_rows

    pattern = service._pattern(["<农田>"])
    hits = [
        service.Hit(service._Township(7, '镇"<&>'), service._Version(3, 2, 7, "d", None), 41, "basic", 12,
                    "乡村振兴", service.mark("建设<农田>&水利", pattern),
                    Markup("…") + service.mark("负责<农田>'建设'", pattern), "上级部门职责"),
        service.Hit(service._Township(8, "乙镇"), service._Version(4, 1, 8, "e", None), 5, "withdrawn", None,
                    "", service.mark("名称", pattern), None, None),
    ]
    for root in ("", "/app<x>"):
        expected = app.jinja_env.from_string(_JINJA_ROWS).render(hits=hits, kind_labels=KIND_LABELS,
                                                                script_root=root)
        assert str(hit_rows(hits, root)) == expected
        assert "&lt;mark&gt;" not in expected and "<mark>&lt;农田&gt;</mark>" in expected
        assert "None" not in str(hit_rows(hits, root))


def test_place_options_write_what_the_template_loop_wrote(app):
    """A place filter's options are written in Python (a prefecture may list hundreds of counties): the same
    bytes as the Jinja loop they replace, names escaped, the selected place marked, depth as indentation."""
    from dutylist.services.places import Place
    from dutylist.views.cells import place_options

    loop = ("{% for org, depth in places %}<option value=\"{{ org.id }}\"{{ ' selected' if org.id == selected }}>"
            "{{ '　' * depth }}{{ org.name }}</option>{% endfor %}")
    places = [(Place(1, "新疆<维吾尔>自治区", "region"), 0), (Place(2, '昌吉"州"&', "prefecture"), 1),
              (Place(3, "吉木萨尔县", "county"), 2)]
    for selected in (None, 2, 3, 99):
        expected = app.jinja_env.from_string(loop).render(places=places, selected=selected)
        assert str(place_options(places, selected)) == expected
    assert "&lt;维吾尔&gt;" in expected and "&#34;州&#34;&amp;" in expected and "　　吉木萨尔县" in expected
    assert str(place_options(places, 2)).count(" selected") == 1


def test_a_search_in_a_county_reads_its_townships_first_and_finds_the_same(demo_app, monkeypatch):
    """Limited to a county or a township (service.SMALL_PLACES), the search reads the place's entries and tests
    them (backend.contains_all): the same hits, counts and places as the statement that starts from the
    matches; when there are more than MAX_HITS, the latter decides which are listed (the order rows are found in)."""
    from dutylist.search import service

    small = service.SMALL_PLACES

    def find(query, place_first):
        monkeypatch.setattr(service, "SMALL_PLACES", small if place_first else ())
        return service._find(query)

    with demo_app.app_context():
        places = [o for o in Organisation.of_kind(OrgKind.county)] + [find_org("大有镇", OrgKind.township)]
        compared = 0
        for org in places:
            for q, kind in ((PHRASE, None), ("负责", None), ("乡镇 负责", "basic"), ("基层阵地建设", None)):
                query = Query(q=q, kind=kind, organisation_id=org.id)
                assert find(query, True) == find(query, False), (org.name, q)
                compared += bool(find(query, False)[0])
        assert compared >= 4
        county = find_org("吉木萨尔县", OrgKind.county)
        monkeypatch.setattr(service, "MAX_HITS", 3)  # cut: the usual statement's first three
        seen = []
        fetch = service.prepared.fetch
        monkeypatch.setattr(service.prepared, "fetch", lambda key, *a, **k: seen.append(key) or fetch(key, *a, **k))
        query = Query(q="负责", organisation_id=county.id)
        cut = find(query, True)
        assert cut[1] and [k[-1] for k in seen if k[0] == "search.find"] == ["by place", 3]
        assert cut == find(query, False)
        if db.session.get_bind().dialect.name == "sqlite":
            stmt = service._hits(query, by_place=True)
            compiled = stmt.compile(db.session.connection(), compile_kwargs={"literal_binds": True})
            plan = [str(r[3]) for r in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
            assert plan[0].startswith("SEARCH current_entry"), plan  # from the county's entries, not the matches
