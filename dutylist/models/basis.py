"""The library of legal bases (依据库): laws, regulations and documents that items cite.

Kept by the establishment offices (county, prefecture, region), readable by everyone signed in.
An item content cites bases in its `bases` column ([{basis_id, article, text}]); `ContentBasis`
links each stored content to the bases it cites, so "which items cite basis X" is one indexed join.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .org import Organisation, User


class BasisLevel(StrEnum):
    """The level of a basis (效力层级); the value is its Chinese label."""

    law = "法律"
    administrative_regulation = "行政法规"
    local_regulation = "地方性法规"
    department_rule = "部门规章"
    local_government_rule = "地方政府规章"
    normative_document = "规范性文件"
    party_regulation = "党内法规"


BASIS_LEVELS: tuple[str, ...] = tuple(level.value for level in BasisLevel)


class BasisStatus(StrEnum):
    in_force = "in_force"
    amended = "amended"
    repealed = "repealed"


BASIS_STATUS_LABELS = {BasisStatus.in_force: "现行有效", BasisStatus.amended: "已修订", BasisStatus.repealed: "已废止"}

_DOC_SPACES = re.compile(r"\s+")
_DOC_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕",
                               "(": "〔", ")": "〕", "（": "〔", "）": "〕", "﹝": "〔", "﹞": "〕"})


def doc_key(doc_number: str | None) -> str | None:
    """The normalised 文号 two bases may not share: spaces dropped, brackets made 〔〕, full-width digits
    made ASCII (国发[2020]5号 = 国发〔2020〕5号 = 国发（２０２０）５号). None for no 文号."""
    text = _DOC_SPACES.sub("", doc_number or "")
    if not text:
        return None
    text = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" else c for c in text)
    return text.translate(_DOC_BRACKETS)


class Basis(db.Model):
    """One law, regulation or document of the library."""

    __tablename__ = "legal_basis"
    __table_args__ = (UniqueConstraint("title", "issuer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str | None] = mapped_column(String(100))  #: 文号 as written
    #: the 文号 normalised (doc_key): unique when there is one (NULLs never collide)
    doc_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    issuer: Mapped[str] = mapped_column(String(200), default="")  #: 制定机关
    level: Mapped[str] = mapped_column(String(20))  #: a BasisLevel value
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    amended_on: Mapped[date | None] = mapped_column(Date)
    repealed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=BasisStatus.in_force,
                                        server_default=BasisStatus.in_force.value)
    status_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("legal_basis.id"))
    url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  #: the office that added it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    owner: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    replaced_by: Mapped[Basis | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        """How a citation names it: 《title》 (and its 文号 when it has one)."""
        return f"《{self.title}》" + (f"（{self.doc_number}）" if self.doc_number else "")

    @property
    def status_label(self) -> str:
        return BASIS_STATUS_LABELS.get(self.status, self.status)


class ContentBasis(db.Model):
    """A basis cited by a stored item content (filled when the content is stored; never changed)."""

    __tablename__ = "content_basis"
    __table_args__ = (Index("ix_content_basis_basis_id", "basis_id"),)

    content_id: Mapped[int] = mapped_column(ForeignKey("item_content.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    basis_id: Mapped[int] = mapped_column(ForeignKey("legal_basis.id"))
