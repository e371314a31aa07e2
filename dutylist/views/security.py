"""The security administrator's pages: accounts waiting for a role, roles in use, the security policy,
and what the audit administrator did (三员分立: each one's actions are visible to another)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow import permissions as perm
from workflow.states import EVENT_LABELS

from .. import ratelimit
from ..extensions import db
from ..models import ROLE_LABELS, AuditEvent, Role, User
from ..services import accounts, passwords
from ..services.audit import ACTION_LABELS
from ..services.orgs import path_text

bp = Blueprint("security", __name__, url_prefix="/admin/security")
PAGE = 100


@bp.before_request
@login_required
def security_admin_only():
    if not perm.can_assign_roles(current_user):
        abort(403, "安全管理由安全保密管理员负责")


@bp.get("")
def index():
    waiting = db.session.scalars(accounts.query(role="none", state="active").limit(200)).all()
    counts = accounts.role_counts()
    roles = [(ROLE_LABELS[r], counts.get(r.value, 0), accounts.organisation_kinds_for(r)) for r in Role]
    policy = {"min_length": passwords.MIN_LENGTH, "max_length": passwords.MAX_LENGTH, "limits": ratelimit.limits(),
              "secure_cookie": bool(current_app.config.get("SESSION_COOKIE_SECURE"))}
    return render_template("admin/security/index.html", waiting=waiting, roles=roles, no_role=counts.get(None, 0),
                           policy=policy, path=path_text)


@bp.get("/auditor-log")
def auditor_log():
    """Every entry whose actor is (or was made) an audit administrator, newest first."""
    auditors = select(User.id).where(User.role.in_([Role.audit_admin.value]))
    page = int(request.args["page"]) if (request.args.get("page") or "").isdecimal() else 1
    page = max(1, min(page, 100000))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id.in_(auditors))
                                .order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return render_template("admin/security/auditor_log.html", events=events[:PAGE], more=len(events) > PAGE,
                           page=page, labels={**ACTION_LABELS, **EVENT_LABELS},
                           auditors=db.session.scalars(select(User).where(User.id.in_(auditors))).all())
