"""The audit log's hash chain: appended through one function, and hostile edits are caught."""
import pytest
from sqlalchemy import delete, select, text, update

from dutylist.extensions import db
from dutylist.models import AuditEvent, AuditHead
from dutylist.services.audit import entry_hash, HASHED_FIELDS, record_event, verify_chain


@pytest.fixture
def chain(app):
    for n in range(6):
        record_event("item_edit", target=f"item:{n}", details={"name": f"事项{n}", "n": n}, round=1)
    db.session.commit()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_intact_chain_verifies(chain):
    result = verify_chain()
    assert result.ok and result.checked == 6 and result.head_seq == 6
    assert result.head_hash == chain[-1].hash
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5, 6]
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:]))


def test_empty_log_verifies(app):
    assert verify_chain().ok


def test_changed_entry_is_caught(chain):
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details={"name": "篡改", "n": 2}))
    db.session.commit()
    result = verify_chain()
    assert not result.ok and result.first_bad_seq == 3


def test_deleted_entry_is_caught(chain):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    db.session.commit()
    result = verify_chain()
    assert not result.ok and result.first_bad_seq == 5


def test_reordered_entries_are_caught(chain):
    # swap the contents of entries 2 and 3 (ids stay, so the walk order changes)
    a, b = chain[1], chain[2]
    cols = ["action", "target", "details", "prev_hash", "hash", "created_at"]
    va, vb = {c: getattr(a, c) for c in cols}, {c: getattr(b, c) for c in cols}
    db.session.execute(update(AuditEvent).where(AuditEvent.id == a.id).values(**vb))
    db.session.execute(update(AuditEvent).where(AuditEvent.id == b.id).values(**va))
    db.session.commit()
    result = verify_chain()
    assert not result.ok and result.first_bad_seq == 2


def test_truncated_tail_is_caught(chain):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 6))
    db.session.commit()
    result = verify_chain()
    assert not result.ok and "链头" in result.problem


def test_rehashed_suffix_without_head_is_caught(chain):
    """An attacker rewrites entry 4 and re-hashes 4..6 but cannot rewrite the head row consistently."""
    prev = chain[2].hash
    for ev in chain[3:]:
        fields = {f: getattr(ev, f) for f in HASHED_FIELDS}
        if ev.seq == 4:
            fields["details"] = {"name": "伪造", "n": 3}
        new = entry_hash(prev, fields)
        db.session.execute(update(AuditEvent).where(AuditEvent.id == ev.id)
                           .values(details=fields["details"], prev_hash=prev, hash=new))
        prev = new
    db.session.commit()
    result = verify_chain()
    assert not result.ok


def test_appends_continue_the_chain_across_transactions(chain):
    record_event("logout")
    db.session.commit()
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last.seq == 7 and last.prev_hash == chain[-1].hash
    assert db.session.get(AuditHead, 1).hash == last.hash
    assert verify_chain().ok


def test_rolled_back_change_leaves_no_entry(chain):
    record_event("item_edit", target="item:99")
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.target == "item:99")) is None
    assert verify_chain().ok
