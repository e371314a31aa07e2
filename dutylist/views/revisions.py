"""Pages of a revision: drafting the working copy, reviewing it, deciding on it."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.items import ItemForm
from forms.review import AnswerForm, DecisionForm, ExtendForm, ItemActionForm, OpinionForm, ReplyForm
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import WorkflowError
from workflow.states import EVENT_LABELS, STATUS_LABELS, Status

from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import ANSWERS, AuditEvent, DraftItem, Opinion, Organisation, OrgKind, Revision, Version
from ..services import departments as dept_registry
from ..services import drafts
from ..services.audit import ACTION_LABELS
from ..services.diff import FIELD_LABELS, split_renumbered

bp = Blueprint("revisions", __name__)


def levels():
    return current_app.config["REVIEW_LEVELS"]


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


# ------------------------------------------------------------------ reading ----
def render_revision(revision: Revision, status: int = 200, **forms):
    user = current_user
    events = ops.available_events(revision, user, levels())
    decision = forms.get("decision") or DecisionForm()
    all_changes = drafts.changes(revision)  # computed once for the whole page
    suggested = (drafts.suggest_departments(revision, all_changes)
                 if Status(revision.status) == Status.submitted else [])
    county = revision.township.county
    bodies = [o for o in dept_registry.registry(county).values() if o.kind == OrgKind.department]
    decision.departments.choices = [(o.id, o.name) for o in sorted(bodies, key=lambda o: o.id)]
    if request.method == "GET" and suggested:
        decision.departments.data = [o.id for o in suggested]
    consultation = perm.consultation_of(user, revision)
    if perm.sees_changes_concerning_only(user):
        changes = drafts.items_for_department(revision, user.organisation_id,
                                              consultation.signed_hashes if consultation else None, all_changes)
    else:
        changes = all_changes
    # items whose only change is their number (another item was added, moved or removed): listed apart
    changes, renumbered = split_renumbered(changes)
    editable = perm.can_edit_now(user, revision)
    timeline = db.session.scalars(select(AuditEvent).where(AuditEvent.revision_id == revision.id)
                                  .order_by(AuditEvent.seq)).all()
    can_opine = perm.can_write_opinion(user, revision)
    items_by_id = {i.item_id: i for i in revision.items}
    return render_template(
        "revisions/show.html", revision=revision, events=events, event_labels=EVENT_LABELS,
        action_labels={**ACTION_LABELS, **EVENT_LABELS}, field_labels=FIELD_LABELS,
        status_labels=STATUS_LABELS, decision=decision, suggested=suggested, changes=changes,
        renumbered=renumbered,
        editable=editable, problems=drafts.check_problems(revision) if editable else [],
        tables={k: [i for i in drafts.live_items(revision) if i.kind == k] for k in KINDS},
        kinds=KINDS, kind_labels=KIND_LABELS, timeline=timeline, consultation=consultation,
        can_opine=can_opine, opinion_form=forms.get("opinion") or OpinionForm(),
        answer_form=AnswerForm(), reply_form=ReplyForm(), extend_form=ExtendForm(),
        opinions=drafts.visible_opinions(revision, user, all_changes), can_sign_off=perm.can_sign_off(user, revision),
        whole_draft=perm.sees_whole_draft(user, revision), can_reply=perm.can_reply_to_opinion(user, revision),
        action_form=ItemActionForm(), answers=ANSWERS, items_by_id=items_by_id,
        unanswered={o.id for o in ops.unanswered_opinions(revision)},
        is_drafter=perm.can_answer_opinions(user, revision), is_office=perm.is_county_office_of(user, revision)), status


@bp.get("/revisions/<int:revision_id>")
@login_required
def show(revision_id: int):
    return render_revision(get_revision(revision_id))


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
    revision = ops.start_revision(township, current_user, base_version=base)
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
    if form.validate_on_submit():
        try:
            ops.add_item(revision, current_user, form.kind.data, form.data_for_service(), form.reason.data or "")
            db.session.commit()
            flash("已新增事项", "success")
            return redirect(url_for("revisions.show", revision_id=revision.id) + "#draft")
        except WorkflowError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
    return render_template("revisions/item_form.html", form=form, revision=revision, item=None, kind_labels=KIND_LABELS), \
        400 if request.method == "POST" else 200


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
            flash(exc.message, "danger")  # the typed text stays in the form: nothing is lost
    return render_template("revisions/item_form.html", form=form, revision=revision, item=item, kind_labels=KIND_LABELS), \
        400 if request.method == "POST" else 200


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/delete")
@login_required
def delete_item(revision_id: int, draft_item_id: int):
    revision = get_revision(revision_id)
    form = ItemActionForm()
    if not form.validate():
        abort(400, first_error(form))
    ops.delete_item(revision, current_user, draft_item_id, form.lock_version.data, form.reason.data or "")
    db.session.commit()
    flash("已删除事项", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#draft")


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/move")
@login_required
def move_item(revision_id: int, draft_item_id: int):
    revision = get_revision(revision_id)
    form = ItemActionForm()
    if not form.validate():
        abort(400, first_error(form))
    ops.move_item_within(revision, current_user, draft_item_id, form.direction.data or 0, form.lock_version.data)
    db.session.commit()
    return redirect(url_for("revisions.show", revision_id=revision.id) + f"#d{draft_item_id}")


@bp.post("/revisions/<int:revision_id>/renumber")
@login_required
def renumber(revision_id: int):
    revision = get_revision(revision_id)
    ops.renumber(revision, current_user)
    db.session.commit()
    flash("已按当前顺序重新编号", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#draft")


# ------------------------------------------------------------------ deciding ----
@bp.post("/revisions/<int:revision_id>/events/<event>")
@login_required
def fire(revision_id: int, event: str):
    revision = get_revision(revision_id)
    form = DecisionForm()
    form.departments.choices = [(int(x), "") for x in request.form.getlist("departments") if x.isdigit()]
    if not form.validate():
        flash(first_error(form), "danger")
        return render_revision(revision, 400, decision=form)
    try:
        ops.fire(revision, event, current_user, levels=levels(), reason=form.reason.data or "",
                 departments=form.departments.data or [], deadline=form.deadline.data)
    except WorkflowError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(exc.message, "danger")
        return render_revision(db.session.get(Revision, revision_id), exc.status, decision=form)
    db.session.commit()
    flash(f"已{EVENT_LABELS[event]}：修订稿现为“{STATUS_LABELS[Status(revision.status)]}”", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


@bp.post("/revisions/<int:revision_id>/extend")
@login_required
def extend(revision_id: int):
    revision = get_revision(revision_id)
    form = ExtendForm()
    if not form.validate():
        abort(400, first_error(form))
    ops.extend_rounds(revision, current_user, form.reason.data)
    db.session.commit()
    flash(f"已延长轮次，上限现为 {revision.max_rounds} 轮", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


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
    if not form.validate():
        flash(first_error(form), "danger")
        return render_revision(revision, 400, opinion=form)
    ops.add_opinion(revision, current_user, form.body.data, form.item_id.data)
    db.session.commit()
    flash("意见已提交", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + "#opinions")


@bp.post("/revisions/<int:revision_id>/signoff")
@login_required
def sign_off(revision_id: int):
    revision = get_revision(revision_id)
    ops.sign_off(revision, current_user)
    db.session.commit()
    flash("本部门已签署意见", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id))


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/answer")
@login_required
def answer(revision_id: int, opinion_id: int):
    revision = get_revision(revision_id)
    opinion = get_opinion(revision, opinion_id)
    form = AnswerForm()
    if not form.validate():
        abort(400, first_error(form))
    ops.answer_opinion(opinion, current_user, form.answer.data, form.body.data)
    db.session.commit()
    flash("已答复", "success")
    return redirect(url_for("revisions.show", revision_id=revision.id) + f"#opinion-{opinion.id}")


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/reply")
@login_required
def reply(revision_id: int, opinion_id: int):
    revision = get_revision(revision_id)
    opinion = get_opinion(revision, opinion_id)
    form = ReplyForm()
    if not form.validate():
        abort(400, first_error(form))
    ops.reply_opinion(opinion, current_user, form.body.data)
    db.session.commit()
    return redirect(url_for("revisions.show", revision_id=revision.id) + f"#opinion-{opinion.id}")
