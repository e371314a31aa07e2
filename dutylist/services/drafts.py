"""Reading a revision's working copy: checks, changes against its base, who it concerns."""
from __future__ import annotations

from workflow import permissions as perm

from ..extensions import db
from ..items import KINDS, TABLES, content_hash, item_problems, named_departments
from ..models import Category, DraftItem, Organisation, Revision
from ..vocabulary import CATEGORIES
from . import departments as dept_registry
from .diff import ItemDiff as Change
from .diff import diff_entries
from .snapshot import read_entries


def live_items(revision: Revision) -> list[DraftItem]:
    """The draft's items in official order (tables in order, then position)."""
    return sorted((i for i in revision.items if not i.deleted),
                  key=lambda i: (KINDS.index(i.kind), i.position))


def vocabulary() -> set[str]:
    names = set(db.session.scalars(db.select(Category.name)))
    return names or set(CATEGORIES)


def check_problems(revision: Revision) -> list[str]:
    """Pre-submit checks, as messages for the drafter (empty: ready to submit)."""
    problems = []
    vocab = vocabulary()
    seen_names: dict[str, str] = {}
    by_kind: dict[str, list[DraftItem]] = {k: [] for k in KINDS}
    for item in live_items(revision):
        by_kind[item.kind].append(item)
    for kind, items in by_kind.items():
        short = TABLES[kind].short
        for item in items:
            where = f"{short}事项第 {item.number} 项"
            name = (item.name or "").strip()
            if name and name in seen_names:
                problems.append(f"{where}：事项名称与{seen_names[name]}重复")
            elif name:
                seen_names[name] = where
            if item.category not in vocab:
                problems.append(f"{where}：事项类别“{item.category}”不在类别目录中")
            problems += [f"{where}：{message}" for _, message in item_problems(item.fields(), kind)]
        numbers = [i.number for i in items]
        if numbers != list(range(1, len(items) + 1)):
            problems.append(f"{short}事项序号不连续（应为 1–{len(items)}），可使用“重新编号”")
    return problems


def draft_entries(revision: Revision) -> list[dict]:
    """The draft's live items as entries (the same shape as snapshot.read_entries)."""
    out = []
    for item in live_items(revision):
        d = {"item_id": item.item_id, "kind": item.kind, "number": item.number,
             "hash": content_hash(item.fields()), "flags": []}
        d.update(item.fields())
        out.append(d)
    return out


def changes(revision: Revision) -> list[Change]:
    """Differences of the draft against the version it started from, matched by identity."""
    base = read_entries(revision.base_version) if revision.base_version else []
    reasons = {i.item_id: i.reason for i in revision.items if i.reason}
    return diff_entries(base, draft_entries(revision), reasons)


def department_ids(fields: dict, county: Organisation, reg: dict) -> set[int]:
    ids = set()
    for name in named_departments(fields):
        org = dept_registry.resolve(county, name, reg)
        if org is not None and org.id is not None:
            ids.add(org.id)
    return ids


def concerned_departments(change: Change, county: Organisation, reg: dict) -> set[int]:
    if change.kinds == ["renumbered"]:
        return set()  # only its number moved (another item was added or moved): nothing to review
    ids = set()
    for side in (change.old, change.new):
        if side is not None:
            ids |= department_ids(side, county, reg)
    return ids


def suggest_departments(revision: Revision, all_changes: list[Change] | None = None) -> list[Organisation]:
    """Departments named by the items the draft changes (before or after the change)."""
    county = revision.township.county
    reg = dept_registry.registry(county)
    ids: set[int] = set()
    for ch in changes(revision) if all_changes is None else all_changes:
        ids |= concerned_departments(ch, county, reg)
    return sorted((o for o in reg.values() if o.id in ids), key=lambda o: o.id)


def _signed_form(change: Change) -> str:
    """What a sign-off records of a change: the item's current content hash, or 'removed'."""
    return change.new["hash"] if change.new else "removed"


def _concerning(revision: Revision, department_id: int, all_changes: list[Change] | None) -> list[Change]:
    county = revision.township.county
    reg = dept_registry.registry(county)
    return [ch for ch in (changes(revision) if all_changes is None else all_changes)
            if department_id in concerned_departments(ch, county, reg)]


def items_for_department(revision: Revision, department_id: int, signed_hashes: dict | None = None,
                         all_changes: list[Change] | None = None) -> list[Change]:
    """Changes that concern the department, less those unchanged since it signed them off."""
    signed = signed_hashes or {}
    # a change accepted before and not touched since stays accepted
    return [ch for ch in _concerning(revision, department_id, all_changes)
            if signed.get(str(ch.item_id)) != _signed_form(ch)]


def hashes_for_department(revision: Revision, department_id: int) -> dict:
    """What a department signs off: item id -> current content hash ('removed' for deletions)."""
    return {str(ch.item_id): _signed_form(ch) for ch in _concerning(revision, department_id, None)}


def visible_opinions(revision: Revision, user, all_changes: list[Change] | None = None) -> list:
    """The opinions the user is shown (workflow.permissions.visible_opinions decides)."""
    concerning = ({ch.item_id for ch in _concerning(revision, user.organisation_id, all_changes)}
                  if perm.sees_changes_concerning_only(user) else set())
    return perm.visible_opinions(user, revision, concerning)
