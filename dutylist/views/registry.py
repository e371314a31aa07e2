"""The department registry of a county, kept by the system administrator: its office and departments
with their aliases, merging two departments, marking the county office, and the department names of
the county's lists that match no department, each mapped in one click."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forms.admin import AliasForm, ConfirmForm, MapNameForm
from workflow import permissions as perm
from workflow.errors import WorkflowError

from ..extensions import db
from ..models import DepartmentAlias, Organisation, OrgKind
from ..services import departments as registry

bp = Blueprint("registry", __name__, url_prefix="/admin")
NEW, IGNORE = "new", "ignore"


@bp.before_request
@login_required
def system_admin_only():
    if not perm.can_manage_organisations(current_user):
        abort(403, "部门名录由系统管理员维护")


def get_county(county_id: int) -> Organisation:
    county = db.session.get(Organisation, county_id)
    if county is None or county.kind != OrgKind.county:
        abort(404, "县不存在")
    return county


def get_body(org_id: int) -> Organisation:
    body = db.session.get(Organisation, org_id)
    if body is None or body.kind not in registry.BODY_KINDS or body.parent is None:
        abort(404, "部门不存在")
    return body


def render_index(county: Organisation, status: int = 200, alias_errors: dict | None = None):
    rows = registry.registry_rows(county)
    return render_template(
        "admin/registry/index.html", county=county, rows=rows, alias_form=AliasForm(formdata=None),
        confirm=ConfirmForm(), alias_errors=alias_errors or {},
        unmatched=len(registry.unmatched_names(county)),
        ignored=[a for a in registry.aliases(county) if a.department_id is None]), status


@bp.get("/counties/<int:county_id>/departments")
def index(county_id: int):
    return render_index(get_county(county_id))


@bp.post("/departments/<int:org_id>/aliases")
def add_alias(org_id: int):
    body = get_body(org_id)
    county = body.parent
    form = AliasForm()
    if form.validate_on_submit():
        try:
            registry.add_alias(body, form.alias.data, current_user)
        except WorkflowError as e:
            db.session.rollback()
            return render_index(county, e.status, {body.id: (e.message, form.alias.data)})
        db.session.commit()
        flash(f"已为“{body.name}”添加别名“{form.alias.data}”", "success")
        return redirect(url_for("registry.index", county_id=county.id) + f"#body-{body.id}")
    message = next((e[0] for e in form.errors.values() if e), "输入无效")
    return render_index(county, 400, {body.id: (message, form.alias.data or "")})


@bp.post("/aliases/<int:alias_id>/delete")
def remove_alias(alias_id: int):
    alias = db.session.get(DepartmentAlias, alias_id) or abort(404, "别名不存在")
    county = alias.county
    if not ConfirmForm().validate_on_submit():
        abort(400, "表单已过期，请刷新页面后重试")
    name = alias.name
    registry.remove_alias(alias, current_user)
    db.session.commit()
    flash(f"已删除别名“{name}”", "success")
    return redirect(url_for("registry.index", county_id=county.id))


@bp.route("/departments/<int:org_id>/merge", methods=["GET", "POST"])
def merge(org_id: int):
    """Merge this body into another of its county: GET shows what moves, POST does it."""
    merged = get_body(org_id)
    county = merged.parent
    raw = request.values.get("into") or ""
    into = db.session.get(Organisation, int(raw)) if raw.isdecimal() and int(raw) < 2**31 else None
    if into is None:
        flash("请选择要并入的部门", "danger")
        return render_index(county, 400)
    error, plan = None, None
    try:
        plan = registry.check_merge(merged, into)
    except WorkflowError as e:
        error = e.message
    if request.method == "POST" and error is None:
        if not ConfirmForm().validate_on_submit():
            abort(400, "表单已过期，请刷新页面后重试")
        try:
            registry.merge_departments(merged, into, current_user)
        except WorkflowError as e:
            db.session.rollback()
            error = e.message
        else:
            db.session.commit()
            flash(f"已将“{merged.name}”并入“{into.name}”：其意见、征求意见、账号和清单中的引用均已转到“{into.name}”，"
                  f"原名称保留为别名", "success")
            return redirect(url_for("registry.index", county_id=county.id) + f"#body-{into.id}")
    status = 409 if error and request.method == "POST" else 200
    return render_template("admin/registry/merge.html", county=county, merged=merged, into=into, plan=plan,
                           error=error, confirm=ConfirmForm()), status


@bp.route("/departments/<int:org_id>/office", methods=["GET", "POST"])
def set_office(org_id: int):
    """Make this body the county office (the office there was is merged into it): GET explains, POST does."""
    body = get_body(org_id)
    county = body.parent
    offices = [o for o in registry.bodies(county, kinds=(OrgKind.office,)) if o.id != body.id]
    error = None
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400, "表单已过期，请刷新页面后重试")
        try:
            registry.set_county_office(body, current_user)
        except WorkflowError as e:
            db.session.rollback()
            error = e.message
        else:
            db.session.commit()
            flash(f"“{body.name}”现为{county.name}的县委编办", "success")
            return redirect(url_for("registry.index", county_id=county.id) + f"#body-{body.id}")
    status = 409 if error else 200
    return render_template("admin/registry/office.html", county=county, body=body, offices=offices, error=error,
                           confirm=ConfirmForm()), status


def render_unmatched(county: Organisation, status: int = 200, errors: dict | None = None):
    names = registry.unmatched_names(county)
    return render_template("admin/registry/unmatched.html", county=county, names=names,
                           bodies=registry.bodies(county), form=MapNameForm(formdata=None),
                           errors=errors or {}, NEW=NEW, IGNORE=IGNORE), status


@bp.get("/counties/<int:county_id>/departments/unmatched")
def unmatched(county_id: int):
    return render_unmatched(get_county(county_id))


@bp.post("/counties/<int:county_id>/departments/unmatched")
def map_name(county_id: int):
    """Map one unmatched name: to a department (an alias), as a new department, or as no department."""
    county = get_county(county_id)
    form = MapNameForm()
    name = form.name.data or ""
    if not form.validate_on_submit():
        message = next((e[0] for e in form.errors.values() if e), "输入无效")
        return render_unmatched(county, 400, {name: message})
    target = form.target.data
    try:
        if target == NEW:
            dept = registry.add_named_department(county, name, current_user)
            done = f"已把“{name}”登记为{county.name}的新部门"
        elif target == IGNORE:
            registry.map_name(county, name, None, current_user)
            done = f"已标记“{name}”不是部门名称"
        else:
            dept = db.session.get(Organisation, int(target)) if target.isdecimal() and int(target) < 2**31 else None
            if dept is None:
                raise WorkflowError("请选择本县的部门")
            registry.map_name(county, name, dept, current_user)
            done = f"已把“{name}”对应到“{dept.name}”"
    except WorkflowError as e:
        db.session.rollback()
        return render_unmatched(county, e.status, {name: e.message})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("registry.unmatched", county_id=county.id))
