"""A filing (备案): a published version filed with a higher establishment office, which acknowledges it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .dutylist import Version
from .org import Organisation, User

#: the levels a version may be filed with (FILING_LEVELS), in order
FILING_LEVELS = ("prefecture", "region")
FILING_LEVEL_LABELS = {"prefecture": "州（市）编办", "region": "自治区（省）编办"}
#: a filing's state, as the register and the API name it
PENDING_STATUS, ACKNOWLEDGED_STATUS = "pending", "acknowledged"
FILING_STATUS_LABELS = {PENDING_STATUS: "待确认接收", ACKNOWLEDGED_STATUS: "已确认接收"}


class Filing(db.Model):
    """One published version filed with one office (the prefecture's or the region's); never deleted."""

    __tablename__ = "filing"
    __table_args__ = (
        UniqueConstraint("version_id", "level", name="uq_filing_version_level"),
        # acknowledged by someone exactly when acknowledged at some time
        CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)", name="acknowledged"),
        CheckConstraint("level IN ('prefecture', 'region')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: prefecture | region: which office it is filed with
    level: Mapped[str] = mapped_column(String(20))
    #: the organisation it is filed with (the prefecture or the region)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    version: Mapped[Version] = relationship()
    township: Mapped[Organisation] = relationship(foreign_keys=[township_id])
    office: Mapped[Organisation] = relationship(foreign_keys=[office_id])
    acknowledged_by: Mapped[User | None] = relationship()

    @property
    def status(self) -> str:
        return PENDING_STATUS if self.acknowledged_at is None else ACKNOWLEDGED_STATUS

    @property
    def status_label(self) -> str:
        return FILING_STATUS_LABELS[self.status]

    @property
    def level_label(self) -> str:
        return self.office.office_label if self.office is not None else FILING_LEVEL_LABELS[self.level]
