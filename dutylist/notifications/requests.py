"""Who is told what about an adjustment request (调整申请): the county office when one arrives, the requester
when it is decided, and the townships concerned when it is accepted (their draft now holds its changes).
Subscribed to dutylist.signals.request_event: same transaction as the request's audit entry."""
from __future__ import annotations

from sqlalchemy import func, update

from workflow import permissions as perm

from ..extensions import db
from ..models import AdjustmentRequest, Notification, Organisation, OrgKind, User
from ..models.base import utcnow
from . import mail
from .service import users_with_role


def request_link(request_id: int) -> str:
    return f"/requests/{request_id}"


def _office(request: AdjustmentRequest) -> list[User]:
    return users_with_role(perm.OFFICE, Organisation.parent_id == request.county_id,
                           Organisation.kind == OrgKind.office)


def _requesters(request: AdjustmentRequest) -> list[User]:
    """The requesting organisation's users of the requester's role (the requester first)."""
    return users_with_role(request.requested_by.role, User.organisation_id == request.organisation_id)


def _drafters(request: AdjustmentRequest) -> list[User]:
    ids = [t.township_id for t in request.townships]
    return users_with_role(perm.DRAFTER, User.organisation_id.in_(ids))


def notify_for(event, request: AdjustmentRequest) -> list[Notification]:
    """The notifications a request's audit entry calls for (in the caller's transaction)."""
    if event.outcome != "ok":
        return []
    who = request.organisation.name
    what = f"{request.type_label}申请 #{request.id}（{request.township_names}）"
    reason = (request.decision_reason or "").strip()
    if event.action == "request_submit":
        return _create(_office(request), "request_submitted",
                       f"{who}提出{what}，请于 {request.due_on.isoformat()} 前处理", request, event.actor_id)
    if event.action in ("request_accept", "request_reject"):
        _settle(request)  # the office's task is done: its notification leaves the header's count
    if event.action == "request_accept":
        out = _create(_requesters(request), "request_decided", f"县委编办已同意{what}，修改已纳入乡镇修订稿",
                      request, event.actor_id)
        return out + _create(_drafters(request), "request_draft",
                             f"县委编办已同意{who}提出的{what}，修改已纳入本乡镇修订稿，请完善后上报", request,
                             event.actor_id)
    if event.action == "request_reject":
        return _create(_requesters(request), "request_decided",
                       f"县委编办不予同意{what}" + (f"：{reason[:80]}" if reason else ""), request, event.actor_id)
    return []


def _settle(request: AdjustmentRequest) -> int:
    """Mark done (and read) the county office's 待处理 notifications of a decided request."""
    now = utcnow()
    return db.session.execute(
        update(Notification).where(Notification.link == request_link(request.id), Notification.kind == "request_submitted",
                                   Notification.done_at.is_(None))
        .values(done_at=now, read_at=func.coalesce(Notification.read_at, now))
        .execution_options(synchronize_session=False)).rowcount or 0


def _create(users, kind: str, text: str, request: AdjustmentRequest, exclude=None) -> list[Notification]:
    seen, created = set(), []
    for user in users:
        if user.id == exclude or user.id in seen:
            continue
        seen.add(user.id)
        n = Notification(user_id=user.id, kind=kind, text=text, link=request_link(request.id))
        db.session.add(n)
        created.append(n)
        mail.queue(n, user)
    return created


def on_request_event(request, event, **_):
    notify_for(event, request)
