"""Writing and reading immutable versions over content-addressed item contents."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import JSON, Text, bindparam, cast, delete, exists, func, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import set_committed_value

from .. import signals
from ..extensions import db
from ..items import CONTENT_KEYS, KINDS, cited_bases, content_hash, empty_fields, named_departments
from ..models import (
    ChunkEntry,
    ContentBasis,
    ContentDepartment,
    CurrentEntry,
    EntryChunk,
    Item,
    ItemContent,
    Organisation,
    Version,
    VersionChunk,
)
from ..models.base import utcnow
from . import departments as dept_registry
from . import prepared
from .bulk import insert_returning_ids, insert_rows


@dataclass
class EntryData:
    """One item of a list to be published: identity (None for a new item), place, content."""

    kind: str
    number: int
    fields: dict
    item_id: int | None = None
    flags: list | None = None
    hash: str = field(init=False, default="")

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        empty = empty_fields()
        self.fields = {f: empty[f] if self.fields.get(f) is None else self.fields[f] for f in CONTENT_KEYS}
        self.hash = content_hash(self.fields)


def ordered(entries):
    """Entries in official order: table by table, then by number (stable)."""
    return sorted(entries, key=lambda e: KINDS.index(e.kind))


def version_digest(rows) -> str:
    """sha256 over the ordered (kind, number, content hash) lines: independent of database ids."""
    h = hashlib.sha256()
    for kind, number, chash in rows:
        h.update(f"{kind}\t{number}\t{chash}\n".encode())
    return h.hexdigest()


@dataclass
class StoredContent:
    """An item content just written in bulk: what the search index reads of it."""

    id: int
    hash: str
    values: dict

    def fields(self) -> dict:
        return dict(self.values)


def _contents_for(township: Organisation, entries: list[EntryData]) -> tuple[dict[str, int], list[StoredContent]]:
    """Content ids by hash: the township's existing ones, and the missing ones written now (each text
    stored once), in two executemany (contents, their department links); also the new contents."""
    hashes = {e.hash for e in entries}
    ids = dict(db.session.execute(select(ItemContent.hash, ItemContent.id).where(
        ItemContent.township_id == township.id, ItemContent.hash.in_(hashes))).all())
    fresh: dict[str, dict] = {}
    for e in entries:
        if e.hash not in ids:
            fresh.setdefault(e.hash, e.fields)
    if not fresh:
        return ids, []
    new_ids = insert_returning_ids(ItemContent.__table__, [{"township_id": township.id, "hash": chash, **fields}
                                                           for chash, fields in fresh.items()])
    county = township.county
    reg = dept_registry.registry(county) if county is not None else {}
    links, cites, stored = [], [], []
    for content_id, (chash, fields) in zip(new_ids, fresh.items()):
        ids[chash] = content_id
        stored.append(StoredContent(content_id, chash, fields))
        for pos, name in enumerate(named_departments(fields)):
            org = dept_registry.resolve(county, name, reg) if county is not None else None
            links.append({"content_id": content_id, "position": pos, "name": name,
                          "department_id": getattr(org, "id", None)})
        cites += [{"content_id": content_id, "position": pos, "basis_id": basis_id}
                  for pos, basis_id in enumerate(cited_bases(fields))]
    insert_rows(ContentDepartment.__table__, links)
    insert_rows(ContentBasis.__table__, cites)
    return ids, stored


#: about one chunk boundary in CHUNK_SPREAD entries; chunks never exceed CHUNK_MAX entries
CHUNK_SPREAD, CHUNK_MAX = 16, 64


def _ends_chunk(item_id: int) -> bool:
    """Content-defined boundary: decided by the item, so an insert only touches its own chunk."""
    return (item_id * 2654435761) % 2**32 % CHUNK_SPREAD == 0


def _chunks(rows: list[tuple]) -> list[list[tuple]]:
    out, current = [], []
    for row in rows:
        current.append(row)
        if _ends_chunk(row[0]) or len(current) >= CHUNK_MAX:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _chunk_hash(rows: list[tuple]) -> str:
    h = hashlib.sha256()
    for item_id, kind, number, chash, _ in rows:
        h.update(f"{item_id}\t{kind}\t{'' if number is None else number}\t{chash}\n".encode())
    return h.hexdigest()


def _natural_numbers(kinds: list[str]) -> list[int]:
    """1, 2, 3... within each table, in list order."""
    seen: dict[str, int] = {}
    out = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        out.append(seen[kind])
    return out


def publish_version(township: Organisation, entries: list[EntryData], *, source: str,
                    published_by=None, title: str = "", doc_date: str | None = None,
                    import_report: dict | None = None) -> Version:
    """Append a new version (n+1) to the township's history; flushes, the caller commits."""
    entries = ordered(entries)
    content_ids, stored = _contents_for(township, entries)
    signals.contents_stored.send(township, contents=stored)  # the search index subscribes
    missing = sum(1 for e in entries if e.item_id is None)
    fresh = iter(())
    if missing:
        fresh = iter(insert_returning_ids(Item.__table__, [{"township_id": township.id, "created_at": utcnow()}] * missing))
    item_ids = [e.item_id if e.item_id is not None else next(fresh) for e in entries]
    naturals = _natural_numbers([e.kind for e in entries])
    rows = [(item_id, e.kind, None if e.number == nat else e.number, e.hash, content_ids[e.hash])
            for item_id, e, nat in zip(item_ids, entries, naturals)]
    chunks = [(rows_, _chunk_hash(rows_)) for rows_ in _chunks(rows)]
    known = dict(db.session.execute(select(EntryChunk.hash, EntryChunk.id).where(
        EntryChunk.hash.in_({h for _, h in chunks}))).all())
    # the new chunks and their entries in two executemany (a 1,500-item import makes ~100 chunks)
    fresh_chunks: dict[str, list[tuple]] = {}
    for rows_, chash in chunks:
        if chash not in known:
            fresh_chunks.setdefault(chash, rows_)
    if fresh_chunks:
        ids = insert_returning_ids(EntryChunk.__table__, [{"hash": chash} for chash in fresh_chunks])
        known.update(zip(fresh_chunks, ids))
        insert_rows(ChunkEntry.__table__, [
            {"chunk_id": known[chash], "pos": pos, "item_id": item_id, "kind": kind, "number": number,
             "content_id": content_id}
            for chash, rows_ in fresh_chunks.items()
            for pos, (item_id, kind, number, _, content_id) in enumerate(rows_)])
    flags = {str(item_id): e.flags for item_id, e in zip(item_ids, entries) if e.flags}
    if flags:
        import_report = {**(import_report or {}), "item_flags": flags}
    last = db.session.scalar(select(func.max(Version.number)).where(Version.township_id == township.id))
    counts = {k: 0 for k in KINDS}
    for e in entries:
        counts[e.kind] += 1
    version = Version(
        township_id=township.id, number=(last or 0) + 1, source=source, published_by=published_by,
        title=title, doc_date=doc_date, import_report=import_report, counts=counts,
        digest=version_digest((e.kind, e.number, e.hash) for e in entries))
    db.session.add(version)
    db.session.flush()
    insert_rows(VersionChunk.__table__, [{"version_id": version.id, "pos": pos, "chunk_id": known[chash]}
                                         for pos, (_, chash) in enumerate(chunks)])
    rebuild_current_entries([township.id])
    return version


#: CurrentEntry's columns, in the order _current_rows selects them
_CURRENT_COLUMNS = ("township_id", "chunk_pos", "entry_pos", "version_id", "number", "item_id", "kind", "content_id")


def _current_rows():
    """A SELECT of the CurrentEntry rows of every township: the entries of the versions with no later one."""
    later = Version.__table__.alias("later")
    return (select(Version.township_id, VersionChunk.pos, ChunkEntry.pos, Version.id, Version.number,
                   ChunkEntry.item_id, ChunkEntry.kind, ChunkEntry.content_id)
            .join(VersionChunk, VersionChunk.version_id == Version.id)
            .join(ChunkEntry, ChunkEntry.chunk_id == VersionChunk.chunk_id)
            .where(~exists().where(later.c.township_id == Version.township_id, later.c.number > Version.number)))


def current_entries_insert(township_ids: list[int] | None = None):
    """The INSERT of the CurrentEntry rows of these townships (None: of all), from their current versions."""
    rows = _current_rows()
    if township_ids is not None:
        rows = rows.where(Version.township_id.in_(township_ids))
    return insert(CurrentEntry).from_select(list(_CURRENT_COLUMNS), rows)


def rebuild_current_entries(township_ids: list[int] | None = None) -> None:
    """Write the CurrentEntry rows of these townships (None: of all) from their current versions, replacing
    theirs: in the transaction that publishes a version, so a search never sees a half-written list."""
    gone = delete(CurrentEntry)
    if township_ids is not None:
        gone = gone.where(CurrentEntry.township_id.in_(township_ids))
    db.session.execute(gone)
    db.session.execute(current_entries_insert(township_ids))


def current_version(township_id: int) -> Version | None:
    return db.session.scalar(select(Version).where(Version.township_id == township_id)
                             .order_by(Version.number.desc()).limit(1))


def _entries_query(version, *columns):
    """The entries of a version (a Version, or a bound parameter standing for its id), in list order."""
    version_id = version.id if isinstance(version, Version) else version
    return (select(ChunkEntry.item_id, ChunkEntry.kind, ChunkEntry.number, ItemContent.hash, *columns)
            .join(VersionChunk, VersionChunk.chunk_id == ChunkEntry.chunk_id)
            .join(ItemContent, ChunkEntry.content_id == ItemContent.id)
            .where(VersionChunk.version_id == version_id)
            .order_by(VersionChunk.pos, ChunkEntry.pos))


def _entry_dicts(version: Version, rows, keys: tuple[str, ...], json_keys: tuple[str, ...] = ()) -> list[dict]:
    """Rows of _entries_query as dicts named by `keys` (item_id, kind, number, hash, then the extra columns),
    each in one pass: its number (the stored one, else its place in its table), its import flags, and the
    JSON columns named by `json_keys` decoded from their text."""
    flags = (import_report_of(version) or {}).get("item_flags") or {}
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        d = dict(zip(keys, row))
        kind = d["kind"]
        seen[kind] = natural = seen.get(kind, 0) + 1
        if d["number"] is None:
            d["number"] = natural
        for key in json_keys:
            text = d[key]
            if text is not None:
                d[key] = [] if text == "[]" else decode_json(text)
        d["flags"] = flags.get(str(d["item_id"]), []) if flags else []
        out.append(d)
    return out


#: the content columns as read_entries (and the search's hits) select them: the JSON ones as their text,
#: decoded by decode_json when read (psycopg would decode every one of them, read or not)
JSON_KEYS = frozenset(f for f in CONTENT_KEYS if isinstance(getattr(ItemContent, f).type, JSON))
CONTENT_COLUMNS_AS_TEXT = tuple(cast(getattr(ItemContent, f), Text).label(f) if f in JSON_KEYS else getattr(ItemContent, f)
                                for f in CONTENT_KEYS)


_scan = json.JSONDecoder().scan_once  # the C scanner json.loads runs, without its two regex passes


def decode_json(text: str | None):
    """A JSON column's text as its value; most are an empty list, which needs no parser."""
    if text is None:
        return None
    if text == "[]":
        return []
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)  # leading or trailing blanks: the full parser


#: the keys of _entries_query's first four columns; then read_entries' keys, in the order of its columns
_HEAD_KEYS = ("item_id", "kind", "number", "hash")
_ENTRY_KEYS = (*_HEAD_KEYS, *CONTENT_KEYS)
_JSON_COLUMN_KEYS = tuple(f for f in CONTENT_KEYS if f in JSON_KEYS)


def import_report_of(version: Version) -> dict | None:
    """The version's import report, read (when a query deferred it) by a statement compiled once rather
    than the ORM's load of a deferred column, and kept on the object for the page that shows it."""
    if "import_report" in sa_inspect(version).unloaded:
        rows = prepared.fetch(("snapshot.import_report",),
                              lambda: select(Version.import_report).where(Version.id == bindparam("version_id")),
                              {"version_id": version.id})
        set_committed_value(version, "import_report", rows[0][0] if rows else None)
    return version.import_report


def _read_entries_statement():
    return _entries_query(bindparam("version_id"), *CONTENT_COLUMNS_AS_TEXT)


def read_entries(version: Version) -> list[dict]:
    """The version's items in order, as plain dicts (what was published, field for field)."""
    # plain driver rows of a statement compiled once (services.prepared), not ItemContent entities, and the
    # JSON columns (five per item, most of them empty lists) as text decoded here rather than by the type's
    # processor: a 309-item list in ~1.5 ms, not ~6
    rows = prepared.fetch(("snapshot.read_entries",), _read_entries_statement, {"version_id": version.id},
                          convert=False)
    return _entry_dicts(version, rows, _ENTRY_KEYS, _JSON_COLUMN_KEYS)


def read_index(version: Version) -> list[dict]:
    """read_entries without the texts: item_id, kind, number, hash, flags and content_id (cheap)."""
    rows = db.session.execute(_entries_query(version, ChunkEntry.content_id)).all()
    return _entry_dicts(version, rows, (*_HEAD_KEYS, "content_id"))


def content_fields(content_ids) -> dict[int, dict]:
    """content id -> its fields (CONTENT_KEYS order), for the given contents."""
    ids, out = sorted(set(content_ids)), {}
    columns = [getattr(ItemContent, f) for f in CONTENT_KEYS]
    for start in range(0, len(ids), 900):
        for row in db.session.execute(select(ItemContent.id, *columns).where(ItemContent.id.in_(ids[start:start + 900]))):
            out[row[0]] = dict(zip(CONTENT_KEYS, row[1:]))
    return out


def tables(entries: list[dict]) -> dict[str, list[dict]]:
    """Entries grouped into the three tables."""
    grouped = {k: [] for k in KINDS}
    for e in entries:
        grouped[e["kind"]].append(e)
    return grouped
