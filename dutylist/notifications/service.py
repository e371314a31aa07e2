"""Who is told what, when a revision moves; deadline reminders. No request objects here.

`notify_for` receives dutylist.signals.revision_event, sent by workflow.operations right after the
audit entry is written, so the notifications are part of the same transaction as the event: a
rolled-back move leaves none.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from workflow import permissions as perm
from workflow.states import Status

from .. import clock
from ..extensions import db
from ..models import Consultation, ConsultationRound, Notification, Organisation, OrgKind, Revision, User
from ..models.base import utcnow
from ..services import departments as dept_registry
from ..services import drafts
from . import mail

STAGE_NAMES = {Status.prefecture_review.value: "州级", Status.region_review.value: "自治区"}
#: the audit actions that can notify someone; every other _log call returns at once
NOTIFYING = frozenset({"submit", "accept", "return_for_revision", "send_back", "approve", "escalate",
                       "pass_legality", "return_legality",
                       "publish", "sign_off", "consultation_add", "consultation_extend",
                       "consultation_reassign"})
NEAR_DAYS = 2


def revision_link(revision_id: int) -> str:
    return f"/revisions/{revision_id}"


def _users(role: str | None, *conditions) -> list[User]:
    """The active users of the role (None: any) matching the conditions (the one comparison of roles here)."""
    if role is not None:
        conditions = (User.role == role, *conditions)
    return list(db.session.scalars(select(User).join(Organisation, User.organisation_id == Organisation.id)
                                   .where(User.active.is_(True), *conditions).order_by(User.id)))


def users_in_role(role: str, revision: Revision) -> list[User]:
    """The active users of the role that has business with the revision: the township's drafters, the
    county office, the departments consulted and still to sign off, the prefecture's or the region's
    reviewers. The one place that picks recipients by role."""
    township = revision.township
    county = township.parent
    prefecture = county.parent if county is not None else None
    if role == perm.DRAFTER:
        return _users(role, User.organisation_id == township.id)
    if role == perm.OFFICE:
        return _users(role, Organisation.parent_id == county.id, Organisation.kind == OrgKind.office)
    if role == perm.DEPARTMENT:
        ids = [c.department_id for c in revision.consultations if c.pending]
        return _users(role, User.organisation_id.in_(ids)) if ids else []
    if role == perm.LEGAL:  # the county's 司法局 (a department of the county)
        return _users(role, Organisation.parent_id == county.id, Organisation.kind == OrgKind.department)
    org_id = {perm.PREFECTURE: getattr(prefecture, "id", None),
              perm.REGION: getattr(prefecture, "parent_id", None)}.get(role)
    return _users(role, User.organisation_id == org_id) if org_id else []


def users_with_role(role: str, *conditions) -> list[User]:
    """The active users of a role matching further conditions (the recipients of a request's news:
    dutylist.notifications.requests)."""
    return _users(role, *conditions)


def department_users(department_ids) -> list[User]:
    """The users of these departments (reminders of a deadline)."""
    ids = list(department_ids)
    return _users(perm.DEPARTMENT, User.organisation_id.in_(ids)) if ids else []


def _short(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def _what(event, revision: Revision) -> tuple[str, list[User], str] | None:
    """(kind, recipients, text) for an audit event of a revision, or None. A move notifies those the
    revision now waits on (workflow.permissions.waiting_on); publishing and sign-offs inform."""
    town, rnd = revision.township.name, revision.round
    details = event.details or {}
    reason = _short(details.get("reason"))
    action, to_state = event.action, event.to_state
    waiting = users_in_role(perm.waiting_on(revision), revision) if perm.waiting_on(revision) else []
    if action == "submit":
        return ("submitted", waiting, f"{town}修订稿第 {rnd} 轮已上报，待受理并征求部门意见")
    if action == "accept":
        deadline = f"，请于 {revision.deadline.isoformat()} 前提出意见并签署" if revision.deadline else "，请提出意见并签署"
        return ("opinion_requested", users_in_role(perm.DEPARTMENT, revision),
                f"{town}修订稿第 {rnd} 轮征求本部门意见{deadline}")
    if action in ("return_for_revision", "send_back"):
        who = STAGE_NAMES.get(event.from_state, "县委编办")
        return ("returned", waiting, f"{town}修订稿第 {rnd} 轮被{who}退回修改" + (f"：{reason}" if reason else ""))
    if action == "approve" and to_state == Status.legality_review.value:
        return ("legality_requested", waiting, f"{town}修订稿第 {rnd} 轮已经县委编办审核通过，待合法性审查")
    if action == "return_legality":
        # the township revises; the office, whose approval it was, is told too
        dept = event.organisation_name or "县司法局"
        return ("returned", waiting + users_in_role(perm.OFFICE, revision),
                f"{town}修订稿第 {rnd} 轮经{dept}合法性审查，结论为需修改，已退回乡镇修改" + (f"：{reason}" if reason else ""))
    if action == "pass_legality":
        dept = event.organisation_name or "县司法局"
        return ("legality_passed", waiting, f"{town}修订稿第 {rnd} 轮经{dept}合法性审查，结论为合法，待报送上级")
    if action in ("approve", "escalate") and to_state in STAGE_NAMES:
        return ("review_requested", waiting, f"{town}修订稿已报送{STAGE_NAMES[to_state]}审核，待审核")
    if action == "publish":
        number = details.get("version")
        users = users_in_role(perm.DRAFTER, revision) + users_in_role(perm.OFFICE, revision)
        return ("published", users, f"{town}履职事项清单第 {number} 版已审核通过并发布")
    if action in ("consultation_add", "consultation_extend"):
        dept_id = details.get("department_id")
        consultation = next((c for c in revision.consultations
                             if (dept_id and c.department_id == dept_id) or c.department.name == details.get("department")), None)
        users = users_in_role(perm.DEPARTMENT, revision)
        users = [u for u in users if consultation is not None and u.organisation_id == consultation.department_id]
        deadline = details.get("deadline")
        text = (f"{town}修订稿第 {rnd} 轮征求本部门意见，请于 {deadline} 前提出意见并签署" if action == "consultation_add"
                else f"{town}修订稿第 {rnd} 轮征求意见的截止日期已延长至 {deadline}")
        return ("opinion_requested", users, text)
    if action == "consultation_reassign" and details.get("to"):
        # the office gave a department's consultation to one of its reviewers: that person is told
        assignee = _users(None, User.username == details["to"])
        deadline = f"，请于 {revision.deadline.isoformat()} 前提出意见并签署" if revision.deadline else "，请提出意见并签署"
        return ("opinion_requested", assignee, f"县委编办将{town}修订稿第 {rnd} 轮征求{details.get('department') or '本部门'}意见的事项改派由您办理{deadline}")
    if action == "sign_off":
        left = sum(1 for c in revision.consultations if c.pending)
        dept = event.organisation_name or "部门"
        tail = f"尚有 {left} 个部门未签署" if left else "部门意见已齐，待退回或审核通过"
        return ("signed_off", users_in_role(perm.OFFICE, revision),
                f"{dept}已签署{town}修订稿第 {rnd} 轮意见（{tail}）")
    return None


def notify_for(event, revision: Revision) -> list[Notification]:
    """Create the notifications an audit event of a revision calls for (in the caller's transaction)."""
    if event.action not in NOTIFYING or event.outcome != "ok":
        return []
    what = _what(event, revision)
    if what is None:
        return []
    kind, users, text = what
    return _create(users, kind, text, revision.id, exclude=event.actor_id)


def notify_basis_adjustments(basis, actor, revisions) -> list[Notification]:
    """A changed basis sent to adjustment drafts (workflow.law.open_adjustments): each township's drafters,
    its county office and the departments its flagged items name are told, with the draft's link."""
    from_state = {"amended": "已修订", "repealed": "已废止"}.get(basis.status, "已变更")
    created = []
    for revision, new, item_ids in revisions:
        town = revision.township
        county = town.parent
        reg = dept_registry.registry(county) if county is not None else {}
        wanted = set(item_ids)
        dept_ids = set()
        for item in revision.items:
            if item.item_id in wanted and county is not None:
                dept_ids |= drafts.department_ids(item.fields(), county, reg)
        users = (users_in_role(perm.DRAFTER, revision) + users_in_role(perm.OFFICE, revision)
                 + department_users(dept_ids))
        where = "已发起调整稿" if new else "已加入正在进行的修订稿"
        text = (f"{town.name}有 {len(item_ids)} 项事项引用的{basis.label}{from_state}，{where}："
                "请逐项修改，或说明理由后确认保留")
        created += _create(users, "basis_changed", text, revision.id, exclude=actor.id)
    return created


# ------------------------------------------------------------------ tasks done ----
#: what a department is asked to do on a revision: give its opinion and sign off
DEPARTMENT_TASKS = ("opinion_requested", "deadline_near", "deadline_passed")
#: the notifications whose task belongs to a state: leaving the state ends them (the office accepted or
#: returned, the township submitted, the prefecture or region decided); "published" only informs
TASKS_OF_STATE = {
    Status.submitted.value: ("submitted",),  # 待受理 (the office accepts; or the township withdrew it)
    Status.county_review.value: ("signed_off", *DEPARTMENT_TASKS),  # the office decided: no one waits
    Status.legality_review.value: ("legality_requested",),  # 请审查: the 司法局 concluded
    Status.county_approved.value: ("legality_passed",),  # 合法，待报送上级: the office sent it on
    Status.returned.value: ("returned", "basis_changed"),  # 请答复意见、修改后再上报: the township submitted (or abandoned)
    # 依据变更: the adjustment draft was submitted (or abandoned)
    Status.drafting.value: ("basis_changed",),
    Status.prefecture_review.value: ("review_requested",),  # 请审核
    Status.region_review.value: ("review_requested",),
}
#: a department's own task ends when it signs off, or the office releases it or records it as lapsed
DEPARTMENT_DONE = frozenset({"sign_off", "consultation_release", "consultation_lapse"})


def settle_for(event, revision: Revision) -> int:
    """Mark done the notifications whose task the audited event completed (in the caller's
    transaction); how many. Runs before notify_for, so a move's new tasks are never marked."""
    if event.outcome != "ok" or revision.id is None:
        return 0
    if event.from_state and event.to_state and event.from_state != event.to_state:
        kinds = TASKS_OF_STATE.get(event.from_state)
        return mark_done(revision.id, kinds) if kinds else 0
    if event.action in DEPARTMENT_DONE and (event.target or "").startswith("consultation:"):
        consultation = db.session.get(Consultation, int(event.target.partition(":")[2]))
        if consultation is not None:
            return mark_done(revision.id, DEPARTMENT_TASKS, organisation_id=consultation.department_id)
    return 0


def mark_done(revision_id: int, kinds, organisation_id: int | None = None) -> int:
    """Set done_at (and read_at, if unread) on the open notifications of these kinds about the revision,
    for every recipient or those of one organisation. One UPDATE; the caller commits.

    The header's figure counts read_at IS NULL, so it drops with them; a per-user counter of unread
    notifications would be lowered here too (by the unread rows matched, grouped by user_id)."""
    now = utcnow()
    stmt = (update(Notification)
            .where(Notification.revision_id == revision_id, Notification.kind.in_(list(kinds)),
                   Notification.done_at.is_(None))
            .values(done_at=now, read_at=func.coalesce(Notification.read_at, now))
            .execution_options(synchronize_session=False))
    if organisation_id is not None:
        stmt = stmt.where(Notification.user_id.in_(select(User.id).where(User.organisation_id == organisation_id)))
    return db.session.execute(stmt).rowcount or 0


def _create(users, kind: str, text: str, revision_id: int | None, exclude=None, key=None) -> list[Notification]:
    seen, created = set(), []
    for user in users:
        if user.id == exclude or user.id in seen:
            continue
        seen.add(user.id)
        n = Notification(user_id=user.id, kind=kind, text=text, revision_id=revision_id,
                         link=revision_link(revision_id) if revision_id else None, dedupe_key=key)
        db.session.add(n)
        created.append(n)
        mail.queue(n, user)
    return created


# ------------------------------------------------------------------ reminders ----
def send_reminders(today: date | None = None, near_days: int = NEAR_DAYS) -> list[Notification]:
    """Remind the departments whose opinion is pending and due within `near_days` days or overdue.

    Idempotent: one reminder per consultation, round and kind (near / passed) and user, so a cron job
    can run it as often as it likes. The caller commits.
    """
    today = today or clock.today()
    horizon = today + timedelta(days=near_days)
    rows = db.session.execute(
        select(Consultation, ConsultationRound, Revision)
        .join(ConsultationRound, ConsultationRound.consultation_id == Consultation.id)
        .join(Revision, Consultation.revision_id == Revision.id)
        .where(Revision.status == Status.county_review.value, ConsultationRound.submission == Revision.submissions,
               ConsultationRound.state == "pending",
               ConsultationRound.deadline.is_not(None), ConsultationRound.deadline <= horizon)
        .order_by(Consultation.id)).all()
    if not rows:
        return []
    users_by_dept: dict[int, list[User]] = {}
    for user in department_users({c.department_id for c, _, _ in rows}):
        users_by_dept.setdefault(user.organisation_id, []).append(user)
    keys = {}
    for c, row, rev in rows:
        kind = "deadline_passed" if row.deadline < today else "deadline_near"
        keys[c.id] = (kind, f"reminder:{kind}:consultation:{c.id}:pass:{row.submission}:{row.deadline.isoformat()}")
    sent = set(db.session.execute(select(Notification.user_id, Notification.dedupe_key).where(
        Notification.dedupe_key.in_([k for _, k in keys.values()]))).all())
    created = []
    for c, row, rev in rows:
        kind, key = keys[c.id]
        users = [u for u in users_by_dept.get(c.department_id, []) if (u.id, key) not in sent]
        if not users:
            continue
        town = rev.township.name
        if kind == "deadline_passed":
            text = (f"{town}修订稿第 {rev.round} 轮征求意见已于 {row.deadline.isoformat()} 截止，"
                    f"已逾期 {(today - row.deadline).days} 天，本部门尚未签署")
        else:
            days = (row.deadline - today).days
            when = "今天" if days == 0 else f"{days} 天后（{row.deadline.isoformat()}）"
            text = f"{town}修订稿第 {rev.round} 轮征求意见将于{when}截止，本部门尚未签署"
        created += _create(users, kind, text, rev.id, key=key)
    db.session.flush()
    return created


# ------------------------------------------------------------------ reading ----
def unread_conditions(user_id) -> tuple:
    """What the header counts: the user's notifications not yet read. The one home of that rule (a
    notification marked done when its task is complete joins here)."""
    return (Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count_subquery(user_id):
    """The header's figure as a scalar subquery, so the user loader reads it in its own query
    (user_id may be a column: User.id)."""
    return select(func.count()).select_from(Notification).where(*unread_conditions(user_id)).scalar_subquery()


def unread_count(user_id: int) -> int:
    """The header's figure: one COUNT over the (user_id, read_at) index."""
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(*unread_conditions(user_id))) or 0
