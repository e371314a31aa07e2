"""The append-only audit log (操作留痕): a hash chain, appended only through services.audit."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    #: the sign-in rate limit counts recent failures of one action
    __table_args__ = (Index("ix_audit_event_action_created_at", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  #: position in the chain, from 1
    created_at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(50), index=True)  #: e.g. login, login_failed, item_edit, submit
    outcome: Mapped[str] = mapped_column(String(20), default="ok")  #: ok | denied | failed
    #: who: copied as text too, so the entry still says who after a user is renamed
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str | None] = mapped_column(String(80))
    #: the reviewer a deputy acted for (代理), id and username; None: in the actor's own name
    on_behalf_of_id: Mapped[int | None] = mapped_column(index=True)
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(80))
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(100))
    township_id: Mapped[int | None] = mapped_column(index=True)
    revision_id: Mapped[int | None] = mapped_column(index=True)
    target: Mapped[str | None] = mapped_column(String(100))  #: e.g. item:12, version:3
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    round: Mapped[int | None]
    #: what changed: canonical JSON text (sorted keys, compact), hashed as stored
    details_text: Mapped[str | None] = mapped_column("details", Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def acted_by(self) -> str:
        """张三, or 张三（代李四） when a deputy acted."""
        if self.on_behalf_of_name:
            return f"{self.actor_name or ''}（代{self.on_behalf_of_name}）"
        return self.actor_name or ""

    @property
    def details(self) -> dict | None:
        return json.loads(self.details_text) if self.details_text else None


class AuditHead(db.Model):
    """One row: the chain's last seq and hash. Updating it first serializes appenders."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(Text, default="0" * 64)


class SignInAttempt(db.Model):
    """A sign-in whose password is being checked (services: dutylist.ratelimit). Committed before the
    check and deleted in the transaction that writes the attempt's audit entry, so that at every moment
    an attempt is counted either here (in flight) or in the audit log (done): concurrent attempts on
    any worker see each other, and no more than the limit of passwords are ever checked. A row left by a
    worker that died counts as a failure until the window passes."""
    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
