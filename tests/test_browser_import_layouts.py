"""Importing a list in another layout through the preview, in a real browser (Chromium), at desktop and
phone (390 px) widths: the administrator maps a column of a 权责清单 to 跳过 and imports it as a new
township of 辽宁省; a township drafter imports a flat sheet (事项类型 column) as a draft. Screenshots
go to test-artifacts/layouts/."""
from __future__ import annotations

import re

import pytest

from dutylist.extensions import db
from dutylist.models import Organisation

from .browser import goto, shot, sign_in, submit
from .test_import_layouts import flat_sheet, power_list

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def fits(page, selector: str, scrolls: bool = False) -> bool:
    """The element stays within the page's column; unless it is a box that scrolls (a wide table
    scrolls inside its own box), nothing in it is wider than it."""
    return page.evaluate(f"""(() => {{
        const el = document.querySelector({selector!r});
        const main = document.querySelector('main') || document.body;
        return el.getBoundingClientRect().right <= main.getBoundingClientRect().right + 1
            && ({'true' if scrolls else 'false'} || el.scrollWidth <= el.clientWidth + 1); }})()""")


def finish(page):
    """From the progress page (or straight past it) to the result."""
    page.wait_for_url(re.compile(r"/(imports/[A-Za-z0-9_-]+/progress|townships/\d+|revisions/\d+)$"))
    if "/progress" in page.url:  # the page's script follows the result link once the job is done
        page.wait_for_url(re.compile(r"/(townships|revisions)/\d+$"), timeout=60_000)


@pytest.mark.parametrize("size", list(WIDTHS))
def test_admin_maps_a_column_and_imports_a_list_of_another_province(page, context, live_server, tmp_path, size):
    live_server.app.config["DOCUMENTS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[size])))
    path = tmp_path / "红旗街道权责清单.xlsx"
    path.write_bytes(power_list())
    sign_in(page, live_server, "sysadmin")
    goto(page, "/imports/new")
    page.locator("input[type=file]").set_input_files(str(path))
    submit(page, page.locator("form.upload-form"))
    assert "辽宁省 · 铁岭市 · 清河区 · 红旗街道" in page.locator("#import-place").inner_text()
    columns = page.locator("#import-columns")
    assert columns.locator("tbody tr").count() == 8
    row = columns.locator('tr[data-key="实施依据"]')
    assert row.locator("select").input_value() == "bases"  # 实施依据 is the item's 依据 (issue 14)
    assert fits(page, "#import-columns") and fits(page, "#preview-basic .table-scroll", scrolls=True)
    shot(page, f"layouts/admin-preview-{size}")

    columns.locator('tr[data-key="子项"] select').select_option("skip")
    submit(page, page.locator("#columns-form"))
    assert "已按所选的对应重新读取" in page.locator(".flash").first.inner_text()
    assert page.locator('tr[data-key="子项"] select').input_value() == "skip"
    assert "“子项”（2 格有内容）" in page.locator("#skipped-columns").inner_text()
    assert "换届选举指导" not in page.locator("#preview-basic").inner_text()
    assert "《中华人民共和国安全生产法》第九条" in page.locator("#preview-basic").inner_text()
    page.locator("#import-columns").scroll_into_view_if_needed()
    shot(page, f"layouts/admin-remapped-{size}", full_page=False)

    page.locator("#confirm-import").click()
    finish(page)
    assert re.search(r"/townships/\d+$", page.url)
    table = page.locator("#table-basic")
    assert table.locator("th.remarks").inner_text() == "备注"
    assert "追责情形：未按规定开展检查的" in table.inner_text()
    assert "《中华人民共和国安全生产法》第九条" in table.locator("td.bases").first.inner_text()
    shot(page, f"layouts/admin-result-{size}")
    with live_server.app.app_context():
        town = db.session.scalar(db.select(Organisation).where(Organisation.name == "红旗街道"))
        assert town.parent.parent.parent.name == "辽宁省" and town.parent.parent.parent.parent is None
    assert not context.watch.problems(), context.watch.problems()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_drafter_imports_a_flat_sheet_as_a_draft(page, context, live_server, tmp_path, size):
    live_server.app.config["DOCUMENTS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[size])))
    path = tmp_path / "大有镇全部事项.xlsx"
    path.write_bytes(flat_sheet(("基本", "配合", "收回")))
    with live_server.app.app_context():
        town_id = db.session.scalar(db.select(Organisation.id).where(Organisation.name == "大有镇"))
    sign_in(page, live_server, "dayou-drafter")
    goto(page, f"/imports/new?township_id={town_id}")
    page.locator("input[type=file]").set_input_files(str(path))
    submit(page, page.locator("form.upload-form"))
    assert page.locator('tr[data-key="事项类型"] select').input_value() == "kind"
    assert page.locator('[data-kind="basic"]').inner_text() == "2"
    assert page.locator('[data-kind="cooperative"]').inner_text() == "2"
    assert page.locator('[data-kind="withdrawn"]').inner_text() == "1"
    assert "对应上级部门：吉木萨尔县政务服务中心" in page.locator("#preview-basic").inner_text()
    assert fits(page, "#import-columns") and fits(page, "#preview-basic .table-scroll", scrolls=True)
    shot(page, f"layouts/drafter-preview-{size}", full_page=False)
    page.locator("#preview-basic").scroll_into_view_if_needed()
    shot(page, f"layouts/drafter-preview-rows-{size}", full_page=False)
    page.locator("#confirm-import").click()
    finish(page)
    assert re.search(r"/revisions/\d+$", page.url)
    assert "每季度报告一次" in page.locator("#draft").inner_text()
    shot(page, f"layouts/drafter-result-{size}", full_page=False)
    assert not context.watch.problems(), context.watch.problems()
