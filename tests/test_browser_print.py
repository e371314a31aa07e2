"""Printing (Ctrl+P): the pages rendered to PDF by Chromium under print media, as a browser prints them.

A printed list is the official tables: no navigation, forms or buttons; the township, the version and
the print date at the top of every page; table headers repeated on every page. The "before" of the
big list (阿合奇镇, 309 items) is the same page printed with the screen styles, which is what Ctrl+P
printed before there were print styles.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .browser import ARTIFACTS
from .ui_helpers import goto, make_review_data, sign_in

pytestmark = pytest.mark.browser

#: text that only the navigation, the user's links and the forms carry
SCREEN_ONLY = ("修改密码", "审核流程", "乡镇对比", "跳到正文", "发起修订", "下载本版", "页面中的时间均为")

HIDDEN_IN_PRINT = """() => [...document.querySelectorAll('header, nav, form, button, input, select, textarea, .site-footer')]
  .filter(el => getComputedStyle(el).display !== 'none' && !el.closest('[style*="display: none"]'))
  .filter(el => { for (let p = el; p; p = p.parentElement) if (getComputedStyle(p).display === 'none') return false; return true; })
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'))"""


def pdftotext(path) -> list[str]:
    """The PDF's text, page by page."""
    if not shutil.which("pdftotext"):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("pdftotext (poppler-utils) is needed to read the printed PDF")
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    # without the line breaks and spaces of the layout (a cell's text wraps inside the cell)
    return [re.sub(r"\s+", "", p) for p in out.stdout.split("\f") if p.strip()]


def print_pdf(page, name: str, media: str = "print") -> list[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"print-{name}.pdf"
    page.emulate_media(media=media)
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True, print_background=True)
    return pdftotext(path)


def check_printed(page, pages: list[str], must: list[str], absent) -> None:
    """Nothing of the screen's navigation or forms; the heading data and the print date on every page."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    assert page.evaluate(HIDDEN_IN_PRINT) == []
    text = "\n".join(pages)
    for word in ([*SCREEN_ONLY, absent] if isinstance(absent, str) else absent):
        assert word not in text, f"{word!r} printed"
    for n, text in enumerate(pages, 1):
        assert f"打印日期{today}" in text, f"page {n} has no print date: {text[:300]}"
        for word in must:
            assert word in text, f"page {n} lacks {word!r}: {text[:300]}"


def test_a_big_list_prints_as_the_official_tables(page, context, live_server):
    sign_in(page, live_server, "aheqi-drafter")
    goto(page, "/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="阿合奇镇", exact=True).click()
    assert page.locator("form.start-revision").count() == 1  # the drafter's 发起修订 button is on screen
    before = print_pdf(page, "aheqi-before-screen-styles", media="screen")
    assert any("修改密码" in p for p in before) and any("发起修订" in p for p in before)

    after = print_pdf(page, "aheqi")
    check_printed(page, after, ["阿合奇镇", "第1版"], "aheqi-drafter")
    assert len(after) < 0.8 * len(before), (len(after), len(before))  # 43 against 73 pages
    text = "\n".join(after)
    assert "克孜勒苏柯尔克孜自治州阿合奇县阿合奇镇履职事项清单" in text  # the print header
    assert text.count("序号") >= len(after) - 1, "the table header is repeated on every page of the tables"
    for kind_title in ("基本履职事项清单", "配合履职事项清单", "上级部门收回事项清单"):
        assert kind_title in text
    assert f"第1页共{len(after)}页" in after[0]  # the page numbers (@page margin box)
    # the screen is as it was
    page.emulate_media(media="screen")
    assert page.locator("header.topbar").is_visible() and page.locator(".print-header").is_hidden()
    assert not context.watch.problems(), context.watch.problems()


def test_diff_review_and_dashboard_print_without_forms(page, context, live_server):
    data = make_review_data(live_server)
    sign_in(page, live_server, "dayou-drafter")
    goto(page, f"/townships/{data.published_township_id}/diff")
    assert page.locator("form").count() >= 2  # the version and filter pickers on screen
    pages = print_pdf(page, "versions-diff")
    check_printed(page, pages, ["六户地镇", "第1版→第2版"], "dayou-drafter")
    assert "按季度公开" in "\n".join(pages) and "负责本镇党建联建工作" in "\n".join(pages)

    goto(page, f"/revisions/{data.revision_id}/diff")
    pages = print_pdf(page, "revision-diff")
    check_printed(page, pages, ["大有镇", f"修订稿#{data.revision_id}"], "dayou-drafter")

    goto(page, f"/revisions/{data.revision_id}")
    assert page.locator("form.decision").count() >= 1
    pages = print_pdf(page, "revision")
    # (the timeline names who did what, 发起修订 included: that is content)
    check_printed(page, pages, ["大有镇", f"修订稿#{data.revision_id}", "起草中"],
                  ["修改密码", "审核流程", "跳到正文", "下载修订稿", "可执行的操作", "新增配合履职事项", "页面中的时间均为"])
    text = "\n".join(pages)
    assert "与第1版相比的修改" in text and "放弃修订" not in text and "新增配合履职事项" not in text

    page.emulate_media(media="screen")
    page.context.clear_cookies()
    sign_in(page, live_server, "jimsar-office")
    goto(page, "/dashboard")
    pages = print_pdf(page, "dashboard")
    check_printed(page, pages, ["吉木萨尔县委编办所辖乡镇"], "jimsar-office")
    assert "大有镇" in "\n".join(pages)
    assert not context.watch.problems(), context.watch.problems()
