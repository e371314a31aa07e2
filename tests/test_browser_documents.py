"""The import and download pages in a real browser (Chromium): upload, preview, confirm, progress.

Checks that the pages work under the Content-Security-Policy (the progress page's script is a
static file) and saves screenshots of the preview and the result under test-artifacts/documents/.
"""
from __future__ import annotations

import re

import pytest

from dutylist.documents import export_xlsx, model
from dutylist.extensions import db
from dutylist.models import Organisation
from dutylist.services import snapshot
from dutylist.services.list_counts import list_stats

from .browser import ARTIFACTS, goto, sign_in, submit

pytestmark = pytest.mark.browser


def test_drafter_downloads_then_imports_a_revised_excel_list(page, context, live_server, tmp_path):
    live_server.app.config["DOCUMENTS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    with live_server.app.app_context():
        town = db.session.scalar(db.select(Organisation).where(Organisation.name == "大有镇"))
        town_id = town.id
        doc = model.from_version(snapshot.current_version(town_id))
    basic = doc.of_kind("basic")
    basic[4]["name"] += "（修订）"
    doc.entries.insert(len(basic), {**basic[0], "item_id": None, "number": len(basic) + 1,
                                    "name": "做好基层统计数据采集工作"})
    doc.stats = list_stats(doc.entries)
    path = tmp_path / "大有镇修订稿.xlsx"
    path.write_bytes(export_xlsx.to_xlsx(doc))

    sign_in(page, live_server, "dayou-drafter")
    goto(page, f"/townships/{town_id}")
    with page.expect_download() as download:
        page.locator("#downloads").get_by_role("link", name="Word", exact=True).click()
    assert download.value.suggested_filename.endswith("第1版.docx")

    page.locator("#import-draft").click()
    page.wait_for_url(re.compile(r"/imports/new"))
    page.locator("input[type=file]").set_input_files(str(path))
    submit(page, page.locator("form.upload-form"))
    assert re.search(r"/imports/[A-Za-z0-9_-]+$", page.url)
    assert page.locator('[data-kind="basic"]').inner_text() == str(len(basic) + 1)
    assert page.locator('[data-plan="added"]').inner_text() == "1"
    assert page.locator('[data-plan="changed"]').inner_text() == "1"
    assert "未发现问题" in page.locator("#import-warnings").inner_text()
    ARTIFACTS.joinpath("documents").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "documents" / "import-preview.png"))
    width = page.evaluate("document.querySelector('#preview-basic table').getBoundingClientRect().width")
    assert width <= page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    page.locator("#preview-basic td[data-status=changed]").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "documents" / "import-preview-rows.png"))

    page.locator("#confirm-import").click()
    page.wait_for_url(re.compile(r"/(imports/[A-Za-z0-9_-]+/progress|revisions/\d+)$"))
    if "/progress" in page.url:
        page.screenshot(path=str(ARTIFACTS / "documents" / "import-progress.png"))
        link = page.locator("#import-result-link")
        link.wait_for(state="visible")
        page.wait_for_function("document.getElementById('import-progress').dataset.state === 'done'")
        if "/progress" in page.url:
            link.click()
    page.wait_for_url(re.compile(r"/revisions/\d+$"))
    assert "做好基层统计数据采集工作" in page.locator("#draft").inner_text()
    assert "（修订）" in page.locator("#draft").inner_text()
    page.screenshot(path=str(ARTIFACTS / "documents" / "import-result.png"))
    assert not context.watch.problems(), context.watch.problems()
