"""Comparison pages: /compare (two or more townships), /compare/item/<version>/<item>, /compare/county/<org>."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..compare import matching
from ..extensions import db
from ..items import KIND_LABELS, KINDS, TABLES
from ..models import Organisation, OrgKind, Version
from ..services import places

bp = Blueprint("compare", __name__)

SHORT_KIND = {k: t.short for k, t in TABLES.items()}


class Links:
    """Links to items and to their counterparts, built once per version (pages list hundreds of items)."""

    def __init__(self):
        self._versions: dict[int, str] = {}
        self._base = url_for("compare.index")

    def version(self, version_id: int) -> str:
        if version_id not in self._versions:
            self._versions[version_id] = url_for("lists.version", version_id=version_id)
        return self._versions[version_id]

    def item(self, e: matching.Entry) -> str:
        """The item in its version."""
        return f"{self.version(e.version_id)}#item-{e.item_id}"

    def others(self, e: matching.Entry) -> str:
        """The same duty in other townships."""
        return f"{self._base}/item/{e.version_id}/{e.item_id}"

    def member(self, e: matching.Entry | None) -> Markup:
        """A cell: table and number, then the name linking to the item."""
        if e is None:
            return Markup('<span class="absent">—</span>')
        # plain formatting (Markup.format is slow over hundreds of cells): only the name is free text
        return Markup(f'<span class="kind-tag kind-{e.kind}" title="{KIND_LABELS[e.kind]}第 {e.number} 项">'
                      f'{SHORT_KIND[e.kind]}{e.number}</span> <a href="{escape(self.item(e))}">{escape(e.name)}</a>')


def _rows(clusters: list[matching.Cluster], versions: list[Version], links: Links) -> list[dict]:
    out = []
    for c in clusters:
        entries = [c.entry(v.township_id) for v in versions]
        present = [e for e in entries if e is not None]
        out.append({"score": c.min_score(), "cells": [links.member(e) for e in entries],
                    "reworded": len({e.name for e in present}) > 1, "cross": c.cross_table,
                    "others": links.others(c.first)})
    return out


#: the most townships one comparison puts side by side (a column each)
MAX_COMPARED = 20


def _townships(place: Organisation) -> list[tuple[Organisation, Organisation | None, Version | None]]:
    """The townships under a place with their county and current version, in tree order."""
    under = places.townships_under(place)
    versions = {v.township_id: v for v in matching.current_versions(under)}
    county = aliased(Organisation)
    rows = db.session.execute(select(Organisation, county).outerjoin(county, Organisation.parent_id == county.id)
                              .where(Organisation.id.in_(under))
                              .order_by(Organisation.parent_id, Organisation.id)).all()
    return [(t, c, versions.get(t.id)) for t, c in rows]


def _place_arg() -> Organisation | None:
    raw = request.args.get("place", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(400, "参数 place 应为地区编号")
    place = db.session.get(Organisation, int(raw))
    if place is None or place.kind not in places.PLACE_KINDS:
        abort(404, "地区不存在")
    return place


@bp.get("/compare")
@login_required
def index():
    raw = request.args.getlist("township")
    ids: list[int] = []
    for value in raw:
        if not value.isdigit():
            abort(400, "参数 township 应为乡镇编号")
        if int(value) not in ids:
            ids.append(int(value))
    if len(ids) > MAX_COMPARED:
        abort(400, f"一次最多对比 {MAX_COMPARED} 个乡镇")
    # the townships offered: those of a place small enough to compare (the user's own, by default)
    place = _place_arg()
    if place is None:
        place, n_place = places.sized_comparison_scope(current_user.organisation)
    else:
        n_place = places.count_townships(place)
    townships = _townships(place) if n_place <= places.COMPARE_UP_TO else []
    comparison, error = None, None
    orgs = {}
    if ids:
        orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
        if any(i not in orgs or orgs[i].kind != OrgKind.township for i in ids):
            abort(404, "乡镇不存在")
        current = {v.township_id: v for v in matching.current_versions(ids)}
        without = [orgs[i].name for i in ids if i not in current]
        if without:
            error = f"{'、'.join(without)}尚无发布的清单，无法对比。"
        elif len(ids) < 2:
            error = "请至少选择两个乡镇进行对比。"
        else:
            comparison = matching.compare([current[i] for i in ids])
    names = {t.id: t.name for t, _, _ in townships} | {i: o.name for i, o in orgs.items()}
    tables = None
    if comparison is not None:
        links, versions = Links(), comparison.versions
        tables = {"shared": _rows(comparison.shared_by_all(), versions, links),
                  "some": _rows(comparison.shared_by_some(), versions, links),
                  "cross": _rows(comparison.cross_table(), versions, links),
                  "only": {v.township_id: [(e, links.item(e), links.others(e))
                                           for e in comparison.only_in(v.township_id)] for v in versions}}
    overview = []
    if comparison is None and townships:  # the consensus of the place shown
        versions = [v for _, _, v in townships if v is not None]
        if len(versions) >= 2:
            overview = [(place, matching.consensus(versions))]
    return render_template("compare/index.html", townships=townships, names=names, selected=ids, comparison=comparison,
                           tables=tables, error=error, overview=overview, place=place, place_townships=n_place,
                           places=places.filter_places(place.id, current_user.organisation),
                           compare_up_to=places.COMPARE_UP_TO, max_compared=MAX_COMPARED,
                           kind_labels=KIND_LABELS, short_kind=SHORT_KIND, threshold=matching.THRESHOLD)


@bp.get("/compare/item/<int:version_id>/<int:item_id>")
@login_required
def item(version_id: int, item_id: int):
    """The same duty in other townships: each one's most similar item, with score and table."""
    version = db.session.get(Version, version_id) or abort(404, "版本不存在")
    entry = next((e for e in matching.entries_of(version) if e.item_id == item_id), None)
    if entry is None:
        abort(404, "该版本没有这个事项")
    scope = places.comparison_scope(version.township)
    others = [v for v in matching.current_versions(places.townships_under(scope))
              if v.township_id != version.township_id]
    found = matching.counterparts(entry, others)
    found.sort(key=lambda c: (-c.score, c.version.township_id))
    return render_template("compare/item.html", version=version, entry=entry, counterparts=found, scope=scope,
                           kind_labels=KIND_LABELS, threshold=matching.THRESHOLD,
                           present=sum(1 for c in found if c.same))


@bp.get("/compare/county/<int:org_id>")
@login_required
def county(org_id: int):
    """For each township of a county (or prefecture, region): how far its list is from the most common form.

    The most common form is the regional consensus: the duties that most townships of the region have.
    """
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind not in (OrgKind.county, OrgKind.prefecture, OrgKind.region):
        abort(404, "县（州）不存在")
    # the region, or the widest place around org small enough
    region, too_many = places.sized_comparison_scope(org)
    if too_many > places.COMPARE_UP_TO:  # org itself is a region or prefecture bigger than that
        return render_template("compare/county.html", org=org, region=region, consensus=None, standings=[],
                               towns={}, too_many=too_many, compare_up_to=places.COMPARE_UP_TO,
                               kind_labels=KIND_LABELS, short_kind=SHORT_KIND, kinds=KINDS,
                               threshold=matching.THRESHOLD)
    versions = matching.current_versions(places.townships_under(region))
    mine = set(matching.townships_under(org))
    result = matching.consensus(versions) if len(versions) >= 2 else None
    towns = {o.id: o for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_([v.township_id for v in versions])))}
    standings = [(towns[v.township_id], result.standings[v.township_id])
                 for v in versions if v.township_id in mine] if result else []
    return render_template("compare/county.html", org=org, region=region, consensus=result, standings=standings,
                           towns=towns, kind_labels=KIND_LABELS, short_kind=SHORT_KIND, kinds=KINDS,
                           threshold=matching.THRESHOLD)
