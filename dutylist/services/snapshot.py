"""Writing and reading immutable versions over content-addressed item contents."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import (KINDS, ContentDepartment, Item, ItemContent, Organisation, Version,
                      VersionItem)
from ..models.dutylist import CONTENT_FIELDS, content_hash
from . import departments as dept_registry


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
        self.fields = {f: self.fields.get(f) for f in CONTENT_FIELDS}
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


def named_departments(fields: dict) -> list[str]:
    names = list(fields.get("departments") or [])
    names += [r["department"] for r in fields.get("receiving") or [] if r.get("department")]
    seen, out = set(), []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _contents_for(township: Organisation, entries: list[EntryData]) -> dict[str, ItemContent]:
    """Existing contents by hash, creating the missing ones (each text stored once)."""
    hashes = {e.hash for e in entries}
    existing = {c.hash: c for c in db.session.scalars(
        select(ItemContent).where(ItemContent.township_id == township.id, ItemContent.hash.in_(hashes)))}
    county = township.county
    reg = dept_registry.registry(county) if county is not None else {}
    for e in entries:
        if e.hash in existing:
            continue
        content = ItemContent(township_id=township.id, hash=e.hash, **e.fields)
        for pos, name in enumerate(named_departments(e.fields)):
            org = dept_registry.resolve(county, name, reg) if county is not None else None
            content.department_links.append(ContentDepartment(position=pos, name=name, department=org))
        db.session.add(content)
        existing[e.hash] = content
    return existing


def publish_version(township: Organisation, entries: list[EntryData], *, source: str,
                    published_by=None, title: str = "", doc_date: str | None = None,
                    import_report: dict | None = None) -> Version:
    """Append a new version (n+1) to the township's history; flushes, the caller commits."""
    entries = ordered(entries)
    contents = _contents_for(township, entries)
    last = db.session.scalar(select(func.max(Version.number)).where(Version.township_id == township.id))
    version = Version(
        township_id=township.id, number=(last or 0) + 1, source=source, published_by=published_by,
        title=title, doc_date=doc_date, import_report=import_report,
        digest=version_digest((e.kind, e.number, e.hash) for e in entries))
    db.session.add(version)
    new_items = [Item(township_id=township.id) for e in entries if e.item_id is None]
    db.session.add_all(new_items)
    db.session.flush()
    fresh = iter(new_items)
    for pos, e in enumerate(entries):
        item_id = e.item_id if e.item_id is not None else next(fresh).id
        db.session.add(VersionItem(version_id=version.id, item_id=item_id, kind=e.kind, number=e.number,
                                   position=pos, content_id=contents[e.hash].id, flags=e.flags or None))
    db.session.flush()
    return version


def current_version(township_id: int) -> Version | None:
    return db.session.scalar(select(Version).where(Version.township_id == township_id)
                             .order_by(Version.number.desc()).limit(1))


def read_entries(version: Version) -> list[dict]:
    """The version's items in order, as plain dicts (what was published, field for field)."""
    rows = db.session.execute(
        select(VersionItem, ItemContent).join(ItemContent, VersionItem.content_id == ItemContent.id)
        .where(VersionItem.version_id == version.id).order_by(VersionItem.position)
    ).all()
    out = []
    for vi, content in rows:
        d = {"item_id": vi.item_id, "kind": vi.kind, "number": vi.number, "hash": content.hash,
             "flags": vi.flags or []}
        d.update(content.fields())
        out.append(d)
    return out


def tables(entries: list[dict]) -> dict[str, list[dict]]:
    """Entries grouped into the three tables."""
    grouped = {k: [] for k in KINDS}
    for e in entries:
        grouped[e["kind"]].append(e)
    return grouped
