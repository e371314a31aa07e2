"""Benchmark of the history issue: storage per published version, diff time, audit chain verification.

    python bench/history_bench.py                       # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench python bench/history_bench.py

Prints its figures and the ratios against the goals. Nothing here is a test: it measures.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from dutylist.app import create_app  # noqa: E402
from dutylist.extensions import db  # noqa: E402
from dutylist.importers import text_list  # noqa: E402
from dutylist.items import CONTENT_KEYS  # noqa: E402
from dutylist.models import (  # noqa: E402
    AuditEvent,
    AuditHead,
    ChunkEntry,
    ContentDepartment,
    EntryChunk,
    Item,
    ItemContent,
    Version,
    VersionChunk,
)
from dutylist.services import diff, snapshot  # noqa: E402
from dutylist.services.audit import GENESIS, HASHED_FIELDS, canonical_json, entry_hash, verify_chain  # noqa: E402
from dutylist.services.import_list import import_list  # noqa: E402

SEED = Path(__file__).resolve().parent.parent / "sample_data" / "002_3c803f996c74d716.txt"  # 309 items
TABLES = (ItemContent, ContentDepartment, Item, EntryChunk, ChunkEntry, VersionChunk, Version)
ROW_OVERHEAD = 24  # a PostgreSQL tuple header; SQLite's is smaller: this does not flatter us


def value_bytes(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (dict, list)):
        return len(json.dumps(value, ensure_ascii=False).encode())
    if isinstance(value, (int, float)):
        return 8
    if isinstance(value, datetime):
        return 8
    return len(str(value).encode())


def table_bytes(model) -> tuple[int, int]:
    """(rows, logical bytes) of a table: column values plus a per-row header."""
    cols = model.__table__.columns
    rows = db.session.execute(select(*cols)).all()
    return len(rows), sum(ROW_OVERHEAD + sum(value_bytes(v) for v in row) for row in rows)


def storage() -> dict:
    return {m.__tablename__: table_bytes(m) for m in TABLES}


def full_copy_bytes(entries: list[dict]) -> int:
    """What a full-copy versioning would add: every item's text and its place, again."""
    total = 0
    for e in entries:
        total += ROW_OVERHEAD + sum(value_bytes(e[f]) for f in CONTENT_KEYS) + 3 * 8 + 64  # + ids, hash
        total += ROW_OVERHEAD + 5 * 8 + len(e["kind"])  # its entry row
    return total


def changed_copy(entries: list[dict], k: int, tag: str) -> list[snapshot.EntryData]:
    """The same list with k items' names changed (spread over the list)."""
    step = max(1, len(entries) // k)
    picked = set(range(0, step * k, step))
    out = []
    for i, e in enumerate(entries):
        fields = {f: e[f] for f in CONTENT_KEYS}
        if i in picked:
            fields["name"] = fields["name"] + f"（{tag}修订）"
        out.append(snapshot.EntryData(e["kind"], e["number"], fields, item_id=e["item_id"]))
    return out


def bench_storage(township) -> list[tuple]:
    rows = []
    for k in (1, 10, 100):
        current = snapshot.current_version(township.id)
        entries = snapshot.read_entries(current)
        before = storage()
        snapshot.publish_version(township, changed_copy(entries, k, f"k{k}"), source="revision")
        db.session.commit()
        after = storage()
        added_rows = sum(after[t][0] - before[t][0] for t in after)
        added = sum(after[t][1] - before[t][1] for t in after)
        full = full_copy_bytes(entries)
        rows.append((k, added_rows, added, full, full / added))
    return rows


def bench_diff(township) -> dict:
    versions = db.session.scalars(select(Version).where(Version.township_id == township.id)
                                  .order_by(Version.number)).all()
    a, b = versions[0], versions[-1]  # version 1 against the one with 100 changed items
    ea, eb = snapshot.read_entries(a), snapshot.read_entries(b)

    def timed(fn, n=30):
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)

    n_changed = len(diff.diff_entries(ea, eb))
    return {"items": (len(ea), len(eb)), "changed": n_changed,
            "diff_ms": timed(lambda: diff.diff_entries(ea, eb)),
            "load_and_diff_ms": timed(lambda: diff.diff_entries(snapshot.read_entries(a), snapshot.read_entries(b)))}


def fill_chain(n: int) -> None:
    """n audit entries, hashed exactly as record_event does, inserted in bulk."""
    db.session.execute(AuditEvent.__table__.delete())
    db.session.execute(AuditHead.__table__.delete())
    prev, batch = GENESIS, []
    base = datetime(2026, 1, 1)
    for seq in range(1, n + 1):
        fields = {f: None for f in HASHED_FIELDS}
        fields.update(seq=seq, created_at=base.replace(microsecond=seq % 1_000_000), action="item_edit",
                      outcome="ok", actor_id=seq % 50, actor_name=f"user{seq % 50}", organisation_id=1,
                      organisation_name="吉木萨尔县委编办", township_id=1, revision_id=seq // 100,
                      target=f"item:{seq}", round=1,
                      details_text=canonical_json({"name": f"事项{seq}", "reason": "修改表述"}))
        digest = entry_hash(prev, fields)
        batch.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
        if len(batch) == 5000:
            db.session.execute(insert(AuditEvent), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEvent), batch)
    db.session.add(AuditHead(id=1, seq=n, hash=prev))
    db.session.commit()


def bench_verify(n: int = 100_000) -> dict:
    fill_chain(n)
    times = []
    for _ in range(3):
        db.session.expire_all()
        t = time.perf_counter()
        result = verify_chain()
        times.append(time.perf_counter() - t)
        assert result.ok and result.checked == n, result
    return {"entries": n, "seconds": min(times)}


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        parsed = text_list.parse_file(SEED)
        version = import_list(parsed)
        db.session.commit()
        township = version.township
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"list: {township.name}, {sum(version.counts.values())} items\n")

        print("1. storage added by publishing a new version (goal: >= 50x less than a full copy for 1 change)")
        print(f"{'changed':>8} {'rows added':>11} {'bytes added':>12} {'full copy':>10} {'ratio':>8}")
        for k, rows_added, added, full, ratio in bench_storage(township):
            goal = "  (goal >= 50x: " + ("met" if ratio >= 50 else "MISSED") + ")" if k == 1 else ""
            print(f"{k:>8} {rows_added:>11} {added:>12,} {full:>10,} {ratio:>7.1f}x{goal}")

        d = bench_diff(township)
        print(f"\n2. diff of two {d['items'][0]}-item versions ({d['changed']} items differ), median of 30")
        print(f"   diff only:      {d['diff_ms']:.2f} ms   (goal < 20 ms: {'met' if d['diff_ms'] < 20 else 'MISSED'}; "
              f"{20 / d['diff_ms']:.1f}x under)")
        print(f"   load both + diff: {d['load_and_diff_ms']:.2f} ms")

        v = bench_verify()
        print(f"\n3. verify an audit chain of {v['entries']:,} entries: {v['seconds']:.2f} s "
              f"(goal < 2 s: {'met' if v['seconds'] < 2 else 'MISSED'}; {2 / v['seconds']:.1f}x under)")
        db.session.remove()
        db.drop_all()
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
