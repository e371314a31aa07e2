"""Sign-in and sign-out (Flask-Login), each attempt written to the audit log."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from forms.auth import LoginForm

from .extensions import db, login_manager
from .models import User
from .services.audit import record_event

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect to another host after sign-in."""
    # browsers read "/\\host" like "//host", so backslashes are refused too
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not urlsplit(target).netloc):
        return target
    return url_for("lists.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("lists.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            record_event("login", actor=user, ip=request.remote_addr)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        record_event("login_failed", actor=user, outcome="failed", ip=request.remote_addr,
                     details={"username": form.username.data.strip()[:80]})
        db.session.commit()
        flash("用户名或密码错误", "danger")
    # a POST that gets here failed (bad input or credentials): say so in the status too
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout():
    record_event("logout", actor=current_user, ip=request.remote_addr)
    db.session.commit()
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
