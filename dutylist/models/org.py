"""Organisations (a tree: region > prefecture > county > township / county bodies) and users."""
from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
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
    admin = "admin"


ROLE_LABELS = {
    Role.township_drafter: "乡镇起草人", Role.county_office: "县委编办审核人",
    Role.county_department: "县直部门审核人", Role.prefecture_reviewer: "州编办审核人",
    Role.region_reviewer: "自治区编办审核人", Role.admin: "系统管理员",
}

#: Which kind of organisation a role belongs to (admin: any).
ROLE_ORG_KIND = {
    Role.township_drafter: OrgKind.township, Role.county_office: OrgKind.office,
    Role.county_department: OrgKind.department, Role.prefecture_reviewer: OrgKind.prefecture,
    Role.region_reviewer: OrgKind.region,
}


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the short form used in titles, e.g. 昌吉州 for 昌吉回族自治州
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.id")

    def __repr__(self):
        return f"<Organisation {self.kind} {self.name}>"

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS[OrgKind(self.kind)]

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


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('township_drafter','county_office','county_department',"
            "'prefecture_reviewer','region_reviewer','admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(String(254))  #: optional, for notification mail
    #: random; in every session of the user, replaced to end them all (a new password, say)
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: new_session_token())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

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
        return ROLE_LABELS[Role(self.role)]
