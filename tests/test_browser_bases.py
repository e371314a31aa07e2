"""The library of bases (依据库) and citing it, in Chromium over the demo data: 吉木萨尔县委编办 adds a law
to the library; 大有镇's drafter cites it on an item by typing a few words in the 依据 box and picking it
from the list, adds the article, saves; the draft shows the citation. Desktop (1280 px) and phone
(390 px) screenshots in test-artifacts/ (bases-*.png)."""
from __future__ import annotations

import pytest

from dutylist.extensions import db
from dutylist.models import Organisation, User
from workflow import operations as ops

from .browser import ARTIFACTS
from .test_browser_a11y import axe_violations
from .test_browser_admin import click_link, fits, sign_in, submit

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str, full: bool = True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"bases-{name}.png"), full_page=full)


def open_draft(server) -> tuple[int, int, str]:
    """大有镇's open draft (as the drafter's 发起修订 makes it): (revision, an item of it, its name)."""
    with server.app.app_context():
        town = db.session.scalar(db.select(Organisation).where(Organisation.name == "大有镇"))
        drafter = db.session.scalar(db.select(User).where(User.username == "dayou-drafter"))
        rev = ops.start_revision(town, drafter)
        item = next(i for i in rev.items if i.kind == "basic")
        db.session.commit()
        return rev.id, item.id, item.name


def menu(page, link_id: str):
    if page.locator("#menu-button").is_visible():  # a phone: the header's links are behind 菜单
        page.locator("#menu-button").click()
    click_link(page, page.locator(f"header nav a#{link_id}"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_office_adds_a_basis_and_the_drafter_cites_it_as_they_type(page, live_server, size):
    page.set_viewport_size(DESKTOP if size == "desktop" else PHONE)
    revision_id, item_id, name = open_draft(live_server)

    # ---- the county office adds the law to the library
    sign_in(page, "jimsar-office", live_server.password)
    menu(page, "nav-bases")
    assert "依据库中还没有依据" in page.locator("main").inner_text()
    click_link(page, page.locator("#add-basis"))
    form = page.locator("#basis-form")
    form.locator("input[name=title]").fill("中华人民共和国土地管理法")
    form.locator("input[name=doc_number]").fill("主席令第三十二号")
    form.locator("input[name=issuer]").fill("全国人民代表大会常务委员会")
    form.locator("select[name=level]").select_option("法律")
    form.locator("input[name=effective_on]").fill("2020-01-01")
    submit(page, form)
    assert page.locator("#basis-title").inner_text() == "《中华人民共和国土地管理法》"
    assert "现行有效" in page.locator("#basis-status").inner_text()
    shot(page, f"{size}-added")
    assert fits(page)
    # a second time: refused, what was typed kept
    page.goto("/bases/new", wait_until="load")
    form = page.locator("#basis-form")
    form.locator("input[name=title]").fill("土地管理法（重复）")
    form.locator("input[name=doc_number]").fill("主席令 第三十二号")
    form.locator("input[name=issuer]").fill("全国人民代表大会常务委员会")
    form.locator("select[name=level]").select_option("法律")
    submit(page, form, expect_status=409)
    assert "依据库中已有文号为“主席令第三十二号”的依据" in page.locator("#basis-problem").inner_text()
    assert page.locator("input[name=title]").input_value() == "土地管理法（重复）"
    page.goto("/bases", wait_until="load")
    assert page.locator("#basis-list tbody tr").count() == 1
    shot(page, f"{size}-library")
    assert fits(page)
    assert axe_violations(page) == []

    # ---- the drafter cites it: a few words, the list, a pick, the article
    sign_in(page, "dayou-drafter", live_server.password)
    page.goto(f"/revisions/{revision_id}/items/{item_id}/edit", wait_until="load")
    box = page.locator("textarea#bases")
    box.click()
    box.type("土地管理", delay=30)
    option = page.locator("#bases-choices [role=option]").first
    option.wait_for(state="visible")
    assert "《中华人民共和国土地管理法》" in option.inner_text() and "主席令第三十二号" in option.inner_text()
    box.scroll_into_view_if_needed()
    shot(page, f"{size}-typeahead", full=False)
    assert axe_violations(page) == []
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "《中华人民共和国土地管理法》（主席令第三十二号）"
    box.type("第十条")
    # and a second line the library does not have: kept as a pending citation
    box.press("End")
    box.press("Enter")
    box.type("《某某自治区土地管理办法》第五条")
    page.locator("textarea#reason").fill("补充法律依据")
    submit(page, page.locator("form.item-form"))
    row = page.locator(f"#d{item_id}")
    cell = row.locator("td.bases")
    assert cell.locator(".citation").nth(0).inner_text() == "《中华人民共和国土地管理法》第十条"
    assert "《某某自治区土地管理办法》第五条" in cell.locator(".citation").nth(1).inner_text()
    assert cell.locator(".pending-basis").count() == 1
    row.scroll_into_view_if_needed()
    shot(page, f"{size}-draft-row", full=False)
    # the library counts nothing yet (drafts are not versions); the saved item cites it
    with live_server.app.app_context():
        from dutylist.models import DraftItem
        item = db.session.get(DraftItem, item_id)
        assert item.bases[0]["article"] == "第十条" and item.bases[0]["basis_id"] is not None
        assert item.bases[1]["basis_id"] is None
    assert name
