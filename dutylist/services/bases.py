"""The library of legal bases (依据库) and items' citations of it.

The library: adding, editing and searching entries (kept by the establishment offices; no two with
the same 文号, nor with the same title and issuer), importing many rows at once (the rows a sheet
gave: documents/bases_sheet.py reads the file). Citations: matching a cited text (《…》第十条, a 文号)
to an entry, and checking the citations a draft's item is given (a basis that does not exist, or was
repealed before the draft began, is refused with the reason). Who may do what is workflow.permissions'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError

from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid, NotFound

from ..extensions import db
from ..items import citations_of_text
from ..models import (
    BASIS_LEVELS,
    BASIS_STATUS_LABELS,
    Basis,
    BasisStatus,
    ContentBasis,
    DraftItem,
    Organisation,
    OrgKind,
    Revision,
    doc_key,
)
from ..textrules import field_problem
from .audit import record_event

#: what a person calls each field of an entry, and its length limit (characters)
LABELS = {"title": "依据名称", "doc_number": "文号", "issuer": "制定机关", "level": "效力层级",
          "published_on": "公布日期", "effective_on": "施行日期", "amended_on": "修订日期", "repealed_on": "废止日期",
          "url": "链接", "excerpt": "摘录", "status": "状态", "status_note": "状态说明"}
LIMITS = {"title": 300, "doc_number": 100, "issuer": 200, "url": 500, "excerpt": 20000}
#: what adding and editing set (the status and its dates are changed by marking it amended or repealed)
EDITABLE = ("title", "doc_number", "issuer", "level", "published_on", "effective_on", "url", "excerpt")
DATES = ("published_on", "effective_on")
#: rows one sheet may add at once
IMPORT_MAX = 2000
PAGE_SIZE = 50
SUGGEST_MAX = 10

_QUOTES = "《》〈〉<>“”\"' 　"


# ------------------------------------------------------------------ cleaning an entry ----
def _date(value, key: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    raise Invalid(f"{LABELS[key]}不是有效的日期（格式：2026-01-31）", fields={key: f"{LABELS[key]}不是有效的日期（格式：2026-01-31）"})


def _refuse(key: str, message: str):
    raise Invalid(message, fields={key: message})


def clean(data: dict, *, partial: bool = False) -> dict:
    """An entry's fields from a form, the API or a sheet's row, checked: Invalid (naming the field, in
    Chinese) when one is missing, too long, of the wrong type or not one of the levels. partial: only
    the keys given (an edit)."""
    out: dict = {}
    for key in EDITABLE:
        if partial and key not in data:
            continue
        value = data.get(key)
        if key in DATES:
            out[key] = _date(value, key)
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            _refuse(key, f"{LABELS[key]}应为文本")
        value = value.strip()
        if key == "title":
            value = value.strip(_QUOTES)
        problem = field_problem(LABELS[key], value, multiline=key == "excerpt")
        if problem:
            _refuse(key, problem)
        if key in LIMITS and len(value) > LIMITS[key]:
            _refuse(key, f"{LABELS[key]}过长（不超过 {LIMITS[key]} 字）")
        if key in ("title", "issuer") and not value:
            _refuse(key, f"请填写{LABELS[key]}")
        if key == "level" and value not in BASIS_LEVELS:
            _refuse(key, "效力层级须为" + "、".join(BASIS_LEVELS) + "之一")
        if key == "url" and value and not re.match(r"https?://\S+$", value):
            _refuse(key, "链接须以 http:// 或 https:// 开头，且不含空格")
        out[key] = value
    if "doc_number" in out:
        out["doc_number"] = out["doc_number"] or None
    return out


# ------------------------------------------------------------------ duplicates ----
def duplicate_of(title: str, issuer: str, doc_number: str | None, exclude_id: int | None = None) -> str | None:
    """Why an entry with these would duplicate one in the library (same 文号, or same title and issuer),
    or None."""
    key = doc_key(doc_number)
    if key is not None:
        same = db.session.scalar(select(Basis).where(Basis.doc_key == key, Basis.id != (exclude_id or 0)))
        if same is not None:
            return f"依据库中已有文号为“{same.doc_number}”的依据：《{same.title}》（{same.issuer}），不能重复添加"
    same = db.session.scalar(select(Basis).where(Basis.title == title, Basis.issuer == issuer,
                                                 Basis.id != (exclude_id or 0)))
    if same is not None:
        return f"依据库中已有{issuer}制定的《{title}》，不能重复添加"
    return None


def _check_unique(basis: Basis) -> None:
    problem = duplicate_of(basis.title, basis.issuer, basis.doc_number, basis.id)
    if problem:
        raise Conflict(problem)


def _flush(basis: Basis) -> None:
    """Flush; a duplicate written by someone else at the same moment is refused like any other."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"依据库中已有相同文号或同名同制定机关的依据（《{basis.title}》），不能重复添加") from None


# ------------------------------------------------------------------ adding and editing ----
def add(actor, data: dict) -> Basis:
    """A new entry, owned by the actor's office. Refused, nothing written: not an office (403), a
    field missing or too long (400), a duplicate (409)."""
    if not perm.can_add_basis(actor):
        raise Forbidden(perm.BASIS_KEEPER_MESSAGE)
    fields = clean(data)
    basis = Basis(**fields, doc_key=doc_key(fields["doc_number"]), owner_id=actor.organisation_id,
                  created_by_id=actor.id, status=BasisStatus.in_force)
    _check_unique(basis)
    db.session.add(basis)
    _flush(basis)
    record_event("basis_add", actor=actor, target=f"basis:{basis.id}", details=_details(fields))
    link_pending(basis)
    return basis


def edit(actor, basis: Basis, data: dict) -> Basis:
    """Change an entry's fields (those given). Refused, nothing written: not its office or one above it
    (403), a bad field (400), a duplicate of another entry (409)."""
    if not perm.can_edit_basis(actor, basis):
        raise Forbidden("只有添加该依据的编办或其上级编办可以修改")
    fields = clean(data, partial=True)
    changes = {k: {"old": _plain(getattr(basis, k)), "new": _plain(v)} for k, v in fields.items()
               if getattr(basis, k) != v}
    if not changes:
        return basis
    for k, v in fields.items():
        setattr(basis, k, v)
    basis.doc_key = doc_key(basis.doc_number)
    _check_unique(basis)
    _flush(basis)
    record_event("basis_edit", actor=actor, target=f"basis:{basis.id}", details={"changes": changes})
    return basis


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _details(fields: dict) -> dict:
    return {k: _plain(v) for k, v in fields.items() if v not in (None, "") and k != "excerpt"}


def get(basis_id: int) -> Basis:
    basis = db.session.get(Basis, basis_id) if 0 < basis_id <= 2**31 - 1 else None
    if basis is None:
        raise NotFound("依据不存在")
    return basis


# ------------------------------------------------------------------ importing a sheet's rows ----
@dataclass
class ImportRow:
    """One row of a sheet: what it holds, and what becomes of it (added, or why not)."""

    line: int  #: the sheet's row number
    data: dict
    problem: str | None = None
    fields: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_rows(rows: list[tuple[int, dict]]) -> list[ImportRow]:
    """Each row checked as adding it would check it (fields, duplicates in the library and earlier in
    the sheet), nothing written: the preview."""
    out: list[ImportRow] = []
    seen_keys: dict[str, int] = {}
    seen_titles: dict[tuple[str, str], int] = {}
    for line, data in rows[:IMPORT_MAX]:
        row = ImportRow(line, data)
        try:
            row.fields = clean(data)
        except Invalid as exc:
            row.problem = exc.message
            out.append(row)
            continue
        key, pair = doc_key(row.fields["doc_number"]), (row.fields["title"], row.fields["issuer"])
        row.problem = duplicate_of(row.fields["title"], row.fields["issuer"], row.fields["doc_number"])
        if row.problem is None and key is not None and key in seen_keys:
            row.problem = f"与表中第 {seen_keys[key]} 行的文号相同"
        elif row.problem is None and pair in seen_titles:
            row.problem = f"与表中第 {seen_titles[pair]} 行的名称和制定机关相同"
        if row.problem is None:
            if key is not None:
                seen_keys[key] = line
            seen_titles[pair] = line
        out.append(row)
    return out


def import_rows(actor, rows: list[tuple[int, dict]]) -> list[Basis]:
    """Add every row that passes the checks (the others are left out, as the preview showed); one audit
    entry for the whole sheet. Refused for anyone but an office."""
    if not perm.can_add_basis(actor):
        raise Forbidden(perm.BASIS_KEEPER_MESSAGE)
    if len(rows) > IMPORT_MAX:
        raise Invalid(f"一次最多导入 {IMPORT_MAX} 条依据，请拆分表格后再导入")
    added = []
    for row in check_rows(rows):
        if not row.ok:
            continue
        basis = Basis(**row.fields, doc_key=doc_key(row.fields["doc_number"]), owner_id=actor.organisation_id,
                      created_by_id=actor.id, status=BasisStatus.in_force)
        db.session.add(basis)
        added.append(basis)
    if not added:
        raise Invalid("表中没有可以导入的依据（均有问题或已在依据库中）")
    _flush(added[0])
    record_event("basis_import", actor=actor, target=f"basis:{added[0].id}",
                 details={"count": len(added), "ids": [b.id for b in added][:200]})
    for basis in added:
        link_pending(basis)
    return added


# ------------------------------------------------------------------ finding ----
def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_query(q: str = "", level: str = "", status: str = ""):
    """The entries whose title or 文号 contains q (a 文号 typed with other brackets matches too)."""
    stmt = select(Basis)
    q = (q or "").strip().strip(_QUOTES)
    if q:
        conds = [Basis.title.like(_like(q), escape="\\"), Basis.doc_number.like(_like(q), escape="\\")]
        key = doc_key(q)
        if key and key != q:
            conds.append(Basis.doc_key.like(_like(key), escape="\\"))
        stmt = stmt.where(or_(*conds))
    if level in BASIS_LEVELS:
        stmt = stmt.where(Basis.level == level)
    if status in BASIS_STATUS_LABELS:
        stmt = stmt.where(Basis.status == status)
    return stmt


def search(q: str = "", level: str = "", status: str = "", page: int = 1, per_page: int = PAGE_SIZE):
    """(entries of the page, how many in all), by title."""
    stmt = search_query(q, level, status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(db.session.scalars(stmt.order_by(Basis.title, Basis.id)
                                   .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return rows, total


def suggest(q: str, limit: int = SUGGEST_MAX) -> list[Basis]:
    """What the item form offers as one types: entries whose title or 文号 contains the words, those in
    force first, titles starting with them before the rest."""
    q = (q or "").strip().strip(_QUOTES)
    if not q:
        return []
    rows = db.session.scalars(search_query(q).order_by(Basis.title).limit(200)).all()
    rows.sort(key=lambda b: (b.status == BasisStatus.repealed, not b.title.startswith(q), len(b.title), b.title))
    return rows[:limit]


def citing_count(basis: Basis) -> int:
    """How many stored item contents cite the entry (in any version)."""
    return db.session.scalar(select(func.count()).select_from(ContentBasis)
                             .where(ContentBasis.basis_id == basis.id)) or 0


# ------------------------------------------------------------------ citations ----
_PAREN = re.compile(r"[（(]([^（）()]*)[）)]\s*$")


def _title_and_number(text: str) -> tuple[str, str | None]:
    """A cited text's title (without 《》) and the 文号 in brackets after it, if any."""
    text = (text or "").strip()
    number = None
    m = _PAREN.search(text)
    if m and "》" in text[:m.start()]:
        number, text = m.group(1).strip(), text[:m.start()]
    return text.strip().strip(_QUOTES), number


def match(text: str) -> Basis | None:
    """The entry a cited text names: by its 文号 (in brackets, or the text itself), else by its title
    (《土地管理法》 finds 中华人民共和国土地管理法 too); None when none, or several, fit."""
    title, number = _title_and_number(text)
    for candidate in (number, title):
        key = doc_key(candidate)
        if key:
            found = db.session.scalar(select(Basis).where(Basis.doc_key == key))
            if found is not None:
                return found
    if not title:
        return None
    for name in (title, f"中华人民共和国{title}"):
        found = db.session.scalars(select(Basis).where(Basis.title == name).limit(5)).all()
        if len(found) > 1:
            found = [b for b in found if b.status != BasisStatus.repealed]
        if len(found) == 1:
            return found[0]
    return None


def cited_text(basis: Basis) -> str:
    """How a citation of the entry reads: 《title》."""
    return f"《{basis.title}》"


def _matcher():
    """match(), remembering its answers for one call (a list cites the same law many times)."""
    memo: dict[str, Basis | None] = {}

    def find(text: str) -> Basis | None:
        if text not in memo:
            memo[text] = match(text)
        return memo[text]
    return find


def link_citations(citations: list[dict]) -> list[dict]:
    """Citations with each pending one matched to the library where it can be (imports): a matched one
    reads as the entry is called; the rest kept as typed. Never refuses (a list states what it states)."""
    find = _matcher()
    out = []
    for c in citations or []:
        c = dict(c)
        if c.get("basis_id") is None:
            found = find(c.get("text") or "")
            if found is not None:
                c.update(basis_id=found.id, text=cited_text(found))
        out.append(c)
    return out


def link_parsed(items) -> int:
    """Match the citations of imported items (ParsedItem.bases) to the library; how many matched."""
    find = _matcher()
    n = 0
    for item in items:
        out = []
        for c in item.bases or []:
            c = dict(c)
            found = find(c.get("text") or "") if c.get("basis_id") is None else None
            if found is not None:
                c.update(basis_id=found.id, text=cited_text(found))
                n += 1
            out.append(c)
        item.bases = out
    return n


def check_citations(citations: list[dict], revision: Revision | None, before: list[dict] | None = None) -> list[dict]:
    """The citations an item of a draft is given, checked and matched (the form and the API):

    - a basis_id must name an entry of the library (else refused: 依据库中没有编号为 N 的依据);
    - an entry repealed before the draft began may not be cited anew (refused, with the date); one
      the item already cited stays (the draft is where it gets replaced);
    - a typed text is matched to the library where it can be (by 文号, or by title), else kept as a
      pending citation, to be added to the library by the office.
    Each cited entry reads 《title》; the same entry and article twice is kept once."""
    began = revision.created_at.date() if revision is not None and revision.created_at else None
    kept = {c.get("basis_id") for c in before or [] if c.get("basis_id")}
    previous = {(c.get("text") or ""): c["basis_id"] for c in before or [] if c.get("basis_id")}
    find = _matcher()
    out, seen = [], set()
    for c in citations or []:
        basis_id, text, article = c.get("basis_id"), c.get("text") or "", c.get("article") or ""
        if basis_id is not None:
            basis = db.session.get(Basis, basis_id) if basis_id <= 2**31 - 1 else None
            if basis is None:
                raise Invalid(f"依据库中没有编号为 {basis_id} 的依据，不能引用", fields={"bases": f"依据库中没有编号为 {basis_id} 的依据"})
        else:
            basis = db.session.get(Basis, previous[text]) if text in previous else find(text)
        if basis is not None and basis.id not in kept:
            problem = repealed_problem(basis, began)
            if problem:
                raise Invalid(problem, fields={"bases": problem})
        entry = ({"basis_id": basis.id, "article": article, "text": cited_text(basis)} if basis is not None
                 else {"basis_id": None, "article": article, "text": text})
        key = (entry["basis_id"], entry["text"] if entry["basis_id"] is None else "", article)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def repealed_problem(basis: Basis, began: date | None) -> str | None:
    """Why the entry may not be cited by a draft begun on `began` (it was repealed before), or None."""
    if basis.status != BasisStatus.repealed:
        return None
    if basis.repealed_on is None:
        return f"《{basis.title}》已废止，不能引用"
    if began is None or basis.repealed_on < began:
        return f"《{basis.title}》已于 {basis.repealed_on.isoformat()} 废止（早于本次修订开始），不能引用"
    return None


def _has_pending():
    """SQL: a draft item's 依据 holds a pending citation (its JSON text has a null basis_id)."""
    text = cast(DraftItem.bases, String)
    return or_(text.like('%"basis_id": null%'), text.like('%"basis_id":null%'))


def link_pending(basis: Basis) -> int:
    """Once an entry is in the library, the open drafts' pending citations of it (typed before it was
    added) cite it: the office adds what the townships wrote. How many items changed."""
    open_ids = select(Revision.id).where(Revision.is_open_clause())
    candidates = db.session.scalars(select(DraftItem).where(
        DraftItem.revision_id.in_(open_ids), DraftItem.deleted.is_(False), _has_pending())).all()
    changed = 0
    for item in candidates:
        new, touched = [], False
        for c in item.bases or []:
            if c.get("basis_id") is None and match(c.get("text") or "") is basis:
                c = {**c, "basis_id": basis.id, "text": cited_text(basis)}
                touched = True
            new.append(c)
        if touched:
            item.bases = new
            changed += 1
    return changed


def townships_in(area: perm.Area):
    """SQL: the ids of the townships in the area (None for everything)."""
    if area.level == "all":
        return None
    if area.level == "township":
        return select(Organisation.id).where(Organisation.id == area.org_id)
    counties = (select(Organisation.id).where(Organisation.id == area.org_id) if area.level == "county" else
                select(Organisation.id).where(Organisation.parent_id == area.org_id) if area.level == "prefecture" else
                select(Organisation.id).where(Organisation.parent_id.in_(
                    select(Organisation.id).where(Organisation.parent_id == area.org_id))))
    return select(Organisation.id).where(Organisation.kind == OrgKind.township, Organisation.parent_id.in_(counties))


def pending_citations(area_township_ids=None, limit: int = 200) -> list[tuple[str, int]]:
    """The texts cited by open drafts (of the townships given, a list or a select) that are not in the
    library yet, with how many items cite each."""
    stmt = select(DraftItem.bases).join(Revision, Revision.id == DraftItem.revision_id).where(
        Revision.is_open_clause(), DraftItem.deleted.is_(False), _has_pending())
    if area_township_ids is not None:
        stmt = stmt.where(Revision.township_id.in_(area_township_ids))
    counts: dict[str, int] = {}
    for bases in db.session.scalars(stmt.limit(20000)):
        for text in {c.get("text") or "" for c in bases or [] if c.get("basis_id") is None}:
            if text:
                counts[text] = counts.get(text, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def title_of_pending(text: str) -> dict:
    """What the add form starts with for a pending citation: its title, and 文号 if it gave one."""
    title, number = _title_and_number(text)
    return {"title": title, "doc_number": number or ""}


__all__ = ["add", "edit", "get", "search", "suggest", "match", "check_citations", "link_citations", "link_parsed",
           "check_rows", "import_rows", "pending_citations", "citations_of_text"]
