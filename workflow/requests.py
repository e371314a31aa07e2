"""Adjustment requests (调整申请): submitting one, and the county office's decision on it.

Like workflow.operations, each verb checks, changes, writes its audit entry and announces it
(signals.request_event; notifications subscribe), and flushes; the caller commits. A decision takes the
request's row lock (a conditional UPDATE on its status): of two decisions, concurrent or not, one
succeeds and the other is refused. Accepting writes the requested changes into a draft of each township
concerned, under that draft's own lock, in the same transaction: a township whose draft cannot take them
refuses the whole decision, and nothing is written.
"""
from __future__ import annotations

from sqlalchemy import update

from dutylist import clock, items, signals
from dutylist.extensions import db
from dutylist.items import KINDS, TABLES
from dutylist.models import (
    ACCEPTED,
    REJECTED,
    REQUEST_ACTIONS,
    REQUEST_TYPES,
    SITUATIONS,
    SUBMITTED,
    AdjustmentRequest,
    DraftItem,
    Item,
    ItemOrigin,
    Organisation,
    RequestItem,
    RequestTownship,
    Revision,
)
from dutylist.models.base import utcnow
from dutylist.services import bases as basis_library
from dutylist.services import drafts, snapshot
from dutylist.services.audit import record_event

from . import operations as ops
from . import permissions as perm
from .errors import Conflict, Forbidden, Invalid, NotFound
from .states import EDITABLE, STATUS_LABELS, Status

MAX_ITEMS = 200
REASON_LIMIT = 4000
DEFAULT_DAYS = {"dynamic": 20, "admission": 15}


def _label(kind: str, number: int, name: str) -> str:
    return f"{TABLES[kind].short}事项第 {number} 项“{name}”"


def current_items(township: Organisation) -> list[dict]:
    """The items of the township's current version (what a request may name), in order."""
    version = snapshot.current_version(township.id)
    return snapshot.read_entries(version) if version is not None else []


def _clean_text(value, what: str, *, required: bool, limit: int = REASON_LIMIT) -> str:
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{what}应为文本")
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"须填写{what}", fields={"reason": f"须填写{what}"})
    if len(value) > limit:
        raise Invalid(f"{what}过长（不超过 {limit} 字）")
    return value


def _check_townships(actor, townships: list[Organisation]) -> list[Organisation]:
    if not townships:
        raise Invalid("请选择申请涉及的乡镇", fields={"townships": "请选择申请涉及的乡镇"})
    seen, out = set(), []
    for township in townships:
        refusal = perm.request_refusal(actor, township)
        if refusal:
            raise Forbidden(refusal)
        if township.closed_at is not None:
            raise Invalid(f"{township.name}已撤销，不能再提出调整申请")
        if township.id not in seen:
            seen.add(township.id)
            out.append(township)
    if len({t.parent_id for t in out}) != 1:
        raise Invalid("一份调整申请涉及的乡镇须属于同一个县")
    return out


def _check_item(n: int, raw, townships: list[Organisation], entries: dict[int, tuple[Organisation, dict]]) -> RequestItem:
    """One requested change, checked against the item schema and the townships' current lists."""
    where = f"第 {n} 项调整"
    if not isinstance(raw, dict):
        raise Invalid(f"{where}应为对象（action、kind、item_id、fields）")
    action = raw.get("action")
    if not isinstance(action, str) or action not in REQUEST_ACTIONS:
        raise Invalid(f"{where}：调整方式（action）应为 add（新增）、change（修改）、move（调整所在清单）或 remove（删除）")
    kind = raw.get("kind") or None
    if kind is not None and (not isinstance(kind, str) or kind not in KINDS):
        raise Invalid(f"{where}：表格类型（kind）无效，应为 basic / cooperative / withdrawn 之一")
    given = raw.get("fields")
    if given is not None and not isinstance(given, dict):
        raise Invalid(f"{where}：事项内容（fields）应为对象")
    given = given or {}
    if action == "add":
        if raw.get("item_id") not in (None, ""):
            raise Invalid(f"{where}：新增事项不应指定已有事项（item_id）")
        if kind is None:
            raise Invalid(f"{where}：请选择新增事项所在的清单（kind）")
        fields = _cleaned(given, kind, where)
        return RequestItem(position=n, action=action, kind=kind, fields=fields,
                           label=f"新增{TABLES[kind].short}事项“{fields['name']}”")
    item_id = raw.get("item_id")
    if isinstance(item_id, str) and item_id.strip().isdecimal():
        item_id = int(item_id.strip())
    if isinstance(item_id, bool) or not isinstance(item_id, int):
        raise Invalid(f"{where}：请选择要{REQUEST_ACTIONS[action]}的现有事项（item_id）")
    found = entries.get(item_id)
    if found is None:
        names = "、".join(t.name for t in townships)
        raise Invalid(f"{where}：所选事项（编号 {item_id}）不在{names}的现行清单中")
    township, entry = found
    label = _label(entry["kind"], entry["number"], entry["name"])
    if action == "remove":
        return RequestItem(position=n, action=action, kind=entry["kind"], item_id=item_id, township_id=township.id,
                           label=f"{township.name}{label}", fields=None)
    new_kind = kind or entry["kind"]
    if action == "move" and new_kind == entry["kind"]:
        raise Invalid(f"{where}：调整所在清单须选择另一张清单（{label}现在{TABLES[entry['kind']].label}清单中）")
    if action == "change" and new_kind != entry["kind"]:
        action = "move"  # a change into another table is a move
    merged = {k: v for k, v in entry.items() if k in items.CONTENT_KEYS}
    for f in items.FIELDS:  # a departments cell given as printed: its names follow the text, not the old names
        if f.shape == items.Shape.departments and f.key in given and items.fields.NAMES_KEY not in given:
            merged.pop(items.fields.NAMES_KEY, None)
    merged.update(given)
    fields = _cleaned(merged, new_kind, where, before=entry.get("bases") or [])
    return RequestItem(position=n, action=action, kind=new_kind, item_id=item_id, township_id=township.id,
                       label=f"{township.name}{label}", fields=fields)


def _cleaned(given: dict, kind: str, where: str, before: list | None = None) -> dict:
    """The fields of a requested item by the item schema, its 依据 checked against the library as a draft's
    are (a basis that does not exist, or is repealed, is refused unless the item already cites it)."""
    try:
        fields = items.clean_fields(given, kind)
        fields["bases"] = basis_library.check_citations(fields["bases"], None, before)
    except items.FieldError as exc:
        raise Invalid(f"{where}：{exc.message}") from None
    except Invalid as exc:
        raise Invalid(f"{where}：{exc}") from None
    return fields


def submit_request(actor, townships: list[Organisation], type_, situation, reason, changes, *,
                   days: dict | None = None) -> AdjustmentRequest:
    """A township's (for itself) or a county department's (for townships of its county) request, with
    the changes it asks for, each checked now (an item it names must be in the township's current list)."""
    if not perm.can_make_requests(actor):
        raise Forbidden("只有乡镇和县直部门可以提出调整申请")
    townships = _check_townships(actor, townships)
    if not isinstance(type_, str) or type_ not in REQUEST_TYPES:
        raise Invalid("申请类型（type）应为 dynamic（动态调整）或 admission（职责准入）",
                      fields={"type": "请选择申请类型"})
    if not isinstance(situation, str) or situation not in SITUATIONS:
        raise Invalid("申请情形（situation）应为：" + "、".join(SITUATIONS), fields={"situation": "请选择申请情形"})
    reason = _clean_text(reason, "申请理由", required=True)
    if not isinstance(changes, list) or not changes:
        raise Invalid("请至少填写一项要调整的事项", fields={"items": "请至少填写一项要调整的事项"})
    if len(changes) > MAX_ITEMS:
        raise Invalid(f"一份申请最多调整 {MAX_ITEMS} 项事项")
    entries = {e["item_id"]: (t, e) for t in townships for e in current_items(t)}
    rows = [_check_item(n, raw, townships, entries) for n, raw in enumerate(changes, 1)]
    named = [r.item_id for r in rows if r.item_id is not None]
    if len(named) != len(set(named)):
        raise Invalid("同一事项在申请中出现了多次，请合并为一项调整")
    county = townships[0].parent
    today = clock.today()
    limit = (days or DEFAULT_DAYS).get(type_, DEFAULT_DAYS[type_])
    request = AdjustmentRequest(type=type_, situation=situation, reason=reason, status=SUBMITTED,
                                county_id=county.id, organisation_id=actor.organisation_id,
                                requested_by_id=actor.id, due_on=clock.add_working_days(today, limit))
    request.townships = [RequestTownship(township_id=t.id) for t in townships]
    request.items = rows
    db.session.add(request)
    db.session.flush()
    _log("request_submit", actor, request, details={
        "type": type_, "situation": situation, "townships": [t.name for t in townships],
        "items": [f"{r.action_label}：{r.label}" for r in rows], "deadline": request.due_on.isoformat()})
    return request


def _log(action: str, actor, request: AdjustmentRequest, **kw):
    township_id = request.townships[0].township_id if len(request.townships) == 1 else None
    event = record_event(action, actor=actor, township_id=township_id, target=f"request:{request.id}", **kw)
    signals.request_event.send(request, event=event)  # notifications subscribe: same transaction
    return event


def get(request_id) -> AdjustmentRequest:
    request = db.session.get(AdjustmentRequest, request_id) if isinstance(request_id, int) and 0 < request_id < 2**31 else None
    if request is None:
        raise NotFound("调整申请不存在")
    return request


def decide_request(request: AdjustmentRequest, actor, decision, reason) -> AdjustmentRequest:
    """The county office accepts (the changes become a draft of each township concerned, or join its open
    draft) or rejects (with a reason) a request, once."""
    if not perm.can_decide_request(actor, request):
        raise Forbidden(f"只有{request.county.name}县委编办可以处理该调整申请")
    if not isinstance(decision, str) or decision not in ("accept", "reject"):
        raise Invalid("处理结果（decision）应为 accept（同意）或 reject（不予同意）", fields={"decision": "请选择处理结果"})
    reason = _clean_text(reason, "不予同意的理由" if decision == "reject" else "处理意见",
                         required=decision == "reject")
    status = ACCEPTED if decision == "accept" else REJECTED
    result = db.session.execute(
        update(AdjustmentRequest).where(AdjustmentRequest.id == request.id, AdjustmentRequest.status == SUBMITTED)
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, decision_reason=reason or None)
        .execution_options(synchronize_session=False))
    db.session.refresh(request)
    if result.rowcount != 1:
        raise Conflict(f"该调整申请已{request.status_label}，不能重复处理")
    details = {"decision": decision, "reason": reason or None}
    if status == ACCEPTED:
        details["revisions"] = [_apply(request, actor, link) for link in request.townships]
    _log(f"request_{decision}", actor, request, details=details)
    return request


# ---------------------------------------------------------------- accepting: into the drafts ----
def _draft_for(request: AdjustmentRequest, actor, township: Organisation) -> Revision:
    """The township's open draft, locked, if it can take the changes; else a new one."""
    revision = Revision.open_of(township.id)
    if revision is None:
        return ops.start_revision(township, actor, on_request=request)
    if Status(revision.status) not in EDITABLE:
        raise Conflict(f"{township.name}已有一份修订稿处于“{STATUS_LABELS[Status(revision.status)]}”阶段，"
                       "不能并入本申请的修改；请待该修订稿退回或发布后再同意本申请")
    ops.lock_revision(revision, EDITABLE)
    return revision


def _apply(request: AdjustmentRequest, actor, link: RequestTownship) -> int:
    """Write the request's changes into the township's draft (marked with the request); its id."""
    township = link.township
    revision = _draft_for(request, actor, township)
    why = f"根据调整申请 #{request.id}（{request.type_label}）：{request.reason}"
    for row in request.items:
        if row.action == "add":
            _add(request, revision, actor, row, why)
        elif row.township_id == township.id:
            _change(revision, actor, row, why, township)
    link.revision_id = revision.id
    db.session.flush()
    return revision.id


def _add(request: AdjustmentRequest, revision: Revision, actor, row: RequestItem, why: str) -> None:
    same_kind = [i for i in drafts.live_items(revision) if i.kind == row.kind]
    identity = Item(township_id=revision.township_id)
    db.session.add(identity)
    db.session.flush()
    item = DraftItem(revision=revision, item_id=identity.id, kind=row.kind,
                     number=max((i.number for i in same_kind), default=0) + 1,
                     position=max((i.position for i in same_kind), default=0) + 1,
                     updated_by_id=actor.id, **row.fields)
    db.session.add(item)
    db.session.add(ItemOrigin(item_id=identity.id, request_id=request.id))
    ops._give_reason(revision, actor, identity.id, "add", why)
    db.session.flush()
    ops._log("item_add", actor, revision, target=f"item:{identity.id}",
             details={"kind": row.kind, "number": item.number, "fields": row.fields, "request": request.id})


def _change(revision: Revision, actor, row: RequestItem, why: str, township: Organisation) -> None:
    item = next((i for i in revision.items if i.item_id == row.item_id and not i.deleted), None)
    if item is None:
        raise Conflict(f"{township.name}的修订稿中已没有{row.label.removeprefix(township.name)}，"
                       f"不能按申请{row.action_label}；请先与乡镇核实")
    if row.action == "remove":
        item.deleted = True
        item.updated_by_id = actor.id
        ops._flush_versioned()
        ops._give_reason(revision, actor, item.item_id, "delete", why)
        ops._resolve_flags(revision, actor, item.item_id, "removed")
        db.session.flush()
        ops._log("item_delete", actor, revision, target=f"item:{item.item_id}",
                 details={"kind": item.kind, "number": item.number, "name": item.name, "request": row.request_id})
        return
    before = {"kind": item.kind, **item.fields()}
    moved = row.kind != item.kind
    for key, value in row.fields.items():
        setattr(item, key, value)
    if moved:
        old_kind = item.kind
        targets = [i for i in drafts.live_items(revision) if i.kind == row.kind and i is not item]
        item.kind = row.kind
        item.number = max((i.number for i in targets), default=0) + 1
        item.position = max((i.position for i in targets), default=0) + 1
        ops._renumber_kind(revision, old_kind)
    item.updated_by_id = actor.id
    ops._flush_versioned()
    ops._give_reason(revision, actor, item.item_id, "move" if moved else "edit", why)
    ops._resolve_flags(revision, actor, item.item_id, "changed")
    db.session.flush()
    changed = {k: {"old": before[k], "new": getattr(item, k)} for k in before if before[k] != getattr(item, k)}
    ops._log("item_move" if moved else "item_edit", actor, revision, target=f"item:{item.item_id}",
             details={"changes": changed, "request": row.request_id})
