"""Demo data: the five sample lists as published version 1, and one user per role and organisation.

Demo passwords exist only here.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from sqlalchemy import select

from ..config import ROOT
from ..extensions import db
from ..importers import text_list
from ..models import Basis, Category, Organisation, OrgKind, Role, User
from ..vocabulary import CATEGORIES
from . import bases, passwords
from .audit import record_event
from .import_list import import_list

SAMPLE_DIR = ROOT / "sample_data"
#: (file, place to supply when the document does not name itself)
SEEDS = [
    ("000_5750dcabd76134d2.txt", None),
    ("001_68a4403148f3c233.txt", None),
    ("002_3c803f996c74d716.txt", None),
    ("003_6a82fb40a4ecf6eb.txt", "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"),
    ("004_a051d543e79bffba.txt", None),
]
DEMO_PASSWORD = "Demo-2025!"
#: a few entries of the library of bases (依据库), so that citing one can be tried at once
DEMO_BASES = [
    {"title": "中华人民共和国村民委员会组织法", "issuer": "全国人民代表大会常务委员会", "level": "法律"},
    {"title": "中华人民共和国土地管理法", "issuer": "全国人民代表大会常务委员会", "level": "法律"},
    {"title": "中华人民共和国农民专业合作社法", "issuer": "全国人民代表大会常务委员会", "level": "法律"},
    {"title": "中华人民共和国政府信息公开条例", "issuer": "国务院", "level": "行政法规", "doc_number": "国务院令第711号"},
]
#: ASCII user names for the places of the sample lists
SLUGS = {
    "新疆维吾尔自治区": "xj", "昌吉回族自治州": "changji", "克孜勒苏柯尔克孜自治州": "kizilsu",
    "吉木萨尔县": "jimsar", "玛纳斯县": "manas", "阿合奇县": "akqi", "木垒哈萨克自治县": "mori",
    "奇台县": "qitaixian", "大有镇": "dayou", "六户地镇": "liuhudi", "阿合奇镇": "aheqi",
    "大南沟乌孜别克族乡": "danangou", "奇台镇": "qitai",
}


def ensure_categories() -> None:
    existing = set(db.session.scalars(select(Category.name)))
    for pos, name in enumerate(CATEGORIES):
        if name not in existing:
            db.session.add(Category(name=name, position=pos))


def _slug(org: Organisation) -> str:
    return SLUGS.get(org.name) or f"org{org.id}"


def _add_user(username: str, org: Organisation, role: Role, accounts: list, password_hash: str) -> None:
    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        # one scrypt hash shared by all demo users: they share the password anyway
        db.session.add(User(username=username, display_name=username, role=role, organisation=org,
                            password_hash=password_hash))
    accounts.append({"username": username, "role": role.value, "organisation": org.name,
                     "password": DEMO_PASSWORD})


def create_demo_users() -> list[dict]:
    """One user per role and organisation, named after the place (dayou-drafter, jimsar-office...)."""
    accounts: list[dict] = []
    probe = User()
    passwords.set_password(probe, DEMO_PASSWORD)
    add = partial(_add_user, accounts=accounts, password_hash=probe.password_hash)
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
    for org in orgs:
        if org.kind == OrgKind.region:
            # 三员分立: three administrators, none of whom takes part in reviews
            add("sysadmin", org, Role.system_admin)
            add("secadmin", org, Role.security_admin)
            add("auditor", org, Role.audit_admin)
            add(f"{_slug(org)}-region", org, Role.region_reviewer)
        elif org.kind == OrgKind.prefecture:
            add(f"{_slug(org)}-prefecture", org, Role.prefecture_reviewer)
        elif org.kind == OrgKind.township:
            add(f"{_slug(org)}-drafter", org, Role.township_drafter)
        elif org.kind == OrgKind.office:
            add(f"{_slug(org.parent)}-office", org, Role.county_office)
    for county in (o for o in orgs if o.kind == OrgKind.county):
        depts = [o for o in orgs if o.parent_id == county.id and o.kind == OrgKind.department]
        for n, dept in enumerate(depts, 1):
            add(f"{_slug(county)}-dept{n:02d}", dept, Role.county_department)
        # the county 司法局's legality reviewer (合法性审查): idle unless LEGALITY_REVIEW is on
        for dept in depts:
            if dept.name.endswith("司法局"):
                add(f"{_slug(county)}-legal", dept, Role.legality_reviewer)
                break
    return accounts


def seed_demo(sample_dir: Path = SAMPLE_DIR) -> dict:
    """Load everything; idempotent (a township that already has a list is left as it is)."""
    ensure_categories()
    imported = []
    for filename, place in SEEDS:
        parsed = text_list.parse_file(sample_dir / filename, township=place)
        township = db.session.scalar(select(Organisation).where(
            Organisation.kind == OrgKind.township, Organisation.name == parsed.township))
        if township is not None:
            continue
        version = import_list(parsed)
        # recorded like any other import (the CLI's and the web's): the chain starts with the seed
        record_event("import", township_id=version.township_id, target=f"version:{version.id}",
                     details={"file": filename, "mode": "new", "counts": parsed.counts(),
                              "version": version.number, "via": "seed-demo"})
        imported.append({"township": parsed.township, "version": version.id, "counts": parsed.counts()})
    db.session.flush()
    accounts = create_demo_users()
    return {"imported": imported, "accounts": accounts}


def add_demo_bases() -> None:
    """The library's first entries, added by the region's reviewer (only into an empty library): the
    seed-demo command's, so that citing one can be tried at once (tests seed without them)."""
    if db.session.scalar(select(Basis.id).limit(1)) is not None:
        return
    region_org = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.region)
                                   .order_by(Organisation.id))
    region = db.session.scalar(select(User).where(User.username == f"{_slug(region_org)}-region")) \
        if region_org is not None else None
    if region is None:
        return
    for entry in DEMO_BASES:
        bases.add(region, entry)
