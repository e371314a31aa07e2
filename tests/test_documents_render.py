"""Render the exported Word (LibreOffice → PDF) and PDF to PNG pages, and check what a reader sees.

Needs LibreOffice (soffice) and poppler (pdftoppm, pdftotext, pdfinfo, pdffonts); skipped when they
are missing unless REQUIRE_DOCUMENT_TOOLS=1. The PNGs land in test-artifacts/documents/ (gitignored)
for a person to look at.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dutylist.documents import export_docx, export_pdf, model

from .test_documents import seed

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "documents"
TOOLS = ("soffice", "pdftoppm", "pdftotext", "pdfinfo", "pdffonts")
HEADERS = ("序号", "事项类别", "事项名称", "对应上级部门", "上级部门职责", "镇(乡)配合职责", "承接部门及工作方式")


def require_tools():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        if os.environ.get("REQUIRE_DOCUMENT_TOOLS") == "1":
            pytest.fail(f"document tools missing: {', '.join(missing)}")
        pytest.skip(f"document tools missing: {', '.join(missing)}")


def run(*args, timeout=240) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=timeout).stdout


def pages_text(pdf: Path) -> list[str]:
    return run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]


def page_count(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_pages(pdf: Path, doc: model.ListDocument, name: str, pages_to_draw: list[int]):
    n = page_count(pdf)
    texts = pages_text(pdf)
    assert len(texts) == n
    assert doc.title in compact(texts[0]) and "说明" in texts[0]
    joined = compact("".join(texts))
    for header in HEADERS:
        assert header in joined, header
    for kind in model.KINDS:
        assert doc.table_title(kind) in joined
    # every page after the title page is a table page: its header row is there (repeated)
    table_pages = [t for t in texts[1:] if "序号" in t]
    assert len(table_pages) == n - 1, f"{n - 1 - len(table_pages)} table pages without the header row"
    # nothing lost: every item's number/category/name text reached the pages
    basic_names = [compact(e["name"]) for e in doc.of_kind("basic") if e["name"]]
    missing = [nm for nm in basic_names if nm[:12] not in joined]
    assert not missing, missing[:3]
    # fonts are embedded
    fonts = [ln.split() for ln in run("pdffonts", str(pdf)).splitlines()[2:]]
    assert fonts and all("yes" in row[-5:-2] for row in fonts), fonts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    for page in pages_to_draw:
        run("pdftoppm", "-r", "80", "-png", "-f", str(page), "-l", str(page), str(pdf), str(ARTIFACTS / name))
    pngs = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert len(pngs) == len(pages_to_draw) and all(p.stat().st_size > 10_000 for p in pngs)
    return n, texts


def first_page_with(texts: list[str], word: str) -> int:
    return next(i for i, t in enumerate(texts, 1) if word in compact(t))


def test_word_export_renders_the_official_tables(tmp_path):
    require_tools()
    mark = model.DraftMark(revision_id=None, round=2, status="returned", status_label="退回修改")
    doc = model.from_parsed(seed("004"), draft=mark)
    path = tmp_path / "list.docx"
    path.write_bytes(export_docx.to_docx(doc))
    run("soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
        "--convert-to", "pdf", "--outdir", str(tmp_path), str(path))
    pdf = tmp_path / "list.pdf"
    texts = pages_text(pdf)
    coop = first_page_with(texts, "对应上级部门")
    withdrawn = first_page_with(texts, "承接部门及工作方式")
    n, texts = check_pages(pdf, doc, "word", [1, 2, coop, coop + 1, withdrawn])
    assert n >= 15
    # a draft says so on every page, with its round
    assert all("修订稿" in t and "第2轮" in compact(t) for t in texts)


def test_pdf_export_renders_the_official_tables(tmp_path):
    require_tools()
    try:
        export_pdf.find_font()
    except export_pdf.PdfFontMissing:
        if os.environ.get("CI"):
            raise
        pytest.skip("no CJK font installed")
    doc = model.from_parsed(seed("002"))
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(export_pdf.to_pdf(doc))
    texts = pages_text(pdf)
    coop = first_page_with(texts, "对应上级部门")
    withdrawn = first_page_with(texts, "承接部门及工作方式")
    n, texts = check_pages(pdf, doc, "pdf", [1, 2, coop, coop + 1, withdrawn])
    assert n >= 30
    assert all(f"第{i}页共{n}页" in compact(t) for i, t in enumerate(texts, 1))
    # the cooperative table's steps are all there, line by line
    joined = compact("".join(texts))
    steps = [compact(s) for e in doc.of_kind("cooperative") for s in e["dept_duties"] + e["township_duties"]]
    missing = [s for s in steps if s[:8] not in joined]
    assert not missing, missing[:3]
