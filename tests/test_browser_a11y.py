"""Accessibility basics, in Chromium: axe-core on the main pages, and the review moves by keyboard alone.

axe-core comes inside the axe-playwright-python wheel and is injected into the page from the package
(page.evaluate): nothing is fetched, and the context's watch (tests/browser.py) fails the test on any
request to another origin. A page fails on violations of the rules below: form fields with labels,
colour contrast, landmarks, and what a keyboard user needs.
"""
from __future__ import annotations

import re

import pytest

from .ui_helpers import goto, make_review_data, revision_status, shot, sign_in

pytestmark = pytest.mark.browser

#: the axe rules whose violations fail a page
RULES = {
    # every form field has a name a screen reader reads
    "label", "select-name", "input-button-name", "button-name", "link-name", "label-title-only",
    "form-field-multiple-labels", "aria-input-field-name",
    # text readable against its background
    "color-contrast",
    # landmarks: all content in one, one main, none duplicated
    "region", "landmark-one-main", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main", "landmark-unique", "landmark-banner-is-top-level",
    "landmark-main-is-top-level", "landmark-contentinfo-is-top-level", "bypass",
    # keyboard
    "scrollable-region-focusable", "tabindex", "nested-interactive", "focus-order-semantics",
    "frame-focusable-content", "accesskeys",
    # and the page itself
    "document-title", "html-has-lang", "html-lang-valid", "duplicate-id-aria", "aria-allowed-attr",
    "aria-valid-attr", "aria-valid-attr-value", "aria-required-attr", "image-alt", "svg-img-alt", "list", "listitem",
    "heading-order", "empty-heading", "page-has-heading-one", "empty-table-header", "td-headers-attr",
    "th-has-data-cells",
}


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    out = []
    for v in results.response["violations"]:
        if v["id"] in RULES:
            targets = ["; ".join(n["target"]) for n in v["nodes"][:5]]
            out.append(f"{v['id']} ({len(v['nodes'])}): {v['help']} — {targets}")
    return out


def test_main_pages_pass_axe(page, context, live_server):
    data = make_review_data(live_server)
    with live_server.app.app_context():
        from dutylist.extensions import db
        from dutylist.models import Version

        version_id = db.session.query(Version.id).filter(Version.township_id == data.township_id).scalar()
        db.session.remove()
    found = {}
    goto(page, "/auth/login")
    found["login"] = axe_violations(page)
    pages = [
        ("dayou-drafter", {
            "list-index": "/", "township": f"/townships/{data.township_id}", "version": f"/versions/{version_id}",
            "revision-drafter": f"/revisions/{data.revision_id}", "diff": f"/revisions/{data.revision_id}/diff",
            "versions-diff": f"/townships/{data.published_township_id}/diff",
            "history": f"/townships/{data.published_township_id}/history", "search": "/search?q=农业",
            "inbox": "/inbox", "workflow": "/workflow", "notifications": "/notifications",
            "compare": f"/compare?township={data.township_id}&township={data.published_township_id}",
            "stats": f"/stats/township/{data.township_id}"}),
        ("jimsar-office", {"dashboard": "/dashboard", "inbox-office": "/inbox"}),
        ("changji-prefecture", {"revision-reviewer": f"/revisions/{data.published_revision_id}"}),
        ("auditor", {"audit": "/admin/audit"}),
    ]
    for user, paths in pages:
        page.context.clear_cookies()
        sign_in(page, live_server, user)
        for name, path in paths.items():
            goto(page, path)
            found[name] = axe_violations(page)
    # the county office's view of a submitted draft: the accept form with its department checkboxes
    sign_in_office_on_submitted(page, live_server, data)
    found["revision-office"] = axe_violations(page)
    # and on a phone, with the menu open
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#menu-button").click()
    found["revision-office-phone-menu"] = axe_violations(page)
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n".join(f"{name}: {v}" for name, vs in bad.items() for v in vs)
    assert len(found) >= 17
    assert not context.watch.problems(), context.watch.problems()  # no request left this origin


def sign_in_office_on_submitted(page, server, data):
    from dutylist.extensions import db
    from dutylist.models import Revision, User
    from workflow import operations as ops

    with server.app.app_context():
        rev = db.session.get(Revision, data.revision_id)
        if rev.status == "drafting":
            drafter = db.session.query(User).filter(User.username == "dayou-drafter").one()
            ops.fire(rev, "submit", drafter, levels=("prefecture", "region"))
            db.session.commit()
        db.session.remove()
    page.context.clear_cookies()
    sign_in(page, server, "jimsar-office")
    goto(page, f"/revisions/{data.revision_id}")


# ------------------------------------------------------------------ keyboard ----
def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement && document.activeElement.matches(sel)", selector):
            # and the focus can be seen
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("", "none"), f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} not reached with Tab")


def press_enter_and_wait(page) -> None:
    with page.expect_navigation(wait_until="load") as nav:
        page.keyboard.press("Enter")
    assert nav.value is not None and nav.value.status == 200, page.locator("main").inner_text()[:400]


def status(page) -> str:
    return page.locator("#status").inner_text().strip()


def test_review_moves_by_keyboard_alone(page, context, live_server):
    data = make_review_data(live_server)
    url = f"/revisions/{data.revision_id}"

    # the drafter submits: Tab to 上报, Enter
    sign_in(page, live_server, "dayou-drafter")
    goto(page, url)
    tab_to(page, 'form[data-event="submit"] button[type=submit]')
    shot(page, "keyboard-submit-focused", full_page=False)
    press_enter_and_wait(page)
    assert status(page) == "已上报待受理" and revision_status(live_server, data.revision_id) == "submitted"

    # the county office accepts: a department ticked with Space, then Tab on to 受理并征求意见 and Enter
    page.context.clear_cookies()
    sign_in(page, live_server, "jimsar-office")
    goto(page, url)
    accept = 'form[data-event="accept"]'
    for box in page.locator(f"{accept} input[name=departments]:checked").all():
        box.uncheck()  # start from none ticked; the keyboard ticks one below
    tab_to(page, f"{accept} input[name=departments]")
    page.keyboard.press("Space")
    assert page.locator(f"{accept} input[name=departments]:checked").count() == 1
    page.keyboard.press("Space")  # and unticked again: this intake consults no department, and says why
    assert page.locator(f"{accept} input[name=departments]:checked").count() == 0
    tab_to(page, f"{accept} textarea[name=no_consultation_reason]")
    page.keyboard.type("本轮修改不涉及县直部门职责")
    tab_to(page, f"{accept} button[type=submit]")
    press_enter_and_wait(page)
    assert status(page) == "县级审核中"
    assert revision_status(live_server, data.revision_id) == "county_review"

    # it returns the draft: Tab to the reason, type it, Tab to 退回修改, Enter
    tab_to(page, 'form[data-event="return_for_revision"] textarea[name=reason]')
    page.keyboard.type("请补充公开频次的依据")
    tab_to(page, 'form[data-event="return_for_revision"] button[type=submit]')
    press_enter_and_wait(page)
    assert status(page) == "已退回修改" and re.search("请补充公开频次的依据", page.locator("#timeline").inner_text())

    # the drafter submits again, the office accepts and approves, all by keyboard
    page.context.clear_cookies()
    sign_in(page, live_server, "dayou-drafter")
    goto(page, url)
    tab_to(page, 'form[data-event="submit"] button[type=submit]')
    press_enter_and_wait(page)
    assert status(page) == "已上报待受理"
    page.context.clear_cookies()
    sign_in(page, live_server, "jimsar-office")
    goto(page, url)
    for box in page.locator(f"{accept} input[name=departments]:checked").all():
        box.uncheck()
    tab_to(page, f"{accept} textarea[name=no_consultation_reason]")
    page.keyboard.type("修改未涉及县直部门职责")
    tab_to(page, 'form[data-event="accept"] button[type=submit]')
    press_enter_and_wait(page)
    tab_to(page, 'form[data-event="approve"] textarea[name=reason]')
    page.keyboard.type("同意")
    tab_to(page, 'form[data-event="approve"] button[type=submit]')
    shot(page, "keyboard-approve-focused", full_page=False)
    press_enter_and_wait(page)
    assert status(page) == "县级审核通过"
    assert revision_status(live_server, data.revision_id) == "county_approved"
    assert not context.watch.problems(), context.watch.problems()
