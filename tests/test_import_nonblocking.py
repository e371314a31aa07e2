"""A long web import never makes other users wait: held part-way, others sign in and download."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from dutylist import signals
from dutylist.documents import export_xlsx, model
from dutylist.extensions import db
from dutylist.models import AuditEvent, DraftItem, Revision
from dutylist.services import snapshot
from dutylist.services.audit import verify_chain
from dutylist.services.list_counts import list_stats

from .factories import signed_in
from .test_documents_web import token_of, upload, wait

pytestmark = pytest.mark.commits  # the import runs in a thread on its own connection while others sign in

ROWS = 1500


def big_list(version, rows: int = ROWS) -> bytes:
    """The township's list grown to `rows` items (the current ones, one reworded, and new ones), as Excel."""
    doc = model.from_version(version)
    entries = [dict(e) for e in doc.entries]
    entries[0]["name"] += "（修订）"
    template = next(e for e in entries if e["kind"] == "basic")
    for n in range(rows - len(entries)):
        entries.append({**template, "item_id": None, "name": f"新增事项第 {n + 1} 项：做好基层统计工作"})
    entries.sort(key=lambda e: model.KINDS.index(e["kind"]))
    for kind in model.KINDS:
        for number, e in enumerate((e for e in entries if e["kind"] == kind), 1):
            e["number"] = number
    doc.entries = entries
    doc.stats = list_stats(entries)
    return export_xlsx.to_xlsx(doc)


class Hold:
    """Holds the import job when it has prepared half of its rows, until released."""

    def __init__(self):
        self.reached, self.release, self.stages = threading.Event(), threading.Event(), []

    def __call__(self, token, done, total, stage):
        self.stages.append(stage)
        if stage == "prepare" and done >= total // 2 and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(60), "the test never released the import"


def timed(call):
    t0 = time.perf_counter()
    response = call()
    return response, time.perf_counter() - t0


def test_others_sign_in_and_download_while_a_1500_row_import_is_held_part_way(app, world):
    drafter = signed_in(app, "dayou-drafter")
    token = token_of(upload(drafter, big_list(world.version), "大有镇.xlsx", world.town.id))
    assert 'id="confirm-import" disabled' not in drafter.get(f"/imports/{token}").get_data(as_text=True)
    hold = Hold()
    signals.import_progress.connect(hold)
    try:
        t0 = time.perf_counter()
        assert drafter.post_form(f"/imports/{token}/confirm").status_code == 302
        assert hold.reached.wait(60), "the import never got half-way"
        assert drafter.get(f"/imports/{token}/status").get_json()["state"] == "running"
        # meanwhile another user signs in (an audited write) and downloads a list (an audited export)
        other = app.test_client()
        response, took = timed(lambda: other.login("jimsar-office"))
        assert response.status_code == 302 and took < 1, took
        response, took = timed(lambda: other.get(f"/versions/{world.version.id}/export.csv"))
        assert response.status_code == 200 and took < 1, took
        assert "加强基层阵地建设" in response.get_data(as_text=True)
        # nothing of the import is written yet
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 0
        hold.release.set()
        status = wait(drafter, token)
        duration = time.perf_counter() - t0
    finally:
        hold.release.set()
        signals.import_progress.disconnect(hold)
    assert status["state"] == "done", status
    assert "write" in hold.stages
    assert duration < 60, duration  # seconds, not minutes (the held time included)
    db.session.expire_all()
    rev = db.session.scalar(select(Revision))
    assert db.session.scalar(select(func.count()).select_from(DraftItem).where(
        DraftItem.revision_id == rev.id, DraftItem.deleted.is_(False))) == ROWS
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    # the other user's sign-in and export came before the import's entries, which are one block
    assert actions.index("login") < actions.index("export") < actions.index("revision_start")
    block = actions[actions.index("revision_start"):]
    existing = len(snapshot.read_entries(world.version))
    assert block[-1] == "import" and block.count("item_add") == ROWS - existing
    assert "item_edit" in block and "login" not in block
    assert verify_chain().ok
