"""The one function that writes the audit log, and the verifier of its hash chain."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models.audit import AuditEvent, AuditHead
from ..models.base import utcnow
from .bulk import insert_rows

GENESIS = "0" * 64

#: How each kind of entry reads in the interface (moves of the machine use workflow.states.EVENT_LABELS).
ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "revision_start": "发起修订",
    "item_add": "新增事项", "item_edit": "修改事项", "item_move": "调整所在清单", "item_delete": "删除事项",
    "item_reorder": "调整顺序", "renumber": "重新编号", "opinion": "提出意见", "opinion_answer": "答复意见",
    "opinion_reply": "回复意见", "sign_off": "部门签署", "extend_rounds": "延长轮次",
    "token_create": "生成 API 令牌", "token_revoke": "吊销 API 令牌", "export": "导出",
    "audit_head_export": "导出链头", "user_create": "创建用户", "import": "从文件导入",
    "password_change": "修改密码",
    "email_change": "修改电子邮箱",
    "signoff_carried": "沿用前轮签署", "consultation_add": "增加征求意见部门", "consultation_release": "撤回征求意见",
    "consultation_extend": "延长部门截止日期", "consultation_lapse": "记为“逾期未反馈，视为无意见”",
    "item_explain": "补充修改理由", "flag_confirm": "确认保留提示事项",
    # administration (三员分立): organisations and the department registry, accounts, roles, the log itself
    "organisation_create": "新增单位", "organisation_rename": "单位更名", "organisation_move": "调整上级单位",
    "organisation_close": "撤销单位", "organisation_reopen": "重新启用单位",
    "department_merge": "合并部门", "department_alias_add": "添加部门别名", "department_alias_remove": "删除部门别名",
    "department_name_ignore": "标记为非部门名称", "county_office_set": "设为县委编办",
    "user_edit": "修改账号", "user_deactivate": "停用账号", "user_reactivate": "启用账号",
    "password_reset": "重置密码", "users_export": "导出账号", "role_assign": "分配角色",
    "account_unlock": "解除登录锁定", "sessions_end": "结束全部会话",
    "audit_view": "查看操作日志", "audit_verify": "核对链头",
    "delegation_create": "指定代理人", "delegation_withdraw": "撤回代理", "consultation_reassign": "改派部门经办人",
    "filing_create": "报送备案", "filing_acknowledge": "确认接收备案",
    "request_submit": "提出调整申请", "request_accept": "同意调整申请", "request_reject": "不予同意调整申请",
    "basis_add": "新增依据", "basis_edit": "修改依据", "basis_import": "从表格导入依据",
    "basis_status": "标记依据已修订或已废止", "basis_adjust": "依据变更：发起调整",
}
#: the columns an entry's hash covers, in the order they are hashed
HASHED_FIELDS = ("seq", "created_at", "action", "outcome", "actor_id", "actor_name",
                 "organisation_id", "organisation_name", "township_id", "revision_id", "target",
                 "from_state", "to_state", "round", "details_text", "ip")
#: hashed after those when a deputy acted (entries in one's own name hash as before, so older chains verify)
DEPUTY_FIELDS = ("on_behalf_of_id", "on_behalf_of_name")


def canonical_json(value) -> str | None:
    """The one text form of a details dict: sorted keys, compact, UTF-8 kept."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, fields: dict) -> str:
    """sha256(prev_hash + JSON list of the hashed fields, in HASHED_FIELDS order)."""
    values = [fields.get(f) for f in HASHED_FIELDS + DEPUTY_FIELDS]
    return _hash_values(prev_hash, values)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _hash_values(prev_hash: str, values: list) -> str:
    """values: HASHED_FIELDS' then (optionally) DEPUTY_FIELDS'; the latter only count when set."""
    values = list(values)
    if len(values) > len(HASHED_FIELDS) and all(v is None for v in values[len(HASHED_FIELDS):]):
        del values[len(HASHED_FIELDS):]
    created = values[1]
    if created is not None and not isinstance(created, str):
        values[1] = created.isoformat(timespec="microseconds")
    return hashlib.sha256((prev_hash + _ENCODER.encode(values)).encode("utf-8")).hexdigest()


def event_fields(action: str, *, actor=None, organisation=None, township_id=None, revision=None,
                 revision_id=None, target=None, from_state=None, to_state=None, round=None, details=None,
                 outcome="ok", ip=None, on_behalf_of=None) -> dict:
    """An entry's hashed fields except its place in the chain (seq) and time: built before any lock;
    on_behalf_of: the user a deputy acted for."""
    if organisation is None and actor is not None:
        organisation = actor.organisation
    return dict(
        action=action, outcome=outcome,
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", None),
        organisation_id=getattr(organisation, "id", None),
        organisation_name=getattr(organisation, "name", None),
        township_id=township_id if township_id is not None else getattr(revision, "township_id", None),
        revision_id=revision_id if revision_id is not None else getattr(revision, "id", None),
        target=target, from_state=from_state, to_state=to_state, round=round,
        details_text=canonical_json(details), ip=ip,
        on_behalf_of_id=getattr(on_behalf_of, "id", None), on_behalf_of_name=getattr(on_behalf_of, "username", None),
    )


def _lock_head(n: int) -> tuple[int, str]:
    """Take the head row's write lock and reserve n places; (the first seq, the previous hash)."""
    session = db.session
    if session.get(AuditHead, 1) is None:
        # the chain's first entries may be written at the same moment by several workers: the head row is
        # inserted if absent (a concurrent insert waits for the other, then does nothing), never twice
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(AuditHead).values(id=1, seq=0, hash=GENESIS)
                        .on_conflict_do_nothing(index_elements=["id"]))
    # Take the write lock on the head row first (PostgreSQL: row lock until commit;
    # SQLite: the database write lock), then read it: no other appender can interleave.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + n))
    seq, prev = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return seq - n + 1, prev


def record_event(action: str, **kw) -> AuditEvent:
    """Append one entry to the chain, in the caller's transaction (the caller commits)."""
    fields = event_fields(action, **kw)
    seq, prev = _lock_head(1)
    fields.update(seq=seq, created_at=utcnow())
    digest = entry_hash(prev, fields)
    event = AuditEvent(**fields, prev_hash=prev, hash=digest)
    db.session.add(event)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    return event


def append_events(entries: list[dict]) -> list[dict]:
    """Append many entries (from event_fields) in one short step: one head lock, one executemany.

    Meant for the end of a long piece of work (an import): its entries are built beforehand, and the
    head lock, which every audited request needs, is held only for this step and the commit after it.
    Returns the rows written (with seq and hash)."""
    if not entries:
        return []
    seq, prev = _lock_head(len(entries))
    now = utcnow()
    rows = []
    for n, fields in enumerate(entries):
        row = dict(fields, seq=seq + n, created_at=now)
        digest = entry_hash(prev, row)
        row.update(prev_hash=prev, hash=digest)
        rows.append(row)
        prev = digest
    column = {"details_text": "details"}  # attribute -> column name
    insert_rows(AuditEvent.__table__, [{column.get(k, k): v for k, v in row.items()} for row in rows])
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    return rows


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(batch: int = 20000) -> VerifyResult:
    """Walk the whole chain; report the first entry that does not verify."""
    prev, expected_seq, checked = GENESIS, 1, 0
    last_id = 0
    table = AuditEvent.__table__
    names = {"details_text": "details"}  # attribute -> column name
    columns = [table.c.id, table.c.prev_hash, table.c.hash] + [table.c[names.get(f, f)] for f in HASHED_FIELDS + DEPUTY_FIELDS]
    connection = db.session.connection()
    while True:
        # Core rows on the session's connection: a long walk must be fast and not fill the session
        rows = connection.execute(
            select(*columns).where(table.c.id > last_id).order_by(table.c.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            row_id, prev_hash, digest, seq = row[0], row[1], row[2], row[3]
            if seq != expected_seq:
                return VerifyResult(False, checked, expected_seq - 1, prev, seq,
                                    f"序号不连续：期望 {expected_seq}，实为 {seq}")
            if prev_hash != prev:
                return VerifyResult(False, checked, expected_seq - 1, prev, seq, "前序哈希不符")
            if _hash_values(prev, list(row[3:])) != digest:
                return VerifyResult(False, checked, expected_seq - 1, prev, seq, "内容哈希不符")
            prev, expected_seq, checked, last_id = digest, expected_seq + 1, checked + 1, row_id
    head_row = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head_row is not None and (head_row.seq != checked or head_row.hash != prev):
        return VerifyResult(False, checked, checked, prev, checked + 1 if head_row.seq > checked else checked,
                            "链头与最后一条记录不符（记录被删除或截断）")
    return VerifyResult(True, checked, checked, prev)


def head() -> dict:
    """The chain's latest entry (seq, hash, time): export it and keep it where the database cannot reach."""
    row = db.session.execute(select(AuditEvent.seq, AuditEvent.hash, AuditEvent.created_at)
                             .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if row is None:
        return {"seq": 0, "hash": GENESIS, "created_at": None}
    return {"seq": row.seq, "hash": row.hash, "created_at": row.created_at.isoformat(timespec="microseconds")}


def check_head(saved: dict) -> VerifyResult:
    """Verify the chain and that it still contains the exported head unchanged (no rewritten history)."""
    result = verify_chain()
    if not result.ok:
        return result
    try:
        seq, digest = int(saved["seq"]), str(saved["hash"])
    except (KeyError, TypeError, ValueError):
        return VerifyResult(False, result.checked, result.head_seq, result.head_hash, None, "导出的链头格式无效")
    if seq == 0:
        return result
    stored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if stored != digest:
        return VerifyResult(False, result.checked, result.head_seq, result.head_hash, seq,
                            f"第 {seq} 条记录与导出的链头不符：此前的记录被改写过")
    return result
