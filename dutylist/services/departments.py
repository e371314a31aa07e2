"""The department registry of a county: resolving the names items use to organisations."""
from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..items import looks_like_department
from ..models import Organisation, OrgKind


def county_prefixes(county: Organisation) -> list[str]:
    names = [county.name] + ([county.short_name] if county.short_name else [])
    return sorted({n for n in names if n}, key=len, reverse=True)


def department_key(name: str, county: Organisation) -> str:
    """吉木萨尔县民政局 and 县民政局 have the same key within 吉木萨尔县."""
    name = re.sub(r"\s+", "", name)
    for prefix in county_prefixes(county):
        if name.startswith(prefix):
            return "县" + name[len(prefix):]
    return name


def registry(county: Organisation) -> dict[str, Organisation]:
    """key -> organisation, for the county's office and departments."""
    bodies = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == county.id,
                                   Organisation.kind.in_([OrgKind.office, OrgKind.department]))
    ).all()
    return {department_key(b.name, county): b for b in bodies}


def resolve(county: Organisation, name: str, reg: dict | None = None) -> Organisation | None:
    reg = registry(county) if reg is None else reg
    return reg.get(department_key(name, county))


def ensure_department(county: Organisation, name: str, reg: dict | None = None) -> Organisation | None:
    """The registered body of that name, created if the name looks like a department."""
    reg = registry(county) if reg is None else reg
    found = reg.get(department_key(name, county))
    if found is not None or not looks_like_department(name):
        return found
    dept = Organisation(name=re.sub(r"\s+", "", name), kind=OrgKind.department, parent=county)
    db.session.add(dept)
    reg[department_key(name, county)] = dept
    return dept
