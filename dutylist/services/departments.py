"""The department registry of a county: resolving the names items use to organisations.

A county's registry holds its open (not closed) office and departments, each under the key of its
own name, and the county's aliases: other ways its lists write a body (县残联 for 县残疾人联合会,
a name with a bracketed second name), each a DepartmentAlias row. `resolve` honours both; merging
two departments keeps the merged name as an alias, so every way a list writes it still finds the one
that remains. Names known to be no department (OCR fragments) are aliases to nothing: they resolve to
nothing and are no longer listed as unmatched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from workflow.errors import Conflict, Invalid

from ..extensions import db
from ..items import looks_like_department, named_departments
from ..models import (
    ROLE_ORG_KIND,
    Consultation,
    ContentDepartment,
    DepartmentAlias,
    DraftItem,
    ItemContent,
    Opinion,
    OpinionReply,
    Organisation,
    OrgKind,
    Revision,
    User,
)
from ..models.base import utcnow
from .audit import record_event

BODY_KINDS = (OrgKind.office, OrgKind.department)
#: full-width and half-width brackets name the same thing: 自然资源局（林业和草原局） = 自然资源局(林业和草原局)
_WIDTHS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]"})
_SPACES = re.compile(r"\s+")


def county_prefixes(county: Organisation) -> list[str]:
    names = [county.name] + ([county.short_name] if county.short_name else [])
    return sorted({n for n in names if n}, key=len, reverse=True)


def department_key(name: str, county: Organisation) -> str:
    """吉木萨尔县民政局 and 县民政局 have the same key within 吉木萨尔县 (spaces and bracket widths
    do not count). Pure: aliases are the registry's business."""
    name = _SPACES.sub("", name).translate(_WIDTHS)
    for prefix in county_prefixes(county):
        if name.startswith(prefix):
            return "县" + name[len(prefix):]
    return name


def bodies(county: Organisation, *, kinds=BODY_KINDS) -> list[Organisation]:
    """The county's open office and departments, in the order they were registered."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.parent_id == county.id, Organisation.kind.in_(list(kinds)),
                                   Organisation.closed_at.is_(None)).order_by(Organisation.id)))


def departments(county: Organisation) -> list[Organisation]:
    """The county's open departments (whom a county office may consult)."""
    return bodies(county, kinds=(OrgKind.department,))


def aliases(county: Organisation) -> list[DepartmentAlias]:
    return list(db.session.scalars(select(DepartmentAlias).where(DepartmentAlias.county_id == county.id)
                                   .order_by(DepartmentAlias.id)))


def registry(county: Organisation) -> dict[str, Organisation]:
    """key -> organisation, for the county's open office and departments and the aliases that name them
    (a body's own name wins over an alias of the same key)."""
    reg = {department_key(b.name, county): b for b in bodies(county)}
    for alias in aliases(county):
        dept = alias.department
        if dept is not None and dept.closed_at is None:
            reg.setdefault(alias.key, dept)
    return reg


def ignored_keys(county: Organisation) -> set[str]:
    """Keys of names marked as no department."""
    return set(db.session.scalars(select(DepartmentAlias.key).where(
        DepartmentAlias.county_id == county.id, DepartmentAlias.department_id.is_(None))))


def resolve(county: Organisation, name: str, reg: dict | None = None) -> Organisation | None:
    reg = registry(county) if reg is None else reg
    return reg.get(department_key(name, county))


def ensure_department(county: Organisation, name: str, reg: dict | None = None) -> Organisation | None:
    """The registered body of that name (or alias), created if the name looks like a department and
    is not known to be none."""
    reg = registry(county) if reg is None else reg
    key = department_key(name, county)
    found = reg.get(key)
    if found is not None or not looks_like_department(name) or key in ignored_keys(county):
        return found
    clean = re.sub(r"\s+", "", name)
    if db.session.scalar(select(Organisation.id).where(Organisation.parent_id == county.id,
                                                       Organisation.name == clean)) is not None:
        return None  # a closed body of that name: the name stays unmatched until someone maps it
    dept = Organisation(name=clean, kind=OrgKind.department, parent=county)
    db.session.add(dept)
    reg[key] = dept
    return dept


def county_of(body: Organisation) -> Organisation:
    county = body.parent
    if county is None or county.kind != OrgKind.county or body.kind not in BODY_KINDS:
        raise Invalid("只有县委编办和县直部门属于部门名录")
    return county


# ------------------------------------------------------------------ item references ----
def _county_contents(county: Organisation):
    """ids of the item contents of the county's townships (every version's)."""
    towns = select(Organisation.id).where(Organisation.parent_id == county.id, Organisation.kind == OrgKind.township)
    return select(ItemContent.id).where(ItemContent.township_id.in_(towns))


def relink(county: Organisation) -> int:
    """Fill the county's unresolved item references (ContentDepartment without a department) that the
    registry resolves now; returns how many. Published contents never change: their links to the
    registry are references, filled and repointed as the registry learns."""
    reg = registry(county)
    rows = db.session.scalars(select(ContentDepartment).where(
        ContentDepartment.department_id.is_(None), ContentDepartment.content_id.in_(_county_contents(county)))).all()
    n = 0
    for row in rows:
        org = reg.get(department_key(row.name, county))
        if org is not None:
            row.department_id = org.id
            n += 1
    return n


@dataclass
class Unmatched:
    """A department name found in the county's lists that the registry does not resolve."""

    key: str
    names: list[str] = field(default_factory=list)  #: every way it is written
    references: int = 0  #: item texts of published versions that name it
    drafts: int = 0  #: items of open drafts that name it
    townships: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.names[0]


def unmatched_names(county: Organisation) -> list[Unmatched]:
    """Names the county's lists use that match no department: in published versions (references
    without a department) and in the items of open drafts; less those marked as no department.
    Most used first."""
    reg = registry(county)
    skip = ignored_keys(county)
    found: dict[str, Unmatched] = {}

    def note(name: str, township: str, draft: bool):
        key = department_key(name, county)
        if not key or key in reg or key in skip:
            return
        entry = found.setdefault(key, Unmatched(key))
        if name not in entry.names:
            entry.names.append(name)
        entry.townships.add(township)
        if draft:
            entry.drafts += 1
        else:
            entry.references += 1

    town = Organisation
    published = db.session.execute(
        select(ContentDepartment.name, town.name).join(ItemContent, ItemContent.id == ContentDepartment.content_id)
        .join(town, town.id == ItemContent.township_id)
        .where(ContentDepartment.department_id.is_(None), town.parent_id == county.id, town.kind == OrgKind.township)
        .order_by(ContentDepartment.content_id, ContentDepartment.position)).all()
    for name, township in published:
        note(name, township, False)
    drafted = db.session.execute(
        select(DraftItem, town.name).join(Revision, Revision.id == DraftItem.revision_id)
        .join(town, town.id == Revision.township_id)
        .where(town.parent_id == county.id, Revision.is_open_clause(), DraftItem.deleted.is_(False))).all()
    for item, township in drafted:
        for name in named_departments(item.fields()):
            note(name, township, True)
    return sorted(found.values(), key=lambda u: (-(u.references + u.drafts), u.key))


# ------------------------------------------------------------------ changing the registry ----
def _check_alias_key(county: Organisation, key: str, department: Organisation | None) -> None:
    own = {department_key(b.name, county): b for b in bodies(county)}
    if key in own and (department is None or own[key].id != department.id):
        raise Conflict(f"“{own[key].name}”本身就是本县的部门；如是同一部门，请合并两个部门")
    existing = db.session.scalar(select(DepartmentAlias).where(DepartmentAlias.county_id == county.id,
                                                               DepartmentAlias.key == key))
    if existing is not None:
        target = existing.department.name if existing.department is not None else "“不是部门”"
        raise Conflict(f"名称“{existing.name}”已对应到{target}")


def add_alias(department: Organisation, name: str, actor) -> DepartmentAlias:
    """Another way the county's lists write this body; the references it names are linked."""
    county = county_of(department)
    name = re.sub(r"\s+", "", name or "")
    if not name:
        raise Invalid("请填写别名")
    if len(name) > 100:
        raise Invalid("别名不能超过 100 个字")
    if department.closed_at is not None:
        raise Conflict("该部门已撤销，不能再添加别名")
    key = department_key(name, county)
    if key == department_key(department.name, county):
        raise Invalid(f"“{name}”与部门名称本身相同（按县内简称比较），无需添加别名")
    _check_alias_key(county, key, department)
    alias = DepartmentAlias(county_id=county.id, key=key, name=name, department_id=department.id)
    db.session.add(alias)
    db.session.flush()
    linked = relink(county)
    record_event("department_alias_add", actor=actor, target=f"organisation:{department.id}",
                 details={"county": county.name, "department": department.name, "alias": name, "linked": linked})
    return alias


def remove_alias(alias: DepartmentAlias, actor) -> None:
    """Forget an alias (references already linked through it stay linked)."""
    county = alias.county
    record_event("department_alias_remove", actor=actor, target=f"organisation:{alias.department_id or county.id}",
                 details={"county": county.name, "alias": alias.name,
                          "department": alias.department.name if alias.department is not None else None})
    db.session.delete(alias)


def map_name(county: Organisation, name: str, department: Organisation | None, actor) -> DepartmentAlias:
    """An unmatched name found in the lists is another name of `department` (None: it is no department
    at all); the references that use it are linked, and suggestions find the department by it."""
    if department is None:
        name = re.sub(r"\s+", "", name or "")
        if not name or len(name) > 100:
            raise Invalid("名称为空或超过 100 个字")
        key = department_key(name, county)
        _check_alias_key(county, key, None)
        alias = DepartmentAlias(county_id=county.id, key=key, name=name, department_id=None)
        db.session.add(alias)
        record_event("department_name_ignore", actor=actor, target=f"organisation:{county.id}",
                     details={"county": county.name, "name": name})
        return alias
    if department.parent_id != county.id or department.kind not in BODY_KINDS:
        raise Invalid("请选择本县的部门")
    return add_alias(department, name, actor)


def add_named_department(county: Organisation, name: str, actor) -> Organisation:
    """Register an unmatched name as a new department of the county (it was a real one)."""
    name = re.sub(r"\s+", "", name or "")
    if not name or len(name) > 100:
        raise Invalid("部门名称为空或超过 100 个字")
    key = department_key(name, county)
    _check_alias_key(county, key, None)
    if db.session.scalar(select(Organisation.id).where(Organisation.parent_id == county.id,
                                                       Organisation.name == name)) is not None:
        raise Conflict(f"本县已有名为“{name}”的单位（可能已撤销，可在机构管理中重新启用）")
    dept = Organisation(name=name, kind=OrgKind.department, parent=county, updated_at=utcnow())
    db.session.add(dept)
    db.session.flush()
    linked = relink(county)
    record_event("organisation_create", actor=actor, target=f"organisation:{dept.id}",
                 details={"name": name, "kind": OrgKind.department.value, "parent": county.name,
                          "via": "unmatched_names", "linked": linked})
    return dept


@dataclass
class MergePlan:
    """What merging one body into another moves (shown before it is done, audited after)."""

    consultations: int
    opinions: int
    users: int
    references: int
    aliases: int
    users_losing_role: list[str]


def _open_revisions_consulting_both(merged: Organisation, into: Organisation) -> list[Revision]:
    both = select(Consultation.revision_id).where(Consultation.department_id == into.id)
    return list(db.session.scalars(
        select(Revision).join(Consultation, Consultation.revision_id == Revision.id)
        .where(Consultation.department_id == merged.id, Consultation.revision_id.in_(both),
               Revision.is_open_clause())))


def role_fits(user: User, kind: str) -> bool:
    """Whether the user's role may sit in an organisation of that kind (no role, an administrator's: any)."""
    expected = ROLE_ORG_KIND.get(user.role)
    return expected is None or expected == kind


def check_merge(merged: Organisation, into: Organisation) -> MergePlan:
    """What merging `merged` into `into` would move; Invalid or Conflict (in Chinese) if it may not."""
    county = county_of(merged)
    if into.parent_id != county.id or into.kind not in BODY_KINDS:
        raise Invalid("只能合并到同一县的县委编办或县直部门")
    if merged.id == into.id:
        raise Invalid("不能把部门合并到它自己")
    if merged.closed_at is not None or into.closed_at is not None:
        raise Conflict("已撤销的部门不能合并")
    if merged.kind == OrgKind.office and into.kind != OrgKind.office:
        raise Invalid("县委编办不能并入县直部门；如要改由另一单位担任县委编办，请使用“设为县委编办”")
    if db.session.scalar(select(Organisation.id).where(Organisation.parent_id == merged.id).limit(1)):
        raise Conflict(f"“{merged.name}”下还有单位，不能合并")
    clash = _open_revisions_consulting_both(merged, into)
    if clash:
        names = "、".join(r.township.name for r in clash)
        raise Conflict(f"两个部门都在进行中的修订稿（{names}）中被征求意见：请在该修订稿结束后再合并")
    users = db.session.scalars(select(User).where(User.organisation_id == merged.id)).all()
    return MergePlan(
        consultations=db.session.scalar(select(func.count()).select_from(Consultation)
                                        .where(Consultation.department_id == merged.id)) or 0,
        opinions=db.session.scalar(select(func.count()).select_from(Opinion)
                                   .where(Opinion.organisation_id == merged.id)) or 0,
        users=len(users),
        references=db.session.scalar(select(func.count()).select_from(ContentDepartment)
                                     .where(ContentDepartment.department_id == merged.id)) or 0,
        aliases=db.session.scalar(select(func.count()).select_from(DepartmentAlias)
                                  .where(DepartmentAlias.department_id == merged.id)) or 0,
        users_losing_role=[u.username for u in users if not role_fits(u, into.kind)])


def merge_departments(merged: Organisation, into: Organisation, actor) -> MergePlan:
    """One body of the county where there were two: `merged`'s consultations, opinions, users, item
    references and aliases move to `into`; its name stays as an alias of `into`; it is closed (its name
    still reads in history). A user whose role does not fit `into` (a department's reviewer moved to
    the county office) is left without a role, for the security administrator to give one. Audited
    with both names."""
    plan = check_merge(merged, into)
    county = county_of(merged)
    # consultations: where `into` was consulted on the same (closed) revision too, the merged one's
    # stays with the closed body as history (one consultation per revision and department)
    both = select(Consultation.revision_id).where(Consultation.department_id == into.id)
    db.session.execute(update(Consultation).where(Consultation.department_id == merged.id,
                                                  Consultation.revision_id.not_in(both))
                       .values(department_id=into.id).execution_options(synchronize_session="fetch"))
    for model in (Opinion, OpinionReply):
        db.session.execute(update(model).where(model.organisation_id == merged.id).values(organisation_id=into.id)
                           .execution_options(synchronize_session="fetch"))
    db.session.execute(update(ContentDepartment).where(ContentDepartment.department_id == merged.id)
                       .values(department_id=into.id).execution_options(synchronize_session="fetch"))
    db.session.execute(update(DepartmentAlias).where(DepartmentAlias.department_id == merged.id)
                       .values(department_id=into.id).execution_options(synchronize_session="fetch"))
    for user in db.session.scalars(select(User).where(User.organisation_id == merged.id)).all():
        user.organisation_id = into.id
        if not role_fits(user, into.kind):
            user.role = None
    key = department_key(merged.name, county)
    if key != department_key(into.name, county) and db.session.scalar(select(DepartmentAlias.id).where(
            DepartmentAlias.county_id == county.id, DepartmentAlias.key == key)) is None:
        db.session.add(DepartmentAlias(county_id=county.id, key=key, name=merged.name, department_id=into.id))
    merged.closed_at = merged.updated_at = utcnow()
    db.session.flush()
    linked = relink(county)
    record_event("department_merge", actor=actor, target=f"organisation:{into.id}", details={
        "county": county.name, "merged": merged.name, "merged_id": merged.id, "into": into.name, "into_id": into.id,
        "consultations": plan.consultations, "opinions": plan.opinions, "users": plan.users,
        "references": plan.references + linked, "users_without_role": plan.users_losing_role})
    return plan


def set_county_office(body: Organisation, actor) -> list[str]:
    """Make `body` the county's office (县委编办): a body the lists named as a department (县委机构编制
    委员会办公室) becomes the office, and the office there was is merged into it (its users, its name as
    an alias). Returns the names merged in."""
    county = county_of(body)
    if body.closed_at is not None:
        raise Conflict("已撤销的单位不能设为县委编办")
    if body.kind == OrgKind.office:
        raise Conflict(f"“{body.name}”已是本县的县委编办")
    pending = db.session.scalar(select(func.count()).select_from(Consultation).join(Revision).where(
        Consultation.department_id == body.id, Revision.is_open_clause()))
    if pending:
        raise Conflict(f"“{body.name}”正在进行中的修订稿中被征求意见，请在该修订稿结束后再设为县委编办")
    offices = bodies(county, kinds=(OrgKind.office,))
    body.kind = OrgKind.office.value
    body.updated_at = utcnow()
    lost = []
    for user in db.session.scalars(select(User).where(User.organisation_id == body.id)).all():
        if not role_fits(user, OrgKind.office):
            user.role = None
            lost.append(user.username)
    db.session.flush()
    merged = []
    for office in offices:
        merge_departments(office, body, actor)
        merged.append(office.name)
    record_event("county_office_set", actor=actor, target=f"organisation:{body.id}", details={
        "county": county.name, "office": body.name, "merged": merged, "users_without_role": lost})
    return merged


def references_of(department: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(ContentDepartment)
                             .where(ContentDepartment.department_id == department.id)) or 0


def registry_rows(county: Organisation) -> list[dict]:
    """The registry page's rows: each open body with its aliases, users and item references."""
    rows = []
    alias_rows = aliases(county)
    user_counts = dict(db.session.execute(
        select(User.organisation_id, func.count()).join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.parent_id == county.id, User.active.is_(True)).group_by(User.organisation_id)).all())
    ref_counts = dict(db.session.execute(
        select(ContentDepartment.department_id, func.count())
        .join(Organisation, Organisation.id == ContentDepartment.department_id)
        .where(Organisation.parent_id == county.id).group_by(ContentDepartment.department_id)).all())
    for body in bodies(county):
        rows.append({"body": body, "aliases": [a for a in alias_rows if a.department_id == body.id],
                     "users": user_counts.get(body.id, 0), "references": ref_counts.get(body.id, 0)})
    return rows


