"""Routes: adjustment requests (调整申请) — submitting one for a township, reading those of the caller's area,
and the county office's decision."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from workflow import permissions as perm
from workflow import requests as ops
from workflow.errors import Forbidden, Invalid

from ..extensions import db
from ..items import CONTENT_KEYS
from ..models import AdjustmentRequest
from ..services import requests as reading
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as v
from .blueprint import bp

ITEM_KEYS = ("action", "kind", "item_id", "fields")


def request_json(r: AdjustmentRequest, *, full: bool = True) -> dict:
    out = {"id": r.id, "type": r.type, "type_label": r.type_label, "situation": r.situation, "status": r.status,
           "status_label": r.status_label, "county": ser.org_json(r.county),
           "townships": [{**ser.org_json(t.township), "revision_id": t.revision_id} for t in r.townships],
           "organisation": ser.org_json(r.organisation), "requested_by": ser.user_json(r.requested_by),
           "submitted_at": ser.iso(r.submitted_at), "due_on": ser.iso(r.due_on),
           "overdue_days": reading.overdue_days(r), "decided_at": ser.iso(r.decided_at),
           "decided_by": ser.user_json(r.decided_by), "decision_reason": r.decision_reason}
    if full:
        out["reason"] = r.reason
        out["items"] = [{"action": i.action, "action_label": i.action_label, "kind": i.kind, "item_id": i.item_id,
                         "township_id": i.township_id, "label": i.label, "fields": i.fields} for i in r.items]
    return out


def _changes(data: dict) -> list[dict]:
    """The `items` of a request body, type-checked (their content is checked by the operation)."""
    raw = data.get("items")
    if raw is None:
        raise Invalid("缺少字段 items（要调整的事项）")
    if not isinstance(raw, list):
        raise Invalid("字段 items 应为列表")
    out = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise Invalid(f"第 {n} 项调整应为对象（action、kind、item_id、fields）")
        unknown = sorted(k for k in item if k not in ITEM_KEYS)
        if unknown:
            raise Invalid(f"第 {n} 项调整：未知字段 " + "、".join(unknown), [f"可用字段：{'、'.join(ITEM_KEYS)}"])
        fields = item.get("fields")
        if fields is not None:
            if not isinstance(fields, dict):
                raise Invalid(f"第 {n} 项调整：事项内容（fields）应为对象")
            unknown = sorted(k for k in fields if k not in CONTENT_KEYS)
            if unknown:
                raise Invalid(f"第 {n} 项调整：事项内容有未知字段 " + "、".join(unknown),
                              [f"可用字段：{'、'.join(CONTENT_KEYS)}"])
            fields = v.item_fields(fields)
        item_id = v.integer(item.get("item_id"), "item_id")
        out.append({**item, "fields": fields, "item_id": item_id})
    return out


@bp.post("/townships/<int:township_id>/requests")
@auth.token_required
def submit_request(township_id: int):
    """A township's or a county department's request (`townships`: further townships of the county)."""
    data = v.body(("type", "situation", "reason", "items", "townships"))
    others = data.get("townships") or []
    if not isinstance(others, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in others):
        raise Invalid("字段 townships 应为乡镇 id 的列表")
    townships = [load.township(township_id)] + [load.township(t) for t in others]
    if not perm.can_make_requests(g.api_user):
        raise Forbidden("只有乡镇和县直部门可以提出调整申请")
    for township in townships:  # who may ask, before what is asked is read
        refusal = perm.request_refusal(g.api_user, township)
        if refusal:
            raise Forbidden(refusal)
    changes = _changes(data)
    created = ops.submit_request(g.api_user, townships, data.get("type"), data.get("situation"),
                                 v.text(data, "reason"), changes, days=current_app.config.get("REQUEST_DAYS"))
    db.session.commit()
    return jsonify(request_json(created)), 201


@bp.get("/requests")
@auth.token_required
def requests_list():
    """The requests of the caller's area, newest first (?type=dynamic|admission, ?status=)."""
    if not perm.can_list_requests(g.api_user):
        raise Forbidden("您的角色不能查看调整申请")
    rows = reading.list_for(g.api_user, request.args.get("type") or None, request.args.get("status") or None)
    return jsonify(requests=[request_json(r, full=False) for r in rows])


def _readable(request_id: int) -> AdjustmentRequest:
    r = load.get(AdjustmentRequest, request_id, "调整申请不存在")
    if not perm.can_read_request(g.api_user, r):
        raise Forbidden("该调整申请不属于您所在单位的管辖范围")
    return r


@bp.get("/requests/<int:request_id>")
@auth.token_required
def request_detail(request_id: int):
    return jsonify(request_json(_readable(request_id)))


@bp.post("/requests/<int:request_id>/decide")
@auth.token_required
def decide_request(request_id: int):
    """The county office accepts (drafts for the townships concerned) or rejects (with a reason), once."""
    r = _readable(request_id)
    data = v.body(("decision", "reason"))
    ops.decide_request(r, g.api_user, data.get("decision"), v.text(data, "reason"))
    db.session.commit()
    return jsonify(request_json(r))
