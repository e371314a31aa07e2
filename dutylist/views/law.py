"""A change of law (issue 14.3–14.4): a basis's impact page (mark it amended or repealed; the one action that
opens adjustment drafts for every affected township of one's area) and the list of changed bases."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from forms.choices import choices
from forms.law import AdjustmentForm, BasisStatusForm
from workflow import law
from workflow import permissions as perm
from workflow.errors import WorkflowError

from ..extensions import db
from ..items import KIND_LABELS
from ..models import BASIS_FLAG_LABELS, Basis, BasisFlag
from ..services import law_change

bp = Blueprint("law", __name__)


def get_basis(basis_id: int) -> Basis:
    return db.session.get(Basis, basis_id) or abort(404, "依据不存在")


def _area():
    area = perm.area_of(current_user)
    if area is None or not perm.can_read_basis_impact(current_user):
        abort(403, "依据变更的影响范围供有辖区的账号查看")
    return area


def _render(basis: Basis, form: BasisStatusForm | None = None, problem: str | None = None, status: int = 200):
    area = _area()
    form = form or BasisStatusForm(formdata=None, status="repealed")
    form.replaced_by.choices = choices([("", "（不指定）")] + [
        (str(b.id), b.label) for b in db.session.scalars(
            select(Basis).where(Basis.id != basis.id, Basis.status != "repealed").order_by(Basis.title).limit(500))])
    towns = law_change.impact(basis.id, area)
    waiting = [t for t in towns if any(i["revision_id"] is None for i in t.items)]
    return render_template("law/impact.html", basis=basis, towns=towns, form=form, problem=problem,
                           adjust_form=AdjustmentForm(), kind_labels=KIND_LABELS,
                           total=sum(len(t.items) for t in towns), waiting=waiting,
                           flag_label=BASIS_FLAG_LABELS.get(basis.status, "")), status


@bp.get("/bases/<int:basis_id>/impact")
@login_required
def impact(basis_id: int):
    return _render(get_basis(basis_id))


@bp.post("/bases/<int:basis_id>/status")
@login_required
def change_status(basis_id: int):
    basis = get_basis(basis_id)
    if not perm.can_change_basis_status(current_user):
        abort(403, "只有县委编办、州和自治区编办可以标记依据已修订或已废止")
    form = BasisStatusForm()
    form.replaced_by.choices = []
    if not form.validate():
        problem = next((e for f in form for e in f.errors), "请检查填写的内容")
        return _render(basis, form, problem, 400)
    try:
        flagged = law.change_basis_status(basis, current_user, form.status.data, form.day.data, form.note.data or "",
                                          form.replaced_by.data)
    except WorkflowError as exc:
        db.session.rollback()
        return _render(get_basis(basis_id), form, exc.message, exc.status)
    db.session.commit()
    flash(f"已标记{basis.label}{basis.status_label}；各乡镇现行清单中引用它的 {flagged} 项事项已标记待调整", "success")
    return redirect(url_for("law.impact", basis_id=basis.id))


@bp.post("/bases/<int:basis_id>/adjustments")
@login_required
def adjustments(basis_id: int):
    basis = get_basis(basis_id)
    if not perm.can_open_adjustments(current_user):
        abort(403, "只有县委编办（或州、自治区编办，对其辖区）可以发起依据变更调整")
    if not AdjustmentForm().validate():
        return _render(basis, problem="页面已过期，请刷新后重试", status=400)
    try:
        opened = law.open_adjustments(basis, current_user)
    except WorkflowError as exc:
        db.session.rollback()
        return _render(get_basis(basis_id), problem=exc.message, status=exc.status)
    db.session.commit()
    new = sum(1 for _, created, _ in opened if created)
    flash(f"已为 {len(opened)} 个乡镇发起调整：新建调整稿 {new} 份，加入正在进行的修订稿 {len(opened) - new} 份；"
          "已通知乡镇、县委编办和相关部门", "success")
    return redirect(url_for("law.impact", basis_id=basis.id))


@bp.get("/law-changes")
@login_required
def changes():
    """The changed bases with items still to adjust in one's area."""
    area = _area()
    county = request.args.get("county", type=int)
    stmt = law_change.open_flags_query(area=area).with_only_columns(
        BasisFlag.basis_id, func.count(BasisFlag.id), func.count(BasisFlag.township_id.distinct()))
    if county:
        stmt = stmt.where(BasisFlag.county_id == county)
    rows = db.session.execute(stmt.group_by(BasisFlag.basis_id)).all()
    bases = {b.id: b for b in db.session.scalars(select(Basis).where(Basis.id.in_([r[0] for r in rows])))} if rows else {}
    items = sorted(((bases[bid], n, towns) for bid, n, towns in rows), key=lambda r: r[0].title)
    return render_template("law/changes.html", rows=items, per_county=law_change.per_county(area),
                           county=county)
