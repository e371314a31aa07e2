"""The system administrator's pages of the organisation tree: add, rename, move, close and reopen a
region, prefecture, county, township, county office or department (closing keeps history readable)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from forms.admin import ConfirmForm, MoveForm, OrganisationForm, RenameForm
from forms.choices import choices
from workflow import permissions as perm
from workflow.errors import WorkflowError

from ..extensions import db
from ..models import ORG_KIND_LABELS, Organisation, OrgKind, User
from ..services import orgs as org_service

bp = Blueprint("orgs", __name__, url_prefix="/admin/orgs")
#: the order children are listed in: the county office first, then departments, then places
KIND_ORDER = [OrgKind.office, OrgKind.department, OrgKind.prefecture, OrgKind.county, OrgKind.township,
              OrgKind.region]
SEARCH_LIMIT = 50
#: a street (街道, a sub-district) is kept as a township: it has a duty list the same way
KIND_CHOICES = {**ORG_KIND_LABELS, OrgKind.township: "乡镇（街道）"}


@bp.before_request
@login_required
def system_admin_only():
    if not perm.can_manage_organisations(current_user):
        abort(403, "机构管理由系统管理员负责")


def get_org(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id) or abort(404, "单位不存在")


def first_error(form) -> str | None:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return None


@bp.get("")
def index():
    """The roots of the tree (normally the one region), and organisations found by name."""
    q = (request.args.get("q") or "").strip()[:100]
    found = []
    if q:
        found = db.session.scalars(select(Organisation).where(Organisation.name.contains(q, autoescape=True))
                                   .order_by(Organisation.closed_at.is_not(None), Organisation.id)
                                   .limit(SEARCH_LIMIT + 1)).all()
    roots = org_service.tree_children(None, include_closed=True)
    return render_template("admin/orgs/index.html", roots=roots, q=q, found=found[:SEARCH_LIMIT],
                           more=len(found) > SEARCH_LIMIT, path=org_service.path_text,
                           form=OrganisationForm(formdata=None, kind=OrgKind.region.value))


@bp.get("/<int:org_id>")
def show(org_id: int):
    org = get_org(org_id)
    children = sorted(org_service.tree_children(org, include_closed=True),
                      key=lambda o: (o.closed_at is not None, KIND_ORDER.index(OrgKind(o.kind)), o.id))
    ids = [c.id for c in children] + [org.id]
    users = dict(db.session.execute(select(User.organisation_id, func.count()).where(
        User.organisation_id.in_(ids), User.active.is_(True)).group_by(User.organisation_id)).all())
    below = dict(db.session.execute(select(Organisation.parent_id, func.count()).where(
        Organisation.parent_id.in_(ids), Organisation.closed_at.is_(None)).group_by(Organisation.parent_id)).all())
    kinds = org_service.child_kinds(org)
    form = OrganisationForm(formdata=None, kind=kinds[0].value if kinds else None)
    form.kind.choices = choices((k.value, KIND_CHOICES[k]) for k in kinds)
    return render_template("admin/orgs/show.html", org=org, trail=org_service.path_names(org)[:-1],
                           ancestors=_ancestors(org), children=children, users=users, below=below, form=form,
                           kinds=kinds, confirm=ConfirmForm(), close_problems=org_service.close_problems(org)
                           if org.closed_at is None else [])


def _ancestors(org: Organisation) -> list[Organisation]:
    out, cur = [], org.parent
    while cur is not None:
        out.append(cur)
        cur = cur.parent
    return out[::-1]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add an organisation under ?parent= (a region when there is no parent)."""
    raw = request.values.get("parent") or ""
    parent = None
    if raw:
        if not raw.isdecimal():
            abort(400, "参数 parent 应为数字")
        parent = get_org(int(raw))
    kinds = org_service.child_kinds(parent)
    if not kinds:
        abort(400, f"{parent.kind_label}下不能再添加单位")
    form = OrganisationForm()
    form.kind.choices = choices((k.value, KIND_CHOICES[k]) for k in kinds)
    error, status = None, 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            org = org_service.add_organisation(form.name.data, form.kind.data, parent, current_user,
                                               short_name=form.short_name.data)
        except WorkflowError as e:
            db.session.rollback()
            error, status = e.message, e.status
        else:
            db.session.commit()
            flash(f"已添加{org.kind_label}“{org.name}”", "success")
            return redirect(url_for("orgs.show", org_id=org.id))
    elif request.method == "POST":
        error = first_error(form)
    return render_template("admin/orgs/form.html", form=form, parent=parent, error=error,
                           title=f"在“{parent.name}”下添加单位" if parent else "添加自治区"), status


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
def edit(org_id: int):
    org = get_org(org_id)
    form = RenameForm(data={"name": org.name, "short_name": org.short_name or ""} if request.method == "GET" else None)
    error, status = None, 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            org_service.rename_organisation(org, form.name.data, current_user, short_name=form.short_name.data)
        except WorkflowError as e:
            db.session.rollback()
            error, status = e.message, e.status
        else:
            db.session.commit()
            flash("已保存名称", "success")
            return redirect(url_for("orgs.show", org_id=org.id))
    elif request.method == "POST":
        error = first_error(form)
    return render_template("admin/orgs/form.html", form=form, org=org, error=error,
                           title=f"更名：{org.name}"), status


@bp.route("/<int:org_id>/move", methods=["GET", "POST"])
def move(org_id: int):
    org = get_org(org_id)
    parents = org_service.parent_choices(org)
    form = MoveForm()
    form.parent.choices = choices((p.id, org_service.path_text(p)) for p in parents)
    error, status = None, 400 if request.method == "POST" else 200
    if not parents:
        error = "没有可选的上级单位"
    if form.validate_on_submit():
        parent = db.session.get(Organisation, form.parent.data)
        try:
            if parent is None or parent.id not in {p.id for p in parents}:
                raise WorkflowError("请从列表中选择新的上级单位")
            org_service.move_organisation(org, parent, current_user)
        except WorkflowError as e:
            db.session.rollback()
            error, status = e.message, e.status
        else:
            db.session.commit()
            flash(f"已将“{org.name}”调整到“{parent.name}”下", "success")
            return redirect(url_for("orgs.show", org_id=org.id))
    elif request.method == "POST":
        error = first_error(form)
    return render_template("admin/orgs/move.html", form=form, org=org, error=error,
                           current=org_service.path_text(org.parent) if org.parent else ""), status


def _act(org_id: int, action, done: str):
    org = get_org(org_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, "表单已过期，请刷新页面后重试")
    try:
        action(org, current_user)
    except WorkflowError as e:
        db.session.rollback()
        flash(e.message, "danger")
        return render_show_again(org, e.status)
    db.session.commit()
    flash(done.format(name=org.name), "success")
    return redirect(url_for("orgs.show", org_id=org.id))


def render_show_again(org: Organisation, status: int):
    """The organisation's page again, with the refusal shown (the POST answered with its status)."""
    response = show(org.id)
    return response, status


@bp.post("/<int:org_id>/close")
def close(org_id: int):
    return _act(org_id, org_service.close_organisation, "已撤销“{name}”：其历史版本、意见和日志仍可查阅")


@bp.post("/<int:org_id>/reopen")
def reopen(org_id: int):
    return _act(org_id, org_service.reopen_organisation, "已重新启用“{name}”")
