"""An audit entry's details for people: the details dict as "字段：值" lines with Chinese names.

The stored details stay as they are (canonical JSON, covered by the hash chain); this only reads them.
Unknown keys are shown as they are, so nothing recorded is ever hidden from an auditor.
"""
from __future__ import annotations

from workflow.states import LEGALITY_CONCLUSIONS, STATUS_LABELS

from .items import FIELDS, TABLES, Shape, citation_lines, receiving_lines
from .models.org import ORG_KIND_LABELS, ROLE_LABELS, OrgKind
from .models.revision import ANSWERS, VERDICTS

#: detail key -> how it is named on the page
KEY_LABELS = {
    "reason": "理由", "round": "轮次", "departments": "部门", "deadline": "截止日期", "version": "版本",
    "digest": "摘要", "changes": "修改内容", "kind": "所在清单", "number": "序号", "name": "事项名称",
    "body": "内容", "answer": "答复", "items": "事项", "fields": "事项内容", "base_version": "基于版本",
    "swapped_with": "与之交换的事项", "from": "原位置", "to": "新位置", "max_rounds": "轮次上限",
    "item_id": "事项", "stage": "审核阶段", "file": "文件", "counts": "事项数", "via": "途径",
    "username": "用户名", "role": "角色", "seq": "链头序号", "hash": "哈希", "set": "已填写", "count": "数量",
    "format": "格式", "document": "文件类型", "rows": "行数", "title": "标题", "revision_id": "修订稿",
    "status": "状态", "mode": "方式",
    "verdict": "签署意见", "opinions": "本轮意见条数", "department": "部门", "department_id": "部门编号",
    "department_names": "征求意见的部门", "no_consultation_reason": "无需征求部门意见的理由",
    "from_round": "沿用自", "to_review": "须重新审阅的事项", "carried": "沿用前轮签署", "send_backs": "退回次数",
    "current_version": "现行版本", "message": "提示", "prefecture": "州", "region": "自治区",
    "conclusion": "合法性审查结论", "conclusion_label": "结论", "legality_conclusion": "审查结论编号",
    "request": "调整申请", "situation": "申请情形", "type": "申请类型",
    "townships": "涉及乡镇", "decision": "处理结果", "revisions": "修订稿",
    # a change of law (workflow.law)
    "basis": "依据编号", "adjustment": "依据变更调整", "new_draft": "新建调整稿", "date": "日期", "note": "说明",
    "replaced_by": "修订后的依据编号", "replaced_by_title": "修订后的依据", "flagged": "标记的事项数",
    "doc_number": "文号",
    **{f.key: f.label for f in FIELDS},
}
#: the same keys where an event is about an organisation or an account, not an item
ADMIN_KEY_LABELS = {
    "kind": "单位类型", "name": "名称", "parent": "上级单位", "organisation": "所属单位", "old": "原值",
    "new": "新值", "old_short": "原简称", "new_short": "新简称", "temporary": "临时密码", "linked": "关联",
    "county": "所在县", "alias": "别名", "into": "并入", "into_id": "并入单位编号", "merged": "被合并的部门",
    "merged_id": "被合并部门编号", "users": "账号数", "users_without_role": "无角色的账号",
    "references": "引用数", "office": "编办", "consultations": "征求意见记录数", "display_name": "姓名",
    "active": "启用", "from": "原上级单位", "to": "新上级单位",
}
ADMIN_PREFIXES = ("organisation_", "department_", "county_office", "user_", "role_", "password",
                  "account_", "sessions_")
SHORT_KINDS = {k: t.short for k, t in TABLES.items()}
STAGES = {"county": "县级", "legality": "合法性审查", "prefecture": "州级", "region": "自治区级"}
REASONS = {"rate_limited": "尝试次数过多，已暂时限制", "wrong_current_password": "当前密码不正确"}
VIA = {"cli": "命令行", "api": "接口", "web": "网页"}
FORMATS = {"docx": "Word", "xlsx": "Excel", "pdf": "PDF", "csv": "CSV", "json": "JSON"}
MODES = {"draft": "导入为修订稿", "new": "导入为新乡镇的第 1 版"}


def _plain(value) -> str:
    """Any value as short text: lists joined with 、, dicts as 键：值, booleans as 是/否."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(k, k)}：{_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)


def _field_value(field: str, value) -> str:
    """A content field's value (an item's name, duties, 承接部门…)."""
    if field == "kind":
        return SHORT_KINDS.get(value, str(value))
    known = next((f for f in FIELDS if f.key == field), None)
    if known is not None and known.shape == Shape.department_rows and isinstance(value, list):
        return "；".join(receiving_lines([r for r in value if isinstance(r, dict)])) or "—"
    if known is not None and known.shape == Shape.citations and isinstance(value, list):
        return "；".join(citation_lines([c for c in value if isinstance(c, dict)])) or "—"
    return _plain(value)


def _value(key: str, value, names: dict) -> str:
    if key == "kind":
        return SHORT_KINDS.get(value, str(value))
    if key == "answer":
        return ANSWERS.get(value, str(value))
    if key == "verdict":
        return VERDICTS.get(value, str(value))
    if key == "conclusion":
        return LEGALITY_CONCLUSIONS.get(value, str(value))
    if key == "from_round" and isinstance(value, int):
        return f"第 {value} 轮的签署"
    if key == "to_review" and isinstance(value, list):
        return f"{len(value)} 项"
    if key == "status":
        return STATUS_LABELS.get(value, str(value))
    if key == "stage":
        return STAGES.get(value, str(value))
    if key == "reason" and value in REASONS:
        return REASONS[value]
    if key == "via":
        return VIA.get(value, str(value))
    if key == "format":
        return FORMATS.get(value, str(value))
    if key == "mode":
        return MODES.get(value, str(value))
    if key in ("round", "max_rounds") and isinstance(value, int):
        return f"第 {value} 轮" if key == "round" else f"{value} 轮"
    if key in ("version", "base_version", "current_version") and isinstance(value, int):
        return f"第 {value} 版"
    if key in ("number", "from", "to") and isinstance(value, int):
        return f"第 {value} 项"
    if key in ("digest", "hash") and isinstance(value, str):
        return value[:16] + ("…" if len(value) > 16 else "")
    if key == "departments" and isinstance(value, list):
        return "、".join(names.get(v, str(v)) if isinstance(v, int) else str(v) for v in value) or "—"
    if key == "items" and isinstance(value, list):
        return f"{len(value)} 项"
    if key == "counts" and isinstance(value, dict):
        return "、".join(f"{SHORT_KINDS.get(k, k)} {n}" for k, n in value.items())
    if key == "changes" and isinstance(value, dict):
        parts = []
        for field, change in value.items():
            label = KEY_LABELS.get(field, field)
            if isinstance(change, dict) and set(change) <= {"old", "new"}:
                parts.append(f"{label}：{_field_value(field, change.get('old'))} → {_field_value(field, change.get('new'))}")
            else:
                parts.append(f"{label}：{_plain(change)}")
        return "；".join(parts) or "—"
    if key == "fields" and isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(f, f)}：{_field_value(f, v)}" for f, v in value.items()
                        if v not in (None, "", [])) or "—"
    return _plain(value)


def _admin_value(key: str, value, role_event: bool) -> str:
    if key == "kind" and value in set(OrgKind):
        return ORG_KIND_LABELS[OrgKind(value)]
    if (role_event or key == "role") and key in ("old", "new", "role") and value in ROLE_LABELS:
        return ROLE_LABELS[value]
    if key == "via":
        return VIA.get(value, str(value))
    return _plain(value)


def detail_lines(details, names: dict | None = None, action: str = "") -> list[tuple[str, str]]:
    """[(中文字段名, 值)] for a details dict, in its order; keys whose value is empty are left out.
    ``action`` says what the entry is about: an organisation's or an account's ``kind`` or ``name``
    is not an item's 所在清单 or 事项名称."""
    if not details:
        return []
    if not isinstance(details, dict):
        return [("内容", _plain(details))]
    names = names or {}
    present = [(k, v) for k, v in details.items() if v is not None and v != "" and v != []]
    if action.startswith(ADMIN_PREFIXES):
        role_event = action.startswith("role_")
        return [(("新角色" if key == "new" else "原角色") if role_event and key in ("old", "new")
                 else ADMIN_KEY_LABELS.get(key) or KEY_LABELS.get(key, key),
                 _admin_value(key, value, role_event)) for key, value in present]
    return [(KEY_LABELS.get(key, key), _value(key, value, names)) for key, value in present]


def department_ids(events) -> set[int]:
    """The organisation ids named in the events' details (an accept's consulted departments)."""
    out = set()
    for e in events:
        details = e.details if isinstance(e.details, dict) else {}
        out.update(v for v in details.get("departments") or [] if isinstance(v, int) and not isinstance(v, bool))
    return out
