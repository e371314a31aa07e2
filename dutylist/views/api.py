"""The JSON API under /api/v1, with bearer tokens; the same operations as the pages.

Every view is thin: load (404 if missing), authorize, validate the JSON body (400 with a
Chinese message on bad shapes), call ONE operation of workflow.operations, commit, answer
JSON. Refusals are workflow.errors raised here or in the operations; dutylist.errors turns
them into `{"error", "details", "status"}` (and StaleDataError into 409) for /api/ paths.
The OpenAPI document (views/openapi.py) must list every route registered here.
"""
from __future__ import annotations

import json
import re
from datetime import date
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy import func, select

from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid, NotFound
from workflow.states import EVENT_LABELS, OPEN, STATUS_LABELS, Status

from ..extensions import csrf, db
from ..importers.parsed import KIND_LABELS
from ..models import ANSWERS, KINDS, DraftItem, Opinion, Organisation, OrgKind, Revision, Version
from ..models.dutylist import CONTENT_FIELDS
from ..services import departments as dept_registry
from ..services import diff, drafts, history, snapshot
from ..services.tokens import user_for
from .openapi import spec as openapi_spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated, no cookies: CSRF does not apply

MAX_ID = 2**31 - 1  #: ids are 32-bit integers in the database; larger ones cannot exist
#: keys an item body may carry (besides lock_version / kind / reason where allowed)
ITEM_TEXT_KEYS = ("category", "name", "departments_text")
ITEM_LIST_KEYS = ("departments", "dept_duties", "township_duties")
ITEM_KEYS = (*ITEM_TEXT_KEYS, *ITEM_LIST_KEYS, "receiving")


def token_required(view):
    """Authenticate `Authorization: Bearer <token>`; 401 JSON otherwise."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        user = user_for(token)
        if user is None:
            db.session.rollback()
            return jsonify(error="需要有效的 API 令牌（Authorization: Bearer …）", details=[], status=401), 401
        g.api_user = user
        response = view(*args, **kwargs)
        db.session.commit()  # keeps last_used_at (a no-op after a view that committed)
        return response
    return wrapped


def _levels() -> tuple[str, ...]:
    return tuple(current_app.config["REVIEW_LEVELS"])


# ------------------------------------------------------------------ loading ----
def _get(model, ident: int, message: str):
    if not 0 < ident <= MAX_ID:
        raise NotFound(message)
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(message)
    return obj


def _township(township_id: int) -> Organisation:
    org = _get(Organisation, township_id, "乡镇不存在")
    if org.kind != OrgKind.township:
        raise NotFound("乡镇不存在")
    return org


def _revision(revision_id: int) -> Revision:
    """The revision, if the user has business with it (404 / 403), for reading and for acting.

    The same gate as the pages: whoever may not see a draft may do nothing with it, so an
    outsider learns nothing of its state from a 409. The operations then check role,
    organisation and state themselves (this gate never allows what they refuse)."""
    revision = _get(Revision, revision_id, "修订稿不存在")
    if not perm.can_read_revision(g.api_user, revision):
        if not perm.acts_for(g.api_user, revision.township):
            raise Forbidden("该修订稿不属于您所在单位的管辖范围")
        raise Forbidden("您无权查看该修订稿（未被征求意见，或尚未轮到本级审核）")
    return revision


def _draft_item(revision: Revision, draft_item_id: int) -> DraftItem:
    item = _get(DraftItem, draft_item_id, "事项不存在")
    if item.revision_id != revision.id or item.deleted:
        raise NotFound("事项不存在")
    return item


def _opinion(revision: Revision, opinion_id: int) -> Opinion:
    opinion = _get(Opinion, opinion_id, "意见不存在")
    if opinion.revision_id != revision.id or opinion not in drafts.visible_opinions(revision, g.api_user):
        raise NotFound("意见不存在")
    return opinion


# ---------------------------------------------------------------- validating ----
def _body(allowed: tuple[str, ...] | None = None) -> dict:
    """The JSON object of the request ({} when there is no body); 400 otherwise."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested absurdly deep
        raise Invalid("请求体不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise Invalid("请求体须为 JSON 对象（{…}）")
    if allowed is not None:
        unknown = sorted(k for k in data if k not in allowed)
        if unknown:
            raise Invalid("未知字段：" + "、".join(unknown),
                          [f"可用字段：{'、'.join(allowed)}"] if allowed else ["此操作不需要请求体"])
    return data


def _text(data: dict, key: str, *, required: bool = False, limit: int = 4000) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"缺少字段 {key}")
        return ""
    if not isinstance(value, str):
        raise Invalid(f"字段 {key} 应为文本")
    if len(value) > limit:
        raise Invalid(f"字段 {key} 过长（不超过 {limit} 字）")
    if required and not value.strip():
        raise Invalid(f"字段 {key} 不能为空")
    return value


def _integer(value, key: str, *, required: bool = False, from_query: bool = False) -> int | None:
    if value is None:
        if required:
            raise Invalid(f"缺少字段 {key}")
        return None
    if from_query and isinstance(value, str) and re.fullmatch(r"-?\d{1,10}", value.strip()):
        value = int(value)  # query strings carry text
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"字段 {key} 应为整数")
    return value


def _id_list(data: dict, key: str) -> list[int]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        raise Invalid(f"字段 {key} 应为整数 id 的列表")
    bad = [x for x in value if not 0 < x <= MAX_ID]
    if bad:
        raise Invalid("所选部门不属于本县", [f"无效的 id：{bad[0]}"])
    return value


def _item_fields(data: dict) -> dict:
    """Type-check the item fields present in the body (their content is checked by the operation)."""
    out = {}
    for key in ITEM_TEXT_KEYS:
        if key in data:
            out[key] = _text(data, key, limit=20000)
    for key in ITEM_LIST_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise Invalid(f"字段 {key} 应为文本的列表")
            out[key] = value
    if "receiving" in data:
        rows = data["receiving"]
        if not isinstance(rows, list) or not all(
                isinstance(r, dict) and set(r) <= {"department", "method"}
                and all(v is None or isinstance(v, str) for v in r.values()) for r in rows):
            raise Invalid("承接部门及工作方式应为 [{department, method}] 列表，两项均为文本")
        out["receiving"] = rows
    return out


def _kind(data: dict, *, required: bool) -> str | None:
    kind = data.get("kind")
    if kind is None and not required:
        return None
    if kind not in KINDS:
        raise Invalid("表格类型（kind）无效，应为 basic / cooperative / withdrawn 之一")
    return kind


def _reason(data: dict) -> str:
    return _text(data, "reason").strip()


def _deadline(data: dict) -> date | None:
    value = data.get("deadline")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Invalid("截止日期格式应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("截止日期不是有效的日期") from None


# -------------------------------------------------------------- serializing ----
def _iso(value):
    return None if value is None else value.isoformat() + ("Z" if hasattr(value, "hour") and value.tzinfo is None else "")


def _org(org: Organisation | None) -> dict | None:
    if org is None:
        return None
    return {"id": org.id, "name": org.name, "kind": org.kind, "kind_label": org.kind_label}


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "role_label": user.role_label}


def _township_ref(org: Organisation) -> dict:
    county = org.county
    return {"id": org.id, "name": org.name, "full_name": org.full_name,
            "county": _org(county), "prefecture": _org(county.parent if county is not None else None)}


def _township_json(org: Organisation, version: Version | None, counts: dict | None) -> dict:
    """The township with its current version (None before its first list is imported)."""
    return {**_township_ref(org),
            "current_version": _version_summary(version, counts) if version is not None else None}


def _version_summary(version: Version, counts: dict | None = None) -> dict:
    out = {"id": version.id, "number": version.number, "title": version.title, "source": version.source,
           "published_at": _iso(version.published_at), "doc_date": version.doc_date,
           "digest": version.digest}
    if counts is not None:
        out["counts"] = counts
    return out


def _counts(version_ids: list[int]) -> dict[int, dict]:
    # items per table are stored on the version when it is published
    return {vid: dict(counts) for vid, counts in db.session.execute(
        select(Version.id, Version.counts).where(Version.id.in_(version_ids)))} if version_ids else {}


def _draft_item_json(item: DraftItem) -> dict:
    return {"id": item.id, "item_id": item.item_id, "kind": item.kind, "kind_label": KIND_LABELS[item.kind],
            "number": item.number, "fields": item.fields(), "lock_version": item.lock_version,
            "reason": item.reason, "deleted": item.deleted, "updated_at": _iso(item.updated_at)}


def _change_json(change) -> dict:
    return change.to_dict()


def _consultation_json(c) -> dict:
    return {"id": c.id, "department": _org(c.department), "requested_round": c.requested_round,
            "pending": c.pending, "deadline": _iso(c.deadline), "signed_off_round": c.signed_off_round,
            "signed_off_at": _iso(c.signed_off_at)}


def _reply_json(r) -> dict:
    return {"id": r.id, "author": _user(r.author), "organisation": _org(r.organisation),
            "answer": r.answer, "answer_label": r.answer_label, "body": r.body,
            "created_at": _iso(r.created_at)}


def _opinion_json(o: Opinion) -> dict:
    answer = o.answer
    return {"id": o.id, "round": o.round, "stage": o.stage, "item_id": o.item_id,
            "author": _user(o.author), "organisation": _org(o.organisation), "body": o.body,
            "created_at": _iso(o.created_at), "answered": answer is not None,
            "answer": _reply_json(answer) if answer is not None else None,
            "replies": [_reply_json(r) for r in o.replies]}


def _department_scope(revision: Revision, user):
    """For a consulted department: its consultation, the changes that concern it, and the item
    ids among them still to review (changed since it signed off)."""
    consultation = next(c for c in revision.consultations if c.department_id == user.organisation_id)
    changes = drafts.items_for_department(revision, user.organisation_id)
    signed = consultation.signed_hashes or {}
    to_review = [ch.item_id for ch in changes
                 if signed.get(str(ch.item_id)) != (ch.new["hash"] if ch.new else "removed")]
    return consultation, changes, to_review


def _revision_json(revision: Revision, user) -> dict:
    levels = _levels()
    status = Status(revision.status)
    out = {
        "id": revision.id, "title": revision.title,
        "township": {"id": revision.township.id, "name": revision.township.name,
                     "full_name": revision.township.full_name},
        "status": status.value, "status_label": STATUS_LABELS[status],
        "round": revision.round, "max_rounds": revision.max_rounds, "deadline": _iso(revision.deadline),
        "created_at": _iso(revision.created_at), "updated_at": _iso(revision.updated_at),
        "created_by": _user(revision.created_by),
        "base_version": _version_summary(revision.base_version) if revision.base_version else None,
        "published_version": (_version_summary(revision.published_version)
                              if revision.published_version else None),
        "events": [{"event": e, "label": EVENT_LABELS[e]}
                   for e in ops.available_events(revision, user, levels)],
    }
    live = drafts.live_items(revision)
    if user.role == perm.DEPARTMENT:
        consultation, changes, to_review = _department_scope(revision, user)
        concerning = {ch.item_id for ch in changes}
        out.update(
            scope="department",
            items=[_draft_item_json(i) for i in live if i.item_id in concerning],
            changes=[_change_json(ch) for ch in changes],
            to_review=to_review, problems=[],
            consultations=[_consultation_json(consultation)],
            unanswered_opinions=None, suggested_departments=[])
        return out
    out.update(
        scope="full",
        items=[_draft_item_json(i) for i in live],
        changes=[_change_json(ch) for ch in drafts.changes(revision)],
        problems=drafts.check_problems(revision),
        consultations=[_consultation_json(c) for c in revision.consultations],
        unanswered_opinions=len(ops.unanswered_opinions(revision)),
        suggested_departments=([_org(o) for o in drafts.suggest_departments(revision)]
                               if revision.is_open else []))
    return out


def _revision_summary(revision: Revision) -> dict:
    status = Status(revision.status)
    return {"id": revision.id, "title": revision.title, "status": status.value,
            "status_label": STATUS_LABELS[status], "round": revision.round,
            "created_at": _iso(revision.created_at), "updated_at": _iso(revision.updated_at),
            "published_version": (_version_summary(revision.published_version)
                                  if revision.published_version else None)}


def _revision_response(revision: Revision, status: int = 200):
    return jsonify(_revision_json(revision, g.api_user)), status


# ================================================================= routes ====
@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return jsonify(openapi_spec())


@bp.get("/ping")
@token_required
def ping():
    return jsonify(user=g.api_user.username)


@bp.get("/me")
@token_required
def me():
    user = g.api_user
    return jsonify(user=_user(user), organisation=_org(user.organisation))


# ------------------------------------------------------------ published lists ----
@bp.get("/townships")
@token_required
def townships():
    """Every township with its current version (any signed-in user)."""
    latest = (select(Version.township_id, func.max(Version.number).label("number"))
              .group_by(Version.township_id).subquery())
    rows = db.session.execute(
        select(Organisation, Version)
        .outerjoin(latest, latest.c.township_id == Organisation.id)
        .outerjoin(Version, (Version.township_id == Organisation.id) & (Version.number == latest.c.number))
        .where(Organisation.kind == OrgKind.township).order_by(Organisation.id)).all()
    counts = _counts([v.id for _, v in rows if v is not None])
    return jsonify(townships=[_township_json(t, v, counts.get(v.id) if v else None) for t, v in rows])


@bp.get("/townships/<int:township_id>")
@token_required
def township(township_id: int):
    org = _township(township_id)
    version = snapshot.current_version(org.id)
    out = _township_json(org, version, _counts([version.id])[version.id] if version else None)
    open_revision = db.session.scalar(select(Revision).where(
        Revision.township_id == org.id, Revision.status.in_([s.value for s in OPEN])))
    out["open_revision"] = (_revision_summary(open_revision) if open_revision is not None
                            and perm.can_read_revision(g.api_user, open_revision) else None)
    return jsonify(out)


@bp.get("/townships/<int:township_id>/versions")
@token_required
def township_versions(township_id: int):
    org = _township(township_id)
    versions = db.session.scalars(select(Version).where(Version.township_id == org.id)
                                  .order_by(Version.number.desc())).all()
    counts = _counts([v.id for v in versions])
    return jsonify(township=_township_ref(org), versions=[_version_summary(v, counts[v.id]) for v in versions])


@bp.get("/versions/<int:version_id>")
@token_required
def version(version_id: int):
    """A published version as the three official tables."""
    ver = _get(Version, version_id, "版本不存在")
    tables = snapshot.tables(snapshot.read_entries(ver))
    out = _version_summary(ver, {k: len(v) for k, v in tables.items()})
    out.update(township=_township_ref(ver.township), published_by=_user(ver.published_by),
               kind_labels=KIND_LABELS, tables=tables)
    return jsonify(out)


@bp.get("/versions/<int:a>/diff/<int:b>")
@token_required
def version_diff(a: int, b: int):
    """Item-level differences from version a to version b, with the changed characters."""
    va, vb = _get(Version, a, "版本不存在"), _get(Version, b, "版本不存在")
    if va.township_id != vb.township_id:
        raise Invalid("两个版本不属于同一乡镇")
    kind, category = request.args.get("kind") or None, request.args.get("category") or None
    if kind is not None and kind not in KINDS:
        raise Invalid("kind 应为 basic / cooperative / withdrawn 之一")
    diffs = [d for d in history.diff_versions(va, vb) if d.touches(kind, category)]
    return jsonify(township=_township_ref(va.township), a=_version_summary(va), b=_version_summary(vb),
                   summary=diff.summary(diffs), changes=[d.to_dict() for d in diffs])


@bp.get("/departments")
@token_required
def departments():
    """The county office and departments a township's items may name (to pick whom to consult)."""
    raw = request.args.get("township")
    if raw is None:
        raise Invalid("缺少查询参数 township（乡镇 id）")
    org = _township(_integer(raw, "township", required=True, from_query=True))
    county = org.county
    reg = dept_registry.registry(county) if county is not None else {}
    return jsonify(township=_township_ref(org),
                   departments=[_org(o) for o in sorted(reg.values(), key=lambda o: o.id)])


# ------------------------------------------------------------------ revisions ----
@bp.get("/townships/<int:township_id>/revisions")
@token_required
def township_revisions(township_id: int):
    """The township's revisions the user may read, newest first."""
    org = _township(township_id)
    revisions = db.session.scalars(select(Revision).where(Revision.township_id == org.id)
                                   .order_by(Revision.id.desc())).all()
    return jsonify(revisions=[_revision_summary(r) for r in revisions
                              if perm.can_read_revision(g.api_user, r)])


@bp.post("/townships/<int:township_id>/revisions")
@token_required
def start_revision(township_id: int):
    org = _township(township_id)
    data = _body(("title", "base_version_id"))
    title = _text(data, "title", limit=200).strip()
    base_id = _integer(data.get("base_version_id"), "base_version_id")
    base = None
    if base_id is not None:
        base = db.session.get(Version, base_id) if 0 < base_id <= MAX_ID else None
        if base is None:
            raise Invalid("所选版本不存在")
    revision = ops.start_revision(org, g.api_user, title=title, base_version=base)
    db.session.commit()
    response, status = _revision_response(revision, 201)
    response.headers["Location"] = url_for("api.revision", revision_id=revision.id)
    return response, status


@bp.get("/revisions/<int:revision_id>")
@token_required
def revision(revision_id: int):
    return jsonify(_revision_json(_revision(revision_id), g.api_user))


# ---------------------------------------------------------------------- items ----
@bp.post("/revisions/<int:revision_id>/items")
@token_required
def add_item(revision_id: int):
    revision = _revision(revision_id)
    data = _body(("kind", "reason", *ITEM_KEYS))
    kind = _kind(data, required=True)
    fields = _item_fields(data)
    item = ops.add_item(revision, g.api_user, kind, fields, _reason(data))
    db.session.commit()
    return jsonify(_draft_item_json(item)), 201


@bp.patch("/revisions/<int:revision_id>/items/<int:draft_item_id>")
@token_required
def edit_item(revision_id: int, draft_item_id: int):
    """Change some fields and/or move the item to another table; the rest is kept."""
    revision = _revision(revision_id)
    item = _draft_item(revision, draft_item_id)
    data = _body(("lock_version", "kind", "reason", *ITEM_KEYS))
    lock_version = _integer(data.get("lock_version"), "lock_version", required=True)
    kind = _kind(data, required=False)
    given = _item_fields(data)
    merged = {**item.fields(), **given}
    if "departments_text" in given and "departments" not in given:
        merged.pop("departments")  # the departments are read from the new text
    elif "departments" in given and "departments_text" not in given:
        merged["departments_text"] = ""  # printed from the new list
    item = ops.edit_item(revision, g.api_user, item.id, merged, lock_version, _reason(data), kind=kind)
    db.session.commit()
    return jsonify(_draft_item_json(item))


@bp.delete("/revisions/<int:revision_id>/items/<int:draft_item_id>")
@token_required
def delete_item(revision_id: int, draft_item_id: int):
    """Delete (mark removed, with a reason); lock_version and reason in the body or the query."""
    revision = _revision(revision_id)
    item = _draft_item(revision, draft_item_id)
    query = request.args.to_dict()
    unknown = sorted(k for k in query if k not in ("lock_version", "reason"))
    if unknown:
        raise Invalid("未知参数：" + "、".join(unknown))
    body = _body(("lock_version", "reason"))
    if "lock_version" in body:
        lock_version = _integer(body["lock_version"], "lock_version", required=True)
    else:
        lock_version = _integer(query.get("lock_version"), "lock_version", required=True, from_query=True)
    data = {**query, **body}
    ops.delete_item(revision, g.api_user, item.id, lock_version, _reason(data))
    db.session.commit()
    return jsonify(_draft_item_json(db.session.get(DraftItem, item.id)))


@bp.post("/revisions/<int:revision_id>/items/<int:draft_item_id>/move")
@token_required
def move_item(revision_id: int, draft_item_id: int):
    """Swap with the neighbour above (-1) or below (1) in the same table."""
    revision = _revision(revision_id)
    item = _draft_item(revision, draft_item_id)
    data = _body(("direction", "lock_version"))
    direction = _integer(data.get("direction"), "direction", required=True)
    if direction not in (-1, 1):
        raise Invalid("字段 direction 应为 -1（上移）或 1（下移）")
    lock_version = _integer(data.get("lock_version"), "lock_version", required=True)
    ops.move_item_within(revision, g.api_user, item.id, direction, lock_version)
    db.session.commit()
    return jsonify(_draft_item_json(db.session.get(DraftItem, item.id)))


@bp.post("/revisions/<int:revision_id>/renumber")
@token_required
def renumber(revision_id: int):
    revision = _revision(revision_id)
    _body(())
    ops.renumber(revision, g.api_user)
    db.session.commit()
    return _revision_response(revision)


# --------------------------------------------------------------------- events ----
@bp.post("/revisions/<int:revision_id>/events/<event>")
@token_required
def fire_event(revision_id: int, event: str):
    """One move of the review machine (submit, accept, return_for_revision, approve, …)."""
    if event not in EVENT_LABELS:
        raise NotFound(f"没有名为 {event} 的操作", [f"可用操作：{'、'.join(EVENT_LABELS)}"])
    revision = _revision(revision_id)
    data = _body(("reason", "departments", "deadline"))
    reason = _reason(data)
    departments = _id_list(data, "departments")
    deadline = _deadline(data)
    if event != "accept" and (departments or deadline):
        raise Invalid("只有“受理并征求意见”可以选择征求意见的部门和截止日期")
    ops.fire(revision, event, g.api_user, levels=_levels(), reason=reason,
             departments=departments, deadline=deadline)
    db.session.commit()
    return _revision_response(revision)


@bp.post("/revisions/<int:revision_id>/extend")
@token_required
def extend_rounds(revision_id: int):
    """The county office allows one more round, with a written reason."""
    revision = _revision(revision_id)
    data = _body(("reason",))
    ops.extend_rounds(revision, g.api_user, _reason(data))
    db.session.commit()
    return _revision_response(revision)


# ------------------------------------------------------------------- opinions ----
@bp.get("/revisions/<int:revision_id>/opinions")
@token_required
def opinions(revision_id: int):
    revision = _revision(revision_id)
    user = g.api_user
    visible = drafts.visible_opinions(revision, user)
    return jsonify(revision_id=revision.id, round=revision.round,
                   unanswered=[o.id for o in ops.unanswered_opinions(revision) if o in visible],
                   opinions=[_opinion_json(o) for o in visible])


@bp.post("/revisions/<int:revision_id>/opinions")
@token_required
def add_opinion(revision_id: int):
    """A reviewer's opinion on one item (item_id: the item's identity) or on the whole draft."""
    revision = _revision(revision_id)
    data = _body(("body", "item_id"))
    body = _text(data, "body", required=True)
    item_id = _integer(data.get("item_id"), "item_id")
    if item_id is not None and not 0 < item_id <= MAX_ID:
        raise Invalid("意见所针对的事项不在本修订稿中")
    opinion = ops.add_opinion(revision, g.api_user, body, item_id)
    db.session.commit()
    return jsonify(_opinion_json(opinion)), 201


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/answers")
@token_required
def answer_opinion(revision_id: int, opinion_id: int):
    """The township's answer: adopted / partly / not_adopted, with its reason."""
    revision = _revision(revision_id)
    opinion = _opinion(revision, opinion_id)
    data = _body(("answer", "body"))
    answer = data.get("answer")
    if answer not in ANSWERS:
        raise Invalid("答复（answer）须为 adopted（采纳）/ partly（部分采纳）/ not_adopted（不采纳）")
    reply = ops.answer_opinion(opinion, g.api_user, answer, _text(data, "body", required=True))
    db.session.commit()
    return jsonify(_reply_json(reply)), 201


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/replies")
@token_required
def reply_opinion(revision_id: int, opinion_id: int):
    """A further word in an opinion's thread."""
    revision = _revision(revision_id)
    opinion = _opinion(revision, opinion_id)
    data = _body(("body",))
    reply = ops.reply_opinion(opinion, g.api_user, _text(data, "body", required=True))
    db.session.commit()
    return jsonify(_reply_json(reply)), 201


@bp.post("/revisions/<int:revision_id>/signoff")
@token_required
def sign_off(revision_id: int):
    """A consulted department signs off its review of this round."""
    revision = _revision(revision_id)
    _body(())
    consultation = ops.sign_off(revision, g.api_user)
    db.session.commit()
    return jsonify(_consultation_json(consultation))


# keep CONTENT_FIELDS and ITEM_KEYS in step: an item field the API cannot set is a bug
assert set(ITEM_KEYS) == set(CONTENT_FIELDS), "ITEM_KEYS must cover CONTENT_FIELDS"
