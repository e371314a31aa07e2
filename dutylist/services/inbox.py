"""What waits on a user: drafts to submit, drafts to take in, opinions to write or answer, approvals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, select
from sqlalchemy.orm import joinedload, selectinload

from workflow import permissions as perm
from workflow.states import Status

from .. import clock
from ..extensions import db
from ..models import Consultation, Organisation, OrgKind, Revision
from . import drafts


@dataclass
class Task:
    revision: Revision
    what: str  #: what the user is to do, in Chinese
    deadline: date | None = None

    @property
    def overdue_days(self) -> int:
        if self.deadline is None:
            return 0
        return max(0, (clock.today() - self.deadline).days)


def townships_of(area: perm.Area | None):
    """The townships of an area (workflow.permissions.area_of), as a subquery to filter by (the ids are not
    fetched first: a region has thousands)."""
    if area is None:
        return select(Organisation.id).where(false())
    if area.level == "township":
        return select(Organisation.id).where(Organisation.id == area.org_id)
    towns = select(Organisation.id).where(Organisation.kind == OrgKind.township)
    if area.level == "all":
        return towns
    counties = {"county": select(Organisation.id).where(Organisation.id == area.org_id),
                "prefecture": select(Organisation.id).where(Organisation.parent_id == area.org_id),
                "region": select(Organisation.id).where(Organisation.parent_id.in_(
                    select(Organisation.id).where(Organisation.parent_id == area.org_id)))}[area.level]
    return towns.where(Organisation.parent_id.in_(counties))


def township_ids(area: perm.Area | None) -> list[int]:
    """The townships of an area (workflow.permissions.area_of)."""
    return list(db.session.scalars(townships_of(area)))


def _task(user, rev: Revision) -> Task:
    status = Status(rev.status)
    if status == Status.drafting:
        return Task(rev, "修订稿起草中，待上报")
    if status == Status.returned:
        n = len(drafts.unanswered_opinions(rev))  # what submitting asks for: this pass's opinions
        who = "合法性审查退回" if rev.returned_by == "legality" else "已退回"
        return Task(rev, f"{who}：待答复意见 {n} 条并再次上报" if n else f"{who}：待再次上报")
    if status == Status.submitted:
        return Task(rev, f"第 {rev.round} 轮上报，待受理并征求部门意见")
    if status == Status.county_review:
        own = perm.consultation_of(user, rev)
        if own is not None:
            return Task(rev, f"第 {rev.round} 轮：待提出意见并签署", own.deadline)
        pending = [c for c in rev.consultations if c.pending]
        what = f"征求意见中：{len(pending)} 个部门尚未签署" if pending else "部门意见已齐，待退回或审核通过"
        return Task(rev, what, rev.deadline)
    if status == Status.legality_review:
        return Task(rev, f"第 {rev.round} 轮：县委编办已审核通过，待合法性审查（合法 / 需修改）")
    if status == Status.county_approved:
        return Task(rev, "县级已审核通过，待报送上级")
    return Task(rev, {Status.prefecture_review: "待州级审核", Status.region_review: "待自治区审核"}[status])


def tasks_for(user) -> list[Task]:
    """The user's to-do list, oldest first (workflow.permissions.waits_on_user decides)."""
    area = perm.area_of(user)
    if area is None or area.level == "all":  # the administrator acts in no review
        return []
    townships = townships_of(area)
    # what the permission checks and the page read of each revision, loaded with it (not one query each)
    up = joinedload(Revision.township).joinedload(Organisation.parent)
    revisions = db.session.scalars(select(Revision).where(Revision.township_id.in_(townships), Revision.is_open_clause())
                                   .options(up.joinedload(Organisation.parent).joinedload(Organisation.parent),
                                            selectinload(Revision.consultations).selectinload(Consultation.rounds))
                                   .order_by(Revision.updated_at)).all()
    return [_task(user, rev) for rev in revisions if perm.waits_on_user(user, rev)]
