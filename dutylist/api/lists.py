"""Routes: published lists, versions, their differences, the departments of a county."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import func, select

from workflow import permissions as perm
from workflow.errors import Invalid

from ..extensions import db
from ..items import KIND_LABELS, KINDS
from ..models import Organisation, OrgKind, Revision, Version
from ..services import departments as dept_registry
from ..services import diff, history, snapshot
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as check
from .blueprint import bp
from .openapi import spec as openapi_spec


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return jsonify(openapi_spec())


@bp.get("/ping")
@auth.token_required
def ping():
    return jsonify(user=g.api_user.username)


@bp.get("/me")
@auth.token_required
def me():
    user = g.api_user
    return jsonify(user=ser.user_json(user), organisation=ser.org_json(user.organisation))


# ------------------------------------------------------------ published lists ----
@bp.get("/townships")
@auth.token_required
def townships():
    """Every township with its current version (any signed-in user)."""
    latest = (select(Version.township_id, func.max(Version.number).label("number"))
              .group_by(Version.township_id).subquery())
    rows = db.session.execute(
        select(Organisation, Version)
        .outerjoin(latest, latest.c.township_id == Organisation.id)
        .outerjoin(Version, (Version.township_id == Organisation.id) & (Version.number == latest.c.number))
        .where(Organisation.kind == OrgKind.township).order_by(Organisation.id)).all()
    counts = ser.counts([v.id for _, v in rows if v is not None])
    return jsonify(townships=[ser.township_json(t, v, counts.get(v.id) if v else None) for t, v in rows])


@bp.get("/townships/<int:township_id>")
@auth.token_required
def township(township_id: int):
    org = load.township(township_id)
    version = snapshot.current_version(org.id)
    out = ser.township_json(org, version, ser.counts([version.id])[version.id] if version else None)
    open_revision = Revision.open_of(org.id)
    out["open_revision"] = (ser.revision_summary(open_revision) if open_revision is not None
                            and perm.can_read_revision(g.api_user, open_revision) else None)
    return jsonify(out)


@bp.get("/townships/<int:township_id>/versions")
@auth.token_required
def township_versions(township_id: int):
    """Every version, newest first; with ?at=YYYY-MM-DD, the one in force on that day (in `version`)."""
    org = load.township(township_id)
    if "at" in request.args:
        day = history.parse_day(request.args["at"])
        ver = history.version_at(org.id, day)
        summary = ser.version_summary(ver, ser.counts([ver.id])[ver.id]) if ver is not None else None
        return jsonify(township=ser.township_ref(org), at=day.isoformat(), version=summary,
                       versions=[summary] if summary else [],
                       message=None if summary else f"{day.isoformat()} 时该乡镇尚无发布的版本")
    versions = db.session.scalars(select(Version).where(Version.township_id == org.id)
                                  .order_by(Version.number.desc())).all()
    counts = ser.counts([v.id for v in versions])
    return jsonify(township=ser.township_ref(org), versions=[ser.version_summary(v, counts[v.id]) for v in versions])


@bp.get("/versions/<int:version_id>")
@auth.token_required
def version(version_id: int):
    """A published version as the three official tables."""
    ver = load.get(Version, version_id, "版本不存在")
    tables = snapshot.tables(snapshot.read_entries(ver))
    out = ser.version_summary(ver, {k: len(v) for k, v in tables.items()})
    out.update(township=ser.township_ref(ver.township), published_by=ser.user_json(ver.published_by),
               kind_labels=KIND_LABELS, tables=tables)
    return jsonify(out)


@bp.get("/versions/<int:a>/diff/<int:b>")
@auth.token_required
def version_diff(a: int, b: int):
    """Item-level differences from version a to version b, with the changed characters."""
    va, vb = load.get(Version, a, "版本不存在"), load.get(Version, b, "版本不存在")
    if va.township_id != vb.township_id:
        raise Invalid("两个版本不属于同一乡镇")
    kind, category = request.args.get("kind") or None, request.args.get("category") or None
    if kind is not None and kind not in KINDS:
        raise Invalid("kind 应为 basic / cooperative / withdrawn 之一")
    diffs = [d for d in history.diff_versions(va, vb) if d.touches(kind, category)]
    return jsonify(township=ser.township_ref(va.township), a=ser.version_summary(va), b=ser.version_summary(vb),
                   summary=diff.summary(diffs), changes=[d.to_dict() for d in diffs])


@bp.get("/departments")
@auth.token_required
def departments():
    """The county office and departments a township's items may name (to pick whom to consult)."""
    raw = request.args.get("township")
    if raw is None:
        raise Invalid("缺少查询参数 township（乡镇 id）")
    org = load.township(check.integer(raw, "township", required=True, from_query=True))
    county = org.county
    bodies = dept_registry.bodies(county) if county is not None else []
    return jsonify(township=ser.township_ref(org), departments=[ser.org_json(o) for o in bodies])


