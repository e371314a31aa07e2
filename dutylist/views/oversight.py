"""The dashboard (/dashboard) and the statistics pages (/stats/<level>/<id>)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from workflow import permissions as perm

from .. import caching, timefmt
from ..escaping import esc
from ..extensions import db
from ..filings.service import pending_for
from ..items import KIND_LABELS, KINDS
from ..models import Organisation, OrgKind
from ..oversight import dashboard as dash
from ..oversight.charts import Series, bar_chart
from ..oversight.stats import CHILD_LEVEL, scope_stats
from ..services import law_change
from . import pages

bp = Blueprint("oversight", __name__)
LEVEL_LABELS = {"township": "乡镇", "county": "县", "prefecture": "州", "region": "自治区"}
#: bars in a breakdown chart before it shows only the largest
MAX_BARS = 60


#: page); every value is escaped by escaping.esc (as {{ … }} escapes it, but None as nothing)
_ROW = ('\n  <tr data-township="{township}" data-state="{status}" data-waits="{waits}"{overdue_class}>\n'
        '    <td><a href="{township_url}">{township}</a></td>\n'
        '    <td><a href="{county_url}" class="sub">{county}</a></td>\n'
        '    <td class="nowrap">{version}</td>\n'
        '    <td class="num">{total}</td>\n'
        '    <td>{revision}</td>\n'
        '    <td><span class="badge state state-{status}">{state_label}</span></td>\n'
        '    <td class="num">{round}</td>\n'
        '    <td class="waits">{waits_label}</td>\n'
        '    <td class="nowrap">{deadline}</td>\n'
        '    <td class="num">{overdue}</td>\n'
        '    <td>{rounds}</td>\n'
        '    <td><a href="{stats_url}">统计</a></td>\n'
        '  </tr>\n  ')


def _url_pattern(endpoint: str, **values) -> str:
    """url_for with the value 0 standing for the id (formatted in with {id}): the same URL, built once."""
    url = url_for(endpoint, **values)
    head, sep, tail = url.rpartition("/0")
    if not sep or "/" in tail:
        raise ValueError(f"no /0 in {url}")
    return head.replace("{", "{{").replace("}", "}}") + "/{id}" + tail.replace("{", "{{").replace("}", "}}")


def board_rows(rows: list[dash.Row]) -> Markup:
    """The rows of the dashboard's table (templates/oversight/dashboard.html)."""
    township = _url_pattern("lists.township", township_id=0)
    county = _url_pattern("oversight.stats", level="county", org_id=0)
    revision = _url_pattern("revisions.show", revision_id=0)
    stats = _url_pattern("oversight.stats", level="township", org_id=0)
    out = []
    for r in rows:
        name = esc(r.township)
        out.append(_ROW.format(
            township=name, status=esc(r.status), waits=esc(r.waits_on),
            overdue_class=' class="is-overdue"' if r.overdue_days else "",
            township_url=esc(township.format(id=r.township_id)),
            county_url=esc(county.format(id=r.county_id)), county=esc(r.county),
            version=(f"第 {esc(r.version_number)} 版 · {esc(timefmt.format_date(r.version_date))}"
                     if r.version_number else '<span class="empty">尚无</span>'),
            total=esc(r.version_total if r.version_total is not None else ""),
            revision=(f'<a href="{esc(revision.format(id=r.revision_id))}">{esc(r.title or "修订稿")}</a>'
                      if r.revision_id else '<span class="empty">—</span>'),
            state_label=esc(r.state_label),
            round=f"{esc(r.round)} / {esc(r.max_rounds)}" if r.revision_id else "",
            waits_label=esc(r.waits_on_label), deadline=esc(timefmt.format_date(r.deadline)),
            overdue=f'<span class="overdue">{esc(r.overdue_days)}</span>' if r.overdue_days else "",
            rounds="、".join(esc(x) for x in r.rounds) if r.rounds else "",
            stats_url=esc(stats.format(id=r.township_id))))
    return Markup("".join(out))


def kind_series(values: dict[str, list]) -> list[Series]:
    return [Series(k, KIND_LABELS[k], values[k]) for k in KINDS]


@bp.get("/dashboard")
@login_required
def dashboard():
    if not perm.can_view_dashboard(current_user):
        abort(403, "总览供县委编办、州和自治区编办审核人使用；您的待办事项请见“待办”")
    # the board changes only with an audited change (every move, deadline and organisation change is
    # audited: caching.state_token) or the day (in the viewer's part); the URL carries the filters
    parts = ("dashboard", caching.state_token(), dash.MAX_COUNTY_OPTIONS, dash.PAGE)
    return pages.cached_page(parts, _render_dashboard)


def _render_dashboard() -> str:
    board = dash.cached_build(current_user, dash.Filters.from_args(request.args))
    chart = None
    if board.rounds_chart.get("per_township"):
        data = board.rounds_chart["per_township"]
        chart = bar_chart([name for name, _ in data], [Series("rounds", "轮次", [r for _, r in data])],
                          title="各乡镇最近一次修订发布所用轮次", unit="轮", chart_id="rounds-chart",
                          css_class="rounds")
    elif board.rounds_chart.get("distribution"):
        data = board.rounds_chart["distribution"]
        chart = bar_chart([f"{r} 轮" for r, _ in data], [Series("rounds", "修订次数", [n for _, n in data])],
                          title="已发布的修订按所用轮次分布", unit="次", chart_id="rounds-chart",
                          css_class="rounds")

    def link(**changes):
        """The dashboard's URL with some query parameters changed (a new filter goes back to page 1)."""
        args = {k: v for k, v in request.args.items() if v != ""}
        if "page" not in changes:
            args.pop("page", None)
        args.update(changes)
        return url_for("oversight.dashboard", **{k: v for k, v in args.items() if v is not None})

    return render_template("oversight/dashboard.html", board=board, f=board.filters, chart=chart, link=link,
                           state_labels=dash.STATE_LABELS, states=dash.STATES, sorts=dash.SORTS,
                           sort_labels={"township": "乡镇", "state": "状态", "deadline": "截止日期",
                                        "overdue": "逾期天数"}, page_size=dash.PAGE,
                           pending_filings=pending_for(current_user),
                           law_counts=law_change.per_county(perm.area_of(current_user)), board_rows=board_rows)


@bp.get("/stats/<any(township, county, prefecture, region):level>/<int:org_id>")
@login_required
def stats(level: str, org_id: int):
    """Published figures of a township or of everything under a county, prefecture or region."""
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind != level:
        abort(404)
    s = scope_stats(org)
    charts = {}
    if s.total:
        charts["kinds"] = bar_chart(
            [KIND_LABELS[k] for k in KINDS],
            kind_series({k: [s.per_kind[k] if j == k else 0 for j in KINDS] for k in KINDS}),
            title="各清单事项数", chart_id="chart-kinds", legend=False)
        charts["categories"] = bar_chart(
            [c or "（未填类别）" for c, _ in s.category_rows],
            kind_series({k: [row[k] for _, row in s.category_rows] for k in KINDS}),
            title="各事项类别的事项数（按清单分色）", chart_id="chart-categories")
    parts, parts_cut = s.parts, False
    if len(parts) > 1 and s.total:
        shown = parts
        if len(parts) > MAX_BARS:
            shown = sorted(parts, key=lambda p: -p.total)[:MAX_BARS]
            parts_cut = True
        charts["parts"] = bar_chart(
            [p.name for p in shown], kind_series({k: [p.per_kind[k] for p in shown] for k in KINDS}),
            title=f"各{LEVEL_LABELS[CHILD_LEVEL[OrgKind(level)].value]}事项数", chart_id="chart-parts")
    chain = []
    parent = org.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return render_template("oversight/stats.html", s=s, org=org, level=level, charts=charts, chain=chain,
                           kinds=KINDS, kind_labels=KIND_LABELS, level_labels=LEVEL_LABELS,
                           child_level=CHILD_LEVEL.get(OrgKind(level)), parts_cut=parts_cut, max_bars=MAX_BARS)
