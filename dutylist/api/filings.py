"""Routes: filings (备案) of the caller's area, and acknowledging receipt."""
from __future__ import annotations

from flask import g, jsonify, request

from workflow import permissions as perm
from workflow.errors import Forbidden

from ..extensions import db
from ..filings import service
from ..models import Filing
from . import auth
from . import loading as load
from . import serialisers as ser
from .blueprint import bp


def filing_json(f: Filing) -> dict:
    return {"id": f.id, "township": ser.township_ref(f.township), "version": ser.version_summary(f.version),
            "level": f.level, "office": ser.org_json(f.office), "filed_at": ser.iso(f.filed_at),
            "status": f.status, "status_label": f.status_label, "acknowledged_at": ser.iso(f.acknowledged_at),
            "acknowledged_by": ser.user_json(f.acknowledged_by)}


@bp.get("/filings")
@auth.token_required
def filings():
    """The filings of the caller's area (?status=pending|acknowledged, ?county=)."""
    if not perm.can_read_filings(g.api_user):
        raise Forbidden("备案登记供县委编办、州和自治区编办使用")
    rows = service.register(g.api_user, service.Filters.from_args(request.args))
    return jsonify(filings=[filing_json(f) for f in rows])


@bp.post("/filings/<int:filing_id>/acknowledge")
@auth.token_required
def acknowledge_filing(filing_id: int):
    filing = load.get(Filing, filing_id, "备案记录不存在")
    service.acknowledge(filing, g.api_user)
    db.session.commit()
    return jsonify(filing_json(filing))
