"""PDF in the official layout, with an embedded (subset) Chinese font.

fpdf2 draws the pages; the tables are laid out here rather than by fpdf2's table helper so
that nothing is ever cut off: every cell is wrapped to its column (character by character,
as Chinese is, keeping Latin words and numbers whole where they fit and not starting a line
with closing punctuation), a row that does not fit on the rest of a page moves to the next
one, and a row taller than a page continues on the next pages. The header row is drawn again
at the top of every page. Drafts carry a red line and a light watermark on every page.

The font: env PDF_FONT (a .ttf/.otf/.ttc path; PDF_FONT_BOLD optionally), else the first
CJK font found among the usual places (fonts-noto-cjk, WenQuanYi, AR PL, Windows, macOS),
else a font file named like a Chinese one in the usual font directories. Without one, PdfFontMissing says what to install.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF

from ..items import KINDS
from .model import GENERATOR, ListDocument, cell_lines, fit_widths

CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", None),
    ("C:/Windows/Fonts/simsun.ttc", "C:/Windows/Fonts/simhei.ttf"),
    ("/System/Library/Fonts/STHeiti Light.ttc", "/System/Library/Fonts/STHeiti Medium.ttc"),
)
#: column widths in mm before scaling to the page's text width
WIDTHS = {
    "basic": (12, 24, 144),
    "cooperative": (11, 18, 38, 32, 79, 79),
    "withdrawn": (12, 20, 58, 90),
}
LANDSCAPE = {"cooperative"}
NO_LINE_START = set("，。、；：！？）》」』”’〕】…％,.;:!?)]}%·")
NO_LINE_END = set("（《「『“‘〔【([{")
RED, GREY, LIGHT = (192, 0, 0), (89, 89, 89), (235, 235, 235)


class PdfFontMissing(RuntimeError):
    """No Chinese font to embed."""


FONT_MISSING = ("未找到可嵌入的中文字体，无法生成 PDF：请安装 fonts-noto-cjk（或文泉驿字体 fonts-wqy-zenhei），"
                "或用环境变量 PDF_FONT 指定字体文件 / no CJK font to embed in the PDF; install fonts-noto-cjk "
                "or set PDF_FONT")


@lru_cache(maxsize=16)
def _face(path: str) -> int:
    """The index of the Simplified Chinese face of a font collection (0 for a single font)."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0

    collection = TTCollection(path, lazy=True)
    for i, font in enumerate(collection.fonts):
        name = font["name"].getDebugName(1) or ""
        if name.endswith((" SC", " GB")) or "SC" in name.split() or "Simplified" in name:
            if "Mono" not in name:
                return i
    return 0


@lru_cache(maxsize=16)
def _has_cjk(path: str, face: int) -> bool:

    try:
        font = TTFont(path, fontNumber=face, lazy=True)
        cmap = font.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - unreadable font: not usable
        return False
    return all(ord(ch) in cmap for ch in "中清单履职")


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_CJK_FILE = re.compile(r"(cjk|wqy|zenhei|microhei|uming|ukai|simsun|simhei|fangsong|kaiti|sourcehan|"
                       r"notosanssc|notoserifsc|droidsansfallback)", re.I)


def _scan_font_dirs() -> str | None:
    """A font file named like a Chinese font in the usual font directories."""
    for base in FONT_DIRS:
        root = Path(base).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc") and _CJK_FILE.search(path.name) \
                    and "Mono" not in path.name and "Bold" not in path.name:
                return str(path)
    return None


def find_font() -> tuple[str, str | None]:
    """(regular, bold or None) font files with Chinese glyphs; PdfFontMissing if there is none."""
    env = os.environ.get("PDF_FONT")
    if env:
        if not Path(env).is_file() or not _has_cjk(env, _face(env)):
            raise PdfFontMissing(f"PDF_FONT={env}：文件不存在或不含中文字形 / not a CJK font file")
        bold = os.environ.get("PDF_FONT_BOLD")
        return env, bold if bold and Path(bold).is_file() else None
    for regular, bold in CANDIDATES:
        if Path(regular).is_file() and _has_cjk(regular, _face(regular)):
            return regular, bold if bold and Path(bold).is_file() else None
    found = _scan_font_dirs()
    if found and Path(found).is_file() and _has_cjk(found, _face(found)):
        return found, None
    raise PdfFontMissing(FONT_MISSING)


def _make_pdf_class():

    class ListPDF(FPDF):
        doc: ListDocument
        bold_style = "B"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._widths: dict = {}

        def header(self):
            if self.doc.draft is not None:
                with self.local_context(text_color=LIGHT):
                    self.set_font("cjk", self.bold_style, 80)
                    cx, cy = self.w / 2, self.h / 2
                    with self.rotation(30, cx, cy):
                        word = "修订稿"
                        self.text(cx - self.get_string_width(word) / 2, cy + 10, word)
                self.set_font("cjk", self.bold_style, 10)
                self.set_text_color(*RED)
                self.set_xy(self.l_margin, 7)
                self.cell(self.epw, 5, self.doc.draft.line, align="C")
            else:
                self.set_font("cjk", "", 8)
                self.set_text_color(*GREY)
                self.set_xy(self.l_margin, 7)
                version = f"（第 {self.doc.version_number} 版）" if self.doc.version_number else ""
                self.cell(self.epw, 5, self.doc.title + version, align="C")
            self.set_text_color(0, 0, 0)
            self.set_xy(self.l_margin, self.t_margin)

        def footer(self):
            self.set_font("cjk", "", 8)
            self.set_text_color(*GREY)
            self.set_xy(self.l_margin, self.h - 10)
            self.cell(self.epw, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")
            self.set_text_color(0, 0, 0)

        # ------------------------------------------------------------ wrapping
        def wrap(self, text: str, width: float) -> list[str]:
            """Lines of `text` no wider than `width` at the current font."""
            lines: list[str] = []
            cur, cur_w = "", 0.0
            cache = self._widths.setdefault((self.font_family, self.font_style, self.font_size_pt), {})

            def width_of(s: str) -> float:
                return sum(cache[c] if c in cache else cache.setdefault(c, self.get_string_width(c)) for c in s)

            for ch in text:
                w = width_of(ch)
                if cur_w + w <= width + 1e-6 or not cur:
                    cur, cur_w = cur + ch, cur_w + w
                    continue
                keep = 0  # characters carried over to the next line
                if ch in NO_LINE_START and len(cur) > 1:
                    keep = 1  # carry the last character (and any punctuation before it) along
                    while keep < len(cur) - 1 and cur[-keep] in NO_LINE_START:
                        keep += 1
                elif cur[-1] in NO_LINE_END and len(cur) > 1:
                    keep = 1
                elif ch.isascii() and ch.isalnum():
                    run = 0  # a Latin word or a number goes to the next line whole
                    for c in reversed(cur):
                        if not (c.isascii() and (c.isalnum() or c in ".-")):
                            break
                        run += 1
                    if 0 < run < len(cur) and run <= 16:
                        keep = run
                if keep:
                    lines.append(cur[:-keep])
                    cur = cur[-keep:] + ch
                else:
                    lines.append(cur)
                    cur = ch
                cur_w = width_of(cur)
            if cur:
                lines.append(cur)
            return lines

        def wrap_all(self, texts: list[str], width: float) -> list[str]:
            out: list[str] = []
            for text in texts:
                out += self.wrap(text, width) or [""]
            return out

    return ListPDF


class _Layout:
    PAD = 1.5
    BODY = 10.0

    def __init__(self, pdf, kind: str, columns):
        self.pdf = pdf
        self.kind = kind
        self.columns = columns
        raw = fit_widths(WIDTHS[kind], columns)
        scale = pdf.epw / sum(raw)
        self.widths = [w * scale for w in raw]
        self.size = 9.5 if kind == "cooperative" else self.BODY
        self.lh = self.size * 0.3528 * 1.5
        self.bottom = pdf.h - 16

    def header(self):
        pdf = self.pdf
        pdf.set_font("cjk", pdf.bold_style, self.size)
        cells = [pdf.wrap(label, w - 2 * self.PAD) for (_, label), w in zip(self.columns, self.widths)]
        n = max(len(c) for c in cells)
        h = n * self.lh + 2 * self.PAD
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_fill_color(231, 230, 230)
        for lines, w in zip(cells, self.widths):
            pdf.rect(x, y, w, h, style="DF")
            top = y + self.PAD + (n - len(lines)) * self.lh / 2
            for i, line in enumerate(lines):
                pdf.set_xy(x + self.PAD, top + i * self.lh)
                pdf.cell(w - 2 * self.PAD, self.lh, line, align="C")
            x += w
        pdf.set_xy(pdf.l_margin, y + h)
        pdf.set_font("cjk", "", self.size)

    def new_page(self):
        pdf = self.pdf
        pdf.add_page(orientation="L" if self.kind in LANDSCAPE else "P")
        self.header()

    def capacity(self) -> int:
        """Lines of a row that fit on the rest of this page."""
        return max(0, int((self.bottom - self.pdf.get_y() - 2 * self.PAD) // self.lh))

    def full_capacity(self) -> int:
        return int((self.bottom - self.pdf.t_margin - 12 - 2 * self.PAD) // self.lh)

    def row(self, entry: dict):
        pdf = self.pdf
        pdf.set_font("cjk", "", self.size)
        cells = [pdf.wrap_all(cell_lines(entry, f), w - 2 * self.PAD) for (f, _), w in zip(self.columns, self.widths)]
        total = max(1, max(len(c) for c in cells))
        done, fresh = 0, False
        while done < total:
            rest = total - done
            room = self.capacity()
            if rest <= room:
                take = rest
            elif room >= 5 and rest >= 8:
                take = min(room, rest - 3)  # split the row, as Word does; at least 3 lines go over
            elif fresh:
                take = max(1, room)  # a new page cannot hold more
            else:
                self.new_page()
                fresh = True
                continue
            fresh = False
            self._segment(cells, done, take, continued=done > 0)
            done += take
            if done < total:
                self.new_page()
                fresh = True

    def _segment(self, cells, start: int, count: int, continued: bool):
        pdf = self.pdf
        h = count * self.lh + 2 * self.PAD
        x, y = pdf.l_margin, pdf.get_y()
        for (field_name, _), lines, w in zip(self.columns, cells, self.widths):
            pdf.rect(x, y, w, h)
            center = field_name in ("number", "category")
            part = lines[start:start + count]
            if continued and center:
                part = lines[:count]  # repeat 序号 and 类别 where a row continues, in grey
                pdf.set_text_color(*GREY)
            for i, line in enumerate(part):
                pdf.set_xy(x + self.PAD, y + self.PAD + i * self.lh)
                pdf.cell(w - 2 * self.PAD, self.lh, line, align="C" if center else "L")
            pdf.set_text_color(0, 0, 0)
            x += w
        pdf.set_xy(pdf.l_margin, y + h)


def to_pdf(doc: ListDocument) -> bytes:
    regular, bold = find_font()
    pdf = _make_pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.doc = doc
    pdf.add_font("cjk", "", regular, collection_font_number=_face(regular))
    if bold:
        pdf.add_font("cjk", "B", bold, collection_font_number=_face(bold))
    else:
        pdf.bold_style = ""
    for font in pdf.fonts.values():
        # the subset keeps the whole font's bounding box: recomputing it for every CFF glyph
        # of a CJK subset takes seconds and changes nothing a reader sees
        if getattr(font, "ttfont", None) is not None:
            font.ttfont.recalcBBoxes = False
    pdf.set_margins(15, 16, 15)
    pdf.c_margin = 0  # text is placed exactly where it was wrapped for: the padding is ours
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(doc.title)
    pdf.set_subject(doc.subtitle)
    pdf.set_author(doc.township)
    pdf.set_creator(GENERATOR)
    pdf.set_keywords("履职事项清单" + (" 修订稿" if doc.draft else ""))
    pdf.set_lang("zh-CN")
    pdf.alias_nb_pages()

    pdf.add_page()
    pdf.ln(24)
    pdf.set_font("cjk", pdf.bold_style, 20)
    pdf.multi_cell(0, 11, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", "", 14)
    pdf.cell(0, 8, doc.date, align="C", new_x="LMARGIN", new_y="NEXT")
    if doc.draft is not None:
        pdf.ln(2)
        pdf.set_font("cjk", pdf.bold_style, 13)
        pdf.set_text_color(*RED)
        pdf.multi_cell(0, 8, doc.draft.line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(12)
    pdf.set_font("cjk", pdf.bold_style, 16)
    pdf.cell(0, 10, "说明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", "", 12)
    for text in doc.preface():
        for line in pdf.wrap("\u3000\u3000" + text, pdf.epw):
            pdf.cell(pdf.epw, 8, line, new_x="LMARGIN", new_y="NEXT")

    pdf.set_auto_page_break(False)
    for kind in KINDS:
        pdf.add_page(orientation="L" if kind in LANDSCAPE else "P")
        pdf.set_font("cjk", pdf.bold_style, 15)
        pdf.multi_cell(0, 9, doc.table_title(kind), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        layout = _Layout(pdf, kind, doc.columns(kind))
        layout.header()
        for entry in doc.of_kind(kind):
            layout.row(entry)
    return bytes(pdf.output())
