"""Revisions (修订稿) under review: the working copy, consultations, opinions and answers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.states import FINAL, OPEN, Status

from ..extensions import db
from .base import utcnow
from .dutylist import Item, ItemColumns, Version
from .org import Organisation, User

_FINAL_SQL = "status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in FINAL))


class Revision(db.Model):
    __tablename__ = "revision"
    __table_args__ = (
        # one open revision per township, enforced by the database (partial unique index)
        Index("uq_revision_open_township", "township_id", unique=True,
              postgresql_where=text(_FINAL_SQL), sqlite_where=text(_FINAL_SQL)),
        CheckConstraint("round >= 0", name="round_nonnegative"),
        CheckConstraint("(status = 'published') = (published_version_id IS NOT NULL)", name="published_has_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    status: Mapped[str] = mapped_column(String(30), default=Status.drafting.value, index=True)
    #: number of submissions (上) so far; round n is under review after the n-th submit
    round: Mapped[int] = mapped_column(default=0)
    #: 3 by default; raised by the county office with a written reason
    max_rounds: Mapped[int] = mapped_column(default=3)
    title: Mapped[str] = mapped_column(String(200), default="")
    deadline: Mapped[date | None] = mapped_column(Date)  #: for the departments' opinions
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    #: optimistic lock: every state change is UPDATE ... WHERE lock_version = <seen>
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    township: Mapped[Organisation] = relationship()
    base_version: Mapped[Version | None] = relationship(foreign_keys=[base_version_id])
    published_version: Mapped[Version | None] = relationship(foreign_keys=[published_version_id])
    created_by: Mapped[User] = relationship()
    items: Mapped[list[DraftItem]] = relationship(
        back_populates="revision", order_by="DraftItem.position", cascade="all, delete-orphan")
    consultations: Mapped[list[Consultation]] = relationship(
        back_populates="revision", order_by="Consultation.id", cascade="all, delete-orphan")
    opinions: Mapped[list[Opinion]] = relationship(
        back_populates="revision", order_by="Opinion.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return Status(self.status) not in FINAL

    @classmethod
    def is_open_clause(cls):
        """SQL: the revision is still open (at most one per township)."""
        return cls.status.in_([s.value for s in OPEN])

    @classmethod
    def open_of(cls, township_id: int) -> Revision | None:
        """The township's open revision, if it has one."""
        return db.session.scalar(select(cls).where(cls.township_id == township_id, cls.is_open_clause()))


class DraftItem(ItemColumns, db.Model):
    """One item of the working copy. Deleting marks it, so the removal and its reason stay visible."""

    __tablename__ = "draft_item"
    __table_args__ = (UniqueConstraint("revision_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))  #: the stable identity
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    position: Mapped[int]
    deleted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)  #: 修改理由 of the latest change
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    revision: Mapped[Revision] = relationship(back_populates="items")
    item: Mapped[Item] = relationship()


class Consultation(db.Model):
    """A county department asked for its opinion on a revision; signed off per round."""

    __tablename__ = "consultation"
    __table_args__ = (UniqueConstraint("revision_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_round: Mapped[int]  #: the round in which it was (last) asked
    deadline: Mapped[date | None] = mapped_column(Date)
    signed_off_round: Mapped[int | None]  #: the last round it signed off
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: item id -> content hash of the items it reviewed, as they were when it signed off
    signed_hashes: Mapped[dict | None] = mapped_column(JSON)

    revision: Mapped[Revision] = relationship(back_populates="consultations")
    department: Mapped[Organisation] = relationship(foreign_keys=[department_id])

    @property
    def pending(self) -> bool:
        """Asked in the current round and not signed off since (one not asked again is not waited on)."""
        return self.requested_round == self.revision.round and (
            self.signed_off_round is None or self.signed_off_round < self.requested_round)


class Opinion(db.Model):
    """An opinion (意见) on one item or on the whole draft; the head of a thread."""

    __tablename__ = "opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    round: Mapped[int]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))  #: None: the whole draft
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    stage: Mapped[str] = mapped_column(String(20), default="county")  #: county | prefecture | region
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="opinions")
    author: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    replies: Mapped[list[OpinionReply]] = relationship(
        back_populates="opinion", order_by="OpinionReply.id", cascade="all, delete-orphan")

    @property
    def answer(self) -> OpinionReply | None:
        """The township's latest answer (adopted / partly / not adopted)."""
        answers = [r for r in self.replies if r.answer]
        return answers[-1] if answers else None


ANSWERS = {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "不采纳"}


class OpinionReply(db.Model):
    """A reply in an opinion thread; the township's answer carries `answer`."""

    __tablename__ = "opinion_reply"
    __table_args__ = (
        CheckConstraint("answer IS NULL OR answer IN ('adopted','partly','not_adopted')", name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    answer: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    opinion: Mapped[Opinion] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def answer_label(self) -> str | None:
        return ANSWERS.get(self.answer) if self.answer else None


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored, and it can be revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
