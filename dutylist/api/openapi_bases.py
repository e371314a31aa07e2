"""The OpenAPI entries of the library of legal bases (依据库); openapi.py merges them into its document."""
from __future__ import annotations

from ..models import BASIS_LEVELS, BASIS_STATUS_LABELS
from ..services.bases import LIMITS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_STR = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}


def _entry_fields() -> dict:
    return {
        "title": {"type": "string", "maxLength": LIMITS["title"], "description": "依据名称（不带书名号）"},
        "doc_number": {"type": ["string", "null"], "maxLength": LIMITS["doc_number"],
                       "description": "文号（如 国发〔2020〕5号）；同一文号只能有一条"},
        "issuer": {"type": "string", "maxLength": LIMITS["issuer"], "description": "制定机关；同名同制定机关只能有一条"},
        "level": {"enum": list(BASIS_LEVELS), "description": "效力层级"},
        "published_on": {**_DATE, "description": "公布日期"},
        "effective_on": {**_DATE, "description": "施行日期"},
        "url": {"type": "string", "maxLength": LIMITS["url"], "description": "链接（http:// 或 https://）"},
        "excerpt": {"type": "string", "maxLength": LIMITS["excerpt"], "description": "摘录"},
    }


SCHEMAS = {
    "Basis": {"type": "object", "description": "依据库中的一条依据", "properties": {
        "id": {"type": "integer"}, **_entry_fields(),
        "amended_on": {**_DATE, "description": "修订日期"}, "repealed_on": {**_DATE, "description": "废止日期"},
        "status": {"enum": list(BASIS_STATUS_LABELS)}, "status_label": _STR,
        "status_note": _STR, "replaced_by_id": {"type": ["integer", "null"], "description": "修订后的新依据"},
        "owner": _ref("Organisation"), "created_at": {"type": "string", "format": "date-time"},
        "citing_contents": {"type": "integer", "description": "引用它的事项内容数（仅 GET /bases/{id}）"}}},
    "NewBasis": {"type": "object", "required": ["title", "issuer", "level"], "additionalProperties": False,
                 "properties": _entry_fields()},
    "BasisPatch": {"type": "object", "additionalProperties": False, "properties": _entry_fields()},
    "Citation": {"type": "object", "additionalProperties": False, "description": "事项的一条依据", "properties": {
        "basis_id": {"type": ["integer", "null"], "description": "依据库中的编号；null 为尚未入库的依据（待入库）"},
        "article": {"type": "string", "maxLength": 100, "description": "条款，如 第十条、第二款"},
        "text": {"type": "string", "maxLength": 300,
                 "description": "依据名称：入库的为《名称》；未入库的为原文（导入或填写时的文字）"}}},
}

_BASIS_ID = {"name": "basis_id", "in": "path", "required": True, "description": "依据 id",
             "schema": {"type": "integer", "minimum": 1}}


def paths(op, json, body, param, errors) -> dict:
    """The paths, built with openapi.py's helpers (passed in, so this module needs nothing of it)."""
    read, write = errors
    return {
        "/bases": {
            "get": op("依据库：按名称或文号检索（登录用户均可查阅）", "bases", {"200": json(
                {"type": "object", "properties": {"bases": {"type": "array", "items": _ref("Basis")},
                                                  "total": {"type": "integer"}, "page": {"type": "integer"},
                                                  "per_page": {"type": "integer"}}}, "依据列表（按名称排序）")},
                errors=("400", "401", "403"),
                params=[param("q", "名称或文号中的文字", where="query", required=False, schema=_STR),
                        param("level", "效力层级", where="query", required=False, schema={"enum": list(BASIS_LEVELS)}),
                        param("status", "状态", where="query", required=False,
                              schema={"enum": list(BASIS_STATUS_LABELS)}),
                        param("page", "页码（每页 50 条）", where="query", required=False)],
                operation_id="listBases"),
            "post": op("新增依据（县委编办、州和自治区编办）", "bases", {"201": json(_ref("Basis"), "新增的依据")},
                       errors=write, body=body(_ref("NewBasis")),
                       description="同一文号、或同名且同一制定机关的依据已在库中为 409；乡镇、部门为 403。",
                       operation_id="addBasis")},
        "/bases/{basis_id}": {
            "get": op("一条依据", "bases", {"200": json(_ref("Basis"), "依据")}, errors=read, params=[_BASIS_ID],
                      operation_id="getBasis"),
            "patch": op("修改依据（添加它的编办或其上级编办）", "bases", {"200": json(_ref("Basis"), "修改后的依据")},
                        errors=write, params=[_BASIS_ID], body=body(_ref("BasisPatch")),
                        operation_id="editBasis")},
    }
