"""The audit log's hash chain: appended through one function, and hostile edits are caught."""
import pytest
from sqlalchemy import delete, select, update

from dutylist.extensions import db
from dutylist.models import AuditEvent, AuditHead
from dutylist.services.audit import HASHED_FIELDS, canonical_json, entry_hash, record_event, verify_chain


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
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details_text=canonical_json({"name": "篡改", "n": 2})))
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
    cols = ["action", "target", "details_text", "prev_hash", "hash", "created_at"]
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
            fields["details_text"] = canonical_json({"name": "伪造", "n": 3})
        new = entry_hash(prev, fields)
        db.session.execute(update(AuditEvent).where(AuditEvent.id == ev.id)
                           .values(details_text=fields["details_text"], prev_hash=prev, hash=new))
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


def _rewrite_history_consistently(chain, seq_to_forge):
    """A database-level attacker rewrites an entry and re-hashes everything after it, head row included."""
    prev = chain[seq_to_forge - 2].hash if seq_to_forge > 1 else "0" * 64
    for ev in chain[seq_to_forge - 1:]:
        fields = {f: getattr(ev, f) for f in HASHED_FIELDS}
        if ev.seq == seq_to_forge:
            fields["details_text"] = canonical_json({"name": "伪造", "n": -1})
        new = entry_hash(prev, fields)
        db.session.execute(update(AuditEvent).where(AuditEvent.id == ev.id)
                           .values(details_text=fields["details_text"], prev_hash=prev, hash=new))
        prev = new
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    db.session.commit()


def test_exported_head_catches_a_fully_rewritten_history(chain, app):
    from dutylist.services.audit import check_head, head
    saved = head()
    assert saved["seq"] == 6 and saved["hash"] == chain[-1].hash
    _rewrite_history_consistently(chain, 2)
    assert verify_chain().ok  # self-consistent: only an outside copy of the head can tell
    result = check_head(saved)
    assert not result.ok and result.first_bad_seq == 6 and "改写" in result.problem


def test_cli_head_export_and_verify_against_it(chain, app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "head.json"
    assert runner.invoke(args=["audit-head", "-o", str(out)]).exit_code == 0
    assert runner.invoke(args=["audit-verify", "--head", str(out)]).exit_code == 0
    _rewrite_history_consistently(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all(), 3)
    bad = runner.invoke(args=["audit-verify", "--head", str(out)])
    assert bad.exit_code == 1 and "改写" in bad.output


@pytest.fixture
def admin_client(app, make_org, make_user):
    from dutylist.models import OrgKind, Role
    region = make_org("新疆维吾尔自治区", OrgKind.region)
    make_user("admin", Role.audit_admin, region)
    make_user("reviewer", Role.region_reviewer, region)
    client = app.test_client()
    assert client.login("admin").status_code == 302
    return client


def test_admin_page_shows_log_and_verification(chain, admin_client):
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "哈希链校验通过" in html and 'data-seq="6"' in html
    filtered = admin_client.get("/admin/audit?action=login").get_data(as_text=True)
    assert 'data-seq="3"' not in filtered and "登录" in filtered
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(target="item:999"))
    db.session.commit()
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "哈希链校验失败：第 4 条" in html


def test_admin_page_and_head_are_for_admins_only(chain, app, admin_client):
    other = app.test_client()
    assert other.login("reviewer").status_code == 302
    assert other.get("/admin/audit").status_code == 403
    assert other.get("/admin/audit/head.json").status_code == 403
    response = admin_client.get("/admin/audit/head.json")
    assert response.status_code == 200 and response.json["seq"] >= 6
    assert admin_client.get("/admin/audit?from=not-a-date").status_code == 400


def test_no_route_edits_or_deletes_audit_entries(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


@pytest.mark.commits  # six threads, six connections: each must see what the others committed
def test_first_entries_written_at_once_on_a_new_database_all_land(app):
    """A new installation: several workers write the chain's first entries at the same moment. The head
    row is created once; every entry lands, in one unbroken chain (it was a 500 each but one)."""
    import threading

    assert db.session.get(AuditHead, 1) is None
    db.session.remove()
    start, errors = threading.Barrier(6), []

    def first_sign_in(n):
        with app.app_context():
            try:
                start.wait()
                record_event("login", details={"worker": n})
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first_sign_in, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert db.session.scalar(select(AuditHead.seq)) == 6
    result = verify_chain()
    assert result.ok and result.checked == 6, result
