"""Deputies (代理): a reviewer names another user of the same organisation to act for them for a
period; the deputyship ends on its last day or when withdrawn. Who may be named, and whose work a
deputy does, is workflow.permissions' (deputy_refusal, principals, acting_for); this module writes."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid

from .. import clock
from ..extensions import db
from ..models import Delegation, User
from ..models.base import utcnow
from .audit import record_event

#: the longest period one deputyship may run (a longer absence: name the deputy again)
MAX_DAYS = 366


def period(starts_on: date | None = None, ends_on: date | None = None, days: int | None = None) -> tuple[date, date]:
    """(first day, last day) from dates or a number of days from today; Invalid in Chinese otherwise."""
    today = clock.today()
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise Invalid(f"代理天数须为 1 至 {MAX_DAYS} 的整数")
        return today, today + timedelta(days=days - 1)
    if starts_on is None or ends_on is None:
        raise Invalid("请填写代理的起止日期（或天数）")
    if starts_on < today:
        raise Invalid("代理的开始日期不能早于今天")
    if ends_on < starts_on:
        raise Invalid("代理的结束日期不能早于开始日期")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise Invalid(f"一次代理不能超过 {MAX_DAYS} 天")
    return starts_on, ends_on


def candidates(user: User) -> list[User]:
    """Who the user may name: the other active users of their organisation with the same role."""
    if not perm.can_name_deputy(user):
        return []
    return list(db.session.scalars(select(User).where(
        User.organisation_id == user.organisation_id, User.id != user.id, User.active.is_(True),
        User.role.in_([user.role])).order_by(User.username)))


def name_deputy(actor: User, deputy: User | None, starts_on: date, ends_on: date) -> Delegation:
    """The actor names a deputy for the period (both days included). Refused, nothing written: not a
    reviewer, a deputy of another organisation or role, oneself, or the same deputy already named for
    an overlapping period."""
    problem = perm.deputy_refusal(actor, deputy)
    if problem:
        raise (Forbidden if not perm.can_name_deputy(actor) else Invalid)(problem)
    for d in mine(actor):
        if d.deputy_id == deputy.id and d.withdrawn_at is None and d.starts_on <= ends_on and starts_on <= d.ends_on:
            raise Conflict(f"已指定{deputy.display_name}在 {d.starts_on} 至 {d.ends_on} 代理，与该期间重叠")
    delegation = Delegation(delegator=actor, deputy=deputy, organisation_id=actor.organisation_id,
                            starts_on=starts_on, ends_on=ends_on)
    db.session.add(delegation)
    db.session.flush()
    record_event("delegation_create", actor=actor, target=f"delegation:{delegation.id}",
                 details={"deputy": deputy.username, "starts_on": starts_on.isoformat(),
                          "ends_on": ends_on.isoformat()})
    return delegation


def withdraw(delegation: Delegation, actor: User) -> None:
    """The reviewer who named the deputy withdraws it (it ends now)."""
    if delegation.delegator_id != actor.id:
        raise Forbidden("只能撤回本人指定的代理")
    if delegation.withdrawn_at is not None:
        raise Conflict("该代理已撤回")
    if delegation.ends_on < clock.today():
        raise Conflict("该代理已到期")
    delegation.withdrawn_at = utcnow()
    record_event("delegation_withdraw", actor=actor, target=f"delegation:{delegation.id}",
                 details={"deputy": delegation.deputy.username})


def mine(user: User) -> list[Delegation]:
    """The deputyships the user named, newest first."""
    return list(db.session.scalars(select(Delegation).where(Delegation.delegator_id == user.id)
                                   .order_by(Delegation.id.desc())))


def state_label(delegation: Delegation, day: date | None = None) -> str:
    """生效中 / 未开始 / 已到期 / 已撤回."""
    day = day or clock.today()
    if delegation.withdrawn_at is not None:
        return "已撤回"
    if delegation.ends_on < day:
        return "已到期"
    if delegation.starts_on > day:
        return "未开始"
    return "生效中"
