"""Concurrent requests do not corrupt state: real threads, real database, real HTTP client."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dutylist.extensions import db
from dutylist.models import AuditEvent, DraftItem, Revision
from dutylist.services.audit import verify_chain
from workflow import operations as ops

from .factories import LEVELS

pytestmark = pytest.mark.commits  # threads, each with its own connection, race for the same rows


def in_review(world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    db.session.commit()
    ops.fire(rev, "accept", world.officer, levels=LEVELS, departments=[world.civil.id],
             deadline=date.today() + timedelta(days=3))
    ops.sign_off(rev, world.civil_user, "no_opinion")
    db.session.commit()
    return rev.id


def run_together(n, work):
    """Run work(i) in n threads released at the same moment; return their results."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def target(i):
        barrier.wait()
        results[i] = work(i)
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_concurrent_approvals_make_one(app, world):
    rev_id = in_review(world)
    clients = []
    for _ in range(20):
        c = app.test_client()
        assert c.login("jimsar-office").status_code == 302
        c.csrf_token()
        clients.append(c)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    codes = run_together(20, lambda i: clients[i].post_form(
        f"/revisions/{rev_id}/events/approve", {"reason": f"审核通过 {i}"}).status_code)
    db.session.expire_all()
    assert sorted(codes).count(302) == 1, codes
    assert all(c == 409 for c in codes if c != 302), codes
    rev = db.session.get(Revision, rev_id)
    assert rev.status == "county_approved"
    approvals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all()
    assert len(approvals) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    assert verify_chain().ok


def test_two_concurrent_edits_of_one_item_keep_one(app, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    item = next(i for i in rev.items if i.name == "负责本镇政府信息公开工作")
    seen = str(item.lock_version)
    clients = []
    for _ in range(2):
        c = app.test_client()
        assert c.login("dayou-drafter").status_code == 302
        c.csrf_token()
        clients.append(c)
    names = ["甲：负责本镇政府信息公开和政务公开工作", "乙：负责本镇政府信息公开工作（修订）"]
    codes = run_together(2, lambda i: clients[i].post_form(
        f"/revisions/{rev.id}/items/{item.id}/edit",
        {"kind": "basic", "category": "综合政务", "name": names[i], "lock_version": seen}).status_code)
    assert sorted(codes) == [302, 400], codes  # the refused form is re-shown (400) with its message
    db.session.expire_all()
    saved = db.session.get(DraftItem, item.id)
    winner = codes.index(302)
    assert saved.name == names[winner]
    assert saved.lock_version == int(seen) + 1
    edits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item_edit")).all()
    assert len(edits) == 1 and edits[0].details["changes"]["name"]["new"] == names[winner]
    assert verify_chain().ok


def test_concurrent_starts_make_one_open_revision(app, world):
    clients = []
    for _ in range(5):
        c = app.test_client()
        assert c.login("dayou-drafter").status_code == 302
        c.csrf_token()
        clients.append(c)
    url = f"/townships/{world.town.id}/revisions"
    codes = run_together(5, lambda i: clients[i].post_form(url).status_code)
    assert codes.count(302) >= 1
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1
