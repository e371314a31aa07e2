"""The pages on a phone (390 × 844) and on a desktop (1280 × 900), in Chromium.

On a phone no page scrolls sideways as a whole (wide tables scroll inside their own box or reflow into
cards), the header folds into a 菜单 button that opens the navigation, and what is pressed is at least
44 px high. On a desktop the navigation is shown as it was, in the header bar.
"""
from __future__ import annotations

import pytest

from .ui_helpers import click_and_wait, goto, make_review_data, shot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

#: what the page is wider than the screen by, and the widest element sticking out (to say what to fix)
OVERFLOW = """() => {
  const width = window.innerWidth, doc = document.documentElement;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !el.closest('.table-scroll')) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
    }
  }
  return {scrollWidth: doc.scrollWidth, innerWidth: width, sticking_out: out.slice(0, 8)};
}"""

#: visible controls a finger presses, lower than 44 px
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main button, main select, main textarea, main .button, header button, ' +
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.height > 0 && r.height < 44)
  .map(([el, r]) => `${el.tagName.toLowerCase()}[name=${el.name || ''}] "${(el.innerText || el.value || '').trim().slice(0, 12)}" ${Math.round(r.height)}px`)"""


def pages_of(data) -> dict[str, tuple[str, str]]:
    """name -> (user, path): every page the brief lists, as the user who reads it."""
    return {
        "home": ("dayou-drafter", "/"),
        "township": ("dayou-drafter", f"/townships/{data.township_id}"),
        "big-list": ("dayou-drafter", "/townships/" + "{aheqi}"),
        "revision-drafter": ("dayou-drafter", f"/revisions/{data.revision_id}"),
        "revision-diff": ("dayou-drafter", f"/revisions/{data.revision_id}/diff"),
        "history": ("dayou-drafter", f"/townships/{data.published_township_id}/history"),
        "versions-diff": ("dayou-drafter", f"/townships/{data.published_township_id}/diff"),
        "search": ("dayou-drafter", "/search?q=农业"),
        "inbox": ("dayou-drafter", "/inbox"),
        "workflow": ("dayou-drafter", "/workflow"),
        "notifications": ("dayou-drafter", "/notifications"),
        "password": ("dayou-drafter", "/auth/password"),
        "compare": ("dayou-drafter", f"/compare?township={data.township_id}&township={data.published_township_id}"),
        "stats": ("dayou-drafter", f"/stats/township/{data.township_id}"),
        "published-revision": ("changji-prefecture", f"/revisions/{data.published_revision_id}"),
        "dashboard": ("jimsar-office", "/dashboard"),
        "dashboard-region": ("xj-region", "/dashboard"),
        "audit": ("auditor", "/admin/audit"),
        "import": ("sysadmin", "/imports/new"),
        "deputies": ("jimsar-office", "/deputies"),
        "filings": ("changji-prefecture", "/filings"),
    }


def township_id(server, name: str) -> int:
    from sqlalchemy import select

    from dutylist.extensions import db
    from dutylist.models import Organisation

    with server.app.app_context():
        found = db.session.scalar(select(Organisation.id).where(Organisation.name == name))
        db.session.remove()
    return found


def visit_all(page, server, data, size, label):
    """Every page at the size: (name, overflow report, small targets) for each."""
    aheqi = township_id(server, "阿合奇镇")
    page.set_viewport_size(size)
    seen, user = [], None
    for name, (who, path) in pages_of(data).items():
        if who != user:
            page.context.clear_cookies()
            sign_in(page, server, who)
            user = who
        goto(page, path.format(aheqi=aheqi))
        report = page.evaluate(OVERFLOW)
        small = page.evaluate(SMALL_TARGETS) if size == PHONE else []
        shot(page, f"{label}-{name}", full_page=name not in ("big-list",))
        seen.append((name, report, small))
    return seen


def test_no_page_scrolls_sideways_on_a_phone_and_targets_are_finger_sized(page, context, live_server):
    data = make_review_data(live_server)
    seen = visit_all(page, live_server, data, PHONE, "phone")
    wide = {name: r for name, r, _ in seen if r["scrollWidth"] > r["innerWidth"]}
    assert not wide, wide
    small = {name: s for name, _, s in seen if s}
    assert not small, small
    assert not context.watch.problems(), context.watch.problems()


def test_desktop_pages_fit_and_show_the_navigation(page, context, live_server):
    data = make_review_data(live_server)
    seen = visit_all(page, live_server, data, DESKTOP, "desktop")
    wide = {name: r for name, r, _ in seen if r["scrollWidth"] > r["innerWidth"]}
    assert not wide, wide
    # the header as it was: no 菜单 button, the links in one bar beside the title
    assert page.locator("#menu-button").is_hidden()
    links = page.locator("header nav a")
    assert links.count() >= 6
    brand = page.locator("header .brand").bounding_box()
    for i in range(links.count()):
        link = links.nth(i)
        assert link.is_visible(), link.inner_text()
        box = link.bounding_box()
        assert box["y"] < brand["y"] + brand["height"] and box["y"] + box["height"] > brand["y"], \
            f"{link.inner_text()} is not on the title's line"
    assert page.locator("header").bounding_box()["height"] < 120
    click_and_wait(page, page.locator("header nav a", has_text="待办"))
    assert page.url.endswith("/inbox")
    assert not context.watch.problems(), context.watch.problems()


def test_the_header_menu_on_a_phone(page, context, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "jimsar-office")
    header = page.locator("header")
    assert header.bounding_box()["height"] <= 70, "the closed header is one line: title and 菜单"
    button = page.locator("#menu-button")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert button.bounding_box()["height"] >= 44 and button.bounding_box()["width"] >= 44
    nav_links = page.locator("header nav a")
    assert nav_links.count() >= 5
    assert all(not nav_links.nth(i).is_visible() for i in range(nav_links.count()))
    assert page.locator("header button", has_text="退出").is_hidden()
    shot(page, "phone-menu-closed", full_page=False)

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    shot(page, "phone-menu-open", full_page=False)
    targets = [nav_links.nth(i) for i in range(nav_links.count())] + [
        page.locator("#email-link"), page.locator("#password-link"), page.locator("header button", has_text="退出")]
    for target in targets:
        assert target.is_visible(), target.inner_text()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{target.inner_text()} off screen"
        assert box["height"] >= 44, f"{target.inner_text()}: {box['height']}px high"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Escape closes it again, and the focus goes back to the button
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and nav_links.first.is_hidden()
    assert page.evaluate("document.activeElement.id") == "menu-button"

    # the links work: 总览 from the menu, then 退出 from the menu on the next page
    button.click()
    click_and_wait(page, page.locator("header nav a", has_text="总览"))
    assert page.url.endswith("/dashboard") and page.locator("h1").inner_text().startswith("总览")
    assert page.locator("#menu-button").get_attribute("aria-expanded") == "false"
    page.locator("#menu-button").click()
    click_and_wait(page, page.locator("header button", has_text="退出"))
    assert "/auth/login" in page.url
    assert not context.watch.problems(), context.watch.problems()


def test_without_javascript_the_phone_header_is_shown_stacked(chromium, live_server):
    ctx = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        page = ctx.new_page()
        sign_in(page, live_server, "dayou-drafter")
        assert page.locator("#menu-button").is_hidden()
        link = page.locator("header nav a", has_text="待办")
        assert link.is_visible() and link.bounding_box()["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        click_and_wait(page, link)
        assert page.url.endswith("/inbox")
    finally:
        ctx.close()
