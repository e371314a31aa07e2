"""The filing register (备案登记): the filings of the user's area, filters, Excel, and acknowledging receipt."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from workflow import permissions as perm
from workflow.errors import Invalid

from ..extensions import db
from ..filings import export, service
from ..models import FILING_STATUS_LABELS
from ..services.audit import record_event

bp = Blueprint("filings", __name__)


def _register():
    if not perm.can_read_filings(current_user):
        abort(403, "备案登记供县委编办、州和自治区编办使用")
    try:
        filters = service.Filters.from_args(request.args)
    except Invalid as exc:
        abort(400, exc.message)
    return filters, service.register(current_user, filters)


def _title() -> str:
    org = current_user.organisation
    return "全部乡镇履职事项清单备案登记" if perm.is_administrator(current_user) else f"{org.name}履职事项清单备案登记"


@bp.get("/filings")
@login_required
def index():
    filters, filings = _register()
    return render_template("filings/index.html", filings=filings, f=filters, title=_title(),
                           counties=service.counties(current_user), status_labels=FILING_STATUS_LABELS,
                           pending=sum(1 for x in filings if x.acknowledged_at is None))


@bp.get("/filings.xlsx")
@login_required
def export_xlsx():
    filters, filings = _register()
    title = _title()
    data = export.to_xlsx(filings, title)
    record_event("export", actor=current_user, target="filings", ip=request.remote_addr,
                 details={"format": "xlsx", "document": "备案登记", "rows": len(filings),
                          "county": filters.county_id, "status": filters.status})
    db.session.commit()
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"filings.xlsx\"; filename*=UTF-8''{quote(title)}.xlsx",
        "Cache-Control": "private, no-store"})


@bp.post("/filings/<int:filing_id>/acknowledge")
@login_required
def acknowledge(filing_id: int):
    filing = service.get(filing_id)
    service.acknowledge(filing, current_user)  # Forbidden / Conflict: errors.py answers in place
    db.session.commit()
    flash(f"已确认接收{filing.township.name}第 {filing.version.number} 版清单的备案", "success")
    return redirect(url_for("filings.index"))
