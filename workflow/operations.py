"""One verb per change (indico style). Each locks the revision, checks, changes, logs, and
flushes; the caller (a view or an API endpoint) commits. Errors are workflow.errors."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dutylist import clock, items, signals
from dutylist.extensions import db
from dutylist.items import CONTENT_KEYS, KINDS
from dutylist.models import (
    ANSWERS,
    VERDICTS,
    Consultation,
    ConsultationRound,
    DraftFlag,
    DraftItem,
    Item,
    ItemReason,
    LegalityConclusion,
    Opinion,
    OpinionReply,
    Organisation,
    OrgKind,
    Revision,
    User,
)
from dutylist.models.base import utcnow
from dutylist.models.revision import CARRIED, LAPSED, PENDING, RELEASED, SIGNED
from dutylist.services import bases as basis_library
from dutylist.services import drafts, snapshot
from dutylist.services.audit import record_event

from . import permissions as perm
from .errors import Conflict, Forbidden, Invalid, NotFound
from .machine import REASON_REFUSALS, ReviewFacts, ReviewWorkflow
from .states import EDITABLE, EVENT_LABELS, LEGALITY_CONCLUSIONS, LEGALITY_EVENTS, OPEN, STATUS_LABELS, Status

ANSWERABLE = EDITABLE


# ---------------------------------------------------------------- helpers ----
def lock_revision(revision: Revision, statuses) -> None:
    """Take the revision's row lock and re-read it; refuse if it left the allowed states.

    The UPDATE waits for any concurrent change of the same revision (PostgreSQL row lock,
    SQLite database lock) and then tests the status as committed, so a check made on a stale
    read can never be acted on.
    """
    allowed = [Status(s).value for s in statuses]
    result = db.session.execute(
        update(Revision).where(Revision.id == revision.id, Revision.status.in_(allowed))
        .values(status=Revision.status).execution_options(synchronize_session=False))
    db.session.refresh(revision)
    if result.rowcount != 1:
        raise Conflict(f"修订稿当前状态为“{STATUS_LABELS[Status(revision.status)]}”，不能进行此操作（可能已被他人处理，请刷新）")


def _require_drafter(revision: Revision, actor) -> None:
    if not perm.can_edit_draft(actor, revision):
        raise Forbidden("只有本乡镇的起草人可以修改本修订稿")


def _log(action: str, actor, revision: Revision, **kw):
    """Audit and announce a change; a deputy's is recorded with the reviewer they act for."""
    event = record_event(action, actor=actor, revision=revision, round=revision.round,
                         on_behalf_of=perm.acting_for(actor, revision), **kw)
    signals.revision_event.send(revision, event=event)  # notifications subscribe: same transaction
    return event


def _principal_id(actor, revision: Revision) -> int | None:
    """The id of the reviewer a deputy acts for (permissions.acting_for), for opinions and sign-offs."""
    principal = perm.acting_for(actor, revision)
    return principal.id if principal is not None else None


def clean_fields(data: dict, kind: str, revision: Revision | None = None, before: list | None = None) -> dict:
    """Normalise an item's fields from a form or the API (the item schema's rules); Invalid if bad.
    Its 依据 are checked against the library (services.bases.check_citations): a basis that does not
    exist, or was repealed before the draft began, is refused; `before` the item's citations until now."""
    try:
        fields = items.clean_fields(data, kind)
    except items.FieldError as exc:
        raise Invalid(exc.message, fields={"bases": exc.message} if "依据" in exc.message else None) from None
    if revision is not None:
        fields["bases"] = basis_library.check_citations(fields["bases"], revision, before)
    return fields


def _item_of(revision: Revision, draft_item_id: int) -> DraftItem:
    item = db.session.get(DraftItem, draft_item_id)
    if item is None or item.revision_id != revision.id or item.deleted:
        raise NotFound("事项不存在")
    return item


STALE = "该事项在您打开页面后已被他人修改，您的修改未保存；请刷新后重新修改"


def _check_fresh(item: DraftItem, seen_lock) -> None:
    try:
        seen = int(seen_lock)
    except (TypeError, ValueError):
        raise Invalid("缺少或无效的版本号（lock_version），无法判断是否为最新内容") from None
    if seen != item.lock_version:
        raise Conflict(STALE)


def _flush_versioned() -> None:
    """Flush; an UPDATE ... WHERE lock_version = <seen> that matched nothing is a stale edit."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE) from None


def _renumber_kind(revision: Revision, kind: str) -> None:
    items = [i for i in drafts.live_items(revision) if i.kind == kind]
    for n, item in enumerate(items, 1):
        if item.number != n:  # positions are only order keys: leave them, so an item whose
            item.number = n   # number stays the same keeps its lock_version


# ---------------------------------------------------------------- drafting ----
def start_revision(township: Organisation, actor, title: str = "", base_version=None, reason: str = "",
                   on_request=None) -> Revision:
    """A working copy of the township's current version, or of an older one to revert: then the
    draft is still compared with the current version (its changes are what the revert undoes), and
    `reason` (required) explains each of them. `on_request`: the adjustment request the county office
    accepts, which starts the draft for the township (workflow.requests)."""
    if township.kind != OrgKind.township:
        raise NotFound("乡镇不存在")
    if on_request is not None:
        if not perm.can_decide_request(actor, on_request):
            raise Forbidden("只有本县县委编办可以按调整申请发起修订")
    elif not perm.can_start_revision(actor, township):
        raise Forbidden("只有本乡镇的起草人可以发起修订")
    current = snapshot.current_version(township.id)
    base = base_version or current
    if base is not None and base.township_id != township.id:
        raise Invalid("所选版本不属于该乡镇")
    reverting = base is not None and current is not None and base.id != current.id
    reason = _clean_reason(reason)
    if reverting and not reason:
        raise Invalid(f"以第 {base.number} 版为基础发起修订（恢复旧版本），须说明理由")
    if Revision.open_of(township.id) is not None:
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它")
    revision = Revision(township=township, base_version=base, previous_version=current, created_by=actor,
                        title=title or f"{township.name}履职事项清单修订稿")
    for pos, e in enumerate(snapshot.read_entries(base) if base else []):
        revision.items.append(DraftItem(item_id=e["item_id"], kind=e["kind"], number=e["number"],
                                        position=pos, **{f: e[f] for f in CONTENT_KEYS}))
        for message in e["flags"]:  # what the importer was unsure of: to be checked before submitting
            revision.flags.append(DraftFlag(item_id=e["item_id"], source="import", message=message))
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent start won the unique index on open revisions
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它") from None
    if reverting:  # every change the revert makes is explained by the reason given for it
        for change in drafts.changes(revision):
            if drafts.needs_reason(change):
                revision.reasons.append(ItemReason(item_id=change.item_id, action="revert", reason=reason,
                                                   author_id=actor.id, submission=0))
    _log("revision_start", actor, revision, to_state=Status.drafting.value,
         details={"base_version": getattr(base, "number", None), "current_version": getattr(current, "number", None),
                  "reason": reason or None, **({"request": on_request.id} if on_request is not None else {})})
    db.session.flush()
    return revision


def _clean_reason(reason, limit: int = 4000) -> str:
    reason = (reason or "").strip()
    if len(reason) > limit:
        raise Invalid(f"理由过长（不超过 {limit} 字）")
    return reason


def _give_reason(revision: Revision, actor, item_id: int, action: str, reason: str) -> None:
    """Keep a 修改理由 (reasons are optional while editing; submitting needs one per change)."""
    if reason:
        revision.reasons.append(ItemReason(item_id=item_id, action=action, reason=reason, author_id=actor.id,
                                           submission=revision.submissions))


def _resolve_flags(revision: Revision, actor, item_id: int, resolution: str) -> None:
    """An item changed (or removed): what was flagged about it is dealt with."""
    for flag in revision.flags:
        if flag.item_id == item_id and flag.open:
            flag.resolution, flag.resolved_by_id, flag.resolved_at = resolution, actor.id, utcnow()


def check_position(position, count: int, *, adding: bool) -> int | None:
    """A 1-based place in a table of `count` items, as an index from 0 (None: the end when adding).
    Adding may name count + 1 (after the last); moving names one of the items' places."""
    if position is None or position == "":
        if adding:
            return None
        raise Invalid("请填写要移动到的位置（第几项）", fields={"position": "请填写要移动到的位置（第几项）"})
    last = count + 1 if adding else count
    try:
        n = int(str(position).strip())
    except ValueError:
        n = None
    if n is None or not 1 <= n <= last:
        message = f"位置应为 1 到 {last} 之间的整数"
        raise Invalid(message, fields={"position": message})
    return n - 1


def add_item(revision: Revision, actor, kind: str, data: dict, reason: str = "", position=None) -> DraftItem:
    """A new item at the end of its table, or before the item now at `position` (1-based; the items
    from there on shift down one place, their 序号 with them)."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    fields = clean_fields(data, kind, revision)
    same_kind = [i for i in drafts.live_items(revision) if i.kind == kind]
    index = check_position(position, len(same_kind), adding=True)
    identity = Item(township_id=revision.township_id)
    db.session.add(identity)
    db.session.flush()
    number = max((i.number for i in same_kind), default=0) + 1
    slot = max((i.position for i in same_kind), default=0) + 1
    reason = _clean_reason(reason)
    item = DraftItem(revision=revision, item_id=identity.id, kind=kind, number=number, position=slot,
                     updated_by_id=actor.id, **fields)
    db.session.add(item)
    if index is not None and index < len(same_kind):
        _place(same_kind + [item], item, index)
    _give_reason(revision, actor, identity.id, "add", reason)
    db.session.flush()
    _log("item_add", actor, revision, target=f"item:{identity.id}",
         details={"kind": kind, "number": item.number, "fields": fields, "reason": reason or None,
                  **({"position": index + 1} if index is not None else {})})
    return item


def edit_item(revision: Revision, actor, draft_item_id: int, data: dict, lock_version,
              reason: str = "", kind: str | None = None) -> DraftItem:
    """Change an item's text and/or move it to another table (kind)."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    item = _item_of(revision, draft_item_id)
    _check_fresh(item, lock_version)
    new_kind = kind or item.kind
    fields = clean_fields(data, new_kind, revision, item.bases)
    reason = _clean_reason(reason)
    before = {"kind": item.kind, "number": item.number, **item.fields()}
    if fields == item.fields() and new_kind == item.kind:
        return item  # nothing changed: no new lock version, no log entry
    moved = new_kind != item.kind
    for f, v in fields.items():
        setattr(item, f, v)
    if moved:
        old_kind = item.kind
        item.kind = new_kind
        targets = [i for i in drafts.live_items(revision) if i.kind == new_kind and i is not item]
        item.number = max((i.number for i in targets), default=0) + 1
        item.position = max((i.position for i in targets), default=0) + 1
        _renumber_kind(revision, old_kind)
    item.updated_by_id = actor.id
    _flush_versioned()  # UPDATE ... WHERE lock_version = seen: a concurrent edit fails here
    _give_reason(revision, actor, item.item_id, "move" if moved else "edit", reason)
    _resolve_flags(revision, actor, item.item_id, "changed")
    db.session.flush()
    changed = {f: {"old": before[f], "new": getattr(item, f)} for f in CONTENT_KEYS if before[f] != getattr(item, f)}
    if moved:
        changed["kind"] = {"old": before["kind"], "new": item.kind}
    _log("item_move" if moved else "item_edit", actor, revision, target=f"item:{item.item_id}",
         details={"changes": changed, "reason": reason or None})
    return item


def delete_item(revision: Revision, actor, draft_item_id: int, lock_version, reason: str = "") -> None:
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    item = _item_of(revision, draft_item_id)
    _check_fresh(item, lock_version)
    reason = _clean_reason(reason)
    item.deleted = True
    item.updated_by_id = actor.id
    _flush_versioned()
    _give_reason(revision, actor, item.item_id, "delete", reason)
    _resolve_flags(revision, actor, item.item_id, "removed")
    db.session.flush()
    _log("item_delete", actor, revision, target=f"item:{item.item_id}",
         details={"kind": item.kind, "number": item.number, "name": item.name, "reason": reason or None})


def move_item_within(revision: Revision, actor, draft_item_id: int, direction: int, lock_version) -> None:
    """Reorder: swap with the neighbour above (-1) or below (+1) in the same table."""
    item, same = _reordering(revision, actor, draft_item_id, lock_version)
    idx = same.index(item)
    j = idx + (1 if direction > 0 else -1)
    if not 0 <= j < len(same):
        raise Invalid("已在表格的最前或最后")
    other = same[j]
    _place(same, item, j)
    _flush_versioned()
    _log("item_reorder", actor, revision, target=f"item:{item.item_id}",
         details={"kind": item.kind, "number": item.number, "swapped_with": other.item_id})


def move_item_to(revision: Revision, actor, draft_item_id: int, index: int, lock_version, reason: str = "") -> None:
    """Reorder: put the item at `index` (from 0) of its table, the items between shifting by one."""
    item, same = _reordering(revision, actor, draft_item_id, lock_version)
    if not 0 <= index < len(same):
        message = f"位置应为 1 到 {len(same)} 之间的整数"
        raise Invalid(message, fields={"position": message})
    _move(revision, actor, item, same, index, reason)


def move_item_to_position(revision: Revision, actor, draft_item_id: int, position, lock_version,
                          reason: str = "") -> None:
    """Reorder to a place as people and the API name it: 第 `position` 项 (1-based, text or number)."""
    item, same = _reordering(revision, actor, draft_item_id, lock_version)
    _move(revision, actor, item, same, check_position(position, len(same), adding=False), reason)


def _move(revision: Revision, actor, item: DraftItem, same: list[DraftItem], index: int, reason: str) -> None:
    """A reorder changes no content, so it needs no 修改理由 (drafts.needs_reason); one given is kept in
    the audit entry (the timeline shows it), not as a reason of the item's changes, which it does not explain."""
    reason = _clean_reason(reason)
    start = same.index(item)
    if start == index:
        return
    _place(same, item, index)
    _flush_versioned()
    _log("item_reorder", actor, revision, target=f"item:{item.item_id}",
         details={"kind": item.kind, "number": item.number, "from": start + 1, "to": index + 1,
                  **({"reason": reason} if reason else {})})


def _reordering(revision: Revision, actor, draft_item_id: int, lock_version) -> tuple[DraftItem, list[DraftItem]]:
    """The checks and lock of a reorder; the item and its table's live items, in order."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    item = _item_of(revision, draft_item_id)
    _check_fresh(item, lock_version)
    return item, [i for i in drafts.live_items(revision) if i.kind == item.kind]


def _place(same: list[DraftItem], item: DraftItem, index: int) -> None:
    """Move the item to `index` of its table's items (in order): the slots (positions) and the 序号
    stay where they were, in order, and the items take them in their new order."""
    positions, numbers = [i.position for i in same], [i.number for i in same]
    order = [i for i in same if i is not item]
    order.insert(index, item)
    for slot, moved in enumerate(order):
        if moved.position != positions[slot] or moved.number != numbers[slot]:
            moved.position, moved.number = positions[slot], numbers[slot]


def renumber(revision: Revision, actor) -> None:
    """Number every table 1..n in its current order."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    for kind in KINDS:
        _renumber_kind(revision, kind)
    db.session.flush()
    _log("renumber", actor, revision)


# ---------------------------------------------------------------- the machine ----
def facts_for(revision: Revision, levels, max_rounds=None) -> ReviewFacts:
    return ReviewFacts(
        blockers=lambda: drafts.submit_blockers(revision),
        pending_departments=lambda: [c.department.name for c in revision.consultations if c.pending],
        levels=tuple(levels), max_rounds=max_rounds or revision.max_rounds)


def workflow_for(revision: Revision, levels) -> ReviewWorkflow:
    return ReviewWorkflow(revision, facts_for(revision, levels))


#: guards that depend only on configuration (which levels review), not on the draft
STATIC_GUARDS = ("legality_reviews", "prefecture_reviews", "region_reviews")


def available_events(revision: Revision, actor, levels) -> list[str]:
    """Events this actor could try now (role, organisation and configured route fit)."""
    if not perm.acts_for(actor, revision.township):
        return []
    wf = workflow_for(revision, levels)
    return [t for t in wf.triggers() if perm.may_move(actor, wf.roles_for(t)) and _configured_route(wf, t)]


def _configured_route(wf: ReviewWorkflow, trigger: str) -> bool:
    """True if some transition of the trigger fits the configured review levels."""
    for t in wf.machine.get_transitions(trigger=trigger, source=wf.state):
        if all(getattr(wf, c.func)(None) == c.target for c in t.conditions if c.func in STATIC_GUARDS):
            return True
    return False


def fire(revision: Revision, event: str, actor, *, levels, reason: str = "",
         departments: list[int] | None = None, deadline: date | None = None,
         no_consultation_reason: str = "", consultation_days: int = 10) -> Revision:
    """Make one move of the machine, with its side effects, its log entry and its lock."""
    if event not in EVENT_LABELS:
        raise NotFound(f"没有名为 {event} 的操作")
    if not perm.acts_for(actor, revision.township):  # before any state check: tell outsiders nothing
        raise Forbidden("该修订稿不属于您所在单位的管辖范围")
    wf = workflow_for(revision, levels)
    if event not in wf.triggers():
        raise Conflict(f"修订稿当前状态为“{STATUS_LABELS[wf.state]}”，不能“{EVENT_LABELS[event]}”")
    if not perm.may_move(actor, wf.roles_for(event)):
        raise Forbidden(f"您的角色不能执行“{EVENT_LABELS[event]}”")
    source = wf.state
    lock_revision(revision, [source])
    reason = _clean_reason(reason)
    if event == "accept":
        consult = _prepare_consultations(revision, departments or [], deadline, no_consultation_reason,
                                         consultation_days)
    published = []

    def before_change(_, ev):
        # the new version exists before the status says published (a CHECK constraint holds both)
        if ev.transition.dest == Status.published:
            published.append(_publish(revision, actor))
    wf.before_change = before_change
    moved = getattr(wf, event)(actor=actor, reason=reason)
    if not moved:
        only_reason = bool(wf.refusals) and all(r in REASON_REFUSALS for r in wf.refusals)
        raise (Invalid if only_reason else Conflict)("；".join(wf.refusals) or "当前不能执行此操作", wf.refusals)
    details = {"reason": reason or None}
    if event == "submit":
        if revision.returned_by in (None, "county"):
            revision.round += 1  # a new county round; after a send-back from above, the round goes on
        revision.submissions += 1
    elif event == "withdraw":
        if revision.returned_by in (None, "county"):
            revision.round -= 1
        revision.submissions -= 1
    elif event == "accept":
        details.update(consult(actor))
    elif event == "return_for_revision":
        revision.returned_by = "county"
    elif event in ("pass_legality", "return_legality"):
        details.update(_record_legality(revision, actor, event, reason))
    elif event == "send_back":
        level = "prefecture" if source == Status.prefecture_review else "region"
        revision.returned_by = level
        if level == "prefecture":
            revision.prefecture_send_backs += 1
        else:
            revision.region_send_backs += 1
        db.session.add(Opinion(revision=revision, round=revision.round, submission=revision.submissions,
                               author_id=actor.id, on_behalf_of_id=_principal_id(actor, revision),
                               organisation_id=actor.organisation_id, body=reason, stage=level))
        details["send_backs"] = revision.send_backs
    version = published[0] if published else None
    if version is not None:
        revision.published_version_id = version.id  # same UPDATE as status = published
        details.update(version=version.number, digest=version.digest)
    details["round"] = revision.round
    db.session.flush()  # UPDATE revision ... WHERE lock_version = seen
    _log(event, actor, revision, from_state=source.value, to_state=wf.state.value, details=details)
    if version is not None:
        # filing subscribes (dutylist.filings): same transaction, after the move's own audit entry
        signals.version_published.send(version, revision=revision, actor=actor)
    return revision


def _record_legality(revision: Revision, actor, event: str, reasons: str) -> dict:
    """The 司法局's conclusion of this pass, kept with who concluded, when and why. 需修改 sends the draft
    back to the township like a send-back from above: it does not use up one of the county's rounds
    (the legality check must be able to say 需修改 even in the last one), its reasons become an opinion
    the township answers before submitting again, and the resubmission stays in its round."""
    conclusion = "lawful" if event == "pass_legality" else "needs_change"
    row = LegalityConclusion(revision=revision, submission=revision.submissions, round=revision.round,
                             conclusion=conclusion, reasons=reasons, reviewer_id=actor.id,
                             on_behalf_of_id=_principal_id(actor, revision), organisation_id=actor.organisation_id)
    db.session.add(row)
    if conclusion == "needs_change":
        revision.returned_by = "legality"
        db.session.add(Opinion(revision=revision, round=revision.round, submission=revision.submissions,
                               author_id=actor.id, on_behalf_of_id=row.on_behalf_of_id,
                               organisation_id=actor.organisation_id, body=reasons, stage="legality"))
    db.session.flush()
    return {"conclusion": conclusion, "conclusion_label": LEGALITY_CONCLUSIONS[conclusion],
            "legality_conclusion": row.id}


def conclude_legality(revision: Revision, actor, conclusion: str, reasons: str = "", *, levels) -> Revision:
    """The county 司法局 concludes its legality review: 合法 (lawful) passes the draft on to the county
    office (县级审核通过, to go up), 需修改 (needs_change, with reasons) returns it to the township."""
    if not perm.is_legality_reviewer_of(actor, revision):
        raise Forbidden("只有本县司法局的合法性审查人可以作出合法性审查结论")
    if conclusion not in LEGALITY_EVENTS:
        raise Invalid("审查结论须为：合法（lawful）/ 需修改（needs_change）")
    return fire(revision, LEGALITY_EVENTS[conclusion], actor, levels=levels, reason=reasons)


def _department_of(revision: Revision, dept_id) -> Organisation:
    """A department of the revision's county, or Invalid."""
    if isinstance(dept_id, bool) or not isinstance(dept_id, int) or not 0 < dept_id < 2**31:
        raise Invalid("所选部门不属于本县")
    org = db.session.get(Organisation, dept_id)
    if org is None or org.parent_id != revision.township.county.id or org.kind != OrgKind.department:
        raise Invalid("所选部门不属于本县的县直部门")
    if org.closed_at is not None:
        raise Invalid(f"“{org.name}”已撤销，不能再征求其意见")
    return org


def _deadline_ok(deadline: date | None) -> date | None:
    if deadline is not None and deadline < clock.today():
        raise Invalid(f"截止日期不能早于今天（{clock.today().isoformat()}）")
    return deadline


def _prepare_consultations(revision: Revision, department_ids: list[int], deadline: date | None,
                           no_consultation_reason: str, consultation_days: int):
    """Validate the intake now (departments of the county, or a reason for consulting none; a
    deadline); return the step that records the consultations after the move."""
    chosen = [_department_of(revision, d) for d in dict.fromkeys(department_ids)]
    none_reason = _clean_reason(no_consultation_reason)
    if not chosen and not none_reason:
        raise Invalid("受理须选择至少一个征求意见的部门，或说明无需征求部门意见的理由")
    if chosen and none_reason:
        raise Invalid("已选择征求意见的部门，无需填写“无需征求意见的理由”")
    if chosen:
        deadline = _deadline_ok(deadline) or clock.add_working_days(clock.today(), consultation_days)
    else:
        deadline = None

    def record(actor) -> dict:
        n = revision.submissions
        all_changes = drafts.changes(revision)
        existing = {c.department_id: c for c in revision.consultations}
        carried = []
        for org in chosen:
            c = existing.get(org.id) or Consultation(revision=revision, department_id=org.id)
            if c.id is None:
                db.session.add(c)
            row = ConsultationRound(submission=n, round=revision.round, state=PENDING, deadline=deadline,
                                    asked_by_id=actor.id)
            c.rounds.append(row)
            last = c.last_signed(n)
            if last is not None:
                carried.append(_carry(revision, c, row, last, all_changes))
        revision.deadline = deadline
        revision.no_consultation_reason = none_reason or None
        return {"departments": [o.id for o in chosen], "department_names": [o.name for o in chosen],
                "deadline": deadline.isoformat() if deadline else None,
                "no_consultation_reason": none_reason or None, "carried": carried or None}
    return record


def _carry(revision: Revision, c: Consultation, row: ConsultationRound, last: ConsultationRound,
           all_changes) -> dict:
    """A department that really signed an earlier pass keeps its sign-off over the changes it signed
    that have not changed since; if nothing else changed it is signed for this pass too. Audited."""
    signed = last.signed_items or {}
    now = drafts.signed_forms(all_changes)
    same = sorted(int(i) for i, form in now.items() if signed.get(i) == form)
    to_review = sorted(int(i) for i, form in now.items() if signed.get(i) != form)
    from_round = last.carried_from_round if last.state == CARRIED else last.round
    from_submission = last.carried_from_submission if last.state == CARRIED else last.submission
    row.carried_from_round, row.carried_from_submission, row.carried_items = from_round, from_submission, same
    if not to_review:
        row.state, row.verdict, row.signed_items = CARRIED, last.verdict, dict(now)
    details = {"department": c.department.name, "from_round": from_round, "items": same,
               "to_review": to_review, "state": row.state}
    _log("signoff_carried", None, revision, target=f"consultation:{c.id}" if c.id else None,
         organisation=c.department, details=details)
    return {"department": c.department.name, "items": len(same), "to_review": len(to_review)}


def _publish(revision: Revision, actor):
    entries = [snapshot.EntryData(kind=i.kind, number=i.number, fields=i.fields(), item_id=i.item_id)
               for i in drafts.live_items(revision)]
    return snapshot.publish_version(revision.township, entries, source="revision", published_by=actor,
                                    title=revision.base_version.title if revision.base_version else "")


def extend_rounds(revision: Revision, actor, reason: str) -> None:
    """The county office allows one more round, with a written reason."""
    if not perm.can_extend_rounds(actor, revision):
        raise Forbidden("只有本县县委编办可以延长轮次")
    if not (reason or "").strip():
        raise Invalid("延长轮次须填写理由")
    lock_revision(revision, OPEN)
    revision.max_rounds += 1
    db.session.flush()
    _log("extend_rounds", actor, revision, details={"max_rounds": revision.max_rounds, "reason": reason.strip()})


# ---------------------------------------------------------------- consultations ----
def _managing(revision: Revision, actor) -> None:
    if not perm.is_county_office_of(actor, revision):
        raise Forbidden("只有本县县委编办可以调整征求意见的部门")
    lock_revision(revision, [Status.county_review])


def _current_row(revision: Revision, consultation_id, state: str | None = PENDING) -> tuple[Consultation, ConsultationRound]:
    c = next((c for c in revision.consultations if c.id == consultation_id), None)
    if c is None:
        raise NotFound("该部门未被征求意见")
    row = c.current
    if row is None:
        raise Conflict(f"{c.department.name}未在本轮被征求意见")
    if state is not None and row.state != state:
        raise Conflict(f"{c.department.name}本轮已是“{row.label}”，不能再进行此操作")
    return c, row


def add_consultation(revision: Revision, actor, department_id: int, deadline: date | None = None,
                     consultation_days: int = 10) -> Consultation:
    """The office consults one more department during its review; the department reviews from now on."""
    _managing(revision, actor)
    org = _department_of(revision, department_id)
    deadline = _deadline_ok(deadline) or revision.deadline or clock.add_working_days(clock.today(), consultation_days)
    c = next((c for c in revision.consultations if c.department_id == org.id), None)
    if c is not None and c.current is not None and c.current.state != RELEASED:
        raise Conflict(f"本轮已征求{org.name}的意见")
    if c is None:
        c = Consultation(revision=revision, department_id=org.id)
        db.session.add(c)
    row = c.current
    if row is None:
        row = ConsultationRound(submission=revision.submissions, round=revision.round, asked_by_id=actor.id)
        c.rounds.append(row)
    row.state, row.deadline, row.reason, row.decided_by_id, row.decided_at = PENDING, deadline, None, None, None
    db.session.flush()
    _log("consultation_add", actor, revision, target=f"consultation:{c.id}",
         details={"department": org.name, "department_id": org.id, "deadline": deadline.isoformat()})
    return c


def release_consultation(revision: Revision, actor, consultation_id: int, reason: str) -> ConsultationRound:
    """The office no longer waits for a department this pass, and says why."""
    _managing(revision, actor)
    reason = _clean_reason(reason)
    if not reason:
        raise Invalid("撤回征求意见须说明理由")
    c, row = _current_row(revision, consultation_id)
    row.state, row.reason, row.decided_by_id, row.decided_at = RELEASED, reason, actor.id, utcnow()
    db.session.flush()
    _log("consultation_release", actor, revision, target=f"consultation:{c.id}",
         details={"department": c.department.name, "reason": reason})
    return row


def extend_consultation(revision: Revision, actor, consultation_id: int, deadline: date | None,
                        reason: str) -> ConsultationRound:
    """A later deadline for one department, with a reason."""
    _managing(revision, actor)
    reason = _clean_reason(reason)
    if not reason:
        raise Invalid("延长截止日期须说明理由")
    if deadline is None:
        raise Invalid("请填写新的截止日期")
    c, row = _current_row(revision, consultation_id)
    _deadline_ok(deadline)
    if row.deadline is not None and deadline <= row.deadline:
        raise Invalid(f"新的截止日期须晚于原截止日期（{row.deadline.isoformat()}）")
    old = row.deadline
    row.deadline = deadline
    db.session.flush()
    _log("consultation_extend", actor, revision, target=f"consultation:{c.id}",
         details={"department": c.department.name, "from": old.isoformat() if old else None,
                  "deadline": deadline.isoformat(), "reason": reason})
    return row


def lapse_consultation(revision: Revision, actor, consultation_id: int, reason: str) -> ConsultationRound:
    """After its deadline, the office records a silent department as 逾期未反馈，视为无意见 (with a reason)."""
    _managing(revision, actor)
    reason = _clean_reason(reason)
    if not reason:
        raise Invalid("记为“逾期未反馈，视为无意见”须说明理由")
    c, row = _current_row(revision, consultation_id)
    if row.deadline is None or row.deadline >= clock.today():
        due = row.deadline.isoformat() if row.deadline else "未设定"
        raise Conflict(f"{c.department.name}的截止日期（{due}）尚未过，不能记为逾期未反馈")
    row.state, row.reason, row.decided_by_id, row.decided_at = LAPSED, reason, actor.id, utcnow()
    db.session.flush()
    _log("consultation_lapse", actor, revision, target=f"consultation:{c.id}",
         details={"department": c.department.name, "deadline": row.deadline.isoformat(), "reason": reason})
    return row


# ---------------------------------------------------------------- opinions ----
def review_stage(revision: Revision, actor) -> str:
    """Which stage's opinion this actor may write now, or Forbidden/Conflict."""
    return perm.opinion_stage(actor, revision)


def add_opinion(revision: Revision, actor, body: str, item_id: int | None = None) -> Opinion:
    body = (body or "").strip()
    if not body:
        raise Invalid("意见内容不能为空")
    if len(body) > 4000:
        raise Invalid("意见过长（不超过 4000 字）")
    stage = review_stage(revision, actor)
    lock_revision(revision, [revision.status])
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)
                                or not any(i.item_id == item_id for i in revision.items)):
        raise Invalid("意见所针对的事项不在本修订稿中")
    opinion = Opinion(revision=revision, round=revision.round, submission=revision.submissions, item_id=item_id,
                      author_id=actor.id, on_behalf_of_id=_principal_id(actor, revision),
                      organisation_id=actor.organisation_id, body=body, stage=stage)
    db.session.add(opinion)
    db.session.flush()
    _log("opinion", actor, revision, target=f"opinion:{opinion.id}",
         details={"item_id": item_id, "body": body, "stage": stage})
    return opinion


def sign_off(revision: Revision, actor, verdict: str) -> ConsultationRound:
    """A department signs off this pass: 无意见, or 有意见 after writing its opinions. What it signs is
    every change of the draft as it stands (it sees the whole draft)."""
    c = perm.check_sign_off(actor, revision)
    if verdict not in VERDICTS:
        raise Invalid("签署须选择：无意见（no_opinion）/ 有意见（with_opinions）")
    lock_revision(revision, [Status.county_review])
    row = c.current
    mine = [o for o in revision.opinions
            if o.submission == revision.submissions and o.organisation_id == actor.organisation_id]
    if verdict == "with_opinions" and not mine:
        raise Conflict("本部门本轮尚未提出意见：请先逐项或就整体提出意见，再以“有意见”签署；如无意见，请选择“无意见”")
    if verdict == "no_opinion" and mine:
        raise Conflict(f"本部门本轮已提出 {len(mine)} 条意见，请以“有意见”签署")
    row.state, row.verdict = SIGNED, verdict
    row.signed_at, row.signed_by_id = utcnow(), actor.id
    row.signed_on_behalf_of_id = _principal_id(actor, revision)
    row.signed_items = drafts.signed_forms(drafts.changes(revision))
    db.session.flush()
    _log("sign_off", actor, revision, target=f"consultation:{c.id}",
         details={"verdict": verdict, "round": revision.round, "opinions": len(mine),
                  "items": sorted(int(i) for i in row.signed_items)})
    return row


def _check_answer(opinion: Opinion, revision: Revision, answer, body) -> str:
    if opinion.revision_id != revision.id:
        raise Invalid("意见不属于本修订稿")
    if answer not in ANSWERS:
        raise Invalid("答复须为：采纳 / 部分采纳 / 不采纳")
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid("答复须说明理由")
    if len(body) > 4000:
        raise Invalid("答复过长（不超过 4000 字）")
    if opinion.submission != revision.submissions:
        raise Conflict("只能答复本轮的意见")
    return body


def answer_opinion(opinion: Opinion, actor, answer: str, body: str) -> OpinionReply:
    """The township answers an opinion: adopted / partly / not_adopted, with a reason."""
    return answer_opinions(opinion.revision, actor, [(opinion, answer, body)])[0]


def answer_opinions(revision: Revision, actor, answers: list[tuple[Opinion, str, str]]) -> list[OpinionReply]:
    """The township answers several opinions at once: all are checked before any is written."""
    _require_drafter(revision, actor)
    if not answers:
        raise Invalid("没有要提交的答复")
    lock_revision(revision, ANSWERABLE)
    problems, checked, fields = [], [], {}
    for opinion, answer, body in answers:
        try:
            checked.append((opinion, answer, _check_answer(opinion, revision, answer, body)))
        except (Invalid, Conflict) as exc:
            problems.append(f"对“{opinion.organisation.name}”意见 #{opinion.id} 的答复：{exc.message}")
            fields[opinion.id] = exc.message
    if problems:
        raise Invalid("；".join(problems), problems, fields)
    replies = []
    for opinion, answer, body in checked:
        reply = OpinionReply(opinion=opinion, author_id=actor.id, organisation_id=actor.organisation_id,
                             on_behalf_of_id=_principal_id(actor, revision), answer=answer, body=body)
        db.session.add(reply)
        db.session.flush()
        _log("opinion_answer", actor, revision, target=f"opinion:{opinion.id}",
             details={"answer": answer, "body": body})
        replies.append(reply)
    return replies


def explain_change(revision: Revision, actor, item_id: int, reason: str) -> ItemReason:
    """Give a change of the draft its 修改理由 (any change, including one the drafter did not type:
    an item a revert removes, say)."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    reason = _clean_reason(reason)
    if not reason:
        raise Invalid("修改理由不能为空")
    if not any(ch.item_id == item_id and drafts.needs_reason(ch) for ch in drafts.changes(revision)):
        raise Invalid("该事项不在本修订稿的修改之中")
    row = ItemReason(revision=revision, item_id=item_id, action="explain", reason=reason, author_id=actor.id,
                     submission=revision.submissions)
    db.session.add(row)
    db.session.flush()
    _log("item_explain", actor, revision, target=f"item:{item_id}", details={"reason": reason})
    return row


def confirm_flag(revision: Revision, actor, flag_id: int, reason: str) -> DraftFlag:
    """Keep an item as it is although it was flagged, saying why."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    flag = next((f for f in revision.flags if f.id == flag_id), None)
    if flag is None:
        raise NotFound("提示不存在")
    if not flag.open:
        raise Conflict("该提示已处理")
    reason = _clean_reason(reason)
    if not reason:
        raise Invalid("确认保留须说明理由")
    if flag.source == "basis" and not reason.startswith("依据"):  # a changed law: say what is kept and why
        reason = f"依据{'废止' if flag.message.startswith('依据已废止') else '修订'}后仍保留，理由：{reason}"
    flag.resolution, flag.resolved_reason, flag.resolved_by_id, flag.resolved_at = "confirmed", reason, actor.id, utcnow()
    db.session.flush()
    _log("flag_confirm", actor, revision, target=f"item:{flag.item_id}",
         details={"message": flag.message, "reason": reason})
    return flag



def reply_opinion(opinion: Opinion, actor, body: str) -> OpinionReply:
    """A further word in an opinion's thread by anyone who may read the draft."""
    revision = opinion.revision
    if not perm.can_reply_to_opinion(actor, revision):
        raise Forbidden("您不能参与该意见的讨论")
    body = (body or "").strip()
    if not body or len(body) > 4000:
        raise Invalid("回复内容不能为空，且不超过 4000 字")
    lock_revision(revision, OPEN)
    reply = OpinionReply(opinion=opinion, author_id=actor.id, organisation_id=actor.organisation_id,
                         on_behalf_of_id=_principal_id(actor, revision), body=body)
    db.session.add(reply)
    db.session.flush()
    _log("opinion_reply", actor, revision, target=f"opinion:{opinion.id}", details={"body": body})
    return reply


# ------------------------------------------------------------------ deputies (代理) ----
def reassign_consultation(revision: Revision, actor, consultation_id: int, assignee_id) -> Consultation:
    """The county office gives a department's pending consultation to another user of that department
    (someone away: their colleague signs instead); None gives it back to the whole department."""
    _managing(revision, actor)
    c, _row = _current_row(revision, consultation_id)
    assignee = None
    if assignee_id not in (None, ""):
        try:
            assignee = db.session.get(User, int(assignee_id))
        except (TypeError, ValueError):
            assignee = None
        if not perm.may_be_assigned(assignee, c.department):
            raise Invalid("只能改派给该部门在用的审核人账号")
    if (assignee.id if assignee else None) == c.assignee_id:
        raise Conflict("该部门的征求意见已由此人办理，无需改派")
    previous = c.assignee
    c.assignee = assignee
    db.session.flush()
    _log("consultation_reassign", actor, revision, target=f"consultation:{c.id}",
         details={"department": c.department.name, "from": previous.username if previous else None,
                  "to": assignee.username if assignee else None})
    return c
