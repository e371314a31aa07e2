"""The search page: /search?q=…&kind=&category=&department=&organisation=&version=&all_versions=1&page=."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import caching
from ..escaping import esc
from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import Version
from ..search import service
from ..services import places
from ..vocabulary import CATEGORIES
from . import pages

bp = Blueprint("search", __name__)

#: one row of the results table (what a Jinja loop over 50 hits wrote, at a tenth of its cost); every value is
#: escaped by escaping.esc (as {{ … }} escapes it; None as nothing)
_ROW = ('\n  <tr data-township="{0}" data-item="{1}">\n'
        '    <td class="nowrap card-title">{0}</td>\n'
        '    <td class="nowrap" data-label="版本">第 {2} 版</td>\n'
        '    <td class="nowrap" data-label="清单">{3}</td>\n'
        '    <td class="no" data-label="序号">{4}</td>\n'
        '    <td class="cat" data-label="事项类别">{5}</td>\n'
        '    <td data-label="事项"><a class="hit" href="{6}{7}">{8}</a>\n'
        '      {9}</td>\n'
        '    <td class="nowrap"><a class="sub" href="{6}{10}">其他乡镇的同一事项</a></td>\n'
        '  </tr>\n  ')
_SNIPPET = '<p class="snippet"><span class="where">{0}：</span>{1}</p>'


def hit_rows(hits: list[service.Hit], script_root: str) -> Markup:
    """The rows of the results table (templates/search/index.html)."""
    root = esc(script_root)
    return Markup("".join(
        _ROW.format(esc(h.township.name), esc(h.item_id), esc(h.version.number), esc(KIND_LABELS[h.kind]),
                    esc(h.number), esc(h.category), root, esc(h.url), esc(h.name),
                    _SNIPPET.format(esc(h.snippet_field), esc(h.snippet)) if h.snippet else "",
                    esc(h.compare_url))
        for h in hits))


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, f"参数 {name} 应为数字")
    return int(raw)


@bp.get("/search")
@login_required
def index():
    args = request.args
    try:
        query = service.Query(
            q=args.get("q", ""), kind=args.get("kind") or None, category=args.get("category") or None,
            department=(args.get("department") or "").strip() or None, organisation_id=_int_arg("organisation"),
            version_id=_int_arg("version"), all_versions=args.get("all_versions") == "1",
            page=_int_arg("page") or 1)
    except service.SearchError as exc:
        abort(400, str(exc))
    version = db.session.get(Version, query.version_id) if query.version_id else None
    if query.version_id and version is None:
        abort(404, "版本不存在")
    # what the page shows changes only with a publication or a change of a place (caching.published_token),
    # besides the query (in the URL) and the viewer: reused and revalidated as the list pages are (views.pages)
    return pages.cached_page(("search", caching.published_token(), service.MAX_HITS, service.PAGE_SIZE),
                             lambda: _render(query, version))


def _render(query: service.Query, version: Version | None) -> str:
    try:
        result = service.search(query)
    except service.SearchError as exc:  # a place that does not exist: nothing kept
        abort(400, str(exc))
    if result.stopped:
        pages.not_kept()
    # links are built once: a search can hit hundreds of townships
    args = {k: v for k, v in (("q", query.q), ("kind", query.kind), ("category", query.category),
                              ("department", query.department), ("version", query.version_id),
                              ("all_versions", "1" if query.all_versions else None)) if v}
    base = url_for("search.index")
    facets = [(f.name, f.hits, base + "?" + urlencode({**args, "organisation": f.organisation_id}))
              for f in result.facets]
    pager = {p: base + "?" + urlencode({**args, **({"organisation": query.organisation_id}
                                                    if query.organisation_id else {}), "page": p})
             for p in (query.page - 1, query.page + 1) if 1 <= p <= result.pages}
    return render_template("search/index.html", query=query, result=result, version=version,
                           places=places.filter_places(query.organisation_id, current_user.organisation), facets=facets,
                           pages=pager, max_hits=service.MAX_HITS,
                           kinds=KINDS, kind_labels=KIND_LABELS, categories=CATEGORIES,
                           page_size=service.PAGE_SIZE, hit_rows=hit_rows)
