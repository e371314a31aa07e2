"""A legality review's conclusion (合法性审查结论): the county 司法局's 合法 / 需修改, with its reasons."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from workflow.states import LEGALITY_CONCLUSIONS

from ..extensions import db
from .base import utcnow
from .org import Organisation, User, acted_by
from .revision import Revision


class LegalityConclusion(db.Model):
    """One per pass of review (submission) that reached legality review; written once, never changed."""

    __tablename__ = "legality_conclusion"
    __table_args__ = (
        UniqueConstraint("revision_id", "submission", name="uq_legality_conclusion_pass"),
        CheckConstraint("conclusion IN ('lawful', 'needs_change')", name="conclusion"),
        # 需修改 always says why
        CheckConstraint("conclusion = 'lawful' OR reasons <> ''", name="needs_change_has_reasons"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    submission: Mapped[int]  #: the pass of review it concluded
    round: Mapped[int]  #: the county round (for people)
    conclusion: Mapped[str] = mapped_column(String(20))  #: lawful (合法) | needs_change (需修改)
    reasons: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: the reviewer a deputy concluded for (None: in the reviewer's own name)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  #: the 司法局
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[Revision] = relationship(backref=backref(
        "legality_conclusions", order_by="LegalityConclusion.id", cascade="all, delete-orphan"))
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    organisation: Mapped[Organisation] = relationship()

    @property
    def label(self) -> str:
        return LEGALITY_CONCLUSIONS[self.conclusion]

    @property
    def acted_by(self) -> str:
        """The reviewer by name, 张三（代李四） when a deputy concluded."""
        return acted_by(self.reviewer.display_name, self.on_behalf_of.display_name if self.on_behalf_of else None)
