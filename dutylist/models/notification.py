"""An in-app notification: something now waits on a user (or happened to their draft)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

#: kind -> label shown in the list
NOTIFICATION_LABELS = {
    "submitted": "待受理", "opinion_requested": "征求意见", "returned": "退回修改",
    "review_requested": "待审核", "signed_off": "部门签署", "published": "已发布",
    "deadline_near": "截止将至", "deadline_passed": "已逾期",
    "legality_requested": "待合法性审查", "legality_passed": "合法性审查通过",
    "request_submitted": "调整申请", "request_decided": "申请结果", "request_draft": "按申请修订",
    "basis_changed": "依据变更",
}


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        # the header's unread count is COUNT(*) WHERE user_id = ? AND read_at IS NULL
        Index("ix_notification_user_read", "user_id", "read_at"),
        # reminders are idempotent: one per (user, key); NULL keys (event notifications) never collide
        UniqueConstraint("user_id", "dedupe_key", name="uq_notification_user_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(30))  #: see NOTIFICATION_LABELS
    text: Mapped[str] = mapped_column(Text)
    #: an app path such as /revisions/12 (the template prefixes the script root)
    link: Mapped[str | None] = mapped_column(String(300))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"), index=True)
    #: e.g. reminder:deadline_near:consultation:7:round:2 — set only where repeats must not happen
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    #: when the task it announced was done (the office acted, the department signed, the township
    #: submitted…): set by dutylist.notifications.service.settle_for, which also sets read_at, so the
    #: header's unread figure drops with it
    done_at: Mapped[datetime | None]

    @property
    def kind_label(self) -> str:
        return NOTIFICATION_LABELS.get(self.kind, self.kind)
