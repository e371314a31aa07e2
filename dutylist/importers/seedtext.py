"""Parse the plain-text exports of township duty lists (乡镇履职事项清单).

Three shapes of text are handled, all seen in the seed files:

* tab-separated rows exported from Word, with HTML list fragments (``<ol><li>``, ``<p>``)
  or plain "1.… 2.…" text inside the cells (seeds 000, 001, 002);
* PDF text without tabs, each cell wrapped over several short lines, the cells of a row
  following one another (seed 003);
* OCR text: tab-separated, but with misread characters, half-width punctuation, garbled
  or empty cells and stray spaces (seed 004).

Pure standard library: no Flask, no database. The output types live in ``parsed.py``.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..vocabulary import CATEGORIES, PREFECTURE_SHORT_NAMES
from .parsed import KIND_LABELS, ImportFailure, ImportWarning, ParsedItem, ParsedList, Receiving

__all__ = ["parse_text", "parse_file", "split_place", "clean_text", "split_steps"]

FAIL_EMPTY = "文件为空 / file is empty"
FAIL_BINARY = "不是文本文件（二进制或编码无法识别） / not a text file (binary or unknown encoding)"
FAIL_NO_TABLE = "不是履职事项清单：未找到任何事项表格 / not a duty list: no item table found"

#: Categories that real lists use although the official vocabulary does not name them.
KNOWN_CATEGORIES = tuple(CATEGORIES)

#: Endings of department names, longest first so that alternation prefers them.
DEPT_SUFFIXES = tuple(sorted((
    "委员会", "管理局", "分局", "支队", "大队", "检察院", "法院", "残联", "政协", "人大",
    "中心", "公司", "支行", "办公室", "指挥部", "研究室", "部门", "政府", "调查队",
    "局", "委", "部", "办", "院", "队", "所", "站", "会", "室", "厅", "处",
), key=len, reverse=True))
#: How department names start when no county name is known.
GENERIC_DEPT_STARTS = ("县", "州", "自治区", "国家", "中国", "国网", "共青团")

_CJK_EXTRA = "“”‘’—…·"
_WS_RUN = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CN_NUMERALS = "一二三四五六七八九十"
_MARKER = re.compile(r"(?<![^\s；;。，,：:])(?:(\d{1,2})[.．、](?!\d)|[（(](\d{1,2})[）)])")
_CN_HEAD = re.compile(r"(?<![^\s。；;])([一二三四五六七八九十]{1,3})、")
_LINE_MARKER = re.compile(r"^(?:(\d{1,2})[.．、](?!\d)|[（(](\d{1,2})[）)])")
_LINE_CN_HEAD = re.compile(r"^([一二三四五六七八九十]{1,3})、")
_FOOTER = re.compile(r"^第\s*\d+\s*页\s*[,，]?\s*共\s*\d+\s*页$")
_SEPARATOR = re.compile(r"^[\s\-–—|:：=_*]+$")
_DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?$")
_KIND_TITLES = (
    ("withdrawn", re.compile(r"(?:上级部门)?收回事项清单$")),
    ("cooperative", re.compile(r"配合履职事项清单$")),
    ("basic", re.compile(r"基本履职事项清单$")),
)
_NCOLS = {"basic": 3, "cooperative": 6, "withdrawn": 4}
_PLACE_NAMES = {"region": "自治区", "prefecture": "州", "county": "县", "township": "乡镇"}


# --------------------------------------------------------------------------- text cleaning

def _is_cjk(ch: str) -> bool:
    """True for CJK ideographs, CJK and full-width punctuation and Chinese quotes."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0xF900 <= o <= 0xFAFF or ch in _CJK_EXTRA)


def _is_ideograph(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def _width(s: str) -> float:
    """Display width in CJK cells: what a PDF column holds per line."""
    return sum(1.0 if _is_cjk(c) else 0.5 for c in s)


_HALF_PUNCT = ",;:!?"


def _joins(left: str, right: str) -> bool:
    """A space between these two characters is a wrapping artefact, not text."""
    if _is_cjk(left):
        return _is_cjk(right) or right in _HALF_PUNCT
    return left in _HALF_PUNCT and _is_cjk(right)


def clean_text(s: str) -> str:
    """Collapse whitespace; drop it between CJK characters (wrapping artefacts).

    Spaces next to Latin letters, digits and "." are kept (one space), so "1. 按要求"
    and "距离 200 米" stay as printed; a space after a half-width comma or semicolon
    before a CJK character (OCR and Word exports) goes like one between two CJK characters.
    """
    s = _WS_RUN.sub(" ", s).strip()
    if " " not in s:
        return s
    parts = s.split(" ")
    out = parts[0]
    for part in parts[1:]:
        if out and part and _joins(out[-1], part[0]):
            out += part
        else:
            out += " " + part
    return out


def _strip_html(s: str) -> str:
    """Tags become spaces, entities are decoded, and stray angle brackets go full-width."""
    if "<" in s or "&" in s:
        s = _TAG.sub(" ", s)
        if _ENTITY.search(s):
            s = html.unescape(s)
    # "<站>" in a name is text, not HTML: keep it, but never let a bare < or > through
    return s.replace("<", "＜").replace(">", "＞")


def _cell(s: str) -> str:
    return clean_text(_strip_html(s))


def _join_lines(lines: list[str]) -> str:
    """Rejoin lines of a wrapped PDF cell: no space between CJK characters."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (_is_cjk(out[-1]) or _is_cjk(line[0])):
            out += " "
        out += line
    return clean_text(out)


def _cn_value(numeral: str) -> int:
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + _CN_NUMERALS.index(numeral[1]) + 1
    if len(numeral) == 2 and numeral.endswith("十"):
        return (_CN_NUMERALS.index(numeral[0]) + 1) * 10
    if len(numeral) == 3:
        return (_CN_NUMERALS.index(numeral[0]) + 1) * 10 + _CN_NUMERALS.index(numeral[2]) + 1
    return _CN_NUMERALS.index(numeral[0]) + 1


# --------------------------------------------------------------------------- places

_REGION_RE = re.compile(
    r"^(新疆维吾尔自治区|西藏自治区|宁夏回族自治区|广西壮族自治区|内蒙古自治区"
    r"|北京市|天津市|上海市|重庆市|[\u4e00-\u9fff]{2,3}省)")
_PREFECTURE_RE = re.compile(r"^([\u4e00-\u9fff]{2,14}?(?:自治州|地区|盟))")
_COUNTY_RE = re.compile(r"^([\u4e00-\u9fff]{1,12}?(?:自治县|县|自治旗|旗|市|区))")
_TOWN_RE = re.compile(r"^[\u4e00-\u9fff]{1,20}?(?:镇|乡|街道办事处|街道|苏木|牧场|农场)$")


def split_place(text: str) -> dict:
    """Split "新疆维吾尔自治区昌吉回族自治州吉木萨尔县大有镇" into region/prefecture/county/township."""
    result = {"region": None, "prefecture": None, "county": None, "township": None}
    rest = re.sub(r"[\s#]+", "", text or "")
    rest = re.sub(r"(?:基本|配合|上级部门收回|收回)?履职事项清单$|上级部门收回事项清单$", "", rest)
    if not rest:
        return result
    m = _REGION_RE.match(rest)
    if m:
        result["region"] = m.group(1)
        rest = rest[m.end():]
    for short in sorted(PREFECTURE_SHORT_NAMES, key=len, reverse=True):
        if rest.startswith(PREFECTURE_SHORT_NAMES[short]):
            result["prefecture"] = PREFECTURE_SHORT_NAMES[short]
            rest = rest[len(PREFECTURE_SHORT_NAMES[short]):]
            break
        if rest.startswith(short):
            result["prefecture"] = PREFECTURE_SHORT_NAMES[short]
            rest = rest[len(short):]
            break
    else:
        m = _PREFECTURE_RE.match(rest)
        if m:
            result["prefecture"] = m.group(1)
            rest = rest[m.end():]
    m = _COUNTY_RE.match(rest)
    if m:
        county, after = m.group(1), rest[m.end():]
        second = _COUNTY_RE.match(after)
        if (county.endswith("市") and result["prefecture"] is None and second
                and (not after[second.end():] or _TOWN_RE.match(after[second.end():]))):
            # a prefecture-level city followed by its district or county
            result["prefecture"], county, after = county, second.group(1), after[second.end():]
        if not after or _TOWN_RE.match(after):
            result["county"] = county
            rest = after
    if rest and _TOWN_RE.match(rest):
        result["township"] = rest
    return result


def _county_short(county: str) -> str | None:
    if county.endswith("自治县") and len(county) > 4:
        return county[:2] + "县"
    return None


# --------------------------------------------------------------------------- departments

@dataclass
class _Depts:
    """Regular expressions for department names, built once per document."""

    starts: tuple[str, ...]
    strict: str = ""
    loose: str = ""

    def __post_init__(self):
        start = "(?:" + "|".join(re.escape(s) for s in sorted(set(self.starts), key=len, reverse=True)) + ")"
        suffix = "(?:" + "|".join(DEPT_SUFFIXES) + ")"
        paren = r"(?:[（(][\u4e00-\u9fff]{1,15}[）)])?"
        body = r"[\u4e00-\u9fff（）()]{0,30}?"
        self.strict = start + body + suffix + paren
        self.loose = r"[\u4e00-\u9fff（）()]{1,30}?" + suffix + paren
        self.full_re = re.compile(self.strict)
        self.head_re = re.compile(r"(?<![^\s。；;])(" + self.strict + r")(\s*[：:]|(?=\s))")
        self.list_colon_re = re.compile(
            r"(?<![^\s。；;])(" + self.strict + r"(?:、" + self.loose + r")*)\s*[：:]")
        self.start_re = re.compile(start)
        self.suffix_end_re = re.compile(suffix + paren + "$")

    def is_dept(self, s: str) -> bool:
        return bool(self.full_re.fullmatch(s))

    def ends_with_suffix(self, s: str) -> bool:
        return bool(self.suffix_end_re.search(s))

    def starts_like_dept(self, s: str, allow_bare_county: bool = True) -> bool:
        m = self.start_re.match(s)
        if not m:
            return False
        return allow_bare_county or m.group(0) not in ("县", "州")


_GENERIC_DEPTS: _Depts | None = None


def _generic_depts() -> _Depts:
    global _GENERIC_DEPTS
    if _GENERIC_DEPTS is None:
        _GENERIC_DEPTS = _Depts(GENERIC_DEPT_STARTS)
    return _GENERIC_DEPTS


def _detect_counties(text: str) -> list[str]:
    """County names the document itself uses in department names (e.g. 木垒县, 吉木萨尔县)."""
    counts = Counter(re.findall(
        r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,4}县)(?:委|人民|人大|政协|公安|民政|财政|水利|教育|"
        r"自然|林业|农业|住房|卫生|市场|交通|文化|应急|消防|司法|残|红十字|总工会|医疗|商务|统计|"
        r"发展|科学|税务|退役|人力|统战|地方志)", text))
    return [name for name, n in counts.most_common(3) if n >= 5]


# --------------------------------------------------------------------------- steps

def split_steps(text: str, depts: _Depts | None = None) -> list[str]:
    """Split a plain-text duty cell into one line per step, heading or paragraph."""
    depts = depts or _generic_depts()
    t = _WS_RUN.sub(" ", text).strip()
    if not t:
        return []
    cands: list[tuple[int, str, int, int]] = []  # (pos, kind, value, heading_end)
    for m in _MARKER.finditer(t):
        cands.append((m.start(), "m", int(m.group(1) or m.group(2)), m.start()))
    for m in _CN_HEAD.finditer(t):
        cands.append((m.start(), "c", _cn_value(m.group(1)), m.start()))
    for m in depts.head_re.finditer(t):
        end = m.end() if m.group(2).strip() else m.end(1)
        cands.append((m.start(), "d", 0, end))
    cands.sort(key=lambda c: (c[0], "dcm".index(c[1])))

    cuts: list[int] = []
    expected, started, heading_since, cn_expected, last_heading_end = 1, False, False, 1, -1
    taken_until = -1
    for pos, kind, val, end in cands:
        if pos < taken_until:
            continue
        before = t[:pos].rstrip()
        sentence_start = pos == 0 or before.endswith(("。", "；", ";")) or pos == last_heading_end
        if kind == "d":
            if not sentence_start:
                continue
            cuts += [pos, end]
            heading_since, last_heading_end, taken_until = True, _skip_ws(t, end), end
        elif kind == "c":
            if not (pos == 0 or val == cn_expected or val == 1):
                continue
            cn_expected = val + 1
            head_end = _cn_heading_end(t, pos, cands)
            cuts += [pos, head_end]
            heading_since, last_heading_end = True, _skip_ws(t, head_end)
            taken_until = head_end
        else:
            if started and val == expected:
                pass
            elif val == 1 and (not started or heading_since):
                pass
            elif not started and (pos == 0 or pos == last_heading_end or before.endswith(("。", "；", ";"))):
                pass  # the list starts later than 1 (lost in OCR): the row gets a flag
            else:
                continue
            started, expected, heading_since = True, val + 1, False
            cuts.append(pos)
    cuts = sorted(set(c for c in cuts if 0 < c < len(t)))
    pieces, prev = [], 0
    for c in cuts + [len(t)]:
        piece = clean_text(t[prev:c])
        if piece:
            pieces.append(piece)
        prev = c
    return pieces


def _skip_ws(t: str, i: int) -> int:
    while i < len(t) and t[i].isspace():
        i += 1
    return i


def _cn_heading_end(t: str, pos: int, cands) -> int:
    """A heading "二、科级领导干部选拔任用" ends at the first space, if text follows it."""
    nxt = min([c[0] for c in cands if c[0] > pos] + [len(t)])
    space = t.find(" ", pos, nxt)
    if space == -1:
        return nxt
    head = t[pos:space]
    if re.search(r"[，。；,;：:]", head):
        return nxt
    return space


def _marker_of(line: str) -> int | None:
    m = _LINE_MARKER.match(line)
    return int(m.group(1) or m.group(2)) if m else None


def _step_flags(lines: list[str], depts: _Depts, label: str) -> list[str]:
    """Flags for step numbering that does not start at 1 or skips a number."""
    flags, expected = [], 1
    for line in lines:
        if _LINE_CN_HEAD.match(line) or _is_heading_line(line, depts) or line.endswith(("：", ":")):
            expected = 1
            continue
        n = _marker_of(line)
        if n is None:
            continue
        if n != expected:
            if expected == 1:
                flags.append(f"{label}步骤编号从{n}开始，前面的内容可能缺失")
            else:
                flags.append(f"{label}步骤编号不连续（{expected - 1}之后是{n}）")
        expected = n + 1
    return flags


def _is_heading_line(line: str, depts: _Depts) -> bool:
    core = line.rstrip("：:").strip()
    return len(core) <= 40 and depts.is_dept(core)


# --------------------------------------------------------------------------- HTML cells

def _html_blocks(cell: str) -> list[tuple[str, int, str]]:
    """Split a cell with HTML into (kind, ol_id, text) blocks: li, p, ol (loose text), text."""
    blocks: list[tuple[str, int, str]] = []
    in_li = in_p = 0
    ol_open, ol_id, ol_count = False, -1, 0
    pos = 0

    def flush(text: str):
        if text.strip():
            kind = "li" if in_li else "p" if in_p else "ol" if ol_open else "text"
            blocks.append((kind, ol_id if ol_open else -1, text))

    for m in _TAG.finditer(cell):
        flush(cell[pos:m.start()])
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag in ("ol", "ul"):
            if closing:
                ol_open = False
            else:
                ol_open, ol_count = True, ol_count + 1
                ol_id = ol_count
        elif tag == "li":
            in_li = 0 if closing else 1
        elif tag in ("p", "div"):
            in_p = 0 if closing else 1
        pos = m.end()
    flush(cell[pos:])
    return blocks


def duty_lines(cell: str, depts: _Depts | None = None) -> list[str]:
    """One line per step for a 上级部门职责 / 乡镇配合职责 cell (HTML or plain text)."""
    depts = depts or _generic_depts()
    if not _TAG.search(cell):
        return split_steps(_strip_html(cell), depts)
    blocks = _html_blocks(cell)
    numbered_ol = {}
    for kind, ol_id, text in blocks:
        if kind == "li":
            own = _marker_of(clean_text(_strip_html(text))) is not None
            numbered_ol[ol_id] = numbered_ol.get(ol_id, True) and not own
    lines: list[str] = []
    counters: Counter = Counter()
    for kind, ol_id, text in blocks:
        text = _strip_html(text)
        if kind == "li":
            line = clean_text(text)
            if line and numbered_ol.get(ol_id):
                counters[ol_id] += 1
                line = f"{counters[ol_id]}.{line}"
            if line:
                lines.append(line)
        elif kind == "ol":
            pieces = split_steps(text, depts)
            if not any(_marker_of(p) is not None for p in pieces):
                items = [clean_text(x) for x in re.split(r"(?<=[；;。])\s+", _WS_RUN.sub(" ", text).strip())]
                pieces = []
                for item in filter(None, items):
                    counters[("loose", ol_id)] += 1
                    pieces.append(f"{counters[('loose', ol_id)]}.{item}")
            lines += pieces
        else:
            lines += split_steps(text, depts)
    return lines


# --------------------------------------------------------------------------- withdrawn cells

def parse_receiving(text: str, depts: _Depts | None = None) -> list[Receiving]:
    """承接部门及工作方式: one Receiving per department block; "" when no department is named."""
    depts = depts or _generic_depts()
    t = _WS_RUN.sub(" ", _strip_html(text)).strip()
    if not t:
        return []
    m = re.match(r"^承接部门\s*[：:]\s*(.+?)\s*工作方式\s*[：:]\s*(.*)$", t)
    if m:
        return [Receiving(clean_text(m.group(1)), clean_text(m.group(2)))]
    heads = []
    for m in depts.list_colon_re.finditer(t):
        before = t[:m.start()].rstrip()
        if m.start() == 0 or before.endswith(("。", "；", ";")):
            heads.append(m)
    if not heads:
        return [Receiving("", clean_text(t))]
    out: list[Receiving] = []
    lead = clean_text(t[:heads[0].start()])
    if lead:
        out.append(Receiving("", lead))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(t)
        method = clean_text(t[m.end():end])
        for name in m.group(1).split("、"):
            out.append(Receiving(clean_text(name), method))
    return out


# --------------------------------------------------------------------------- raw rows

@dataclass
class _Row:
    kind: str
    number: int
    line: int
    category: str = ""
    name: str = ""
    dept: str = ""
    dept_duties: str | list[str] = ""
    town_duties: str | list[str] = ""
    receiving: str = ""
    cells: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    table: int = 0

    def flag(self, text: str, code: str):
        if text not in self.flags:
            self.flags.append(text)
            self.codes.append(code)


def _header_kind(text: str) -> str:
    t = re.sub(r"\s+", "", text)
    if "承接部门" in t or "工作方式" in t:
        return "withdrawn"
    if "对应上级" in t or "上级部门职责" in t or "配合职责" in t:
        return "cooperative"
    return "basic"


def _title_kind(line: str) -> str | None:
    t = re.sub(r"[\s#]+", "", line)
    if len(t) > 60 or re.search(r"[，。；,;]", t) or _is_toc(line):
        return None
    for kind, rx in _KIND_TITLES:
        if rx.search(t):
            return kind
    return None


def _is_toc(line: str) -> bool:
    s = line.strip()
    if re.sub(r"[\s#]+", "", s) == "目录":
        return True
    if re.search(r"(?:\.{3,}|…{2,}|·{3,}|．{3,})\s*\d*\s*$", s):
        return True
    return bool(re.match(r"^\d+[.、．]\s*[^\t]*清单\s*\t\s*\d+\s*$", s))


def _is_noise_line(line: str) -> bool:
    s = line.strip()
    return not s or bool(_FOOTER.match(s)) or bool(_SEPARATOR.match(s)) or _is_toc(s)


class _Tables:
    """Keeps track of which table rows belong to and numbers the tables."""

    def __init__(self):
        self.kind: str | None = None
        self.index = 0
        self.last_number = 0

    def switch(self, kind: str):
        if kind != self.kind:
            self.kind, self.index, self.last_number = kind, self.index + 1, 0


def _parse_tabbed(lines: list[str]) -> list[_Row]:
    rows: list[_Row] = []
    tables = _Tables()
    current: _Row | None = None
    for idx, raw in enumerate(lines, 1):
        if _is_noise_line(raw):
            continue
        stripped = raw.strip()
        fields = raw.rstrip("\r\n").split("\t")
        first = fields[0].strip()
        if re.sub(r"\s+", "", first).startswith("序号"):
            tables.switch(_header_kind(raw))
            current = None
            continue
        title = _title_kind(raw) if "\t" not in raw else None
        if title:
            tables.switch(title)
            current = None
            continue
        if re.fullmatch(r"\d{1,4}", first) and len(fields) > 1:
            number = int(first)
            filled = [f for f in fields[1:] if f.strip()]
            guess = "cooperative" if len(filled) >= 5 else "withdrawn" if len(filled) == 3 else "basic"
            if tables.kind is None:
                tables.switch(guess)
            elif number == 1 and tables.last_number > 1 and guess != tables.kind and len(filled) >= 3:
                tables.switch(guess)
            current = _Row(tables.kind, number, idx, table=tables.index)
            width = _NCOLS[tables.kind] - 1
            content = fields[1:]
            cells = content[:width] + [""] * max(0, width - len(content))
            overflow = [f for f in content[width:] if f.strip()]
            if overflow:
                cells[-1] = (cells[-1] + " " + " ".join(overflow)).strip()
                current.flag("单元格数多于表头，多余内容并入最后一列", "extra_cells")
            current.cells = cells
            tables.last_number = number
            rows.append(current)
            continue
        if current is not None and "\t" in raw and first == "":
            # a row continued on the next line: its cells align with the right-hand columns
            ncols = len(current.cells) + 1
            offset = max(0, ncols - len(fields))
            for i, f in enumerate(fields):
                if f.strip():
                    col = min(i + offset, ncols - 1) - 1
                    if col >= 0:
                        current.cells[col] = (current.cells[col] + " " + f).strip()
            current.flag("单元格在下一行续接，已合并", "continued_row")
            continue
        if current is not None and tables.kind is not None and "\t" not in raw:
            filled = [i for i, c in enumerate(current.cells) if c.strip()]
            col = filled[-1] if filled else len(current.cells) - 1
            current.cells[col] = (current.cells[col] + " " + stripped).strip()
            current.flag("单元格内容溢出到下一行，已合并", "continued_row")
    for row in rows:
        c = row.cells
        row.category, row.name = c[0], c[1]
        if row.kind == "cooperative":
            row.dept, row.dept_duties, row.town_duties = c[2], c[3], c[4]
        elif row.kind == "withdrawn":
            row.receiving = c[2]
    return rows


# --------------------------------------------------------------------------- PDF text

_HEADER_WORDS = re.compile(
    r"^(?:序号|事项类别|事项名称|事项|类别|对应上级部门|对应上级|上级部门职责|承接部门及工作方式|"
    r"承接部门|工作方式|[\u4e00-\u9fff]{0,8}?配合职责)+$")


def _category_prefix(token: str) -> str | None:
    """The vocabulary category a wrapped category cell ("应急管理及" → …消防) is the start of."""
    for cat in KNOWN_CATEGORIES:
        if cat.startswith(token) and cat != token and len(token) >= 2:
            return cat
    return None


def _parse_pdf(lines: list[str], depts: _Depts) -> list[_Row]:
    rows: list[_Row] = []
    tables = _Tables()
    current: _Row | None = None
    body: list[tuple[int, str]] = []
    header_kind: str | None = None
    expect_bumen = False

    def finish():
        nonlocal current, body
        if current is not None:
            _finish_pdf_row(current, body, depts)
            rows.append(current)
        current, body = None, []

    for idx, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s or _FOOTER.match(s) or re.fullmatch(r"-?\s*\d{1,3}\s*-?", s) or _is_toc(s):
            continue
        compact = re.sub(r"\s+", "", s)
        if expect_bumen and compact == "部门":
            expect_bumen = False
            continue
        if _HEADER_WORDS.match(compact) and (compact.startswith("序号") or header_kind is not None
                                             or compact.startswith(("对应上级", "上级部门职责", "承接部门"))):
            kind = _header_kind(compact)
            if compact.startswith("序号"):
                header_kind = kind
            elif kind != "basic":
                header_kind = kind
            expect_bumen = compact.endswith("对应上级")
            continue
        expect_bumen = False
        title = _title_kind(s)
        if title:
            finish()
            tables.switch(title)
            header_kind = None
            continue
        m = re.match(r"^(\d{1,3})\s+(\S+)(?:\s+(.*))?$", s)
        if m:
            number, token = int(m.group(1)), m.group(2)
            is_cat = token in KNOWN_CATEGORIES or _category_prefix(token) is not None
            # a category we do not know must at least look like one and come next in order
            plausible = ((number == tables.last_number + 1 or number == 1)
                         and 2 <= len(token) <= 8 and all(_is_ideograph(c) for c in token))
            if is_cat or plausible:
                if header_kind is not None and header_kind != tables.kind:
                    finish()
                    tables.switch(header_kind)
                elif tables.kind is None:
                    tables.switch("basic")
                elif number == 1 and tables.last_number > 1:
                    finish()
                    order = ["basic", "cooperative", "withdrawn"]
                    tables.switch(order[min(order.index(tables.kind) + 1, 2)])
                finish()
                current = _Row(tables.kind, number, idx, table=tables.index)
                current.cells = [token, m.group(3) or ""]
                tables.last_number = number
                header_kind = None
                continue
        header_kind = None
        if current is not None:
            body.append((idx, s))
    finish()
    return rows


def _finish_pdf_row(row: _Row, body: list[tuple[int, str]], depts: _Depts):
    token, rest = row.cells
    texts = [t for _, t in body]
    full = _category_prefix(token)
    if token not in KNOWN_CATEGORIES and full and texts and texts[0].split()[0] == full[len(token):]:
        first = texts[0].split(None, 1)
        token = full
        texts = ([first[1]] if len(first) > 1 else []) + texts[1:]
    row.category = token
    tokens = rest.split()
    if row.kind == "basic":
        row.name = _join_lines(tokens + texts)
        return
    if row.kind == "withdrawn":
        at = next((k for k, t in enumerate(texts) if depts.list_colon_re.match(t)), None)
        if at is None:
            # no department line: the name is on the first line, the rest is how it now works
            at = 0 if tokens else min(1, len(texts))
        row.name = _join_lines(tokens + texts[:at])
        row.receiving = _join_lines(texts[at:])
        return
    _finish_pdf_cooperative(row, tokens, texts, depts)


def _finish_pdf_cooperative(row: _Row, tokens: list[str], texts: list[str], depts: _Depts):
    name_parts, dept_parts = [], []
    for tok in tokens:
        if name_parts and (depts.is_dept(tok) or depts.starts_like_dept(tok, allow_bare_county=False)):
            dept_parts.append(tok)
        elif dept_parts:
            dept_parts.append(tok)
        else:
            name_parts.append(tok)
    i = 0
    if not name_parts and texts:
        name_parts, i = [texts[0]], 1
    if name_parts and not dept_parts:
        # the name runs on until the department column starts (木垒县…, 昌吉州…)
        j = i
        while (j < len(texts) and not depts.starts_like_dept(texts[j], allow_bare_county=False)
               and _marker_of(texts[j]) is None and not _LINE_CN_HEAD.match(texts[j])):
            j += 1
        if j < len(texts) and depts.starts_like_dept(texts[j], allow_bare_county=False) and j - i <= 8:
            name_parts += texts[i:j]
            i = j
        else:
            # no recognisable department: a name line is full (about nine characters) until the last
            while (_width(name_parts[-1]) >= 8.5 and i < len(texts)
                   and _marker_of(texts[i]) is None):
                name_parts.append(texts[i])
                i += 1
    if not dept_parts and i < len(texts) and _marker_of(texts[i]) is None:
        dept_parts, i = [texts[i]], i + 1
    # the department column holds about six characters a line
    while dept_parts and i < len(texts):
        line, acc = texts[i], "".join(dept_parts)
        if line.startswith("、") or acc.endswith("、"):
            pass
        elif _marker_of(line) is not None or _LINE_CN_HEAD.match(line) or _width(line) > 7.5:
            break
        elif depts.ends_with_suffix(acc) and (line.startswith("县") or _width(dept_parts[-1]) < 5.5):
            break
        dept_parts.append(line)
        i += 1
    row.name = _join_lines(name_parts)
    row.dept = _join_lines(dept_parts)
    units = _pdf_units(texts[i:], depts)
    split = _column_split(units)
    row.dept_duties = [_join_lines(u["lines"]) for u in units[:split]]
    row.town_duties = [_join_lines(u["lines"]) for u in units[split:]]
    if units and split == len(units):
        row.flag("未能区分上级部门职责与乡镇配合职责，全部归入上级部门职责", "column_split")


def _pdf_units(lines: list[str], depts: _Depts) -> list[dict]:
    """Group wrapped lines into steps, headings and paragraphs."""
    units: list[dict] = []
    for line in lines:
        n = _marker_of(line)
        cn = _LINE_CN_HEAD.match(line)
        if n is not None:
            kind, val = "step", n
        elif cn:
            kind, val = "cn", _cn_value(cn.group(1))
        elif _is_heading_line(line, depts):
            kind, val = "dept", 0
        else:
            kind, val = None, 0
        if kind is not None or not units or units[-1]["closed"]:
            units.append({"kind": kind or "free", "val": val, "lines": [line], "closed": False})
        else:
            units[-1]["lines"].append(line)
        last = units[-1]
        last["closed"] = last["kind"] in ("cn", "dept") or line.endswith("。")
    return units


def _column_split(units: list[dict]) -> int:
    """Index of the first unit of 乡镇配合职责: where the numbering or the headings start again."""
    seen_cn: set[int] = set()
    content = False
    prev = None
    for i, u in enumerate(units):
        if prev is not None and content:
            heading_before = prev["kind"] in ("cn", "dept")
            if u["kind"] == "step" and u["val"] == 1 and not heading_before:
                return i
            if u["kind"] == "cn" and u["val"] == 1 and 1 in seen_cn:
                return i
            if u["kind"] == "free" and not heading_before:
                return i
        if u["kind"] == "cn":
            seen_cn.add(u["val"])
        if u["kind"] in ("step", "free"):
            content = True
        prev = u
    return len(units)


# --------------------------------------------------------------------------- items

_NOISE = re.compile(r"(.{1,4}?)(?:[\s,，、]*\1){3,}")


def _ocr_noise(text: str) -> bool:
    for m in _NOISE.finditer(text):
        unit = m.group(1).strip(" ,，、")
        if unit and (len(m.group(0)) >= 8 or len(unit) == 1 and len(m.group(0)) >= 5):
            return True
    return False


def _split_departments(text: str, depts: _Depts) -> tuple[str, list[str]]:
    """Clean the 对应上级部门 cell, keeping a space only where it separates two departments."""
    raw = _WS_RUN.sub(" ", _strip_html(text)).strip()
    out = ""
    for tok in raw.split(" "):
        if not out:
            out = tok
        elif (depts.ends_with_suffix(out) and depts.starts_like_dept(tok)
              and not out.endswith("、") and not tok.startswith("、")):
            out += " " + tok
        elif tok and _joins(out[-1], tok[0]):
            out += tok
        else:
            out += " " + tok
    names = [n.strip() for n in re.split(r"[、，,；;\s]+", out) if n.strip()]
    return out, names


def _build_items(rows: list[_Row], depts: _Depts) -> tuple[list[ParsedItem], list[ImportWarning]]:
    items: list[ParsedItem] = []
    warnings: list[ImportWarning] = []
    last_in_table: dict[int, _Row] = {}
    last_clean_cat: dict[int, str] = {}
    last_number: dict[int, int] = {}
    for row in rows:
        cat = _cell(row.category)
        if not cat:
            inherited = last_clean_cat.get(row.table) or (
                last_in_table[row.table].category if row.table in last_in_table else "")
            if inherited:
                row.flag(f"事项类别为空，沿用上一行类别“{inherited}”", "empty_category")
            else:
                row.flag("事项类别为空", "empty_category")
            cat = inherited
        elif not all(_is_ideograph(c) for c in cat):
            row.flag("事项类别疑似OCR乱码，按原样保留", "ocr_category")
        elif cat not in KNOWN_CATEGORIES:
            row.flag("事项类别不在类别词表中", "unknown_category")
        row.category = cat
        if cat in KNOWN_CATEGORIES:
            last_clean_cat[row.table] = cat
        last_in_table[row.table] = row

        prev = last_number.get(row.table)
        expected = (prev or 0) + 1
        if row.number != expected:
            if prev is not None and row.number <= prev:
                row.flag(f"序号重复或倒退（上一行为{prev}）", "number_duplicate")
            else:
                row.flag(f"序号不连续（应为{expected}）", "number_gap")
        last_number[row.table] = row.number

        name = _cell(row.name)
        if not name:
            row.flag("事项名称为空", "empty_name")
        item = ParsedItem(kind=row.kind, number=row.number, category=cat, name=name, line=row.line)
        texts = [name]
        if row.kind == "cooperative":
            item.departments_text, item.departments = _split_departments(row.dept, depts)
            for attr, value, label in (("dept_duties", row.dept_duties, "上级部门职责"),
                                       ("township_duties", row.town_duties, "乡镇配合职责")):
                lines = value if isinstance(value, list) else duty_lines(value, depts)
                lines = [ln for ln in (clean_text(_strip_html(x)) for x in lines) if ln]
                setattr(item, attr, lines)
                if not lines or (len(lines) == 1 and _width(lines[0]) <= 1):
                    row.flag(f"{label}为空或只有残字", "empty_cell")
                for f in _step_flags(lines, depts, label):
                    row.flag(f, "step_sequence")
                texts += lines
            if not item.departments:
                row.flag("对应上级部门为空", "empty_cell")
            texts.append(item.departments_text)
        elif row.kind == "withdrawn":
            item.receiving = parse_receiving(row.receiving, depts)
            if not item.receiving:
                row.flag("承接部门及工作方式为空", "empty_cell")
            texts += [r.department + r.method for r in item.receiving]
        if any(_ocr_noise(t) for t in texts if t):
            row.flag("含重复乱码，疑似OCR噪声", "ocr_noise")
        item.flags = list(row.flags)
        for text, code in zip(row.flags, row.codes):
            warnings.append(ImportWarning(line=row.line, code=code,
                                          message=f"第{row.line}行 {KIND_LABELS[row.kind]}第{row.number}项：{text}"))
        items.append(item)
    return items, warnings


# --------------------------------------------------------------------------- document

def _preamble(lines: list[str]) -> list[str]:
    out = []
    for raw in lines:
        if re.sub(r"\s+", "", raw).startswith("序号"):
            break
        out.append(raw)
    return out


def title_block_place(texts) -> dict | None:
    """The place named by a document's title block: its first non-empty lines, joined, up to a
    blank line, a date, 说明/目录, a table of contents, a sentence (punctuation) or 修订稿."""
    block: list[str] = []
    for raw in texts:
        s = re.sub(r"[\s#]+", "", raw)
        if not s:
            if block:
                break
            continue
        if (_DATE_LINE.match(s) or _is_toc(raw) or s in ("说明", "目录") or re.search(r"[，。；,;·]", s)
                or s.startswith("修订稿")):
            break
        block.append(s)
        if len(block) > 4:
            break
    return split_place("".join(block)) if block else None


def resolve_places(result: ParsedList, found: list[dict | None], township: str | None) -> list[ImportWarning]:
    """Set the result's region/prefecture/county/township from the places found in the document
    (best first), completed by the place the user gave; warns where they disagree (the document wins)
    and when no township is known. Both importers (text and Word/Excel) use this."""
    found = [p for p in found if p and any(p.values())]
    warnings = []
    for key in ("region", "prefecture", "county", "township"):
        values = [p[key] for p in found if p[key]]
        if values:
            setattr(result, key, values[0])
    if township:
        for key, value in split_place(township).items():
            if not value:
                continue
            mine = getattr(result, key)
            if mine is None:
                setattr(result, key, value)
            elif mine != value:
                warnings.append(ImportWarning(0, "place_conflict",
                                              f"文件中的{_PLACE_NAMES[key]}为“{mine}”，与指定的“{value}”不同，以文件为准"))
    if not result.township:
        warnings.append(ImportWarning(0, "missing_place", "文件未写明乡镇名称，请指定乡镇"))
    return warnings


def stated_totals(pre: str) -> dict[str, int] | None:
    t = re.sub(r"\s+", "", pre)
    totals = {}
    for key, rx in (("total", r"共有履职事项(\d+)项"), ("basic", r"基本履职事项(\d+)项"),
                    ("cooperative", r"配合履职事项(\d+)项"), ("withdrawn", r"收回事项(\d+)项")):
        m = re.search(rx, t)
        if m:
            totals[key] = int(m.group(1))
    return totals or None


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise ImportFailure(FAIL_EMPTY)
    if b"\x00" in data:
        raise ImportFailure(FAIL_BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFailure(FAIL_BINARY) from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise ImportFailure(FAIL_BINARY)
    return text


def parse_file(path, township: str | None = None) -> ParsedList:
    """Read a duty list file (bytes: UTF-8, UTF-8-SIG or GB18030) and parse it."""
    return parse_text(_decode(Path(path).read_bytes()), township=township)


def parse_text(text: str, township: str | None = None) -> ParsedList:
    """Parse the text of a duty list; `township` names the place when the text does not."""
    if text is None or not text.strip():
        raise ImportFailure(FAIL_EMPTY)
    if "\x00" in text:
        raise ImportFailure(FAIL_BINARY)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    result = ParsedList()
    warnings: list[ImportWarning] = []

    warnings += resolve_places(result, [title_block_place(_preamble(lines)),
                                        *(split_place(raw) for raw in lines if _title_kind(raw))], township)

    pre = _preamble(lines)
    for raw in pre:
        m = _DATE_LINE.match(re.sub(r"\s+", "", raw))
        if m:
            result.date = f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")
            break
    result.stated_totals = stated_totals("\n".join(pre))

    starts = list(GENERIC_DEPT_STARTS) + list(PREFECTURE_SHORT_NAMES) + list(PREFECTURE_SHORT_NAMES.values())
    for county in [result.county] + _detect_counties(text):
        if county:
            starts.append(county)
            short = _county_short(county)
            if short:
                starts.append(short)
    depts = _Depts(tuple(starts))

    if not any(re.sub(r"\s+", "", ln).startswith("序号") for ln in lines):
        raise ImportFailure(FAIL_NO_TABLE)
    tabbed = sum(1 for ln in lines if re.match(r"^\s*\d{1,4}\t", ln))
    rows = _parse_tabbed(lines) if tabbed else _parse_pdf(lines, depts)
    if not rows:
        raise ImportFailure(FAIL_NO_TABLE)
    result.items, row_warnings = _build_items(rows, depts)
    warnings += row_warnings

    warnings += result.total_mismatches()
    result.warnings = warnings
    return result
