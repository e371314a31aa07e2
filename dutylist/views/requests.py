"""Adjustment requests (调整申请): the form, the requests of the user's area, a request's page with the county
office's decision, and the 准入 register (filters, Excel)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.choices import SelectChoice, choices
from forms.requests import MAX_ROWS, ChangeForm, DecisionForm, RequestForm
from workflow import permissions as perm
from workflow import requests as ops
from workflow.errors import Invalid, WorkflowError

from .. import clock
from ..extensions import db
from ..items import TABLES
from ..models import ADMISSION_OUTCOMES, REQUEST_STATUSES, REQUEST_TYPES, Organisation, OrgKind, Revision
from ..services import requests as reading
from ..services.audit import record_event

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.before_request
@login_required
def signed_in():
    """Every page here needs a signed-in user (the checks of each page follow)."""


def _readable(request_id: int):
    try:
        r = ops.get(request_id)
    except WorkflowError:
        abort(404, "调整申请不存在")
    if not perm.can_read_request(current_user, r):
        abort(403, "该调整申请不属于您所在单位的管辖范围")
    return r


@bp.get("")
def index():
    if not perm.can_list_requests(current_user):
        abort(403, "您的角色不能查看调整申请")
    type_ = request.args.get("type") or None
    status = request.args.get("status") or None
    try:
        rows = reading.list_for(current_user, type_, status)
    except Invalid as exc:
        abort(400, exc.message)
    return render_template("requests/index.html", rows=rows, type_=type_, status=status, types=REQUEST_TYPES,
                           statuses=REQUEST_STATUSES, overdue=reading.overdue_days)


# ---------------------------------------------------------------- the form ----
def _candidates() -> list[Organisation]:
    """The townships the user may ask for: a township itself; a department its county's."""
    if not perm.can_make_requests(current_user):
        return []
    org = current_user.organisation
    stmt = select(Organisation).where(Organisation.kind == OrgKind.township, Organisation.closed_at.is_(None))
    stmt = stmt.where(Organisation.id == org.id) if org.kind == OrgKind.township else \
        stmt.where(Organisation.parent_id == org.parent_id)
    return [t for t in db.session.scalars(stmt.order_by(Organisation.id)) if perm.request_refusal(current_user, t) is None]


def _chosen(candidates: list[Organisation], values) -> list[Organisation]:
    by_id = {t.id: t for t in candidates}
    ids = [int(v) for v in values if str(v).isdecimal() and len(str(v)) < 10]
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def _item_choices(townships: list[Organisation]) -> list[SelectChoice]:
    """The current items of the townships, grouped (optgroups) by township then table: number and name."""
    out = {}
    for t in townships:
        for e in ops.current_items(t):
            group = f"{t.name} · {TABLES[e['kind']].label}" if len(townships) > 1 else TABLES[e["kind"]].label
            name = e["name"] if len(e["name"]) <= 60 else e["name"][:60] + "…"
            out.setdefault(group, []).append((str(e["item_id"]), f"第 {e['number']} 项 {name}"))
    return [c for group, pairs in out.items() for c in choices(pairs, optgroup=group)]


def _rows(form: RequestForm, townships, formdata=None) -> list[ChangeForm]:
    items = _item_choices(townships)
    rows = []
    for n in range(form.row_count()):
        row = ChangeForm(formdata=formdata, prefix=f"items-{n}")
        row.item_id.choices = choices([("", "—（新增事项不用选）")], optgroup="不选择") + items
        rows.append(row)
    return rows


def _form_page(form, rows, townships, candidates, status=200, problem=None):
    return render_template("requests/new.html", form=form, rows=rows, townships=townships, candidates=candidates,
                           problem=problem, max_rows=MAX_ROWS, days=current_app.config.get("REQUEST_DAYS", {})), status


@bp.get("/new")
def new():
    if not perm.can_make_requests(current_user):
        abort(403, "只有乡镇和县直部门可以提出调整申请")
    candidates = _candidates()
    townships = candidates if len(candidates) == 1 else _chosen(candidates, request.args.getlist("township"))
    form = RequestForm()
    return _form_page(form, _rows(form, townships) if townships else [], townships, candidates)


@bp.post("/new")
def create():
    if not perm.can_make_requests(current_user):
        abort(403, "只有乡镇和县直部门可以提出调整申请")
    candidates = _candidates()
    values = request.form.getlist("township")
    townships = _chosen(candidates, values)
    form = RequestForm()
    if "more" in request.form:  # 再加一项: the same form, one row more, nothing checked or saved yet
        form.rows.data = str(min(MAX_ROWS, form.row_count() + 1))
        return _form_page(form, _rows(form, townships, request.form), townships, candidates)
    rows = _rows(form, townships, request.form)
    if len(townships) != len(set(values)):
        # a township the user may not ask for (another county's, another township): said in words, nothing saved
        others = [db.session.get(Organisation, int(v)) for v in values if v.isdecimal() and len(v) < 10]
        refusal = next((perm.request_refusal(current_user, t) for t in others if t is not None
                        and perm.request_refusal(current_user, t)), "所选乡镇不存在")
        return _form_page(form, rows, townships, candidates, 403, refusal)
    ok = form.validate()
    problems = [p for row in rows for p in row.problems()]
    if not ok or problems:
        return _form_page(form, rows, townships, candidates, 400, problems[0] if problems else None)
    changes = [c for c in (row.change() for row in rows) if c is not None]
    try:
        created = ops.submit_request(current_user, townships, form.type.data, form.situation.data, form.reason.data,
                                     changes, days=current_app.config.get("REQUEST_DAYS"))
    except WorkflowError as exc:
        db.session.rollback()
        return _form_page(form, rows, townships, candidates, exc.status if exc.status != 404 else 400, exc.message)
    db.session.commit()
    flash(f"调整申请 #{created.id} 已提交，县委编办应于 {created.due_on.isoformat()} 前处理", "success")
    return redirect(url_for("requests.show", request_id=created.id))


# ---------------------------------------------------------------- one request, the decision ----
def _show(r, form=None, status=200, problem=None):
    revisions = {t.township_id: db.session.get(Revision, t.revision_id) for t in r.townships if t.revision_id}
    return render_template("requests/show.html", r=r, form=form or DecisionForm(), problem=problem,
                           revisions=revisions, overdue=reading.overdue_days(r),
                           may_decide=perm.can_decide_request(current_user, r) and not r.decided), status


@bp.get("/<int:request_id>")
def show(request_id: int):
    return _show(_readable(request_id))


@bp.post("/<int:request_id>/decide")
def decide(request_id: int):
    r = _readable(request_id)
    form = DecisionForm()
    if not perm.can_decide_request(current_user, r):
        abort(403, f"只有{r.county.name}县委编办可以处理该调整申请")
    if not form.validate():
        return _show(r, form, 400)
    try:
        ops.decide_request(r, current_user, form.decision.data, form.reason.data)
    except WorkflowError as exc:
        db.session.rollback()
        db.session.refresh(r)
        return _show(r, form, exc.status if exc.status != 404 else 400, exc.message)
    db.session.commit()
    if r.status == "accepted":
        flash(f"已同意调整申请 #{r.id}，修改已纳入{r.township_names}的修订稿，待乡镇完善后上报", "success")
    else:
        flash(f"已不予同意调整申请 #{r.id}，申请单位已收到通知", "success")
    return redirect(url_for("requests.show", request_id=r.id))


# ---------------------------------------------------------------- the 准入 register ----
def _register():
    if not perm.can_read_admission_register(current_user):
        abort(403, "职责准入登记供县委编办、州和自治区编办使用")
    try:
        filters = reading.Filters.from_args(request.args)
    except Invalid as exc:
        abort(400, exc.message)
    return filters, reading.register(current_user, filters)


def _register_title() -> str:
    org = current_user.organisation
    if perm.is_administrator(current_user):
        return "全部职责准入登记"
    place = org.parent if org.kind == OrgKind.office else org
    return f"{place.name}职责准入登记"


@bp.get("/register")
def register():
    filters, rows = _register()
    return render_template("requests/register.html", rows=rows, f=filters, title=_register_title(),
                           townships=reading.townships(current_user), outcomes=ADMISSION_OUTCOMES,
                           added=reading.added_items(rows), today=clock.today())


@bp.get("/register.xlsx")
def register_xlsx():
    filters, rows = _register()
    title = _register_title()
    data = reading.register_xlsx(rows, title)
    record_event("export", actor=current_user, target="admission_register", ip=request.remote_addr,
                 details={"format": "xlsx", "document": "职责准入登记", "rows": len(rows), **filters.args()})
    db.session.commit()
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"admissions.xlsx\"; filename*=UTF-8''{quote(title)}.xlsx",
        "Cache-Control": "private, no-store"})
