"""The state diagram, drawn from the machine's own table: Mermaid text (machine ids, for tools) and an
SVG in Chinese for people, plus the moves as rows for the page's table."""
from __future__ import annotations

from html import escape

from .states import EVENT_LABELS, STATUS_LABELS, TRANSITIONS, Status

ROLE_SHORT = {"township_drafter": "乡镇", "county_office": "县委编办", "prefecture_reviewer": "州",
              "region_reviewer": "自治区", "legality_reviewer": "县司法局"}


def edges():
    """(source, dest, label) for every transition, in table order, without duplicates."""
    out = []
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        who = "/".join(ROLE_SHORT[r] for r in t["roles"])
        for s in sources:
            edge = (Status(s), Status(t["dest"]), f"{t['trigger']} {EVENT_LABELS[t['trigger']]}（{who}）")
            if edge not in out:
                out.append(edge)
    return out


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {Status.drafting.value}"]
    for state in Status:
        lines.append(f"    {state.value} : {state.value} {STATUS_LABELS[state]}")
    for src, dst, label in edges():
        lines.append(f"    {src.value} --> {dst.value} : {label}")
    for state in (Status.published, Status.abandoned):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


#: Where each state is drawn: (column, row). Row 0 is the way up, left to right by stage; row 1 holds the
#: states a revision leaves that way for (returned: sent back down; abandoned: given up).
LAYOUT = {Status.drafting: (0, 0), Status.submitted: (1, 0), Status.county_review: (2, 0),
          Status.legality_review: (3, 0), Status.county_approved: (4, 0), Status.prefecture_review: (5, 0),
          Status.region_review: (6, 0), Status.published: (7, 0), Status.abandoned: (0, 1), Status.returned: (2, 1)}
#: Box fill by who holds the revision in that state (the legend's colours).
STAGE_FILL = {Status.drafting: "#ffebe9", Status.returned: "#ffebe9", Status.submitted: "#fff8c5",
              Status.county_review: "#fff8c5", Status.county_approved: "#fff8c5",
              Status.legality_review: "#fbefff",
              Status.prefecture_review: "#ddf4ff", Status.region_review: "#ddf4ff",
              Status.published: "#dafbe1", Status.abandoned: "#eaeef2"}
#: Moves that exist only in some configurations (LEGALITY_REVIEW on or off, REVIEW_LEVELS leaving a level
#: out): the table names the condition; the diagram draws the skipping and the optional ones dashed.
CONDITIONAL = {(Status.county_review, Status.legality_review): "设合法性审查时",
               (Status.county_review, Status.county_approved): "不设合法性审查时",
               (Status.county_approved, Status.region_review): "不设州级审核时",
               (Status.county_approved, Status.published): "不设州级、自治区审核时",
               (Status.prefecture_review, Status.published): "不设自治区审核时"}


def moves():
    """Every move for people: source, trigger, dest and the roles that make it, in table order."""
    out = []
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        for s in sources:
            move = {"source": Status(s), "trigger": t["trigger"], "dest": Status(t["dest"]),
                    "label": EVENT_LABELS[t["trigger"]], "roles": list(t["roles"]),
                    "condition": CONDITIONAL.get((Status(s), Status(t["dest"])))}
            if move not in out:
                out.append(move)
    return out


def svg() -> str:
    """A left-to-right diagram in Chinese: the states in columns by stage, the way up along the middle,
    the moves that skip a level (only when REVIEW_LEVELS leaves it out) dashed above, the moves back
    down and away below. Sized by its viewBox, so a page can draw it at any width."""
    box_w, box_h, pitch, left = 116, 44, 222, 40
    columns = max(col for col, _ in LAYOUT.values())
    top, row_gap = 224, 150
    width = left + columns * pitch + box_w + 30
    height = top + row_gap + box_h + 64

    def cx(s):
        return left + LAYOUT[s][0] * pitch + box_w / 2

    def y0(s):
        return top + LAYOUT[s][1] * row_gap

    def label(x, y, text, who, anchor="middle", cls="move"):
        return (f'<text class="{cls}" x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="13" fill="#1f2328">'
                f'{escape(text)}</text><text class="who" x="{x:g}" y="{y + 15:g}" text-anchor="{anchor}" '
                f'font-size="11" fill="#57606a">{escape(who)}</text>')

    def edge(src, dst, path, body, dashed=False):
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        colour = "#8c959f" if dashed else "#444c56"
        return (f'<g class="edge{" conditional" if dashed else ""}" data-source="{src.value}" '
                f'data-dest="{dst.value}"><path d="{path}" fill="none" stroke="{colour}" stroke-width="1.5"'
                f'{dash} marker-end="url(#arrow)"/>{body}</g>')

    who_of = {}
    for m in moves():
        who_of.setdefault((m["source"], m["dest"]), (m["label"], "、".join(ROLE_SHORT[r] for r in m["roles"])))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif" '
             f'role="img" aria-labelledby="wf-title wf-desc" class="workflow-diagram">',
             '<title id="wf-title">修订稿审核流程图</title>',
             '<desc id="wf-desc">修订稿由乡镇起草后上报县委编办，县委编办受理并征求部门意见后退回修改或审核通过；'
             '设合法性审查时，县委编办审核通过后由县司法局进行合法性审查，结论为合法的通过，需修改的退回乡镇；'
             '再报州、自治区逐级审核，审核通过后发布为新版本；州、自治区可退回，乡镇可撤回或放弃。</desc>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444c56"/></marker></defs>']
    for s, (col, row) in LAYOUT.items():
        x, y = left + col * pitch, y0(s)
        final = s in (Status.published, Status.abandoned)
        parts.append(f'<g class="state" data-state="{s.value}"><rect x="{x}" y="{y}" width="{box_w}" '
                     f'height="{box_h}" rx="10" fill="{STAGE_FILL[s]}" stroke="#b4232a" '
                     f'stroke-width="{2.5 if final else 1.2}"/><text x="{x + box_w / 2:g}" y="{y + 28}" '
                     f'text-anchor="middle" font-size="15" font-weight="bold" fill="#1f2328">'
                     f'{escape(STATUS_LABELS[s])}</text></g>')
    # the start: a dot before 起草中
    parts.append(f'<circle cx="{left - 24}" cy="{top + box_h / 2}" r="7" fill="#1f2328"/>'
                 f'<path d="M{left - 17},{top + box_h / 2} H{left - 2}" stroke="#444c56" stroke-width="1.5" '
                 f'marker-end="url(#arrow)"/>')
    mid = top + box_h / 2
    drawn = set()
    # the way up: neighbours on row 0, label above the arrow (合法性审查 dashed: only when it is set)
    for src, dst in ((Status.drafting, Status.submitted), (Status.submitted, Status.county_review),
                     (Status.county_review, Status.legality_review), (Status.legality_review, Status.county_approved),
                     (Status.county_approved, Status.prefecture_review),
                     (Status.prefecture_review, Status.region_review), (Status.region_review, Status.published)):
        x1, x2 = cx(src) + box_w / 2, cx(dst) - box_w / 2
        text, who = who_of[(src, dst)]
        optional = (src, dst) in CONDITIONAL
        body = label((x1 + x2) / 2, mid - 12, text, who)
        if optional:  # the condition on a line of its own, under the arrow
            body += (f'<text class="who" x="{(x1 + x2) / 2:g}" y="{mid + 24:g}" text-anchor="middle" '
                     f'font-size="11" fill="#57606a">{escape(CONDITIONAL[(src, dst)])}</text>')
        parts.append(edge(src, dst, f"M{x1:g},{mid + 6:g} H{x2 - 2:g}", body, dashed=optional))
        drawn.add((src, dst))
    # without 合法性审查 (the default) the county's approval goes straight on: a solid arc above
    src, dst = Status.county_review, Status.county_approved
    x1, x2, lift = cx(src) + 20, cx(dst) - 44, 60
    text, who = who_of[(src, dst)]
    parts.append(edge(src, dst, f"M{x1:g},{top} C{x1:g},{top - lift * 1.3:g} {x2:g},{top - lift * 1.3:g} {x2:g},{top - 2}",
                      label((x1 + x2) / 2, top - lift - 26, text, f"{who}，{CONDITIONAL[(src, dst)]}")))
    drawn.add((src, dst))
    # 撤回: back from 已上报待受理 to 起草中, an arc above
    src, dst = Status.submitted, Status.drafting
    x1, x2, yt = cx(src) - 20, cx(dst) + 20, top
    text, who = who_of[(src, dst)]
    parts.append(edge(src, dst, f"M{x1:g},{yt} C{x1:g},{yt - 50} {x2:g},{yt - 50} {x2:g},{yt - 2}",
                      label((x1 + x2) / 2, yt - 64, text, who)))
    drawn.add((src, dst))
    # the moves that skip a level: dashed arcs above, the higher the longer
    for (src, dst), lift, dx in (((Status.county_approved, Status.published), 175, (-30, 30)),
                                 ((Status.county_approved, Status.region_review), 100, (0, -30)),
                                 ((Status.prefecture_review, Status.published), 50, (10, 0))):
        x1, x2 = cx(src) + dx[0], cx(dst) + dx[1]
        text, who = who_of[(src, dst)]
        body = label((x1 + x2) / 2, top - lift - 26, text, f"{who}，{CONDITIONAL[(src, dst)]}")
        parts.append(edge(src, dst, f"M{x1:g},{top} C{x1:g},{top - lift * 1.3:g} {x2:g},{top - lift * 1.3:g} "
                                    f"{x2:g},{top - 2}", body, dashed=True))
        drawn.add((src, dst))
    low = top + row_gap
    low_mid = low + box_h / 2
    # 合法性审查 needs changes: down-left from its box into 已退回修改's top right corner
    src, dst = Status.legality_review, Status.returned
    x1, x2 = cx(src) - 20, cx(dst) + box_w / 2 - 8
    text, who = who_of[(src, dst)]
    parts.append(edge(src, dst, f"M{x1:g},{top + box_h} L{x2:g},{low - 2}",
                      label((x1 + x2) / 2 + 14, (top + box_h + low) / 2 + 4, text, who, anchor="start")))
    drawn.add((src, dst))
    # down: 退回修改 (county) straight down; 放弃 from 起草中 straight down
    for src, dst in ((Status.county_review, Status.returned), (Status.drafting, Status.abandoned)):
        x = cx(src) + (14 if src == Status.county_review else 0)
        text, who = who_of[(src, dst)]
        parts.append(edge(src, dst, f"M{x:g},{top + box_h} V{low - 2}",
                          label(x + 8, top + box_h + 40, text, who, anchor="start")))
        drawn.add((src, dst))
    # 已退回修改 → 上报 again (up-left to 已上报待受理), and → 放弃 (left to 已放弃)
    src, dst = Status.returned, Status.submitted
    text, who = who_of[(src, dst)]
    x1, x2 = cx(src) - box_w / 2 + 10, cx(dst) + 10
    parts.append(edge(src, dst, f"M{x1:g},{low} L{x2:g},{top + box_h + 2}",
                      label((x1 + x2) / 2 - 14, (low + top + box_h) / 2 + 6, text, who, anchor="end")))
    drawn.add((src, dst))
    src, dst = Status.returned, Status.abandoned
    text, who = who_of[(src, dst)]
    x1, x2 = cx(src) - box_w / 2, cx(dst) + box_w / 2
    parts.append(edge(src, dst, f"M{x1:g},{low_mid + 8:g} H{x2 + 2:g}",
                      label((x1 + x2) / 2, low_mid + 28, text, who)))
    drawn.add((src, dst))
    # 州 and 自治区 send it back: down from their boxes, then left into 已退回修改
    for src, dy, below in ((Status.prefecture_review, -10, False), (Status.region_review, 10, True)):
        dst = Status.returned
        x = cx(src) - 30
        text, who = who_of[(src, dst)]
        y = low_mid + dy
        ly = y + 22 if below else y - 22
        parts.append(edge(src, dst, f"M{x:g},{top + box_h} V{y:g} H{cx(dst) + box_w / 2 + 2:g}",
                          label(x - 16, ly, text, who, anchor="end")))
        drawn.add((src, dst))
    missing = {(s, d) for s, d, _ in edges()} - drawn
    if missing:  # a new move in TRANSITIONS needs a route drawn here
        raise ValueError(f"moves without a place in the diagram: {sorted(missing)}")
    # legend: who holds the revision
    lx, ly = left + 3 * pitch + 60, low + 20
    for n, (fill, text) in enumerate((("#ffebe9", "乡镇"), ("#fff8c5", "县委编办"), ("#fbefff", "县司法局"),
                                      ("#ddf4ff", "州、自治区"), ("#dafbe1", "已发布"))):
        parts.append(f'<g class="legend"><rect x="{lx + n * 110}" y="{ly + 60}" width="16" height="16" rx="3" '
                     f'fill="{fill}" stroke="#b4232a"/><text x="{lx + n * 110 + 22}" y="{ly + 73}" font-size="12" '
                     f'fill="#1f2328">{text}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
