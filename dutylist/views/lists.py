"""Reading published lists: the townships, and a township's list as the three official tables."""
import os
from dataclasses import dataclass, replace

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import defer, joinedload

from workflow import diagram
from workflow import permissions as perm
from workflow.states import STATUS_LABELS, Status

from .. import caching
from ..caching import LRU
from ..extensions import db
from ..items import KIND_LABELS, KINDS, filtering, named_departments
from ..models import ROLE_LABELS, Organisation, OrgKind, Revision, Version
from ..services import list_counts, places, snapshot
from ..services import requests as adjustment_requests
from . import pages

bp = Blueprint("lists", __name__)


@bp.get("/")
@login_required
def index():
    """The townships of a place (?place=, default the region), or its prefectures / counties to drill into."""
    raw = request.args.get("place", "").strip()
    if raw and not raw.isdigit():
        abort(400, "参数 place 应为数字")
    # what the page shows changes only with a publication or a change of a place (caching.published_token)
    return pages.cached_page(("places", caching.published_token(), places.LIST_UP_TO), lambda: _render_index(raw))


def _render_index(raw: str) -> str:
    if raw:
        place = db.session.get(Organisation, int(raw))
        if place is None or place.kind not in places.PLACE_KINDS:
            abort(404, "地区不存在")
    else:
        roots = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.region)).all()
        place = roots[0] if len(roots) == 1 else None
    mine = places.home_place(current_user.organisation)
    return render_template("lists/index.html", overview=places.overview(place), place=place,
                           trail=places.ancestors(place) if place else [], mine=mine,
                           mine_trail={o.id for o in places.ancestors(mine)} | {mine.id} if mine else set(),
                           kinds=KINDS, kind_labels=KIND_LABELS)


_version_html = LRU(64)


def _cache_size() -> int:
    """VERSION_HTML_CACHE (config, else environment; default 64 versions per worker); 0 or debug: off."""
    size = current_app.config.get("VERSION_HTML_CACHE")
    if size is None:
        size = os.environ.get("VERSION_HTML_CACHE", "64")
    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return 0
    return int(size)


@dataclass(frozen=True)
class VersionParts:
    """A version's page parts: the summary and the tables (HTML), what the filter offers, how many match."""

    summary: Markup
    tables: Markup
    options: filtering.FilterOptions
    shown: int


def _named(entries: list[dict]) -> dict[int, list[str]]:
    """item id -> the departments its entry names: worked out once for the summary, the filter's options and
    the rows' data-depts."""
    return {e["item_id"]: named_departments(e) for e in entries}


def _render_tables(entries: list[dict], flt: filtering.ItemFilter | None,
                   names: dict[int, list[str]] | None = None) -> tuple[Markup, int]:
    matched = {e["item_id"] for e in entries if flt.matches(e["kind"], e)} if flt else set()
    tables = snapshot.tables(entries)
    html = current_app.jinja_env.get_template("lists/_version_tables.html").render(
        tables=tables, kinds=KINDS, kind_labels=KIND_LABELS, flt=flt, matched=matched, names=names,
        shown_by_kind={k: sum(1 for e in tables[k] if e["item_id"] in matched) for k in KINDS})
    return Markup(html), len(matched) if flt else len(entries)


def version_tables(township: Organisation, version: Version, flt: filtering.ItemFilter | None = None) -> VersionParts:
    """The summary and three tables of a version, rendered once per version and reused.

    A published version never changes (snapshot: immutable), so its rendered tables do not either; the key
    also carries the digest and publication time (a database restored under the running app cannot be served
    stale tables) and the county's names (the summary counts departments by county-relative name). The
    fragment is rendered without the request's context processors, so it holds nothing of the user. A
    filtered view renders its tables for the request (rows that do not match hidden), the rest from the cache.
    """
    county = township.county

    def render() -> VersionParts:
        entries = snapshot.read_entries(version)
        names = _named(entries)
        summary = current_app.jinja_env.get_template("lists/_version_summary.html").render(
            tables=snapshot.tables(entries), stats=list_counts.list_stats(entries, county, names), kinds=KINDS,
            kind_labels=KIND_LABELS)
        tables, shown = _render_tables(entries, None, names)
        return VersionParts(Markup(summary), tables, filtering.options(((e["kind"], e) for e in entries), names),
                            shown)
    size = _cache_size()
    if not size:
        parts = render()
    else:
        key = (caching.database_key(), version.id, version.digest, version.published_at, township.id,
               county.name if county else None, county.short_name if county else None)
        parts = _version_html.get_or_make(key, render, size)
    if flt is None or not flt.active:
        return parts
    tables, shown = _render_tables(snapshot.read_entries(version), flt)
    return replace(parts, tables=tables, shown=shown)


_TOWNSHIP = (select(Organisation).where(Organisation.id == bindparam("township_id"))
             .options(joinedload(Organisation.parent).joinedload(Organisation.parent).joinedload(Organisation.parent)))
#: the import report (kilobytes of JSON) is read only when a page is rendered, not for its ETag
_VERSIONS = (select(Version).where(Version.township_id == bindparam("township_id"))
             .options(defer(Version.import_report)).order_by(Version.number.desc()))
_OPEN_REVISION = select(Revision).where(Revision.township_id == bindparam("township_id"), Revision.is_open_clause())
#: the list page's two reads in one: the versions, each row with the township's open revision (at most
#: one, a unique index; None when there is none)
_VERSIONS_AND_OPEN = (_VERSIONS.add_columns(Revision)
                      .outerjoin(Revision, and_(Revision.township_id == Version.township_id, Revision.is_open_clause())))
#: _version_page's open_revision when not read yet
_UNREAD = object()


def load_township(township_id: int) -> Organisation | None:
    """The township with its county, prefecture and region in one query (crumbs, full_name, county walk)."""
    org = db.session.scalar(_TOWNSHIP, {"township_id": township_id})
    return org if org is not None and org.kind == OrgKind.township else None


def township_versions(township_id: int) -> list[Version]:
    """The township's versions, newest first."""
    return list(db.session.scalars(_VERSIONS, {"township_id": township_id}))


def _version_page(township: Organisation, version: Version | None, versions: list[Version] | None = None,
                  start_problem: str = "", start_reason: str = "", open_revision=_UNREAD) -> tuple[dict, tuple]:
    """The list page's template context, and what of it can change (the page's ETag parts): the version
    shown and the township's versions (immutable rows: ids and digests), the places named (their last
    change), the open revision as this user may see it, whether this user may start one."""
    if versions is None:
        versions = township_versions(township.id)
    if open_revision is _UNREAD:
        open_revision = db.session.scalar(_OPEN_REVISION, {"township_id": township.id})
    if open_revision is not None and not perm.can_read_revision(current_user, open_revision):
        open_revision = None
    can_start = open_revision is None and perm.can_start_revision(current_user, township)
    flt = filtering.ItemFilter.from_args(request.args, allow_changed=False)
    context = dict(township=township, version=version, versions=versions, open_revision=open_revision,
                   can_start=can_start, flt=flt, kinds=KINDS, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                   start_problem=start_problem, start_reason=start_reason)
    parts = ("version", version.id if version else None, version.digest if version else None,
             [(v.id, v.digest) for v in versions], pages.place_parts(township),
             (open_revision.id, open_revision.lock_version, open_revision.status, open_revision.round,
              open_revision.title, open_revision.updated_at) if open_revision else None, can_start)
    return context, parts


def _render_list_page(context: dict) -> str:
    version, township = context["version"], context["township"]
    # the import report through snapshot's compiled read (the versions were read without it), not a lazy load
    return render_template("lists/township.html", **context,
                           parts=version_tables(township, version, context["flt"]) if version else None,
                           origins=adjustment_requests.version_origins(version) if version else [],
                           import_report=snapshot.import_report_of(version) if version else None)


def render_version(township: Organisation, version: Version | None, versions: list[Version] | None = None,
                   start_problem: str = "", start_reason: str = "", status: int = 200):
    """A township's list (its current or an older version), with the form to start a revision."""
    context, _parts = _version_page(township, version, versions, start_problem, start_reason)
    return _render_list_page(context), status


def version_page(township: Organisation, version: Version | None, versions: list[Version] | None = None,
                 open_revision=_UNREAD):
    """The list page of a GET: 304 when the client holds it, else reused or rendered (views.pages)."""
    context, parts = _version_page(township, version, versions, open_revision=open_revision)
    return pages.cached_page(parts, lambda: _render_list_page(context))


@bp.get("/townships/<int:township_id>")
@login_required
def township(township_id: int):
    """A township's current list."""
    org = load_township(township_id) or abort(404)
    rows = db.session.execute(_VERSIONS_AND_OPEN, {"township_id": org.id}).all()
    versions = [v for v, _open in rows]
    # no version: no row to carry the open revision, read apart
    return version_page(org, versions[0] if versions else None, versions, rows[0][1] if rows else _UNREAD)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/workflow")
@login_required
def workflow():
    """The review state diagram, drawn from the machine's table, and its moves in Chinese."""

    return render_template("workflow.html", svg=Markup(diagram.svg()), moves=diagram.moves(),
                           order=list(Status), status_labels=STATUS_LABELS, role_labels=ROLE_LABELS)


@bp.get("/workflow.mmd")
@login_required
def workflow_mermaid():
    """The diagram as Mermaid text (machine ids), to download: the same as docs/workflow.mmd."""

    return Response(diagram.mermaid(), mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=workflow.mmd"})


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    """Any published version of a list."""
    ver = db.session.get(Version, version_id) or abort(404)
    return version_page(load_township(ver.township_id) or ver.township, ver)
