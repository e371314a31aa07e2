"""The 代理 page: a reviewer names a deputy of their organisation for a period, or withdraws one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forms.choices import choices
from forms.deputies import DeputyForm
from forms.review import CsrfForm
from workflow import permissions as perm
from workflow.errors import WorkflowError

from .. import clock
from ..extensions import db
from ..models import Delegation, User
from ..services import delegations

bp = Blueprint("deputies", __name__, url_prefix="/deputies")


@bp.before_request
@login_required
def reviewers_only():
    if not perm.can_name_deputy(current_user):
        abort(403, perm.DELEGATING_MESSAGE)


def _page(form, status=200, problem=None):
    today = clock.today()
    mine = delegations.mine(current_user)
    acting = [d for d in current_user.deputyships if d.active_on(today)]
    return render_template("deputies/index.html", form=form, mine=mine, acting=acting, problem=problem,
                           state_label=delegations.state_label, today=today,
                           withdraw_form=CsrfForm()), status


def _form():
    form = DeputyForm()
    form.deputy.choices = choices((u.id, f"{u.display_name}（{u.username}）") for u in delegations.candidates(current_user))
    return form


@bp.get("")
def index():
    form = _form()
    if form.starts_on.data is None:
        form.starts_on.data = clock.today()
    return _page(form)


@bp.post("")
def create():
    form = _form()
    if not form.validate():
        return _page(form, 400)  # the messages are next to their boxes
    deputy = db.session.get(User, form.deputy.data) if form.deputy.data else None
    try:
        starts_on, ends_on = delegations.period(form.starts_on.data, form.ends_on.data)
        d = delegations.name_deputy(current_user, deputy, starts_on, ends_on)
    except WorkflowError as exc:
        db.session.rollback()
        return _page(form, exc.status if exc.status != 404 else 400, exc.message)
    db.session.commit()
    flash(f"已指定{d.deputy.display_name}为代理人（{d.starts_on} 至 {d.ends_on}）", "success")
    return redirect(url_for("deputies.index"))


@bp.post("/<int:delegation_id>/withdraw")
def withdraw(delegation_id: int):
    d = db.session.get(Delegation, delegation_id)
    if d is None or d.delegator_id != current_user.id:
        abort(404)
    form = CsrfForm()
    if not form.validate():
        abort(400)
    try:
        delegations.withdraw(d, current_user)
    except WorkflowError as exc:
        db.session.rollback()
        return _page(_form(), exc.status, exc.message)
    db.session.commit()
    flash(f"已撤回对{d.deputy.display_name}的代理", "success")
    return redirect(url_for("deputies.index"))
