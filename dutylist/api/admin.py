"""Routes for provisioning scripts (三员分立) and deputies: organisations, accounts, roles, the department
registry, the audit log, deputyships and a revision's history. The same services and the same rules
as the administrators' pages; every refusal is a Chinese message with nothing written."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify, request
from sqlalchemy import select

from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid, NotFound
from workflow.states import EVENT_LABELS

from ..extensions import db
from ..models import AuditEvent, Delegation, DepartmentAlias, Organisation, OrgKind, User
from ..services import accounts, delegations, orgs
from ..services import departments as registry
from ..services.audit import ACTION_LABELS, record_event
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as check
from .blueprint import bp

AUDIT_PAGE = 200


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def _organisation(org_id) -> Organisation:
    return load.get(Organisation, org_id, "单位不存在")


def _user(user_id: int) -> User:
    return load.get(User, user_id, "用户不存在")


def _department(dept_id: int) -> Organisation:
    org = load.get(Organisation, dept_id, "部门不存在")
    if org.kind not in (OrgKind.department, OrgKind.office):
        raise NotFound("部门不存在")
    return org


def account_json(user: User) -> dict:
    return {**ser.user_json(user), "organisation": ser.org_json(user.organisation), "active": user.active,
            "must_change_password": user.must_change_password, "email": user.email}


def _day(data: dict, key: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"字段 {key} 应为 YYYY-MM-DD 格式的日期")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"字段 {key} 应为 YYYY-MM-DD 格式的日期") from None


# ---------------------------------------------------------------------- organisations ----
@bp.post("/admin/organisations")
@auth.token_required
def create_organisation():
    _require(perm.can_manage_organisations(g.api_user), "单位由系统管理员管理")
    data = check.body(("name", "kind", "parent_id", "short_name"))
    name = check.text(data, "name", required=True, limit=200)
    kind = check.text(data, "kind", required=True, limit=20)
    parent_id = check.integer(data.get("parent_id"), "parent_id")
    parent = _organisation(parent_id) if parent_id is not None else None
    org = orgs.add_organisation(name, kind, parent, g.api_user, check.text(data, "short_name", limit=200) or None)
    db.session.commit()
    return jsonify({**ser.org_json(org), "parent_id": org.parent_id, "path": orgs.path_text(org)}), 201


# ---------------------------------------------------------------------- accounts ----
@bp.post("/admin/users")
@auth.token_required
def create_user():
    _require(perm.can_manage_accounts(g.api_user), "账号由系统管理员创建")
    data = check.body(("username", "display_name", "organisation_id", "email"))
    username = check.text(data, "username", required=True, limit=200)
    display_name = check.text(data, "display_name", required=True, limit=200)
    org = _organisation(check.integer(data.get("organisation_id"), "organisation_id", required=True))
    user, password = accounts.create_account(username, display_name, org, g.api_user,
                                             check.text(data, "email", limit=300) or None, via="api")
    db.session.commit()
    # shown once: only its hash is stored, and the user must change it at the first sign-in
    return jsonify({**account_json(user), "temporary_password": password}), 201


@bp.put("/admin/users/<int:user_id>/role")
@auth.token_required
def assign_role(user_id: int):
    _require(perm.can_assign_roles(g.api_user), "角色由安全保密管理员分配")
    user = _user(user_id)
    data = check.body(("role",))
    if "role" not in data:
        raise Invalid("缺少字段 role（null 表示收回角色）")
    role = data["role"]
    if role is not None and not isinstance(role, str):
        raise Invalid("字段 role 应为角色名称或 null")
    accounts.assign_role(user, role, g.api_user)
    db.session.commit()
    return jsonify(account_json(user))


@bp.post("/admin/users/<int:user_id>/deactivate")
@auth.token_required
def deactivate_user(user_id: int):
    user = _user(user_id)
    check.body(())
    _require(perm.can_reset_account(g.api_user, user), "您不能停用该账号")
    accounts.deactivate(user, g.api_user)
    db.session.commit()
    return jsonify(account_json(user))


@bp.post("/admin/users/<int:user_id>/reset-password")
@auth.token_required
def reset_password(user_id: int):
    user = _user(user_id)
    check.body(())
    _require(perm.can_reset_account(g.api_user, user), "您不能重置该账号的密码")
    password = accounts.reset_password(user, g.api_user)
    db.session.commit()
    return jsonify({**account_json(user), "temporary_password": password})


# ---------------------------------------------------------------------- the department registry ----
@bp.post("/admin/departments/<int:department_id>/merge")
@auth.token_required
def merge_department(department_id: int):
    _require(perm.can_manage_organisations(g.api_user), "部门名录由系统管理员管理")
    merged = _department(department_id)
    data = check.body(("into",))
    into = _department(check.integer(data.get("into"), "into", required=True))
    plan = registry.merge_departments(merged, into, g.api_user)
    db.session.commit()
    return jsonify({"merged": ser.org_json(merged), "into": ser.org_json(into),
                    "moved": {"consultations": plan.consultations, "opinions": plan.opinions, "users": plan.users,
                              "references": plan.references, "aliases": plan.aliases},
                    "users_without_role": plan.users_losing_role})


def alias_json(alias: DepartmentAlias) -> dict:
    return {"id": alias.id, "name": alias.name, "department_id": alias.department_id}


@bp.get("/admin/departments/<int:department_id>/aliases")
@auth.token_required
def department_aliases(department_id: int):
    _require(perm.can_manage_organisations(g.api_user), "部门名录由系统管理员管理")
    department = _department(department_id)
    rows = db.session.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == department.id)
                              .order_by(DepartmentAlias.id)).all()
    return jsonify(department=ser.org_json(department), aliases=[alias_json(a) for a in rows])


@bp.post("/admin/departments/<int:department_id>/aliases")
@auth.token_required
def add_department_alias(department_id: int):
    _require(perm.can_manage_organisations(g.api_user), "部门名录由系统管理员管理")
    department = _department(department_id)
    data = check.body(("name",))
    alias = registry.add_alias(department, check.text(data, "name", required=True, limit=200), g.api_user)
    db.session.commit()
    return jsonify(alias_json(alias)), 201


@bp.delete("/admin/departments/<int:department_id>/aliases/<int:alias_id>")
@auth.token_required
def remove_department_alias(department_id: int, alias_id: int):
    _require(perm.can_manage_organisations(g.api_user), "部门名录由系统管理员管理")
    department = _department(department_id)
    alias = load.get(DepartmentAlias, alias_id, "别名不存在")
    if alias.department_id != department.id:
        raise NotFound("别名不存在")
    registry.remove_alias(alias, g.api_user)
    db.session.commit()
    return jsonify(removed=alias_id)


# ---------------------------------------------------------------------- the audit log ----
def event_json(e: AuditEvent) -> dict:
    """One entry: who (and whom a deputy acted for), what, when, on which revision."""
    return {"seq": e.seq, "created_at": ser.iso(e.created_at), "action": e.action,
            "label": {**ACTION_LABELS, **EVENT_LABELS}.get(e.action, e.action), "outcome": e.outcome,
            "actor": {"id": e.actor_id, "username": e.actor_name} if e.actor_id or e.actor_name else None,
            "on_behalf_of": ({"id": e.on_behalf_of_id, "username": e.on_behalf_of_name}
                             if e.on_behalf_of_id or e.on_behalf_of_name else None),
            "acted_by": e.acted_by, "organisation": e.organisation_name, "township_id": e.township_id,
            "revision_id": e.revision_id, "target": e.target, "from_state": e.from_state,
            "to_state": e.to_state, "round": e.round, "details": e.details, "hash": e.hash}


@bp.get("/audit")
@auth.token_required
def audit():
    """The audit log, newest first (audit administrator only): ?action=&user=&revision_id=&before_seq="""
    _require(perm.can_read_audit_log(g.api_user), "操作日志仅安全审计员可以查看")
    args = request.args
    stmt = select(AuditEvent)
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action == args["action"])
    if args.get("user"):
        stmt = stmt.where((AuditEvent.actor_name == args["user"]) | (AuditEvent.on_behalf_of_name == args["user"]))
    if args.get("revision_id") is not None:
        stmt = stmt.where(AuditEvent.revision_id == check.integer(args["revision_id"], "revision_id", from_query=True))
    if args.get("before_seq") is not None:
        stmt = stmt.where(AuditEvent.seq < check.integer(args["before_seq"], "before_seq", from_query=True))
    events = db.session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(AUDIT_PAGE + 1)).all()
    record_event("audit_view", actor=g.api_user, details={"via": "api", **{k: v for k, v in args.items() if v}})
    db.session.commit()
    page = events[:AUDIT_PAGE]
    return jsonify(events=[event_json(e) for e in page],
                   next_before_seq=page[-1].seq if len(events) > AUDIT_PAGE else None)


# ---------------------------------------------------------------------- a revision's history ----
@bp.get("/revisions/<int:revision_id>/history")
@auth.token_required
def revision_history(revision_id: int):
    """Every move and action on the revision, oldest first, each with its actor and on_behalf_of."""
    revision = load.revision(revision_id)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.revision_id == revision.id)
                                .order_by(AuditEvent.seq)).all()
    return jsonify(revision_id=revision.id, events=[
        {**event_json(e), "move": e.action in EVENT_LABELS} for e in events])


# ---------------------------------------------------------------------- deputies ----
def delegation_json(d: Delegation) -> dict:
    return {"id": d.id, "delegator": ser.user_json(d.delegator), "deputy": ser.user_json(d.deputy),
            "starts_on": ser.iso(d.starts_on), "ends_on": ser.iso(d.ends_on),
            "withdrawn_at": ser.iso(d.withdrawn_at), "state": delegations.state_label(d)}


@bp.get("/delegations")
@auth.token_required
def list_delegations():
    """The deputyships the user named, and those in which the user is the deputy today."""
    _require(perm.can_name_deputy(g.api_user), perm.DELEGATING_MESSAGE)
    return jsonify(named=[delegation_json(d) for d in delegations.mine(g.api_user)],
                   acting_for=[ser.user_json(u) for u in perm.delegators_of(g.api_user)])


@bp.post("/delegations")
@auth.token_required
def create_delegation():
    """{"deputy_id", "days"} from today, or {"deputy_id", "starts_on", "ends_on"}."""
    _require(perm.can_name_deputy(g.api_user), perm.DELEGATING_MESSAGE)
    data = check.body(("deputy_id", "days", "starts_on", "ends_on"))
    deputy_id = check.integer(data.get("deputy_id"), "deputy_id", required=True)
    deputy = db.session.get(User, deputy_id) if 0 < deputy_id <= load.MAX_ID else None
    if deputy is None:
        raise Invalid("代理人不存在")
    if "days" in data and ("starts_on" in data or "ends_on" in data):
        raise Invalid("请只给出天数（days）或起止日期（starts_on、ends_on）之一")
    if "days" in data:
        starts_on, ends_on = delegations.period(days=data["days"])
    else:
        starts_on, ends_on = delegations.period(_day(data, "starts_on"), _day(data, "ends_on"))
    d = delegations.name_deputy(g.api_user, deputy, starts_on, ends_on)
    db.session.commit()
    return jsonify(delegation_json(d)), 201


@bp.post("/delegations/<int:delegation_id>/withdraw")
@auth.token_required
def withdraw_delegation(delegation_id: int):
    check.body(())
    d = load.get(Delegation, delegation_id, "代理不存在")
    if d.delegator_id != g.api_user.id:
        raise NotFound("代理不存在")
    delegations.withdraw(d, g.api_user)
    db.session.commit()
    return jsonify(delegation_json(d))


@bp.put("/revisions/<int:revision_id>/consultations/<int:consultation_id>/assignee")
@auth.token_required
def reassign_consultation(revision_id: int, consultation_id: int):
    """The county office gives a department's pending consultation to one of its reviewers
    ({"assignee_id": id}; null: back to any of them)."""
    revision = load.revision(revision_id)
    data = check.body(("assignee_id",))
    if "assignee_id" not in data:
        raise Invalid("缺少字段 assignee_id（null 表示交回本部门任一审核人）")
    assignee_id = check.integer(data["assignee_id"], "assignee_id")
    c = ops.reassign_consultation(revision, g.api_user, consultation_id, assignee_id)
    db.session.commit()
    return jsonify(ser.consultation_json(c))
