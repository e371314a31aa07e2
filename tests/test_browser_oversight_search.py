"""Real-browser tests of search and the township comparison (Chromium through Playwright, demo data).

Only what the pages offer is used: the header links, the search box and its filters, the township
checkboxes of the comparison form, and the links in the results.
"""
from __future__ import annotations

import re

import pytest

from .browser import assert_clean, click_link, sign_in, submit

pytestmark = pytest.mark.browser

PHRASE = "高标准农田"
#: the townships whose current list contains the phrase (read in sample_data/; 奇台镇 has none)
WITH_PHRASE = {"大有镇", "六户地镇", "阿合奇镇", "大南沟乌孜别克族乡"}


# ------------------------------------------------------------------ helpers ----
# -------------------------------------------------------------------- tests ----
def test_search_box_finds_items_and_links_to_the_item_in_its_version(page, context, live_server):
    sign_in(page, live_server, "jimsar-office")
    click_link(page, page.locator("header nav a", has_text="检索"))
    form = page.locator("form#search-form")
    form.locator("input[name=q]").fill(PHRASE)
    submit(page, form)

    assert re.search(r"共找到 \d+ 项", page.locator("#result-count").inner_text())
    rows = page.locator("#search-results tbody tr")
    assert rows.count() == 7
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.township)")) == WITH_PHRASE
    assert page.locator("#search-results mark", has_text=PHRASE).count() == 7

    # the first hit: 大有镇, 基本履职事项 46; its link opens the version at that row
    first = rows.first.locator("a.hit")
    name = first.inner_text().strip()
    href = first.get_attribute("href")
    m = re.fullmatch(r"/versions/(\d+)#item-(\d+)", href)
    assert m, href
    click_link(page, first)
    assert page.url.endswith(href)
    row = page.locator(f"#item-{m.group(2)}")
    assert row.is_visible() and name in row.inner_text()
    assert row.evaluate("r => r.closest('section').id") == "table-basic"
    assert "大有镇" in page.locator("h1").inner_text()

    # narrowing to one county through the filters
    page.go_back(wait_until="load")
    form = page.locator("form#search-form")
    county = page.locator("select[name=organisation] option", has_text="玛纳斯县").get_attribute("value")
    form.locator("select[name=organisation]").select_option(county)
    form.locator("select[name=kind]").select_option("cooperative")
    submit(page, form)
    rows = page.locator("#search-results tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-township") == "六户地镇"
    assert "高标准农田基础设施建设" in rows.first.inner_text()

    # from a hit to the same duty in other townships
    click_link(page, rows.first.locator("a", has_text="其他乡镇的同一事项"))
    assert "其他乡镇的同一事项" in page.locator("h1").inner_text()
    same = page.locator("#counterparts tbody tr.same")
    assert set(same.evaluate_all("rs => rs.map(r => r.dataset.township)")) == {"大有镇", "大南沟乌孜别克族乡"}
    assert_clean(context)


def test_short_query_and_no_results(page, context, live_server):
    sign_in(page, live_server, "dayou-drafter")
    click_link(page, page.locator("header nav a", has_text="检索"))
    form = page.locator("form#search-form")
    form.locator("input[name=q]").fill("收养")  # two characters: below a trigram
    submit(page, form)
    rows = page.locator("#search-results tbody tr")
    total = int(re.search(r"共找到 (\d+) 项", page.locator("#result-count").inner_text()).group(1))
    assert rows.count() == total > 0
    assert rows.locator("mark", has_text="收养").count() >= total
    form = page.locator("form#search-form")
    form.locator("input[name=q]").fill("没有这样的事项名称")
    submit(page, form)
    assert "没有找到符合条件的事项" in page.locator("#result-count").inner_text()
    assert_clean(context)


def test_comparison_of_dayou_and_liuhudi(page, context, live_server):
    sign_in(page, live_server, "jimsar-office")
    click_link(page, page.locator("header nav a", has_text="乡镇对比"))
    # the overview: every township's distance from the most common form
    overview = page.locator("section.consensus-overview table tbody tr")
    assert overview.count() == 5

    form = page.locator("form#compare-form")
    form.locator("label.pick", has_text="大有镇").locator("input").check()
    form.locator("label.pick", has_text="六户地镇").locator("input").check()
    submit(page, form)

    assert page.locator("#compare-summary h2").inner_text().strip() == "大有镇 · 六户地镇"
    shared = page.locator("#shared tbody tr")
    assert shared.count() > 200
    assert int(page.locator("#shared-count").inner_text()) == shared.count()
    row = shared.filter(has_text="高标准农田基础设施建设")
    assert row.count() == 1
    assert row.locator("a", has_text="高标准农田基础设施建设").count() == 2  # both wordings

    only = page.locator("section.only-in")
    assert only.count() == 2
    dayou, liuhudi = only.nth(0), only.nth(1)
    assert "仅大有镇有的事项" in dayou.locator("h2").inner_text()
    assert "仅六户地镇有的事项" in liuhudi.locator("h2").inner_text()
    for name in ("矿产资源保护", "湿地保护工作"):
        assert dayou.locator("tbody tr", has_text=name).count() == 1
        assert liuhudi.locator("tbody tr", has_text=name).count() == 0
    for name in ("屠宰检疫", "负责本镇广播电视站管理"):
        assert liuhudi.locator("tbody tr", has_text=name).count() == 1
        assert dayou.locator("tbody tr", has_text=name).count() == 0

    # an item of the shared table opens in its version
    link = row.locator("a", has_text="高标准农田基础设施建设").nth(1)
    href = link.get_attribute("href")
    click_link(page, link)
    item = page.locator("#" + href.split("#", 1)[1])
    assert item.is_visible() and "六户地镇" in page.locator("h1").inner_text()
    assert item.evaluate("r => r.closest('section').id") == "table-cooperative"
    assert_clean(context)


def test_county_office_distance_page(page, context, live_server):
    sign_in(page, live_server, "jimsar-office")
    click_link(page, page.locator("header nav a", has_text="乡镇对比"))
    click_link(page, page.locator("section.consensus-overview a", has_text="吉木萨尔县"))
    assert "吉木萨尔县各乡镇与通行文本的距离" in page.locator("h1").inner_text()
    rows = page.locator("#standings tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-township") == "大有镇"
    assert re.fullmatch(r"\d+%", rows.first.locator("td.share").inner_text().strip())
    assert page.locator("details.extra", has_text="矿产资源保护").count() == 1
    assert_clean(context)
