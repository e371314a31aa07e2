"""Organisations (a tree: region > prefecture > county > township / county bodies) and users."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, false, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import utcnow


class OrgKind(StrEnum):
    region = "region"
    prefecture = "prefecture"
    county = "county"
    township = "township"
    office = "office"  #: 县委编办, the county establishment office
    department = "department"  #: 县直部门, e.g. 县民政局


ORG_KIND_LABELS = {
    OrgKind.region: "自治区", OrgKind.prefecture: "州", OrgKind.county: "县",
    OrgKind.township: "乡镇", OrgKind.office: "县委编办", OrgKind.department: "县直部门",
}

#: What each level is called, by the ending of a place's name (most specific first): a level is one of
#: the four kinds, and each place carries its own name for it (省 or 自治区 or 直辖市; 市, 州, 盟 or 地区;
#: 县, 区, 县级市 or 旗; 乡, 镇, 街道 or 苏木).
LEVEL_SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    OrgKind.region: (("特别行政区", "特别行政区"), ("自治区", "自治区"), ("省", "省"), ("市", "直辖市")),
    OrgKind.prefecture: (("自治州", "州"), ("州", "州"), ("地区", "地区"), ("盟", "盟"), ("市", "市")),
    OrgKind.county: (("自治县", "县"), ("县", "县"), ("自治旗", "旗"), ("旗", "旗"), ("林区", "林区"),
                     ("特区", "特区"), ("市", "县级市"), ("区", "区")),
    OrgKind.township: (("街道办事处", "街道"), ("街道", "街道"), ("民族乡", "乡"), ("乡", "乡"), ("镇", "镇"),
                       ("苏木", "苏木")),
}
#: The establishment office (编办) of a place, by its level name: 县委编办, 区委编办, 市委编办, 州编办…
OFFICE_LABELS = {
    "省": "省委编办", "自治区": "自治区编办", "直辖市": "市委编办", "特别行政区": "编制管理部门",
    "市": "市委编办", "州": "州编办", "盟": "盟委编办", "地区": "地委编办",
    "县": "县委编办", "区": "区委编办", "县级市": "市委编办", "旗": "旗委编办", "林区": "林区编办", "特区": "特区编办",
}
#: What a county-level place's own departments are called: 县直部门, 区直部门, 市直部门, 旗直部门
DEPARTMENT_LABELS = {"县": "县直部门", "区": "区直部门", "县级市": "市直部门", "旗": "旗直部门", "林区": "林区直部门",
                     "特区": "特区直部门"}


def level_name_of(name: str, kind: str) -> str | None:
    """The level name a place's name ends with (铁岭市 as a prefecture: 市; 清河区: 区; 红旗街道: 街道)."""
    for suffix, level in LEVEL_SUFFIXES.get(kind, ()):
        if (name or "").endswith(suffix):
            return level
    return None


#: The kind of parent each kind of organisation hangs under.
PARENT_KIND = {
    OrgKind.region: None, OrgKind.prefecture: OrgKind.region, OrgKind.county: OrgKind.prefecture,
    OrgKind.township: OrgKind.county, OrgKind.office: OrgKind.county, OrgKind.department: OrgKind.county,
}


class Role(StrEnum):
    township_drafter = "township_drafter"
    county_office = "county_office"
    county_department = "county_department"
    prefecture_reviewer = "prefecture_reviewer"
    region_reviewer = "region_reviewer"
    #: the county 司法局's legality reviewer (合法性审查), on a county department
    legality_reviewer = "legality_reviewer"
    #: 三员分立: organisations, accounts, configuration
    system_admin = "system_admin"
    #: roles, security policy, unlocking, ending sessions and revoking tokens
    security_admin = "security_admin"
    #: reads and verifies the audit log, exports its head
    audit_admin = "audit_admin"


ROLE_LABELS = {
    Role.township_drafter: "乡镇起草人", Role.county_office: "县委编办审核人",
    Role.county_department: "县直部门审核人", Role.prefecture_reviewer: "州编办审核人",
    Role.region_reviewer: "自治区编办审核人", Role.legality_reviewer: "司法局合法性审查人",
    Role.system_admin: "系统管理员",
    Role.security_admin: "安全保密管理员", Role.audit_admin: "安全审计员",
}
#: how an account without a role yet reads (it may do nothing until the security administrator gives one)
NO_ROLE_LABEL = "未分配角色"
#: the three administrators (三员): each account holds at most one of them, and takes part in no review
ADMIN_ROLES = (Role.system_admin, Role.security_admin, Role.audit_admin)

#: Which kind of organisation a role belongs to (the administrators: any).
ROLE_ORG_KIND = {
    Role.township_drafter: OrgKind.township, Role.county_office: OrgKind.office,
    Role.county_department: OrgKind.department, Role.prefecture_reviewer: OrgKind.prefecture,
    Role.region_reviewer: OrgKind.region, Role.legality_reviewer: OrgKind.department,
}


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        # the open places of a kind under their parents, read from the index alone (the home page counts
        # 40,000 townships per county this way: services/places.py)
        Index("ix_organisation_open_kind_parent", "kind", "parent_id", "id",
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the short form used in titles, e.g. 昌吉州 for 昌吉回族自治州
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: what this place's level is called (省/自治区/直辖市, 市/州/盟/地区, 县/区/县级市/旗, 乡/镇/街道/苏木);
    #: NULL: read from the name's ending (level_name_of)
    level_name: Mapped[str | None] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: set when the organisation is closed (撤销): hidden from pickers and registries, kept in history
    closed_at: Mapped[datetime | None]
    #: the last rename, move, close or reopening (the home page's cached places follow it)
    updated_at: Mapped[datetime | None] = mapped_column(index=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.id")

    def __repr__(self):
        return f"<Organisation {self.kind} {self.name}>"

    @property
    def level(self) -> str | None:
        """What this place's level is called: its own level name, else the one its name ends with."""
        return self.level_name or level_name_of(self.name, self.kind)

    @property
    def kind_label(self) -> str:
        """市 for a prefecture-level city, 区 for a district, 街道 for a sub-district…; the kind's label otherwise."""
        if self.kind in (OrgKind.office, OrgKind.department) and self.parent is not None:
            level = self.parent.level
            table = OFFICE_LABELS if self.kind == OrgKind.office else DEPARTMENT_LABELS
            return table.get(level or "", ORG_KIND_LABELS[OrgKind(self.kind)])
        return self.level or ORG_KIND_LABELS[OrgKind(self.kind)]

    @property
    def office_label(self) -> str:
        """The establishment office of this place: 县委编办, 区委编办, 市委编办, 州编办, 省委编办…"""
        default = {OrgKind.region: "自治区编办", OrgKind.prefecture: "州编办"}.get(self.kind, "县委编办")
        return OFFICE_LABELS.get(self.level or "", default)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def display_name(self) -> str:
        """The name, marked when the organisation has been closed (history still shows it)."""
        return f"{self.name}（已撤销）" if self.closed_at is not None else self.name

    def ancestor(self, kind: OrgKind) -> Organisation | None:
        """This organisation or the nearest one above it of the given kind."""
        org = self
        while org is not None and org.kind != kind:
            org = org.parent
        return org

    @property
    def county(self) -> Organisation | None:
        return self.ancestor(OrgKind.county)

    @property
    def full_name(self) -> str:
        """e.g. 昌吉回族自治州吉木萨尔县大有镇 (without the region)."""
        parts, org = [], self
        while org is not None and org.kind != OrgKind.region:
            parts.append(org.name)
            org = org.parent
        return "".join(reversed(parts))

    def is_within(self, other: Organisation) -> bool:
        """True if other is this organisation or one of its ancestors."""
        org = self
        while org is not None:
            if org.id == other.id:
                return True
            org = org.parent
        return False

    @classmethod
    def of_kind(cls, kind: OrgKind, parent: Organisation | None = None):
        stmt = select(cls).where(cls.kind == kind).order_by(cls.id)
        if parent is not None:
            stmt = stmt.where(cls.parent_id == parent.id)
        return db.session.scalars(stmt).all()


def new_session_token() -> str:
    return secrets.token_hex(16)


#: NULL: an account created but given no role yet (it may do nothing until it has one)
ROLE_CHECK = "role IS NULL OR role IN ({})".format(",".join(f"'{r.value}'" for r in Role))


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(30))  #: None until the security administrator gives one
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(String(254))  #: optional, for notification mail
    #: random; in every session of the user, replaced to end them all (a new password, say)
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: new_session_token())
    #: a temporary password was set (new account, reset): nothing but changing it until it is changed
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    #: the deputyships naming this user as deputy (workflow.permissions.principals reads them)
    deputyships: Mapped[list[Delegation]] = relationship(
        foreign_keys="Delegation.deputy_id", back_populates="deputy", order_by="Delegation.id")

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store the password's hash (werkzeug's scrypt by default; services.passwords.set_password
        takes the method from the configuration) and end the user's other sessions."""
        self.password_hash = generate_password_hash(password, method=method)
        self.end_sessions()

    def end_sessions(self) -> None:
        """A new session token: every session and remember-me cookie issued before is refused."""
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What the session (and a remember-me cookie) holds: the id and the session token, so that a
        new password (or ending the sessions) signs every other session out (auth.load_user compares)."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_label(self) -> str:
        """The role as the user's own place calls it: 区委编办审核人 in a district, 市委编办审核人 in a city."""
        if not self.role:  # an account waiting for its role
            return NO_ROLE_LABEL
        role, org = Role(self.role), self.organisation
        if org is None or role in ADMIN_ROLES:
            return ROLE_LABELS[role]
        if role == Role.township_drafter:
            level = org.level
            return f"{level}起草人" if level in ("街道", "苏木") else ROLE_LABELS[role]
        if role in (Role.county_office, Role.county_department) and org.parent is not None:
            return f"{org.kind_label}审核人"
        if role in (Role.prefecture_reviewer, Role.region_reviewer) and org.level:
            return f"{org.office_label}审核人"
        return ROLE_LABELS[role]


class DepartmentAlias(db.Model):
    """Another way the lists of a county write one of its bodies (县残联 for 县残疾人联合会), or a name
    known to be no department at all (an OCR fragment): the registry resolves it, the page of
    unmatched names no longer lists it."""

    __tablename__ = "department_alias"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: services.departments.department_key of the name (county prefix as 县, spaces and bracket widths normalised)
    key: Mapped[str] = mapped_column(String(110))
    name: Mapped[str] = mapped_column(String(100))  #: as a list wrote it
    #: the body it names; None: not a department
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county: Mapped[Organisation] = relationship(foreign_keys=[county_id])
    department: Mapped[Organisation | None] = relationship(foreign_keys=[department_id])


class Delegation(db.Model):
    """A deputy (代理): a reviewer names another user of the same organisation to act for them from one
    day to another (both included), until then or until withdrawn. What the deputy does in the
    reviewer's name is recorded with both (actor and on_behalf_of) and shown as 张三（代李四）."""

    __tablename__ = "delegation"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="period"),
                      CheckConstraint("delegator_id <> deputy_id", name="not_self"))

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the organisation both belong to when it was named (a deputy across organisations is refused)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id], back_populates="deputyships")

    def active_on(self, day: date) -> bool:
        """In force that day: within its period, not withdrawn, both still of one organisation."""
        return (self.withdrawn_at is None and self.starts_on <= day <= self.ends_on
                and self.delegator.active and self.deputy.active
                and self.delegator.organisation_id == self.deputy.organisation_id == self.organisation_id)


def acted_by(actor: str | None, on_behalf_of: str | None) -> str:
    """How an action reads: 张三, or 张三（代李四） when a deputy acted."""
    if on_behalf_of:
        return f"{actor or ''}（代{on_behalf_of}）"
    return actor or ""
