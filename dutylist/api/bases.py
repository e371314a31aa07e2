"""Routes: the library of legal bases (依据库): list and search, read, add, edit."""
from __future__ import annotations

from flask import g, jsonify, request

from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid

from ..extensions import db
from ..models import Basis
from ..services import bases as library
from . import auth
from . import serialisers as ser
from . import validation as check
from .blueprint import bp

#: what a body may give (the status is changed by marking the basis amended or repealed)
BODY_KEYS = library.EDITABLE


def basis_json(b: Basis, *, full: bool = True) -> dict:
    out = {"id": b.id, "title": b.title, "doc_number": b.doc_number, "issuer": b.issuer, "level": b.level,
           "published_on": ser.iso(b.published_on), "effective_on": ser.iso(b.effective_on),
           "amended_on": ser.iso(b.amended_on), "repealed_on": ser.iso(b.repealed_on),
           "status": b.status, "status_label": b.status_label, "replaced_by_id": b.replaced_by_id,
           "url": b.url, "owner": ser.org_json(b.owner)}
    if full:
        out.update(excerpt=b.excerpt, status_note=b.status_note, created_at=ser.iso(b.created_at),
                   created_by=ser.user_json(b.created_by))
    return out


def _readable():
    if not perm.can_read_bases(g.api_user):
        raise Forbidden("您的账号不能查阅依据库")


def _body(data: dict) -> dict:
    """The fields given, type-checked (their content is checked by the service)."""
    out = {}
    for key in BODY_KEYS:
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                raise Invalid(f"字段 {key}（{library.LABELS[key]}）应为文本" +
                              ("（日期格式：YYYY-MM-DD）" if key in library.DATES else ""))
            out[key] = value
    return out


@bp.get("/bases")
@auth.token_required
def list_bases():
    """The library, by title (?q= words of the title or 文号, ?level=, ?status=, ?page=)."""
    _readable()
    page = check.integer(request.args.get("page", "1"), "page", from_query=True) or 1
    if page < 1:
        raise Invalid("page 应为正整数")
    q = request.args.get("q", "")
    if len(q) > 300:
        raise Invalid("检索词过长（不超过 300 字）")
    rows, total = library.search(q, request.args.get("level", ""), request.args.get("status", ""), page)
    return jsonify(bases=[basis_json(b, full=False) for b in rows], total=total, page=page,
                   per_page=library.PAGE_SIZE)


@bp.post("/bases")
@auth.token_required
def add_basis():
    data = _body(check.body(BODY_KEYS))
    basis = library.add(g.api_user, data)
    db.session.commit()
    return jsonify(basis_json(basis)), 201


@bp.get("/bases/<int:basis_id>")
@auth.token_required
def get_basis(basis_id: int):
    _readable()
    basis = library.get(basis_id)
    return jsonify({**basis_json(basis), "citing_contents": library.citing_count(basis)})


@bp.patch("/bases/<int:basis_id>")
@auth.token_required
def edit_basis(basis_id: int):
    _readable()
    basis = library.get(basis_id)
    data = _body(check.body(BODY_KEYS))
    library.edit(g.api_user, basis, data)
    db.session.commit()
    return jsonify(basis_json(basis))
