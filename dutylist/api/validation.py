"""The checks of a request body: JSON shapes, with a Chinese message naming the field (400).

Item fields take their keys and shapes from the item schema (dutylist.items.FIELDS)."""
from __future__ import annotations

import json
import re
from datetime import date

from flask import request

from workflow.errors import Invalid

from ..items import CONTENT_KEYS, FIELDS, KINDS, Shape
from ..items import field as schema_field
from ..textrules import field_problem
from .loading import MAX_ID

#: keys an item body may carry (besides lock_version / kind / reason where allowed), by the JSON
#: shape of their value: the item schema's content keys
ITEM_TEXT_KEYS = tuple(f.key for f in FIELDS if f.shape in (Shape.text, Shape.departments))
ITEM_LIST_KEYS = tuple(k for f in FIELDS if f.shape in (Shape.steps, Shape.departments)
                       for k in f.keys if k not in ITEM_TEXT_KEYS)
ITEM_ROW_KEYS = tuple(f.key for f in FIELDS if f.shape == Shape.department_rows)
ITEM_CITATION_KEYS = tuple(f.key for f in FIELDS if f.shape == Shape.citations)
ITEM_KEYS = CONTENT_KEYS


def body(allowed: tuple[str, ...] | None = None) -> dict:
    """The JSON object of the request ({} when there is no body); 400 otherwise."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested absurdly deep
        raise Invalid("请求体不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise Invalid("请求体须为 JSON 对象（{…}）")
    if allowed is not None:
        unknown = sorted(k for k in data if k not in allowed)
        if unknown:
            raise Invalid("未知字段：" + "、".join(unknown),
                          [f"可用字段：{'、'.join(allowed)}"] if allowed else ["此操作不需要请求体"])
    return data


def text(data: dict, key: str, *, required: bool = False, limit: int = 4000) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"缺少字段 {key}")
        return ""
    if not isinstance(value, str):
        raise Invalid(f"字段 {key} 应为文本")
    if len(value) > limit:
        raise Invalid(f"字段 {key} 过长（不超过 {limit} 字）")
    if required and not value.strip():
        raise Invalid(f"字段 {key} 不能为空")
    _refuse_awkward(key, value)
    return value


def _refuse_awkward(key: str, *values: str | None) -> None:
    """The one rule for awkward characters (dutylist.textrules), naming the field."""
    owner = next((f for f in FIELDS if key in f.keys), None)
    label = f"{owner.label}（{key}）" if owner is not None else key
    for value in values:
        problem = field_problem(label, value)
        if problem:
            raise Invalid(problem)


def integer(value, key: str, *, required: bool = False, from_query: bool = False) -> int | None:
    if value is None:
        if required:
            raise Invalid(f"缺少字段 {key}")
        return None
    if from_query and isinstance(value, str) and re.fullmatch(r"-?\d{1,10}", value.strip()):
        value = int(value)  # query strings carry text
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"字段 {key} 应为整数")
    return value


def id_list(data: dict, key: str) -> list[int]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        raise Invalid(f"字段 {key} 应为整数 id 的列表")
    bad = [x for x in value if not 0 < x <= MAX_ID]
    if bad:
        raise Invalid("所选部门不属于本县", [f"无效的 id：{bad[0]}"])
    return value


def item_fields(data: dict) -> dict:
    """Type-check the item fields present in the body (their content is checked by the operation)."""
    out = {}
    for key in ITEM_TEXT_KEYS:
        if key in data:
            out[key] = text(data, key, limit=20000)
    for key in ITEM_LIST_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise Invalid(f"字段 {key} 应为文本的列表")
            _refuse_awkward(key, *value)
            out[key] = value
    for key in ITEM_ROW_KEYS:
        if key in data:
            rows = data[key]
            if not isinstance(rows, list) or not all(
                    isinstance(r, dict) and set(r) <= {"department", "method"}
                    and all(v is None or isinstance(v, str) for v in r.values()) for r in rows):
                raise Invalid(f"{schema_field(key).label}应为 [{{department, method}}] 列表，两项均为文本")
            _refuse_awkward(key, *(v for r in rows for v in r.values()))
            out[key] = rows
    for key in ITEM_CITATION_KEYS:
        if key in data:
            rows = data[key]
            if not isinstance(rows, list) or not all(
                    isinstance(r, dict) and set(r) <= {"basis_id", "article", "text", "title", "doc_number", "status"}
                    and (r.get("basis_id") is None or (isinstance(r.get("basis_id"), int)
                                                       and not isinstance(r.get("basis_id"), bool)))
                    and all(r.get(k) is None or isinstance(r.get(k), str) for k in ("article", "text"))
                    for r in rows):
                raise Invalid(f"{schema_field(key).label}应为 [{{basis_id, article}}] 列表：basis_id 为依据库中的编号，"
                              "article 为条款（如“第十条”）；不在依据库中的可只写 text")
            _refuse_awkward(key, *(r.get(k) for r in rows for k in ("article", "text")))
            out[key] = [{"basis_id": r.get("basis_id"), "article": r.get("article") or "", "text": r.get("text") or ""}
                        for r in rows]
    return out


def kind(data: dict, *, required: bool) -> str | None:
    kind = data.get("kind")
    if kind is None and not required:
        return None
    if kind not in KINDS:
        raise Invalid("表格类型（kind）无效，应为 basic / cooperative / withdrawn 之一")
    return kind


def reason(data: dict) -> str:
    return text(data, "reason").strip()


def deadline(data: dict) -> date | None:
    value = data.get("deadline")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Invalid("截止日期格式应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("截止日期不是有效的日期") from None




def day(data: dict, key: str, *, required: bool = False) -> date | None:
    """A YYYY-MM-DD date field."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Invalid(f"缺少字段 {key}（日期，YYYY-MM-DD）")
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Invalid(f"字段 {key} 应为日期，格式 YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"字段 {key} 不是有效的日期") from None
