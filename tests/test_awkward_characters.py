"""One rule for awkward characters at input (dutylist.textrules): forms and the API refuse control
characters and non-characters with a message naming the field, keeping what was typed; imports remove
them and the preview says so. Zero-width characters, RTL marks, combining marks and emoji are text."""
from __future__ import annotations

import io
import zipfile

import pytest

from dutylist.documents import export_docx, file_types, model
from dutylist.extensions import db
from dutylist.models import DraftItem
from dutylist.services.tokens import create_token
from dutylist.textrules import csv_field, field_problem, strip_awkward
from workflow import operations as ops


@pytest.fixture
def drafting(app, world):
    rev = ops.start_revision(world.town, world.drafter)
    db.session.commit()
    client = app.test_client()
    assert client.login("dayou-drafter").status_code == 302
    return client, rev


@pytest.mark.parametrize("bad", ["\u0001", "\ufffe", "\uffff", "\x7f", "\x85", "\ufdd0", "\U0010ffff", "\x1b[31m"])
def test_the_item_form_refuses_awkward_characters_naming_the_field(drafting, bad):
    client, rev = drafting
    typed = f"新事项{bad}甲"
    response = client.post_form(f"/revisions/{rev.id}/items/new",
                                {"kind": "basic", "category": "党的建设", "name": typed, "reason": "新增"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "「事项名称」含有控制字符或非字符" in html and f"U+{ord(bad[0]):04X}" in html
    assert "新事项" in html  # what was typed is kept (the awkward character cannot be shown)
    assert not db.session.query(DraftItem).filter(DraftItem.name.like("新事项%")).count()


def test_an_awkward_character_in_the_hidden_version_field_is_shown_too(drafting):
    """A tampered hidden field is refused with a message the user can see (found by test_robustness)."""
    client, rev = drafting
    response = client.post_form(f"/revisions/{rev.id}/items/new", {"kind": "basic", "category": "党的建设",
                                                                    "name": "新事项", "lock_version": "\x0b"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="error" role="alert">「事项版本号」含有控制字符或非字符' in html
    assert not db.session.query(DraftItem).filter(DraftItem.name == "新事项").count()


@pytest.mark.parametrize("fine", ["零\u200b宽", "e\u0301", "😀", "\u202e右左\u200f", "甲\t乙\n丙"])
def test_the_item_form_takes_ordinary_unicode(drafting, fine):
    client, rev = drafting
    response = client.post_form(f"/revisions/{rev.id}/items/new",
                                {"kind": "basic", "category": "党的建设", "name": "新事项" + fine, "reason": "新增"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]


def test_one_line_fields_refuse_tabs_and_line_breaks_too():
    assert field_problem("单位名称", "甲\t乙", multiline=False) == "「单位名称」含有控制字符或非字符（U+0009），请删除后重试"
    assert field_problem("事项名称", "甲\t乙\n丙") is None


def test_the_api_refuses_awkward_characters_naming_the_field(app, client, world):
    rev = ops.start_revision(world.town, world.drafter)
    headers = {"Authorization": f"Bearer {create_token(world.drafter)}"}
    db.session.commit()
    for body, label in (({"name": "事项\ufffe"}, "事项名称"), ({"dept_duties": ["1.\u0001审核"]}, "上级部门职责"),
                        ({"reason": "理由\u0007"}, "reason")):
        response = client.post(f"/api/v1/revisions/{rev.id}/items", headers=headers, json={
            "kind": "cooperative", "category": "民生服务", "name": "事项", "reason": "新增", **body})
        assert response.status_code == 400, response.get_json()
        assert label in response.get_json()["error"] and "控制字符或非字符" in response.get_json()["error"]


def test_an_import_removes_awkward_characters_and_the_preview_says_so(app, world):
    data = export_docx.to_docx(model.from_version(world.version))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            if info.filename == "word/document.xml":  # characters XML allows, but the rule refuses
                raw = raw.replace("收养登记".encode(), "收养\u009f登\ufdd0记".encode())
            zout.writestr(info, raw)
    parsed = file_types.parse_document(out.getvalue(), township="大有镇")
    assert "收养登记" in [i.name for i in parsed.items]
    warning = next(w for w in parsed.warnings if w.code == "awkward_characters")
    assert "U+009F" in warning.message and "U+FDD0" in warning.message and "1 个事项" in warning.message


def test_strip_and_csv_field_keep_what_reads():
    assert strip_awkward("a\u0001b\ufffec\td\ne😀") == "abc\td\ne😀"
    assert csv_field("=1+1") == "'=1+1" and csv_field("事项") == "事项" and csv_field(3) == 3
