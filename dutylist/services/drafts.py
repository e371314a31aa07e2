"""Reading a revision's working copy: checks, changes against its base, who it concerns."""
from __future__ import annotations

from flask import current_app, has_app_context

from workflow import permissions as perm

from ..extensions import db
from ..items import FIELDS, KINDS, TABLES, Shape, content_hash, item_problems, named_departments
from ..models import Category, DraftFlag, DraftItem, Opinion, Organisation, Revision
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
    """Differences of the draft against the township's current version when it began (for a revert,
    what it undoes), matched by identity, each with every reason it was given."""
    against = revision.previous_version or revision.base_version
    base = read_entries(against) if against else []
    reasons: dict[int, list[str]] = {}
    for r in revision.reasons:
        reasons.setdefault(r.item_id, []).append(r.reason)
    return diff_entries(base, draft_entries(revision), reasons)


def needs_reason(change: Change) -> bool:
    """A change people must explain: an item added, removed, changed or moved to another table (not one
    whose number moved only because another item was added or moved)."""
    return bool(set(change.kinds) & {"added", "removed", "changed", "moved"})


def where(change: Change) -> str:
    """Where a change is, for people: 配合事项第 3 项“…”."""
    side = change.new or change.old
    return f"{TABLES[side['kind']].short}事项第 {side['number']} 项“{_short(side['name'])}”"


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def missing_reasons(revision: Revision, all_changes: list[Change] | None = None) -> list[Change]:
    """The changes without any 修改理由."""
    return [ch for ch in (changes(revision) if all_changes is None else all_changes)
            if needs_reason(ch) and not ch.reasons]


def open_flags(revision: Revision) -> list[DraftFlag]:
    return [f for f in revision.flags if f.open]


def unanswered_opinions(revision: Revision) -> list[Opinion]:
    """Opinions of the pass just reviewed that the township has not answered yet."""
    return [o for o in revision.opinions if o.submission == revision.submissions and o.answer is None]


def submit_blockers(revision: Revision, all_changes: list[Change] | None = None) -> list[str]:
    """Everything that stops the township from submitting now, as messages (empty: 可以上报). The
    machine's guard and the pre-submit panel read this same list."""
    all_changes = changes(revision) if all_changes is None else all_changes
    out = list(check_problems(revision))
    n = len(unanswered_opinions(revision))
    if n:
        out.append(f"还有 {n} 条意见未答复，须逐条答复后才能再次上报")
    missing = missing_reasons(revision, all_changes)
    if missing:
        out.append("以下修改须填写修改理由：" + "、".join(where(ch) for ch in missing))
    items = {i.item_id: i for i in revision.items}
    for flag in open_flags(revision):
        item = items.get(flag.item_id)
        label = (f"{TABLES[item.kind].short}事项第 {item.number} 项“{_short(item.name)}”" if item is not None
                 else f"事项 {flag.item_id}")
        out.append(f"{label}有待处理的提示：{flag.message}（修改该事项或说明理由后确认）")
    for item in missing_bases(revision, all_changes):
        out.append(f"{TABLES[item.kind].short}事项第 {item.number} 项“{_short(item.name)}”是新增事项，"
                   "须注明依据（法律、法规或文件名称及条款）")
    return out


def required_basis_kinds() -> tuple[str, ...]:
    """The tables whose new items must cite a basis (the REQUIRE_BASIS_FOR setting; empty by default)."""
    return tuple(current_app.config.get("REQUIRE_BASIS_FOR", ())) if has_app_context() else ()


def has_basis(item: DraftItem) -> bool:
    """Whether the item cites at least one basis (one in the library, or a pending citation's text)."""
    fields = item.fields()
    return any((c.get("basis_id") or (c.get("text") or "").strip())
               for f in FIELDS if f.shape == Shape.citations for c in fields.get(f.key) or [] if isinstance(c, dict))


def missing_bases(revision: Revision, all_changes: list[Change] | None = None) -> list[DraftItem]:
    """New items of the tables REQUIRE_BASIS_FOR names (added, or moved into such a table) citing no basis."""
    kinds = required_basis_kinds()
    if not kinds:
        return []
    new = {ch.item_id for ch in (changes(revision) if all_changes is None else all_changes)
           if ch.new is not None and ch.new["kind"] in kinds and set(ch.kinds) & {"added", "moved"}}
    return [i for i in live_items(revision) if i.item_id in new and not has_basis(i)]


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
    found = {o.id: o for o in reg.values() if o.id in ids}  # an alias names the same body again
    return sorted(found.values(), key=lambda o: o.id)


def change_form(change: Change) -> str:
    """What a sign-off records of a change: the item's table and content hash now, or 'removed'."""
    return f"{change.new['kind']}:{change.new['hash']}" if change.new else "removed"


def signed_forms(all_changes: list[Change]) -> dict[str, str]:
    """What a department signs: every change of the draft (it sees the whole draft), by item id."""
    return {str(ch.item_id): change_form(ch) for ch in all_changes if ch.kinds != ["renumbered"]}


def concerning(revision: Revision, department_id: int, all_changes: list[Change]) -> set[int]:
    """The item ids of the changes that name the department (before or after the change)."""
    county = revision.township.county
    reg = dept_registry.registry(county)
    return {ch.item_id for ch in all_changes if department_id in concerned_departments(ch, county, reg)}


def visible_opinions(revision: Revision, user) -> list:
    """The opinions the user is shown (workflow.permissions.visible_opinions decides)."""
    return perm.visible_opinions(user, revision)
