"""The library of legal bases (依据库): search, an entry, adding and editing it (the establishment
offices), importing a sheet (preview, then confirm), and the JSON the item form's typeahead asks."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forms.bases import BasisForm, BasisSheetConfirmForm, BasisSheetForm
from workflow import permissions as perm
from workflow.errors import WorkflowError

from ..documents import bases_sheet
from ..extensions import db
from ..importers.parsed import ImportFailure
from ..models import BASIS_LEVELS, BASIS_STATUS_LABELS
from ..services import bases as library

bp = Blueprint("bases", __name__, url_prefix="/bases")
#: the largest sheet accepted (the app's request limit is larger; a library sheet is small)
SHEET_MAX_BYTES = 8 * 1024 * 1024


@bp.before_request
@login_required
def readers_only():
    if not perm.can_read_bases(current_user):
        abort(403, "您的账号不能查阅依据库")


def _keepers_only():
    if not perm.can_add_basis(current_user):
        abort(403, perm.BASIS_KEEPER_MESSAGE)


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        return 1


def _area_townships():
    """The townships of the office's area (whose pending citations it sees)."""
    area = perm.area_of(current_user)
    return library.townships_in(area) if area is not None else None


@bp.get("")
def index():
    q = (request.args.get("q") or "").strip()[:300]
    level = request.args.get("level") or ""
    status = request.args.get("status") or ""
    page = _page_number()
    rows, total = library.search(q, level, status, page)
    pending = library.pending_citations(_area_townships()) if perm.can_add_basis(current_user) else []
    return render_template("bases/index.html", rows=rows, total=total, q=q, level=level, status=status, page=page,
                           pages=max(1, -(-total // library.PAGE_SIZE)), levels=BASIS_LEVELS,
                           status_labels=BASIS_STATUS_LABELS, pending=pending,
                           pending_values=library.title_of_pending)


@bp.get("/suggest")
def suggest():
    """The typeahead's choices: [{id, title, doc_number, issuer, level, status, status_label, text}]."""
    q = (request.args.get("q") or "").strip()[:100]
    rows = library.suggest(q)
    return jsonify(bases=[{"id": b.id, "title": b.title, "doc_number": b.doc_number, "issuer": b.issuer,
                           "level": b.level, "status": b.status, "status_label": b.status_label,
                           "text": library.cited_text(b)} for b in rows])


def _form_page(form, basis=None, problem=None, status=200):
    return render_template("bases/form.html", form=form, basis=basis, problem=problem), status


def _save(form, basis=None):
    """Add or edit from the form; on a refusal the page again, what was typed kept, the message next to
    its box (or at the top)."""
    if not form.validate():
        return _form_page(form, basis, "请改正标出的内容", 400)
    try:
        saved = library.add(current_user, form.values()) if basis is None else \
            library.edit(current_user, basis, form.values())
    except WorkflowError as exc:
        db.session.rollback()
        placed = False
        for key, message in exc.fields.items():
            box = getattr(form, key, None)
            if box is not None:
                box.errors = [*box.errors, message]
                placed = True
        return _form_page(form, basis, None if placed else exc.message, exc.status if exc.status != 404 else 400)
    db.session.commit()
    flash(f"已{'添加' if basis is None else '保存'}《{saved.title}》", "success")
    return redirect(url_for("bases.show", basis_id=saved.id))


@bp.route("/new", methods=["GET", "POST"])
def new():
    _keepers_only()
    form = BasisForm()
    if request.method == "GET":
        form.title.data = (request.args.get("title") or "")[:300]
        form.doc_number.data = (request.args.get("doc_number") or "")[:100]
        return _form_page(form)
    return _save(form)


def _basis_or_404(basis_id: int):
    try:
        return library.get(basis_id)
    except WorkflowError:
        abort(404, "依据不存在")


@bp.get("/<int:basis_id>")
def show(basis_id: int):
    basis = _basis_or_404(basis_id)
    return render_template("bases/show.html", basis=basis, citing=library.citing_count(basis))


@bp.route("/<int:basis_id>/edit", methods=["GET", "POST"])
def edit(basis_id: int):
    basis = _basis_or_404(basis_id)
    if not perm.can_edit_basis(current_user, basis):
        abort(403, "只有添加该依据的编办或其上级编办可以修改")
    form = BasisForm(obj=basis) if request.method == "GET" else BasisForm()
    if request.method == "GET":
        form.doc_number.data = basis.doc_number or ""
        return _form_page(form, basis)
    return _save(form, basis)


# ------------------------------------------------------------------ importing a sheet ----
def _preview(checked, status=200, error=None):
    rows_json = json.dumps([[r.line, r.data] for r in checked], ensure_ascii=False)
    good = [r for r in checked if r.ok]
    return render_template("bases/preview.html", rows=checked, good=good, rows_json=rows_json, error=error,
                           confirm=BasisSheetConfirmForm(formdata=None), labels=bases_sheet.FIELD_LABELS), status


@bp.route("/import", methods=["GET", "POST"])
def upload():
    """Upload a sheet: every row checked and shown (added, or why not); nothing written yet."""
    _keepers_only()
    form = BasisSheetForm()
    error = None
    if request.method == "POST":
        file = request.files.get("file")
        data = file.read(SHEET_MAX_BYTES + 1) if file is not None and file.filename else b""
        if not form.validate():
            error = "表单已过期，请刷新页面后重试"
        elif not data:
            error = "请选择要导入的 Excel 文件（.xlsx）"
        elif len(data) > SHEET_MAX_BYTES:
            error = f"文件过大：依据表不能超过 {SHEET_MAX_BYTES // 1024 // 1024} MB"
        else:
            try:
                rows, _ = bases_sheet.read(data, library.IMPORT_MAX)
            except ImportFailure as exc:
                error = str(exc)
            else:
                if not rows:
                    error = "表中没有依据（表头下没有内容）"
                else:
                    return _preview(library.check_rows(rows))
    return render_template("bases/upload.html", form=form, error=error, levels=BASIS_LEVELS), 400 if error else 200


@bp.post("/import/confirm")
def confirm_import():
    """Add the rows of the previewed sheet that are still fine (checked again now)."""
    _keepers_only()
    form = BasisSheetConfirmForm()
    if not form.validate():
        abort(400, "表单已过期，请重新上传")
    try:
        raw = json.loads(form.rows.data)
        if not isinstance(raw, list) or len(raw) > library.IMPORT_MAX or not all(
                isinstance(r, list) and len(r) == 2 and isinstance(r[0], int) and isinstance(r[1], dict) for r in raw):
            raise ValueError
        rows = [(line, {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)})
                for line, data in raw]
    except ValueError:
        abort(400, "依据数据无效，请重新上传依据表")
    try:
        added = library.import_rows(current_user, rows)
    except WorkflowError as exc:
        db.session.rollback()
        return _preview(library.check_rows(rows), exc.status, exc.message)
    db.session.commit()
    flash(f"已导入 {len(added)} 条依据", "success")
    return redirect(url_for("bases.index"))
