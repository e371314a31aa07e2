"""Sign-in and sign-out (Flask-Login), each attempt written to the audit log; sign-in is
rate-limited (dutylist.ratelimit); users change their own password under the policy.

A gate before every page (workflow.permissions decides): a user with a temporary password may do
nothing but change it (or sign out); an account without a role and the audit administrator open only
what is theirs. The API applies the same rules to its tokens (dutylist.api.auth)."""
import hmac
import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from forms.auth import EmailForm, LoginForm, PasswordChangeForm
from workflow import permissions as perm

from . import ratelimit
from .extensions import db, login_manager
from .models import Delegation, Organisation, User
from .notifications import mail
from .notifications.service import unread_count_subquery
from .services import passwords
from .services.audit import record_event

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    app.register_blueprint(bp)
    app.before_request(gate)


def gate():
    """Before every page: the temporary password first; then what an account without a role, or the
    audit administrator, may open at all (the pages check the rest)."""
    endpoint = request.endpoint
    if endpoint is None or perm.is_public_endpoint(endpoint) or request.path.startswith("/api/"):
        return None  # the API checks its tokens (api.auth.token_required)
    if not current_user.is_authenticated:
        return None
    if perm.must_change_password_first(current_user, endpoint):
        flash(perm.TEMPORARY_PASSWORD_MESSAGE, "warning")
        return redirect(url_for("auth.change_password"))
    refused = perm.refusal(current_user, endpoint)
    if refused:
        abort(403, refused)
    return None


def home_url(user) -> str:
    return url_for(perm.home_endpoint(user))


#: built once (the statement is the same on every request; SQLAlchemy caches its SQL by this shape):
#: the user, its organisation and that one's parent (the header's role label reads it: 区委编办审核人),
#: the unread count, and whether anyone ever named the user deputy (usually not: no query for none)
_USER_ROW = (select(User, unread_count_subquery(User.id),
                    exists().where(Delegation.deputy_id == User.id).correlate(User))
             .options(joinedload(User.organisation).joinedload(Organisation.parent))
             .where(User.id == bindparam("user_id")))


@login_manager.user_loader
def load_user(session_id: str):
    """The user of a session "id:key" (User.get_id), with the organisation every page reads; None (signed
    out) if the user is gone or deactivated, or the password changed since the session began."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    # one query: the user, the organisation every page names, and the header's unread count
    row = db.session.execute(_USER_ROW, {"user_id": int(user_id)}).first()
    if row is None:
        return None
    user, unread, deputy = row
    if not user.active or not hmac.compare_digest(user.session_token or "", key):
        return None
    if not deputy and "deputyships" not in user.__dict__:
        # nobody named the user deputy: the layout's and the permissions' delegators_of read an empty
        # list instead of a lazy load (when there are deputyships, they are loaded as before)
        set_committed_value(user, "deputyships", [])
    g.unread_notifications = unread
    return user


#: C0 controls, DEL and C1 controls: never in a path we redirect to (CR/LF would split the header;
#: urlsplit silently drops tabs and newlines, so "/\t/evil.example" would read as "//evil.example")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _safe_next(target: str | None, user) -> str:
    """Only same-site relative paths without control characters: never redirect to another host after
    sign-in, never a header split (else the user's home)."""
    # browsers read "/\\host" like "//host", so backslashes are refused too
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not _CONTROL.search(target) and not urlsplit(target).netloc):
        return target
    return home_url(user)


_dummy_hashes: dict[str, str] = {}


def _dummy_check(password: str) -> None:
    """Spend the time of a real check, so an unknown user name is not told apart by the delay."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_dummy_hashes[method], password)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        # recorded (and committed) before the limit is read: simultaneous attempts see each other
        attempt = ratelimit.begin_attempt(username, request.remote_addr)
        if ratelimit.login_refused(username, request.remote_addr, attempt):
            # same answer whether the user exists or not; the password is not even checked
            ratelimit.end_attempt(attempt)
            record_event("login_failed", outcome="denied", ip=request.remote_addr,
                         details={**ratelimit.failure_details(username), "reason": "rate_limited"})
            db.session.commit()
            flash(ratelimit.refusal_message(), "danger")
            response = current_app.make_response((render_template("auth/login.html", form=form), 429))
            response.headers["Retry-After"] = str(ratelimit.limits().window)
            return response
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            _dummy_check(form.password.data)
        elif user.check_password(form.password.data) and user.active:
            login_user(user, remember=form.remember.data)
            ratelimit.end_attempt(attempt)
            record_event("login", actor=user, ip=request.remote_addr)
            db.session.commit()
            if user.must_change_password:
                flash(perm.TEMPORARY_PASSWORD_MESSAGE, "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next"), user))
        ratelimit.end_attempt(attempt)  # one transaction: from in flight to failed
        record_event("login_failed", actor=user, outcome="failed", ip=request.remote_addr,
                     details=ratelimit.failure_details(username))
        db.session.commit()
        flash("用户名或密码错误", "danger")
    # a POST that gets here failed (bad input or credentials): say so in the status too
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
@login_required
def logout():
    # a new session generation: every copy of this session's cookie (and the user's other sessions and
    # remember-me cookies) is refused from now on, not only the cookie this browser forgets
    current_user.end_sessions()
    record_event("logout", actor=current_user, ip=request.remote_addr)
    db.session.commit()
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The signed-in user changes their own password (current password, new one twice)."""
    form = PasswordChangeForm()
    user = current_user
    problems: list[str] = []
    if form.validate_on_submit():
        # recorded before the limit is read, as a sign-in: simultaneous guesses see each other
        attempt = ratelimit.begin_attempt(ratelimit.password_change_key(user), None)
        if ratelimit.password_change_refused(user, attempt):
            ratelimit.end_attempt(attempt)
            record_event("password_change", actor=user, outcome="denied", ip=request.remote_addr,
                         details={"reason": "rate_limited"})
            db.session.commit()
            flash(ratelimit.refusal_message(), "danger")
            return render_template("auth/password.html", form=form, problems=[]), 429
        if not user.check_password(form.current_password.data):
            ratelimit.end_attempt(attempt)
            record_event("password_change", actor=user, outcome="failed", ip=request.remote_addr,
                         details={"reason": "wrong_current_password"})
            db.session.commit()
            form.current_password.errors = ["当前密码不正确"]
        else:
            ratelimit.end_attempt(attempt)  # the current password was right: not a guess
            db.session.commit()
            problems = [p.split(" / ")[0] for p in passwords.problems(form.new_password.data, user.username)]
            if form.new_password.data == form.current_password.data:
                problems.append("新密码不能与当前密码相同")
            if not problems:
                temporary = user.must_change_password
                passwords.set_password(user, form.new_password.data)
                user.must_change_password = False
                record_event("password_change", actor=user, ip=request.remote_addr,
                             details={"temporary": True} if temporary else None)
                db.session.commit()
                home = home_url(user)  # before login_user, which is handed the current_user proxy itself
                # other sessions of the user end (their key no longer matches); this one goes on
                login_user(user, remember=False, fresh=True)
                flash("密码已修改" + ("，现在可以使用系统了" if temporary else ""), "success")
                return redirect(home)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form, problems=problems), status


@bp.get("/waiting")
@login_required
def waiting():
    """Where an account without a role lands: it may do nothing until the security administrator gives one."""
    if perm.has_role(current_user):
        return redirect(home_url(current_user))
    return render_template("auth/waiting.html")


@bp.route("/email", methods=["GET", "POST"])
@login_required
def change_email():
    """The signed-in user sets the address notification mail is sent to (or clears it)."""
    user = current_user
    form = EmailForm(data={"email": user.email or ""} if request.method == "GET" else None)
    if form.validate_on_submit():
        new = form.email.data or None
        if new != user.email:
            user.email = new
            record_event("email_change", actor=user, ip=request.remote_addr, details={"set": new is not None})
            db.session.commit()
        flash("电子邮箱已保存" if new else "已清除电子邮箱，不再发送邮件提醒", "success")
        return redirect(url_for("auth.change_email"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/email.html", form=form, mail_on=mail.enabled()), status
