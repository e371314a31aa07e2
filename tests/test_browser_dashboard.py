"""Real-browser tests of the dashboard, the statistics charts and the notification badge (demo data)."""
from __future__ import annotations

import pytest

from .browser import ARTIFACTS, assert_clean, sign_in, submit

pytestmark = pytest.mark.browser

CHANGJI = {"大有镇", "六户地镇", "大南沟乌孜别克族乡", "奇台镇"}


def click(page, locator):
    with page.expect_navigation(wait_until="load") as nav:
        locator.click()
    assert nav.value.status == 200, f"{nav.value.status} for {nav.value.url}"


def dashboard_rows(page) -> dict[str, str]:
    """township -> state label, as the table shows them."""
    rows = page.locator("#dashboard-table tbody tr")
    return {rows.nth(i).locator("td").nth(0).inner_text().strip(): rows.nth(i).locator("td .badge").inner_text().strip()
            for i in range(rows.count())}


def chip_count(page, state) -> int:
    return int(page.locator(f'#state-counts a[data-state="{state}"] .n').inner_text())


def test_dashboard_for_the_county_office_and_the_prefecture(page, context, live_server):
    sign_in(page, live_server, "jimsar-office")
    click(page, page.locator("header nav a", has_text="总览"))
    assert page.locator("h1").inner_text().startswith("总览")
    assert dashboard_rows(page) == {"大有镇": "无进行中的修订"}
    assert chip_count(page, "all") == 1 and chip_count(page, "none") == 1 and chip_count(page, "overdue") == 0

    sign_in(page, live_server, "changji-prefecture")
    click(page, page.locator("header nav a", has_text="总览"))
    rows = dashboard_rows(page)
    assert set(rows) == CHANGJI and set(rows.values()) == {"无进行中的修订"}
    assert chip_count(page, "all") == 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-prefecture.png"), full_page=True)

    # filter by county through the form, then sort by township descending through the header link
    form = page.locator("#dashboard-filters")
    form.locator("select[name=county]").select_option(label="玛纳斯县")
    submit(page, form)
    assert set(dashboard_rows(page)) == {"六户地镇"} and "county=" in page.url
    click(page, page.get_by_role("link", name="清除"))
    click(page, page.locator("#dashboard-table thead a", has_text="乡镇"))  # already by township: now descending
    assert "dir=desc" in page.url
    names = list(dashboard_rows(page))
    click(page, page.locator("#dashboard-table thead a", has_text="乡镇"))
    assert list(dashboard_rows(page)) == list(reversed(names))

    # a county's statistics: charts drawn by the app, as inline SVG
    click(page, page.locator("#dashboard-table tbody tr", has_text="奇台镇").locator("td").nth(1).locator("a"))
    assert page.locator("h1").inner_text() == "奇台县履职事项统计"
    for chart in ("#chart-kinds", "#chart-categories"):
        svg = page.locator(chart)
        assert svg.is_visible() and svg.locator("rect.bar").count() >= 3
        box = svg.bounding_box()
        assert box["width"] > 300 and box["height"] > 60
    fill = page.locator("#chart-kinds rect.bar").first.evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(180, 35, 42)"  # app.css's colour of the basic table
    page.screenshot(path=str(ARTIFACTS / "stats-county.png"), full_page=True)
    assert_clean(context)


def test_a_submission_shows_up_in_the_offices_header_and_dashboard(page, context, live_server):
    sign_in(page, live_server, "jimsar-office")
    assert page.locator("#unread-count").count() == 0

    sign_in(page, live_server, "dayou-drafter")
    assert page.locator("header nav a", has_text="总览").count() == 0
    click(page, page.get_by_role("link", name="大有镇", exact=True))
    submit(page, page.locator("form.start-revision"))
    flag = page.locator("#flags li").first  # the imported list's flagged item is checked first
    flag.locator("textarea[name=reason]").fill("已核对原件")
    submit(page, flag.locator("form"))
    submit(page, page.locator('form[data-event="submit"]'))
    assert page.locator("#status").inner_text().strip() == "已上报待受理"
    revision_url = page.url

    sign_in(page, live_server, "jimsar-office")
    assert page.locator("#unread-count").inner_text() == "1"
    click(page, page.locator("header nav a", has_text="总览"))
    row = page.locator("#dashboard-table tbody tr", has_text="大有镇")
    assert row.locator(".badge").inner_text() == "已上报待受理"
    assert row.locator("td.waits").inner_text() == "县委编办"
    assert chip_count(page, "submitted") == 1 and chip_count(page, "none") == 0
    page.screenshot(path=str(ARTIFACTS / "dashboard-office-submitted.png"), full_page=True)

    click(page, page.locator("#notifications-link"))
    item = page.locator("li.notification.unread")
    assert item.count() == 1 and "大有镇修订稿第 1 轮已上报" in item.inner_text()
    click(page, item.get_by_role("button", name="打开并标为已读"))
    assert page.url == revision_url
    assert page.locator("#unread-count").count() == 0
    assert_clean(context)
