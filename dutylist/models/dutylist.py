"""A township's duty list as immutable versions over content-addressed item contents.

An Item is the stable identity of one duty across versions. An ItemContent is one
immutable text of an item (category, name, departments, steps), stored once per
township under the hash of its canonical form. A Version lists (item, kind, number,
content) entries, so publishing a version that changes k items adds about k contents.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..items import CONTENT_KEYS
from .base import utcnow
from .org import Organisation, User


class ItemColumns:
    """An item's content columns (dutylist.items.FIELDS), shared by stored contents and draft items."""

    category: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(Text)
    departments_text: Mapped[str] = mapped_column(Text, default="")  #: 对应上级部门 as printed
    departments: Mapped[list] = mapped_column(JSON, default=list)  #: department names, in order
    dept_duties: Mapped[list] = mapped_column(JSON, default=list)  #: 上级部门职责, one step a line
    township_duties: Mapped[list] = mapped_column(JSON, default=list)  #: 乡镇配合职责
    receiving: Mapped[list] = mapped_column(JSON, default=list)  #: [{department, method}] 承接部门及工作方式
    remarks: Mapped[str] = mapped_column(Text, default="", server_default="")  #: 备注
    #: 依据: [{basis_id (a legal_basis id, or None for a pending citation), article, text}]
    bases: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    def fields(self) -> dict:
        return {f: getattr(self, f) for f in CONTENT_KEYS}


class Item(db.Model):
    """The identity of one duty of one township; kept by every version that carries it."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemContent(ItemColumns, db.Model):
    """One immutable text of an item, stored once per township by hash."""

    __tablename__ = "item_content"
    __table_args__ = (UniqueConstraint("township_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    hash: Mapped[str] = mapped_column(String(64))  #: sha256 of canonical_content()

    department_links: Mapped[list[ContentDepartment]] = relationship(
        order_by="ContentDepartment.position", cascade="all, delete-orphan")


class ContentDepartment(db.Model):
    """A department named by an item content, linked to the county's registry where resolved."""

    __tablename__ = "content_department"

    content_id: Mapped[int] = mapped_column(ForeignKey("item_content.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)

    department: Mapped[Organisation | None] = relationship()


class Version(db.Model):
    """A published, immutable version of a township's duty list (never updated in place).

    Its entries live in content-addressed chunks (git-like trees): a version is an ordered list
    of chunks, a chunk an ordered run of (item, kind, number, content) entries. Chunk boundaries
    depend on the items, not on positions, so a version that changes k items stores about k new
    contents and k new chunks, and shares every other chunk with the version before it.
    """

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("township_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: sha256 over the ordered (kind, number, content hash) entries; see snapshot.version_digest
    digest: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  #: items per table
    source: Mapped[str] = mapped_column(String(20))  #: import | revision
    title: Mapped[str] = mapped_column(String(200), default="")
    doc_date: Mapped[str | None] = mapped_column(String(20))  #: the date the document states
    #: the importer's report (warnings with source lines, per-item flags), for imported versions
    import_report: Mapped[dict | None] = mapped_column(JSON)

    township: Mapped[Organisation] = relationship()
    published_by: Mapped[User | None] = relationship()


class EntryChunk(db.Model):
    """An immutable run of version entries, stored once under the hash of its entries."""

    __tablename__ = "entry_chunk"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChunkEntry(db.Model):
    """One entry of a chunk: which item, in which table, with which content."""

    __tablename__ = "chunk_entry"
    #: the entries of a content with what a search reads of them (the index answers the search's join alone)
    __table_args__ = (Index("ix_chunk_entry_content_id", "content_id", "chunk_id", "pos", "item_id", "kind"),)

    chunk_id: Mapped[int] = mapped_column(ForeignKey("entry_chunk.id"), primary_key=True)
    pos: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: the printed number when it is not the item's place in its table (1, 2, 3...); NULL otherwise,
    #: so that inserting an item does not rewrite the entries of every item after it
    number: Mapped[int | None]
    content_id: Mapped[int] = mapped_column(ForeignKey("item_content.id"))


class VersionChunk(db.Model):
    """The ordered chunks of a version."""

    __tablename__ = "version_chunk"
    #: the versions a chunk is in, with its place in each (the index answers the search's join alone)
    __table_args__ = (Index("ix_version_chunk_chunk_id", "chunk_id", "version_id", "pos"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    pos: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("entry_chunk.id"))


class CurrentEntry(db.Model):
    """One entry of a township's current (latest) version, with where it stands: what a search of the current
    lists reads, one lookup per match (the chunks, their versions and "no later version" were four).

    Derived, never a source: snapshot.publish_version replaces a township's rows in the transaction that
    publishes its next version; snapshot.rebuild_current_entries (`flask search-reindex`) writes them all."""

    __tablename__ = "current_entry"
    #: the entries of a content with everything a hit needs (the index answers the search's join alone)
    __table_args__ = (Index("ix_current_entry_content_id", "content_id", "township_id", "version_id", "number",
                            "item_id", "kind", "chunk_pos", "entry_pos"),)

    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    chunk_pos: Mapped[int] = mapped_column(primary_key=True)  #: version_chunk.pos
    entry_pos: Mapped[int] = mapped_column(primary_key=True)  #: chunk_entry.pos
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    number: Mapped[int]  #: the version's number
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    kind: Mapped[str] = mapped_column(String(20))
    content_id: Mapped[int] = mapped_column(ForeignKey("item_content.id"))


class Category(db.Model):
    """The controlled vocabulary of 事项类别."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)
