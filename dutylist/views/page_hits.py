"""The hit path of a reused page: a signed-in GET answered from the per-worker page cache (or with 304)
after ONE plain SQL read, before Flask-Login, the ORM or any view runs.

A page that opts in (`HIT_PAGES`: the list page, the home page, the dashboard, the inbox) names here, as columns of
that one Core `select`, everything its HTML depends on besides the request's URL:

- the viewer: the user's row (active, session key, name, role, temporary password, organisation), the
  organisation's (name, kind, parent, last change, closing), the header's unread count, and whether any
  deputyship that could be in force names the user (then the hit path steps aside: the header's 代理 badge
  and the acting-for rules are left to the full path);
- the page's data: the township with its county, prefecture and region (names and last changes), its
  versions (count, newest id and digest), its open revision and what decides whether this user may read
  it; the publication token (home page); the audit chain's head (dashboard, inbox).

From those values the path asks `workflow.permissions` — on small read-only stand-ins of the user, the
organisations and the revision (the rules are attribute checks) — what the gate asks (temporary password,
a page refused to the role) and what the page shows of the user's rights (may read the open revision, may
start one, may see the dashboard); anything refused or unusual steps aside to the full path, which answers
it as before. The key is a hash of the build, the database, the URL, the session's CSRF secret, today's
date, every value read and every decision: the same key means the same page for the same user, so:

- If-None-Match holding the key: 304;
- else the page's bytes (and their gzip, compressed once) from `pages._pages` under the key;
- else (a miss) the key is left in `g.page_key` and the request goes on as usual; `pages.cached_page`
  renders, reads the key again, and keeps the page under it only if nothing changed meanwhile.

A flashed message waiting, a session from another browser (Flask-Login's session protection), a request
with a body, PAGE_CACHE=0: the full path, always.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import namedtuple
from dataclasses import dataclass, field

from flask import current_app, request, session
from sqlalchemy import and_, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from workflow import permissions as perm

from .. import clock
from ..caching import database_key
from ..extensions import db, login_manager
from ..models import AuditHead, Consultation, Delegation, Opinion, Organisation, OrgKind, Revision, User, Version
from ..notifications.service import unread_count_subquery
from ..services import places


# ------------------------------------------------------------------ stand-ins for workflow.permissions ----
@dataclass(frozen=True)
class Org:
    id: int
    kind: str
    parent_id: int | None
    parent: Org | None = None


@dataclass(frozen=True)
class Viewer:
    """What permissions read of a user: role, organisation, the temporary password flag, deputyships (none:
    a user some deputyship may name is not served by the hit path)."""
    id: int
    role: str | None
    organisation: Org
    organisation_id: int
    must_change_password: bool
    active: bool
    deputyships: tuple = ()


@dataclass(frozen=True)
class Consulted:
    department_id: int


@dataclass(frozen=True)
class OpinionBy:
    organisation_id: int


@dataclass(frozen=True)
class OpenRevision:
    """An open revision as can_read_revision reads it; consultations and opinions: those of the viewer's
    organisation only (the rules ask only whether the viewer's organisation was consulted / gave one)."""
    township: Org
    status: str
    consultations: tuple = field(default=())
    opinions: tuple = field(default=())


# ------------------------------------------------------------------ the one read ----
_U, _O = User.__table__, Organisation.__table__
_D = Delegation.__table__
_T, _P1, _P2, _P3 = (aliased(Organisation) for _ in range(4))
_VN = aliased(Version)
_R = aliased(Revision)

_VIEWER_COLUMNS = (
    _U.c.id, _U.c.active, _U.c.session_token, _U.c.display_name, _U.c.role, _U.c.must_change_password,
    _U.c.organisation_id, _O.c.name.label("org_name"), _O.c.kind.label("org_kind"),
    _O.c.parent_id.label("org_parent_id"), _O.c.updated_at.label("org_updated_at"),
    _O.c.closed_at.label("org_closed_at"), unread_count_subquery(_U.c.id).label("unread"),
    # a deputyship that is or may come in force (not withdrawn, not over): the full path decides
    exists().where(_D.c.deputy_id == _U.c.id, _D.c.withdrawn_at.is_(None),
                   _D.c.ends_on >= bindparam("today", type_=db.Date)).label("deputised"),
)


def _viewer_select(*columns):
    return (select(*_VIEWER_COLUMNS, *columns).select_from(_U.join(_O, _O.c.id == _U.c.organisation_id))
            .where(_U.c.id == bindparam("user_id")))


_newest = (select(Version.id).where(Version.township_id == _T.id).order_by(Version.number.desc()).limit(1)
           .scalar_subquery())
_open = select(func.min(Revision.id)).where(Revision.township_id == _T.id, Revision.is_open_clause()).scalar_subquery()

_LIST_READ = (
    _viewer_select(
        _T.id.label("t_id"), _T.kind.label("t_kind"), _T.name.label("t_name"), _T.short_name.label("t_short"),
        _T.updated_at.label("t_updated"), _T.parent_id.label("t_parent"),
        _P1.id.label("p1_id"), _P1.kind.label("p1_kind"), _P1.name.label("p1_name"),
        _P1.short_name.label("p1_short"), _P1.updated_at.label("p1_updated"), _P1.parent_id.label("p1_parent"),
        _P2.id.label("p2_id"), _P2.kind.label("p2_kind"), _P2.name.label("p2_name"),
        _P2.short_name.label("p2_short"), _P2.updated_at.label("p2_updated"), _P2.parent_id.label("p2_parent"),
        _P3.id.label("p3_id"), _P3.kind.label("p3_kind"), _P3.name.label("p3_name"),
        _P3.short_name.label("p3_short"), _P3.updated_at.label("p3_updated"), _P3.parent_id.label("p3_parent"),
        select(func.count()).select_from(Version).where(Version.township_id == _T.id).scalar_subquery()
        .label("v_count"),
        select(func.max(Version.id)).where(Version.township_id == _T.id).scalar_subquery().label("v_max"),
        _VN.id.label("v_id"), _VN.digest.label("v_digest"), _VN.published_at.label("v_published"),
        _R.id.label("r_id"), _R.status.label("r_status"), _R.lock_version.label("r_lock"),
        _R.round.label("r_round"), _R.title.label("r_title"), _R.updated_at.label("r_updated"),
        exists().where(Consultation.revision_id == _R.id, Consultation.department_id == _U.c.organisation_id)
        .label("r_consulted"),
        exists().where(Opinion.revision_id == _R.id, Opinion.organisation_id == _U.c.organisation_id)
        .label("r_opinion"),
    )
    .join(_T, _T.id == bindparam("township_id"), isouter=True)
    .join(_P1, _P1.id == _T.parent_id, isouter=True)
    .join(_P2, _P2.id == _P1.parent_id, isouter=True)
    .join(_P3, _P3.id == _P2.parent_id, isouter=True)
    .join(_VN, _VN.id == _newest, isouter=True)
    .join(_R, and_(_R.id == _open), isouter=True)
)

_LAST_VERSION = select(func.max(Version.id)).scalar_subquery()
_HOME_READ = _viewer_select(
    _LAST_VERSION.label("last_version"),
    select(Version.digest).where(Version.id == _LAST_VERSION).scalar_subquery().label("last_digest"),
    select(func.max(Organisation.id)).scalar_subquery().label("last_org"),
    select(func.max(Organisation.updated_at)).scalar_subquery().label("last_org_change"),
)

_STATE_READ = _viewer_select(
    select(AuditHead.seq).where(AuditHead.id == 1).scalar_subquery().label("audit_seq"),
    select(AuditHead.hash).where(AuditHead.id == 1).scalar_subquery().label("audit_hash"),
)


_SESSION_TOKEN = 2  #: its position in _VIEWER_COLUMNS
#: (engine, statement) -> (SQL, parameter order or None, fixed parameters): each read compiled once per engine
_prepared: dict = {}


def _read(statement, params: dict):
    """The one row of a read, run as the SQL it compiles to on the driver's own cursor: SQLAlchemy would
    otherwise build the statement's cache key and a result's metadata on every execution, the largest costs
    of the hit path. Plain values (times as the driver gives them), named as the statement labels them."""
    engine = db.engine
    prepared = _prepared.get((engine, statement))
    if prepared is None:
        # the open states' IN list expanded once (this request's values serve only to expand it)
        state = statement.compile(dialect=engine.dialect).construct_expanded_state(params)
        prepared = [state.statement, state.positiontup, dict(state.parameters), None]
        _prepared[(engine, statement)] = prepared
    sql, order, fixed, row_type = prepared
    if engine.dialect.name == "sqlite":
        params["today"] = params["today"].isoformat()  # as SQLAlchemy's Date stores it there
    values = {**fixed, **params}
    connection = _pool(engine).connect()  # back to the pool (rolled back) when closed
    try:
        driver = connection.driver_connection
        if getattr(driver, "autocommit", True) is False:
            # PostgreSQL: one SELECT is consistent on its own; no transaction, so no rollback round trip
            # when the connection goes back to the pool
            driver.autocommit = True
        cursor = connection.cursor()
        cursor.execute(sql, tuple(values[name] for name in order) if order else values)
        row = cursor.fetchone()
        if row_type is None:
            row_type = prepared[3] = namedtuple("Read", [d[0] for d in cursor.description])
        cursor.close()
    except engine.dialect.loaded_dbapi.Error:
        # a connection the database closed (a restart): dropped; this request goes the full path, whose
        # pool tests its connections before use
        connection.invalidate()
        return None
    finally:
        connection.close()
    return None if row is None else row_type._make(row)


#: engine -> (the engine's pool, the hit path's own pool): the same connections and settings, without the
#: "SELECT 1" the engine's pool sends before every use (pool_pre_ping; a round trip on PostgreSQL)
_pools: dict = {}


def _pool(engine):
    mine = _pools.get(engine)
    if mine is None or mine[0] is not engine.pool:  # new, or the engine's pool was disposed since
        if mine is not None:
            mine[1].dispose()
        pool = engine.pool.recreate()
        pool._pre_ping = False
        mine = _pools[engine] = (engine.pool, pool)
    return mine[1]


def _org(row, prefix: str, parent: Org | None) -> Org | None:
    oid = getattr(row, f"{prefix}_id")
    return None if oid is None else Org(oid, getattr(row, f"{prefix}_kind"), getattr(row, f"{prefix}_parent"), parent)


def _list_decisions(row, user: Viewer) -> tuple | None:
    """The list page: refused (None) unless the township exists; what the user may see of its revision."""
    if row.t_id is None or row.t_kind != OrgKind.township.value:
        return None
    region = _org(row, "p3", None)
    prefecture = _org(row, "p2", region)
    county = _org(row, "p1", prefecture)
    township = _org(row, "t", county)
    readable = None
    if row.r_id is not None:
        own = user.organisation_id
        revision = OpenRevision(township, row.r_status, (Consulted(own),) if row.r_consulted else (),
                                (OpinionBy(own),) if row.r_opinion else ())
        readable = perm.can_read_revision(user, revision)
    can_start = row.r_id is None and perm.can_start_revision(user, township)
    return ("list", readable, can_start)


def _home_decisions(row, user: Viewer) -> tuple | None:
    # how many townships a place lists before drilling down: read now, not when the statement was compiled
    return ("home", places.LIST_UP_TO)


def _dashboard_decisions(row, user: Viewer) -> tuple | None:
    return ("dashboard",) if perm.can_view_dashboard(user) else None


#: endpoint -> (the one read, its parameters from the URL, the decisions; None: the full path answers)
HIT_PAGES = {
    "lists.township": (_LIST_READ, lambda args: {"township_id": args["township_id"]}, _list_decisions),
    "lists.index": (_HOME_READ, lambda args: {}, _home_decisions),
    "oversight.dashboard": (_STATE_READ, lambda args: {}, _dashboard_decisions),
    "inbox.index": (_STATE_READ, lambda args: {}, lambda row, user: ("inbox",)),
}


def _session_protection_passes(app, sess) -> bool:
    """Flask-Login's session protection, without its side effects: a session begun in another browser (or
    from another address) goes the full path while Flask-Login would still change it (mark it not fresh,
    or end it in "strong" mode); in "basic" mode, once marked, it is served as Flask-Login serves it."""
    mode = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if mode not in ("basic", "strong") or sess.get("_id") == login_manager._session_identifier_generator():
        return True
    return (mode == "basic" or sess.permanent) and sess.get("_fresh") is False


def page_key() -> str | None:
    """This request's page key (see the module), or None when the hit path does not apply."""
    req = request._get_current_object()  # (each use of a context proxy costs a lookup)
    endpoint = req.endpoint
    spec = HIT_PAGES.get(endpoint or "")
    if spec is None or req.method not in ("GET", "HEAD") or req.content_length:
        return None
    app, sess = current_app._get_current_object(), session._get_current_object()
    if not sess or "_flashes" in sess:
        return None
    session_id, csrf_secret = sess.get("_user_id"), sess.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not session_id or not csrf_secret or not _session_protection_passes(app, sess):
        return None
    user_id, _, session_key = str(session_id).partition(":")
    if not user_id.isdigit() or not session_key:
        return None
    statement, params, decide = spec
    today = clock.today()
    row = _read(statement, {"user_id": int(user_id), "today": today, **params(req.view_args or {})})
    if (row is None or not row.active or row.deputised
            or not hmac.compare_digest(row.session_token or "", session_key)):
        return None
    user = Viewer(row.id, row.role, Org(row.organisation_id, row.org_kind, row.org_parent_id), row.organisation_id,
                  bool(row.must_change_password), bool(row.active))
    if perm.must_change_password_first(user, endpoint) or perm.refusal(user, endpoint):
        return None
    decisions = decide(row, user)
    if decisions is None:
        return None
    values = list(row)
    del values[_SESSION_TOKEN]  # checked above; a new one signs the session out
    key = repr((app.extensions["page_build"], database_key(), req.script_root, req.path, req.query_string, csrf_secret,
                today.isoformat(), values, decisions))
    return "h" + hashlib.sha256(key.encode()).hexdigest()[:39]
