"""Routes: a change of law (issue 14.3–14.4): mark a basis amended or repealed, its impact within the
caller's area, and adjustment drafts for every affected township in one call."""
from __future__ import annotations

from flask import g, jsonify

from workflow import law
from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid

from ..extensions import db
from ..models import BASIS_FLAG_LABELS, Basis
from ..services import law_change
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as check
from .blueprint import bp


def basis_status_json(basis: Basis) -> dict:
    return {"id": basis.id, "title": basis.title, "doc_number": basis.doc_number, "status": basis.status,
            "status_label": basis.status_label, "status_note": basis.status_note,
            "amended_on": basis.amended_on.isoformat() if basis.amended_on else None,
            "repealed_on": basis.repealed_on.isoformat() if basis.repealed_on else None,
            "replaced_by": basis.replaced_by_id}


@bp.post("/bases/<int:basis_id>/status")
@auth.token_required
def basis_status(basis_id: int):
    """Mark a basis amended or repealed: every item of every township's current version citing it is flagged."""
    basis = load.get(Basis, basis_id, "依据不存在")
    data = check.body(("status", "date", "note", "replaced_by"))
    status = check.text(data, "status", required=True, limit=20)
    if status not in law.STATUS_WORDS:
        raise Invalid("字段 status 应为 amended（已修订）或 repealed（已废止）")
    day = check.day(data, "date", required=True)
    note = check.text(data, "note", limit=law.NOTE_LIMIT)
    replaced_by = check.integer(data.get("replaced_by"), "replaced_by")
    flagged = law.change_basis_status(basis, g.api_user, status, day, note, replaced_by)
    db.session.commit()
    return jsonify(basis=basis_status_json(basis), flagged=flagged,
                   impact=law_change.count_open(basis.id, perm.area_of(g.api_user)) if perm.area_of(g.api_user) else 0)


@bp.get("/bases/<int:basis_id>/impact")
@auth.token_required
def basis_impact(basis_id: int):
    """The townships of the caller's area whose current items cite the basis and are flagged, with the items."""
    basis = load.get(Basis, basis_id, "依据不存在")
    area = perm.area_of(g.api_user)
    if area is None or not perm.can_read_basis_impact(g.api_user):
        raise Forbidden("您的账号没有可查看的辖区")
    towns = law_change.impact(basis.id, area)
    label = BASIS_FLAG_LABELS.get(basis.status)  # every open flag of a basis carries its current status
    return jsonify(basis=basis_status_json(basis), label=label, townships=[
        {"id": t.id, "name": t.name, "county": t.county, "version_id": t.version_id, "revision_id": t.revision_id,
         "items": t.items} for t in towns], total=sum(len(t.items) for t in towns))


@bp.post("/bases/<int:basis_id>/adjustments")
@auth.token_required
def basis_adjustments(basis_id: int):
    """Adjustment drafts for every affected township of the caller's area: new ones, or the flags added to
    the open one."""
    basis = load.get(Basis, basis_id, "依据不存在")
    check.body(())
    opened = law.open_adjustments(basis, g.api_user)
    db.session.commit()
    return jsonify(revisions=[{**ser.revision_summary(rev), "township": ser.township_ref(rev.township),
                               "created": created, "flagged_items": items} for rev, created, items in opened]), 201
