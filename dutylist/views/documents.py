"""Downloads of versions and drafts, and importing Word / Excel lists (upload, preview, confirm, progress)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow import permissions as perm

from ..documents import jobs, model
from ..documents.export import FORMATS, audit_details, render
from ..documents.export_pdf import PdfFontMissing
from ..documents.file_types import parse_document
from ..extensions import db
from ..importers.columns import ROLE_LABELS, SKIP
from ..importers.parsed import ImportFailure
from ..items import KIND_LABELS, KINDS
from ..models import Category, Organisation, OrgKind, Revision, Version
from ..services import bases as basis_library
from ..services.audit import record_event

bp = Blueprint("documents", __name__)


# ---------------------------------------------------------------------- downloads

def _send(doc: model.ListDocument, fmt: str, target: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    try:
        data = render(doc, fmt)
    except PdfFontMissing as exc:
        abort(503, str(exc))
    record_event("export", actor=current_user, township_id=doc.township_id, target=target,
                 details=audit_details(doc, fmt), ip=request.remote_addr)
    db.session.commit()
    name = doc.filename(fmt)
    return Response(data, mimetype=FORMATS[fmt][0], headers={
        "Content-Disposition": f"attachment; filename=\"dutylist.{fmt}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store"})


@bp.get("/versions/<int:version_id>/export.<fmt>")
@login_required
def export_version(version_id: int, fmt: str):
    """A published version: anyone signed in may read it, so anyone may download it."""
    version = db.session.get(Version, version_id) or abort(404)
    if fmt not in FORMATS:
        abort(404)
    return _send(model.from_version(version), fmt, f"version:{version.id}")


@bp.get("/revisions/<int:revision_id>/export.<fmt>")
@login_required
def export_revision(revision_id: int, fmt: str):
    revision = db.session.get(Revision, revision_id) or abort(404)
    if not perm.sees_whole_draft(current_user, revision):
        abort(403, "您无权下载该修订稿")
    if fmt not in FORMATS:
        abort(404)
    return _send(model.from_revision(revision), fmt, f"revision:{revision.id}")


# ---------------------------------------------------------------------- imports

def _categories() -> set[str]:
    return set(db.session.scalars(select(Category.name)))


def _target_township():
    """The township of a draft import (?township_id=), or None for a new township's list."""
    raw = request.values.get("township_id") or ""
    if not raw:
        if not perm.can_import_new_township(current_user):
            abort(403, "只有系统管理员可以导入新乡镇的清单；乡镇起草人请在本乡镇页面导入修订稿")
        return None
    if not raw.isdigit():
        abort(400)
    township = db.session.get(Organisation, int(raw))
    if township is None or township.kind != OrgKind.township:
        abort(404)
    if not perm.can_start_revision(current_user, township):
        abort(403, "只有本乡镇的起草人可以导入本乡镇的修订稿")
    return township


@bp.route("/imports/new", methods=["GET", "POST"])
@login_required
def upload():
    township = _target_township()
    error = None
    if township is not None:
        existing = Revision.open_of(township.id)
        if existing is not None:
            flash("该乡镇已有一份未完成的修订稿：请先完成或放弃它，再导入", "warning")
            return redirect(url_for("revisions.show", revision_id=existing.id))
    if request.method == "POST":
        file = request.files.get("file")
        place = (request.form.get("place") or "").strip()[:100] or None
        if file is None or not file.filename:
            error = "请选择要导入的 Word（.docx）或 Excel（.xlsx）文件"
        else:
            data = file.read()
            try:
                parsed = parse_document(data, township=place if township is None else None,
                                        categories=_categories(),
                                        isolate=current_app.config.get("IMPORT_SANDBOX", True))
                basis_library.link_parsed(parsed.items)  # 依据 matched to the library where they can be
            except ImportFailure as exc:
                error = str(exc)
            else:
                filename = file.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:120]
                token = jobs.save_upload(current_user, "new" if township is None else "draft",
                                         township.id if township is not None else None, filename, parsed,
                                         data=data, place=place if township is None else None)
                return redirect(url_for("documents.preview", token=token))
    return render_template("documents/upload.html", township=township, error=error), 400 if error else 200


def _upload_or_404(token: str) -> dict:
    data = jobs.load_upload(token, current_user)
    if data is None:
        abort(404, "导入记录不存在或已过期，请重新上传")
    return data


@bp.get("/imports/<token>")
@login_required
def preview(token: str):
    data = _upload_or_404(token)
    if jobs.read_status(token) is not None:
        return redirect(url_for("documents.progress", token=token))
    parsed = jobs.parsed_from_json(data["parsed"])
    problems, plan, township = jobs.blocking_problems(data, current_user)
    if data["mode"] != "new":  # a draft's place is its township: the file need not name one
        parsed.warnings = [w for w in parsed.warnings if w.code not in ("missing_place", "place_unknown")]
    tables = {k: [] for k in KINDS}
    for index, item in enumerate(parsed.items):
        tables[item.kind].append((index, item))
    deleted, renamed = [], {}
    if plan is not None:
        _, current = jobs.version_entries(township.id)
        deleted = [current[ci] for ci in plan.deletes]
        # an item matched by its place (table and number) under another name: show what it replaces
        renamed = {ii: current[ci]["name"] for ii, ci in plan.pairs.items() if current[ci]["name"] != parsed.items[ii].name}
    return render_template("documents/preview.html", token=token, data=data, parsed=parsed, problems=problems,
                           plan=plan, township=township, tables=tables, deleted=deleted, renamed=renamed, kinds=KINDS,
                           kind_labels=KIND_LABELS, counts=parsed.counts(), uses=ROLE_LABELS,
                           skipped=[c for c in parsed.columns if c.use == SKIP])


@bp.post("/imports/<token>/columns")
@login_required
def columns(token: str):
    """The user's choice of what each source column holds: the file is read again with it."""
    data = _upload_or_404(token)
    if jobs.read_status(token) is not None:
        flash("导入已经开始，不能再更改各列的对应", "warning")
        return redirect(url_for("documents.progress", token=token))
    parsed = jobs.parsed_from_json(data["parsed"])
    chosen = dict(data.get("columns") or {})
    for n, col in enumerate(parsed.columns):
        use = request.form.get(f"use-{n}")
        if request.form.get(f"key-{n}") != col.key or use is None:
            continue
        if use not in ROLE_LABELS:
            abort(400)
        if use != col.use or col.key in chosen:
            chosen[col.key] = use
    error = jobs.remap(token, data, chosen, categories=_categories())
    if error:
        flash(f"未能按所选的对应读取，预览未变：{error}", "danger")
    else:
        flash("已按所选的对应重新读取文件，请核对下方预览后再确认导入", "success")
    return redirect(url_for("documents.preview", token=token) + "#import-columns")


@bp.post("/imports/<token>/confirm")
@login_required
def confirm(token: str):
    data = _upload_or_404(token)
    problems, _, _ = jobs.blocking_problems(data, current_user)
    if problems:
        flash("；".join(problems), "danger")
        return redirect(url_for("documents.preview", token=token))
    if jobs.claim(token, current_user.id):
        jobs.start(current_app._get_current_object(), token)
    return redirect(url_for("documents.progress", token=token))


@bp.post("/imports/<token>/cancel")
@login_required
def cancel(token: str):
    _upload_or_404(token)
    if jobs.read_status(token) is not None:
        flash("导入已经开始，不能取消；请等待其完成", "warning")
        return redirect(url_for("documents.progress", token=token))
    jobs.discard(token)
    flash("已取消导入，未写入任何内容", "info")
    return redirect(url_for("lists.index"))


@bp.post("/imports/<token>/retry")
@login_required
def retry(token: str):
    """Run a failed job again (e.g. its worker died): the upload is still kept, nothing was written."""
    data = _upload_or_404(token)
    problems, _, _ = jobs.blocking_problems(data, current_user)
    if problems:
        flash("；".join(problems), "danger")
        return redirect(url_for("documents.progress", token=token))
    if jobs.retry(token, current_user.id):
        jobs.start(current_app._get_current_object(), token)
    return redirect(url_for("documents.progress", token=token))


def _status_or_404(token: str) -> dict:
    status = jobs.read_status(token)
    if status is None or status.get("user_id") != current_user.id:
        abort(404, "导入记录不存在或已过期")
    return status


def _result_url(status: dict) -> str | None:
    result = status.get("result") or {}
    if "revision_id" in result:
        return url_for("revisions.show", revision_id=result["revision_id"])
    if "township_id" in result:
        return url_for("lists.township", township_id=result["township_id"])
    return None


@bp.get("/imports/<token>/progress")
@login_required
def progress(token: str):
    status = _status_or_404(token)
    return render_template("documents/progress.html", token=token, status=status, result_url=_result_url(status))


@bp.get("/imports/<token>/status")
@login_required
def status(token: str):
    status = _status_or_404(token)
    return jsonify(state=status.get("state"), done=status.get("done", 0), total=status.get("total", 1),
                   message=status.get("message", ""), result_url=_result_url(status),
                   retryable=status.get("retryable", False))
