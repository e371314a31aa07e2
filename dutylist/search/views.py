"""The search page: /search?q=…&kind=&category=&department=&organisation=&version=&all_versions=1&page=."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..importers.parsed import KIND_LABELS
from ..models import KINDS, Organisation, OrgKind, Version
from ..vocabulary import CATEGORIES
from . import service

bp = Blueprint("search", __name__)

def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, f"参数 {name} 应为数字")
    return int(raw)


def _prefecture_of(org: Organisation | None) -> Organisation | None:
    while org is not None and org.kind not in (OrgKind.prefecture, OrgKind.region):
        org = org.parent
    return org if org is not None and org.kind == OrgKind.prefecture else None


def place_tree(selected: int | None = None, near: Organisation | None = None) -> list[tuple[Organisation, int]]:
    """(organisation, depth) for the places offered in the filter, in tree order: the region, every
    prefecture, and the counties of one prefecture (the selected place's, else the user's own), so
    that the list stays short however many counties there are; and the selected place itself."""
    chosen = db.session.get(Organisation, selected) if selected else None
    focus = _prefecture_of(chosen) or _prefecture_of(near)
    wanted = Organisation.kind.in_([OrgKind.region.value, OrgKind.prefecture.value])
    if focus is not None:
        wanted |= (Organisation.parent_id == focus.id) & (Organisation.kind == OrgKind.county)
    if chosen is not None:
        wanted |= Organisation.id == chosen.id
    orgs = db.session.scalars(select(Organisation).where(wanted).order_by(Organisation.id)).all()
    children: dict = {}
    for o in orgs:
        children.setdefault(o.parent_id, []).append(o)
    ids = {o.id for o in orgs}
    out = []

    def walk(org, depth):
        out.append((org, depth))
        for child in children.get(org.id, ()):
            walk(child, depth + 1)

    for root in (o for o in orgs if o.parent_id not in ids):
        walk(root, 0)
    return out


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
                           places=place_tree(query.organisation_id, current_user.organisation), facets=facets,
                           pages=pages, max_hits=service.MAX_HITS,
                           kinds=KINDS, kind_labels=KIND_LABELS, categories=CATEGORIES,
                           page_size=service.PAGE_SIZE)
