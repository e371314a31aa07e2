"""The audit administrator's pages (安全审计员): the audit log with filters and the chain's verification,
the verification against a head exported before, the head's export. Each view is itself audited, so
that the security administrator sees what the auditor did."""
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
from ..services.audit import ACTION_LABELS, check_head, head, record_event, verify_chain

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE = 100


@bp.before_request
@login_required
def admins_only():
    if not perm.can_read_audit_log(current_user):
        abort(403, "操作日志仅安全审计员可以查看")


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
        # a user's entries: their own, and those a deputy made in their name
        stmt = stmt.where((AuditEvent.actor_name == args["user"]) | (AuditEvent.on_behalf_of_name == args["user"]))
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
    result = verify_chain()
    # recorded after the query ran (a refused filter writes nothing); the page shows the chain as verified
    record_event("audit_view", actor=current_user, details={k: v for k, v in args.items() if v and k != "page"}
                 | ({"page": page} if page > 1 else {}))
    db.session.commit()
    return render_template("admin/audit.html", events=events[:PAGE], more=len(events) > PAGE, page=page,
                           result=result, townships=townships,
                           labels={**ACTION_LABELS, **EVENT_LABELS}, status_labels=STATUS_LABELS,
                           detail_lines=lambda details, action="": auditfmt.detail_lines(details, names, action),
                           town_names={t.id: t.name for t in townships})


@bp.get("/audit/head.json")
def audit_head():
    """Download the chain head, to be kept outside the database."""
    data = {**head(), "exported_at": utcnow().isoformat(timespec="seconds") + "Z", "exported_by": current_user.username}
    record_event("audit_head_export", actor=current_user, details={"seq": data["seq"], "hash": data["hash"]})
    db.session.commit()
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=audit-head-{data['seq']}.json"})


@bp.get("/audit/verify")
def audit_verify():
    """Verify the chain against a head exported before (its seq and hash, from the saved head file):
    proves that nothing up to it was rewritten since, even by someone who recomputed every hash."""
    raw_seq, raw_hash = (request.args.get("seq") or "").strip(), (request.args.get("hash") or "").strip().lower()
    result, error = None, None
    if raw_seq or raw_hash:
        if not raw_seq.isdecimal() or len(raw_seq) > 12:
            error = "序号应为数字"
        elif len(raw_hash) != 64 or any(c not in "0123456789abcdef" for c in raw_hash):
            error = "哈希应为 64 位十六进制数字"
        else:
            result = check_head({"seq": int(raw_seq), "hash": raw_hash})
            record_event("audit_verify", actor=current_user, outcome="ok" if result.ok else "failed",
                         details={"seq": int(raw_seq), "hash": raw_hash, "ok": result.ok})
            db.session.commit()
    status = 400 if error else 200
    return render_template("admin/audit_verify.html", result=result, error=error, seq=raw_seq, hash=raw_hash), status
