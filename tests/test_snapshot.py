"""Versions over content-addressed contents: what is published reads back exactly, stored once."""
import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select
from sqlalchemy import text as sa_text

from dutylist.extensions import db
from dutylist.items import CONTENT_KEYS as CONTENT
from dutylist.models import ChunkEntry, EntryChunk, ItemContent, OrgKind, Version, VersionChunk
from dutylist.services.snapshot import EntryData, publish_version, read_entries


def fields(name, **kw):
    base = {"category": "党的建设", "name": name, "departments_text": "", "departments": [],
            "dept_duties": [], "township_duties": [], "receiving": []}
    base.update(kw)
    return base


@pytest.fixture
def township(make_org):
    region = make_org("新疆维吾尔自治区", OrgKind.region)
    pref = make_org("昌吉回族自治州", OrgKind.prefecture, region)
    county = make_org("吉木萨尔县", OrgKind.county, pref)
    make_org("吉木萨尔县民政局", OrgKind.department, county)
    return make_org("大有镇", OrgKind.township, county)


def sample_entries(n=30):
    out = [EntryData("basic", i, fields(f"基本事项{i}")) for i in range(1, n + 1)]
    out.append(EntryData("cooperative", 1, fields(
        "老年人高龄津贴的发放管理", category="民生服务", departments_text="吉木萨尔县民政局",
        departments=["吉木萨尔县民政局"], dept_duties=["1.组织开展高龄津贴政策宣传；", "2.负责发放。"],
        township_duties=["1.各村核实到龄老年人信息并报镇；"])))
    out.append(EntryData("withdrawn", 1, fields(
        "收养登记", category="民生服务", receiving=[{"department": "吉木萨尔县民政局", "method": "负责收养登记。"}])))
    return out


def test_published_version_reads_back_exactly(township):
    entries = sample_entries()
    version = publish_version(township, entries, source="import")
    db.session.commit()
    back = read_entries(version)
    assert [(e["kind"], e["number"]) for e in back] == [(e.kind, e.number) for e in entries]
    for got, sent in zip(back, entries):
        assert {k: got[k] for k in sent.fields} == sent.fields
    coop = next(e for e in back if e["kind"] == "cooperative")
    content = db.session.scalar(select(ItemContent).where(ItemContent.hash == coop["hash"]))
    assert content.department_links[0].department.name == "吉木萨尔县民政局"


def test_new_version_stores_only_changed_contents(township):
    entries = sample_entries()
    v1 = publish_version(township, entries, source="import")
    db.session.flush()
    before = db.session.scalar(select(func.count()).select_from(ItemContent))
    back = read_entries(v1)
    changed = [EntryData(e["kind"], e["number"], {k: e[k] for k in entries[0].fields}, item_id=e["item_id"])
               for e in back]
    changed[4].fields["name"] = "基本事项5（修改后）"
    changed[4] = EntryData(changed[4].kind, changed[4].number, changed[4].fields, item_id=changed[4].item_id)
    v2 = publish_version(township, changed, source="revision")
    db.session.commit()
    assert v2.number == 2 and v1.number == 1
    assert db.session.scalar(select(func.count()).select_from(ItemContent)) == before + 1
    # identities are kept: the same item ids in both versions
    ids1 = {e["item_id"] for e in read_entries(v1)}
    ids2 = {e["item_id"] for e in read_entries(v2)}
    assert ids1 == ids2
    assert v1.digest != v2.digest
    # the old version is untouched
    assert read_entries(v1)[4]["name"] == "基本事项5"


def test_digest_depends_on_content_not_ids(township, make_org):
    a = publish_version(township, sample_entries(), source="import")
    other = make_org("其他镇", OrgKind.township, township.parent)
    b = publish_version(other, sample_entries(), source="import")
    db.session.commit()
    assert a.digest == b.digest and len(a.digest) == 64
    moved = sample_entries()
    moved[0] = EntryData("withdrawn", 2, moved[0].fields)
    c = publish_version(other, moved, source="import")
    assert c.digest != a.digest


def test_versions_are_numbered_per_township(township):
    v = publish_version(township, sample_entries(3), source="import")
    for _ in range(2):  # republish the same items unchanged
        again = [EntryData(e["kind"], e["number"], {k: e[k] for k in CONTENT}, item_id=e["item_id"])
                 for e in read_entries(v)]
        v = publish_version(township, again, source="revision")
    db.session.commit()
    numbers = db.session.scalars(select(Version.number).where(Version.township_id == township.id)
                                 .order_by(Version.number)).all()
    assert numbers == [1, 2, 3]
    # unchanged lists share their chunks: entries are stored once
    assert db.session.scalar(select(func.count()).select_from(ChunkEntry)) == 5
    assert db.session.scalar(select(func.count()).select_from(VersionChunk)) == 3 * db.session.scalar(
        select(func.count()).select_from(EntryChunk))


def test_one_change_adds_one_content_and_one_chunk(township):
    base = [EntryData("basic", i, fields(f"基本事项{i}")) for i in range(1, 301)]
    v1 = publish_version(township, base, source="import")
    db.session.flush()
    count = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
    before = {m: count(m) for m in (ItemContent, EntryChunk, ChunkEntry)}
    entries = read_entries(v1)
    changed = [EntryData(e["kind"], e["number"], {k: e[k] for k in CONTENT}, item_id=e["item_id"])
               for e in entries]
    changed[150] = EntryData("basic", 151, fields("基本事项151（修改）"), item_id=entries[150]["item_id"])
    v2 = publish_version(township, changed, source="revision")
    db.session.commit()
    assert count(ItemContent) == before[ItemContent] + 1
    assert count(EntryChunk) == before[EntryChunk] + 1
    assert count(ChunkEntry) - before[ChunkEntry] <= 64  # one chunk's entries, not 300
    assert read_entries(v2)[150]["name"] == "基本事项151（修改）"
    assert [e["number"] for e in read_entries(v2)] == list(range(1, 301))


def test_inserting_an_item_rewrites_only_its_chunk(township):
    v1 = publish_version(township, [EntryData("basic", i, fields(f"事项{i}")) for i in range(1, 201)], source="import")
    db.session.flush()
    entries = read_entries(v1)
    count = lambda m: db.session.scalar(select(func.count()).select_from(m))  # noqa: E731
    before = count(ChunkEntry)
    new = [EntryData(e["kind"], e["number"], {k: e[k] for k in CONTENT}, item_id=e["item_id"]) for e in entries]
    new.insert(10, EntryData("basic", 11, fields("插入的事项")))
    for n, e in enumerate(new, 1):
        e.number = n  # renumbered 1..201: numbers are derived, so later chunks are unchanged
    v2 = publish_version(township, new, source="revision")
    db.session.commit()
    assert count(ChunkEntry) - before <= 64
    back = read_entries(v2)
    assert [e["number"] for e in back] == list(range(1, 202)) and back[10]["name"] == "插入的事项"


def test_printed_numbers_that_break_the_sequence_are_kept(township):
    entries = [EntryData("basic", n, fields(f"事项{n}")) for n in (1, 2, 2, 4, 7)]
    v = publish_version(township, entries, source="import")
    db.session.commit()
    assert [e["number"] for e in read_entries(v)] == [1, 2, 2, 4, 7]


def _current_entries(township_id=None):
    from dutylist.models import CurrentEntry

    stmt = select(CurrentEntry.township_id, CurrentEntry.version_id, CurrentEntry.number, CurrentEntry.item_id,
                  CurrentEntry.kind, CurrentEntry.content_id).order_by(
        CurrentEntry.township_id, CurrentEntry.chunk_pos, CurrentEntry.entry_pos)
    if township_id is not None:
        stmt = stmt.where(CurrentEntry.township_id == township_id)
    return [tuple(r) for r in db.session.execute(stmt)]


def _expected_current(version):
    """The current entries as read_entries reads the version (independently of current_entry)."""
    contents = dict(db.session.execute(select(ItemContent.hash, ItemContent.id)
                                       .where(ItemContent.township_id == version.township_id)).all())
    return [(version.township_id, version.id, version.number, e["item_id"], e["kind"], contents[e["hash"]])
            for e in read_entries(version)]


def test_current_entries_follow_each_publication_in_its_transaction(township, make_org):
    """current_entry (what a search of the current lists reads) holds the entries of each township's latest
    version, in list order, replaced when the next one is published; another township's are left as they
    are; a full rebuild and the migration's backfill write the same rows."""
    import importlib.util
    from pathlib import Path

    from dutylist.models import CurrentEntry
    from dutylist.services.snapshot import rebuild_current_entries

    other = make_org("泉子街镇", OrgKind.township, township.parent)
    v1 = publish_version(township, sample_entries(), source="import")
    o1 = publish_version(other, sample_entries(5), source="import")
    db.session.commit()
    assert _current_entries(township.id) == _expected_current(v1) and len(_expected_current(v1)) == 32
    back = read_entries(v1)
    changed = [EntryData(e["kind"], e["number"], {k: e[k] for k in CONTENT}, item_id=e["item_id"]) for e in back[1:]]
    changed[0].fields["name"] = "基本事项2（修改后）"
    v2 = publish_version(township, [EntryData(c.kind, c.number, c.fields, item_id=c.item_id) for c in changed],
                         source="revision")
    db.session.flush()  # the same transaction: no moment with the old list gone and the new one missing
    assert _current_entries(township.id) == _expected_current(v2) and len(_expected_current(v2)) == 31
    assert not [r for r in _current_entries() if r[1] == v1.id]
    assert _current_entries(other.id) == _expected_current(o1)
    db.session.rollback()  # an abandoned publication leaves the last published list
    assert _current_entries(township.id) == _expected_current(v1)

    everything = _current_entries()
    rebuild_current_entries()
    assert _current_entries() == everything
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "e7b3c9d1a5f2_current_entries.py"
    spec = importlib.util.spec_from_file_location("current_entries_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(sa_delete(CurrentEntry))
    db.session.execute(sa_text(migration.BACKFILL))
    assert _current_entries() == everything
