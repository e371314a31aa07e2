"""A change of law (issue 14.3–14.4), one verb each: an office marks a basis amended or repealed (every
item citing it in a township's current version is flagged at once), and opens adjustment drafts for
every affected township of its area in one action. Each checks, changes, writes its audit entry and
announces (dutylist.signals); the caller commits.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dutylist import signals
from dutylist.extensions import db
from dutylist.items import CONTENT_KEYS
from dutylist.models import DraftFlag, DraftItem, Organisation, Revision
from dutylist.models.base import utcnow
from dutylist.models.basis import Basis
from dutylist.models.basis_flag import BASIS_FLAG_LABELS, BasisFlag
from dutylist.services import law_change, snapshot
from dutylist.services.audit import record_event

from . import permissions as perm
from .errors import Conflict, Forbidden, Invalid, NotFound
from .operations import _log, lock_revision
from .states import OPEN, Status

STATUS_WORDS = {"amended": "修订", "repealed": "废止"}
NOTE_LIMIT = 2000


def _basis(basis_id) -> Basis:
    basis = db.session.get(Basis, basis_id) if isinstance(basis_id, int) else basis_id
    if basis is None:
        raise NotFound("依据不存在")
    return basis


def change_basis_status(basis: Basis, actor, status: str, day: date | None, note: str = "",
                        replaced_by_id: int | None = None) -> int:
    """Mark the basis amended (with the new basis, where there is one) or repealed on a day, and flag every
    item of every township's current version that cites it; the number of items newly flagged."""
    if not perm.can_change_basis_status(actor):
        raise Forbidden("只有县委编办、州和自治区编办可以标记依据已修订或已废止")
    if not perm.can_change_basis_status(actor, basis):
        raise Forbidden("只有添加该依据的编办或其上级编办可以标记它已修订或已废止")
    if status not in STATUS_WORDS:
        raise Invalid("状态应为 amended（已修订）或 repealed（已废止）")
    if day is None:
        raise Invalid(f"请填写{STATUS_WORDS[status]}日期")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise Invalid(f"说明过长（不超过 {NOTE_LIMIT} 字）")
    replaced_by = None
    if replaced_by_id is not None:
        if status != "amended":
            raise Invalid("只有“已修订”可以指定修订后的依据")
        replaced_by = db.session.get(Basis, replaced_by_id)
        if replaced_by is None:
            raise Invalid("修订后的依据不在依据库中")
        if replaced_by.id == basis.id:
            raise Invalid("修订后的依据不能是它本身")
        if replaced_by.status == "repealed":
            raise Invalid(f"修订后的依据{replaced_by.label}已废止")
    seen = basis.status
    if seen == "repealed":
        raise Conflict(f"{basis.label}已标记为已废止，不能再改为已{STATUS_WORDS[status]}")
    if seen == status == "amended" and replaced_by is None:
        raise Conflict(f"{basis.label}已标记为已修订")
    values = {"status": status, "status_note": note}
    values["amended_on" if status == "amended" else "repealed_on"] = day
    if replaced_by is not None:
        values["replaced_by_id"] = replaced_by.id
    # a conditional write: two offices marking it at once, one wins and the other is told
    result = db.session.execute(update(Basis).where(Basis.id == basis.id, Basis.status == seen)
                                .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("该依据的状态刚被他人修改，请刷新后重试")
    db.session.refresh(basis)
    flagged = law_change.flag_citing_items(basis.id, status, actor.id)
    record_event("basis_status", actor=actor, target=f"basis:{basis.id}", from_state=seen, to_state=status,
                 details={"title": basis.title, "doc_number": basis.doc_number, "date": day.isoformat(),
                          "note": note or None, "replaced_by": replaced_by.id if replaced_by else None,
                          "replaced_by_title": replaced_by.title if replaced_by else None, "flagged": flagged})
    signals.basis_status_changed.send(basis, actor=actor, status=status, flagged=flagged)
    return flagged


def flag_message(basis: Basis, status: str) -> str:
    """What a flagged item says in the draft: 依据已废止：《…》于 2026-12-01 废止（note）; the draft page and
    the pre-submit check add what to do (change the item, or keep it with a reason)."""
    day = basis.repealed_on if status == "repealed" else basis.amended_on
    when = f"于 {day.isoformat()} {STATUS_WORDS[status]}" if day else f"已{STATUS_WORDS[status]}"
    tail = f"，修订后为{basis.replaced_by.label}" if status == "amended" and basis.replaced_by else ""
    note = f"（{basis.status_note}）" if basis.status_note else ""
    return f"{BASIS_FLAG_LABELS[status]}：{basis.label}{when}{tail}{note}"


def _start_adjustment(township: Organisation, actor, basis: Basis, status: str) -> Revision:
    """A new draft of the township's current version, opened by the office because the law changed."""
    current = snapshot.current_version(township.id)
    if current is None:
        raise Invalid(f"{township.name}尚无发布的版本")
    word = STATUS_WORDS[status]
    revision = Revision(township=township, base_version=current, previous_version=current, created_by=actor,
                        title=f"{township.name}履职事项清单调整稿（依据已{word}：{basis.label}）"[:200])
    for pos, e in enumerate(snapshot.read_entries(current)):
        revision.items.append(DraftItem(item_id=e["item_id"], kind=e["kind"], number=e["number"],
                                        position=pos, **{f: e[f] for f in CONTENT_KEYS}))
        for message in e["flags"]:
            revision.flags.append(DraftFlag(item_id=e["item_id"], source="import", message=message))
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the township started one meanwhile: the flags go to that one
        raise Conflict(f"{township.name}刚刚发起了修订稿，请重试") from None
    reason = f"依据变更：{basis.label}已{word}，{actor.organisation.name}发起调整"
    _log("revision_start", actor, revision, to_state=Status.drafting.value,
         details={"base_version": current.number, "current_version": current.number, "reason": reason,
                  "basis": basis.id, "adjustment": True})
    return revision


def open_adjustments(basis: Basis, actor) -> list[tuple[Revision, bool, list[int]]]:
    """For every township of the actor's area with open flags of the basis not yet in an open draft: a new
    adjustment draft where it has none open, the flags added to the open one otherwise. Returns
    [(revision, created, flagged item ids)]; Invalid when no township of the area needs one."""
    if not perm.can_open_adjustments(actor):
        raise Forbidden("只有县委编办（或州、自治区编办，对其辖区）可以发起依据变更调整")
    area = perm.area_of(actor)
    open_revision = select(Revision.id).where(Revision.id == BasisFlag.revision_id, Revision.is_open_clause())
    flags = db.session.scalars(law_change.open_flags_query(basis.id, area)
                               .where(~open_revision.exists()).order_by(BasisFlag.township_id, BasisFlag.id)).all()
    if not flags:
        if law_change.count_open(basis.id, area):
            raise Conflict("受影响的乡镇均已有包含这些提示的调整稿")
        raise Invalid(f"您辖区内没有引用{basis.label}且待调整的事项")
    by_town: dict[int, list[BasisFlag]] = {}
    for f in flags:
        by_town.setdefault(f.township_id, []).append(f)
    towns = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(by_town)))}
    out = []
    for township_id, town_flags in by_town.items():
        township = towns[township_id]
        if not perm.can_open_adjustment_for(actor, township):
            continue
        revision = Revision.open_of(township_id)
        created = revision is None
        if created:
            revision = _start_adjustment(township, actor, basis, town_flags[0].status)
        else:
            lock_revision(revision, OPEN)
        items = {i.item_id: i for i in revision.items}
        flagged = []
        for f in town_flags:
            item = items.get(f.item_id)
            f.revision_id = revision.id
            if item is None:
                continue  # not in the draft (an item added later cannot be this one)
            row = DraftFlag(item_id=f.item_id, source="basis", message=flag_message(basis, f.status))
            if item.deleted:
                row.resolution, row.resolved_by_id, row.resolved_at = "removed", actor.id, utcnow()
            revision.flags.append(row)
            flagged.append(f.item_id)
        db.session.flush()
        _log("basis_adjust", actor, revision, target=f"basis:{basis.id}",
             details={"basis": basis.id, "title": basis.title, "status": town_flags[0].status,
                      "items": len(flagged), "new_draft": created})
        out.append((revision, created, flagged))
    if not out:
        raise Forbidden("受影响的乡镇不在您的辖区内")
    db.session.flush()
    signals.basis_adjustments_opened.send(basis, actor=actor, revisions=out)
    return out
