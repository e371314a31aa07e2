"""Pages of a revision: drafting the working copy, reviewing it, deciding on it.

A refused action never ends on a bare error page: the revision page is shown again with the message
next to the form that caused it (`Problem`) and what the user typed kept in that form's boxes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import escape
from sqlalchemy import select

from forms.choices import choices
from forms.items import ItemForm
from forms.review import (
    ConsultationChangeForm,
    ConsultationForm,
    CsrfForm,
    DecisionForm,
    ExtendForm,
    ItemActionForm,
    LegalityForm,
    OpinionForm,
    ReasonForm,
    ReplyForm,
    SignOffForm,
)
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import WorkflowError
from workflow.states import EVENT_LABELS, LEGALITY_CONCLUSIONS, LEGALITY_EVENTS, STATUS_LABELS, Status

from .. import clock
from ..config import review_route
from ..documents import opinion_table
from ..extensions import db
from ..items import KIND_LABELS, KINDS, filtering
from ..models import ANSWERS, VERDICTS, AuditEvent, DraftItem, Opinion, Organisation, Revision, User, Version
from ..services import departments as dept_registry
from ..services import drafts, opinion_summary, snapshot
from ..services import requests as adjustment_requests
from ..services.audit import ACTION_LABELS, record_event
from ..services.diff import FIELD_LABELS, split_renumbered
from .lists import render_version

bp = Blueprint("revisions", __name__)


def levels():
    """The configured steps after the county's review (legality review, prefecture, region)."""
    return review_route(current_app.config)


def get_revision(revision_id: int) -> Revision:
    """The revision, if it exists and the user has business with it (404 / 403)."""
    revision = db.session.get(Revision, revision_id) or abort(404)
    if not perm.can_read_revision(current_user, revision):
        abort(403, "您无权查看该修订稿")
    return revision


def first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0] if isinstance(errors[0], str) else "输入无效"
    return "输入无效"


@dataclass
class Problem:
    """A refused action, for the page: which form (`where`), the message, what the user typed."""

    where: str = ""
    message: str = ""
    values: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  #: part -> message, for forms of several parts

    def at(self, where: str) -> bool:
        return self.where == where

    def value(self, where: str, name: str, default=""):
        return self.values.get(name, default) if self.where == where else default


# ------------------------------------------------------------------ reading ----
def return_reason(revision: Revision) -> AuditEvent | None:
    """The move that last returned the draft (with its reason), if it is returned now."""
    if Status(revision.status) != Status.returned:
        return None
    return db.session.scalar(select(AuditEvent).where(
        AuditEvent.revision_id == revision.id,
        AuditEvent.action.in_(("return_for_revision", "send_back", "return_legality")))
        .order_by(AuditEvent.seq.desc()).limit(1))


def _tables(revision: Revision) -> dict[str, list[DraftItem]]:
    """The draft's live items by table, in order."""
    out: dict[str, list[DraftItem]] = {k: [] for k in KINDS}
    for i in drafts.live_items(revision):
        out[i.kind].append(i)
    return out


def _filter_args() -> dict:
    """The list filter of the page the user came from (kept by a move's redirect)."""
    return filtering.ItemFilter.from_args(request.args).args()


def render_revision(revision: Revision, status: int = 200, problem: Problem | None = None):
    user = current_user
    problem = problem or Problem()
    events = ops.available_events(revision, user, levels())
    all_changes = drafts.changes(revision)  # computed once for the whole page
    changes, renumbered = split_renumbered(all_changes)
    tables = _tables(revision)
    live = [i for k in KINDS for i in tables[k]]
    changed_ids = {c.item_id for c in changes}
    flt = filtering.ItemFilter.from_args(request.args)
    matched = {i.id for i in live if flt.matches(i.kind, i.fields(), i.item_id in changed_ids)}
    concern = (drafts.concerning(revision, user.organisation_id, all_changes)
               if perm.marks_concerning(user, revision) else set())
    if concern:  # the changes that name the department first, then the others, each in list order
        changes = [c for c in changes if c.item_id in concern] + [c for c in changes if c.item_id not in concern]
    county = revision.township.county
    bodies = dept_registry.departments(county)  # open departments only: a closed one is asked no more
    status_now = Status(revision.status)
    decision = DecisionForm()
    decision.departments.choices = choices((o.id, o.name) for o in bodies)
    suggested = drafts.suggest_departments(revision, all_changes) if status_now == Status.submitted else []
    if problem.at("event:accept"):
        decision.departments.data = problem.values.get("departments", [])
    else:
        asked_before = [c.department_id for c in revision.consultations]
        decision.departments.data = list(dict.fromkeys([o.id for o in suggested] + asked_before))
    default_deadline = clock.add_working_days(clock.today(), current_app.config["CONSULTATION_DAYS"])
    editable = perm.can_edit_now(user, revision)
    timeline = db.session.scalars(select(AuditEvent).where(AuditEvent.revision_id == revision.id)
                                  .order_by(AuditEvent.seq)).all()
    opinions = drafts.visible_opinions(revision, user)
    items_by_id = {i.item_id: i for i in revision.items}
    unanswered = [o for o in drafts.unanswered_opinions(revision) if o in opinions]
    return render_template(
        "revisions/show.html", revision=revision, events=events, event_labels=EVENT_LABELS,
        action_labels={**ACTION_LABELS, **EVENT_LABELS}, field_labels=FIELD_LABELS,
        status_labels=STATUS_LABELS, decision=decision, suggested=suggested, changes=changes,
        renumbered=renumbered, concern=concern, problem=problem, default_deadline=default_deadline,
        editable=editable, blockers=drafts.submit_blockers(revision, all_changes) if editable else [],
        missing={c.item_id for c in drafts.missing_reasons(revision, all_changes)} if editable else set(),
        tables=tables, flt=flt, matched=matched, changed_ids=changed_ids,
        filter_options=filtering.options((i.kind, i.fields()) for i in live), filter_args=flt.args(),
        kinds=KINDS, kind_labels=KIND_LABELS, timeline=timeline,
        consultation=perm.consultation_of(user, revision), consultations=revision.consultations,
        can_opine=perm.can_write_opinion(user, revision), can_sign_off=perm.can_sign_off(user, revision),
        can_manage=perm.can_manage_consultations(user, revision), can_reply=perm.can_reply_to_opinion(user, revision),
        whole_draft=perm.sees_whole_draft(user, revision), bodies=bodies, today=clock.today(),
        csrf_form=CsrfForm(), opinion_form=OpinionForm(), reply_form=ReplyForm(), extend_form=ExtendForm(),
        signoff_form=SignOffForm(), verdicts=VERDICTS, opinions=opinions, answers=ANSWERS,
        action_form=ItemActionForm(), items_by_id=items_by_id, unanswered=unanswered,
        unanswered_ids={o.id for o in unanswered}, returned=return_reason(revision),
        open_flags=drafts.open_flags(revision),
        basis_flags={f.item_id: f.message.partition("：")[0] for f in drafts.open_flags(revision) if f.source == "basis"},
        is_drafter=perm.can_answer_opinions(user, revision),
        is_office=perm.is_county_office_of(user, revision), acting_for=perm.acting_for(user, revision),
        legality_events=set(LEGALITY_EVENTS.values()), can_conclude=perm.can_conclude_legality(user, revision),
        legality_form=LegalityForm(), conclusions=perm.legality_conclusions(revision),
        conclusion_labels=LEGALITY_CONCLUSIONS,
        assignable=_assignable(revision) if perm.can_manage_consultations(user, revision) else {},
        from_requests=adjustment_requests.requests_of_revision(revision.id)), status


def _assignable(revision: Revision) -> dict[int, list]:
    """department id -> its active reviewers, to whom the office may reassign a pending consultation."""
    ids = [c.department_id for c in revision.consultations if c.pending]
    if not ids:
        return {}
    out: dict[int, list] = {}
    for u in db.session.scalars(select(User).where(User.organisation_id.in_(ids), User.active.is_(True),
                                                   User.role.in_([perm.DEPARTMENT])).order_by(User.username)):
        out.setdefault(u.organisation_id, []).append(u)
    return out


@bp.get("/revisions/<int:revision_id>")
@login_required
def show(revision_id: int):
    return render_revision(get_revision(revision_id))


def show_problem(revision: Revision, status: int, problem: Problem):
    """The page with the message next to the form that caused it; at the top of the page when that
    form is not on it any more (the draft moved on meanwhile, or the form named an unknown item)."""
    page, code = render_revision(revision, status, problem)
    # shown as an error next to its form (the same words elsewhere, e.g. a placeholder, do not count)
    if f'role="alert">{escape(problem.message)}</p>' not in page:
        page, code = render_revision(revision, status, Problem("top", problem.message, problem.values, problem.fields))
    return page, code


def refused(revision_id: int, exc: WorkflowError, where: str, values: dict | None = None):
    """The page again, the message next to the form that caused it and the user's input kept."""
    db.session.rollback()
    if exc.status in (403, 404):
        raise exc
    return show_problem(db.session.get(Revision, revision_id), exc.status,
                        Problem(where, exc.message, values or {}, exc.fields))


def invalid(revision: Revision, form, where: str, values: dict | None = None):
    """A form that did not validate: the page again with the first message, in place."""
    return show_problem(revision, 400, Problem(where, first_error(form), values or {}))


@bp.post("/townships/<int:township_id>/revisions")
@login_required
def start(township_id: int):
    township = db.session.get(Organisation, township_id) or abort(404)
    base = None
    raw = request.form.get("base_version_id") or ""
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            abort(400, "版本编号无效")
        base = db.session.get(Version, int(raw)) or abort(404)
    reason = request.form.get("reason") or ""
    try:
        revision = ops.start_revision(township, current_user, base_version=base, reason=reason)
    except WorkflowError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        # the list page again, the message under the button and the reason typed kept
        shown = base if base is not None else snapshot.current_version(township.id)
        return render_version(township, shown, start_problem=exc.message, start_reason=reason, status=exc.status)
    db.session.commit()
    flash("已创建修订稿，可以开始修改", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


# ------------------------------------------------------------------ drafting ----
@bp.route("/revisions/<int:revision_id>/items/new", methods=["GET", "POST"])
@login_required
def add_item(revision_id: int):
    revision = get_revision(revision_id)
    if not perm.can_edit_draft(current_user, revision):
        abort(403, "只有本乡镇的起草人可以修改本修订稿")
    form = ItemForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "basic")
        form.position.data = (request.args.get("position") or "")[:10]
    if form.validate_on_submit():
        try:
            item = ops.add_item(revision, current_user, form.kind.data, form.data_for_service(),
                                form.reason.data or "", position=form.position.data)
            db.session.commit()
            flash(f"已新增事项（{KIND_LABELS[item.kind]}第 {item.number} 项）", "success")
            return redirect(url_for("revisions.show", revision_id=revision.id) + f"#d{item.id}")
        except WorkflowError as exc:
            db.session.rollback()
            if "position" in exc.fields:
                form.position.errors = [*form.position.errors, exc.fields["position"]]  # next to the box
            elif "bases" in exc.fields:
                form.bases.errors = [*form.bases.errors, exc.fields["bases"]]
            else:
                flash(exc.message, "danger")
    counts = {k: len(v) for k, v in _tables(revision).items()}
    return render_template("revisions/item_form.html", form=form, revision=revision, item=None,
                           kind_labels=KIND_LABELS, counts=counts), 400 if request.method == "POST" else 200


@bp.route("/revisions/<int:revision_id>/items/<int:draft_item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(revision_id: int, draft_item_id: int):
    revision = get_revision(revision_id)
    if not perm.can_edit_draft(current_user, revision):
        abort(403, "只有本乡镇的起草人可以修改本修订稿")
    item = db.session.get(DraftItem, draft_item_id)
    if item is None or item.revision_id != revision.id or item.deleted:
        abort(404)
    form = ItemForm()
    if request.method == "GET":
        form.fill_from(item)
    else:
        form.keep_value(item)
    if form.validate_on_submit():
        try:
            ops.edit_item(revision, current_user, item.id, form.data_for_service(), form.lock_version.data,
                          reason=form.reason.data or "", kind=form.kind.data)
            db.session.commit()
            flash("已保存", "success")
            return redirect(url_for("revisions.show", revision_id=revision.id) + f"#d{item.id}")
        except WorkflowError as exc:
            db.session.rollback()
            if "bases" in exc.fields:  # next to the 依据 box
                form.bases.errors = [*form.bases.errors, exc.fields["bases"]]
            else:
                flash(exc.message, "danger")  # the typed text stays in the form: nothing is lost
    return render_template("revisions/item_form.html", form=form, revision=revision, item=item,
                           kind_labels=KIND_LABELS, reasons=revision.reasons_of(item.item_id)), \
        400 if request.method == "POST" else 200


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/delete")
@login_required
def delete_item(revision_id: int, draft_item_id: int):
    revision = get_revision(revision_id)
    form = ItemActionForm()
    where, values = f"delete:{draft_item_id}", {"reason": request.form.get("reason", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.delete_item(revision, current_user, draft_item_id, form.lock_version.data, form.reason.data or "")
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash("已删除事项", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#draft")


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/move")
@login_required
def move_item(revision_id: int, draft_item_id: int):
    """Up or down one row (direction), or to 第 N 项 of its table in one step (position)."""
    revision = get_revision(revision_id)
    form = ItemActionForm()
    to_position = "position" in request.form
    where = f"{'moveto' if to_position else 'move'}:{draft_item_id}"
    values = {"position": request.form.get("position", ""), "reason": request.form.get("reason", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        if to_position:
            ops.move_item_to_position(revision, current_user, draft_item_id, form.position.data,
                                      form.lock_version.data, form.reason.data or "")
        else:
            ops.move_item_within(revision, current_user, draft_item_id, form.direction.data or 0,
                                 form.lock_version.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    if to_position:
        item = db.session.get(DraftItem, draft_item_id)
        flash(f"已移动到第 {item.number} 项", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id, **_filter_args()) + f"#d{draft_item_id}")


@bp.post("/revisions/<int:revision_id>/renumber")
@login_required
def renumber(revision_id: int):
    revision = get_revision(revision_id)
    if not CsrfForm().validate():
        abort(400)
    try:
        ops.renumber(revision, current_user)
    except WorkflowError as exc:
        return refused(revision_id, exc, "renumber")
    db.session.commit()
    flash("已按当前顺序重新编号", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#draft")


@bp.post("/revisions/<int:revision_id>/items/<int:item_id>/reason")
@login_required
def explain(revision_id: int, item_id: int):
    """A 修改理由 for one change (the change list's form)."""
    revision = get_revision(revision_id)
    if not perm.can_edit_draft(current_user, revision):
        abort(403, "只有本乡镇的起草人可以填写修改理由")
    form = ReasonForm()
    where, values = f"explain:{item_id}", {"reason": request.form.get("reason", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.explain_change(revision, current_user, item_id, form.reason.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash("已填写修改理由", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + f"#change-{item_id}")


@bp.post("/revisions/<int:revision_id>/flags/<int:flag_id>/confirm")
@login_required
def confirm_flag(revision_id: int, flag_id: int):
    revision = get_revision(revision_id)
    if not perm.can_edit_draft(current_user, revision):
        abort(403, "只有本乡镇的起草人可以处理提示")
    form = ReasonForm()
    where, values = f"flag:{flag_id}", {"reason": request.form.get("reason", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.confirm_flag(revision, current_user, flag_id, form.reason.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash("已确认保留并说明理由", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#flags")


# ------------------------------------------------------------------ deciding ----
@bp.post("/revisions/<int:revision_id>/events/<event>")
@login_required
def fire(revision_id: int, event: str):
    revision = get_revision(revision_id)
    form = DecisionForm()
    form.departments.choices = choices((int(x), "") for x in request.form.getlist("departments") if x.isdigit())
    where = f"event:{event}"
    values = {"reason": request.form.get("reason", ""), "deadline": request.form.get("deadline", ""),
              "no_consultation_reason": request.form.get("no_consultation_reason", ""),
              "departments": [int(x) for x in request.form.getlist("departments") if x.isdigit()]}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.fire(revision, event, current_user, levels=levels(), reason=form.reason.data or "",
                 departments=form.departments.data or [], deadline=form.deadline.data,
                 no_consultation_reason=form.no_consultation_reason.data or "",
                 consultation_days=current_app.config["CONSULTATION_DAYS"])
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash(f"已{EVENT_LABELS[event]}：修订稿现为“{STATUS_LABELS[Status(revision.status)]}”", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


@bp.post("/revisions/<int:revision_id>/legality")
@login_required
def conclude_legality(revision_id: int):
    """The county 司法局's conclusion of its legality review: 合法 passes the draft on, 需修改 returns it."""
    revision = get_revision(revision_id)
    if not perm.is_legality_reviewer_of(current_user, revision):
        abort(403, "只有本县司法局的合法性审查人可以作出合法性审查结论")
    form = LegalityForm()
    where = "legality"
    values = {"conclusion": request.form.get("conclusion", ""), "reasons": request.form.get("reasons", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.conclude_legality(revision, current_user, form.conclusion.data, form.reasons.data or "", levels=levels())
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash(f"已记录合法性审查结论“{LEGALITY_CONCLUSIONS[form.conclusion.data]}”：修订稿现为"
          f"“{STATUS_LABELS[Status(revision.status)]}”", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


@bp.post("/revisions/<int:revision_id>/extend")
@login_required
def extend(revision_id: int):
    revision = get_revision(revision_id)
    form = ExtendForm()
    values = {"reason": request.form.get("reason", "")}
    if not form.validate():
        return invalid(revision, form, "extend_rounds", values)
    try:
        ops.extend_rounds(revision, current_user, form.reason.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, "extend_rounds", values)
    db.session.commit()
    flash(f"已延长轮次，上限现为 {revision.max_rounds} 轮", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


# ------------------------------------------------------------------ consultations ----
@bp.post("/revisions/<int:revision_id>/consultations")
@login_required
def add_consultation(revision_id: int):
    revision = get_revision(revision_id)
    if not perm.is_county_office_of(current_user, revision):
        abort(403, "只有本县县委编办可以调整征求意见的部门")
    form = ConsultationForm()
    values = {"department": request.form.get("department", ""), "deadline": request.form.get("deadline", "")}
    if not form.validate():
        return invalid(revision, form, "consultation:add", values)
    try:
        c = ops.add_consultation(revision, current_user, form.department.data, form.deadline.data,
                                 current_app.config["CONSULTATION_DAYS"])
    except WorkflowError as exc:
        return refused(revision_id, exc, "consultation:add", values)
    db.session.commit()
    flash(f"已增加征求{c.department.name}的意见", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#consultations")


CHANGES = {"release": (ops.release_consultation, "已撤回对该部门的征求意见"),
           "lapse": (ops.lapse_consultation, "已记为逾期未反馈，视为无意见"),
           "extend": (ops.extend_consultation, "已延长该部门的截止日期")}


@bp.post("/revisions/<int:revision_id>/consultations/<int:consultation_id>/<any(release, lapse, extend):change>")
@login_required
def change_consultation(revision_id: int, consultation_id: int, change: str):
    revision = get_revision(revision_id)
    if not perm.is_county_office_of(current_user, revision):
        abort(403, "只有本县县委编办可以调整征求意见的部门")
    form = ConsultationChangeForm()
    where = f"consultation:{consultation_id}:{change}"
    values = {"reason": request.form.get("reason", ""), "deadline": request.form.get("deadline", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    operation, done = CHANGES[change]
    try:
        if change == "extend":
            operation(revision, current_user, consultation_id, form.deadline.data, form.reason.data)
        else:
            operation(revision, current_user, consultation_id, form.reason.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#consultations")


# ------------------------------------------------------------------ opinions ----
def get_opinion(revision: Revision, opinion_id: int) -> Opinion:
    opinion = db.session.get(Opinion, opinion_id)
    if opinion is None or opinion.revision_id != revision.id or opinion not in drafts.visible_opinions(
            revision, current_user):
        abort(404)
    return opinion


@bp.post("/revisions/<int:revision_id>/opinions")
@login_required
def add_opinion(revision_id: int):
    revision = get_revision(revision_id)
    form = OpinionForm()
    where = f"opinion:{request.form.get('item_id') or 'whole'}"
    values = {"body": request.form.get("body", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.add_opinion(revision, current_user, form.body.data, form.item_id.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash("意见已提交", "success")
    anchor = f"#change-{form.item_id.data}" if form.item_id.data else "#opinions"
    return redirect(url_for("revisions.show", revision_id=revision.id) + anchor)


@bp.post("/revisions/<int:revision_id>/signoff")
@login_required
def sign_off(revision_id: int):
    revision = get_revision(revision_id)
    if perm.consultation_of(current_user, revision) is None:
        abort(403, "只有被征求意见的县直部门可以签署")
    form = SignOffForm()
    values = {"verdict": request.form.get("verdict", "")}
    if not form.validate():
        return invalid(revision, form, "signoff", values)
    try:
        row = ops.sign_off(revision, current_user, form.verdict.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, "signoff", values)
    db.session.commit()
    flash(f"本部门已签署本轮意见（{VERDICTS[row.verdict]}）", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


@bp.post("/revisions/<int:revision_id>/answers")
@login_required
def answer_all(revision_id: int):
    """The township answers every open opinion in one submit: all are written, or none."""
    revision = get_revision(revision_id)
    if not perm.can_answer_opinions(current_user, revision):
        abort(403, "只有本乡镇的起草人可以答复意见")
    if not CsrfForm().validate():
        abort(400)
    visible = {o.id: o for o in drafts.visible_opinions(revision, current_user)}
    ids = [int(x) for x in request.form.getlist("opinion_id") if x.isdigit() and int(x) in visible]
    values = {f"answer-{i}": request.form.get(f"answer-{i}", "") for i in ids}
    values.update({f"body-{i}": request.form.get(f"body-{i}", "") for i in ids})
    answers = [(visible[i], request.form.get(f"answer-{i}", ""), request.form.get(f"body-{i}", "")) for i in ids]
    try:
        ops.answer_opinions(revision, current_user, answers)
    except WorkflowError as exc:
        return refused(revision_id, exc, "answers", values)
    db.session.commit()
    flash(f"已答复 {len(answers)} 条意见", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#opinions")


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/reply")
@login_required
def reply(revision_id: int, opinion_id: int):
    revision = get_revision(revision_id)
    opinion = get_opinion(revision, opinion_id)
    form = ReplyForm()
    where, values = f"reply:{opinion_id}", {"body": request.form.get("body", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        ops.reply_opinion(opinion, current_user, form.body.data)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    return redirect(url_for("revisions.show", revision_id=revision.id) + f"#opinion-{opinion.id}")


# ------------------------------------------------------------------ 意见汇总表 ----
def _summary(revision: Revision):
    return opinion_summary.summary(revision, drafts.visible_opinions(revision, current_user))


@bp.get("/revisions/<int:revision_id>/opinions/summary")
@login_required
def summary(revision_id: int):
    revision = get_revision(revision_id)
    return render_template("revisions/summary.html", revision=revision, passes=_summary(revision))


@bp.get("/revisions/<int:revision_id>/opinions/summary.<any(docx, xlsx):fmt>")
@login_required
def summary_download(revision_id: int, fmt: str):
    revision = get_revision(revision_id)
    title = f"{revision.township.name}履职事项清单修订稿意见汇总表"
    data = (opinion_table.to_docx if fmt == "docx" else opinion_table.to_xlsx)(title, _summary(revision))
    record_event("export", actor=current_user, revision=revision, target=f"revision:{revision.id}",
                 details={"format": fmt, "document": "opinion_summary"}, ip=request.remote_addr)
    db.session.commit()
    mimetype = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[fmt]
    name = quote(f"{title}.{fmt}")
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=summary.{fmt}; filename*=UTF-8''{name}"})


# ------------------------------------------------------------------ deputies (代理) ----
@bp.post("/revisions/<int:revision_id>/consultations/<int:consultation_id>/reassign")
@login_required
def reassign_consultation(revision_id: int, consultation_id: int):
    """The county office gives a department's pending consultation to another user of that department."""
    revision = get_revision(revision_id)
    if not perm.is_county_office_of(current_user, revision):
        abort(403, "只有本县县委编办可以改派部门经办人")
    form = CsrfForm()
    where = f"consultation:{consultation_id}:reassign"
    values = {"assignee": request.form.get("assignee", "")}
    if not form.validate():
        return invalid(revision, form, where, values)
    try:
        c = ops.reassign_consultation(revision, current_user, consultation_id, values["assignee"] or None)
    except WorkflowError as exc:
        return refused(revision_id, exc, where, values)
    db.session.commit()
    flash(f"已改派{c.department.name}的经办人：{c.assignee.display_name if c.assignee else '本部门任一审核人'}", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#consultations")
