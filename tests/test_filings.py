"""Filing (备案): a version published through the review is filed with the prefecture, which acknowledges it
(pages and API); refusals; the register, its filters and its Excel export; the inbox and the dashboard."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dutylist.config import filing_levels
from dutylist.extensions import db
from dutylist.filings import service
from dutylist.models import AuditEvent, Filing
from dutylist.services.tokens import create_token
from workflow.errors import Forbidden

from .factories import publish_change


def filings_of(version):
    return db.session.scalars(select(Filing).where(Filing.version_id == version.id).order_by(Filing.level)).all()


def test_a_published_version_is_filed_with_the_prefecture_and_audited(world):
    version = publish_change(world)
    [filing] = filings_of(version)
    assert (filing.level, filing.office_id, filing.township_id) == ("prefecture", world.prefecture.id, world.town.id)
    assert filing.acknowledged_at is None and filing.status == "pending"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "filing_create")).one()
    assert event.target == f"filing:{filing.id}" and event.details["version"] == 2
    # an imported first version is not filed: it was approved before the system knew it
    assert filings_of(world.version) == []


def test_filing_levels_are_configurable(world, app):
    app.config["FILING_LEVELS"] = ("prefecture", "region")
    try:
        version = publish_change(world)
    finally:
        app.config["FILING_LEVELS"] = ("prefecture",)
    assert [(f.level, f.office_id) for f in filings_of(version)] == [
        ("prefecture", world.prefecture.id), ("region", world.region.id)]


def test_each_office_acknowledges_only_what_was_filed_with_it(world, app):
    app.config["FILING_LEVELS"] = ("prefecture", "region")
    try:
        prefecture, region = filings_of(publish_change(world))
    finally:
        app.config["FILING_LEVELS"] = ("prefecture",)
    with pytest.raises(Forbidden):
        service.acknowledge(region, world.pref_user)
    with pytest.raises(Forbidden):
        service.acknowledge(prefecture, world.region_user)
    service.acknowledge(region, world.region_user)
    service.acknowledge(prefecture, world.pref_user)
    db.session.commit()
    assert (prefecture.acknowledged_by_id, region.acknowledged_by_id) == (world.pref_user.id, world.region_user.id)
    assert service.pending_for(world.region_user) == [] and service.pending_for(world.pref_user) == []


def test_filing_levels_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FILING_LEVELS", "region, prefecture")
    assert filing_levels() == ("prefecture", "region")
    monkeypatch.setenv("FILING_LEVELS", "")
    assert filing_levels() == ()
    monkeypatch.setenv("FILING_LEVELS", "county")
    with pytest.raises(ValueError, match="county"):
        filing_levels()


def test_the_prefecture_acknowledges_on_its_inbox_and_register(world, client):
    version = publish_change(world)
    [filing] = filings_of(version)
    client.login("changji-prefecture")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "待确认接收的备案" in inbox and f'data-filing="{filing.id}"' in inbox
    board = client.get("/dashboard").get_data(as_text=True)
    assert 'id="pending-filings"' in board and "大有镇" in board
    page = client.get("/filings").get_data(as_text=True)
    assert "确认接收</button>" in page and "待确认接收" in page
    r = client.post_form(f"/filings/{filing.id}/acknowledge", headers={"Referer": "/filings"})
    assert r.status_code == 302
    db.session.refresh(filing)
    assert filing.acknowledged_by_id == world.pref_user.id and filing.status == "acknowledged"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已确认接收大有镇第 2 版清单的备案" in page
    assert 'id="pending-filings"' not in client.get("/dashboard").get_data(as_text=True)
    assert "待确认接收的备案" not in client.get("/inbox").get_data(as_text=True)
    # twice: refused where the user was, nothing written
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    r = client.post_form(f"/filings/{filing.id}/acknowledge", headers={"Referer": "/filings"})
    assert r.status_code == 302
    assert "该备案已确认接收，不能重复确认" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events
    acks = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "filing_acknowledge")).all()
    assert len(acks) == 1 and acks[0].actor_id == world.pref_user.id


@pytest.mark.parametrize("username", ["kizilsu-prefecture", "xj-region", "jimsar-office", "dayou-drafter", "admin"])
def test_nobody_outside_the_prefecture_acknowledges(world, client, username):
    version = publish_change(world)
    [filing] = filings_of(version)
    client.login(username)
    r = client.post_form(f"/filings/{filing.id}/acknowledge")
    assert r.status_code == 403
    assert "只有受理该备案的州编办审核人可以确认接收" in r.get_data(as_text=True)
    db.session.refresh(filing)
    assert filing.acknowledged_at is None


def test_the_register_filters_by_county_and_status_and_exports_excel(world, client):
    version = publish_change(world)
    [filing] = filings_of(version)
    client.login("changji-prefecture")
    assert f'data-filing="{filing.id}"' in client.get(f"/filings?county={world.county.id}").get_data(as_text=True)
    assert "没有符合条件的备案记录" in client.get(f"/filings?county={world.other_county.id}").get_data(as_text=True)
    assert "没有符合条件的备案记录" in client.get("/filings?status=acknowledged").get_data(as_text=True)
    assert client.get("/filings?status=whatever").status_code == 400
    r = client.get("/filings.xlsx?status=pending")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws["A1"].value == "昌吉回族自治州履职事项清单备案登记"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows == [[1, "昌吉回族自治州", "吉木萨尔县", "大有镇", "第2版", rows[0][5], "州编办", rows[0][7], "待确认接收",
                     None, None]]
    # the county office sees its own county's filings; a department and a drafter have no register
    client.post_form("/auth/logout")
    client.login("jimsar-office")
    assert f'data-filing="{filing.id}"' in client.get("/filings").get_data(as_text=True)
    client.post_form("/auth/logout")
    client.login("kizilsu-prefecture")
    assert f'data-filing="{filing.id}"' not in client.get("/filings").get_data(as_text=True)
    client.post_form("/auth/logout")
    client.login("dayou-drafter")
    assert client.get("/filings").status_code == 403


def test_api_lists_the_callers_filings_and_acknowledges_once(world, client):
    version = publish_change(world)
    [filing] = filings_of(version)
    pref = {"Authorization": f"Bearer {create_token(world.pref_user)}"}
    other = {"Authorization": f"Bearer {create_token(world.other_pref_user)}"}
    drafter = {"Authorization": f"Bearer {create_token(world.drafter)}"}
    db.session.commit()
    body = client.get("/api/v1/filings", headers=pref).get_json()
    assert [(f["id"], f["status"], f["version"]["number"]) for f in body["filings"]] == [(filing.id, "pending", 2)]
    assert client.get("/api/v1/filings", headers=other).get_json() == {"filings": []}
    assert client.get("/api/v1/filings?status=pending", headers=pref).get_json()["filings"]
    assert client.get("/api/v1/filings?status=nope", headers=pref).status_code == 400
    assert client.get("/api/v1/filings", headers=drafter).status_code == 403
    r = client.post(f"/api/v1/filings/{filing.id}/acknowledge", headers=other)
    assert r.status_code == 403 and "州编办" in r.get_json()["error"]
    r = client.post(f"/api/v1/filings/{filing.id}/acknowledge", headers=pref)
    assert r.status_code == 200 and r.get_json()["status"] == "acknowledged"
    assert r.get_json()["acknowledged_by"]["username"] == "changji-prefecture"
    r = client.post(f"/api/v1/filings/{filing.id}/acknowledge", headers=pref)
    assert r.status_code == 409 and r.get_json()["error"] == "该备案已确认接收，不能重复确认"
    assert client.post("/api/v1/filings/999999/acknowledge", headers=pref).status_code == 404
    assert client.get("/api/v1/filings?status=acknowledged", headers=pref).get_json()["filings"][0]["id"] == filing.id


