"""Adjustment requests (调整申请): a township, or a county department for townships of its county, asks the
county office to change their lists (动态调整) or to let a new duty reach them (职责准入)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .org import Organisation, User

#: the two kinds of request, as people name them
REQUEST_TYPES = {"dynamic": "动态调整", "admission": "职责准入"}
#: the situation a request arises from (a fixed list)
SITUATIONS = ("法律法规立改废释", "机构职能调整", "上级部署新增任务", "乡镇申请", "其他")
SUBMITTED, ACCEPTED, REJECTED = "submitted", "accepted", "rejected"
REQUEST_STATUSES = {SUBMITTED: "待处理", ACCEPTED: "已同意", REJECTED: "不予同意"}
#: how the 准入 register names a decided admission request
ADMISSION_OUTCOMES = {SUBMITTED: "待审核", ACCEPTED: "准予准入", REJECTED: "不予准入"}
#: what a request asks for one item
REQUEST_ACTIONS = {"add": "新增", "change": "修改", "move": "调整所在清单", "remove": "删除"}


class AdjustmentRequest(db.Model):
    """One request; decided once by the county office (accept: drafts for its townships; reject: a reason)."""

    __tablename__ = "adjustment_request"
    __table_args__ = (
        CheckConstraint("type IN ('dynamic', 'admission')", name="type"),
        CheckConstraint("status IN ('submitted', 'accepted', 'rejected')", name="status"),
        # decided exactly when it is no longer submitted, by someone at some time
        CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="decided_when_not_submitted"),
        CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)", name="decided_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))  #: dynamic | admission
    situation: Mapped[str] = mapped_column(String(50))  #: one of SITUATIONS
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    #: the county whose office decides (every township concerned is in it)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: the requesting organisation: a township, or a county department
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the date the office is to decide by (REQUEST_DAYS working days of its type)
    due_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    county: Mapped[Organisation] = relationship(foreign_keys=[county_id])
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    townships: Mapped[list[RequestTownship]] = relationship(
        back_populates="request", order_by="RequestTownship.township_id", cascade="all, delete-orphan")
    items: Mapped[list[RequestItem]] = relationship(
        back_populates="request", order_by="RequestItem.position", cascade="all, delete-orphan")

    @property
    def type_label(self) -> str:
        return REQUEST_TYPES[self.type]

    @property
    def status_label(self) -> str:
        return (ADMISSION_OUTCOMES if self.type == "admission" else REQUEST_STATUSES)[self.status]

    @property
    def decided(self) -> bool:
        return self.status != SUBMITTED

    @property
    def township_names(self) -> str:
        return "、".join(t.township.name for t in self.townships)


class RequestTownship(db.Model):
    """A township a request concerns; once accepted, the draft its changes went into."""

    __tablename__ = "request_township"

    request_id: Mapped[int] = mapped_column(ForeignKey("adjustment_request.id"), primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"), index=True)

    request: Mapped[AdjustmentRequest] = relationship(back_populates="townships")
    township: Mapped[Organisation] = relationship()


class RequestItem(db.Model):
    """One change a request asks for: add an item, change or move (to another table) or remove one."""

    __tablename__ = "request_item"
    __table_args__ = (
        CheckConstraint("action IN ('add', 'change', 'move', 'remove')", name="action"),
        # an existing item is named for everything but adding
        CheckConstraint("(action = 'add') = (item_id IS NULL)", name="item_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("adjustment_request.id"), index=True)
    position: Mapped[int]
    action: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))  #: the table it is (or goes) to
    #: the item changed, moved or removed (its stable identity), and its township
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    #: how the item read when asked for (number and name), for people
    label: Mapped[str] = mapped_column(Text, default="")
    #: the item's fields (cleaned by the item schema); None for a removal
    fields: Mapped[dict | None] = mapped_column(JSON)

    request: Mapped[AdjustmentRequest] = relationship(back_populates="items")

    @property
    def action_label(self) -> str:
        return REQUEST_ACTIONS[self.action]


class ItemOrigin(db.Model):
    """The request an item entered a list through (an item added by an accepted request)."""

    __tablename__ = "item_origin"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("adjustment_request.id"), index=True)

    request: Mapped[AdjustmentRequest] = relationship()
