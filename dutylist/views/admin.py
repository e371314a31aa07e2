"""The administrator's audit log page: filters, verification, chain head export."""
from __future__ import annotations

import json
from datetime import datetime, time

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow import permissions as perm
from workflow.states import EVENT_LABELS, STATUS_LABELS

from .. import auditfmt
from ..extensions import db
from ..models import AuditEvent, Organisation, OrgKind
from ..models.base import utcnow
from ..services.audit import ACTION_LABELS, head, record_event, verify_chain

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 100


@bp.before_request
@login_required
def admins_only():
    if not perm.can_read_audit_log(current_user):
        abort(403, "仅系统管理员可以访问")


def _date(name: str, end: bool = False):
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        abort(400, f"日期格式应为 YYYY-MM-DD：{name}")
    return datetime.combine(day, time.max if end else time.min)


@bp.get("/audit")
def audit():
    args = request.args
    stmt = select(AuditEvent)
    if args.get("organisation"):
        stmt = stmt.where(AuditEvent.organisation_name.contains(args["organisation"]))
    if args.get("user"):
        stmt = stmt.where(AuditEvent.actor_name == args["user"])
    if args.get("township", "").isdigit():
        stmt = stmt.where(AuditEvent.township_id == int(args["township"]))
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action == args["action"])
    if (start := _date("from")) is not None:
        stmt = stmt.where(AuditEvent.created_at >= start)
    if (end := _date("to", end=True)) is not None:
        stmt = stmt.where(AuditEvent.created_at <= end)
    page = max(1, int(args["page"])) if args.get("page", "").isdigit() else 1
    events = db.session.scalars(stmt.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    townships = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township)
                                   .order_by(Organisation.id)).all()
    consulted = auditfmt.department_ids(events[:PAGE])  # an accept's details name departments by id
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_(consulted))).all()) if consulted else {}
    return render_template("admin/audit.html", events=events[:PAGE], more=len(events) > PAGE, page=page,
                           result=verify_chain(), townships=townships,
                           labels={**ACTION_LABELS, **EVENT_LABELS}, status_labels=STATUS_LABELS,
                           detail_lines=lambda details: auditfmt.detail_lines(details, names),
                           town_names={t.id: t.name for t in townships})


@bp.get("/audit/head.json")
def audit_head():
    """Download the chain head, to be kept outside the database."""
    data = {**head(), "exported_at": utcnow().isoformat(timespec="seconds") + "Z", "exported_by": current_user.username}
    record_event("audit_head_export", actor=current_user, details={"seq": data["seq"], "hash": data["hash"]})
    db.session.commit()
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=audit-head-{data['seq']}.json"})
