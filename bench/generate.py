"""Synthetic data for the benchmarks: N townships cloned and varied from the five seed lists.

    python bench/generate.py                                   # 1,000 townships, SQLite under bench/data/
    python bench/generate.py --townships 40000 --database-url postgresql://postgres@127.0.0.1:5432/bench

The database is emptied and rebuilt (create_all). Townships come in counties of ~10 under the real
prefectures of Xinjiang; the five seed townships keep their real names and places (阿合奇镇, seed 002, is the
~300-item township the benchmark reads). Every other township is a clone of a seed with a few items renamed,
removed or added, and with the seed county's name replaced by its own in department names. Each is stored as
version 1 exactly as an import would store it (content-addressed contents, chunked entries, department links,
search index rows), but in bulk: COPY on PostgreSQL, executemany on SQLite, with the hashing and chunking
helpers of dutylist.services.snapshot. Some townships get a version 2 published by a (synthetic) revision,
others an open revision in one of the review states; the audit log is a valid hash chain. Finally the
benchmark township gets a real revision through workflow.operations (start, edit, consult, opinions, answer,
approve at every level, publish), so its history and diff pages show what the app itself writes.

Users: one drafter per township, one office user per county, three department users per county, one reviewer
per prefecture, xj-region and sysadmin, all with the demo password (one shared hash). The seeds' places keep the
demo user names (aheqi-drafter, akqi-office, akqi-dept01, kizilsu-prefecture...).
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dutylist.app import create_app  # noqa: E402
from dutylist.config import database_url  # noqa: E402
from dutylist.extensions import db  # noqa: E402
from dutylist.importers import text_list  # noqa: E402
from dutylist.items import KINDS, Shape, content_hash, fields_of, looks_like_department, named_departments  # noqa: E402
from dutylist.models import Organisation, OrgKind, Role, User  # noqa: E402
from dutylist.services import (
    passwords,  # noqa: E402
    snapshot,  # noqa: E402
)
from dutylist.services.audit import GENESIS, canonical_json, entry_hash  # noqa: E402
from dutylist.services.demo import DEMO_PASSWORD, SAMPLE_DIR, SEEDS, SLUGS, ensure_categories  # noqa: E402
from dutylist.services.departments import department_key  # noqa: E402
from dutylist.services.import_list import REGION, county_short_name  # noqa: E402
from dutylist.vocabulary import PREFECTURE_SHORT_NAMES  # noqa: E402

#: The prefecture-level divisions of Xinjiang (the seeds' two first: their counties are real).
PREFECTURES = [
    "昌吉回族自治州", "克孜勒苏柯尔克孜自治州", "乌鲁木齐市", "克拉玛依市", "吐鲁番市", "哈密市",
    "博尔塔拉蒙古自治州", "巴音郭楞蒙古自治州", "阿克苏地区", "喀什地区", "和田地区", "伊犁哈萨克自治州",
    "塔城地区", "阿勒泰地区",
]
SHORT = {full: short for short, full in PREFECTURE_SHORT_NAMES.items()}
BENCH_SEED = 2  #: 002: 阿合奇镇, 309 items: the list page the benchmark reads
PER_COUNTY = 10
#: the states of the open revisions, with their weights
OPEN_STATES = [("drafting", 3), ("submitted", 2), ("county_review", 4), ("returned", 2), ("county_approved", 1),
               ("prefecture_review", 1), ("region_review", 1)]
#: the states given to the benchmark county's other townships, so its dashboard shows every state
BENCH_COUNTY_STATES = ["drafting", "submitted", "county_review", "county_review", "returned", "county_approved",
                       "prefecture_review", "region_review", None]
BASE_TIME = datetime(2025, 7, 1, 9, 0, 0)


# ------------------------------------------------------------------ bulk writer
class Sink:
    """Buffered rows per table, flushed parents-first: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine, flush_rows: int = 200_000):
        self.engine = engine
        self.dialect = engine.dialect.name
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]
        self.buffers: dict[str, list[dict]] = {name: [] for name in self.order}
        self.counts: dict[str, int] = dict.fromkeys(self.order, 0)
        self.next_ids: dict[str, int] = {}
        self.pending = 0
        self.flush_rows = flush_rows
        self.raw = engine.raw_connection()
        self.conn = self.raw.driver_connection
        if self.dialect == "sqlite":
            self.conn.execute("PRAGMA synchronous = OFF")  # this connection only; the file keeps its settings
        self._columns = {}
        for name, table in self.tables.items():
            cols = []
            for c in table.columns:
                default = None
                if c.default is not None and c.default.is_scalar:
                    default = c.default.arg
                elif c.default is not None and c.default.is_callable:
                    default = c.default.arg(None)  # e.g. utcnow; good enough for a bulk load
                cols.append((c.name, c.type.__class__.__name__, default))
            self._columns[name] = cols

    def start_ids(self, table: str, first: int) -> None:
        self.next_ids[table] = first

    def new_id(self, table: str) -> int:
        n = self.next_ids.get(table, 1)
        self.next_ids[table] = n + 1
        return n

    def add(self, table: str, row: dict) -> None:
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= self.flush_rows:
            self.flush()

    def _value(self, kind: str, value):
        if value is None:
            return None
        if kind == "JSON":
            return json.dumps(value, ensure_ascii=False)
        if self.dialect == "sqlite":
            if kind == "DateTime":
                return value.strftime("%Y-%m-%d %H:%M:%S.%f")
            if kind == "Date":
                return value.isoformat()
            if kind == "Boolean":
                return int(value)
            if hasattr(value, "value"):  # StrEnum
                return value.value
        return value

    def _tuples(self, name: str, rows: list[dict]):
        cols = self._columns[name]
        for row in rows:
            yield tuple(self._value(kind, row.get(col, default)) for col, kind, default in cols)

    def flush(self) -> None:
        batch = {name: rows for name, rows in self.buffers.items() if rows}
        self.buffers = {name: [] for name in self.order}
        for name, rows in batch.items():
            self.counts[name] += len(rows)
        self.pending = 0
        if self.dialect == "postgresql":
            # COPY in a writer thread while the generator builds the next batch: the server parses and
            # indexes one batch while Python makes the next (psycopg releases the GIL while it waits)
            if self._writer is None:
                self._queue: queue.Queue = queue.Queue(maxsize=2)
                self._writer = threading.Thread(target=self._write_loop, daemon=True)
                self._writer.start()
            self._check_writer()
            self._queue.put(batch)
        else:
            self._write(batch)

    _writer = None
    _error = None

    def _write_loop(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            try:
                if self._error is None:
                    self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self._error = exc

    def _check_writer(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"bulk load failed: {self._error}") from self._error

    def _write(self, batch: dict) -> None:
        for name in self.order:
            rows = batch.get(name)
            if not rows:
                continue
            cols = [c for c, _, _ in self._columns[name]]
            quoted = ", ".join(f'"{c}"' for c in cols)
            if self.dialect == "postgresql":
                with self.conn.cursor() as cur, cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    for row in self._tuples(name, rows):
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in cols)
                self.conn.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', self._tuples(name, rows))
        self.conn.commit()

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._check_writer()
        self.raw.close()


# ------------------------------------------------------------------ PostgreSQL: indexes off during the load
def pg_drop_secondary(engine) -> list[str]:
    """Drop foreign keys and non-unique indexes (recreated by pg_restore_secondary); returns the DDL to do so."""
    restore = []
    with engine.begin() as conn:
        fks = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace")).all()
        for table, name, definition in fks:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        indexes = conn.execute(text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND NOT i.indisprimary AND NOT i.indisunique")).all()
        for name, definition in indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")
            restore.insert(0, definition)
    return restore


def pg_restore_secondary(engine, statements: list[str]) -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("SET maintenance_work_mem = '2GB'")  # the GIN trigram index builds much faster
        for stmt in statements:
            conn.exec_driver_sql(stmt.replace("%", "%%"))  # psycopg's placeholders (the trigram parts' content_id % 16)


# ------------------------------------------------------------------ the seeds


def _last_of(kind: str, shape: Shape) -> str | None:
    """The key of the table's last field of that shape (what a simulated edit changes)."""
    keys = [f.key for f in fields_of(kind) if f.shape == shape]
    return keys[-1] if keys else None

@dataclass
class SeedEntry:
    kind: str
    fields: dict
    flags: list | None
    hash: str
    mentions: bool  #: names the seed's county (so a clone in another county rewrites it)


@dataclass
class Seed:
    index: int
    parsed: object
    entries: list[SeedEntry]
    county_names: list[str]  #: the county's name and short name, longest first
    report: dict


def load_seeds() -> list[Seed]:
    seeds = []
    for i, (filename, place) in enumerate(SEEDS):
        parsed = text_list.parse_file(SAMPLE_DIR / filename, township=place)
        names = sorted({n for n in (parsed.county, county_short_name(parsed.county)) if n}, key=len, reverse=True)
        entries = []
        for e in snapshot.ordered(_entries_from(parsed)):
            blob = json.dumps(e.fields, ensure_ascii=False)
            entries.append(SeedEntry(e.kind, e.fields, e.flags, e.hash, any(n in blob for n in names)))
        seeds.append(Seed(i, parsed, entries, names, parsed.report()))
    return seeds


def _entries_from(parsed):
    from dutylist.services.import_list import entries_from
    return entries_from(parsed)


def _replace(value, pattern: re.Pattern, new: str):
    if isinstance(value, str):
        return pattern.sub(new, value)
    if isinstance(value, list):
        return [_replace(v, pattern, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, pattern, new) for k, v in value.items()}
    return value


def rename_county(seed: Seed, county_name: str) -> list[SeedEntry]:
    """The seed's entries with its county's names replaced by another county's (hashes recomputed)."""
    if county_name in seed.county_names:
        return seed.entries
    pattern = re.compile("|".join(re.escape(n) for n in seed.county_names))
    out = []
    for e in seed.entries:
        if not e.mentions:
            out.append(e)
            continue
        fields = _replace(e.fields, pattern, county_name)
        out.append(SeedEntry(e.kind, fields, e.flags, content_hash(fields), True))
    return out


def vary(entries: list[SeedEntry], others: list[SeedEntry], rng: random.Random, town_name: str) -> list[SeedEntry]:
    """A few items renamed, removed, added (from another seed): the clone is not identical to its seed."""
    entries = list(entries)
    for _ in range(rng.randint(0, 3)):
        entries.pop(rng.randrange(len(entries)))
    for i in rng.sample(range(len(entries)), rng.randint(1, 4)):
        e = entries[i]
        fields = {**e.fields, "name": f"{e.fields['name']}（{town_name}）"}
        entries[i] = SeedEntry(e.kind, fields, e.flags, content_hash(fields), e.mentions)
    for _ in range(rng.randint(0, 3)):
        extra = rng.choice(others)
        entries.append(SeedEntry(extra.kind, extra.fields, None, extra.hash, extra.mentions))
    return sorted(entries, key=lambda e: KINDS.index(e.kind))  # stable: added ones close their table


# ------------------------------------------------------------------ the generator
@dataclass
class County:
    id: int
    name: str
    short_name: str | None
    prefecture: dict
    slug: str
    office_id: int = 0
    registry: dict = field(default_factory=dict)  #: department key -> organisation id
    dept_users: list = field(default_factory=list)  #: [(user id, username, organisation id, name)]
    office_user: tuple = ()


class Generator:
    def __init__(self, sink: Sink, seeds: list[Seed], n: int, *, revised: float, open_share: float, seed: int,
                 password_hash: str, search_text=None):
        self.sink, self.seeds, self.n = sink, seeds, n
        self.revised, self.open_share = revised, open_share
        self.rng = random.Random(seed)
        self.offset = (seed - 1) * 10_000_019  #: --seed 1 (the default) keeps the data of earlier runs
        self.password_hash = password_hash
        self.search_text = search_text
        self.prev_hash, self.seq = GENESIS, 0
        self.clock = BASE_TIME
        self.today = date.today()
        self.stats = {"versions": 0, "v2": 0, "open": 0, "items": 0}
        self.bench_township_id = None
        self.bench_county: County | None = None

    # -- ids, time, audit
    def tick(self, seconds: int = 7) -> datetime:
        self.clock += timedelta(seconds=seconds, microseconds=self.rng.randrange(1_000_000))
        return self.clock

    def audit(self, action: str, *, actor=None, township_id=None, revision_id=None, target=None,
              from_state=None, to_state=None, round=None, details=None) -> None:
        self.seq += 1
        fields = dict(seq=self.seq, created_at=self.tick(), action=action, outcome="ok",
                      actor_id=actor[0] if actor else None, actor_name=actor[1] if actor else None,
                      organisation_id=actor[2] if actor else None, organisation_name=actor[3] if actor else None,
                      township_id=township_id, revision_id=revision_id, target=target, from_state=from_state,
                      to_state=to_state, round=round, details_text=canonical_json(details), ip="127.0.0.1")
        digest = entry_hash(self.prev_hash, fields)
        fields["details"] = fields.pop("details_text")  # the column's name
        self.sink.add("audit_event", {**fields, "id": self.seq, "prev_hash": self.prev_hash, "hash": digest})
        self.prev_hash = digest

    def org(self, name, kind, parent_id, short_name=None) -> int:
        oid = self.sink.new_id("organisation")
        self.sink.add("organisation", {"id": oid, "name": name, "short_name": short_name, "kind": kind.value,
                                       "parent_id": parent_id})
        return oid

    def user(self, username, role: Role, org_id, org_name) -> tuple:
        uid = self.sink.new_id("user")
        self.sink.add("user", {"id": uid, "username": username, "display_name": username,
                               "password_hash": self.password_hash, "role": role.value, "organisation_id": org_id,
                               "active": True, "created_at": BASE_TIME})
        return (uid, username, org_id, org_name)

    # -- places
    def places(self):
        """Prefectures, counties (the seeds' real ones first), townships: yields (county, [(name, seed)])."""
        region_id = self.org(REGION, OrgKind.region, None)
        self.region = {"id": region_id, "name": REGION}
        self.admin = self.user("sysadmin", Role.system_admin, region_id, REGION)
        self.region_user = self.user(f"{SLUGS[REGION]}-region", Role.region_reviewer, region_id, REGION)
        prefs = {}
        for name in PREFECTURES:
            pid = self.org(name, OrgKind.prefecture, region_id, SHORT.get(name))
            slug = SLUGS.get(name) or f"p{pid}"
            prefs[name] = {"id": pid, "name": name, "short": SHORT.get(name),
                           "user": self.user(f"{slug}-prefecture", Role.prefecture_reviewer, pid, name)}
        n_counties = max(1, -(-self.n // PER_COUNTY))
        # the benchmark township's county first: it exists whatever N is
        real = [(s.parsed.prefecture, s.parsed.county, s)
                for s in sorted(self.seeds, key=lambda s: s.index != BENCH_SEED)]
        plan = []  # (prefecture, county name, [(township name, seed index, is the seed itself)])
        town_no = 0
        for pref, county, s in real[: n_counties]:
            plan.append([pref, county, [(s.parsed.township, s.index, True)]])
        synthetic_prefs = [p for p in PREFECTURES]
        for k in range(len(plan), n_counties):
            plan.append([synthetic_prefs[k % len(synthetic_prefs)], f"样本{k:05d}县", []])
        # fill counties to ~PER_COUNTY townships, cycling the seeds (the real counties first)
        total = sum(len(p[2]) for p in plan)
        k = 0
        while total < self.n:
            county = plan[k % len(plan)]
            if len(county[2]) < PER_COUNTY or all(len(p[2]) >= PER_COUNTY for p in plan):
                town_no += 1
                seed_index = (town_no + k) % len(self.seeds)
                county[2].append((f"样本{town_no:05d}镇", seed_index, False))
                total += 1
            k += 1
        for pref, county_name, towns in plan:
            p = prefs[pref]
            cid = self.org(county_name, OrgKind.county, p["id"], county_short_name(county_name))
            c = County(cid, county_name, county_short_name(county_name), p, SLUGS.get(county_name) or f"c{cid}")
            office_name = f"{county_name}委编办"
            c.office_id = self.org(office_name, OrgKind.office, cid)
            c.registry[department_key(office_name, self._cty(c))] = c.office_id
            c.office_user = self.user(f"{c.slug}-office", Role.county_office, c.office_id, office_name)
            yield c, towns[: self.n]

    @staticmethod
    def _cty(c: County):
        return SimpleNamespace(name=c.name, short_name=c.short_name)

    def department(self, c: County, name: str) -> int | None:
        key = department_key(name, self._cty(c))
        found = c.registry.get(key)
        if found is None and looks_like_department(name):
            clean = re.sub(r"\s+", "", name)
            found = c.registry[key] = self.org(clean, OrgKind.department, c.id)
            if len(c.dept_users) < 3:
                n = len(c.dept_users) + 1
                c.dept_users.append(self.user(f"{c.slug}-dept{n:02d}", Role.county_department, found, clean))
        return found

    # -- one version
    def publish(self, c: County, township_id: int, entries: list[SeedEntry], contents: dict, *, number: int,
                item_ids: list[int], source: str, title: str, published_at: datetime, published_by=None,
                doc_date=None, report=None, known_chunks: dict | None = None) -> int:
        """Store a version like snapshot.publish_version: contents by hash, chunks, digest. Returns its id."""
        for e in entries:
            if e.hash in contents:
                continue
            cid = contents[e.hash] = self.sink.new_id("item_content")
            self.sink.add("item_content", {"id": cid, "township_id": township_id, "hash": e.hash, **e.fields})
            for pos, name in enumerate(named_departments(e.fields)):
                self.sink.add("content_department", {"content_id": cid, "position": pos, "name": name,
                                                     "department_id": self.department(c, name)})
            if self.search_text is not None:
                self.sink.add("search_text", {"content_id": cid, "text": self.search_text(e.fields)})
        naturals = snapshot._natural_numbers([e.kind for e in entries])
        rows = [(item_id, e.kind, None, e.hash, contents[e.hash]) for item_id, e in zip(item_ids, entries)]
        known = known_chunks if known_chunks is not None else {}
        chunk_ids = []
        for chunk_rows in snapshot._chunks(rows):
            chash = snapshot._chunk_hash(chunk_rows)
            if chash not in known:
                chunk_id = known[chash] = self.sink.new_id("entry_chunk")
                self.sink.add("entry_chunk", {"id": chunk_id, "hash": chash})
                for pos, (item_id, kind, number_, _, content_id) in enumerate(chunk_rows):
                    self.sink.add("chunk_entry", {"chunk_id": chunk_id, "pos": pos, "item_id": item_id, "kind": kind,
                                                  "number": number_, "content_id": content_id})
            chunk_ids.append(known[chash])
        counts = dict.fromkeys(KINDS, 0)
        for e in entries:
            counts[e.kind] += 1
        flags = {str(i): e.flags for i, e in zip(item_ids, entries) if e.flags}
        if flags:
            report = {**(report or {}), "item_flags": flags}
        vid = self.sink.new_id("version")
        self.sink.add("version", {
            "id": vid, "township_id": township_id, "number": number, "published_at": published_at,
            "published_by_id": published_by[0] if published_by else None,
            "digest": snapshot.version_digest((e.kind, n, e.hash) for e, n in zip(entries, naturals)),
            "counts": counts, "source": source, "title": title, "doc_date": doc_date, "import_report": report})
        for pos, chunk_id in enumerate(chunk_ids):
            self.sink.add("version_chunk", {"version_id": vid, "pos": pos, "chunk_id": chunk_id})
        self.stats["versions"] += 1
        return vid

    def new_items(self, township_id: int, k: int) -> list[int]:
        ids = []
        for _ in range(k):
            iid = self.sink.new_id("item")
            self.sink.add("item", {"id": iid, "township_id": township_id, "created_at": BASE_TIME})
            ids.append(iid)
        self.stats["items"] += k
        return ids

    # -- revisions
    def draft_items(self, revision_id: int, entries, item_ids, drafter, edited: dict[int, str], deleted=()):
        numbers = snapshot._natural_numbers([e.kind for e in entries])
        for pos, (e, iid, number) in enumerate(zip(entries, item_ids, numbers)):
            self.sink.add("draft_item", {
                "id": self.sink.new_id("draft_item"), "revision_id": revision_id, "item_id": iid, "kind": e.kind,
                "number": number, "position": pos, **e.fields, "deleted": iid in deleted,
                "updated_at": self.clock, "updated_by_id": drafter[0] if iid in edited else None,
                "lock_version": 2 if iid in edited else 1})
            if iid in edited:
                self.reason(revision_id, iid, drafter, edited[iid])

    def reason(self, revision_id: int, item_id: int, author, text: str, action: str = "edit") -> None:
        self.sink.add("item_reason", {"id": self.sink.new_id("item_reason"), "revision_id": revision_id,
                                      "item_id": item_id, "submission": 0, "action": action, "reason": text,
                                      "author_id": author[0], "created_at": self.clock})

    def consultation(self, revision_id: int, dept, submission: int, round_: int, deadline, signed: bool) -> None:
        cid = self.sink.new_id("consultation")
        self.sink.add("consultation", {"id": cid, "revision_id": revision_id, "department_id": dept[2],
                                       "created_at": self.clock})
        self.sink.add("consultation_round", {
            "id": self.sink.new_id("consultation_round"), "consultation_id": cid, "submission": submission,
            "round": round_, "state": "signed" if signed else "pending", "deadline": deadline, "asked_by_id": None,
            "asked_at": self.clock, "verdict": "no_opinion" if signed else None,
            "signed_at": self.clock if signed else None, "signed_by_id": dept[0] if signed else None,
            "signed_items": {} if signed else None, "carried_from_round": None, "carried_from_submission": None,
            "carried_items": None, "reason": None, "decided_by_id": None, "decided_at": None})

    def edit(self, entries: list[SeedEntry], rng: random.Random, k: int) -> tuple[list[SeedEntry], list[int]]:
        """k items changed (a duty added, a name reworded); returns the new list and the changed positions."""
        entries = list(entries)
        picked = rng.sample(range(len(entries)), min(k, len(entries)))
        for i in picked:
            e = entries[i]
            fields = dict(e.fields)
            steps, rows = _last_of(e.kind, Shape.steps), _last_of(e.kind, Shape.department_rows)
            if steps:
                fields[steps] = list(fields[steps] or []) + ["及时报送工作进展情况。"]
            elif rows and fields.get(rows):
                fields[rows] = [{**r, "method": r["method"] + "（按季度报送）"} for r in fields[rows]]
            else:
                fields["name"] = fields["name"] + "（修订）"
            entries[i] = SeedEntry(e.kind, fields, None, content_hash(fields), e.mentions)
        return entries, picked

    def revision_v2(self, c: County, tid: int, tname: str, entries, item_ids, contents, chunks, v1: int, drafter,
                    title: str, rng: random.Random) -> tuple[list, list, int]:
        """A published revision: version 2 with a few changes, its draft, consultations, opinions, audit trail."""
        rid = self.sink.new_id("revision")
        new, changed = self.edit(entries, rng, rng.randint(3, 8))
        new_ids = list(item_ids)
        removed = new_ids.pop(len(new) - 1)
        new.pop()
        added = self.new_items(tid, 1)[0]
        extra = rng.choice(self.seeds[(len(tname) + tid) % len(self.seeds)].entries)
        new.append(SeedEntry(extra.kind, extra.fields, None, extra.hash, extra.mentions))
        new_ids.append(added)
        order = sorted(range(len(new)), key=lambda i: KINDS.index(new[i].kind))
        new, new_ids = [new[i] for i in order], [new_ids[i] for i in order]
        rounds = rng.choice([1, 1, 1, 2, 2, 3])
        self.audit("revision_start", actor=drafter, township_id=tid, revision_id=rid, to_state="drafting", round=0,
                   details={"base_version": 1})
        edited = {item_ids[i]: "根据工作实际调整" for i in changed if i < len(item_ids)}
        edited[added] = "新增职责"
        for iid in edited:
            self.audit("item_edit", actor=drafter, township_id=tid, revision_id=rid, target=f"item:{iid}", round=0,
                       details={"changes": {}, "reason": edited[iid]})
        for r in range(1, rounds + 1):
            self.audit("submit", actor=drafter, township_id=tid, revision_id=rid, from_state="drafting" if r == 1 else
                       "returned", to_state="submitted", round=r, details={"round": r})
            self.audit("accept", actor=c.office_user, township_id=tid, revision_id=rid, from_state="submitted",
                       to_state="county_review", round=r, details={"round": r})
            if r < rounds:
                self.audit("return_for_revision", actor=c.office_user, township_id=tid, revision_id=rid,
                           from_state="county_review", to_state="returned", round=r, details={"reason": "请修改"})
        p = c.prefecture
        moves = [("approve", c.office_user, "county_review", "county_approved", "县级审核通过"),
                 ("escalate", c.office_user, "county_approved", "prefecture_review", None),
                 ("approve", p["user"], "prefecture_review", "region_review", "州级审核通过"),
                 ("publish", self.region_user, "region_review", "published", "自治区审核通过")]
        for action, actor, src, dst, reason in moves:
            self.audit(action, actor=actor, township_id=tid, revision_id=rid, from_state=src, to_state=dst,
                       round=rounds, details={"reason": reason, "round": rounds})
        v2 = self.publish(c, tid, new, contents, number=2, item_ids=new_ids, source="revision", title=title,
                          published_at=self.clock, published_by=self.region_user, known_chunks=chunks)
        self.sink.add("revision", {"id": rid, "township_id": tid, "base_version_id": v1, "previous_version_id": v1,
                                   "status": "published", "round": rounds, "max_rounds": 3, "submissions": rounds,
                                   "returned_by": "county" if rounds > 1 else None, "prefecture_send_backs": 0,
                                   "region_send_backs": 0, "no_consultation_reason": None,
                                   "title": f"{tname}履职事项清单修订稿",
                                   "deadline": None, "created_by_id": drafter[0], "created_at": self.clock,
                                   "updated_at": self.clock, "published_version_id": v2, "lock_version": 9})
        self.draft_items(rid, new, new_ids, drafter, edited)
        self.sink.add("draft_item", {
            "id": self.sink.new_id("draft_item"), "revision_id": rid, "item_id": removed, "kind": entries[-1].kind,
            "number": 999, "position": 999, **entries[-1].fields, "deleted": True,
            "updated_at": self.clock, "updated_by_id": drafter[0], "lock_version": 2})
        self.reason(rid, removed, drafter, "不再开展", "delete")
        for dept in c.dept_users[:2]:
            self.consultation(rid, dept, rounds, rounds, None, True)
        self.stats["v2"] += 1
        return new, new_ids, v2

    def open_revision(self, c: County, tid: int, tname: str, entries, item_ids, base_version: int, drafter,
                      state: str, rng: random.Random) -> None:
        rid = self.sink.new_id("revision")
        new, changed = self.edit(entries, rng, rng.randint(1, 4))
        edited = {item_ids[i]: "根据工作实际调整" for i in changed}
        self.audit("revision_start", actor=drafter, township_id=tid, revision_id=rid, to_state="drafting", round=0)
        for iid in edited:
            self.audit("item_edit", actor=drafter, township_id=tid, revision_id=rid, target=f"item:{iid}", round=0,
                       details={"changes": {}, "reason": edited[iid]})
        rounds = {"drafting": 0, "submitted": 1}.get(state, rng.choice([1, 1, 2, 3]))
        if state == "returned":
            rounds = max(rounds, 1)
        path = {"submitted": ["submitted"], "county_review": ["submitted", "county_review"],
                "returned": ["submitted", "county_review", "returned"],
                "county_approved": ["submitted", "county_review", "county_approved"],
                "prefecture_review": ["submitted", "county_review", "county_approved", "prefecture_review"],
                "region_review": ["submitted", "county_review", "county_approved", "prefecture_review",
                                  "region_review"]}.get(state, [])
        src = "drafting"
        for dst in path:
            actor = drafter if dst == "submitted" else c.office_user
            action = {"submitted": "submit", "county_review": "accept", "returned": "return_for_revision",
                      "county_approved": "approve", "prefecture_review": "escalate",
                      "region_review": "approve"}[dst]
            if dst == "region_review":
                actor = c.prefecture["user"]
            self.audit(action, actor=actor, township_id=tid, revision_id=rid, from_state=src, to_state=dst,
                       round=rounds, details={"round": rounds})
            src = dst
        deadline = None
        if state == "county_review":
            deadline = self.today + timedelta(days=rng.choice([-9, -3, 2, 5, 10]))  # some overdue
        self.sink.add("revision", {"id": rid, "township_id": tid, "base_version_id": base_version,
                                   "previous_version_id": base_version, "status": state, "round": rounds,
                                   "max_rounds": 3, "submissions": rounds,
                                   "returned_by": "county" if state == "returned" or rounds > 1 else None,
                                   "prefecture_send_backs": 0, "region_send_backs": 0, "no_consultation_reason": None,
                                   "title": f"{tname}履职事项清单修订稿",
                                   "deadline": deadline, "created_by_id": drafter[0], "created_at": self.clock,
                                   "updated_at": self.clock, "published_version_id": None, "lock_version": 5})
        self.draft_items(rid, new, item_ids, drafter, edited)
        if rounds >= 1 and state != "submitted" and c.dept_users:
            for n, dept in enumerate(c.dept_users[:3]):
                signed = state != "county_review" or n == 0
                self.consultation(rid, dept, rounds, rounds, deadline, signed)
                if state in ("county_review", "returned"):
                    oid = self.sink.new_id("opinion")
                    target = item_ids[changed[0]] if changed else None
                    self.sink.add("opinion", {"id": oid, "revision_id": rid, "round": rounds, "submission": rounds,
                                              "item_id": target,
                                              "author_id": dept[0], "organisation_id": dept[2], "stage": "county",
                                              "body": "建议进一步明确工作时限和报送方式。", "created_at": self.clock})
                    self.audit("opinion", actor=dept, township_id=tid, revision_id=rid, target=f"opinion:{oid}",
                               round=rounds, details={"item_id": target, "stage": "county"})
                    if state == "returned" and n == 0:
                        self.sink.add("opinion_reply", {
                            "id": self.sink.new_id("opinion_reply"), "opinion_id": oid, "author_id": drafter[0],
                            "organisation_id": drafter[2], "answer": "adopted", "body": "已按意见修改。",
                            "created_at": self.clock})
        self.stats["open"] += 1

    # -- everything
    def run(self, progress=None) -> None:
        done, report_every = 0, max(100, self.n // 10)
        started = time.perf_counter()
        for c, towns in self.places():
            bench_county = any(is_seed and seed_index == BENCH_SEED for _, seed_index, is_seed in towns)
            if bench_county:
                self.bench_county = c
            county_rng = random.Random(self.offset + c.id)
            renamed = {}
            for n_in_county, (tname, seed_index, is_seed) in enumerate(towns):
                seed = self.seeds[seed_index]
                rng = random.Random((self.offset + c.id) * 1000 + n_in_county)
                tid = self.org(tname, OrgKind.township, c.id)
                slug = SLUGS.get(tname) if is_seed else None
                drafter = self.user(f"{slug or f't{tid}'}-drafter", Role.township_drafter, tid, tname)
                if is_seed:
                    entries = seed.entries
                else:
                    if seed_index not in renamed:
                        renamed[seed_index] = rename_county(seed, c.name)
                    other = self.seeds[(seed_index + 1) % len(self.seeds)].entries
                    entries = vary(renamed[seed_index], other, rng, tname)
                for e in entries:  # departments registered before the contents name them (as on import)
                    for name in named_departments(e.fields):
                        self.department(c, name)
                item_ids = self.new_items(tid, len(entries))
                contents, chunks = {}, {}
                title = f"{c.prefecture['short'] or c.prefecture['name']}{c.name}{tname}履职事项清单"
                v1 = self.publish(c, tid, entries, contents, number=1, item_ids=item_ids, source="import",
                                  title=title, published_at=self.tick(3600), doc_date=seed.parsed.date,
                                  report=seed.report, known_chunks=chunks)
                if is_seed and seed_index == BENCH_SEED:
                    self.bench_township_id = tid  # gets a real revision through the app afterwards
                    continue
                base = v1
                if bench_county:
                    state = BENCH_COUNTY_STATES[(n_in_county - 1) % len(BENCH_COUNTY_STATES)]
                    if n_in_county % 3 == 1:
                        entries, item_ids, base = self.revision_v2(c, tid, tname, entries, item_ids, contents,
                                                                   chunks, v1, drafter, title, rng)
                else:
                    if county_rng.random() < self.revised:
                        entries, item_ids, base = self.revision_v2(c, tid, tname, entries, item_ids, contents,
                                                                   chunks, v1, drafter, title, rng)
                    state = None
                    if county_rng.random() < self.open_share:
                        state = rng.choices([s for s, _ in OPEN_STATES], [w for _, w in OPEN_STATES])[0]
                if state:
                    self.open_revision(c, tid, tname, entries, item_ids, base, drafter, state, rng)
                done += 1
            if progress and done // report_every != (done - len(towns)) // report_every:
                progress(done, time.perf_counter() - started)
        self.sink.add("audit_head", {"id": 1, "seq": self.seq, "hash": self.prev_hash})


# ------------------------------------------------------------------ the benchmark township's real revision
def real_revision(township_id: int, county_slug: str, prefecture_slug: str) -> int:
    """One whole review cycle through workflow.operations: version 2 of the benchmark township."""
    from flask import current_app

    from dutylist.models import Version
    from dutylist.services import drafts
    from workflow import operations as ops

    def user(name):
        return db.session.scalar(select(User).where(User.username == name))

    levels = current_app.config["REVIEW_LEVELS"]
    town = db.session.get(Organisation, township_id)
    drafter = db.session.scalar(select(User).where(User.organisation_id == township_id))
    office = user(f"{county_slug}-office")
    depts = [user(f"{county_slug}-dept{n:02d}") for n in (1, 2)]

    def fire(event, actor, **kw):
        ops.fire(rev, event, actor, levels=levels, **kw)
        db.session.commit()

    rev = ops.start_revision(town, drafter, title=f"{town.name}履职事项清单修订稿")
    db.session.commit()
    live = drafts.live_items(rev)
    reasons = ["表述更准确", "补充工作要求", "与县级部门职责衔接", "按州编办意见调整", "合并同类事项"]
    for n, it in enumerate(live[5:60:6]):
        steps = _last_of(it.kind, Shape.steps)
        if steps:
            data = {**it.fields(), steps: list(getattr(it, steps)) + ["定期向县级部门报送工作情况。"]}
        else:
            data = {**it.fields(), "name": it.name + "（含日常巡查）"}
        ops.edit_item(rev, drafter, it.id, data, lock_version=it.lock_version, reason=reasons[n % len(reasons)])
    ops.add_item(rev, drafter, "basic", {"category": "综合政务", "name": "负责本镇政务服务“一网通办”事项的受理和帮办代办"},
                 reason="新增职责")
    gone = drafts.live_items(rev)[40]
    ops.delete_item(rev, drafter, gone.id, gone.lock_version, reason="已由县级部门承担")
    ops.renumber(rev, drafter)
    for flag in drafts.open_flags(rev):  # what the importer was unsure of: checked by the drafter
        ops.confirm_flag(rev, drafter, flag.id, "已核对原件，内容无误")
    db.session.commit()
    fire("submit", drafter)
    fire("accept", office, departments=[d.organisation_id for d in depts],
         deadline=date.today() + timedelta(days=10))
    opinions = [ops.add_opinion(rev, d, "建议明确工作时限。", item_id=live[5].item_id) for d in depts]
    for d in depts:
        ops.sign_off(rev, d, "with_opinions")
    db.session.commit()
    fire("return_for_revision", office, reason="请答复部门意见")
    for op in opinions:
        ops.answer_opinion(op, drafter, "adopted", "已补充时限要求。")
    db.session.commit()
    fire("submit", drafter)
    fire("accept", office, departments=[depts[0].organisation_id])
    if any(c.pending for c in rev.consultations):
        ops.sign_off(rev, depts[0], "no_opinion")
        db.session.commit()
    fire("approve", office, reason="县级审核通过")
    fire("escalate", office)
    for level in levels:
        reviewer = user(f"{prefecture_slug}-prefecture") if level == "prefecture" else user("xj-region")
        fire("publish" if level == levels[-1] else "approve", reviewer, reason="审核通过")
    version = db.session.get(Version, rev.published_version_id)
    return version.id


# ------------------------------------------------------------------ entry point
def prepare_database(url: str) -> None:
    """Create the PostgreSQL database if it does not exist."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        if u.database:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{u.database}"')
    admin.dispose()


def default_url(n: int) -> str:
    return f"sqlite:///{ROOT / 'bench' / 'data' / f'bench-{n}.sqlite3'}"  # bench/.gitignore: data/


#: a table the generator leaves in its databases: only a database holding it (or no data) is emptied
MARKER = "bench_generated"


class NotABenchDatabase(SystemExit):
    pass


def check_safe_to_empty(engine) -> None:
    """Refuse to empty a database that holds organisations but was not made by this generator (a
    DATABASE_URL left pointing at real data, say)."""
    names = set(inspect(engine).get_table_names())
    if "organisation" not in names or MARKER in names:
        return
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM organisation LIMIT 1")).first() is None:
            return
    raise NotABenchDatabase(f"refusing to empty {engine.url.render_as_string(hide_password=True)}: it holds data "
                            f"that bench/generate.py did not write (no {MARKER} table). Use an empty or a "
                            "benchmark database, or --force.")


def generate(url: str, n: int = 1000, *, revised: float = 0.1, open_share: float = 0.1, seed: int = 1,
             log=print, force: bool = False) -> dict:
    url = database_url(url)
    prepare_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    timings = {}
    t0 = time.perf_counter()
    with app.app_context():
        engine = db.engine
        db.session.remove()
        if not force:
            check_safe_to_empty(engine)
        db.drop_all()
        db.create_all()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {MARKER} (townships integer)")
            conn.exec_driver_sql(f"DELETE FROM {MARKER}")
            conn.execute(text(f"INSERT INTO {MARKER} (townships) VALUES (:n)"), {"n": n})
        ensure_categories()
        db.session.commit()
        probe = User()
        passwords.set_password(probe, DEMO_PASSWORD)
        seeds = load_seeds()
        search_text = None
        if "search_text" in db.metadata.tables:
            try:
                from dutylist.search.backend import searchable_text as search_text
            except ImportError:
                search_text = None
        restore = pg_drop_secondary(engine) if engine.dialect.name == "postgresql" else []
        timings["schema"] = time.perf_counter() - t0
        sink = Sink(engine)
        gen = Generator(sink, seeds, n, revised=revised, open_share=open_share, seed=seed,
                        password_hash=probe.password_hash, search_text=search_text)

        def progress(done, elapsed):
            log(f"  {done:>6} townships  {elapsed:6.1f} s  ({sum(sink.counts.values()) + sink.pending:,} rows)")
        t = time.perf_counter()
        gen.run(progress)
        sink.close()
        with engine.begin() as conn:  # the search's current entries, as publish_version keeps them
            conn.execute(snapshot.current_entries_insert())
        timings["bulk load"] = time.perf_counter() - t
        t = time.perf_counter()
        if restore:
            pg_restore_secondary(engine, restore)
        from dutylist.backup.restore import _reset_sequences
        from dutylist.services import township_counts
        with engine.begin() as conn:
            _reset_sequences(conn)
            township_counts.rebuild(conn)  # the bulk rows bypassed the ORM and its flush hook
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would do after a bulk load
        timings["indexes, sequences, analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        bench = gen.bench_township_id
        v2 = None
        if bench is not None and gen.bench_county is not None:
            v2 = real_revision(bench, gen.bench_county.slug, SLUGS.get(gen.bench_county.prefecture["name"])
                               or f"p{gen.bench_county.prefecture['id']}")
        timings["real revision"] = time.perf_counter() - t
        from dutylist.services.audit import verify_chain
        chain = verify_chain()
        rows = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
        db.session.remove()
        engine.dispose()
    timings["total"] = time.perf_counter() - t0
    return {"url": make_url(url).render_as_string(hide_password=True), "townships": n, "rows": rows,
            "stats": gen.stats, "timings": timings, "bench_township_id": bench, "bench_version_id": v2,
            "bench_county": gen.bench_county.name if gen.bench_county else None,
            "office_user": f"{gen.bench_county.slug}-office" if gen.bench_county else None,
            "chain_ok": chain.ok, "audit_entries": chain.checked}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--townships", type=int, default=1000, help="how many townships (default 1000)")
    ap.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///bench/data/bench-<N>.sqlite3 "
                                           "(PostgreSQL: the database is created if missing)")
    ap.add_argument("--force", action="store_true", help="empty the database even if it holds other data")
    ap.add_argument("--revised", type=float, default=0.1, help="share of townships with a version 2 (0.1)")
    ap.add_argument("--open", type=float, default=0.1, dest="open_share",
                    help="share of townships with an open revision (0.1)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL") or default_url(args.townships)
    print(f"generating {args.townships} townships into {make_url(database_url(url)).render_as_string(hide_password=True)}")
    result = generate(url, args.townships, revised=args.revised, open_share=args.open_share, seed=args.seed,
                      force=args.force)
    total = sum(result["rows"].values())
    print(f"done: {total:,} rows; {result['stats']}; audit chain {'ok' if result['chain_ok'] else 'BROKEN'} "
          f"({result['audit_entries']} entries)")
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["timings"].items()))
    big = sorted(result["rows"].items(), key=lambda kv: -kv[1])[:8]
    print("largest tables: " + ", ".join(f"{k} {v:,}" for k, v in big))
    return result


if __name__ == "__main__":
    main()
