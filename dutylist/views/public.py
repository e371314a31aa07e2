"""The public portal (政务公开) at /public/, without signing in: the places' townships, each township's
current list in the official layout, its versions, what changed in each version (调整情况), search across
published lists, and downloads (Word, Excel, PDF, CSV, JSON per version; one ZIP of every current list).

What it shows comes only from published versions and the organisation tree: never a draft, an opinion, a
reason written in a draft, an approval, nor anyone's name. Pages are rendered without the request's
context processors (nothing of a visitor who happens to be signed in) and answered with an ETag and
Last-Modified derived from the versions they show (dutylist.http_cache): a conditional request that still
matches gets 304 before anything is rendered, and a matching page is served from a per-worker cache.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, request, send_file, url_for
from sqlalchemy import select

from .. import caching, http_cache, timefmt
from ..caching import LRU
from ..documents import model
from ..documents.export import FORMATS, render
from ..documents.export_pdf import PdfFontMissing
from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import Organisation, OrgKind, Version
from ..search import service as search_service
from ..services import diff, history, places
from ..vocabulary import CATEGORIES
from .lists import load_township, version_tables

bp = Blueprint("public", __name__, url_prefix="/public")

#: seconds a browser or proxy may reuse a page without asking: the current list changes only when a
#: version is published; an older version never changes (only the names around it might)
CURRENT_AGE, FIXED_AGE = 300, 3600
DOWNLOADS = ("docx", "xlsx", "pdf", "csv", "json")
SOURCE_LABELS = {"import": "首次录入", "revision": "修订发布"}
#: rendered pages and documents by ETag (the tag covers everything they are made of), per worker
_PAGES = LRU(256)
_FILES = LRU(16)


def _render(template: str, **context) -> str:
    """A portal page, rendered without the request's context processors: nothing of the visitor."""
    return current_app.jinja_env.get_template(template).render(
        kinds=KINDS, kind_labels=KIND_LABELS, **context)


def _page(tag: str, last_modified, make, *, max_age: int = CURRENT_AGE) -> Response:
    """304 when the visitor's copy matches; else the page (from the worker's cache when it has it)."""
    def body():  # the database in the key too: a worker never serves one database's page for another's
        return _PAGES.get_or_make((caching.database_key(), tag), make)
    return http_cache.conditional(tag, last_modified, body, public=True, max_age=max_age)


def _township_or_404(township_id: int) -> Organisation:
    org = load_township(township_id)
    if org is None or org.closed_at is not None:
        abort(404, "乡镇不存在")
    return org


def _chain_names(org: Organisation) -> tuple:
    """The names (and last changes) of the township and its county, prefecture and region: in every tag."""
    out, node = [], org
    while node is not None:
        out += [node.id, node.name, node.short_name, node.updated_at]
        node = node.parent
    return tuple(out)


def _last_change(org: Organisation, *versions: Version):
    times = [v.published_at for v in versions if v is not None]
    node = org
    while node is not None:
        if node.updated_at is not None:
            times.append(node.updated_at)
        node = node.parent
    return max(times) if times else None


def _versions(township: Organisation) -> list[Version]:
    return db.session.scalars(select(Version).where(Version.township_id == township.id)
                              .order_by(Version.number.desc())).all()


# ---------------------------------------------------------------- places ----
@bp.get("/")
def index():
    """The townships of a place (?place=, default the region), or its prefectures / counties to drill into."""
    raw = request.args.get("place", "").strip()
    if raw and not raw.isdecimal():
        abort(400, "参数 place 应为数字")
    tag = http_cache.etag("public-index", caching.published_token(), raw)
    if http_cache.not_modified(tag, None):
        return http_cache.headers(current_app.response_class(status=304), tag, None, public=True, max_age=CURRENT_AGE)

    def make():
        roots = db.session.scalars(select(Organisation).where(
            Organisation.kind == OrgKind.region, Organisation.closed_at.is_(None)).order_by(Organisation.id)).all()
        if raw:
            place = db.session.get(Organisation, int(raw))
            if place is None or place.kind not in places.PLACE_KINDS or place.closed_at is not None:
                abort(404, "地区不存在")
        elif len(roots) == 1:
            place = roots[0]
        else:
            return _render("public/index.html", place=None, roots=roots, overview=None, trail=[])
        return _render("public/index.html", place=place, roots=roots, overview=places.overview(place),
                       trail=places.ancestors(place))
    return _page(tag, None, make)


# ---------------------------------------------------------------- a township ----
def _list_page(township: Organisation, version: Version, versions: list[Version]) -> str:
    current = versions[0]
    return _render("public/township.html", township=township, version=version, versions=versions,
                   current=current, version_tables=version_tables(township, version),
                   downloads=DOWNLOADS, formats=FORMATS, source_labels=SOURCE_LABELS)


@bp.get("/townships/<int:township_id>")
def township(township_id: int):
    """A township's current list in the official layout."""
    org = _township_or_404(township_id)
    versions = _versions(org)
    if not versions:
        tag = http_cache.etag("public-township-empty", _chain_names(org))
        return _page(tag, _last_change(org), lambda: _render("public/township.html", township=org, version=None,
                                                               versions=[], current=None))
    v = versions[0]
    tag = http_cache.etag("public-township", _chain_names(org), v.id, v.digest, v.published_at, len(versions))
    return _page(tag, _last_change(org, v), lambda: _list_page(org, v, versions))


@bp.get("/versions/<int:version_id>")
def version(version_id: int):
    """Any published version of a township's list."""
    ver = db.session.get(Version, version_id) or abort(404, "版本不存在")
    org = _township_or_404(ver.township_id)
    versions = _versions(org)
    tag = http_cache.etag("public-version", _chain_names(org), ver.id, ver.digest, ver.published_at,
                          versions[0].id)
    return _page(tag, _last_change(org, ver), lambda: _list_page(org, ver, versions),
                 max_age=FIXED_AGE if ver.id != versions[0].id else CURRENT_AGE)


@bp.get("/townships/<int:township_id>/versions")
def versions(township_id: int):
    """Every published version of a township, newest first, with its totals and downloads."""
    org = _township_or_404(township_id)
    vs = _versions(org)
    tag = http_cache.etag("public-versions", _chain_names(org), *((v.id, v.digest) for v in vs))
    return _page(tag, _last_change(org, *vs[:1]), lambda: _render(
        "public/versions.html", township=org, versions=vs, downloads=DOWNLOADS, formats=FORMATS,
        source_labels=SOURCE_LABELS))


@bp.get("/townships/<int:township_id>/changes")
def changes(township_id: int):
    """调整情况: what each version changed from the one before it (the 新旧对照 of published versions)."""
    org = _township_or_404(township_id)
    vs = _versions(org)
    tag = http_cache.etag("public-changes", _chain_names(org), *((v.id, v.digest) for v in vs))

    def make():
        steps = []
        for newer, older in zip(vs, vs[1:]):
            # no 修改理由: they were written in the drafts (the portal shows published texts only)
            main, renumbered = diff.split_renumbered(history.diff_versions(older, newer))
            steps.append((newer, older, main, renumbered, diff.summary(main + renumbered)))
        return _render("public/changes.html", township=org, versions=vs, steps=steps, first=vs[-1] if vs else None,
                       field_labels=diff.FIELD_LABELS, change_names=diff.KIND_NAMES)
    return _page(tag, _last_change(org, *vs[:1]), make)


# ---------------------------------------------------------------- search ----
def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal():
        abort(400, f"参数 {name} 应为数字")
    return int(raw)


@bp.get("/search")
def search():
    """Search across the published lists (current versions, or every version)."""
    args = request.args
    tag = http_cache.etag("public-search", caching.published_token(), request.query_string)
    if http_cache.not_modified(tag, None):
        return http_cache.headers(current_app.response_class(status=304), tag, None, public=True, max_age=CURRENT_AGE)
    try:
        query = search_service.Query(
            q=args.get("q", ""), kind=args.get("kind") or None, category=args.get("category") or None,
            department=(args.get("department") or "").strip() or None, organisation_id=_int_arg("organisation"),
            all_versions=args.get("all_versions") == "1", page=_int_arg("page") or 1)
        result = search_service.search(query)  # published versions only: drafts are never indexed
    except search_service.SearchError as exc:
        abort(400, str(exc))
    keep = {k: v for k, v in (("q", query.q), ("kind", query.kind), ("category", query.category),
                              ("department", query.department),
                              ("all_versions", "1" if query.all_versions else None)) if v}
    base = url_for("public.search")
    facets = [(f.name, f.hits, base + "?" + urlencode({**keep, "organisation": f.organisation_id}))
              for f in result.facets]
    pages = {p: base + "?" + urlencode({**keep, **({"organisation": query.organisation_id}
                                                    if query.organisation_id else {}), "page": p})
             for p in (query.page - 1, query.page + 1) if 1 <= p <= result.pages}
    html = _render("public/search.html", query=query, result=result, facets=facets, pages=pages,
                   places=places.filter_places(query.organisation_id, None), categories=CATEGORIES,
                   max_hits=search_service.MAX_HITS, page_size=search_service.PAGE_SIZE)
    if result.stopped:  # not to be kept or revalidated: the same search may finish when the server is less busy
        response = Response(html, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response
    return http_cache.headers(Response(html, mimetype="text/html"), tag, None, public=True, max_age=CURRENT_AGE)


# ---------------------------------------------------------------- downloads ----
@bp.get("/versions/<int:version_id>/download.<fmt>")
def download(version_id: int, fmt: str):
    """A published version as Word, Excel, PDF, CSV or JSON (the official layout; no staff, no drafts)."""
    if fmt not in DOWNLOADS:
        abort(404)
    ver = db.session.get(Version, version_id) or abort(404, "版本不存在")
    org = _township_or_404(ver.township_id)
    tag = http_cache.etag("public-download", fmt, _chain_names(org), ver.id, ver.digest, ver.published_at)

    def make():
        doc = model.from_version(ver)
        doc.exported_at = timefmt.to_local(ver.published_at)  # the same file for the same version
        try:
            return doc.filename(fmt), render(doc, fmt)
        except PdfFontMissing as exc:
            abort(503, str(exc))

    def respond():
        name, data = _FILES.get_or_make((caching.database_key(), tag), make)
        return Response(data, mimetype=FORMATS[fmt][0], headers={
            "Content-Disposition": f"attachment; filename=\"dutylist.{fmt}\"; filename*=UTF-8''{quote(name)}"})
    return http_cache.conditional(tag, _last_change(org, ver), respond, public=True, max_age=FIXED_AGE)


BULK_INDEX_COLUMNS = ("地区", "州（市）", "县（市、区）", "乡镇", "现行版本", "发布日期", "事项数", "摘要（SHA-256）", "CSV", "JSON")


def _bulk_rows():
    """(township, its current version) for every open township that has published, in tree order."""
    t, c, p = places.TOWN, places.COUNTY, places.PREF
    latest = select(Version.township_id, db.func.max(Version.number).label("n")).group_by(Version.township_id).subquery()
    stmt = (select(t.id, Version.id).select_from(t).join(latest, latest.c.township_id == t.id)
            .join(Version, (Version.township_id == t.id) & (Version.number == latest.c.n))
            .join(c, c.id == t.parent_id).join(p, p.id == c.parent_id)
            .where(t.kind == OrgKind.township, t.closed_at.is_(None)).order_by(p.parent_id, p.id, c.id, t.id))
    return db.session.execute(stmt).all()


def _write_bulk(path: str) -> None:
    """Every current list as CSV and JSON, one folder per prefecture and county, and an index (目录.csv)."""
    index = io.StringIO()
    writer = csv.writer(index, lineterminator="\r\n")
    writer.writerow(BULK_INDEX_COLUMNS)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for township_id, version_id in _bulk_rows():
                ver = db.session.get(Version, version_id)
                doc = model.from_version(ver)
                doc.exported_at = timefmt.to_local(ver.published_at)
                folder = "/".join(x for x in (doc.prefecture, doc.county) if x)
                stem = f"{folder}/{doc.filename('x')[:-2]}"
                zf.writestr(f"{stem}.csv", render(doc, "csv"))
                zf.writestr(f"{stem}.json", render(doc, "json"))
                writer.writerow((doc.region or "", doc.prefecture or "", doc.county or "", doc.township,
                                 f"第{ver.number}版", timefmt.format_date(ver.published_at), len(doc.entries),
                                 ver.digest, f"{stem}.csv", f"{stem}.json"))
                db.session.expunge_all()  # one township at a time: the session does not grow with the region
            zf.writestr("目录.csv", ("\ufeff" + index.getvalue()).encode("utf-8"))
            zf.writestr("说明.txt", ("各乡镇现行履职事项清单（已发布版本），每个乡镇一个 CSV 文件和一个 JSON 文件；"
                                    "目录.csv 列出全部乡镇、版本、发布日期和版本摘要。JSON 格式：dutylist/list-1。\n")
                        .encode("utf-8"))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@bp.get("/download/all.zip")
def bulk():
    """One ZIP of every township's current list (CSV and JSON), built once per publication and kept on disk."""
    token = caching.published_token()
    tag = http_cache.etag("public-bulk", token)
    if http_cache.not_modified(tag, None):
        return http_cache.headers(current_app.response_class(status=304), tag, None, public=True, max_age=CURRENT_AGE)
    folder = os.path.join(current_app.instance_path, "public")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"all-{tag}.zip")
    if not os.path.exists(path):
        for old in os.listdir(folder):  # earlier publications' files
            if old.startswith("all-") and old.endswith(".zip"):
                os.unlink(os.path.join(folder, old))
        _write_bulk(path)
    response = send_file(path, mimetype="application/zip", as_attachment=True, conditional=False,
                         download_name="乡镇履职事项清单-全部现行版本.zip")
    return http_cache.headers(response, tag, None, public=True, max_age=CURRENT_AGE)
