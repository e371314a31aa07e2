"""Work that outlives a request, kept in the database so that any worker on any machine carries it on:
uploads awaiting confirmation with their import job, and mail waiting to be sent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ImportUpload(db.Model):
    """An uploaded list: its file and parsed form while it awaits confirmation, then its import job.

    state is None until the user confirms; then queued → running → done | error. A running job
    writes heartbeat_at as it goes: one whose heartbeat is older than a minute lost its worker."""

    __tablename__ = "import_upload"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  #: random, the only handle the client holds
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10))  #: new (a new township's version 1) | draft
    township_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    filename: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(100))
    columns: Mapped[dict] = mapped_column(JSON, default=dict)  #: the user's column choices {header key: role}
    parsed: Mapped[str | None] = mapped_column(Text)  #: the ParsedList as JSON; cleared once imported
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  #: the file, to read again with other columns
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    state: Mapped[str | None] = mapped_column(String(10))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=1)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None]


class OutboxMail(db.Model):
    """A mail to send, written in the transaction of what it tells (a rollback leaves none); the
    send-mail worker sends it, retrying with exponential backoff."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    message: Mapped[bytes] = mapped_column(LargeBinary)  #: the whole RFC 5322 message, as sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: a worker's claim: set before sending; another worker skips the mail until it expires
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  #: given up after MAX_ATTEMPTS
    last_error: Mapped[str | None] = mapped_column(Text)
