"""The text form of each cell shape, both ways: what a form shows and reads back, what the
documents print and the Word/Excel reader reads, what diffs compare. One function per way."""
from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b")
_NAME_SEPARATORS = re.compile(r"[、，,；;\s]+")
_DEPT_SUFFIX = re.compile(
    r"(局|委|部|办|委员会|院|队|所|中心|站|残联|政协|人大|法院|检察院|支队|大队|公司|室|会|社|馆|处|团|厅|署|行|联|局\)|分局)$")
#: words a cell puts before a colon that are not departments ("备注：…")
_NOT_A_DEPARTMENT = {"注", "备注", "说明", "工作方式", "承接方式", "方式", "原因", "理由", "依据", "承接部门"}
_LABELLED = re.compile(r"^承接部门\s*[：:]\s*(.+?)\s*工作方式\s*[：:]\s*(.*)$")
_HEAD = re.compile(r"^([^：:]{1,60}?)[：:](.*)$")


# ------------------------------------------------------------------ lines and steps ----
def lines_of(text: str | None) -> list[str]:
    """A cell's text as stripped, non-empty lines (any line break)."""
    return [ln.strip() for ln in _LINE_BREAKS.split(text or "") if ln.strip()]


def steps_text(lines: list[str] | None) -> str:
    """Steps (or any list of lines) as one text, a line each."""
    return "\n".join(lines or [])


# ------------------------------------------------------------------ departments ----
def looks_like_department(name: str) -> bool:
    """A plausible department name: short, no punctuation, ends like an organisation (县民政局)."""
    return (2 <= len(name) <= 40 and not re.search(r"[，。；;:：,、\s]", name)
            and bool(_DEPT_SUFFIX.search(name)))


def departments_of_text(text: str | None) -> list[str]:
    """The names a 对应上级部门 cell lists (separated by 、，；or spaces)."""
    return [n.strip() for n in _NAME_SEPARATORS.split(text or "") if n.strip()]


# ------------------------------------------------------------------ 承接部门及工作方式 ----
def receiving_lines(rows: list | None, merge: bool = False) -> list[str]:
    """承接部门及工作方式 as lines: "部门：方式", or just "方式" when no department is named.

    merge=True prints departments sharing one way of working on one line ("部门甲、部门乙：方式"),
    as official documents do; merge=False gives one line per row, which reads back row for row.
    """
    blocks: list[tuple[list[str], str]] = []
    for r in rows or []:
        dept = (r.get("department") if isinstance(r, dict) else r.department) or ""
        method = (r.get("method") if isinstance(r, dict) else r.method) or ""
        if (merge and dept and method and "、" not in dept and blocks and blocks[-1][0]
                and blocks[-1][1] == method and not any("、" in d for d in blocks[-1][0])):
            blocks[-1][0].append(dept)
            continue
        blocks.append(([dept] if dept else [], method))
    return [f"{'、'.join(depts)}：{method}" if depts else method for depts, method in blocks]


def _department_head(head: str, strict: bool) -> list[str]:
    """The departments a line's "…：" head names, or [] if it names none."""
    head = head.strip()
    if not head or len(head) > 60 or head in _NOT_A_DEPARTMENT or re.search(r"[，。；,;！？!?\s]", head):
        return []
    names = [d.strip() for d in head.split("、") if d.strip()]
    if strict and not all(looks_like_department(n) for n in names):
        return []
    return names


def receiving_of_lines(lines: list[str], strict: bool = False) -> list[dict]:
    """承接部门及工作方式 from its lines: "部门：方式", "部门甲、部门乙：方式", "承接部门：X 工作方式：Y"
    or just "方式" (no department). strict: a head counts as departments only if each name looks
    like one (typed text); a document's own "X：" layout is trusted otherwise."""
    out: list[dict] = []
    for line in (x.strip() for x in lines):
        if not line:
            continue
        m = _LABELLED.match(line)
        if m:
            out += [{"department": d.strip(), "method": m.group(2).strip()}
                    for d in m.group(1).split("、") if d.strip()]
            continue
        m = _HEAD.match(line)
        names = _department_head(m.group(1), strict) if m else []
        if names:
            out += [{"department": d, "method": m.group(2).strip()} for d in names]
        else:
            out.append({"department": "", "method": line})
    return out


# ------------------------------------------------------------------ 依据 (citations) ----
_CITATION_BREAKS = re.compile(r"[；;]")
#: an article reference: 第十条、第二款、第三项 (and what follows it: 第十条第二款、第十一条)
_ARTICLE = re.compile(r"(第[一二三四五六七八九十百千零〇两\d]+[条款项目章节编].*)$")
_TITLED = re.compile(r"(《[^《》]+》(?:\s*[（(〔][^（）()〔〕]*[）)〕])?)([^《]*)")
_EDGE_PUNCT = "、，,。 　和及与以及"


def citation_line(citation: dict) -> str:
    """A citation as one line of text: the basis as cited, then its article (《…》第十条)."""
    return f"{citation.get('text') or ''}{citation.get('article') or ''}".strip()


def citation_lines(citations: list | None) -> list[str]:
    """The lines of a 依据 cell, a citation each."""
    return [line for line in (citation_line(c) for c in citations or []) if line]


def citations_of_text(text: str | list | None) -> list[dict]:
    """The citations a 依据 cell (or a form's text) holds, as pending citations {basis_id: None, article,
    text}: a line (or a part between ；) each, several 《…》 on one line each their own, the article
    (第十条…) split off the end. Matching them to the library is the services' work."""
    raw = text if isinstance(text, list) else lines_of(text)
    out: list[dict] = []
    for line in raw:
        for part in _CITATION_BREAKS.split(line or ""):
            part = part.strip().strip(_EDGE_PUNCT)
            if not part:
                continue
            if "《" in part:
                for m in _TITLED.finditer(part):
                    out.append({"basis_id": None, "text": m.group(1).strip(),
                                "article": m.group(2).strip().strip(_EDGE_PUNCT)})
                continue
            m = _ARTICLE.search(part)
            head = part[:m.start()].strip() if m else part
            if m and not head and out:  # "第十条" on a line of its own: the article of the citation above
                out[-1]["article"] = (out[-1]["article"] + "、" + m.group(1)).strip("、")
                continue
            if m and not head:  # an article and nothing it belongs to: cleaning refuses it, saying so
                out.append({"basis_id": None, "text": "", "article": m.group(1).strip()})
                continue
            out.append({"basis_id": None, "text": head, "article": m.group(1).strip() if m else ""})
    return out
