"""The inbox: what waits on the signed-in user."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from workflow.states import STATUS_LABELS

from .. import caching
from ..filings.service import pending_for
from ..services import requests as adjustment_requests
from ..services.inbox import tasks_for
from . import pages

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    # what waits on the user moves only with an audited change (every move, sign-off, answer, filing:
    # caching.state_token) or the day (in the viewer's part): kept and revisited like the dashboard
    return pages.cached_page(("inbox", caching.state_token()), _render)


def _render() -> str:
    return render_template("inbox.html", tasks=tasks_for(current_user), status_labels=STATUS_LABELS,
                           filings=pending_for(current_user), requests=adjustment_requests.pending_for(current_user),
                           overdue=adjustment_requests.overdue_days)
