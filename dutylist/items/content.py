"""An item's content: cleaning submitted fields, its canonical form and hash, its texts."""
from __future__ import annotations

import hashlib
import json

from .cells import citation_lines, citations_of_text, departments_of_text, receiving_lines, steps_text
from .fields import (
    ARTICLE_LIMIT,
    CITATION_TEXT_LIMIT,
    CITATIONS_MAX,
    CONTENT_KEYS,
    FIELDS,
    NAME_LIMIT,
    NAMES_KEY,
    Field,
    Shape,
    fields_of,
)
from .tables import KINDS


class FieldError(ValueError):
    """A submitted field has the wrong shape or is too long; the message is for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def empty_fields() -> dict:
    """A content with every key empty."""
    return {k: ([] if k == NAMES_KEY or _shape_of(k) in _LIST_SHAPES else "") for k in CONTENT_KEYS}


_OPTIONAL = {f.key for f in FIELDS if f.optional}
_LIST_SHAPES = (Shape.steps, Shape.department_rows, Shape.citations)


def _shape_of(key: str) -> Shape | None:
    return next((f.shape for f in FIELDS if f.key == key), None)


# ------------------------------------------------------------------ cleaning ----
def _text(value, key: str, limit: int) -> str:
    value = value or ""
    if not isinstance(value, str):
        raise FieldError(f"字段 {key} 应为文本")
    value = value.strip()
    if len(value) > limit:
        raise FieldError(f"字段 {key} 过长（不超过 {limit} 字）")
    return value


def _lines(value, key: str, limit: int) -> list[str]:
    """A list of text lines (a multi-line string is split), blank lines dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise FieldError(f"字段 {key} 应为文本行的列表")
    value = [x.strip() for x in value if x.strip()]
    if sum(map(len, value)) > limit:
        raise FieldError(f"字段 {key} 过长（不超过 {limit} 字）")
    return value


def _clean(f: Field, data: dict, out: dict) -> None:
    if f.shape == Shape.text:
        out[f.key] = _text(data.get(f.key), f.key, f.limit)
    elif f.shape == Shape.steps:
        out[f.key] = _lines(data.get(f.key), f.key, f.limit)
    elif f.shape == Shape.departments:
        printed = _text(data.get(f.key), f.key, f.limit)
        names = data.get(NAMES_KEY)
        if names is None:  # the form gives the cell as printed; the API may give the list
            names = departments_of_text(printed)
        names = _lines(names, NAMES_KEY, 20000)
        if any(len(n) > NAME_LIMIT for n in names):
            raise FieldError(f"部门名称过长（每个不超过 {NAME_LIMIT} 字），多个部门请用顿号分隔")
        out[f.key], out[NAMES_KEY] = printed or "、".join(names), names
    elif f.shape == Shape.department_rows:
        rows = data.get(f.key)
        if rows is None:
            rows = [{"department": data.get(f"{f.key}_department"), "method": data.get(f"{f.key}_method")}]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise FieldError("承接部门及工作方式应为 [{department, method}] 列表")
        out[f.key] = [{"department": _text(r.get("department"), f"{f.key}.department", NAME_LIMIT),
                       "method": _text(r.get("method"), f"{f.key}.method", 4000)}
                      for r in rows if (r.get("department") or r.get("method"))]
    elif f.shape == Shape.citations:
        out[f.key] = clean_citations(data.get(f.key), f)


def clean_citations(value, f: Field) -> list[dict]:
    """依据 as [{basis_id, article, text}]: from the API's list, or a form's text (a citation a line,
    each kept pending until the services match it to the library). Checks shapes and lengths only."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = citations_of_text(value)
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise FieldError("依据应为 [{basis_id, article}] 列表")
    out = []
    for c in value:
        basis_id = c.get("basis_id")
        if basis_id is not None and (isinstance(basis_id, bool) or not isinstance(basis_id, int) or basis_id < 1):
            raise FieldError("依据的 basis_id 应为依据库中的编号（正整数）")
        article = _text(c.get("article"), f"{f.key}.article", 10**6)
        text = _text(c.get("text"), f"{f.key}.text", 10**6)
        if len(article) > ARTICLE_LIMIT:
            raise FieldError(f"依据条款“{article[:20]}…”过长（不超过 {ARTICLE_LIMIT} 字）")
        if len(text) > CITATION_TEXT_LIMIT:
            raise FieldError(f"依据名称“{text[:20]}…”过长（不超过 {CITATION_TEXT_LIMIT} 字）")
        if basis_id is None and not text:
            if article:
                raise FieldError(f"依据条款“{article}”未写明所依据的法律法规")
            continue
        out.append({"basis_id": basis_id, "article": article, "text": text})
    if len(out) > CITATIONS_MAX:
        raise FieldError(f"依据过多（每个事项不超过 {CITATIONS_MAX} 条）")
    return out


def clean_fields(data: dict, kind: str) -> dict:
    """Normalise an item's fields from a form or the API; FieldError on bad shapes.

    Fields the table does not have are emptied (an item moved to another table drops them)."""
    if kind not in KINDS:
        raise FieldError("表格类型无效，应为 basic / cooperative / withdrawn 之一")
    out = empty_fields()
    for f in fields_of(kind):
        _clean(f, data, out)
        if f.key == "name" and not out["name"]:
            raise FieldError("事项名称不能为空")
    return out


def item_problems(fields: dict, kind: str) -> list[tuple[str, str]]:
    """(field key, message) for each required field of the table that is empty."""
    out = []
    for f in fields_of(kind):
        if not f.required or not f.required_message:
            continue
        if f.shape == Shape.text:
            empty = not (fields.get(f.key) or "").strip()
        elif f.shape == Shape.departments:
            empty = not fields.get(NAMES_KEY)
        elif f.shape == Shape.department_rows:
            rows = fields.get(f.key) or []
            empty = not rows or not all((r.get("department") or r.get("method", "").strip()) for r in rows)
        else:
            empty = not fields.get(f.key)
        if empty:
            out.append((f.key, f.required_message))
    return out


# ------------------------------------------------------------------ canonical form ----
def canonical_content(fields: dict) -> str:
    """The canonical JSON text of an item content (what its hash is taken over)."""
    data = {}
    for key in CONTENT_KEYS:
        value = fields.get(key)
        if not value and key in _OPTIONAL:
            continue  # an optional field left empty: the content hashes as it did before the field existed
        if key == NAMES_KEY or _shape_of(key) in _LIST_SHAPES:
            data[key] = list(value or [])
        else:
            data[key] = value or ""
        if _shape_of(key) == Shape.department_rows:
            data[key] = [{"department": r["department"], "method": r["method"]} for r in data[key]]
        if _shape_of(key) == Shape.citations:
            data[key] = [{"basis_id": c.get("basis_id"), "article": c.get("article") or "", "text": c.get("text") or ""}
                         for c in data[key]]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(fields: dict) -> str:
    return hashlib.sha256(canonical_content(fields).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ texts ----
def field_text(entry: dict, key: str) -> str:
    """A field as one text (steps one per line, 承接部门 "部门：方式" per row): what diffs compare,
    the 新旧对照表 prints and forms show."""
    shape = _shape_of(key)
    value = entry.get(key)
    if shape == Shape.steps:
        return steps_text(value)
    if shape == Shape.department_rows:
        return "\n".join(receiving_lines(value))
    if shape == Shape.citations:
        return "\n".join(citation_lines(value))
    return value or ""


_DEPARTMENT_ROWS = tuple(f.key for f in FIELDS if f.shape == Shape.department_rows)


def named_departments(fields: dict) -> list[str]:
    """Every department an item names (对应上级部门 and 承接部门), each once, in order."""
    # called for every row of a list, several times per page: no work for an item that names none
    names = fields.get(NAMES_KEY) or []
    for key in _DEPARTMENT_ROWS:
        rows = fields.get(key)
        if rows:
            names = [*names, *(r["department"] for r in rows if r.get("department"))]
    return list(dict.fromkeys(names)) if names else []


def cited_bases(fields: dict) -> list[int]:
    """The library ids an item cites (依据 with a basis_id), in order, each once."""
    return list(dict.fromkeys(c["basis_id"] for f in FIELDS if f.shape == Shape.citations
                              for c in fields.get(f.key) or [] if c.get("basis_id")))
