"""Web imports: the parsed upload kept between preview and confirm, the plan, and the job.

An upload is parsed at once; its ParsedList and the file itself are stored in the database
(`ImportUpload`, under a random token the client holds, for the user who uploaded it), so any
worker on any machine serves the preview, reads the file again with the columns the user mapped
(`remap`), the confirm and the progress page: the confirmed import is the list as last previewed.
The preview shows counts, rows, warnings and, for a new draft, the plan: which current
items are kept, changed, moved, deleted, which are added, how many reorderings it takes.

Confirming starts the job in a thread of the worker that took the confirm. The job never blocks
other requests: it reads what it needs and prepares every row and every audit entry with no
transaction open, then writes them in bulk in ONE short transaction that appends the audit entries
in one step at its end: either the whole list is imported (a new township's version 1, or a new
revision whose every change is audited) or nothing is written. The job reports its progress and a
heartbeat to its row; a job whose heartbeat stops (its worker died) is reported failed within a
minute and can be retried.
"""
from __future__ import annotations

import bisect
import json
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid, WorkflowError
from workflow.operations import clean_fields
from workflow.states import Status

from .. import signals
from ..extensions import db
from ..importers.columns import SourceColumn
from ..importers.parsed import ImportFailure, ImportWarning, ParsedItem, ParsedList
from ..items import CONTENT_KEYS, KINDS, TABLES, content_hash
from ..models import (
    DraftFlag,
    DraftItem,
    ImportUpload,
    Item,
    ItemReason,
    Organisation,
    OrgKind,
    Revision,
    User,
    Version,
)
from ..models.base import utcnow
from ..services import snapshot
from ..services.audit import append_events, event_fields, record_event
from ..services.bulk import insert_returning_ids, insert_rows
from ..services.import_list import check_lengths, import_list, place_problems
from ..services.snapshot import EntryData
from .file_types import parse_document

TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")
KEEP_SECONDS = 24 * 3600
#: a job whose heartbeat is older than this lost its worker: it is reported failed and may be retried
STALE_SECONDS = 60
DEAD = "导入中断（处理进程已停止），未写入任何内容；可重试"


# ---------------------------------------------------------------------- storage

def _row(token: str) -> ImportUpload | None:
    if not TOKEN.match(token or ""):
        return None
    return db.session.get(ImportUpload, token, populate_existing=True)


def _cleanup() -> None:
    """Drop uploads a day old, except running jobs (a dead one is stale long before)."""
    cutoff = utcnow() - timedelta(seconds=KEEP_SECONDS)
    db.session.execute(delete(ImportUpload).where(
        ImportUpload.created_at < cutoff, or_(ImportUpload.state.is_(None), ImportUpload.state.in_(("done", "error")))))


def parsed_to_json(parsed: ParsedList) -> dict:
    return {"township": parsed.township, "county": parsed.county, "prefecture": parsed.prefecture,
            "region": parsed.region, "date": parsed.date, "stated_totals": parsed.stated_totals,
            "place_problem": parsed.place_problem, "columns": [c.to_dict() for c in parsed.columns],
            "items": [i.to_dict() for i in parsed.items], "warnings": [asdict(w) for w in parsed.warnings]}


def parsed_from_json(data: dict) -> ParsedList:
    items = []
    for d in data["items"]:
        items.append(ParsedItem.from_dict(d))
    return ParsedList(township=data["township"], county=data["county"], prefecture=data["prefecture"],
                      region=data["region"], date=data["date"], items=items,
                      warnings=[ImportWarning(**w) for w in data["warnings"]],
                      stated_totals=data["stated_totals"], place_problem=data.get("place_problem"),
                      columns=[SourceColumn.from_dict(c) for c in data.get("columns") or []])


def save_upload(user, mode: str, township_id: int | None, filename: str, parsed: ParsedList,
                data: bytes = b"", place: str | None = None) -> str:
    """Keep a parsed upload (and its file, to read again with other columns) for its preview; commits."""
    _cleanup()
    token = secrets.token_urlsafe(32)
    db.session.add(ImportUpload(token=token, user_id=user.id, mode=mode, township_id=township_id,
                                filename=filename, place=place, columns={}, data=data or None,
                                parsed=json.dumps(parsed_to_json(parsed), ensure_ascii=False)))
    db.session.commit()
    return token


def _as_dict(row: ImportUpload) -> dict:
    return {"token": row.token, "user_id": row.user_id, "mode": row.mode, "township_id": row.township_id,
            "filename": row.filename, "place": row.place, "columns": dict(row.columns or {}),
            "parsed": json.loads(row.parsed) if row.parsed else None, "state": row.state}


def remap(token: str, data: dict, columns: dict[str, str], categories=None) -> str | None:
    """Read the kept file again with the user's choice of columns ({header key: role}) and keep the
    result for the preview; the reason (Chinese) when it cannot be read so (the last preview stays)."""
    row = _row(token)
    if row is None or row.data is None:
        return "原文件未保留，无法按新的对应重新读取：请重新上传"
    try:
        parsed = parse_document(row.data, township=data.get("place") if data["mode"] == "new" else None,
                                categories=categories, columns=columns)
    except ImportFailure as exc:
        return str(exc)
    data["columns"] = columns
    data["parsed"] = parsed_to_json(parsed)
    # only while no job has started: a confirm on another worker wins over a late remap
    db.session.execute(update(ImportUpload).where(ImportUpload.token == token, ImportUpload.state.is_(None))
                       .values(columns=columns, parsed=json.dumps(data["parsed"], ensure_ascii=False)))
    db.session.commit()
    return None


def load_upload(token: str, user) -> dict | None:
    """The stored upload awaiting its import, only for the user who uploaded it."""
    row = _row(token)
    if row is None or row.user_id != user.id or row.parsed is None:
        return None
    return _as_dict(row)


def discard(token: str) -> None:
    """Cancel an upload that has no job; commits."""
    db.session.execute(delete(ImportUpload).where(ImportUpload.token == token, ImportUpload.state.is_(None)))
    db.session.commit()


def _stale(row: ImportUpload) -> bool:
    beat = row.heartbeat_at or row.created_at
    return row.state in ("queued", "running") and utcnow() - beat > timedelta(seconds=STALE_SECONDS)


def read_status(token: str) -> dict | None:
    """The job's state, progress, message and result; None before the confirm."""
    row = _row(token)
    if row is None or row.state is None:
        return None
    status = {"state": row.state, "done": row.done, "total": row.total, "message": row.message,
              "result": row.result, "user_id": row.user_id, "attempts": row.attempts}
    if _stale(row):
        status.update(state="error", message=DEAD)
    status["retryable"] = status["state"] == "error" and row.parsed is not None
    return status


def _status(token: str, **values) -> None:
    """Report progress on a connection of its own (never inside the job's write transaction)."""
    values.setdefault("heartbeat_at", utcnow())
    with db.engine.begin() as conn:  # a job done stays done (a retry of a job thought dead cannot undo it)
        conn.execute(update(ImportUpload).where(ImportUpload.token == token, ImportUpload.state != "done")
                     .values(**values))


def claim(token: str, user_id: int) -> bool:
    """Queue the upload's job; False if it was queued already (a double submit, or another worker)."""
    result = db.session.execute(
        update(ImportUpload).where(ImportUpload.token == token, ImportUpload.user_id == user_id,
                                   ImportUpload.state.is_(None))
        .values(state="queued", done=0, total=1, message="等待处理", heartbeat_at=utcnow(), attempts=1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def retry(token: str, user_id: int) -> bool:
    """Queue a failed job again (its upload is still kept); False if it is not failed (or is another's)."""
    cutoff = utcnow() - timedelta(seconds=STALE_SECONDS)
    result = db.session.execute(
        update(ImportUpload).where(
            ImportUpload.token == token, ImportUpload.user_id == user_id, ImportUpload.parsed.is_not(None),
            or_(ImportUpload.state == "error",
                (ImportUpload.state.in_(("queued", "running"))) & (ImportUpload.heartbeat_at < cutoff)))
        .values(state="queued", done=0, total=1, message="等待处理（重试）", heartbeat_at=utcnow(),
                attempts=ImportUpload.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


# ---------------------------------------------------------------------- the plan

@dataclass
class Plan:
    """How a draft becomes the imported list, through add / edit / delete / reorder."""

    pairs: dict = field(default_factory=dict)  #: imported index -> current index (kept identity)
    changed: list = field(default_factory=list)  #: imported indexes whose text or table changes
    adds: list = field(default_factory=list)  #: imported indexes without a current item
    deletes: list = field(default_factory=list)  #: current indexes without an imported item
    moves: int = 0  #: moves that put every table in the imported order
    errors: list = field(default_factory=list)  #: why the import cannot be applied

    @property
    def total(self) -> int:
        """Operations of the job: start, deletes, edits, adds, moves, renumbering."""
        return 1 + len(self.deletes) + len(self.changed) + len(self.adds) + self.moves + 1

    def status_of(self, index: int) -> str:
        if index in self.adds:
            return "added"
        return "changed" if index in self.changed else "kept"


def match(current: list[dict], imported: list[ParsedItem]) -> dict:
    """imported index -> current index: by exact name within the list, else by the place between
    name-matched neighbours, else by (table, number)."""
    used: set[int] = set()
    pairs: dict[int, int] = {}
    by_name: dict[str, list[int]] = {}
    for ci, c in enumerate(current):
        by_name.setdefault(c["name"], []).append(ci)
    for ii, it in enumerate(imported):
        cands = [ci for ci in by_name.get(it.name, []) if ci not in used]
        if not cands:
            continue
        same_place = [ci for ci in cands if current[ci]["kind"] == it.kind and current[ci]["number"] == it.number]
        same_kind = [ci for ci in cands if current[ci]["kind"] == it.kind]
        best = (same_place or same_kind or cands)[0]
        pairs[ii] = best
        used.add(best)
    # between two items matched by name, in the same order in both lists, the unmatched items
    # stand where they stood: pair them in order when the gap holds as many on each side (a
    # reworded item keeps its identity even when an insertion above it shifted every number)
    for kind in KINDS:
        imp = [ii for ii, it in enumerate(imported) if it.kind == kind]
        cur = [ci for ci, c in enumerate(current) if c["kind"] == kind]
        cur_pos = {ci: p for p, ci in enumerate(cur)}
        anchors, last = [(-1, -1)], -1
        for p, ii in enumerate(imp):
            ci = pairs.get(ii)
            if ci is not None and ci in cur_pos and cur_pos[ci] > last:
                anchors.append((p, cur_pos[ci]))
                last = cur_pos[ci]
        anchors.append((len(imp), len(cur)))
        for (p0, q0), (p1, q1) in zip(anchors, anchors[1:]):
            left = [ii for ii in imp[p0 + 1:p1] if ii not in pairs]
            right = [ci for ci in cur[q0 + 1:q1] if ci not in used]
            if left and len(left) == len(right):
                for ii, ci in zip(left, right):
                    pairs[ii] = ci
                    used.add(ci)
    by_place: dict[tuple, int] = {}
    for ci, c in enumerate(current):
        by_place.setdefault((c["kind"], c["number"]), ci)
    for ii, it in enumerate(imported):
        if ii in pairs:
            continue
        ci = by_place.get((it.kind, it.number))
        if ci is not None and ci not in used:
            pairs[ii] = ci
            used.add(ci)
    return pairs


def reorder_moves(order: list, target: list) -> list[tuple[object, int]]:
    """The moves (item, index) that turn `order` into `target` (the same items), fewest first: the
    items of a longest run already in target order stay, each other one goes right after its
    predecessor in the target. Inserting 3 items at the top of a table is 3 moves."""
    rank = {x: i for i, x in enumerate(target)}
    seq = [rank[x] for x in order]
    # longest increasing subsequence of seq (patience sorting, O(n log n)), as a set of items
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(seq)
    for i, r in enumerate(seq):
        k = bisect.bisect_left(tails, r)
        if k == len(tails):
            tails.append(r)
            tail_at.append(i)
        else:
            tails[k], tail_at[k] = r, i
        back[i] = tail_at[k - 1] if k else -1
    keep, i = set(), tail_at[-1] if tail_at else -1
    while i >= 0:
        keep.add(order[i])
        i = back[i]
    current, moves = list(order), []
    for t, want in enumerate(target):
        if want in keep:
            continue
        current.remove(want)
        index = current.index(target[t - 1]) + 1 if t else 0
        current.insert(index, want)
        moves.append((want, index))
    return moves


def make_plan(current: list[dict], imported: list[ParsedItem]) -> Plan:
    """current: the draft's (or current version's) entries in order, with kind, number, item_id, fields."""
    plan = Plan(pairs=match(current, imported))
    for ii, it in enumerate(imported):
        where = f"{TABLES[it.kind].short}事项第 {it.number} 项"
        ci = plan.pairs.get(ii)
        if ci is not None:
            c = current[ci]
            try:
                same = content_hash(clean_fields(it.fields(), it.kind)) == content_hash(c)
            except Invalid as exc:
                plan.errors.append(f"{where}：{exc.message}")
                continue
            if not same or c["kind"] != it.kind:
                plan.changed.append(ii)
        else:
            try:
                clean_fields(it.fields(), it.kind)
            except Invalid as exc:
                plan.errors.append(f"{where}：{exc.message}")
            plan.adds.append(ii)
    matched = set(plan.pairs.values())
    plan.deletes = [ci for ci in range(len(current)) if ci not in matched]
    # where every item stands after deletes, moves and adds (each appended to its table)
    lists = {k: [current[ci]["item_id"] for ci in range(len(current))
                 if current[ci]["kind"] == k and ci in matched] for k in KINDS}
    for ii in plan.changed:
        c = current[plan.pairs[ii]]
        if c["kind"] != imported[ii].kind:
            lists[c["kind"]].remove(c["item_id"])
            lists[imported[ii].kind].append(c["item_id"])
    for ii in plan.adds:
        lists[imported[ii].kind].append(("new", ii))
    for k in KINDS:
        target = [current[plan.pairs[ii]]["item_id"] if ii in plan.pairs else ("new", ii)
                  for ii, it in enumerate(imported) if it.kind == k]
        plan.moves += len(reorder_moves(lists[k], target))
    return plan


def version_entries(township_id: int) -> tuple[object, list[dict]]:

    version = snapshot.current_version(township_id)
    return version, (snapshot.read_entries(version) if version is not None else [])


def blocking_problems(data: dict, user) -> tuple[list[str], Plan | None, object]:
    """What stops a confirm (shown on the preview), the plan for a draft, and the township."""



    parsed = parsed_from_json(data["parsed"])
    problems: list[str] = []
    if data["mode"] == "new":
        if not perm.can_import_new_township(user):
            problems.append("只有系统管理员可以导入新乡镇的清单")
        place = place_problems(parsed)
        if place:
            problems.append(f"{place}（请重新上传，并在“所属地区”中填写）")
            return problems, None, None
        county_ids = select(Organisation.id).where(Organisation.kind == OrgKind.county,
                                                   Organisation.name == parsed.county)
        town = db.session.scalar(select(Organisation).where(
            Organisation.kind == OrgKind.township, Organisation.name == parsed.township,
            Organisation.parent_id.in_(county_ids)).limit(1))
        if town is not None and db.session.scalar(select(Version.id).where(Version.township_id == town.id).limit(1)):
            problems.append(f"{parsed.township}已有清单版本：修改须以修订稿导入（由本乡镇起草人在乡镇页面导入）")
        return problems, None, town
    township = db.session.get(Organisation, data["township_id"])
    if township is None:
        return ["乡镇不存在"], None, None
    if not perm.can_start_revision(user, township):
        problems.append("只有本乡镇的起草人可以导入修订稿")
    if parsed.township and parsed.township != township.name:
        problems.append(f"文件是“{parsed.township}”的清单，不是{township.name}的，不能导入为本乡镇的修订稿")
    if Revision.open_of(township.id) is not None:
        problems.append("该乡镇已有一份未完成的修订稿：请先完成或放弃它，再导入")
    _, current = version_entries(township.id)
    plan = make_plan(current, parsed.items)
    problems += plan.errors
    return problems, plan, township


# ---------------------------------------------------------------------- the job

class _Progress:
    """Progress and heartbeat to the job's row (at most every 0.3 s); each step is also announced
    (signals.import_progress), which is where a test holds a job part-way."""

    def __init__(self, token: str, total: int):
        self.token, self.total, self.done, self.last = token, total, 0, 0.0

    def step(self, message: str, n: int = 1, stage: str = "prepare"):
        self.done = min(self.total, self.done + n)
        signals.import_progress.send(self.token, done=self.done, total=self.total, stage=stage)
        if not self.token:
            return
        now = time.monotonic()
        if now - self.last > 0.3:
            _status(self.token, state="running", done=self.done, total=self.total, message=message)
            self.last = now


@dataclass
class DraftWork:
    """A draft import, prepared with no transaction open: every row and audit entry to write."""

    township_id: int
    version_id: int | None
    title: str
    new_items: int  #: identities to create; rows refer to the n-th as ("new", n)
    drafts: list = field(default_factory=list)  #: draft_item rows (item_id may be ("new", n))
    flags: list = field(default_factory=list)
    reasons: list = field(default_factory=list)
    events: list = field(default_factory=list)  #: audit entries (event_fields), targets may hold ("new", n)
    summary: dict = field(default_factory=dict)


def _item_ref(ref, new_ids: list[int]) -> int:
    return new_ids[ref[1]] if isinstance(ref, tuple) else ref


def prepare_draft(township, user, parsed: ParsedList, filename: str, progress: _Progress) -> DraftWork:
    """Everything a new revision made equal to the imported list takes, computed from reads only:
    the draft's rows (identities kept by the plan), the flags and reasons, and an audit entry per
    change, as the item operations would write them one by one."""
    if not perm.can_start_revision(user, township):
        raise Forbidden("只有本乡镇的起草人可以发起修订")
    if Revision.open_of(township.id) is not None:
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它")
    version, base = version_entries(township.id)
    current = [{"id": None, "item_id": e["item_id"], "kind": e["kind"], "number": e["number"],
                **{f: e[f] for f in CONTENT_KEYS}} for e in base]
    plan = make_plan(current, parsed.items)
    if plan.errors:
        raise Invalid("；".join(plan.errors[:5]))
    reason, now = f"由文件“{filename}”导入", utcnow()
    work = DraftWork(township_id=township.id, version_id=getattr(version, "id", None),
                     title=f"{township.name}履职事项清单修订稿（由文件导入）", new_items=len(plan.adds))

    def event(action, target=None, **kw):
        work.events.append((event_fields(action, actor=user, township_id=township.id, round=0, **kw), target))

    def draft_row(ref, kind, number, position, fields, *, deleted=False, touched=True):
        work.drafts.append({"item_id": ref, "kind": kind, "number": number, "position": position, "deleted": deleted,
                            "updated_at": now, "updated_by_id": user.id if touched else None, "lock_version": 1,
                            **{f: fields[f] for f in CONTENT_KEYS}})

    event("revision_start", to_state=Status.drafting.value,
          details={"base_version": getattr(version, "number", None), "current_version": getattr(version, "number", None),
                   "reason": None})
    new_ref = {ii: ("new", n) for n, ii in enumerate(plan.adds)}
    ref_of = {ii: current[ci]["item_id"] for ii, ci in plan.pairs.items()} | new_ref
    changed, deleted = set(plan.changed), set(plan.deletes)
    for ci in plan.deletes:
        c = current[ci]
        event("item_delete", target=c["item_id"],
              details={"kind": c["kind"], "number": c["number"], "name": c["name"], "reason": reason})
        work.reasons.append({"item_id": c["item_id"], "action": "delete"})
    position = 0
    numbers = {k: 0 for k in KINDS}
    for kind in KINDS:
        for ii, it in enumerate(parsed.items):
            if it.kind != kind:
                continue
            numbers[kind] += 1
            if ii in plan.pairs and ii not in changed:
                draft_row(ref_of[ii], kind, numbers[kind], position, current[plan.pairs[ii]], touched=False)
            else:
                fields = clean_fields(it.fields(), kind)
                draft_row(ref_of[ii], kind, numbers[kind], position, fields)
                if ii in changed:
                    c = current[plan.pairs[ii]]
                    changes = {f: {"old": c[f], "new": fields[f]} for f in CONTENT_KEYS if c[f] != fields[f]}
                    moved = c["kind"] != kind
                    if moved:
                        changes["kind"] = {"old": c["kind"], "new": kind}
                    event("item_move" if moved else "item_edit", target=ref_of[ii],
                          details={"changes": changes, "reason": reason})
                    work.reasons.append({"item_id": ref_of[ii], "action": "move" if moved else "edit"})
                else:
                    event("item_add", target=ref_of[ii],
                          details={"kind": kind, "number": numbers[kind], "fields": fields, "reason": reason})
                    work.reasons.append({"item_id": ref_of[ii], "action": "add"})
            position += 1
            progress.step(f"正在准备：{it.name[:20]}")
    for ci in plan.deletes:  # a deleted item stays visible in the draft, marked, where it was
        c = current[ci]
        draft_row(c["item_id"], c["kind"], c["number"], position, c, deleted=True)
        position += 1
    # the reorderings the import amounts to, as the editor would make them (one entry per move)
    matched = set(plan.pairs.values())
    lists = {k: [current[ci]["item_id"] for ci in range(len(current)) if current[ci]["kind"] == k and ci in matched]
             for k in KINDS}
    for ii in plan.changed:
        c = current[plan.pairs[ii]]
        if c["kind"] != parsed.items[ii].kind:
            lists[c["kind"]].remove(c["item_id"])
            lists[parsed.items[ii].kind].append(c["item_id"])
    for ii in plan.adds:
        lists[parsed.items[ii].kind].append(new_ref[ii])
    moves = 0
    for kind in KINDS:
        target = [ref_of[ii] for ii, it in enumerate(parsed.items) if it.kind == kind]
        for want, index in reorder_moves(lists[kind], target):
            event("item_reorder", target=want, details={"kind": kind, "to": index + 1})
            moves += 1
    for e in base:  # what the importer of the current version was unsure of: dealt with if changed or removed
        ii = next((ii for ii, ci in plan.pairs.items() if current[ci]["item_id"] == e["item_id"]), None)
        gone = e["item_id"] in {current[ci]["item_id"] for ci in deleted}
        resolution = "removed" if gone else ("changed" if ii in changed else None)
        for message in e["flags"]:
            work.flags.append({"item_id": e["item_id"], "source": "import", "message": message, "created_at": now,
                               "resolution": resolution, "resolved_by_id": user.id if resolution else None,
                               "resolved_at": now if resolution else None})
    for r in work.reasons:
        r.update(reason=reason, author_id=user.id, submission=0, created_at=now)
    work.summary = {"file": filename, "mode": "draft", "counts": parsed.counts(), "added": len(plan.adds),
                    "changed": len(plan.changed), "deleted": len(plan.deletes), "reordered": moves}
    event("import", details=work.summary)
    return work


def write_draft(work: DraftWork, user) -> int:
    """The prepared draft, written in bulk in the caller's transaction (short: a few executemany);
    the audit entries are appended last, in one step. Returns the revision's id."""
    if getattr(snapshot.current_version(work.township_id), "id", None) != work.version_id:
        raise Conflict("导入期间该乡镇发布了新版本：请重新上传并导入")
    revision = Revision(township_id=work.township_id, base_version_id=work.version_id,
                        previous_version_id=work.version_id, created_by_id=user.id, title=work.title)
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a revision started meanwhile won the unique index on open revisions
        raise Conflict("该乡镇已有一份未完成的修订稿，请先完成或放弃它") from None
    new_ids: list[int] = []
    if work.new_items:
        now = utcnow()
        new_ids = insert_returning_ids(Item.__table__, [{"township_id": work.township_id, "created_at": now}] * work.new_items)
    for model, rows in ((DraftItem, work.drafts), (DraftFlag, work.flags), (ItemReason, work.reasons)):
        insert_rows(model.__table__, [dict(r, revision_id=revision.id, item_id=_item_ref(r["item_id"], new_ids))
                                      for r in rows])
    entries = []
    for fields, target in work.events:
        if target is not None:
            fields = dict(fields, target=f"item:{_item_ref(target, new_ids)}")
        if fields["action"] == "import":
            fields = dict(fields, target=f"revision:{revision.id}")
        entries.append(dict(fields, revision_id=revision.id))
    append_events(entries)
    return revision.id


def prepare_new(parsed: ParsedList, progress: _Progress) -> list:
    """A new township's list: its checks and entries (content hashes), from no database at all."""
    check_lengths(parsed)
    entries = []
    for it in parsed.items:
        entries.append(EntryData(kind=it.kind, number=it.number, fields=it.fields(), flags=list(it.flags) or None))
        progress.step(f"正在准备：{it.name[:20]}")
    return entries


def import_new(user, parsed: ParsedList, filename: str, entries=None):
    version = import_list(parsed, published_by=user, entries=entries)
    record_event("import", actor=user, township_id=version.township_id, target=f"version:{version.id}",
                 details={"file": filename, "mode": "new", "counts": parsed.counts(), "version": version.number})
    return version


def run(app, token: str) -> None:
    """The job: prepared with no transaction open, then written in one short transaction that also
    marks the job done (a worker that dies after the commit leaves a job that says so)."""
    with app.app_context():
        try:
            row = db.session.get(ImportUpload, token)
            user = db.session.get(User, row.user_id)
            mode, filename, township_id = row.mode, row.filename, row.township_id
            parsed = parsed_from_json(json.loads(row.parsed))
            progress = _Progress(token, len(parsed.items) + 1)
            _status(token, state="running", done=0, total=progress.total, message="正在准备")
            if mode == "new":
                entries = prepare_new(parsed, progress)
                db.session.commit()  # end the reads: the write transaction starts now
                progress.step("正在写入", 0, stage="write")
                version = import_new(user, parsed, filename, entries)
                result = {"township_id": version.township_id, "version_id": version.id}
                message = f"已导入为{parsed.township}的第 {version.number} 版"
            else:
                township = db.session.get(Organisation, township_id)
                work = prepare_draft(township, user, parsed, filename, progress)
                db.session.commit()
                progress.step("正在写入", 0, stage="write")
                revision_id = write_draft(work, user)
                result = {"revision_id": revision_id}
                message = (f"已创建修订稿：新增 {work.summary['added']} 项、修改 {work.summary['changed']} 项、"
                           f"删除 {work.summary['deleted']} 项")
            db.session.execute(update(ImportUpload).where(ImportUpload.token == token).values(
                state="done", done=progress.total, total=progress.total, message=message, result=result,
                parsed=None, data=None, heartbeat_at=utcnow()))
            db.session.commit()
        except (WorkflowError, ImportFailure) as exc:
            db.session.rollback()
            text = getattr(exc, "message", None) or str(exc)
            _status(token, state="error", message=f"导入失败，未写入任何内容：{text}")
        except Exception:  # noqa: BLE001 - the job must always end with a status
            db.session.rollback()
            app.logger.exception("document import %s failed", token)
            _status(token, state="error", message="导入失败（内部错误），未写入任何内容")
        finally:
            db.session.remove()


def start(app, token: str) -> None:
    if app.config.get("DOCUMENTS_IMPORT_THREAD", True):
        threading.Thread(target=run, args=(app, token), name=f"import-{token[:8]}", daemon=True).start()
    else:
        run(app, token)
