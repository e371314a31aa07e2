"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

Written by hand next to the routes (lists.py, revisions.py, opinions.py); tests/test_api.py compares its paths and methods with
the routes the app registers under /api/v1, so an endpoint without an entry here fails.
"""
from __future__ import annotations

from copy import deepcopy

from workflow.states import EVENT_LABELS, Status

from ..items import FIELDS, KIND_LABELS, KINDS, Shape
from ..models import ANSWERS, REQUEST_ACTIONS, REQUEST_STATUSES, REQUEST_TYPES, SITUATIONS, OrgKind, Role
from . import openapi_bases


def _item_fields() -> dict:
    """The item's content keys, from the item schema (dutylist.items.FIELDS)."""
    props = {}
    for f in FIELDS:
        where = "" if set(f.kinds) == set(KINDS) else "（" + "、".join(KIND_LABELS[k] for k in f.kinds) + "）"
        if f.shape == Shape.text:
            props[f.key] = {"type": "string", "maxLength": f.limit, "description": f.label + where}
        elif f.shape == Shape.departments:
            props[f.key] = {"type": "string", "maxLength": f.limit, "description": f"{f.label}（原文，以、分隔）{where}"}
            for key in f.keys[1:]:
                props[key] = {**_STR_LIST, "description": f"{f.label}，逐个部门{where}"}
        elif f.shape == Shape.steps:
            props[f.key] = {**_STR_LIST, "description": f"{f.label}，每步一行{where}"}
        elif f.shape == Shape.department_rows:
            props[f.key] = {"type": "array", "description": f.label + where,
                            "items": {"type": "object", "additionalProperties": False,
                                      "properties": {"department": _STR, "method": _STR}}}
        elif f.shape == Shape.citations:
            props[f.key] = {"type": "array", "description": f"{f.label}：依据库中的依据及条款{where}",
                            "items": _ref("Citation")}
    return props


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


ERRORS = {
    "400": _error("请求无效：请求体不是 JSON 对象、字段类型错误、缺少必填项（如理由、lock_version）"),
    "401": _error("缺少、无效或已吊销的 API 令牌"),
    "403": _error("不是您的角色或不是您所在单位的事务"),
    "404": _error("乡镇、版本、修订稿、事项、意见或操作不存在"),
    "409": _error("当前状态不允许此操作，或数据已被他人修改（过期的 lock_version）"),
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _param(name: str, description: str, where: str = "path", schema: dict | None = None,
           required: bool | None = None) -> dict:
    return {"name": name, "in": where, "required": where == "path" if required is None else required,
            "description": description, "schema": schema or {"type": "integer", "minimum": 1}}


TOWNSHIP = _param("township_id", "乡镇（组织）id")
VERSION = _param("version_id", "版本 id")
REVISION = _param("revision_id", "修订稿 id")
DRAFT_ITEM = _param("draft_item_id", "修订稿中事项的 id（DraftItem.id，不是事项身份 item_id）")
OPINION = _param("opinion_id", "意见 id（须属于该修订稿）")
EVENT = _param("event", "操作名", schema={"type": "string", "enum": list(EVENT_LABELS)})
USER = _param("user_id", "用户 id")
DEPARTMENT = _param("department_id", "部门（县委编办或县直部门）id")
ROLES = [r.value for r in Role]


def _op(summary: str, tag: str, ok: dict, *, errors=("401",), params=(), body=None,
        description: str | None = None, secured: bool = True, operation_id: str) -> dict:
    op = {"summary": summary, "tags": [tag], "operationId": operation_id, "responses": dict(ok)}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    for code in errors:
        op["responses"][code] = ERRORS[code]
    if not secured:
        op["security"] = []
    return op


READ = ("401", "404")
WRITE = ("400", "401", "403", "404", "409")

_STR = {"type": "string"}
_STR_LIST = {"type": "array", "items": _STR}
_ID = {"type": "integer"}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "status"],
        "properties": {"error": {"type": "string", "description": "中文说明"},
                       "details": {"type": "array", "items": _STR, "description": "逐条原因（如上报前检查的问题）"},
                       "status": {"type": "integer"}}},
    "Organisation": {
        "type": "object",
        "properties": {"id": _ID, "name": _STR, "kind": {"type": "string"}, "kind_label": _STR}},
    "User": {
        "type": "object",
        "properties": {"id": _ID, "username": _STR, "display_name": _STR, "role": _STR, "role_label": _STR}},
    "VersionSummary": {
        "type": "object",
        "properties": {"id": _ID, "number": _ID, "title": _STR, "source": {"enum": ["import", "revision"]},
                       "published_at": {"type": "string", "format": "date-time"},
                       "doc_date": {"type": ["string", "null"]}, "digest": _STR,
                       "counts": {"type": "object", "properties": {k: _ID for k in KINDS}}}},
    "TownshipRef": {
        "type": "object",
        "properties": {"id": _ID, "name": _STR, "full_name": _STR, "county": _ref("Organisation"),
                       "prefecture": _ref("Organisation")}},
    "Township": {
        "allOf": [_ref("TownshipRef"), {"type": "object", "properties": {
            "current_version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}]},
            "open_revision": {"oneOf": [_ref("RevisionSummary"), {"type": "null"}],
                              "description": "仅 GET /townships/{id}，且仅当您可查看该修订稿"}}}]},
    "ItemFields": {"type": "object", "properties": _item_fields()},
    "Entry": {
        "description": "已发布版本中的一项",
        "allOf": [_ref("ItemFields"), {"type": "object", "properties": {
            "item_id": {"type": "integer", "description": "事项身份，跨版本不变"},
            "kind": {"enum": list(KINDS)}, "number": _ID, "hash": _STR, "flags": _STR_LIST}}]},
    "Version": {
        "allOf": [_ref("VersionSummary"), {"type": "object", "properties": {
            "township": _ref("TownshipRef"), "published_by": {"oneOf": [_ref("User"), {"type": "null"}]},
            "kind_labels": {"type": "object"},
            "tables": {"type": "object", "properties": {k: {"type": "array", "items": _ref("Entry")}
                                                        for k in KINDS}}}}]},
    "DraftItem": {
        "type": "object",
        "properties": {"id": {"type": "integer", "description": "修订稿中事项的 id（用于修改、删除、排序）"},
                       "item_id": {"type": "integer", "description": "事项身份（意见的 item_id 用它）"},
                       "kind": {"enum": list(KINDS)}, "kind_label": _STR, "number": _ID,
                       "fields": _ref("ItemFields"), "lock_version": {"type": "integer",
                                                                      "description": "修改、删除时原样带回"},
                       "reason": {"type": ["string", "null"], "description": "最近一次的修改理由"},
                       "reasons": {**_STR_LIST, "description": "本修订稿中给出的全部修改理由，按先后"},
                       "deleted": {"type": "boolean"},
                       "updated_at": {"type": "string", "format": "date-time"}}},
    "Change": {
        "type": "object",
        "properties": {"item_id": _ID, "kinds": {"type": "array", "items": {
            "enum": ["added", "removed", "changed", "moved", "renumbered"]}}, "label": _STR,
            "old": {"oneOf": [_ref("Entry"), {"type": "null"}]}, "new": {"oneOf": [_ref("Entry"), {"type": "null"}]},
            "reason": {"type": ["string", "null"]}, "reasons": _STR_LIST,
            "concerns_me": {"type": "boolean", "description": "修改涉及本部门（仅对被征求意见的部门为真）"}}},
    "ConsultationRound": {
        "type": "object",
        "properties": {"round": _ID, "submission": _ID,
                       "state": {"enum": ["pending", "signed", "carried", "lapsed", "released"]}, "label": _STR,
                       "deadline": {"type": ["string", "null"], "format": "date"},
                       "verdict": {"enum": ["no_opinion", "with_opinions", None]},
                       "signed_at": {"type": ["string", "null"], "format": "date-time"},
                       "carried_from_round": {"type": ["integer", "null"]},
                       "carried_items": {"type": ["array", "null"], "items": _ID},
                       "reason": {"type": ["string", "null"]}}},
    "Consultation": {
        "description": "被征求意见的部门在本轮的真实状态：待签署、已签署（signed_off_round）、沿用前轮签署"
                       "（carried_from_round）、逾期视为无意见（lapsed）、已撤回（released）；rounds 为各轮记录",
        "type": "object",
        "properties": {"id": _ID, "department": _ref("Organisation"),
                       "state": {"enum": ["pending", "signed", "carried", "lapsed", "released", "not_asked"]},
                       "label": _STR, "pending": {"type": "boolean"},
                       "deadline": {"type": ["string", "null"], "format": "date"},
                       "signed_off_round": {"type": ["integer", "null"]},
                       "verdict": {"enum": ["no_opinion", "with_opinions", None]},
                       "carried_from_round": {"type": ["integer", "null"]}, "lapsed": {"type": "boolean"},
                       "released": {"type": "boolean"}, "reason": {"type": ["string", "null"]},
                       "rounds": {"type": "array", "items": _ref("ConsultationRound")}}},
    "RevisionSummary": {
        "type": "object",
        "properties": {"id": _ID, "title": _STR, "status": {"enum": [s.value for s in Status]},
                       "status_label": _STR, "round": _ID,
                       "created_at": {"type": "string", "format": "date-time"},
                       "updated_at": {"type": "string", "format": "date-time"},
                       "published_version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}]}}},
    "Revision": {
        "description": ("可查看修订稿的人都看到全部事项和全部修改；对被征求意见的部门，涉及本部门的修改标出"
                        "（concerns_me）并排在前面。部门看到本部门、县委编办、州和自治区的意见，不看其他部门的意见。"),
        "type": "object",
        "properties": {
            "id": _ID, "title": _STR, "township": {"type": "object"},
            "status": {"enum": [s.value for s in Status]}, "status_label": _STR,
            "round": {"type": "integer", "description": "县级轮次（三上三下）：州、自治区退回后重新上报不计入"},
            "max_rounds": _ID, "submissions": {"type": "integer", "description": "上报次数（含退回后重新上报）"},
            "send_backs": {"type": "object", "description": "州、自治区退回次数",
                           "properties": {"prefecture": _ID, "region": _ID}},
            "legality_review": {"type": "object", "description": (
                "合法性审查（县司法局；LEGALITY_REVIEW 开启时在县委编办审核通过之后）：enabled 是否设此环节，"
                "conclusions 每次上报的审查结论（lawful 合法 / needs_change 需修改，理由、审查人、时间），"
                "returns 结论为需修改而退回的次数（不计入县级轮次）"),
                "properties": {"enabled": {"type": "boolean"}, "returns": _ID,
                               "conclusions": {"type": "array", "items": {"type": "object", "properties": {
                                   "id": _ID, "submission": _ID, "round": _ID,
                                   "conclusion": {"enum": ["lawful", "needs_change"]}, "conclusion_label": _STR,
                                   "reasons": _STR, "reviewer": _ref("User"), "on_behalf_of": {},
                                   "organisation": {"type": "object"},
                                   "created_at": {"type": "string", "format": "date-time"}}}}}},
            "deadline": {"type": ["string", "null"], "format": "date"},
            "no_consultation_reason": {"type": ["string", "null"]},
            "base_version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}]},
            "previous_version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}],
                                 "description": "发起时的现行版本：修改与它相比（恢复旧版本时即所撤销的修改）"},
            "published_version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}]},
            "created_by": _ref("User"),
            "events": {"type": "array", "description": "您现在可以尝试的操作", "items": {
                "type": "object", "properties": {"event": {"enum": list(EVENT_LABELS)}, "label": _STR}}},
            "items": {"type": "array", "items": _ref("DraftItem")},
            "changes": {"type": "array", "items": _ref("Change")},
            "concerning": {"type": "array", "items": _ID, "description": "涉及本部门的修改的事项身份"},
            "problems": {"type": "array", "items": _STR,
                         "description": "起草人：上报前须处理的全部问题（检查、未答复意见、缺少修改理由、待处理提示）"},
            "missing_reasons": {"type": "array", "items": _ID, "description": "尚无修改理由的修改（事项身份）"},
            "flags": {"type": "array", "items": {"type": "object"}, "description": "导入时的存疑提示及其处理"},
            "consultations": {"type": "array", "items": _ref("Consultation")},
            "unanswered_opinions": {"type": ["integer", "null"]},
            "suggested_departments": {"type": "array", "items": _ref("Organisation")}}},
    "Reply": {
        "type": "object",
        "properties": {"id": _ID, "author": _ref("User"), "organisation": _ref("Organisation"),
                       "answer": {"enum": [*ANSWERS, None]}, "answer_label": {"type": ["string", "null"]},
                       "body": _STR, "created_at": {"type": "string", "format": "date-time"}}},
    "Opinion": {
        "type": "object",
        "properties": {"id": _ID, "round": _ID, "submission": _ID, "stage": {"enum": ["county", "prefecture", "region"]},
                       "item_id": {"type": ["integer", "null"], "description": "事项身份；空为针对整稿"},
                       "author": _ref("User"), "organisation": _ref("Organisation"), "body": _STR,
                       "created_at": {"type": "string", "format": "date-time"}, "answered": {"type": "boolean"},
                       "answer": {"oneOf": [_ref("Reply"), {"type": "null"}]},
                       "replies": {"type": "array", "items": _ref("Reply")}}},
    # ---- request bodies
    "NewRevision": {
        "type": "object", "additionalProperties": False,
        "properties": {"title": {"type": "string", "maxLength": 200},
                       "base_version_id": {"type": "integer", "description": "以旧版本为底稿（回退）；默认当前版本"},
                       "reason": {"type": "string", "maxLength": 4000,
                                  "description": "以旧版本为底稿时必填：恢复旧版本的理由（作为其每项修改的修改理由）"}}},
    "NewItem": {
        "allOf": [_ref("ItemFields"), {"type": "object", "required": ["kind", "name"], "properties": {
            "kind": {"enum": list(KINDS)}, "reason": {"type": "string", "description": "修改理由"},
            "position": {"type": "integer", "minimum": 1,
                         "description": "插入到该表第几项之前（1 为最前；表中项数 + 1 或不填：末尾）；其后的事项依次后移"}}}]},
    "ItemPatch": {
        "description": "只需给出要改的字段；给出 kind 即把事项移到另一张表（如收回表）",
        "allOf": [_ref("ItemFields"), {"type": "object", "required": ["lock_version"], "properties": {
            "lock_version": _ID, "kind": {"enum": list(KINDS)}, "reason": _STR}}]},
    "ItemDelete": {
        "type": "object", "additionalProperties": False, "required": ["lock_version"],
        "properties": {"lock_version": _ID, "reason": _STR}},
    "ItemMove": {
        "description": "direction 与 position 二者给出其一",
        "type": "object", "additionalProperties": False, "required": ["lock_version"],
        "oneOf": [{"required": ["direction"]}, {"required": ["position"]}],
        "properties": {"direction": {"enum": [-1, 1], "description": "-1 上移一行，1 下移一行"},
                       "position": {"type": "integer", "minimum": 1,
                                    "description": "一步移动到该表第几项（1 到表中项数）；其间的事项依次顺移"},
                       "lock_version": _ID,
                       "reason": {"type": "string", "maxLength": 4000, "description": "调整顺序的理由（可不填，填写则留存）"}}},
    "EventInput": {
        "type": "object", "additionalProperties": False,
        "properties": {"reason": {"type": "string", "maxLength": 4000,
                                  "description": "退回、审核通过、发布、放弃时必填"},
                       "departments": {"type": "array", "items": _ID,
                                       "description": "受理（accept）时征求意见的县直部门 id"},
                       "deadline": {"type": "string", "format": "date",
                                    "description": "部门意见截止日期 YYYY-MM-DD（不填：按配置的工作日数）"},
                       "no_consultation_reason": {"type": "string", "maxLength": 4000,
                                                  "description": "受理时不征求任何部门意见的理由（不选部门时必填）"}}},
    "NewConsultation": {
        "type": "object", "additionalProperties": False, "required": ["department"],
        "properties": {"department": _ID, "deadline": {"type": "string", "format": "date"}}},
    "ConsultationChange": {
        "type": "object", "additionalProperties": False, "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 4000},
                       "deadline": {"type": "string", "format": "date", "description": "extend 时必填：新的截止日期"}}},
    "SignOff": {
        "type": "object", "additionalProperties": False, "required": ["verdict"],
        "properties": {"verdict": {"enum": ["no_opinion", "with_opinions"],
                                   "description": "无意见 / 有意见（须已提出意见）"}}},
    "Answers": {
        "type": "object", "additionalProperties": False, "required": ["answers"],
        "properties": {"answers": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["opinion_id", "answer", "body"],
            "properties": {"opinion_id": _ID, "answer": {"enum": list(ANSWERS)},
                           "body": {"type": "string", "minLength": 1, "maxLength": 4000}}}}}},
    "Reason": {
        "type": "object", "additionalProperties": False, "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1}}},
    "NewOpinion": {
        "type": "object", "additionalProperties": False, "required": ["body"],
        "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 4000},
                       "item_id": {"type": ["integer", "null"], "description": "事项身份（DraftItem.item_id）"}}},
    "RequestChange": {
        "type": "object", "additionalProperties": False, "required": ["action"],
        "description": "一项调整：新增（kind、fields）、修改（item_id，fields 只写要改的字段）、调整所在清单（item_id、kind）、删除（item_id）",
        "properties": {"action": {"enum": list(REQUEST_ACTIONS)}, "kind": {"enum": list(KINDS)},
                       "item_id": {"type": ["integer", "null"], "description": "现行清单中事项的身份（item_id）"},
                       "fields": {"type": "object", "additionalProperties": False, "properties": _item_fields()}}},
    "NewRequest": {
        "type": "object", "additionalProperties": False, "required": ["type", "situation", "reason", "items"],
        "properties": {"type": {"enum": list(REQUEST_TYPES), "description": "dynamic：动态调整；admission：职责准入"},
                       "situation": {"enum": list(SITUATIONS)}, "reason": {"type": "string", "minLength": 1},
                       "townships": {"type": "array", "items": _ID,
                                     "description": "县直部门为本县多个乡镇申请时，路径中乡镇以外的其他乡镇 id"},
                       "items": {"type": "array", "minItems": 1, "items": _ref("RequestChange")}}},
    "AdjustmentRequest": {
        "type": "object",
        "properties": {"id": _ID, "type": {"enum": list(REQUEST_TYPES)}, "type_label": _STR, "situation": _STR,
                       "status": {"enum": list(REQUEST_STATUSES)}, "status_label": _STR,
                       "county": _ref("Organisation"), "townships": {"type": "array", "items": {"type": "object"}},
                       "organisation": _ref("Organisation"), "requested_by": _ref("User"),
                       "submitted_at": {"type": "string", "format": "date-time"},
                       "due_on": {"type": "string", "format": "date", "description": "县委编办应办结的日期"},
                       "overdue_days": _ID, "decided_at": {"type": ["string", "null"], "format": "date-time"},
                       "decided_by": {"oneOf": [_ref("User"), {"type": "null"}]},
                       "decision_reason": {"type": ["string", "null"]}, "reason": _STR,
                       "items": {"type": "array", "items": {"type": "object"}}}},
    "RequestDecision": {
        "type": "object", "additionalProperties": False, "required": ["decision"],
        "properties": {"decision": {"enum": ["accept", "reject"]},
                       "reason": {"type": "string", "description": "不予同意时必填"}}},
    "Filing": {
        "type": "object",
        "properties": {"id": _ID, "township": _ref("TownshipRef"), "version": _ref("VersionSummary"),
                       "level": {"enum": ["prefecture", "region"], "description": "备案层级"},
                       "office": _ref("Organisation"), "filed_at": {"type": "string", "format": "date-time"},
                       "status": {"enum": ["pending", "acknowledged"]}, "status_label": _STR,
                       "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
                       "acknowledged_by": {"oneOf": [_ref("User"), {"type": "null"}]}}},
    "NewAnswer": {
        "type": "object", "additionalProperties": False, "required": ["answer", "body"],
        "properties": {"answer": {"enum": list(ANSWERS)}, "body": {"type": "string", "minLength": 1}}},
    "NewReply": {
        "type": "object", "additionalProperties": False, "required": ["body"],
        "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 4000}}},
    "NewOrganisation": {
        "type": "object", "required": ["name", "kind"], "additionalProperties": False,
        "properties": {"name": _STR, "kind": {"type": "string", "enum": [k.value for k in OrgKind]},
                       "parent_id": {"type": ["integer", "null"], "description": "上级单位 id（自治区/省为 null）"},
                       "short_name": _STR}},
    "NewUser": {
        "type": "object", "required": ["username", "display_name", "organisation_id"], "additionalProperties": False,
        "properties": {"username": {**_STR, "description": "2–80 位字母、数字、点、下划线或连字符；不得重复"},
                       "display_name": _STR, "organisation_id": _ID, "email": _STR}},
    "Account": {
        "type": "object",
        "properties": {"id": _ID, "username": _STR, "display_name": _STR, "role": {"type": ["string", "null"]},
                       "role_label": _STR, "organisation": _ref("Organisation"), "active": {"type": "boolean"},
                       "must_change_password": {"type": "boolean"}, "email": {"type": ["string", "null"]}}},
    "NewAccount": {"allOf": [_ref("Account"), {"type": "object", "properties": {
        "temporary_password": {**_STR, "description": "一次性临时密码：只返回这一次，不保存明文"}}}]},
    "Alias": {"type": "object", "properties": {"id": _ID, "name": _STR, "department_id": _ID}},
    "AuditEntry": {
        "type": "object",
        "properties": {"seq": _ID, "created_at": _STR, "action": _STR, "label": _STR, "outcome": _STR,
                       "actor": {"type": ["object", "null"], "properties": {"id": _ID, "username": _STR}},
                       "on_behalf_of": {"type": ["object", "null"], "description": "代理人代谁操作（本人操作时为 null）",
                                        "properties": {"id": _ID, "username": _STR}},
                       "acted_by": {**_STR, "description": "如 张三（代李四）"},
                       "organisation": {"type": ["string", "null"]}, "revision_id": {"type": ["integer", "null"]},
                       "from_state": {"type": ["string", "null"]}, "to_state": {"type": ["string", "null"]},
                       "details": {"type": ["object", "null"]}, "move": {"type": "boolean"}}},
    "Delegation": {
        "type": "object",
        "properties": {"id": _ID, "delegator": _ref("User"), "deputy": _ref("User"), "starts_on": _STR,
                       "ends_on": _STR, "withdrawn_at": {"type": ["string", "null"]},
                       "state": {"type": "string", "enum": ["生效中", "未开始", "已到期", "已撤回"]}}},
    "NewDelegation": {
        "type": "object", "required": ["deputy_id"], "additionalProperties": False,
        "properties": {"deputy_id": {**_ID, "description": "本单位同一角色的在用账号"},
                       "days": {"type": "integer", "minimum": 1, "maximum": 366, "description": "从今天起的天数"},
                       "starts_on": {**_STR, "format": "date"}, "ends_on": {**_STR, "format": "date"}}},
}

_EVENTS_TEXT = "；".join(f"{k}：{v}" for k, v in EVENT_LABELS.items())

PATHS = {
    "/openapi.json": {"get": _op("本文档（OpenAPI 3.1）", "meta", {"200": _json({"type": "object"}, "OpenAPI 文档")},
                                 errors=(), secured=False, operation_id="openapi")},
    "/ping": {"get": _op("检查令牌", "meta", {"200": _json(
        {"type": "object", "properties": {"user": _STR}}, "令牌有效")}, operation_id="ping")},
    "/me": {"get": _op("令牌所属用户及单位", "meta", {"200": _json(
        {"type": "object", "properties": {"user": _ref("User"), "organisation": _ref("Organisation")}},
        "当前用户")}, operation_id="me")},
    "/townships": {"get": _op("全部乡镇及其现行版本", "published", {"200": _json(
        {"type": "object", "properties": {"townships": {"type": "array", "items": _ref("Township")}}},
        "乡镇列表")}, operation_id="listTownships")},
    "/townships/{township_id}": {"get": _op("一个乡镇：现行版本，以及您可查看的未完成修订稿", "published",
                                            {"200": _json(_ref("Township"), "乡镇")}, errors=READ,
                                            params=[TOWNSHIP], operation_id="getTownship")},
    "/townships/{township_id}/versions": {"get": _op(
        "乡镇的全部已发布版本（新的在前）；带 at 时为该日施行的版本", "published", {"200": _json(
            {"type": "object", "properties": {
                "township": _ref("TownshipRef"),
                "versions": {"type": "array", "items": _ref("VersionSummary")},
                "at": {"type": "string", "format": "date", "description": "带 at 时：所查的日期"},
                "version": {"oneOf": [_ref("VersionSummary"), {"type": "null"}],
                            "description": "带 at 时：该日（按配置的时区，当日结束前）最后发布的版本；尚无则为 null"},
                "message": {"type": ["string", "null"]}}},
            "版本列表")}, errors=("400", "401", "404"),
        params=[TOWNSHIP, _param("at", "日期 YYYY-MM-DD：只给出该日施行的版本", "query",
                                 {"type": "string", "format": "date"}, required=False)],
        description="at 的格式不对时返回 400 和中文说明。", operation_id="listVersions")},
    "/versions/{version_id}": {"get": _op("一个已发布版本：三张表", "published",
                                          {"200": _json(_ref("Version"), "版本")}, errors=READ,
                                          params=[VERSION], operation_id="getVersion")},
    "/versions/{a}/diff/{b}": {"get": _op(
        "两个版本之间的差异：逐项（新增、删除、修改、调整清单、调整序号，按事项身份对应）及逐字", "published",
        {"200": _json({"type": "object", "properties": {
            "township": _ref("TownshipRef"), "a": {"type": "object"}, "b": {"type": "object"},
            "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
            "changes": {"type": "array", "items": {"type": "object", "properties": {
                "item_id": {"type": "integer"},
                "kinds": {"type": "array", "items": {"enum": ["added", "removed", "changed", "moved", "renumbered"]}},
                "label": {"type": "string"}, "reason": {"type": ["string", "null"]},
                "old": {"type": ["object", "null"]}, "new": {"type": ["object", "null"]},
                "fields": {"type": "object", "description": "字段名 -> [{op: equal|insert|delete, text}]"}}}}}},
            "差异")}, errors=("400", "401", "404"),
        params=[_param("a", "旧版本 id"), _param("b", "新版本 id"),
                _param("kind", "只看某张表", where="query", required=False,
                       schema={"enum": ["basic", "cooperative", "withdrawn"]}),
                _param("category", "只看某个类别", where="query", required=False, schema={"type": "string"})],
        operation_id="diffVersions")},
    "/filings": {"get": _op(
        "备案登记：您所在区域的已发布版本备案记录（县委编办、州和自治区编办、系统管理员）", "filings",
        {"200": _json({"type": "object", "properties": {"filings": {"type": "array", "items": _ref("Filing")}}},
                      "备案列表（新的在前）")}, errors=("400", "401", "403"),
        params=[_param("status", "只看待确认接收（pending）或已确认接收（acknowledged）", where="query", required=False,
                       schema={"enum": ["pending", "acknowledged"]}),
                _param("county", "只看某县", where="query", required=False)],
        operation_id="listFilings")},
    "/filings/{filing_id}/acknowledge": {"post": _op(
        "确认接收备案（受理备案的州或自治区编办审核人）", "filings", {"200": _json(_ref("Filing"), "已确认接收的备案")},
        errors=WRITE, params=[_param("filing_id", "备案记录 id")],
        description="不是受理该备案的编办为 403；已确认接收过为 409。", operation_id="acknowledgeFiling")},
    "/townships/{township_id}/requests": {"post": _op(
        "提出调整申请（动态调整或职责准入）：乡镇为本乡镇，县直部门为本县一个或多个乡镇", "requests",
        {"201": _json(_ref("AdjustmentRequest"), "已提交的申请")}, errors=WRITE, params=[TOWNSHIP],
        body=_body(_ref("NewRequest")),
        description="所列事项须在乡镇现行清单中；为外县乡镇申请为 403。", operation_id="submitRequest")},
    "/requests": {"get": _op(
        "您所在区域的调整申请（新的在前）", "requests",
        {"200": _json({"type": "object", "properties": {
            "requests": {"type": "array", "items": _ref("AdjustmentRequest")}}}, "申请列表")},
        errors=("400", "401", "403"),
        params=[_param("type", "申请类型", where="query", required=False, schema={"enum": list(REQUEST_TYPES)}),
                _param("status", "状态", where="query", required=False, schema={"enum": list(REQUEST_STATUSES)})],
        operation_id="listRequests")},
    "/requests/{request_id}": {"get": _op(
        "调整申请：申请事项、理由、办理时限、处理结果", "requests", {"200": _json(_ref("AdjustmentRequest"), "申请")},
        errors=("401", "403", "404"), params=[_param("request_id", "申请 id")], operation_id="getRequest")},
    "/requests/{request_id}/decide": {"post": _op(
        "处理调整申请（本县县委编办）：同意（修改纳入各乡镇修订稿）或不予同意（须写理由）", "requests",
        {"200": _json(_ref("AdjustmentRequest"), "处理后的申请")}, errors=WRITE,
        params=[_param("request_id", "申请 id")], body=_body(_ref("RequestDecision")),
        description="已处理过为 409；乡镇的修订稿正在审核中、不能并入修改时为 409，不写入任何内容。",
        operation_id="decideRequest")},
    "/departments": {"get": _op(
        "乡镇所在县的县委编办和县直部门（供受理时选择征求意见的部门）", "published",
        {"200": _json({"type": "object", "properties": {
            "township": _ref("TownshipRef"), "departments": {"type": "array", "items": _ref("Organisation")}}},
            "部门列表")}, errors=("400", "401", "404"),
        params=[_param("township", "乡镇 id", where="query", required=True)], operation_id="listDepartments")},
    "/townships/{township_id}/revisions": {
        "get": _op("乡镇的修订稿（仅您可查看的）", "revisions", {"200": _json(
            {"type": "object", "properties": {"revisions": {"type": "array", "items": _ref("RevisionSummary")}}},
            "修订稿列表")}, errors=READ, params=[TOWNSHIP], operation_id="listRevisions"),
        "post": _op("发起修订（本乡镇起草人）", "revisions", {"201": _json(_ref("Revision"), "已创建的修订稿")},
                    errors=WRITE, params=[TOWNSHIP], body=_body(_ref("NewRevision"), required=False),
                    description="每个乡镇同时只能有一份未完成的修订稿（否则 409）。", operation_id="startRevision")},
    "/revisions/{revision_id}": {"get": _op(
        "修订稿：状态、轮次、事项、变化、上报前检查、征求意见情况、可执行的操作", "revisions",
        {"200": _json(_ref("Revision"), "修订稿")}, errors=("401", "403", "404"), params=[REVISION],
        operation_id="getRevision")},
    "/revisions/{revision_id}/items": {"post": _op(
        "新增事项", "items", {"201": _json(_ref("DraftItem"), "新增的事项")}, errors=WRITE, params=[REVISION],
        body=_body(_ref("NewItem")), operation_id="addItem")},
    "/revisions/{revision_id}/items/{draft_item_id}": {
        "patch": _op("修改事项或调整到另一张表", "items", {"200": _json(_ref("DraftItem"), "修改后的事项")},
                     errors=WRITE, params=[REVISION, DRAFT_ITEM], body=_body(_ref("ItemPatch")),
                     operation_id="editItem"),
        "delete": _op("删除事项（留痕，附理由）", "items", {"200": _json(_ref("DraftItem"), "已删除的事项")},
                      errors=WRITE, params=[REVISION, DRAFT_ITEM,
                                            _param("lock_version", "也可放在请求体中", where="query", required=False),
                                            _param("reason", "删除理由，也可放在请求体中", where="query",
                                                   schema={"type": "string"}, required=False)],
                      body=_body(_ref("ItemDelete"), required=False), operation_id="deleteItem")},
    "/revisions/{revision_id}/items/{draft_item_id}/move": {"post": _op(
        "在同一张表内上移（-1）、下移（1），或一步移动到第 position 项", "items", {"200": _json(_ref("DraftItem"), "移动后的事项")},
        errors=WRITE, params=[REVISION, DRAFT_ITEM], body=_body(_ref("ItemMove")), operation_id="moveItem")},
    "/revisions/{revision_id}/renumber": {"post": _op(
        "各表按当前顺序重新编号 1..n", "items", {"200": _json(_ref("Revision"), "修订稿")}, errors=WRITE,
        params=[REVISION], operation_id="renumber")},
    "/revisions/{revision_id}/events/{event}": {"post": _op(
        "审核流程操作", "review", {"200": _json(_ref("Revision"), "操作后的修订稿")}, errors=WRITE,
        params=[REVISION, EVENT], body=_body(_ref("EventInput"), required=False),
        description=("操作：" + _EVENTS_TEXT + "。可执行的操作见 GET /revisions/{id} 的 events。"
                     "角色不符或不是本单位的事务为 403；当前状态不允许、上报前检查未通过、意见未答复、修改缺少理由、"
                     "存疑提示未处理、被征求的部门尚未签署（审核通过、退回时）、轮次已满为 409；缺少理由、"
                     "受理时既未选部门又未说明理由为 400。"),
        operation_id="fireEvent")},
    "/revisions/{revision_id}/legality": {"post": _op(
        "合法性审查结论（本县司法局合法性审查人）", "review", {"200": _json(_ref("Revision"), "审查后的修订稿")},
        errors=WRITE, params=[REVISION], body=_body({"type": "object", "required": ["conclusion"], "properties": {
            "conclusion": {"enum": ["lawful", "needs_change"], "description": "lawful 合法 / needs_change 需修改"},
            "reasons": {"type": "string", "description": "审查意见及理由；结论为需修改时必填"}}}),
        description=("合法：修订稿转为县级审核通过，由县委编办报送上级；需修改：退回乡镇修改（理由作为意见，乡镇须答复），"
                     "不计入县级轮次。等同于 events/pass_legality 与 events/return_legality（reason 为理由）。"
                     "非本县司法局合法性审查人为 403；不在合法性审查阶段为 409；需修改而未写理由、结论无效为 400。"),
        operation_id="concludeLegality")},
    "/revisions/{revision_id}/extend": {"post": _op(
        "延长轮次（县委编办，须填写理由）", "review", {"200": _json(_ref("Revision"), "修订稿")}, errors=WRITE,
        params=[REVISION], body=_body(_ref("Reason")), operation_id="extendRounds")},
    "/revisions/{revision_id}/opinions": {
        "get": _op("意见及其答复、讨论", "opinions", {"200": _json(
            {"type": "object", "properties": {"revision_id": _ID, "round": _ID,
                                              "unanswered": {"type": "array", "items": _ID},
                                              "opinions": {"type": "array", "items": _ref("Opinion")}}},
            "意见列表")}, errors=("401", "403", "404"), params=[REVISION], operation_id="listOpinions"),
        "post": _op("提出意见（被征求的部门、县委编办、州/自治区在本级审核时）", "opinions",
                    {"201": _json(_ref("Opinion"), "新意见")}, errors=WRITE, params=[REVISION],
                    body=_body(_ref("NewOpinion")), operation_id="addOpinion")},
    "/revisions/{revision_id}/opinions/{opinion_id}/answers": {"post": _op(
        "乡镇答复意见：采纳 / 部分采纳 / 不采纳，并说明理由", "opinions", {"201": _json(_ref("Reply"), "答复")},
        errors=WRITE, params=[REVISION, OPINION], body=_body(_ref("NewAnswer")), operation_id="answerOpinion")},
    "/revisions/{revision_id}/opinions/{opinion_id}/replies": {"post": _op(
        "在意见下继续讨论", "opinions", {"201": _json(_ref("Reply"), "回复")}, errors=WRITE,
        params=[REVISION, OPINION], body=_body(_ref("NewReply")), operation_id="replyOpinion")},
    "/revisions/{revision_id}/signoff": {"post": _op(
        "县直部门签署本轮审核", "opinions", {"200": _json(_ref("Consultation"), "本部门的征求意见记录")},
        errors=WRITE, params=[REVISION], body=_body(_ref("SignOff")), operation_id="signOff",
        description="“有意见”须本部门本轮已提出意见；已提出意见的不能以“无意见”签署（409）。")},
    "/revisions/{revision_id}/answers": {"post": _op(
        "乡镇一次答复多条意见：全部成功或全部不保存", "opinions", {"201": _json(
            {"type": "object", "properties": {"answers": {"type": "array", "items": _ref("Reply")}}}, "答复")},
        errors=WRITE, params=[REVISION], body=_body(_ref("Answers")), operation_id="answerOpinions")},
    "/revisions/{revision_id}/consultations": {
        "get": _op("征求意见的部门及其各轮状态", "review", {"200": _json(
            {"type": "object", "properties": {"revision_id": _ID, "round": _ID,
                                              "consultations": {"type": "array", "items": _ref("Consultation")}}},
            "征求意见情况")}, errors=("401", "403", "404"), params=[REVISION], operation_id="listConsultations"),
        "post": _op("县级审核中增加征求意见的部门（县委编办）", "review",
                    {"201": _json(_ref("Consultation"), "新增的征求意见记录")}, errors=WRITE, params=[REVISION],
                    body=_body(_ref("NewConsultation")), operation_id="addConsultation")},
    "/revisions/{revision_id}/consultations/{consultation_id}/{change}": {"post": _op(
        "撤回（release）、记为逾期未反馈视为无意见（lapse，须截止日期已过）或延长截止日期（extend），均须说明理由",
        "review", {"200": _json(_ref("Consultation"), "调整后的征求意见记录")}, errors=WRITE,
        params=[REVISION, _param("consultation_id", "征求意见记录 id"),
                _param("change", "调整方式", schema={"enum": ["release", "lapse", "extend"]})],
        body=_body(_ref("ConsultationChange")), operation_id="changeConsultation")},
    "/revisions/{revision_id}/items/{item_id}/reasons": {"post": _op(
        "为一项修改填写修改理由（item_id 为事项身份）", "items", {"201": _json(
            {"type": "object", "properties": {"item_id": _ID, "reasons": _STR_LIST}}, "该事项的全部修改理由")},
        errors=WRITE, params=[REVISION, _param("item_id", "事项身份")], body=_body(_ref("Reason")),
        operation_id="explainChange")},
    "/revisions/{revision_id}/flags/{flag_id}/confirm": {"post": _op(
        "确认保留存疑事项并说明理由", "items", {"200": _json({"type": "object"}, "已处理的提示")}, errors=WRITE,
        params=[REVISION, _param("flag_id", "提示 id")], body=_body(_ref("Reason")), operation_id="confirmFlag")},

    # ------------------------------------------------------------------ a change of law (issue 14.3–14.4)
    "/bases/{basis_id}/status": {"post": _op(
        "标记依据已修订或已废止（县委编办、州和自治区编办）：各乡镇现行清单中引用该依据的事项即被标记", "bases",
        {"200": _json({"type": "object", "properties": {
            "basis": {"type": "object"}, "flagged": {"type": "integer", "description": "新标记的事项数"},
            "impact": {"type": "integer", "description": "您辖区内待调整的事项数"}}}, "已标记")},
        errors=WRITE, params=[_param("basis_id", "依据 id")], body=_body({"type": "object", "properties": {
            "status": {"enum": ["amended", "repealed"]}, "date": {"type": "string", "format": "date"},
            "note": _STR, "replaced_by": {"type": ["integer", "null"], "description": "修订后的依据 id"}},
            "required": ["status", "date"], "additionalProperties": False}),
        description="乡镇或部门账号调用时返回 403，不作任何修改；已废止的依据不能再标记。",
        operation_id="changeBasisStatus")},
    "/bases/{basis_id}/impact": {"get": _op(
        "该依据变更影响的乡镇和事项（限您的辖区）", "bases", {"200": _json({"type": "object", "properties": {
            "basis": {"type": "object"}, "total": {"type": "integer"},
            "townships": {"type": "array", "items": {"type": "object", "properties": {
                "id": _ID, "name": _STR, "county": _STR, "version_id": _ID,
                "revision_id": {"type": ["integer", "null"], "description": "已发往的调整稿"},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "flag_id": _ID, "item_id": _ID, "kind": {"enum": list(KINDS)}, "category": _STR, "name": _STR,
                    "revision_id": {"type": ["integer", "null"]}}}}}}},
            "label": {"type": ["string", "null"], "description": "事项上的提示：依据已修订 / 依据已废止"}}},
            "受影响的乡镇和事项")},
        errors=READ, params=[_param("basis_id", "依据 id")], operation_id="basisImpact")},
    "/bases/{basis_id}/adjustments": {"post": _op(
        "为辖区内所有受影响的乡镇发起调整：没有未完成修订稿的新建调整稿，已有的把提示加入其中", "bases",
        {"201": _json({"type": "object", "properties": {"revisions": {"type": "array", "items": {
            "type": "object", "properties": {"id": _ID, "title": _STR, "status": _STR,
                                             "township": _ref("TownshipRef"), "created": {"type": "boolean"},
                                             "flagged_items": {"type": "array", "items": _ID}}}}}},
            "已发起或已加入的修订稿")},
        errors=WRITE, params=[_param("basis_id", "依据 id")], operation_id="openBasisAdjustments")},

    # ------------------------------------------------------------------ administration (三员分立), deputies
    "/admin/organisations": {"post": _op(
        "新增单位（系统管理员）：类型须能挂在上级单位下，同一上级下名称不重复", "admin",
        {"201": _json(_ref("Organisation"), "新增的单位")}, errors=WRITE,
        body=_body(_ref("NewOrganisation")), operation_id="createOrganisation")},
    "/admin/users": {"post": _op(
        "新建账号（系统管理员）：无角色，返回一次性的临时密码（首次登录须修改）", "admin",
        {"201": _json(_ref("NewAccount"), "新账号及其临时密码（只显示这一次）")}, errors=WRITE,
        body=_body(_ref("NewUser")), operation_id="createUser")},
    "/admin/users/{user_id}/role": {"put": _op(
        "分配或收回角色（安全保密管理员）：角色须与账号所属单位类型相符；三员角色只授予尚无角色的账号", "admin",
        {"200": _json(_ref("Account"), "账号")}, errors=WRITE, params=[USER],
        body=_body({"type": "object", "required": ["role"], "additionalProperties": False, "properties": {
            "role": {"type": ["string", "null"], "enum": [*ROLES, None], "description": "null：收回角色"}}}),
        operation_id="assignRole")},
    "/admin/users/{user_id}/deactivate": {"post": _op(
        "停用账号（系统管理员；三员账号由安全保密管理员）：不能停用最后一个安全保密管理员", "admin",
        {"200": _json(_ref("Account"), "已停用的账号")}, errors=WRITE, params=[USER], operation_id="deactivateUser")},
    "/admin/users/{user_id}/reset-password": {"post": _op(
        "重置密码为一次性的临时密码（系统管理员；三员账号由安全保密管理员）", "admin",
        {"200": _json(_ref("NewAccount"), "账号及新的临时密码（只显示这一次）")}, errors=WRITE, params=[USER],
        operation_id="resetPassword")},
    "/admin/departments/{department_id}/merge": {"post": _op(
        "把部门并入同一县的另一部门（系统管理员）：征求意见、意见、账号、事项引用和别名随之转移", "admin",
        {"200": _json({"type": "object"}, "合并结果")}, errors=WRITE, params=[DEPARTMENT],
        body=_body({"type": "object", "required": ["into"], "additionalProperties": False,
                    "properties": {"into": {**_ID, "description": "并入的部门 id（须同一县）"}}}),
        operation_id="mergeDepartment")},
    "/admin/departments/{department_id}/aliases": {
        "get": _op("部门的别名（系统管理员）", "admin", {"200": _json(
            {"type": "object", "properties": {"department": _ref("Organisation"),
                                              "aliases": {"type": "array", "items": _ref("Alias")}}}, "别名")},
            errors=("401", "403", "404"), params=[DEPARTMENT], operation_id="listDepartmentAliases"),
        "post": _op("添加别名（系统管理员）：如 县残联 = 县残疾人联合会", "admin",
                    {"201": _json(_ref("Alias"), "新增的别名")}, errors=WRITE, params=[DEPARTMENT],
                    body=_body({"type": "object", "required": ["name"], "additionalProperties": False,
                                "properties": {"name": _STR}}), operation_id="addDepartmentAlias")},
    "/admin/departments/{department_id}/aliases/{alias_id}": {"delete": _op(
        "删除别名（系统管理员）", "admin", {"200": _json({"type": "object", "properties": {"removed": _ID}}, "已删除")},
        errors=WRITE, params=[DEPARTMENT, _param("alias_id", "别名 id")], operation_id="removeDepartmentAlias")},
    "/audit": {"get": _op(
        "操作日志，新的在前（仅安全审计员）；每条记录操作人（actor）及被代理人（on_behalf_of）", "admin",
        {"200": _json({"type": "object", "properties": {
            "events": {"type": "array", "items": _ref("AuditEntry")},
            "next_before_seq": {"type": ["integer", "null"], "description": "下一页：?before_seq=此值"}}}, "日志")},
        errors=("400", "401", "403"), params=[
            _param("action", "只看某种操作", "query", _STR), _param("user", "只看某用户（本人或被代理）", "query", _STR),
            _param("revision_id", "只看某修订稿", "query"), _param("before_seq", "分页：序号小于此值", "query")],
        operation_id="auditLog")},
    "/revisions/{revision_id}/history": {"get": _op(
        "修订稿的全部流转与操作，旧的在前；每条写明操作人（actor）及被代理人（on_behalf_of，代理时）", "review",
        {"200": _json({"type": "object", "properties": {
            "revision_id": _ID, "events": {"type": "array", "items": _ref("AuditEntry")}}}, "历史")},
        errors=("401", "403", "404"), params=[REVISION], operation_id="revisionHistory")},
    "/delegations": {
        "get": _op("我指定的代理，以及今天我在代理谁", "deputies", {"200": _json({"type": "object", "properties": {
            "named": {"type": "array", "items": _ref("Delegation")},
            "acting_for": {"type": "array", "items": {"type": "object"}}}}, "代理")},
            errors=("401", "403"), operation_id="listDelegations"),
        "post": _op("指定代理人（县委编办、县直部门、州、自治区的审核人）：本单位同一角色的用户；给出天数（从今天起）或起止日期",
                    "deputies", {"201": _json(_ref("Delegation"), "新的代理")}, errors=WRITE,
                    body=_body(_ref("NewDelegation")), operation_id="createDelegation")},
    "/revisions/{revision_id}/consultations/{consultation_id}/assignee": {"put": _op(
        "改派部门经办人（县委编办，县级审核中）：把待签署的征求意见交给该部门的某一审核人；null 交回本部门任一审核人",
        "deputies", {"200": _json(_ref("Consultation"), "改派后的征求意见记录")}, errors=WRITE,
        params=[REVISION, _param("consultation_id", "征求意见记录 id")],
        body=_body({"type": "object", "required": ["assignee_id"], "additionalProperties": False,
                    "properties": {"assignee_id": {"type": ["integer", "null"]}}}), operation_id="reassignConsultation")},
    "/delegations/{delegation_id}/withdraw": {"post": _op(
        "撤回本人指定的代理", "deputies", {"200": _json(_ref("Delegation"), "已撤回的代理")}, errors=WRITE,
        params=[_param("delegation_id", "代理 id")], operation_id="withdrawDelegation")},
}


def spec() -> dict:
    return deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "乡镇履职事项清单 API", "version": "1.0.0",
                 "description": ("乡镇履职事项清单及“三上三下”审核的 JSON 接口。令牌由管理员用 "
                                 "`flask --app wsgi create-token 用户名` 生成，放在 `Authorization: Bearer …` 中。"
                                 "页面与接口使用同一套业务规则。错误均为 JSON：{error, details, status}。")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": n} for n in ("meta", "published", "revisions", "items", "review", "opinions", "admin",
                                        "deputies", "filings", "requests", "bases")],
        "paths": {**PATHS, **openapi_bases.paths(_op, _json, _body, _param, (READ, WRITE))},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "create-token 生成的令牌（dl_…）"}},
            "schemas": {**SCHEMAS, **openapi_bases.SCHEMAS},
        },
    })
