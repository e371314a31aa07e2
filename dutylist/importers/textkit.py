"""The text toolkit of the importers: cleaning text from Word, PDF and OCR exports, places named in
titles, department names, duty steps, HTML list cells, 承接部门 cells, and the 说明's stated totals.

Used by the text importer (text_list) and the Word/Excel reader (dutylist.documents.reader). Pure
standard library: no Flask, no database.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from ..items import KINDS, title_pattern
from ..vocabulary import CATEGORIES, PREFECTURE_SHORT_NAMES
from . import divisions
from .parsed import ImportWarning, ParsedList, Receiving

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
WS_RUN = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CN_NUMERALS = "一二三四五六七八九十"
_MARKER = re.compile(r"(?<![^\s；;。，,：:])(?:(\d{1,2})[.．、](?!\d)|[（(](\d{1,2})[）)])")
_CN_HEAD = re.compile(r"(?<![^\s。；;])([一二三四五六七八九十]{1,3})、")
_LINE_MARKER = re.compile(r"^(?:(\d{1,2})[.．、](?!\d)|[（(](\d{1,2})[）)])")
LINE_CN_HEAD = re.compile(r"^([一二三四五六七八九十]{1,3})、")
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?$")
_PLACE_NAMES = {"region": "省（自治区、直辖市）", "prefecture": "市（州、盟、地区）", "county": "县（区、县级市、旗）",
                "township": "乡镇（街道）"}
#: how a place is written in full, for the questions asked when a place cannot be found
PLACE_EXAMPLE = "辽宁省铁岭市清河区红旗街道"


# --------------------------------------------------------------------------- text cleaning

def _is_cjk(ch: str) -> bool:
    """True for CJK ideographs, CJK and full-width punctuation and Chinese quotes."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0xF900 <= o <= 0xFAFF or ch in _CJK_EXTRA)


def is_ideograph(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def width(s: str) -> float:
    """Display width in CJK cells: what a PDF column holds per line."""
    return sum(1.0 if _is_cjk(c) else 0.5 for c in s)


_HALF_PUNCT = ",;:!?"


def joins(left: str, right: str) -> bool:
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
    s = WS_RUN.sub(" ", s).strip()
    if " " not in s:
        return s
    parts = s.split(" ")
    out = parts[0]
    for part in parts[1:]:
        if out and part and joins(out[-1], part[0]):
            out += part
        else:
            out += " " + part
    return out


def strip_html(s: str) -> str:
    """Tags become spaces, entities are decoded, and stray angle brackets go full-width."""
    if "<" in s or "&" in s:
        s = _TAG.sub(" ", s)
        if _ENTITY.search(s):
            s = html.unescape(s)
    # "<站>" in a name is text, not HTML: keep it, but never let a bare < or > through
    return s.replace("<", "＜").replace(">", "＞")


def cell(s: str) -> str:
    return clean_text(strip_html(s))


def join_lines(lines: list[str]) -> str:
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


def cn_value(numeral: str) -> int:
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


#: a title's ending that names the list or one of its tables (…履职事项清单, …上级部门收回事项清单)
_LIST_TITLE = re.compile("(?:上级部门)?(?:" + "|".join(title_pattern(k) for k in KINDS)
                         + "|履职事项|权责|权力|职权|职责|责任|履职|公共服务事项|事项)清单$")


def split_place(text: str) -> dict:
    """Split "新疆维吾尔自治区昌吉回族自治州吉木萨尔县大有镇" into region/prefecture/county/township."""
    result = {"region": None, "prefecture": None, "county": None, "township": None}
    rest = re.sub(r"[\s#]+", "", text or "")
    rest = _LIST_TITLE.sub("", rest)
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


def county_short(county: str) -> str | None:
    if county.endswith("自治县") and len(county) > 4:
        return county[:2] + "县"
    return None


# --------------------------------------------------------------------------- departments

@dataclass
class Depts:
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


_GENERIC_DEPTS: Depts | None = None


def _generic_depts() -> Depts:
    global _GENERIC_DEPTS
    if _GENERIC_DEPTS is None:
        _GENERIC_DEPTS = Depts(GENERIC_DEPT_STARTS)
    return _GENERIC_DEPTS


def detect_counties(text: str) -> list[str]:
    """County names the document itself uses in department names (e.g. 木垒县, 吉木萨尔县)."""
    counts = Counter(re.findall(
        r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,4}县)(?:委|人民|人大|政协|公安|民政|财政|水利|教育|"
        r"自然|林业|农业|住房|卫生|市场|交通|文化|应急|消防|司法|残|红十字|总工会|医疗|商务|统计|"
        r"发展|科学|税务|退役|人力|统战|地方志)", text))
    return [name for name, n in counts.most_common(3) if n >= 5]


# --------------------------------------------------------------------------- steps

def split_steps(text: str, depts: Depts | None = None) -> list[str]:
    """Split a plain-text duty cell into one line per step, heading or paragraph."""
    depts = depts or _generic_depts()
    t = WS_RUN.sub(" ", text).strip()
    if not t:
        return []
    cands: list[tuple[int, str, int, int]] = []  # (pos, kind, value, heading_end)
    for m in _MARKER.finditer(t):
        cands.append((m.start(), "m", int(m.group(1) or m.group(2)), m.start()))
    for m in _CN_HEAD.finditer(t):
        cands.append((m.start(), "c", cn_value(m.group(1)), m.start()))
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


def marker_of(line: str) -> int | None:
    m = _LINE_MARKER.match(line)
    return int(m.group(1) or m.group(2)) if m else None


def step_flags(lines: list[str], depts: Depts, label: str) -> list[str]:
    """Flags for step numbering that does not start at 1 or skips a number."""
    flags, expected = [], 1
    for line in lines:
        if LINE_CN_HEAD.match(line) or is_heading_line(line, depts) or line.endswith(("：", ":")):
            expected = 1
            continue
        n = marker_of(line)
        if n is None:
            continue
        if n != expected:
            if expected == 1:
                flags.append(f"{label}步骤编号从{n}开始，前面的内容可能缺失")
            else:
                flags.append(f"{label}步骤编号不连续（{expected - 1}之后是{n}）")
        expected = n + 1
    return flags


def is_heading_line(line: str, depts: Depts) -> bool:
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


def duty_lines(cell: str, depts: Depts | None = None) -> list[str]:
    """One line per step for a 上级部门职责 / 乡镇配合职责 cell (HTML or plain text)."""
    depts = depts or _generic_depts()
    if not _TAG.search(cell):
        return split_steps(strip_html(cell), depts)
    blocks = _html_blocks(cell)
    numbered_ol = {}
    for kind, ol_id, text in blocks:
        if kind == "li":
            own = marker_of(clean_text(strip_html(text))) is not None
            numbered_ol[ol_id] = numbered_ol.get(ol_id, True) and not own
    lines: list[str] = []
    counters: Counter = Counter()
    for kind, ol_id, text in blocks:
        text = strip_html(text)
        if kind == "li":
            line = clean_text(text)
            if line and numbered_ol.get(ol_id):
                counters[ol_id] += 1
                line = f"{counters[ol_id]}.{line}"
            if line:
                lines.append(line)
        elif kind == "ol":
            pieces = split_steps(text, depts)
            if not any(marker_of(p) is not None for p in pieces):
                items = [clean_text(x) for x in re.split(r"(?<=[；;。])\s+", WS_RUN.sub(" ", text).strip())]
                pieces = []
                for item in filter(None, items):
                    counters[("loose", ol_id)] += 1
                    pieces.append(f"{counters[('loose', ol_id)]}.{item}")
            lines += pieces
        else:
            lines += split_steps(text, depts)
    return lines


# --------------------------------------------------------------------------- withdrawn cells

def parse_receiving(text: str, depts: Depts | None = None) -> list[Receiving]:
    """承接部门及工作方式: one Receiving per department block; "" when no department is named."""
    depts = depts or _generic_depts()
    t = WS_RUN.sub(" ", strip_html(text)).strip()
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


def is_toc(line: str) -> bool:
    s = line.strip()
    if re.sub(r"[\s#]+", "", s) == "目录":
        return True
    if re.search(r"(?:\.{3,}|…{2,}|·{3,}|．{3,})\s*\d*\s*$", s):
        return True
    return bool(re.match(r"^\d+[.、．]\s*[^\t]*清单\s*\t\s*\d+\s*$", s))




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
        if (DATE_LINE.match(s) or is_toc(raw) or s in ("说明", "目录") or re.search(r"[，。；,;·]", s)
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
    result.place_problem = locate(result)
    if result.place_problem and result.township:
        warnings.append(ImportWarning(0, "place_unknown", result.place_problem))
    return warnings


def locate(result: ParsedList) -> str | None:
    """Complete the province and prefecture of the result's county from the national division list
    (a county named alone, or with its prefecture); the question to ask, in Chinese, when the place
    cannot be found or is not one place. Never guesses a default region."""
    town = result.township
    if not town:
        return f"文件未写明乡镇（街道）名称：请写明所在地区的全称，如“{PLACE_EXAMPLE}”"
    county, prefecture, region = result.county, result.prefecture, result.region
    ask_full = f"请写明{town}所在的省、市、县（区）全称，如“{PLACE_EXAMPLE}”"
    if not county:
        found = divisions.prefectures_named(prefecture, region) if prefecture else []
        if len(found) == 1 and not divisions.has_counties(found[0]):  # 东莞市: its towns are right under it
            result.region, result.prefecture = found[0].province, found[0].prefecture
            result.county = found[0].prefecture
            return None
        return f"未写明“{town}”所在的县（区、县级市、旗）。{ask_full}"
    found = divisions.counties_named(county, prefecture, region)
    if len(found) == 1:
        place = found[0]
        result.region, result.prefecture = place.province, place.prefecture
        return None
    if len(found) > 1:
        listed = "、".join(p.full_name for p in found[:6])
        return (f"“{(prefecture or '') + county}”不止一处：{listed}。请写明{town}所在的省、市（州），"
                f"如“{found[0].full_name}{town}”")
    as_prefecture = divisions.prefectures_named(county, region) if not prefecture else []
    if len(as_prefecture) == 1 and not divisions.has_counties(as_prefecture[0]):  # 东莞市虎门镇
        result.region, result.prefecture = as_prefecture[0].province, as_prefecture[0].prefecture
        return None
    if as_prefecture:
        return f"“{county}”是地级市（州），未写明{town}所在的区、县。{ask_full}"
    elsewhere = divisions.counties_named(county)
    if elsewhere and (region or prefecture):
        listed = "、".join(p.full_name for p in elsewhere[:6])
        return (f"全国行政区划中的“{county}”在{listed}，与文件或所填写的"
                f"“{(region or '') + (prefecture or '')}”不符。{ask_full}")
    if region and prefecture and divisions.is_province(region):
        return None  # written in full, but not (yet) in the division list: taken as written
    return f"在全国行政区划中找不到“{(region or '') + (prefecture or '') + county}”。{ask_full}"


def stated_totals(pre: str) -> dict[str, int] | None:
    t = re.sub(r"\s+", "", pre)
    totals = {}
    for key, rx in (("total", r"共有履职事项(\d+)项"), *((k, title_pattern(k) + r"(\d+)项") for k in KINDS)):
        m = re.search(rx, t)
        if m:
            totals[key] = int(m.group(1))
    return totals or None


