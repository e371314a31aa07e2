"""Version history, differences between versions, and the 新旧对照表 downloads."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defer

from workflow.errors import Invalid

from ..documents import change_table
from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import Organisation, Version
from ..services import diff, drafts, history
from ..services.audit import record_event
from ..vocabulary import CATEGORIES
from . import pages
from .lists import load_township
from .revisions import get_revision

bp = Blueprint("history", __name__)

MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def get_township(township_id: int) -> Organisation:
    return load_township(township_id) or abort(404)  # with its ancestors: one query, not four


def version_arg(township: Organisation, name: str, default: Version | None) -> Version | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        abort(400, f"参数 {name} 应为版本编号")
    version = db.session.get(Version, int(raw))
    if version is None or version.township_id != township.id:
        abort(404, "该乡镇没有这个版本")
    return version


#: built once: the township's last two versions (compared by default), and how many it has in all
_LATEST_TWO = (select(Version, select(func.count()).select_from(Version)
                      .where(Version.township_id == bindparam("township_id")).scalar_subquery())
               .where(Version.township_id == bindparam("township_id"))
               .order_by(Version.number.desc()).limit(2))
#: every version of the township, oldest first, for the pickers (the import reports are not shown)
_ALL_VERSIONS = (select(Version).where(Version.township_id == bindparam("township_id"))
                 .options(defer(Version.import_report)).order_by(Version.number))


def latest_versions(township: Organisation) -> tuple[list[Version], int]:
    """The township's last two versions, newest first, and the number of its versions."""
    rows = db.session.execute(_LATEST_TWO, {"township_id": township.id}).all()
    return [v for v, _n in rows], (rows[0][1] if rows else 0)


def pair(township: Organisation, latest: list[Version] | None = None) -> tuple[Version, Version]:
    """The two versions to compare: ?a=&b= (version ids), by default the last two (`latest`, newest
    first, when already read)."""
    versions = latest if latest is not None else latest_versions(township)[0]
    if not versions:
        abort(404, "该乡镇尚无发布的版本")
    b = version_arg(township, "b", versions[0])
    a = version_arg(township, "a", versions[1] if len(versions) > 1 else versions[0])
    return a, b


def diff_filter() -> tuple[str | None, str | None]:
    """The table and category the differences are limited to (?kind=&category=)."""
    kind = request.args.get("kind") or None
    category = request.args.get("category") or None
    if kind and kind not in KINDS:
        abort(400, "表格参数无效")
    return kind, category


def filtered(diffs: list[diff.ItemDiff]):
    kind, category = diff_filter()
    return [d for d in diffs if d.touches(kind, category)], kind, category


@bp.get("/townships/<int:township_id>/history")
@login_required
def index(township_id: int):
    township = get_township(township_id)
    raw_at = request.args.get("at", "").strip()
    at, in_force, error = None, None, None
    if raw_at:
        try:
            at = history.parse_day(raw_at)
        except Invalid as exc:
            error = exc.message
        else:
            in_force = history.version_at(township.id, at)
    html = render_template("history/index.html", township=township, infos=history.versions_of(township.id),
                           kinds=KINDS, kind_labels=KIND_LABELS, raw_at=raw_at, at=at, in_force=in_force,
                           at_error=error)
    return html, 400 if error else 200


@bp.get("/townships/<int:township_id>/diff")
@login_required
def versions_diff(township_id: int):
    """Two published versions compared. Both are immutable, and so are the reasons given for the changes
    between them (the published revisions' items), so the page is reused and revalidated like a list page
    (views.pages): its ETag names the versions, the pickers' versions and the places named."""
    township = get_township(township_id)
    latest, count = latest_versions(township)
    a, b = pair(township, latest)
    kind, category = diff_filter()
    # a township with one or two versions (most): the pickers' list is already read
    versions = (latest[::-1] if count == len(latest)
                else db.session.scalars(_ALL_VERSIONS, {"township_id": township.id}).all())

    def render() -> str:
        diffs = [d for d in history.diff_versions(a, b) if d.touches(kind, category)]
        main, renumbered = diff.split_renumbered(diffs)
        return render_template("history/diff.html", township=township, a=a, b=b, diffs=main, renumbered=renumbered,
                               versions=versions, summary=diff.summary(diffs), kinds=KINDS, kind_labels=KIND_LABELS,
                               categories=CATEGORIES, kind=kind, category=category,
                               field_labels=diff.FIELD_LABELS, revision=None)
    parts = ("diff", *((v.id, v.digest, v.published_at) for v in (a, b)),
             [(v.id, v.number, v.digest) for v in versions], pages.place_parts(township))
    return pages.cached_page(parts, render)


def download(title: str, diffs, fmt: str, township_id: int, target: str) -> Response:
    if fmt not in MIME:
        abort(404)
    diffs, _ = diff.split_renumbered(diffs)  # the 对照表 lists real changes, not knock-on renumbering
    data = change_table.to_docx(title, diffs) if fmt == "docx" else change_table.to_xlsx(title, diffs)
    record_event("export", actor=current_user, township_id=township_id, target=target,
                 details={"format": fmt, "document": "新旧对照表", "rows": len(diffs)})
    db.session.commit()
    return Response(data, mimetype=MIME[fmt], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(title)}.{fmt}"})


@bp.get("/townships/<int:township_id>/diff.<fmt>")
@login_required
def versions_diff_download(township_id: int, fmt: str):
    township = get_township(township_id)
    a, b = pair(township)
    diffs, _, _ = filtered(history.diff_versions(a, b))
    title = f"{township.name}履职事项清单新旧对照表（第{a.number}版→第{b.number}版）"
    return download(title, diffs, fmt, township.id, f"diff:{a.id}:{b.id}")


@bp.get("/revisions/<int:revision_id>/diff")
@login_required
def revision_diff(revision_id: int):
    revision = get_revision(revision_id)
    diffs, kind, category = filtered(drafts.changes(revision))
    main, renumbered = diff.split_renumbered(diffs)
    # compared with the township's current version when the draft began (for a revert, not the old base)
    against = revision.previous_version or revision.base_version
    return render_template("history/diff.html", township=revision.township, a=against, b=None,
                           diffs=main, renumbered=renumbered, versions=[], summary=diff.summary(diffs), kinds=KINDS,
                           kind_labels=KIND_LABELS, categories=CATEGORIES, kind=kind, category=category,
                           field_labels=diff.FIELD_LABELS, revision=revision)


@bp.get("/revisions/<int:revision_id>/diff.<fmt>")
@login_required
def revision_diff_download(revision_id: int, fmt: str):
    revision = get_revision(revision_id)
    diffs, _, _ = filtered(drafts.changes(revision))
    against = revision.previous_version or revision.base_version
    base = against.number if against else 0
    title = f"{revision.township.name}履职事项清单新旧对照表（第{base}版→修订稿第{revision.round}轮）"
    return download(title, diffs, fmt, revision.township_id, f"revision:{revision.id}")
