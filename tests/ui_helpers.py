"""Shared steps of the page-level browser tests (responsive layout, print, accessibility).

The review data is made on the server side through workflow.operations (the same verbs the pages call),
so that these tests spend their time on what they check, not on clicking through the review cycle again
(tests/test_browser.py does that).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Revision, Role, User, Version
from tests.factories import LEVELS, NO_CONSULTATION, explain
from workflow import operations as ops

from .browser import click_and_wait, goto, shot, sign_in


@dataclass
class ReviewData:
    township_id: int        #: 大有镇: an open revision (drafting)
    revision_id: int
    published_township_id: int  #: 六户地镇: version 2 published through the whole review
    first_version_id: int
    second_version_id: int
    published_revision_id: int


def _user(role: Role, organisation: Organisation) -> User:
    return db.session.scalars(select(User).where(User.role == role, User.organisation_id == organisation.id)
                              .order_by(User.id)).first()


def _township(name: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.township,
                                                         Organisation.name == name)).one()


def _edit_some(revision: Revision, drafter: User, tag: str) -> None:
    """Change the first basic item's wording, delete the second, add one: the diff has each kind."""
    basic = sorted((i for i in revision.items if i.kind == "basic" and not i.deleted), key=lambda i: i.position)
    first, second = basic[0], basic[1]
    ops.edit_item(revision, drafter, first.id, {**first.fields(), "name": first.name + "，按季度公开" + tag},
                  first.lock_version, reason="写明公开频次")
    ops.delete_item(revision, drafter, second.id, second.lock_version, reason="并入其他事项")
    ops.add_item(revision, drafter, "basic", {"category": "党的建设", "name": "负责本镇党建联建工作" + tag},
                 reason="新增党建联建职责")
    ops.renumber(revision, drafter)


def make_review_data(server) -> ReviewData:
    """大有镇 with a draft being written; 六户地镇 with a second version published through every level."""
    with server.app.app_context():
        # 六户地镇: start, edit, then up through the county, the prefecture and the region
        town = _township("六户地镇")
        county = town.parent
        first = db.session.scalars(select(Version).where(Version.township_id == town.id)).one()
        drafter, office = _user(Role.township_drafter, town), _user(Role.county_office, _office(county))
        prefecture = _user(Role.prefecture_reviewer, county.parent)
        region = _user(Role.region_reviewer, county.parent.parent)
        rev = ops.start_revision(town, drafter)
        db.session.flush()
        _edit_some(rev, drafter, "")
        db.session.commit()
        explain(rev, drafter)  # the imported list's flags are confirmed before submitting
        for event, actor, reason in (("submit", drafter, ""), ("accept", office, ""),
                                     ("approve", office, "同意"), ("escalate", office, ""),
                                     ("approve", prefecture, "州级审核同意"), ("publish", region, "同意发布")):
            extra = {"no_consultation_reason": NO_CONSULTATION} if event == "accept" else {}
            ops.fire(rev, event, actor, levels=LEVELS, reason=reason, **extra)
            db.session.commit()
        second = db.session.get(Version, rev.published_version_id)
        published = (town.id, first.id, second.id, rev.id)

        # 大有镇: a draft with changes, waiting to be submitted
        town = _township("大有镇")
        drafter = _user(Role.township_drafter, town)
        rev = ops.start_revision(town, drafter)
        db.session.flush()
        _edit_some(rev, drafter, "")
        db.session.commit()
        explain(rev, drafter)
        data = ReviewData(town.id, rev.id, *published)
        db.session.remove()
    return data


def _office(county: Organisation) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.parent_id == county.id,
                                                         Organisation.kind == OrgKind.office)).one()


def revision_status(server, revision_id: int) -> str:
    with server.app.app_context():
        status = db.session.get(Revision, revision_id).status
        db.session.remove()
    return status


__all__ = ["ReviewData", "make_review_data", "revision_status", "sign_in", "goto", "click_and_wait", "shot"]
