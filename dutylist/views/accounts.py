"""Accounts: the system administrator creates (one by one or from an Excel sheet), edits, deactivates,
reactivates them, resets passwords and exports the list; the security administrator gives roles,
unlocks sign-ins, ends sessions and revokes API tokens (三员分立: workflow.permissions decides who).

Temporary passwords are shown once, in the answer to the request that made them (never flashed: the
session cookie is signed, not secret), with caching forbidden."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from forms.admin import AccountEditForm, AccountForm, ConfirmForm, RoleForm, SheetConfirmForm, SheetForm
from forms.choices import SelectChoice, choices
from workflow import permissions as perm
from workflow.errors import WorkflowError

from .. import ratelimit
from ..extensions import db
from ..models import ROLE_LABELS, ApiToken, Organisation, Role, User
from ..models.base import utcnow
from ..services import accounts
from ..services.audit import record_event
from ..services.orgs import find_organisation, path_text

bp = Blueprint("accounts", __name__, url_prefix="/admin/users")
PAGE = 50
SHEET_MAX_BYTES = 2 * 1024 * 1024


@bp.before_request
@login_required
def account_pages():
    if not perm.can_view_accounts(current_user):
        abort(403, "账号管理由系统管理员和安全保密管理员负责")


def get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404, "账号不存在")


def first_error(form) -> str | None:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return None


def no_store(response):
    """A page that shows a temporary password: kept in no cache, no history snapshot."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _filters():
    args = request.args
    return {"q": (args.get("q") or "").strip()[:80], "role": args.get("role") or "",
            "state": args.get("state") or "", "organisation": args.get("organisation") or ""}


def _query(f):
    stmt = accounts.query(f["q"], f["role"], f["state"])
    if f["organisation"].isdecimal() and int(f["organisation"]) < 2**31:
        stmt = stmt.where(User.organisation_id == int(f["organisation"]))
    return stmt


@bp.get("")
def index():
    f = _filters()
    page = int(request.args["page"]) if (request.args.get("page") or "").isdecimal() else 1
    page = max(1, min(page, 100000))
    users = db.session.scalars(_query(f).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    org = db.session.get(Organisation, int(f["organisation"])) if f["organisation"].isdecimal() \
        and int(f["organisation"]) < 2**31 else None
    return render_template("admin/users/index.html", users=users[:PAGE], more=len(users) > PAGE, page=page, f=f,
                           org=org, roles=[(r.value, ROLE_LABELS[r]) for r in Role], path=path_text)


# ------------------------------------------------------------------ the system administrator ----
def _manage():
    if not perm.can_manage_accounts(current_user):
        abort(403, "创建、修改和导出账号由系统管理员负责")


@bp.route("/new", methods=["GET", "POST"])
def new():
    _manage()
    initial = {}
    raw = request.args.get("organisation") or ""
    if request.method == "GET" and raw.isdecimal() and int(raw) < 2**31:
        org = db.session.get(Organisation, int(raw))
        if org is not None and org.closed_at is None:
            initial["organisation"] = path_text(org)
    form = AccountForm(data=initial if request.method == "GET" else None)
    errors: list[str] = []
    if form.validate_on_submit():
        org, problem = find_organisation(form.organisation.data)
        if problem:
            form.organisation.errors = [problem]
        else:
            try:
                user, password = accounts.create_account(form.username.data, form.display_name.data, org,
                                                         current_user, form.email.data)
            except WorkflowError as e:
                db.session.rollback()
                errors = e.details or [e.message]
            else:
                db.session.commit()
                return no_store(render_template("admin/users/password.html", user=user, password=password,
                                                created=True))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/users/new.html", form=form, errors=errors), status


@bp.get("/<int:user_id>")
def show(user_id: int):
    user = get_user(user_id)
    tokens = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) or 0
    return render_template("admin/users/show.html", user=user, tokens=tokens, confirm=ConfirmForm(),
                           locked=ratelimit.login_refused(user.username, None), path=path_text)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    user = get_user(user_id)
    if not perm.can_edit_account(current_user, user):
        abort(403, "只有系统管理员可以修改账号（自己的邮箱和密码请在页面右上角修改）")
    form = AccountEditForm(data={"display_name": user.display_name, "organisation": path_text(user.organisation),
                                 "email": user.email or ""} if request.method == "GET" else None)
    errors: list[str] = []
    if form.validate_on_submit():
        org, problem = find_organisation(form.organisation.data)
        if problem and form.organisation.data == path_text(user.organisation):
            org, problem = user.organisation, None  # unchanged (its organisation may have been closed since)
        if problem:
            form.organisation.errors = [problem]
        else:
            try:
                accounts.edit_account(user, current_user, form.display_name.data, org, form.email.data)
            except WorkflowError as e:
                db.session.rollback()
                errors = e.details or [e.message]
            else:
                db.session.commit()
                flash("已保存", "success")
                return redirect(url_for("accounts.show", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/users/edit.html", form=form, user=user, errors=errors), status


def _act(user_id: int, allowed, action, done: str, refusal: str):
    user = get_user(user_id)
    if not allowed(current_user, user):
        abort(403, refusal)
    if not ConfirmForm().validate_on_submit():
        abort(400, "表单已过期，请刷新页面后重试")
    try:
        result = action(user, current_user)
    except WorkflowError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return show(user.id), e.status
    db.session.commit()
    flash(done.format(username=user.username, result=result), "success")
    return redirect(url_for("accounts.show", user_id=user.id))


RESET_REFUSAL = "普通账号由系统管理员停用、启用和重置密码，三员账号由安全保密管理员负责；不能对自己的账号操作"


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _act(user_id, perm.can_reset_account, accounts.deactivate, "已停用账号 {username}，其会话均已结束",
                RESET_REFUSAL)


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _act(user_id, perm.can_reset_account, accounts.reactivate, "已启用账号 {username}", RESET_REFUSAL)


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int):
    user = get_user(user_id)
    if not perm.can_reset_account(current_user, user):
        abort(403, RESET_REFUSAL)
    if not ConfirmForm().validate_on_submit():
        abort(400, "表单已过期，请刷新页面后重试")
    password = accounts.reset_password(user, current_user)
    db.session.commit()
    return no_store(render_template("admin/users/password.html", user=user, password=password, created=False))


@bp.get("/export.xlsx")
def export():
    _manage()
    f = _filters()
    rows = accounts.export_rows(_query(f))
    record_event("users_export", actor=current_user, details={"count": len(rows), **{k: v for k, v in f.items() if v}})
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d")
    return Response(accounts.export_xlsx(rows),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=accounts-{stamp}.xlsx"})


@bp.get("/import/template.xlsx")
def sheet_template():
    _manage()
    return Response(accounts.template_sheet(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=accounts-template.xlsx"})


@bp.route("/import", methods=["GET", "POST"])
def bulk():
    """Upload an accounts sheet: every row is checked and shown (bad rows by number); nothing is written."""
    _manage()
    form = SheetForm()
    error, checked = None, None
    if form.validate_on_submit():
        file = request.files.get("file")
        data = file.read(SHEET_MAX_BYTES + 1) if file is not None and file.filename else b""
        if not data:
            error = "请选择要上传的 Excel 文件（.xlsx）"
        elif len(data) > SHEET_MAX_BYTES:
            error = f"文件过大：账号表不能超过 {SHEET_MAX_BYTES // 1024 // 1024} MB"
        else:
            try:
                checked = accounts.check_rows(accounts.read_sheet(data))
            except accounts.SheetError as e:
                error = str(e)
    elif request.method == "POST":
        error = first_error(form) or "表单已过期，请刷新页面后重试"
    if checked is not None:
        return render_preview(checked)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/users/bulk.html", form=form, error=error), status


def render_preview(checked, status: int = 200, error: str | None = None):
    bad = [r for r in checked if not r.ok]
    confirm = SheetConfirmForm(formdata=None)
    rows_json = json.dumps([r.values() for r in checked], ensure_ascii=False)
    if status == 200 and bad:
        status = 400  # the sheet was refused: its rows are shown with their problems
    return render_template("admin/users/preview.html", rows=checked, bad=bad, confirm=confirm, rows_json=rows_json,
                           error=error, path=path_text), status


@bp.post("/import/confirm")
def bulk_confirm():
    """Create every account of the checked sheet (checked again now), or none."""
    _manage()
    form = SheetConfirmForm()
    if not form.validate_on_submit():
        abort(400, first_error(form) or "表单已过期，请重新上传")
    try:
        rows = json.loads(form.rows.data)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows) or len(rows) > accounts.MAX_ROWS:
            raise ValueError
    except ValueError:
        abort(400, "账号数据无效，请重新上传账号表")
    try:
        created = accounts.create_from_rows(rows, current_user)
    except WorkflowError as e:
        db.session.rollback()
        return render_preview(accounts.check_rows(rows), e.status, e.message)
    db.session.commit()
    return no_store(render_template("admin/users/created.html", created=created, path=path_text))


# ------------------------------------------------------------------ the security administrator ----
def _role_choices(user: User) -> list[SelectChoice]:
    return choices([("", "（无角色）")] + [(r.value, ROLE_LABELS[r]) for r in accounts.role_choices(user)])


@bp.route("/<int:user_id>/role", methods=["GET", "POST"])
def assign_role(user_id: int):
    user = get_user(user_id)
    if not perm.can_assign_role(current_user, user):
        abort(403, "角色由安全保密管理员分配，且不能修改自己的角色")
    form = RoleForm(formdata=None if request.method == "GET" else request.form, new_role=user.role or "")
    form.new_role.choices = _role_choices(user)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            accounts.assign_role(user, form.new_role.data or None, current_user)
        except WorkflowError as e:
            db.session.rollback()
            error, status = e.message, e.status
        else:
            db.session.commit()
            flash(f"已将 {user.username} 的角色设为“{user.role_label}”", "success")
            return redirect(url_for("accounts.show", user_id=user.id))
    elif request.method == "POST":
        error, status = first_error(form) or "表单已过期，请刷新页面后重试", 400
    return render_template("admin/users/role.html", user=user, form=form, error=error, path=path_text), status


SECURE_REFUSAL = "解除锁定、结束会话和吊销令牌由安全保密管理员负责，且不能对自己的账号操作"


@bp.post("/<int:user_id>/unlock")
def unlock(user_id: int):
    return _act(user_id, perm.can_secure_account, accounts.unlock, "已解除 {username} 的登录锁定", SECURE_REFUSAL)


@bp.post("/<int:user_id>/sessions/end")
def end_sessions(user_id: int):
    return _act(user_id, perm.can_secure_account, accounts.end_sessions,
                "已结束 {username} 的全部会话（各处均须重新登录）", SECURE_REFUSAL)


@bp.post("/<int:user_id>/tokens/revoke")
def revoke_tokens(user_id: int):
    return _act(user_id, perm.can_secure_account, accounts.revoke_api_tokens,
                "已吊销 {username} 的 API 令牌 {result} 个", SECURE_REFUSAL)
