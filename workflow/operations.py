"""One verb per change (indico style). Each locks the revision, checks, changes, logs, and
flushes; the caller (a view or an API endpoint) commits. Errors are workflow.errors."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dutylist import items, signals
from dutylist.extensions import db
from dutylist.items import CONTENT_KEYS, KINDS
from dutylist.models import (
    ANSWERS,
    Consultation,
    DraftItem,
    Item,
    Opinion,
    OpinionReply,
    Organisation,
    OrgKind,
    Revision,
)
from dutylist.models.base import utcnow
from dutylist.services import drafts, snapshot
from dutylist.services.audit import record_event

from . import permissions as perm
from .errors import Conflict, Forbidden, Invalid, NotFound
from .machine import ReviewFacts, ReviewWorkflow
from .states import EDITABLE, EVENT_LABELS, OPEN, STATUS_LABELS, Status

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
    event = record_event(action, actor=actor, revision=revision, round=revision.round, **kw)
    signals.revision_event.send(revision, event=event)  # notifications subscribe: same transaction
    return event


def clean_fields(data: dict, kind: str) -> dict:
    """Normalise an item's fields from a form or the API (the item schema's rules); Invalid if bad."""
    try:
        return items.clean_fields(data, kind)
    except items.FieldError as exc:
        raise Invalid(exc.message) from None


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
def start_revision(township: Organisation, actor, title: str = "", base_version=None) -> Revision:
    """A working copy of the township's current version (or of an older one, to revert)."""
    if township.kind != OrgKind.township:
        raise NotFound("乡镇不存在")
    if not perm.can_start_revision(actor, township):
        raise Forbidden("只有本乡镇的起草人可以发起修订")
    base = base_version or snapshot.current_version(township.id)
    if base is not None and base.township_id != township.id:
        raise Invalid("所选版本不属于该乡镇")
    if Revision.open_of(township.id) is not None:
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它")
    revision = Revision(township=township, base_version=base, created_by=actor,
                        title=title or f"{township.name}履职事项清单修订稿")
    for pos, e in enumerate(snapshot.read_entries(base) if base else []):
        revision.items.append(DraftItem(item_id=e["item_id"], kind=e["kind"], number=e["number"],
                                        position=pos, **{f: e[f] for f in CONTENT_KEYS}))
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent start won the unique index on open revisions
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它") from None
    _log("revision_start", actor, revision, details={"base_version": getattr(base, "number", None)},
         to_state=Status.drafting.value)
    db.session.flush()
    return revision


def add_item(revision: Revision, actor, kind: str, data: dict, reason: str = "") -> DraftItem:
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    fields = clean_fields(data, kind)
    identity = Item(township_id=revision.township_id)
    db.session.add(identity)
    db.session.flush()
    same_kind = [i for i in drafts.live_items(revision) if i.kind == kind]
    number = max((i.number for i in same_kind), default=0) + 1
    position = max((i.position for i in same_kind), default=0) + 1
    item = DraftItem(revision=revision, item_id=identity.id, kind=kind, number=number, position=position,
                     reason=reason or None, updated_by_id=actor.id, **fields)
    db.session.add(item)
    db.session.flush()
    _log("item_add", actor, revision, target=f"item:{identity.id}",
         details={"kind": kind, "number": number, "fields": fields, "reason": reason or None})
    return item


def edit_item(revision: Revision, actor, draft_item_id: int, data: dict, lock_version,
              reason: str = "", kind: str | None = None) -> DraftItem:
    """Change an item's text and/or move it to another table (kind)."""
    _require_drafter(revision, actor)
    lock_revision(revision, EDITABLE)
    item = _item_of(revision, draft_item_id)
    _check_fresh(item, lock_version)
    new_kind = kind or item.kind
    fields = clean_fields(data, new_kind)
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
    item.reason = reason or None
    item.updated_by_id = actor.id
    _flush_versioned()  # UPDATE ... WHERE lock_version = seen: a concurrent edit fails here
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
    item.deleted = True
    item.reason = reason or None
    item.updated_by_id = actor.id
    _flush_versioned()
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


def move_item_to(revision: Revision, actor, draft_item_id: int, index: int, lock_version) -> None:
    """Reorder: put the item at `index` (from 0) of its table, the items between shifting by one."""
    item, same = _reordering(revision, actor, draft_item_id, lock_version)
    if not 0 <= index < len(same):
        raise Invalid(f"位置应在 1 到 {len(same)} 之间")
    start = same.index(item)
    if start == index:
        return
    _place(same, item, index)
    _flush_versioned()
    _log("item_reorder", actor, revision, target=f"item:{item.item_id}",
         details={"kind": item.kind, "number": item.number, "from": start + 1, "to": index + 1})


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
        problems=lambda: drafts.check_problems(revision),
        unanswered=lambda: len(unanswered_opinions(revision)),
        levels=tuple(levels), max_rounds=max_rounds or revision.max_rounds)


def unanswered_opinions(revision: Revision) -> list[Opinion]:
    """Opinions of the last round that the township has not answered yet."""
    return [o for o in revision.opinions if o.round == revision.round and o.answer is None]


def workflow_for(revision: Revision, levels) -> ReviewWorkflow:
    return ReviewWorkflow(revision, facts_for(revision, levels))


#: guards that depend only on configuration (which levels review), not on the draft
STATIC_GUARDS = ("prefecture_reviews", "region_reviews")


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
         departments: list[int] | None = None, deadline: date | None = None) -> Revision:
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
    reason = (reason or "").strip()
    if len(reason) > 4000:
        raise Invalid("理由过长（不超过 4000 字）")
    before_round = revision.round
    if event == "accept":
        consult = _prepare_consultations(revision, departments or [], deadline)
    published = []

    def before_change(_, ev):
        # the new version exists before the status says published (a CHECK constraint holds both)
        if ev.transition.dest == Status.published:
            published.append(_publish(revision, actor))
    wf.before_change = before_change
    moved = getattr(wf, event)(actor=actor, reason=reason)
    if not moved:
        only_reason = wf.refusals == ["须填写理由（意见）"]
        raise (Invalid if only_reason else Conflict)("；".join(wf.refusals) or "当前不能执行此操作", wf.refusals)
    if event == "submit":
        revision.round = before_round + 1
    elif event == "withdraw":
        revision.round = before_round - 1
    elif event == "accept":
        consult()
    elif event == "send_back":
        db.session.add(Opinion(revision=revision, round=revision.round, author_id=actor.id,
                               organisation_id=actor.organisation_id, body=reason,
                               stage="prefecture" if source == Status.prefecture_review else "region"))
    version = published[0] if published else None
    if version is not None:
        revision.published_version_id = version.id  # same UPDATE as status = published
    db.session.flush()  # UPDATE revision ... WHERE lock_version = seen
    _log(event, actor, revision, from_state=source.value, to_state=wf.state.value,
         details={"reason": reason or None, "round": revision.round,
                  "departments": departments if event == "accept" else None,
                  "deadline": deadline.isoformat() if deadline else None,
                  "version": version.number if version else None,
                  "digest": version.digest if version else None})
    return revision


def _prepare_consultations(revision: Revision, department_ids: list[int], deadline: date | None):
    """Validate the chosen departments now; return the step that records them after the move."""
    county = revision.township.county
    chosen = []
    for dept_id in dict.fromkeys(department_ids):
        if isinstance(dept_id, bool) or not isinstance(dept_id, int) or not 0 < dept_id < 2**31:
            raise Invalid("所选部门不属于本县")
        org = db.session.get(Organisation, dept_id)
        if org is None or org.parent_id != county.id or org.kind not in (OrgKind.department, OrgKind.office):
            raise Invalid("所选部门不属于本县")
        if org.kind == OrgKind.department:
            chosen.append(org)
    if deadline is not None and deadline < date.today():
        raise Invalid("截止日期不能早于今天")

    def record():
        existing = {c.department_id: c for c in revision.consultations}
        for org in chosen:
            c = existing.get(org.id)
            if c is None:
                c = Consultation(revision=revision, department_id=org.id, requested_round=revision.round)
                db.session.add(c)
            c.requested_round = revision.round
            c.deadline = deadline
            # accepted before and nothing of its items touched since: stays accepted
            if c.signed_hashes is not None and not drafts.items_for_department(revision, org.id, c.signed_hashes):
                c.signed_off_round = revision.round
        revision.deadline = deadline
    return record


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
    opinion = Opinion(revision=revision, round=revision.round, item_id=item_id, author_id=actor.id,
                      organisation_id=actor.organisation_id, body=body, stage=stage)
    db.session.add(opinion)
    db.session.flush()
    _log("opinion", actor, revision, target=f"opinion:{opinion.id}",
         details={"item_id": item_id, "body": body, "stage": stage})
    return opinion


def sign_off(revision: Revision, actor) -> Consultation:
    """A department signs off its review for this round."""
    c = perm.check_sign_off(actor, revision)
    lock_revision(revision, [Status.county_review])
    c.signed_off_round = revision.round
    c.signed_off_at = utcnow()
    c.signed_off_by_id = actor.id
    c.signed_hashes = drafts.hashes_for_department(revision, actor.organisation_id)
    db.session.flush()
    _log("sign_off", actor, revision, target=f"consultation:{c.id}",
         details={"items": sorted(c.signed_hashes)})
    return c


def answer_opinion(opinion: Opinion, actor, answer: str, body: str) -> OpinionReply:
    """The township answers an opinion: adopted / partly / not_adopted, with a reason."""
    revision = opinion.revision
    _require_drafter(revision, actor)
    if answer not in ANSWERS:
        raise Invalid("答复须为：采纳 / 部分采纳 / 不采纳")
    body = (body or "").strip()
    if not body:
        raise Invalid("答复须说明理由")
    if len(body) > 4000:
        raise Invalid("答复过长（不超过 4000 字）")
    lock_revision(revision, ANSWERABLE)
    if opinion.round != revision.round:
        raise Conflict("只能答复本轮的意见")
    reply = OpinionReply(opinion=opinion, author_id=actor.id, organisation_id=actor.organisation_id,
                         answer=answer, body=body)
    db.session.add(reply)
    db.session.flush()
    _log("opinion_answer", actor, revision, target=f"opinion:{opinion.id}",
         details={"answer": answer, "body": body})
    return reply


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
                         body=body)
    db.session.add(reply)
    db.session.flush()
    _log("opinion_reply", actor, revision, target=f"opinion:{opinion.id}", details={"body": body})
    return reply

