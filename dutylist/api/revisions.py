"""Routes: revisions, their items and the moves of the review machine."""
from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import select

from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Invalid, NotFound
from workflow.states import EVENT_LABELS

from ..extensions import db
from ..items import FIELDS, Shape
from ..models import DraftItem, Revision, Version
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as check
from .blueprint import bp


@bp.get("/townships/<int:township_id>/revisions")
@auth.token_required
def township_revisions(township_id: int):
    """The township's revisions the user may read, newest first."""
    org = load.township(township_id)
    revisions = db.session.scalars(select(Revision).where(Revision.township_id == org.id)
                                   .order_by(Revision.id.desc())).all()
    return jsonify(revisions=[ser.revision_summary(r) for r in revisions
                              if perm.can_read_revision(g.api_user, r)])


@bp.post("/townships/<int:township_id>/revisions")
@auth.token_required
def start_revision(township_id: int):
    org = load.township(township_id)
    data = check.body(("title", "base_version_id", "reason"))
    title = check.text(data, "title", limit=200).strip()
    base_id = check.integer(data.get("base_version_id"), "base_version_id")
    base = None
    if base_id is not None:
        base = db.session.get(Version, base_id) if 0 < base_id <= load.MAX_ID else None
        if base is None:
            raise Invalid("所选版本不存在")
    # a revert (an older base version) says why: the reason explains every change it makes
    revision = ops.start_revision(org, g.api_user, title=title, base_version=base, reason=check.reason(data))
    db.session.commit()
    response, status = ser.revision_response(revision, 201)
    response.headers["Location"] = url_for("api.revision", revision_id=revision.id)
    return response, status


@bp.get("/revisions/<int:revision_id>")
@auth.token_required
def revision(revision_id: int):
    return jsonify(ser.revision_json(load.revision(revision_id), g.api_user))


# ---------------------------------------------------------------------- items ----
@bp.post("/revisions/<int:revision_id>/items")
@auth.token_required
def add_item(revision_id: int):
    revision = load.revision(revision_id)
    data = check.body(("kind", "reason", "position", *check.ITEM_KEYS))
    kind = check.kind(data, required=True)
    fields = check.item_fields(data)
    position = check.integer(data.get("position"), "position")
    item = ops.add_item(revision, g.api_user, kind, fields, check.reason(data), position=position)
    db.session.commit()
    return jsonify(ser.draft_item_json(item)), 201


@bp.patch("/revisions/<int:revision_id>/items/<int:draft_item_id>")
@auth.token_required
def edit_item(revision_id: int, draft_item_id: int):
    """Change some fields and/or move the item to another table; the rest is kept."""
    revision = load.revision(revision_id)
    item = load.draft_item(revision, draft_item_id)
    data = check.body(("lock_version", "kind", "reason", *check.ITEM_KEYS))
    lock_version = check.integer(data.get("lock_version"), "lock_version", required=True)
    kind = check.kind(data, required=False)
    given = check.item_fields(data)
    merged = {**item.fields(), **given}
    for f in FIELDS:
        if f.shape == Shape.departments:
            text, names = f.keys
            if text in given and names not in given:
                merged.pop(names)  # the departments are read from the new text
            elif names in given and text not in given:
                merged[text] = ""  # printed from the new list
    item = ops.edit_item(revision, g.api_user, item.id, merged, lock_version, check.reason(data), kind=kind)
    db.session.commit()
    return jsonify(ser.draft_item_json(item))


@bp.delete("/revisions/<int:revision_id>/items/<int:draft_item_id>")
@auth.token_required
def delete_item(revision_id: int, draft_item_id: int):
    """Delete (mark removed, with a reason); lock_version and reason in the body or the query."""
    revision = load.revision(revision_id)
    item = load.draft_item(revision, draft_item_id)
    query = request.args.to_dict()
    unknown = sorted(k for k in query if k not in ("lock_version", "reason"))
    if unknown:
        raise Invalid("未知参数：" + "、".join(unknown))
    body = check.body(("lock_version", "reason"))
    if "lock_version" in body:
        lock_version = check.integer(body["lock_version"], "lock_version", required=True)
    else:
        lock_version = check.integer(query.get("lock_version"), "lock_version", required=True, from_query=True)
    data = {**query, **body}
    ops.delete_item(revision, g.api_user, item.id, lock_version, check.reason(data))
    db.session.commit()
    return jsonify(ser.draft_item_json(db.session.get(DraftItem, item.id)))


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/move")
@auth.token_required
def move_item(revision_id: int, draft_item_id: int):
    """Swap with the neighbour above (-1) or below (1) in the same table, or go to 第 position 项 of it."""
    revision = load.revision(revision_id)
    item = load.draft_item(revision, draft_item_id)
    data = check.body(("direction", "position", "lock_version", "reason"))
    if ("direction" in data) == ("position" in data):
        raise Invalid("请给出 direction（-1 上移 / 1 下移）或 position（移动到第几项）之一")
    lock_version = check.integer(data.get("lock_version"), "lock_version", required=True)
    if "position" in data:
        position = check.integer(data.get("position"), "position", required=True)
        ops.move_item_to_position(revision, g.api_user, item.id, position, lock_version, check.reason(data))
    else:
        direction = check.integer(data.get("direction"), "direction", required=True)
        if direction not in (-1, 1):
            raise Invalid("字段 direction 应为 -1（上移）或 1（下移）")
        if "reason" in data:
            raise Invalid("上移、下移不需要理由；reason 只用于 position")
        ops.move_item_within(revision, g.api_user, item.id, direction, lock_version)
    db.session.commit()
    return jsonify(ser.draft_item_json(db.session.get(DraftItem, item.id)))


@bp.post("/revisions/<int:revision_id>/renumber")
@auth.token_required
def renumber(revision_id: int):
    revision = load.revision(revision_id)
    check.body(())
    ops.renumber(revision, g.api_user)
    db.session.commit()
    return ser.revision_response(revision)


# --------------------------------------------------------------------- events ----
@bp.post("/revisions/<int:revision_id>/events/<event>")
@auth.token_required
def fire_event(revision_id: int, event: str):
    """One move of the review machine (submit, accept, return_for_revision, approve, …)."""
    if event not in EVENT_LABELS:
        raise NotFound(f"没有名为 {event} 的操作", [f"可用操作：{'、'.join(EVENT_LABELS)}"])
    revision = load.revision(revision_id)
    data = check.body(("reason", "departments", "deadline", "no_consultation_reason"))
    reason = check.reason(data)
    departments = check.id_list(data, "departments")
    deadline = check.deadline(data)
    none_reason = check.text(data, "no_consultation_reason")
    if event != "accept" and (departments or deadline or none_reason):
        raise Invalid("只有“受理并征求意见”可以选择征求意见的部门、截止日期或说明无需征求意见的理由")
    ops.fire(revision, event, g.api_user, levels=load.levels(), reason=reason,
             departments=departments, deadline=deadline, no_consultation_reason=none_reason,
             consultation_days=current_app.config["CONSULTATION_DAYS"])
    db.session.commit()
    return ser.revision_response(revision)


@bp.post("/revisions/<int:revision_id>/legality")
@auth.token_required
def conclude_legality(revision_id: int):
    """The county 司法局's legality conclusion: lawful (合法) passes the draft on, needs_change (需修改,
    with reasons) returns it to the township."""
    revision = load.revision(revision_id)
    data = check.body(("conclusion", "reasons"))
    conclusion = check.text(data, "conclusion", required=True, limit=20).strip()
    ops.conclude_legality(revision, g.api_user, conclusion, check.text(data, "reasons").strip(), levels=load.levels())
    db.session.commit()
    return ser.revision_response(revision)


@bp.post("/revisions/<int:revision_id>/extend")
@auth.token_required
def extend_rounds(revision_id: int):
    """The county office allows one more round, with a written reason."""
    revision = load.revision(revision_id)
    data = check.body(("reason",))
    ops.extend_rounds(revision, g.api_user, check.reason(data))
    db.session.commit()
    return ser.revision_response(revision)




# --------------------------------------------------------------- consultations ----
@bp.get("/revisions/<int:revision_id>/consultations")
@auth.token_required
def consultations(revision_id: int):
    """Every consulted department with its state in each pass."""
    revision = load.revision(revision_id)
    return jsonify(revision_id=revision.id, round=revision.round,
                   consultations=[ser.consultation_json(c) for c in revision.consultations])


@bp.post("/revisions/<int:revision_id>/consultations")
@auth.token_required
def add_consultation(revision_id: int):
    """The county office consults one more department while it reviews."""
    revision = load.revision(revision_id)
    data = check.body(("department", "deadline"))
    department = check.integer(data.get("department"), "department", required=True)
    c = ops.add_consultation(revision, g.api_user, department, check.deadline(data),
                             current_app.config["CONSULTATION_DAYS"])
    db.session.commit()
    return jsonify(ser.consultation_json(c)), 201


@bp.post("/revisions/<int:revision_id>/consultations/<int:consultation_id>/<any(release, lapse, extend):change>")
@auth.token_required
def change_consultation(revision_id: int, consultation_id: int, change: str):
    """Release a department, record it as lapsed after its deadline, or extend its deadline: with a reason."""
    revision = load.revision(revision_id)
    data = check.body(("reason", "deadline") if change == "extend" else ("reason",))
    reason = check.reason(data)
    if change == "extend":
        ops.extend_consultation(revision, g.api_user, consultation_id, check.deadline(data), reason)
    elif change == "release":
        ops.release_consultation(revision, g.api_user, consultation_id, reason)
    else:
        ops.lapse_consultation(revision, g.api_user, consultation_id, reason)
    db.session.commit()
    c = next(c for c in revision.consultations if c.id == consultation_id)
    return jsonify(ser.consultation_json(c))


# ----------------------------------------------------------------- reasons, flags ----
@bp.post("/revisions/<int:revision_id>/items/<int:item_id>/reasons")
@auth.token_required
def explain_change(revision_id: int, item_id: int):
    """A 修改理由 for one change of the draft (item_id: the item's identity)."""
    revision = load.revision(revision_id)
    data = check.body(("reason",))
    ops.explain_change(revision, g.api_user, item_id, check.text(data, "reason", required=True))
    db.session.commit()
    return jsonify(item_id=item_id, reasons=revision.reasons_of(item_id)), 201


@bp.post("/revisions/<int:revision_id>/flags/<int:flag_id>/confirm")
@auth.token_required
def confirm_flag(revision_id: int, flag_id: int):
    """Keep a flagged item as it is, with the reason."""
    revision = load.revision(revision_id)
    data = check.body(("reason",))
    flag = ops.confirm_flag(revision, g.api_user, flag_id, check.text(data, "reason", required=True))
    db.session.commit()
    return jsonify(id=flag.id, item_id=flag.item_id, resolution=flag.resolution, reason=flag.resolved_reason)
