"""A change of law reaching the lists (issue 14.3): an item of a township's current version that cites a
basis an office marked amended or repealed.

Rows are written in bulk when the status changes (one INSERT … SELECT through content_basis, chunk_entry
and version_chunk to each township's latest version), read by the impact list and the dashboard's count
per county, tied to the adjustment draft they were sent to, and cleared when the township publishes a
version that no longer needs them (the item was changed or its keeping was confirmed with a reason).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

#: what a flag says on the item, by the basis's new status
BASIS_FLAG_LABELS = {"amended": "依据已修订", "repealed": "依据已废止"}


class BasisFlag(db.Model):
    """Derived rows, written only by services.law_change from rows that exist: besides the basis, the ids
    carry no foreign keys (on PostgreSQL the eight more per-row checks cost ~1 s for 20,000 flags)."""

    __tablename__ = "basis_flag"
    __table_args__ = (
        # the impact list and the re-marking of a basis: its open flags
        Index("ix_basis_flag_basis_open", "basis_id", "cleared_at"),
        # the dashboard's count per county, and a township's open flags (publishing clears them)
        Index("ix_basis_flag_county_open", "county_id", "cleared_at"),
        Index("ix_basis_flag_township_open", "township_id", "cleared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basis_id: Mapped[int] = mapped_column(ForeignKey("legal_basis.id"))
    township_id: Mapped[int] = mapped_column()
    county_id: Mapped[int | None] = mapped_column()  #: the township's county, kept
    version_id: Mapped[int] = mapped_column()  #: the current version when flagged
    item_id: Mapped[int] = mapped_column()
    content_id: Mapped[int] = mapped_column()  #: the item's text when flagged
    kind: Mapped[str] = mapped_column(String(20))  #: the item's table in that version
    status: Mapped[str] = mapped_column(String(20))  #: amended | repealed (the basis's status that raised it)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column()
    #: the adjustment draft the flag was sent to (None: not yet)
    revision_id: Mapped[int | None] = mapped_column()
    cleared_at: Mapped[datetime | None]  #: a later version of the township dealt with it
    cleared_version_id: Mapped[int | None] = mapped_column()

    @property
    def label(self) -> str:
        return BASIS_FLAG_LABELS.get(self.status, self.status)
