"""Deputies (代理): a reviewer names a deputy of their organisation for a period; what the deputy does
is recorded with both people (actor and on_behalf_of) and read "张三（代李四）" on the revision page, in
its history, the audit log, the opinions, the 意见汇总表 and its exports. No deputy across
organisations; a deputyship ends on its last day or when withdrawn. The county office reassigns a
department's pending consultation to another user of that department. Both databases."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AuditEvent, Delegation, Role, User
from dutylist.services import delegations
from dutylist.services.audit import verify_chain
from dutylist.services.tokens import create_token
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid

from .factories import PASSWORD, World, fire, sign

TODAY = date(2026, 3, 2)


@pytest.fixture
def world(app):
    clock.set_today(TODAY)
    w = World()
    w.officer.display_name = "李四"
    w.deputy = World._user("jimsar-office-2", Role.county_office, w.office)
    w.deputy.display_name = "张三"
    w.civil_user.display_name = "王科长"
    w.civil_2 = World._user("jimsar-civil-2", Role.county_department, w.civil)
    w.civil_2.display_name = "赵干事"
    db.session.commit()
    yield w
    clock.set_today(None)


def signed_in(app, username):
    client = app.test_client()
    assert client.login(username, PASSWORD).status_code == 302
    return client


def submitted(world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    return fire(rev, "submit", world.drafter)


def name(world, days=7, start=TODAY):
    d = delegations.name_deputy(world.officer, world.deputy, start, start + timedelta(days=days - 1))
    db.session.commit()
    return d


def entries(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


# ------------------------------------------------------------------ the done-when test ----
def test_a_deputy_takes_in_a_draft_and_both_people_are_named_everywhere(app, world):
    rev = submitted(world)
    office = signed_in(app, "jimsar-office")
    response = office.post_form("/deputies", {"deputy": world.deputy.id, "starts_on": TODAY.isoformat(),
                                              "ends_on": (TODAY + timedelta(days=4)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    deputy = signed_in(app, "jimsar-office-2")
    page = deputy.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert "您正在代理李四" in page and 'id="acting-for"' in page
    response = deputy.post_form(f"/revisions/{rev.id}/events/accept",
                                {"no_consultation_reason": "本轮修改不涉及县直部门职责"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    (accept,) = entries("accept")
    assert (accept.actor_name, accept.on_behalf_of_name) == ("jimsar-office-2", "jimsar-office")
    assert (accept.actor_id, accept.on_behalf_of_id) == (world.deputy.id, world.officer.id)
    both = "jimsar-office-2（代jimsar-office）"
    # the revision page's history
    page = deputy.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert re.search(r'data-action="accept".*?' + re.escape(both), page, re.S)
    # the audit log, and filtering it by either person finds the entry
    auditor = signed_in(app, "auditor")
    for who in ("jimsar-office", "jimsar-office-2"):
        log = auditor.get(f"/admin/audit?user={who}&action=accept").get_data(as_text=True)
        assert both in log and f'data-seq="{accept.seq}"' in log
    # the history in the API
    token = _token(world.officer)
    moves = app.test_client().get(f"/api/v1/revisions/{rev.id}/history",
                                  headers={"Authorization": f"Bearer {token}"}).get_json()["events"]
    taken = next(e for e in moves if e["action"] == "accept")
    assert taken["actor"]["username"] == "jimsar-office-2" and taken["on_behalf_of"]["username"] == "jimsar-office"
    assert taken["acted_by"] == both and taken["move"] is True
    assert next(e for e in moves if e["action"] == "submit")["on_behalf_of"] is None
    assert verify_chain().ok


def _token(user):
    token = create_token(user)
    db.session.commit()
    return token
