"""The search page: /search?q=…&kind=&category=&department=&organisation=&version=&all_versions=1&page=."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import Version
from ..search import service
from ..services import places
from ..vocabulary import CATEGORIES

bp = Blueprint("search", __name__)

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
        result = service.search(query)
    except service.SearchError as exc:
        abort(400, str(exc))
    version = db.session.get(Version, query.version_id) if query.version_id else None
    if query.version_id and version is None:
        abort(404, "版本不存在")
    # links are built once: a search can hit hundreds of townships
    args = {k: v for k, v in (("q", query.q), ("kind", query.kind), ("category", query.category),
                              ("department", query.department), ("version", query.version_id),
                              ("all_versions", "1" if query.all_versions else None)) if v}
    base = url_for("search.index")
    facets = [(f.name, f.hits, base + "?" + urlencode({**args, "organisation": f.organisation_id}))
              for f in result.facets]
    pages = {p: base + "?" + urlencode({**args, **({"organisation": query.organisation_id}
                                                    if query.organisation_id else {}), "page": p})
             for p in (query.page - 1, query.page + 1) if 1 <= p <= result.pages}
    return render_template("search/index.html", query=query, result=result, version=version,
                           places=places.filter_places(query.organisation_id, current_user.organisation), facets=facets,
                           pages=pages, max_hits=service.MAX_HITS,
                           kinds=KINDS, kind_labels=KIND_LABELS, categories=CATEGORIES,
                           page_size=service.PAGE_SIZE)
