"""The inbox: what waits on the signed-in user."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from workflow.states import STATUS_LABELS

from ..filings.service import pending_for
from ..services import requests as adjustment_requests
from ..services.inbox import tasks_for

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    return render_template("inbox.html", tasks=tasks_for(current_user), status_labels=STATUS_LABELS,
                           filings=pending_for(current_user), requests=adjustment_requests.pending_for(current_user),
                           overdue=adjustment_requests.overdue_days)
