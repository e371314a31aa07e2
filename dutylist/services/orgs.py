"""The organisation tree, as the system administrator keeps it: add, rename, move, close, reopen.

Every change is checked first (refusals in Chinese, nothing written), then made and audited with the
actor. Closing keeps the row: versions, opinions and the audit log still name it; it only leaves the
pickers, the registries and the home page. An office or department renamed keeps its old name as an
alias of its county's registry, so the lists that wrote it that way still find it.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from workflow.errors import Conflict, Invalid

from ..extensions import db
from ..models import ORG_KIND_LABELS, PARENT_KIND, Consultation, DepartmentAlias, Organisation, OrgKind, Revision, User
from ..models.base import utcnow
from . import departments as registry
from .audit import record_event

NAME_MAX = 100
SHORT_MAX = 50
#: the separators a path of organisations may be written with (昌吉回族自治州/吉木萨尔县/大有镇)
_PATH_SEPARATORS = re.compile(r"\s*[/／>＞\\|]\s*|\s+")


def child_kinds(parent: Organisation | None) -> list[OrgKind]:
    """The kinds of organisation that hang under `parent` (a region under nothing)."""
    kind = OrgKind(parent.kind) if parent is not None else None
    return [k for k, p in PARENT_KIND.items() if p == kind]


def _clean(name: str | None, what: str, limit: int, required: bool = True) -> str | None:
    name = re.sub(r"\s+", "", name or "")
    if not name:
        if required:
            raise Invalid(f"请填写{what}")
        return None
    if len(name) > limit:
        raise Invalid(f"{what}不能超过 {limit} 个字")
    return name


def _check_name(name: str, kind: OrgKind, parent: Organisation | None, own: Organisation | None = None) -> None:
    """No two organisations of one parent share a name; no two bodies of a county share a registry key;
    a county has one open office."""
    same = db.session.scalar(select(Organisation).where(
        Organisation.parent_id == (parent.id if parent is not None else None), Organisation.name == name,
        Organisation.id != (own.id if own is not None else -1)))
    if same is not None:
        where = f"“{parent.name}”下" if parent is not None else ""
        closed = "（已撤销，可重新启用）" if same.closed_at is not None else ""
        raise Conflict(f"{where}已有名为“{name}”的{same.kind_label}{closed}")
    if kind in registry.BODY_KINDS and parent is not None:
        key = registry.department_key(name, parent)
        for body in registry.bodies(parent):
            if (own is None or body.id != own.id) and registry.department_key(body.name, parent) == key:
                raise Conflict(f"与本县已有的“{body.name}”是同一名称（按县内简称比较）")
        alias = db.session.scalar(select(DepartmentAlias).where(DepartmentAlias.county_id == parent.id,
                                                                DepartmentAlias.key == key))
        if alias is not None and (own is None or alias.department_id != own.id):
            target = alias.department.name if alias.department is not None else "“不是部门”"
            raise Conflict(f"名称“{alias.name}”已在部门名录中对应到{target}；请先删除该别名")
    if kind == OrgKind.office and parent is not None:
        office = next((b for b in registry.bodies(parent, kinds=(OrgKind.office,))
                       if own is None or b.id != own.id), None)
        if office is not None:
            raise Conflict(f"本县已有县委编办“{office.name}”；如需由另一单位担任，请在部门名录中“设为县委编办”")


def _check_parent(kind: OrgKind, parent: Organisation | None) -> None:
    expected = PARENT_KIND[kind]
    if expected is None:
        if parent is not None:
            raise Invalid("自治区是最上级单位，不能有上级")
        return
    if parent is None or parent.kind != expected:
        raise Invalid(f"{ORG_KIND_LABELS[kind]}的上级应为{ORG_KIND_LABELS[expected]}")
    if parent.closed_at is not None:
        raise Conflict(f"“{parent.name}”已撤销，不能在其下添加或移入单位")


def add_organisation(name: str, kind: str, parent: Organisation | None, actor, short_name: str | None = None
                     ) -> Organisation:
    try:
        kind = OrgKind(kind)
    except ValueError:
        raise Invalid("单位类型无效") from None
    name = _clean(name, "名称", NAME_MAX)
    short_name = _clean(short_name, "简称", SHORT_MAX, required=False)
    _check_parent(kind, parent)
    _check_name(name, kind, parent)
    org = Organisation(name=name, kind=kind.value, parent=parent, short_name=short_name, updated_at=utcnow())
    db.session.add(org)
    db.session.flush()
    linked = registry.relink(parent) if kind in registry.BODY_KINDS else 0
    record_event("organisation_create", actor=actor, target=f"organisation:{org.id}",
                 details={"name": name, "kind": kind.value, "parent": parent.name if parent else None,
                          **({"linked": linked} if linked else {})})
    return org


def rename_organisation(org: Organisation, name: str, actor, short_name: str | None = None) -> None:
    name = _clean(name, "名称", NAME_MAX)
    short_name = _clean(short_name, "简称", SHORT_MAX, required=False)
    if name == org.name and short_name == org.short_name:
        raise Invalid("名称和简称都没有变化")
    old, old_short = org.name, org.short_name
    if name != old:
        _check_name(name, OrgKind(org.kind), org.parent, own=org)
    org.name, org.short_name, org.updated_at = name, short_name, utcnow()
    county = org.parent
    if org.kind in registry.BODY_KINDS and name != old:
        old_key = registry.department_key(old, county)
        if old_key != registry.department_key(name, county) and db.session.scalar(select(DepartmentAlias.id).where(
                DepartmentAlias.county_id == county.id, DepartmentAlias.key == old_key)) is None:
            # the lists wrote the old name: it keeps naming this body
            db.session.add(DepartmentAlias(county_id=county.id, key=old_key, name=old, department_id=org.id))
    db.session.flush()
    record_event("organisation_rename", actor=actor, target=f"organisation:{org.id}",
                 details={"kind": org.kind, "old": old, "new": name, "old_short": old_short, "new_short": short_name})


def _open_revision_of_township(org: Organisation) -> Revision | None:
    return Revision.open_of(org.id) if org.kind == OrgKind.township else None


def _open_consultations(org: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(Consultation).join(Revision).where(
        Consultation.department_id == org.id, Revision.is_open_clause())) or 0


def move_organisation(org: Organisation, parent: Organisation, actor) -> None:
    """Hang the organisation under another parent of the right kind (a township to another county…)."""
    kind = OrgKind(org.kind)
    if org.closed_at is not None:
        raise Conflict("已撤销的单位不能调整上级")
    if parent is None or parent.id == org.parent_id:
        raise Invalid("请选择新的上级单位")
    _check_parent(kind, parent)
    if _open_revision_of_township(org) is not None:
        raise Conflict(f"“{org.name}”有进行中的修订稿：请在发布或撤回后再调整其上级")
    if kind in registry.BODY_KINDS and _open_consultations(org):
        raise Conflict(f"“{org.name}”正在进行中的修订稿中被征求意见：请在该修订稿结束后再调整")
    _check_name(org.name, kind, parent, own=org)
    own_aliases = []
    if kind in registry.BODY_KINDS:
        # its aliases go with it, written for the new county
        own_aliases = db.session.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == org.id)).all()
        for alias in own_aliases:
            key = registry.department_key(alias.name, parent)
            if db.session.scalar(select(DepartmentAlias.id).where(DepartmentAlias.county_id == parent.id,
                                                                  DepartmentAlias.key == key)):
                raise Conflict(f"“{parent.name}”的部门名录中已有别名“{alias.name}”")
    old = org.parent
    for alias in own_aliases:
        alias.county_id, alias.key = parent.id, registry.department_key(alias.name, parent)
    org.parent, org.updated_at = parent, utcnow()
    db.session.flush()
    record_event("organisation_move", actor=actor, target=f"organisation:{org.id}",
                 details={"name": org.name, "kind": org.kind, "from": old.name if old else None, "to": parent.name})


def close_problems(org: Organisation) -> list[str]:
    """Why the organisation may not be closed now ([]: it may)."""
    problems = []
    children = db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.parent_id == org.id, Organisation.closed_at.is_(None))) or 0
    if children:
        problems.append(f"其下还有 {children} 个未撤销的单位，请先撤销或移走它们")
    users = db.session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == org.id, User.active.is_(True))) or 0
    if users:
        problems.append(f"还有 {users} 个启用的账号属于该单位，请先停用或调整它们")
    if _open_revision_of_township(org) is not None:
        problems.append("该乡镇有进行中的修订稿")
    if org.kind in registry.BODY_KINDS and _open_consultations(org):
        problems.append("该部门正在进行中的修订稿中被征求意见")
    return problems


def close_organisation(org: Organisation, actor) -> None:
    """Close (撤销): hidden from pickers, registries and the home page; its history still reads."""
    if org.closed_at is not None:
        raise Conflict(f"“{org.name}”已撤销")
    problems = close_problems(org)
    if problems:
        raise Conflict(f"“{org.name}”暂不能撤销：" + "；".join(problems))
    org.closed_at = org.updated_at = utcnow()
    db.session.flush()
    record_event("organisation_close", actor=actor, target=f"organisation:{org.id}",
                 details={"name": org.name, "kind": org.kind, "parent": org.parent.name if org.parent else None})


def reopen_organisation(org: Organisation, actor) -> None:
    if org.closed_at is None:
        raise Conflict(f"“{org.name}”未撤销")
    if org.parent is not None and org.parent.closed_at is not None:
        raise Conflict(f"上级单位“{org.parent.name}”已撤销，请先重新启用上级")
    if org.kind in registry.BODY_KINDS:
        county = org.parent
        key = registry.department_key(org.name, county)
        taken = registry.registry(county).get(key)
        if taken is not None:
            raise Conflict(f"该名称现已对应到“{taken.name}”（合并时保留的别名或同名部门），不能重新启用")
        _check_name(org.name, OrgKind(org.kind), county, own=org)
    org.closed_at, org.updated_at = None, utcnow()
    db.session.flush()
    record_event("organisation_reopen", actor=actor, target=f"organisation:{org.id}",
                 details={"name": org.name, "kind": org.kind})


# ------------------------------------------------------------------ finding organisations ----
def path_names(org: Organisation) -> list[str]:
    """Names from the region down to the organisation."""
    names = []
    while org is not None:
        names.append(org.name)
        org = org.parent
    return names[::-1]


def path_text(org: Organisation) -> str:
    """昌吉回族自治州/吉木萨尔县/大有镇: the organisation's path below the region (the region alone by name)."""
    names = path_names(org)
    return "/".join(names[1:] if len(names) > 1 else names)


def find_organisation(text: str) -> tuple[Organisation | None, str | None]:
    """The one open organisation a person wrote: its name if unique, its full name (昌吉回族自治州
    吉木萨尔县大有镇) or a path (昌吉回族自治州/吉木萨尔县/大有镇, with or without the region).
    (organisation, None) or (None, the problem in Chinese)."""
    text = (text or "").strip()
    if not text:
        return None, "单位为空"
    if len(text) > 400:
        return None, "单位名称过长"
    parts = [p for p in _PATH_SEPARATORS.split(text) if p]
    joined = "".join(parts)
    # candidates: open organisations whose name ends the text
    suffixes = {joined[i:] for i in range(len(joined)) if len(joined) - i <= NAME_MAX}
    candidates = db.session.scalars(select(Organisation).where(Organisation.name.in_(suffixes),
                                                               Organisation.closed_at.is_(None))).all()
    found = []
    for org in candidates:
        names = path_names(org)
        if len(parts) > 1:
            ok = names[-len(parts):] == parts
        else:
            ok = joined in (org.name, "".join(names), "".join(names[1:]))
        if ok:
            found.append(org)
    if not found:
        return None, f"找不到单位“{text}”（已撤销的单位不能选择）"
    if len(found) > 1:
        examples = "、".join(path_text(o) for o in found[:3])
        return None, f"单位“{text}”不唯一，请写出上级，例如：{examples}"
    return found[0], None


def tree_children(org: Organisation | None, include_closed: bool = False) -> list[Organisation]:
    stmt = select(Organisation).where(Organisation.parent_id == (org.id if org is not None else None))
    if not include_closed:
        stmt = stmt.where(Organisation.closed_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Organisation.kind, Organisation.id)))


def parent_choices(org: Organisation) -> list[Organisation]:
    """The open organisations `org` may move under (the kind its kind hangs under), its own parent excluded."""
    kind = PARENT_KIND[OrgKind(org.kind)]
    if kind is None:
        return []
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == kind, Organisation.closed_at.is_(None), Organisation.id != org.parent_id)
        .order_by(Organisation.parent_id, Organisation.id)))
