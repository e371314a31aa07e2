"""In Chromium: a version published through the whole review is filed with the prefecture, which acknowledges
receipt from its dashboard; then, without signing in, the portal shows version 2 and what changed, at a
desktop's width and at a phone's (390 px). Screenshots in test-artifacts/public-*.png."""
from __future__ import annotations

import pytest

from .browser import TIMEOUT_MS
from .test_browser_a11y import axe_violations
from .ui_helpers import click_and_wait, goto, make_review_data, shot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDER_THAN_SCREEN = """() => { const w = window.innerWidth; return [...document.querySelectorAll('body *')]
  .filter(el => { const r = el.getBoundingClientRect(); return r.width && r.right > w + 1 && !el.closest('.table-scroll'); })
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')).slice(0, 5); }"""


def test_filing_acknowledged_then_the_portal_shows_version_2_and_its_changes(page, live_server, chromium):
    data = make_review_data(live_server)  # 六户地镇: version 2 published; 大有镇: a draft being written

    # the prefecture acknowledges the filing from its dashboard
    sign_in(page, live_server, "changji-prefecture")
    goto(page, "/dashboard")
    pending = page.locator("#pending-filings tr[data-township='六户地镇']")
    assert pending.count() == 1
    shot(page, "public-filing-dashboard", max_height=1600)
    click_and_wait(page, pending.locator("button.acknowledge"))
    assert "已确认接收六户地镇第 2 版清单的备案" in page.locator(".flash").inner_text()
    row = page.locator("#filings tr[data-township='六户地镇']")
    assert row.get_attribute("data-status") == "acknowledged" and "已确认接收" in row.inner_text()
    assert page.locator("#pending-filings").count() == 0
    shot(page, "public-filing-register")

    # anyone, without signing in: from the sign-in page to the portal, the township, its changes
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        ctx = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
        ctx.set_default_timeout(TIMEOUT_MS)
        visitor = ctx.new_page()
        try:
            goto(visitor, "/auth/login")
            click_and_wait(visitor, visitor.locator("#public-link a"))
            assert visitor.url.endswith("/public/")
            assert visitor.locator("#public-nav").is_visible()
            assert visitor.evaluate(WIDER_THAN_SCREEN) == [], label
            shot(visitor, f"public-index-{label}", max_height=2000)
            click_and_wait(visitor, visitor.locator("tr[data-township='六户地镇'] a").first)
            assert visitor.url.endswith(f"/public/townships/{data.published_township_id}")
            assert "第 2 版（现行）" in visitor.locator("#version-label").inner_text()
            assert visitor.locator("#summary").is_visible() and visitor.locator("#table-withdrawn").count() == 1
            assert visitor.locator("text=负责本镇党建联建工作").count() >= 1
            assert visitor.evaluate(WIDER_THAN_SCREEN) == [], label
            shot(visitor, f"public-township-{label}", max_height=3000)
            click_and_wait(visitor, visitor.locator("#changes-link"))
            section = visitor.locator("#version-2")
            assert "相对第 1 版" in section.locator("h2").inner_text()
            assert section.locator("tr.diff-added").filter(has_text="负责本镇党建联建工作").count() == 1
            assert section.locator("tr.diff-removed").count() == 1 and section.locator("tr.diff-changed").count() >= 1
            assert "修改理由" not in section.inner_text() and "写明公开频次" not in visitor.content()
            assert visitor.evaluate(WIDER_THAN_SCREEN) == [], label
            shot(visitor, f"public-changes-{label}", max_height=3000)
            # 大有镇's draft is nowhere: its list is still version 1
            goto(visitor, f"/public/townships/{data.township_id}")
            assert "第 1 版（现行）" in visitor.locator("#version-label").inner_text()
            assert "按季度公开" not in visitor.content()
            assert ctx.cookies() == [] or all(c["name"] != "remember_token" for c in ctx.cookies())
        finally:
            ctx.close()
    assert context_problems(page) == []


def test_portal_pages_pass_axe(page, live_server):
    data = make_review_data(live_server)
    town = data.published_township_id
    found = {}
    for path in ("/public/", f"/public/townships/{town}", f"/public/townships/{town}/versions",
                 f"/public/townships/{town}/changes", "/public/search?q=" + "农业", "/auth/login"):
        goto(page, path)
        found[path] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
    assert context_problems(page) == []


def context_problems(page) -> list:
    return page.context.watch.problems()
