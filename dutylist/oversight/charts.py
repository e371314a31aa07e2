"""Horizontal bar charts as inline SVG, drawn on the server (no script, no CDN, no inline styles).

Colours are presentation attributes (so a chart reads even without app.css) that app.css may
override through the classes; every text is escaped. Bars carry a <title> for the exact figure, and
the chart's aria-label says what it shows; the pages print the same figures in tables too.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, log10

from markupsafe import Markup, escape

PALETTE = ("#b4232a", "#2f6fb0", "#8a6d1f", "#3d8b5a", "#7a4fa3")
FONT = 12
CHAR_W = 13  # a CJK character at 12px, roughly; Latin characters are narrower, so this is an upper bound


@dataclass
class Series:
    key: str  #: a CSS-safe key: the bars get class "bar s-<key>"
    label: str
    values: list[float]


def _nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum and its tick step, at or above value (counts: whole ticks)."""
    if value <= 4:
        top = max(1, ceil(value))
        return top, 1
    exp = 10 ** floor(log10(value))
    mult = next(m for m in (1, 2, 2.5, 5, 10) if m * exp >= value)
    top = mult * exp
    return top, top / (4 if mult == 2 else 5)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _text_width(text: str) -> int:
    return sum(CHAR_W if ord(ch) > 0x2E80 else 7 for ch in text)


def _clip(label: str, max_w: int) -> str:
    if _text_width(label) <= max_w:
        return label
    out = ""
    for ch in label:
        if _text_width(out + ch + "…") > max_w:
            break
        out += ch
    return out + "…"


def bar_chart(labels: list[str], series: list[Series], *, title: str, unit: str = "项",
              width: int = 720, row_height: int = 24, css_class: str = "", chart_id: str | None = None,
              max_label_width: int = 220, legend: bool | None = None) -> Markup:
    """A horizontal bar chart; several series are stacked in each bar, with a legend above."""
    n = len(labels)
    totals = [sum(s.values[i] for s in series) for i in range(n)]
    label_w = min(max((_text_width(lbl) for lbl in labels), default=40), max_label_width) + 12
    value_w = 8 * max((len(_fmt(t)) for t in totals), default=1) + 16
    plot_w = max(width - label_w - value_w, 80)
    legend = len(series) > 1 if legend is None else legend
    top = 28 if legend else 8
    height = top + n * row_height + 24
    axis_max, step = _nice_max(max(totals, default=0))
    scale = plot_w / axis_max
    esc = escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {esc(css_class)}" role="img" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'font-size="{FONT}" aria-label="{esc(title)}"' + (f' id="{esc(chart_id)}"' if chart_id else "") + ">",
           f"<title>{esc(title)}</title>"]
    if legend:
        x = label_w
        for i, s in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            out.append(f'<rect class="legend s-{esc(s.key)}" x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                       f'<text x="{x + 16}" y="16">{esc(s.label)}</text>')
            x += 16 + _text_width(s.label) + 18
    # grid lines and tick labels
    ticks = int(round(axis_max / step)) if step else 0
    for t in range(ticks + 1):
        x = label_w + t * step * scale
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{top + n * row_height}" '
                   f'stroke="#d0d7de" stroke-width="1"/>'
                   f'<text class="tick" x="{x:.1f}" y="{top + n * row_height + 16}" text-anchor="middle" '
                   f'fill="#656d76">{_fmt(t * step)}</text>')
    for i, label in enumerate(labels):
        y = top + i * row_height
        shown = _clip(label, max_label_width)
        out.append(f'<g class="row"><text class="label" x="{label_w - 8}" y="{y + row_height / 2 + 4:.1f}" '
                   f'text-anchor="end">{esc(shown)}<title>{esc(label)}</title></text>')
        x = label_w
        for k, s in enumerate(series):
            v = s.values[i]
            if v <= 0:
                continue
            w = v * scale
            colour = PALETTE[k % len(PALETTE)]
            tip = f"{label} · {s.label}：{_fmt(v)} {unit}" if len(series) > 1 else f"{label}：{_fmt(v)} {unit}"
            out.append(f'<rect class="bar s-{esc(s.key)}" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" '
                       f'height="{row_height - 8}" fill="{colour}" data-value="{_fmt(v)}">'
                       f"<title>{esc(tip)}</title></rect>")
            x += w
        out.append(f'<text class="value" x="{x + 6:.1f}" y="{y + row_height / 2 + 4:.1f}">{_fmt(totals[i])}</text></g>')
    out.append("</svg>")
    # every text above went through escape(); the rest are numbers and constants of this module
    return Markup("".join(out))  # nosec B704


def simple_bars(rows: list[tuple[str, float]], *, title: str, unit: str = "项", key: str = "value",
                **kw) -> Markup:
    """One series: [(label, value)]."""
    return bar_chart([r[0] for r in rows], [Series(key, title, [r[1] for r in rows])], title=title, unit=unit, **kw)

