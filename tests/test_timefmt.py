"""Times in the configured zone (TIMEZONE, default Asia/Shanghai): pages, exports, the audit log, the API.

The database keeps naive UTC; a person reads local time (北京时间, 8 hours later than UTC), through one
module (dutylist.timefmt) used by the Jinja filters and the exporters alike.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dutylist import timefmt
from dutylist.config import Config
from dutylist.extensions import db
from dutylist.models import AuditEvent, Version
from workflow import operations as ops

from .factories import signed_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def zone(app):
    """Set the app's TIMEZONE for one test (the session app is shared), then put it back."""
    before = app.config["TIMEZONE"]
    yield lambda name: app.config.__setitem__("TIMEZONE", name)
    app.config["TIMEZONE"] = before


def shown(value: datetime, hours: int, fmt="%Y-%m-%d %H:%M") -> str:
    """How a stored naive-UTC value should read in a zone `hours` ahead of UTC."""
    return (value + timedelta(hours=hours)).strftime(fmt)


# ------------------------------------------------------------------ the module ----
def test_naive_utc_is_shown_in_the_zone():
    stored = datetime(2026, 11, 30, 1, 13, 5)  # as utcnow() stores it
    assert timefmt.localtime(stored, tz=SHANGHAI) == "2026-11-30 09:13"
    assert timefmt.localtime(stored, "%H:%M:%S", tz=ZoneInfo("Asia/Urumqi")) == "07:13:05"
    late = datetime(2026, 11, 30, 17, 30)  # 01:30 the next day in Beijing
    assert timefmt.localdate(late, tz=SHANGHAI) == date(2026, 12, 1)
    assert timefmt.format_date(late, tz=SHANGHAI) == "2026-12-01"
    assert timefmt.isotime(late, tz=SHANGHAI) == "2026-12-01T01:30:00+08:00"
    # an aware value is converted, not re-labelled; a plain date is a day already; None is nothing
    assert timefmt.localtime(datetime(2026, 1, 1, 12, tzinfo=UTC), tz=SHANGHAI) == "2026-01-01 20:00"
    assert timefmt.localtime(date(2099, 12, 31)) == "2099-12-31"
    assert timefmt.format_date(date(2099, 12, 31)) == "2099-12-31"
    assert timefmt.localtime(None) == "" and timefmt.format_date(None) == "" and timefmt.isotime(None) == ""


def test_the_zone_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.delenv("TIMEZONE", raising=False)
    assert Config().TIMEZONE == "Asia/Shanghai"
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")
    assert Config().TIMEZONE == "Asia/Urumqi"
    assert timefmt.zone_name() == "Asia/Urumqi"  # no app: the environment
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        Config()
    assert timefmt.zone_label("Asia/Shanghai") == "北京时间"
    assert timefmt.zone_label("Asia/Kabul") == "UTC+04:30"
    assert "北京时间（Asia/Shanghai，UTC+08:00）" in timefmt.zone_note("Asia/Shanghai")
    assert timefmt.today(SHANGHAI) == datetime.now(SHANGHAI).date()


# ------------------------------------------------------------------ pages ----
def test_revision_timeline_opinions_and_version_page_show_beijing_time(app, world, zone, monkeypatch):
    zone("Asia/Shanghai")
    # published_at is rewritten below behind the audit log's back: no cached home page from another test
    monkeypatch.setitem(app.config, "QUERY_CACHE", False)
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    started = db.session.scalar(select(AuditEvent.created_at).where(
        AuditEvent.revision_id == rev.id, AuditEvent.action == "revision_start"))
    client = signed_in(app, "dayou-drafter")
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    local = shown(started, 8, "%Y-%m-%d %H:%M:%S")
    assert local in timeline, timeline[:600]
    assert started.strftime("%Y-%m-%d %H:%M:%S") not in timeline  # the stored UTC value is not shown
    assert f'datetime="{shown(started, 8, "%Y-%m-%dT%H:%M:%S")}+08:00"' in timeline
    assert "页面中的时间均为北京时间（Asia/Shanghai，UTC+08:00）" in page  # the footer names the zone

    # a published version: its time on the version page, its day on the home page and in the history
    world.version.published_at = datetime(2026, 11, 30, 17, 30)
    db.session.commit()
    version_page = client.get(f"/versions/{world.version.id}").get_data(as_text=True)
    assert "发布于 <time datetime=\"2026-12-01T01:30:00+08:00\">2026-12-01 01:30</time>" in version_page
    assert "2026-11-30 17:30" not in version_page
    history = client.get(f"/townships/{world.town.id}/history").get_data(as_text=True)
    assert "2026-12-01 01:30" in history
    home = client.get("/").get_data(as_text=True)
    townships = home[home.index('<table class="grid townships'):home.index("</table>")]
    assert "2026-12-01" in townships and "2026-11-30" not in townships

    # another zone, the same stored value: the setting decides
    zone("Asia/Urumqi")
    page = client.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert shown(started, 6, "%Y-%m-%d %H:%M:%S") in page and "新疆时间" in page


def test_audit_log_page_shows_local_times_and_says_which(app, world, zone):
    zone("Asia/Shanghai")
    client = signed_in(app, "auditor")
    login_event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")
                                     .order_by(AuditEvent.seq.desc())).first()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<th>时间（北京时间）</th>" in page and "时间（UTC）" not in page
    row = page[page.index(f'data-seq="{login_event.seq}"'):]
    row = row[:row.index("</tr>")]
    assert shown(login_event.created_at, 8, "%Y-%m-%d %H:%M:%S") in row
    assert login_event.created_at.strftime("%Y-%m-%d %H:%M:%S") not in row


# ------------------------------------------------------------------ exports and the API ----
def test_exports_date_the_list_by_the_local_day_and_stamp_local_time(app, world, zone):
    from docx import Document
    from openpyxl import load_workbook

    zone("Asia/Shanghai")
    world.version.published_at = datetime(2026, 11, 30, 17, 30)  # 2026-12-01 01:30 in Beijing
    world.version.doc_date = None
    db.session.commit()
    client = signed_in(app, "jimsar-civil")
    docx = client.get(f"/versions/{world.version.id}/export.docx")
    assert docx.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(docx.data)).paragraphs]
    assert "2026年12月1日" in paragraphs and "2026年11月30日" not in paragraphs
    sheet = load_workbook(io.BytesIO(client.get(f"/versions/{world.version.id}/export.xlsx").data)).worksheets[0]
    assert "2026年12月1日" in [c.value for c in sheet["A"][:3]]

    data = json.loads(client.get(f"/versions/{world.version.id}/export.json").data)
    assert data["date"] == "2026年12月1日"
    stamped = datetime.fromisoformat(data["exported_at"])
    assert data["exported_at"].endswith("+08:00"), data["exported_at"]
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=5)


def test_a_drafts_export_is_dated_today_in_the_zone(app, world, zone, monkeypatch):
    zone("Asia/Shanghai")
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    # 2026-11-30 20:00 UTC is already 1 December in Beijing: the draft is dated by the local day
    monkeypatch.setattr(timefmt, "now", lambda tz=None: datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
                        .astimezone(tz or timefmt.zone()))
    data = json.loads(signed_in(app, "dayou-drafter").get(f"/revisions/{rev.id}/export.json").data)
    assert data["date"] == "2026年12月1日" and data["exported_at"] == "2026-12-01T04:00:00+08:00"


def test_the_api_keeps_utc_with_an_explicit_offset(app, world):
    from dutylist.services.tokens import create_token

    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    token = create_token(world.drafter, "test")
    db.session.commit()
    client = app.test_client()
    body = client.get(f"/api/v1/revisions/{rev.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    created = body["created_at"]
    assert created.endswith("Z") or created.endswith("+00:00"), created
    stored = db.session.get(type(rev), rev.id).created_at
    assert datetime.fromisoformat(created) == stored.replace(tzinfo=UTC)
    version = client.get(f"/api/v1/versions/{world.version.id}",
                         headers={"Authorization": f"Bearer {token}"}).get_json()
    assert version["published_at"].endswith("Z")
    assert db.session.get(Version, world.version.id).published_at.replace(tzinfo=UTC) == \
        datetime.fromisoformat(version["published_at"])
