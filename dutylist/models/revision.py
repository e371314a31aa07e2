"""Revisions (修订稿) under review: the working copy, consultations, opinions and answers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.states import FINAL, OPEN, Status

from ..extensions import db
from .base import utcnow
from .dutylist import Item, ItemColumns, Version
from .org import Organisation, User, acted_by

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
    #: the version the draft's text started from (an older one, to revert)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    #: the township's current version when the draft began: what its changes are measured against
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    status: Mapped[str] = mapped_column(String(30), default=Status.drafting.value, index=True)
    #: the county's rounds (三上三下): the first submission and each one after the county returned it;
    #: a resubmission after the prefecture or region sent it back stays in its round
    round: Mapped[int] = mapped_column(default=0)
    #: 3 by default; raised by the county office with a written reason
    max_rounds: Mapped[int] = mapped_column(default=3)
    #: every submission (上) so far, whoever returned it before: each is one pass of review, and the
    #: opinions and consultations of a pass are keyed by it
    submissions: Mapped[int] = mapped_column(default=0)
    #: the level that last returned the draft: county | prefecture | region (None: never returned)
    returned_by: Mapped[str | None] = mapped_column(String(20))
    prefecture_send_backs: Mapped[int] = mapped_column(default=0)  #: 州退回 n 次
    region_send_backs: Mapped[int] = mapped_column(default=0)  #: 自治区退回 n 次
    #: why the county office consulted no department in the current pass (受理 without consultation)
    no_consultation_reason: Mapped[str | None] = mapped_column(Text)
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
    previous_version: Mapped[Version | None] = relationship(foreign_keys=[previous_version_id])
    published_version: Mapped[Version | None] = relationship(foreign_keys=[published_version_id])
    created_by: Mapped[User] = relationship()
    items: Mapped[list[DraftItem]] = relationship(
        back_populates="revision", order_by="DraftItem.position", cascade="all, delete-orphan")
    consultations: Mapped[list[Consultation]] = relationship(
        back_populates="revision", order_by="Consultation.id", cascade="all, delete-orphan")
    opinions: Mapped[list[Opinion]] = relationship(
        back_populates="revision", order_by="Opinion.id", cascade="all, delete-orphan")
    reasons: Mapped[list[ItemReason]] = relationship(
        back_populates="revision", order_by="ItemReason.id", cascade="all, delete-orphan")
    flags: Mapped[list[DraftFlag]] = relationship(
        back_populates="revision", order_by="DraftFlag.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return Status(self.status) not in FINAL

    @property
    def send_backs(self) -> dict[str, int]:
        """How often each higher level sent the draft back (not counted as county rounds)."""
        return {"prefecture": self.prefecture_send_backs, "region": self.region_send_backs}

    def reasons_of(self, item_id: int) -> list[str]:
        """Every 修改理由 the item was given in this revision, in order."""
        return [r.reason for r in self.reasons if r.item_id == item_id]

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
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    revision: Mapped[Revision] = relationship(back_populates="items")
    item: Mapped[Item] = relationship()


class Consultation(db.Model):
    """A county department asked for its opinion on a revision; what it did in each pass is a
    ConsultationRound (the row of the current pass is the department's state now)."""

    __tablename__ = "consultation"
    __table_args__ = (UniqueConstraint("revision_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="consultations")
    #: the user of the department it is assigned to (None: any of them); the county office reassigns it
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    department: Mapped[Organisation] = relationship(foreign_keys=[department_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    rounds: Mapped[list[ConsultationRound]] = relationship(
        back_populates="consultation", order_by="ConsultationRound.submission", cascade="all, delete-orphan")

    @property
    def current(self) -> ConsultationRound | None:
        """This pass's row (None: not asked in the current pass)."""
        n = self.revision.submissions
        return next((r for r in self.rounds if r.submission == n), None)

    @property
    def pending(self) -> bool:
        """Asked in the current pass and neither signed, carried, lapsed nor released."""
        current = self.current
        return current is not None and current.state == PENDING

    @property
    def deadline(self) -> date | None:
        current = self.current
        return current.deadline if current is not None else None

    def last_signed(self, before: int) -> ConsultationRound | None:
        """The department's last real sign-off (signed, or carried from one) in a pass before `before`."""
        rows = [r for r in self.rounds if r.submission < before and r.state in (SIGNED, CARRIED)]
        return rows[-1] if rows else None


#: a department's state in one pass
PENDING, SIGNED, CARRIED, LAPSED, RELEASED = "pending", "signed", "carried", "lapsed", "released"
CONSULTATION_STATES = {PENDING: "待签署", SIGNED: "已签署", CARRIED: "沿用前轮签署", LAPSED: "逾期未反馈，视为无意见",
                       RELEASED: "已撤回征求"}
VERDICTS = {"no_opinion": "无意见", "with_opinions": "有意见"}


class ConsultationRound(db.Model):
    """What one consulted department did in one pass of review (one submission)."""

    __tablename__ = "consultation_round"
    __table_args__ = (
        UniqueConstraint("consultation_id", "submission"),
        CheckConstraint("state IN ('pending','signed','carried','lapsed','released')", name="state"),
        CheckConstraint("verdict IS NULL OR verdict IN ('no_opinion','with_opinions')", name="verdict"),
        CheckConstraint("(state = 'signed') = (signed_at IS NOT NULL)", name="signed_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    submission: Mapped[int]  #: the pass (Revision.submissions when it was asked)
    round: Mapped[int]  #: the county round of that pass (for people)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    deadline: Mapped[date | None] = mapped_column(Date)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[str | None] = mapped_column(String(20))  #: no_opinion | with_opinions, when signed
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the reviewer a deputy signed for (None: signed in one's own name)
    signed_on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: what the sign-off covers: item id -> the change's form (see services.drafts.change_form)
    signed_items: Mapped[dict | None] = mapped_column(JSON)
    carried_from_round: Mapped[int | None]  #: the round of the sign-off that carries over
    carried_from_submission: Mapped[int | None]
    carried_items: Mapped[list | None] = mapped_column(JSON)  #: item ids whose sign-off carries over
    #: why the office released the department or recorded it as lapsed, who and when
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship(back_populates="rounds")
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    signed_on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[signed_on_behalf_of_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def signed_by_label(self) -> str:
        """Who signed: 张三, or 张三（代李四） when a deputy signed."""
        if self.signed_by is None:
            return ""
        return acted_by(self.signed_by.display_name,
                        self.signed_on_behalf_of.display_name if self.signed_on_behalf_of else None)

    @property
    def settled(self) -> bool:
        """Whether the county may decide without waiting for it."""
        return self.state != PENDING

    @property
    def label(self) -> str:
        if self.state == SIGNED:
            return f"已签署（{VERDICTS.get(self.verdict, '')}，第 {self.round} 轮）"
        if self.state == CARRIED:
            return f"沿用第 {self.carried_from_round} 轮签署"
        return CONSULTATION_STATES[self.state]


class Opinion(db.Model):
    """An opinion (意见) on one item or on the whole draft; the head of a thread."""

    __tablename__ = "opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    round: Mapped[int]  #: the county round (for people)
    submission: Mapped[int] = mapped_column(default=0)  #: the pass of review it was written in
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))  #: None: the whole draft
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: the reviewer a deputy wrote it for (None: in the author's own name)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    stage: Mapped[str] = mapped_column(String(20), default="county")  #: county | prefecture | region
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="opinions")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    organisation: Mapped[Organisation] = relationship()
    replies: Mapped[list[OpinionReply]] = relationship(
        back_populates="opinion", order_by="OpinionReply.id", cascade="all, delete-orphan")

    @property
    def acted_by(self) -> str:
        """The author by name, 张三（代李四） when a deputy wrote it."""
        return acted_by(self.author.display_name, self.on_behalf_of.display_name if self.on_behalf_of else None)

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
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    answer: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    opinion: Mapped[Opinion] = relationship(back_populates="replies")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    organisation: Mapped[Organisation] = relationship()

    @property
    def acted_by(self) -> str:
        """The author by name, 张三（代李四） when a deputy wrote it."""
        return acted_by(self.author.display_name, self.on_behalf_of.display_name if self.on_behalf_of else None)

    @property
    def answer_label(self) -> str | None:
        return ANSWERS.get(self.answer) if self.answer else None


class ItemReason(db.Model):
    """A 修改理由 given to an item of a revision: an item keeps every reason it was given, in order."""

    __tablename__ = "item_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    submission: Mapped[int] = mapped_column(default=0)  #: the pass it was written before
    action: Mapped[str] = mapped_column(String(20))  #: add | edit | move | delete | confirm
    reason: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="reasons")


class DraftFlag(db.Model):
    """Something about an item of a draft that must be resolved before submitting: the importer was
    unsure of it (OCR), say. Resolved by changing the item or by confirming it with a reason."""

    __tablename__ = "draft_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    source: Mapped[str] = mapped_column(String(20))  #: import | … (what raised it)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(20))  #: changed | confirmed | removed
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None]

    revision: Mapped[Revision] = relationship(back_populates="flags")

    @property
    def open(self) -> bool:
        return self.resolution is None


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
