"""Reading published lists: the townships, and a township's list as the three official tables."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from workflow import permissions as perm
from workflow.states import OPEN, STATUS_LABELS

from ..models import KINDS, Organisation, OrgKind, Revision, Version
from ..importers.parsed import KIND_LABELS
from ..services import snapshot, stats

bp = Blueprint("lists", __name__)


@bp.get("/")
@login_required
def index():
    """Townships grouped by prefecture and county, each with its current version."""
    county, pref = aliased(Organisation), aliased(Organisation)
    latest = (select(Version.township_id, func.max(Version.number).label("number"))
              .group_by(Version.township_id).subquery())
    rows = db.session.execute(
        select(Organisation, county, pref, Version)
        .join(county, Organisation.parent_id == county.id)
        .join(pref, county.parent_id == pref.id)
        .outerjoin(latest, latest.c.township_id == Organisation.id)
        .outerjoin(Version, (Version.township_id == Organisation.id) & (Version.number == latest.c.number))
        .where(Organisation.kind == OrgKind.township)
        .order_by(pref.id, county.id, Organisation.id)
    ).all()
    groups: dict = {}
    for township, cty, prf, version in rows:
        groups.setdefault(prf, {}).setdefault(cty, []).append(
            (township, version, version.counts if version else None))
    return render_template("lists/index.html", groups=groups, kinds=KINDS, kind_labels=KIND_LABELS)


def _render_version(township: Organisation, version: Version | None):
    entries = snapshot.read_entries(version) if version else []
    versions = db.session.scalars(select(Version).where(Version.township_id == township.id)
                                  .order_by(Version.number.desc())).all()
    open_revision = db.session.scalar(select(Revision).where(
        Revision.township_id == township.id, Revision.status.in_([s.value for s in OPEN])))
    if open_revision is not None and not perm.can_read_revision(current_user, open_revision):
        open_revision = None
    can_start = (open_revision is None and current_user.role == perm.DRAFTER
                 and perm.acts_for(current_user, township))
    return render_template(
        "lists/township.html", township=township, version=version, versions=versions,
        open_revision=open_revision, can_start=can_start,
        tables=snapshot.tables(entries), stats=stats.list_stats(entries, township.county),
        kinds=KINDS, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)


@bp.get("/townships/<int:township_id>")
@login_required
def township(township_id: int):
    """A township's current list."""
    org = db.session.get(Organisation, township_id)
    if org is None or org.kind != OrgKind.township:
        abort(404)
    return _render_version(org, snapshot.current_version(org.id))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/workflow")
@login_required
def workflow():
    """The review state diagram, drawn from the machine's table."""
    from markupsafe import Markup
    from workflow import diagram
    from workflow.states import TRANSITIONS

    return render_template("workflow.html", svg=Markup(diagram.svg()), mermaid=diagram.mermaid(),
                           edges=diagram.edges(), transitions=TRANSITIONS)


@bp.get("/versions/<int:version_id>")
@login_required
def version(version_id: int):
    """Any published version of a list."""
    ver = db.session.get(Version, version_id) or abort(404)
    return _render_version(ver.township, ver)
