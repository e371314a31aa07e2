"""What waits on a user: drafts to submit, drafts to take in, opinions to write or answer, approvals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflow import permissions as perm
from workflow.states import OPEN, Status

from ..extensions import db
from ..models import Consultation, Organisation, OrgKind, Revision


@dataclass
class Task:
    revision: Revision
    what: str  #: what the user is to do, in Chinese
    deadline: date | None = None

    @property
    def overdue_days(self) -> int:
        if self.deadline is None:
            return 0
        return max(0, (date.today() - self.deadline).days)


def _townships_under(user) -> list[int]:
    org = user.organisation
    if user.role == perm.DRAFTER:
        return [org.id]
    if user.role in (perm.OFFICE, perm.DEPARTMENT):
        county_ids = [org.parent_id]
    elif user.role == perm.PREFECTURE:
        county_ids = list(db.session.scalars(select(Organisation.id).where(Organisation.parent_id == org.id)))
    elif user.role == perm.REGION:
        prefs = select(Organisation.id).where(Organisation.parent_id == org.id)
        county_ids = list(db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(prefs))))
    else:
        return []
    return list(db.session.scalars(select(Organisation.id).where(
        Organisation.parent_id.in_(county_ids), Organisation.kind == OrgKind.township)))


def tasks_for(user) -> list[Task]:
    """The user's to-do list, oldest first."""
    townships = _townships_under(user)
    if not townships:
        return []
    revisions = db.session.scalars(select(Revision).where(
        Revision.township_id.in_(townships), Revision.status.in_([s.value for s in OPEN]))
        .order_by(Revision.updated_at)).all()
    tasks = []
    for rev in revisions:
        status = Status(rev.status)
        if user.role == perm.DRAFTER:
            if status == Status.drafting:
                tasks.append(Task(rev, "修订稿起草中，待上报"))
            elif status == Status.returned:
                n = sum(1 for o in rev.opinions if o.round == rev.round and o.answer is None)
                tasks.append(Task(rev, f"已退回：待答复意见 {n} 条并再次上报" if n else "已退回：待再次上报"))
        elif user.role == perm.OFFICE:
            if status == Status.submitted:
                tasks.append(Task(rev, f"第 {rev.round} 轮上报，待受理并征求部门意见"))
            elif status == Status.county_review:
                pending = [c for c in rev.consultations if c.pending]
                what = (f"征求意见中：{len(pending)} 个部门尚未签署" if pending
                        else "部门意见已齐，待退回或审核通过")
                tasks.append(Task(rev, what, rev.deadline))
            elif status == Status.county_approved:
                tasks.append(Task(rev, "县级已审核通过，待报送上级"))
        elif user.role == perm.DEPARTMENT and status == Status.county_review:
            c = db.session.scalar(select(Consultation).where(
                Consultation.revision_id == rev.id, Consultation.department_id == user.organisation_id))
            if c is not None and c.pending:
                tasks.append(Task(rev, f"第 {rev.round} 轮：待提出意见并签署", c.deadline))
        elif user.role == perm.PREFECTURE and status == Status.prefecture_review:
            tasks.append(Task(rev, "待州级审核"))
        elif user.role == perm.REGION and status == Status.region_review:
            tasks.append(Task(rev, "待自治区审核"))
    return tasks
