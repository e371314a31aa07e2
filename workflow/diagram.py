"""The state diagram, drawn from the machine's own table (Mermaid text and a plain SVG)."""
from __future__ import annotations

from html import escape

from .states import EVENT_LABELS, STATUS_LABELS, TRANSITIONS, Status

ROLE_SHORT = {"township_drafter": "乡镇", "county_office": "县委编办", "prefecture_reviewer": "州",
              "region_reviewer": "自治区"}


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


def svg() -> str:
    """States in a column (in the order of Status); moves forward on the right, back on the left."""
    order = list(Status)
    box_w, box_h, gap, left = 220, 34, 30, 560
    y = {s: 20 + i * (box_h + gap) for i, s in enumerate(order)}
    height = y[order[-1]] + box_h + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="{height}" '
             f'font-family="sans-serif" font-size="12" role="img" aria-label="修订稿状态图">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for s in order:
        parts.append(f'<g class="state" data-state="{s.value}"><rect x="{left}" y="{y[s]}" width="{box_w}" '
                     f'height="{box_h}" rx="8" fill="#f6f8fa" stroke="#b4232a"/>'
                     f'<text x="{left + box_w / 2}" y="{y[s] + 21}" text-anchor="middle">'
                     f'{escape(STATUS_LABELS[s])} ({s.value})</text></g>')
    forward = [e for e in edges() if order.index(e[1]) > order.index(e[0])]
    back = [e for e in edges() if order.index(e[1]) <= order.index(e[0])]
    for group, side in ((forward, 1), (back, -1)):
        x0 = left + box_w if side > 0 else left
        label_x = x0 + side * (14 * len(group) + 12)
        last_y = -100.0
        for slot, (src, dst, label) in enumerate(group, 1):
            y1, y2 = y[src] + box_h / 2, y[dst] + box_h / 2
            x = x0 + side * 14 * slot
            ty = max((y1 + y2) / 2, last_y + 15)  # keep labels of one side from overlapping
            last_y = ty
            parts.append(
                f'<g class="edge" data-source="{src.value}" data-dest="{dst.value}">'
                f'<path d="M{x0},{y1} H{x} V{y2} H{x0 + side * 2}" fill="none" stroke="#555" marker-end="url(#arrow)"/>'
                f'<path d="M{x},{ty - 4} H{label_x}" stroke="#ccc" stroke-dasharray="2,2"/>'
                f'<text x="{label_x + side * 4}" y="{ty}" text-anchor="{"start" if side > 0 else "end"}" '
                f'fill="#333">{escape(label)}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
