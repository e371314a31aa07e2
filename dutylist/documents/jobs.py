"""Web imports: the parsed upload kept between preview and confirm, the plan, and the job.

An upload is parsed at once; its ParsedList is stored server-side in
``<UPLOAD_DIR>/<token>.json`` with the user's id (the client only holds the random token), and the
file itself in ``<token>.bin``, so that the preview can read it again with the columns the user
mapped (`remap`): the confirmed import is the list as last previewed.
The preview shows counts, rows, warnings and, for a new draft, the plan: which current
items are kept, changed, moved, deleted, which are added, how many reorderings it takes.

Confirming starts a job in a background thread that runs in ONE database transaction:
either the whole list is imported (a new township's version 1, or a new revision whose
every change went through workflow.operations and is audited), or nothing is written. The
job reports its progress to ``<token>.status.json``; the progress page polls it.
"""
from __future__ import annotations

import bisect
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Invalid, WorkflowError
from workflow.operations import clean_fields

from ..extensions import db
from ..importers.columns import SourceColumn
from ..importers.parsed import ImportFailure, ImportWarning, ParsedItem, ParsedList
from ..items import KINDS, TABLES, content_hash
from ..models import DraftItem, Organisation, OrgKind, Revision, User, Version
from ..services import drafts, snapshot
from ..services.audit import record_event
from ..services.import_list import import_list, place_problems
from .file_types import parse_document

TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")
KEEP_SECONDS = 24 * 3600
#: a job that has not reported for this long is taken as dead (its worker stopped)
STALE_SECONDS = 15 * 60


# ---------------------------------------------------------------------- storage

def upload_dir() -> Path:
    path = Path(current_app.config.get("DOCUMENTS_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str, suffix: str = ".json") -> Path:
    if not TOKEN.match(token or ""):
        raise FileNotFoundError(token)
    return upload_dir() / f"{token}{suffix}"


def _write(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _cleanup() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for p in [*upload_dir().glob("*.json"), *upload_dir().glob("*.bin")]:
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            pass


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
    """Keep a parsed upload (and its file, to read again with other columns) for its preview."""
    _cleanup()
    token = secrets.token_urlsafe(32)
    if data:
        _path(token, ".bin").write_bytes(data)
    _write(_path(token), {
        "user_id": user.id, "mode": mode, "township_id": township_id, "filename": filename, "place": place,
        "columns": {}, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "parsed": parsed_to_json(parsed)})
    return token


def remap(token: str, data: dict, columns: dict[str, str], categories=None) -> str | None:
    """Read the kept file again with the user's choice of columns ({header key: role}) and keep the
    result for the preview; the reason (Chinese) when it cannot be read so (the last preview stays)."""
    try:
        raw = _path(token, ".bin").read_bytes()
    except OSError:
        return "原文件未保留，无法按新的对应重新读取：请重新上传"
    try:
        parsed = parse_document(raw, township=data.get("place") if data["mode"] == "new" else None,
                                categories=categories, columns=columns)
    except ImportFailure as exc:
        return str(exc)
    data["columns"] = columns
    data["parsed"] = parsed_to_json(parsed)
    _write(_path(token), data)
    return None


def load_upload(token: str, user) -> dict | None:
    """The stored upload, only for the user who uploaded it."""
    try:
        data = json.loads(_path(token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("user_id") != user.id:
        return None
    return data


def discard(token: str) -> None:
    for suffix in (".json", ".bin"):
        try:
            _path(token, suffix).unlink()
        except OSError:
            pass


def read_status(token: str) -> dict | None:
    try:
        status = json.loads(_path(token, ".status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if status.get("state") in ("queued", "running") and time.time() - status.get("updated", 0) > STALE_SECONDS:
        status.update(state="error", message="导入中断（处理进程已停止），未写入任何内容，请重新导入")
    return status


def _status(token: str, **values) -> dict:
    path = _path(token, ".status.json")
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        status = {}
    status.update(values, updated=time.time())
    _write(path, status)
    return status


def claim(token: str, user_id: int) -> bool:
    """Create the job's status file; False if a job for this upload exists already (double submit)."""
    path = _path(token, ".status.json")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"state": "queued", "done": 0, "total": 1, "user_id": user_id, "message": "等待处理",
                   "updated": time.time()}, fh)
    return True


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
    def __init__(self, token: str, total: int):
        self.token, self.total, self.done, self.last = token, total, 0, 0.0

    def step(self, message: str, n: int = 1):
        self.done = min(self.total, self.done + n)
        if not self.token:
            return
        now = time.time()
        if now - self.last > 0.3 or self.done == self.total:
            _status(self.token, state="running", done=self.done, total=self.total, message=message)
            self.last = now


def apply_draft(township, user, parsed: ParsedList, filename: str, progress: _Progress | None = None):
    """A new revision of the township made equal to the imported list; every change audited."""


    reason = f"由文件“{filename}”导入"
    revision = ops.start_revision(township, user, title=f"{township.name}履职事项清单修订稿（由文件导入）")
    items = drafts.live_items(revision)
    current = [{"id": d.id, "item_id": d.item_id, "kind": d.kind, "number": d.number, **d.fields()} for d in items]
    plan = make_plan(current, parsed.items)
    if plan.errors:
        raise Invalid("；".join(plan.errors[:5]))
    progress = progress or _Progress("", 0)
    progress.total = plan.total
    progress.step("已创建修订稿")

    def lock(draft_id):
        return db.session.get(DraftItem, draft_id).lock_version

    for ci in plan.deletes:
        c = current[ci]
        ops.delete_item(revision, user, c["id"], lock(c["id"]), reason)
        progress.step(f"删除：{c['name'][:20]}")
    draft_of: dict[int, int] = {}
    for ii, ci in plan.pairs.items():
        draft_of[ii] = current[ci]["id"]
    for ii in plan.changed:
        it = parsed.items[ii]
        ops.edit_item(revision, user, draft_of[ii], it.fields(), lock(draft_of[ii]), reason=reason, kind=it.kind)
        progress.step(f"修改：{it.name[:20]}")
    for ii in plan.adds:
        it = parsed.items[ii]
        draft_of[ii] = ops.add_item(revision, user, it.kind, it.fields(), reason).id
        progress.step(f"新增：{it.name[:20]}")
    moves = 0
    for kind in KINDS:
        target = [draft_of[ii] for ii, it in enumerate(parsed.items) if it.kind == kind]
        ids = [d.id for d in drafts.live_items(revision) if d.kind == kind]
        for want, index in reorder_moves(ids, target):
            ops.move_item_to(revision, user, want, index, lock(want))
            moves += 1
            progress.step("调整顺序")
    live = drafts.live_items(revision)
    if any([i.number for i in live if i.kind == k] != list(range(1, sum(1 for i in live if i.kind == k) + 1))
           for k in KINDS):
        ops.renumber(revision, user)
    progress.step("完成")
    record_event("import", actor=user, revision=revision, round=revision.round, target=f"revision:{revision.id}",
                 details={"file": filename, "mode": "draft", "counts": parsed.counts(),
                          "added": len(plan.adds), "changed": len(plan.changed), "deleted": len(plan.deletes),
                          "reordered": moves})
    return revision, plan


def import_new(user, parsed: ParsedList, filename: str):

    version = import_list(parsed, published_by=user)
    record_event("import", actor=user, township_id=version.township_id, target=f"version:{version.id}",
                 details={"file": filename, "mode": "new", "counts": parsed.counts(), "version": version.number})
    return version


def run(app, token: str) -> None:
    """The job: everything in one transaction, progress reported to the status file."""


    with app.app_context():
        try:
            data = json.loads(_path(token).read_text(encoding="utf-8"))
            user = db.session.get(User, data["user_id"])
            parsed = parsed_from_json(data["parsed"])
            progress = _Progress(token, max(1, len(parsed.items)))
            _status(token, state="running", done=0, total=progress.total, message="正在导入")
            if data["mode"] == "new":
                version = import_new(user, parsed, data["filename"])
                db.session.commit()
                result = {"township_id": version.township_id, "version_id": version.id}
                message = f"已导入为{parsed.township}的第 {version.number} 版"
            else:
                township = db.session.get(Organisation, data["township_id"])
                revision, plan = apply_draft(township, user, parsed, data["filename"], progress)
                db.session.commit()
                result = {"revision_id": revision.id}
                message = (f"已创建修订稿：新增 {len(plan.adds)} 项、修改 {len(plan.changed)} 项、"
                           f"删除 {len(plan.deletes)} 项")
            _status(token, state="done", done=progress.total, total=progress.total, message=message, result=result)
            discard(token)
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
