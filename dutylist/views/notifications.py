"""The signed-in user's notifications: list, mark one or all read (POST, CSRF-protected)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Notification
from ..models.base import utcnow
from ..notifications.service import unread_count

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def unread_notifications():
    """The header's figure: one COUNT per request at most (registered after security's default of 0)."""
    if not current_user or not current_user.is_authenticated:
        return {}
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = unread_count(current_user.id)
        except SQLAlchemyError:  # error pages (503: database down) must still render
            g.unread_notifications = 0
    return {"unread_notifications": g.unread_notifications}
PAGE = 50


def _safe_link(link: str | None) -> str | None:
    """Only paths of this app (never //host or a scheme): the link column is ours, but be strict."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return request.script_root + link
    return None


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = db.session.scalars(stmt.order_by(Notification.id.desc())
                              .offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return render_template("notifications/index.html", notifications=rows[:PAGE], more=len(rows) > PAGE,
                           page=page, unread_only=unread_only, link=_safe_link)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != current_user.id:
        abort(404)
    if n.read_at is None:
        n.read_at = utcnow()
        db.session.commit()
    target = _safe_link(n.link) if request.form.get("open") else None
    return redirect(target or url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    result = db.session.execute(
        update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    flash(f"已将 {result.rowcount} 条通知标为已读", "success")
    return redirect(url_for("notifications.index"))
