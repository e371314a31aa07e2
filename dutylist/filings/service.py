"""Filing rules: which offices a version is filed with, acknowledging receipt, the register of an area."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.orm import aliased, joinedload

from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid, NotFound

from ..extensions import db
from ..models import ACKNOWLEDGED_STATUS, FILING_LEVELS, PENDING_STATUS, Filing, Organisation, OrgKind, Version
from ..models.base import utcnow
from ..services.audit import record_event

STATUSES = (PENDING_STATUS, ACKNOWLEDGED_STATUS)
PAGE = 100


def levels() -> tuple[str, ...]:
    """The configured filing levels (FILING_LEVELS), in order."""
    return tuple(x for x in FILING_LEVELS if x in current_app.config.get("FILING_LEVELS", ("prefecture",)))


def file_version(version: Version, *, actor=None) -> list[Filing]:
    """File a published version with each configured office above its township (flushes; audited)."""
    township = version.township
    out = []
    for level in levels():
        office = township.ancestor(OrgKind(level))
        if office is None:  # a township filed outside the usual tree: nothing to file with at this level
            continue
        filing = Filing(version_id=version.id, township_id=township.id, level=level, office_id=office.id)
        db.session.add(filing)
        db.session.flush()
        record_event("filing_create", actor=actor, township_id=township.id, target=f"filing:{filing.id}",
                     details={"version": version.number, "level": level, "office": office.name})
        out.append(filing)
    return out


def get(filing_id: int) -> Filing:
    filing = db.session.get(Filing, filing_id) if 0 < filing_id < 2**31 else None
    if filing is None:
        raise NotFound("备案记录不存在")
    return filing


def acknowledge(filing: Filing, actor) -> Filing:
    """The office it was filed with confirms receipt, once (a conditional UPDATE: two clicks, one receipt)."""
    if not perm.can_acknowledge_filing(actor, filing):
        raise Forbidden(f"只有受理该备案的{filing.office.office_label}审核人可以确认接收")
    result = db.session.execute(
        update(Filing).where(Filing.id == filing.id, Filing.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=actor.id).execution_options(synchronize_session=False))
    db.session.refresh(filing)
    if result.rowcount != 1:
        raise Conflict("该备案已确认接收，不能重复确认")
    record_event("filing_acknowledge", actor=actor, township_id=filing.township_id, target=f"filing:{filing.id}",
                 details={"version": filing.version.number, "level": filing.level})
    return filing


# ---------------------------------------------------------------- the register ----
_TOWN = aliased(Organisation, name="f_town")
_COUNTY = aliased(Organisation, name="f_county")


@dataclass
class Filters:
    county_id: int | None = None
    status: str | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        raw = (args.get("county") or "").strip()
        if raw and not raw.isdecimal():
            raise Invalid("参数 county 应为数字")
        status = (args.get("status") or "").strip() or None
        if status is not None and status not in STATUSES:
            raise Invalid("参数 status 应为 pending 或 acknowledged")
        return cls(int(raw) if raw else None, status)


def _in_area(stmt: Select, area: perm.Area) -> Select:
    """Filings of the townships in the area (the township's county and the county's parent by join)."""
    stmt = stmt.join(_TOWN, _TOWN.id == Filing.township_id).join(_COUNTY, _COUNTY.id == _TOWN.parent_id)
    if area.level == "all":
        return stmt
    if area.level == "township":
        return stmt.where(Filing.township_id == area.org_id)
    if area.level == "county":
        return stmt.where(_COUNTY.id == area.org_id)
    if area.level == "prefecture":
        return stmt.where(_COUNTY.parent_id == area.org_id)
    pref = select(Organisation.id).where(Organisation.parent_id == area.org_id)
    return stmt.where(_COUNTY.parent_id.in_(pref))


def register(user, filters: Filters | None = None) -> list[Filing]:
    """The filings of the user's area (workflow.permissions.filing_area), newest first, filtered."""
    area = perm.filing_area(user)
    if area is None:
        raise Forbidden("备案登记供县委编办、州和自治区编办使用")
    filters = filters or Filters()
    stmt = _in_area(select(Filing), area)
    if filters.county_id is not None:
        stmt = stmt.where(_COUNTY.id == filters.county_id)
    if filters.status == PENDING_STATUS:
        stmt = stmt.where(Filing.acknowledged_at.is_(None))
    elif filters.status == ACKNOWLEDGED_STATUS:
        stmt = stmt.where(Filing.acknowledged_at.is_not(None))
    stmt = stmt.options(joinedload(Filing.version), joinedload(Filing.office), joinedload(Filing.acknowledged_by),
                        joinedload(Filing.township).joinedload(Organisation.parent)) \
        .order_by(Filing.filed_at.desc(), Filing.id.desc())
    return list(db.session.scalars(stmt).unique())


def counties(user) -> list[Organisation]:
    """The counties the register may be filtered by (those of the user's area)."""
    area = perm.filing_area(user)
    if area is None:
        return []
    stmt = select(Organisation).where(Organisation.kind == OrgKind.county, Organisation.closed_at.is_(None))
    if area.level == "county":
        stmt = stmt.where(Organisation.id == area.org_id)
    elif area.level == "prefecture":
        stmt = stmt.where(Organisation.parent_id == area.org_id)
    elif area.level == "region":
        stmt = stmt.where(Organisation.parent_id.in_(select(Organisation.id).where(Organisation.parent_id == area.org_id)))
    elif area.level == "township":
        return []
    return list(db.session.scalars(stmt.order_by(Organisation.parent_id, Organisation.id)))


def pending_for(user) -> list[Filing]:
    """The filings waiting for the user's office to acknowledge them (inbox, dashboard)."""
    level = perm.acknowledging_level(user)
    if level is None:
        return []
    stmt = (select(Filing).where(Filing.office_id == user.organisation_id, Filing.level == level,
                                 Filing.acknowledged_at.is_(None))
            .options(joinedload(Filing.version), joinedload(Filing.township).joinedload(Organisation.parent))
            .order_by(Filing.filed_at))
    return list(db.session.scalars(stmt).unique())
