"""Word (.docx) in the official layout: title, date, 说明, then the three tables.

Each table starts on a new page (the cooperative one in landscape: six columns), its header
row repeats on every page, every step of a duty cell is a paragraph of its own. Fonts are
named as official documents name them (方正小标宋简体, 黑体, 仿宋_GB2312, 宋体), with the
East Asian font set so Word and WPS use them for Chinese text; Word falls back to an
installed Chinese font where one is missing.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from ..items import KINDS
from .model import GENERATOR, ListDocument, cell_lines, fit_widths, xml_safe

TITLE_FONT, HEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
#: column widths in cm for the text width of each table's page (portrait 17 cm, landscape 25.7 cm)
WIDTHS = {
    "basic": (1.3, 2.6, 13.1),
    "cooperative": (1.2, 2.0, 4.0, 3.3, 7.6, 7.6),
    "withdrawn": (1.3, 2.2, 5.5, 8.0),
}
LANDSCAPE = {"cooperative"}


def _fonts(run_or_style, east_asian: str, latin: str = "Times New Roman"):

    run_or_style.font.name = latin
    el = run_or_style.element
    rpr = el.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


#: font table entries: GB2312 charset and the usual alternates, so Word, WPS and LibreOffice
#: substitute a Simplified Chinese font where a named one is not installed
FONT_TABLE = (
    (TITLE_FONT, "宋体", "02010600030101010101", "roman"),
    (HEADING_FONT, "SimHei", "02010609060101010101", "modern"),
    (BODY_FONT, "仿宋", "02010609030101010101", "modern"),
    (TABLE_FONT, "SimSun", "02010600030101010101", "auto"),
)


def chinese_defaults(document):
    """Document defaults for Chinese: zh-CN as the East Asian language, fonts declared as GB2312."""
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:eastAsiaTheme",):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), TABLE_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    fonts = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")

    root = etree.fromstring(fonts.blob)
    for name, alt, panose, family in FONT_TABLE:
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alt), ("w:panose1", panose), ("w:charset", "86"),
                           ("w:family", family), ("w:pitch", "variable")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            font.append(el)
        root.append(font)
    fonts._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _run(paragraph, text: str, font: str, size: float, bold: bool = False, color=None):

    run = paragraph.add_run(xml_safe(text))
    _fonts(run, font)
    run.font.size = Pt(size)
    run.bold = bold
    if color:
        run.font.color.rgb = RGBColor(*color)
    return run


def _page(section, landscape: bool):

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    section.top_margin = section.bottom_margin = Cm(2.2 if not landscape else 2.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)


def _field(paragraph, instr: str):
    """A simple field (PAGE, NUMPAGES) in a paragraph."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _repeat_header(row):

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    tr_pr.append(cant)


def _shade(cell, fill: str):

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _cell_text(cell, lines: list[str], center: bool):

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines or [""]):
        if i:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if line:
            paragraph.add_run(line)


def _table(document, doc: ListDocument, kind: str):

    columns = doc.columns(kind)
    widths = [Cm(w) for w in fit_widths(WIDTHS[kind], columns)]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table.columns, widths):
        col.width = width
    header = table.rows[0]
    _repeat_header(header)
    for cell, (_, label), width in zip(header.cells, columns, widths):
        cell.width = width
        _shade(cell, "E7E6E6")
        _cell_text(cell, [], center=True)
        _run(cell.paragraphs[0], label, HEADING_FONT, 10.5, bold=True)
    for entry in doc.of_kind(kind):
        cells = table.add_row().cells
        for cell, (field_name, _), width in zip(cells, columns, widths):
            cell.width = width
            _cell_text(cell, cell_lines(entry, field_name), center=field_name in ("number", "category"))
    return table


def to_docx(doc: ListDocument) -> bytes:

    document = Document()
    chinese_defaults(document)
    normal = document.styles["Normal"]
    _fonts(normal, TABLE_FONT)
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"})
    rpr.append(lang)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.15

    props = document.core_properties
    props.title = doc.title
    props.subject = doc.subtitle
    props.author = doc.township
    props.category = "履职事项清单"
    props.keywords = "履职事项清单" + ("；修订稿" if doc.draft else "")
    props.comments = GENERATOR + (f"；摘要 {doc.digest}" if doc.digest else "")

    section = document.sections[0]
    _page(section, landscape=False)
    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.draft is not None:
        _run(head, doc.draft.line, HEADING_FONT, 10.5, bold=True, color=(0xC0, 0x00, 0x00))
    else:
        _run(head, doc.title + (f"（第 {doc.version_number} 版）" if doc.version_number else ""), BODY_FONT, 9,
             color=(0x59, 0x59, 0x59))
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(foot, "第 ", TABLE_FONT, 9)
    _field(foot, "PAGE")
    _run(foot, " 页 共 ", TABLE_FONT, 9)
    _field(foot, "NUMPAGES")
    _run(foot, " 页", TABLE_FONT, 9)

    def para(text="", font=BODY_FONT, size=16, bold=False, center=False, indent=False, before=0, after=0,
             color=None):
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(before)
        p.paragraph_format.space_after = Pt(after)
        p.paragraph_format.line_spacing = Pt(max(size * 1.6, 14))
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if text:
            _run(p, text, font, size, bold, color)
        return p

    para(before=36)
    para(doc.title, TITLE_FONT, 22, bold=True, center=True, after=12)
    para(doc.date, BODY_FONT, 16, center=True, after=6)
    if doc.draft is not None:
        para(doc.draft.line, HEADING_FONT, 14, center=True, after=6, color=(0xC0, 0x00, 0x00))
    para(before=18)
    para("说明", HEADING_FONT, 16, center=True, after=12)
    for text in doc.preface():
        para(text, BODY_FONT, 14, indent=True)

    for kind in KINDS:
        section = document.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape=kind in LANDSCAPE)
        para(doc.table_title(kind), TITLE_FONT, 18, bold=True, center=True, after=10)
        _table(document, doc, kind)

    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
